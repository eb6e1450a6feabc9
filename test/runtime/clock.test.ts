import t from 'tap';
import { setImmediate as tick } from 'node:timers/promises';
import { ManualClock, systemClock } from '../../src/runtime/clock.js';

t.test('a manual clock wakes sleepers in due order when advanced', async (t) => {
  const clock = new ManualClock({ start: 1000 });
  const woke: string[] = [];
  const sleep = (name: string, ms: number) => clock.sleep(ms).then(() => woke.push(`${name}@${clock.now()}`));
  const all = Promise.all([sleep('b', 200), sleep('a', 100), sleep('c', 200)]);
  t.equal(clock.pendingSleeps(), 3);
  clock.advance(99);
  await tick();
  t.same(woke, [], 'nothing is due yet');
  clock.advance(151);
  await all;
  t.same(woke, ['a@1250', 'b@1250', 'c@1250'], 'due order, ties in sleep order');
  t.equal(clock.now(), 1250);
});

t.test('auto-advance jumps to the earliest sleeper and tells listeners', async (t) => {
  const clock = new ManualClock({ start: 0, autoAdvance: true });
  const steps: number[] = [];
  clock.onAdvance((_now, delta) => steps.push(delta));
  const started = Date.now();
  await Promise.all([clock.sleep(60_000), clock.sleep(1_000)]);
  t.equal(clock.now(), 60_000);
  t.same(steps, [1_000, 59_000]);
  t.ok(Date.now() - started < 1000, 'a minute of clock in well under a second');
});

t.test('auto-advance stands still while busy', async (t) => {
  let busy = true;
  const clock = new ManualClock({ start: 0, autoAdvance: true });
  clock.pauseWhile(() => busy);
  let done = false;
  const sleeping = clock.sleep(5_000).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 20));
  t.notOk(done, 'no time passes while work is under way');
  t.equal(clock.now(), 0);
  busy = false;
  await sleeping;
  t.equal(clock.now(), 5_000);
});

t.test('sleeps abort', async (t) => {
  const clock = new ManualClock();
  const ac = new AbortController();
  const sleeping = clock.sleep(1000, ac.signal);
  ac.abort();
  await t.rejects(sleeping, { name: 'AbortError' });
  t.equal(clock.pendingSleeps(), 0, 'an aborted sleep is forgotten');
  await t.rejects(clock.sleep(10, ac.signal), { name: 'AbortError' }, 'an aborted signal refuses at once');
  const real = new AbortController();
  const s = systemClock.sleep(10_000, real.signal);
  real.abort();
  await t.rejects(s, { name: 'AbortError' });
  const before = systemClock.now();
  await systemClock.sleep(5);
  t.ok(systemClock.now() - before >= 4);
});

t.test('timers run inside the advance that reaches them, in due order, at their due time', async (t) => {
  const clock = new ManualClock({ start: 0 });
  const ran: string[] = [];
  clock.setTimer(300, () => ran.push(`b@${clock.now()}`));
  const cancelled = clock.setTimer(100, () => ran.push('cancelled'));
  clock.setTimer(100, () => {
    ran.push(`a@${clock.now()}`);
    clock.setTimer(50, () => ran.push(`a2@${clock.now()}`));
  });
  cancelled.cancel();
  t.equal(clock.pendingTimers(), 2);
  clock.advance(200);
  t.same(ran, ['a@100', 'a2@150'], 'a timer set by a timer runs in the same advance when it falls due');
  t.equal(clock.now(), 200);
  clock.advance(100);
  t.same(ran, ['a@100', 'a2@150', 'b@300']);
  t.equal(clock.pendingTimers(), 0);
});

t.test('an auto-advancing clock moves for sleepers, not for timers, and runs the timers it passes', async (t) => {
  const clock = new ManualClock({ start: 0, autoAdvance: true });
  const ran: number[] = [];
  clock.setTimer(10_000, () => ran.push(clock.now()));
  await tick();
  await tick();
  await tick();
  t.equal(clock.now(), 0, 'a timer alone does not move time');
  await clock.sleep(20_000);
  t.same(ran, [10_000], 'the timer ran on the way');
  t.equal(clock.now(), 20_000);
});
