// The rate limiter of one account and region is shared by the applications that target it,
// and serves them in turn: one application's burst never starves another's single call.
// A clock stepped by hand; no sleeps.
import t from 'tap';
import { setImmediate as tick } from 'node:timers/promises';
import { RateLimiter } from '../../src/aws/clients.js';
import { ManualClock } from '../../src/runtime/clock.js';

/** Takes every free token of `category`, so whatever comes next waits. */
async function drainBucket(limiter: RateLimiter, category: 'cluster-modify' | 'service-modify', application: string): Promise<void> {
  while (limiter.delayFor(category) === 0) await limiter.acquire(category, { application });
}

t.test('a burst of one application queued first delays another application\'s single call by one token, not by the burst', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ clock, headroom: 1 });
  await drainBucket(limiter, 'cluster-modify', 'a');
  const served: string[] = [];
  const burst = Array.from({ length: 10 }, (_, i) => limiter.acquire('cluster-modify', { application: 'a' }).then(() => served.push(`a${i}`)));
  const single = limiter.acquire('cluster-modify', { application: 'b' }).then(() => served.push('b'));
  t.equal(limiter.waiting('cluster-modify'), 11, 'eleven calls wait');
  t.equal(limiter.available('cluster-modify'), 0);

  clock.advance(1000); // cluster-modify refills one token a second
  await tick();
  t.same(served, ['a0'], 'the first token goes to the application first in line');
  clock.advance(1000);
  await tick();
  t.same(served, ['a0', 'b'], "the second goes to the other application, ahead of the rest of a's burst");
  for (let i = 0; i < 9; i++) {
    clock.advance(1000);
    await tick();
  }
  await Promise.all([...burst, single]);
  t.same(served, ['a0', 'b', ...Array.from({ length: 9 }, (_, i) => `a${i + 1}`)], "then a's burst in its own order");
  t.equal(limiter.waiting('cluster-modify'), 0);
});

t.test('three applications waiting at once get tokens round-robin', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ clock, headroom: 1 });
  await drainBucket(limiter, 'cluster-modify', 'x');
  const served: string[] = [];
  const all: Promise<unknown>[] = [];
  for (const [application, n] of [['a', 3], ['b', 2], ['c', 1]] as const) {
    for (let i = 0; i < n; i++) all.push(limiter.acquire('cluster-modify', { application }).then(() => served.push(application)));
  }
  clock.advance(6000);
  await Promise.all(all);
  // Six tokens refilled at once: handed out a, b, c, a, b, a.
  t.same(served, ['a', 'b', 'c', 'a', 'b', 'a']);
});

t.test('a free token goes at once while nobody waits; an arrival queues behind waiters of any application', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ clock, headroom: 1 });
  let done = false;
  await limiter.acquire('service-modify', { application: 'a' });
  t.equal(clock.pendingSleeps(), 0, 'a free token: no wait');
  await drainBucket(limiter, 'service-modify', 'a');
  const first = limiter.acquire('service-modify', { application: 'a' });
  clock.advance(200); // service-modify refills 5 a second: one token
  const late = limiter.acquire('service-modify', { application: 'b' }).then(() => (done = true));
  await first;
  await tick();
  t.notOk(done, 'the token that refilled went to the caller that was waiting, not to the newcomer');
  clock.advance(200);
  await late;
  t.ok(done);
});

t.test('an aborted waiter leaves the line; the others are served as before', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ clock, headroom: 1 });
  await drainBucket(limiter, 'cluster-modify', 'a');
  const abort = new AbortController();
  const gone = limiter.acquire('cluster-modify', { application: 'a', signal: abort.signal });
  const stays = limiter.acquire('cluster-modify', { application: 'b' });
  abort.abort(new Error('stopping'));
  await t.rejects(gone, /stopping/);
  t.equal(limiter.waiting('cluster-modify'), 1);
  clock.advance(1000);
  await stays;
  t.equal(limiter.waiting('cluster-modify'), 0);
});

t.test('limiters of different accounts or regions are separate buckets: one draining leaves the other full', async (t) => {
  const clock = new ManualClock();
  const one = new RateLimiter({ clock, headroom: 1 });
  const other = new RateLimiter({ clock, headroom: 1 });
  await drainBucket(one, 'cluster-modify', 'a');
  t.equal(one.delayFor('cluster-modify'), 1000);
  t.equal(other.delayFor('cluster-modify'), 0);
  t.equal(other.available('cluster-modify'), 20);
});
