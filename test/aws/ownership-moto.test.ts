// Cloud Map ownership against moto 5.2, whose tag:GetResources answers but knows no Cloud
// Map resources (its tagging backend has no servicediscovery): the bulk answer misses
// objects the controller owns, the first one a document names gives it away, and the read
// goes on one tag read per object — the owned object no document names is still found.
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateServiceCommand, ListNamespacesCommand } from '@aws-sdk/client-servicediscovery';
import { createAwsClients, destroyAwsClients } from '../../src/aws/clients.js';
import { LiveCache } from '../../src/aws/reader.js';
import { readAndPlan } from '../../src/commands/common.js';
import { resolveApplication } from '../../src/application.js';
import { loadConfig } from '../../src/load/index.js';
import { plannedCalls } from '../helpers/cli.js';
import { startMoto } from '../helpers/moto.js';

const moto = await startMoto(t);
if (moto) {
  const dir = t.testdir();
  mkdirSync(join(dir, 'cloudmap'));
  writeFileSync(join(dir, 'namespace.yaml'), 'apiVersion: ecs-gitops.io/v1alpha1\nkind: CloudMapNamespace\nmetadata: {name: moto.local}\nspec: {type: HTTP}\n');
  for (const name of ['a', 'b', 'c']) {
    writeFileSync(join(dir, 'cloudmap', `${name}.yaml`), `apiVersion: ecs-gitops.io/v1alpha1\nkind: CloudMapService\nmetadata: {name: ${name}}\nspec: {namespace: moto.local}\n`);
  }

  t.test('moto\'s bulk answer misses owned objects: reads fall back per object and still find the one no document names', async (t) => {
    for (let pass = 0; pass < 3 && (await plannedCalls(dir, moto.endpoint, true)).plan.steps.length > 0; pass++);
    const clients = createAwsClients({ region: 'us-east-1', endpoint: moto.endpoint });
    t.teardown(() => destroyAwsClients(clients));
    const { Namespaces } = await clients.cloudMap.send(new ListNamespacesCommand({}));
    const namespaceId = Namespaces!.find((n) => n.Name === 'moto.local')!.Id!;
    await clients.cloudMap.send(new CreateServiceCommand({
      Name: 'orphan', NamespaceId: namespaceId,
      Tags: [{ Key: 'ecs-gitops.io/owner', Value: 'ecs-gitops' }, { Key: 'ecs-gitops.io/resource', Value: 'CloudMapService/orphan' }],
    }));
    clients.calls.reset();

    const loaded = await loadConfig(dir);
    if (!loaded.ok) return t.fail('the config loads');
    const cache = new LiveCache();
    const aws = { region: 'us-east-1', endpoint: moto.endpoint, controllerId: 'ecs-gitops', application: (await resolveApplication(dir)).application };
    const { plan } = await readAndPlan(loaded.state, clients, aws, { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 }, cache);
    t.match(clients.calls.total({ service: 'tagging', operation: 'GetResources' }), { calls: 1, errors: 0 }, 'moto answers GetResources');
    t.match(cache.ownership, { mode: 'per-object', reason: /tag:GetResources did not list arn:aws:servicediscovery:.* which carries ecs-gitops.io\/owner/ }, 'the miss is noticed and reported');
    t.equal(clients.calls.total({ operation: 'ListTagsForResource' }).calls, 5, 'the namespace and its four services are read one by one');
    t.same(plan.resources.filter((r) => r.key !== 'CloudMapService/orphan').map((r) => `${r.key} ${r.sync}`).sort(), ['CloudMapNamespace/moto.local Synced', 'CloudMapService/a Synced', 'CloudMapService/b Synced', 'CloudMapService/c Synced'], 'every document in sync, as with the bulk read');
    t.match(plan.resources.find((r) => r.key === 'CloudMapService/orphan'), { action: 'prune-skipped' }, 'the owned object no document names is found');
  });
}
