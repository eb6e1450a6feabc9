import t from 'tap';
import { ManualClock } from '../../src/runtime/clock.js';
import { WorkQueue } from '../../src/runtime/queue.js';

const settle = () => new Promise((r) => setImmediate(r));

t.test('a burst of adds collapses into one run', async (t) => {
  const q = new WorkQueue<string>(new ManualClock());
  for (let i = 0; i < 100; i++) q.add('Service/web');
  q.add('Cluster/store');
  t.same(await q.takeBatch(), ['Service/web', 'Cluster/store']);
  t.equal(q.depth(), 0);
});

t.test('a key is never processed twice at once; added meanwhile, it runs again after', async (t) => {
  const q = new WorkQueue<string>(new ManualClock());
  q.add('a');
  t.same(await q.takeBatch(), ['a']);
  q.add('a');
  t.equal(q.depth(), 0, 'not queued while processing');
  q.done('a');
  t.same(await q.takeBatch(), ['a'], 'queued again once done');
  q.done('a');
  t.equal(q.depth(), 0);
});

t.test('failures back off per key exponentially, capped; success resets', async (t) => {
  const clock = new ManualClock();
  const q = new WorkQueue<string>(clock, { baseMs: 500, maxMs: 4000 });
  t.same([1, 2, 3, 4, 5].map(() => q.addRateLimited('x')), [500, 1000, 2000, 4000, 4000]);
  q.forget('x');
  t.equal(q.addRateLimited('x'), 500, 'back to the base after success');
  t.equal(q.addRateLimited('y'), 500, 'keys back off independently');
});

t.test('delayed adds arrive when the clock says so', async (t) => {
  const clock = new ManualClock();
  const q = new WorkQueue<string>(clock);
  q.addAfter('later', 1000);
  await settle();
  t.equal(q.depth(), 0);
  clock.advance(999);
  await settle();
  t.equal(q.depth(), 0, 'not before its time');
  clock.advance(1);
  await settle();
  t.same(await q.takeBatch(), ['later']);
});

t.test('shutting down releases a waiting taker with nothing and drops delays', async (t) => {
  const clock = new ManualClock();
  const q = new WorkQueue<string>(clock);
  const taking = q.takeBatch();
  q.addAfter('x', 100);
  q.shutDown();
  t.same(await taking, []);
  clock.advance(1000);
  await settle();
  t.equal(q.depth(), 0);
  q.add('y');
  t.equal(q.depth(), 0, 'no work accepted after shutdown');
});

t.test('longest running reports the oldest key in process', async (t) => {
  const clock = new ManualClock();
  const q = new WorkQueue<string>(clock);
  q.add('a');
  await q.takeBatch();
  clock.advance(2500);
  t.equal(q.longestRunningSeconds(), 2.5);
  q.done('a');
  t.equal(q.longestRunningSeconds(), 0);
});
