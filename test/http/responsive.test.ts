// 2,000 parallel GETs of the status API build and serialise each answer once (issue 13,
// finding 8), so a burst does not hold the event loop — and /livez — for seconds; a
// change in the store is seen by the next request.
import t from 'tap';
import { WEB, MAIN, setup } from './fixture.js';

t.test('a burst of identical GETs builds the list once; a store change is served at once', async (t) => {
  const { app, status } = setup(t);
  status.recordPlan(WEB, { cluster: 'main' });
  let builds = 0;
  const list = status.list.bind(status);
  status.list = (filter) => {
    builds++;
    return list(filter);
  };
  const replies = await Promise.all(Array.from({ length: 2000 }, () => app.inject('/api/v1/resources')));
  t.ok(replies.every((r) => r.statusCode === 200 && r.json().items.length === 1));
  t.equal(builds, 1, '2,000 requests, one build');
  status.recordPlan(MAIN, {});
  t.equal((await app.inject('/api/v1/resources')).json().items.length, 2, 'the next request sees the change');
  t.equal(builds, 2);
  const filtered = await app.inject('/api/v1/resources?kind=Cluster');
  t.same(filtered.json().items.map((r: { key: string }) => r.key), ['Cluster/main'], 'each query has its own answer');
});
