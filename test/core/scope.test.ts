import t from 'tap';
import { loadConfig } from '../../src/load/index.js';
import { changedKeys, reconcileScope, withReferrers } from '../../src/core/scope.js';

async function examples() {
  const r = await loadConfig('examples');
  if (!r.ok) throw new Error('invalid examples');
  return r.state;
}

t.test('a changed task definition plans itself and its service; reads what they refer to', async (t) => {
  const desired = await examples();
  const { plan, read } = reconcileScope(desired, ['TaskDefinition/billing']);
  t.same([...plan].sort(), ['Service/billing', 'TaskDefinition/billing']);
  t.same([...read].sort(), ['CloudMapNamespace/store.local', 'CloudMapService/billing', 'Cluster/store', 'Service/billing', 'TaskDefinition/billing']);
});

t.test('a changed namespace reaches every Cloud Map service, service and instance in it', async (t) => {
  const desired = await examples();
  const { plan } = reconcileScope(desired, ['CloudMapNamespace/store-external']);
  t.same([...plan].sort(), ['CloudMapInstance/payments-provider-primary', 'CloudMapNamespace/store-external', 'CloudMapService/payments-provider']);
});

t.test('the referrers of a changed document are found transitively, and only documents in git', async (t) => {
  const desired = await examples();
  const services = [...desired.resources.keys()].filter((k) => k.startsWith('Service/'));
  t.same([...withReferrers(desired, ['Cluster/store'])].sort(), ['Cluster/store', ...services].sort(), 'every service in the cluster');
  t.same(
    [...withReferrers(desired, ['CloudMapNamespace/store-external', 'Cluster/gone' as never])].sort(),
    ['CloudMapInstance/payments-provider-primary', 'CloudMapNamespace/store-external', 'CloudMapService/payments-provider'],
    'a namespace reaches its instances through their service; a key not in git is left out',
  );
});

t.test('changedKeys compares documents, not files', async (t) => {
  const before = await examples();
  const after = { resources: new Map(before.resources) };
  const billing = before.resources.get('Service/billing')!;
  after.resources.set('Service/billing', { ...billing, spec: { ...billing.spec, desiredCount: 3 } });
  after.resources.delete('CloudMapInstance/payments-provider-primary');
  const { changed, removed } = changedKeys(before, after);
  t.same([...changed], ['Service/billing']);
  t.same([...removed], ['CloudMapInstance/payments-provider-primary']);
  t.equal(changedKeys(undefined, before).changed.size, before.resources.size, 'everything is new at first');
});
