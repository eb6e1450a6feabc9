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
