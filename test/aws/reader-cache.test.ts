import t from 'tap';
import { LiveCache } from '../../src/aws/reader.js';

t.test('Cloud Map tags: cached, refreshed when stale but only so many per full read, never in a partial one', async (t) => {
  let now = 0;
  const cache = new LiveCache(() => now, 1000, 2);
  for (const arn of ['a', 'b', 'c']) cache.rememberTags(arn, { owner: arn });
  cache.beginRead(true);
  t.same(cache.cloudMapTags('a'), { owner: 'a' }, 'fresh tags come from the cache');
  now = 5000;
  cache.beginRead(false);
  t.same(['a', 'b', 'c'].map((arn) => cache.cloudMapTags(arn)), [{ owner: 'a' }, { owner: 'b' }, { owner: 'c' }], 'a partial read refreshes nothing');
  cache.beginRead(true);
  t.same(['a', 'b', 'c'].map((arn) => cache.cloudMapTags(arn)), [undefined, undefined, { owner: 'c' }], 'a full read refreshes two stale entries, keeps the third');
  t.equal(cache.cloudMapTags('unknown'), undefined, 'an unknown object is always read');
  cache.forget(['c']);
  cache.beginRead(false);
  t.equal(cache.cloudMapTags('c'), undefined, 'an object just written is read again');
});

t.test('the bulk ownership answer: covers what the controller has not written since, is due again after the TTL, and a failure holds it off by its kind', async (t) => {
  let now = 0;
  const cache = new LiveCache(() => now, 1000, 2);
  const object = { arn: 'arn:sd:service/srv-1', id: 'srv-1', named: false };
  t.ok(cache.bulkDue(), 'no answer yet: due');
  t.notOk(cache.bulkCovers(object), 'nothing is covered before an answer');
  cache.rememberBulk(new Map([['arn:sd:namespace/ns-1', { owner: 'me' }]]));
  t.same(cache.cloudMapTags('arn:sd:namespace/ns-1'), { owner: 'me' }, 'the answer\'s tags are cached');
  t.ok(cache.bulkCovers(object), 'absent from a fresh answer: known to carry no owner tag');
  t.notOk(cache.bulkDue(), 'a fresh answer is not read again');
  t.match(cache.ownership, { mode: 'bulk' });
  cache.forget(['srv-1']);
  t.notOk(cache.bulkCovers(object), 'written since (by id): the answer cannot know it');
  now = 1000;
  t.notOk(cache.bulkCovers({ ...object, arn: 'arn:sd:service/srv-2', id: 'srv-2' }), 'a stale answer covers nothing');
  t.ok(cache.bulkDue(), 'due again after the TTL');

  cache.bulkUnavailable('tag:GetResources failed, ThrottledException', true);
  t.ok(cache.bulkDue(), 'a transient failure: tried again at the next full read');
  t.match(cache.ownership, { mode: 'per-object', reason: /ThrottledException/ });
  cache.bulkUnavailable('tag:GetResources failed, AccessDeniedException', false);
  t.notOk(cache.bulkDue(), 'denied: not tried again at once');
  now = 2000;
  t.ok(cache.bulkDue(), 'denied: tried again after the TTL');
});
