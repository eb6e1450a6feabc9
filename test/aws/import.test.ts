// What `import` reads (src/aws/import.ts), against the simulator, which refuses more than
// 10 services per DescribeServices as AWS does: batched to the API limits, every
// revision described once, nothing written.
import t from 'tap';
import { createAwsClients, destroyAwsClients } from '../../src/aws/clients.js';
import { ImportNotFound, readForImport } from '../../src/aws/import.js';
import { ECS_TARGET_PREFIX, startSimulator } from '../../src/sim/index.js';

t.test('a cluster of 23 services: 3 DescribeServices, one DescribeTaskDefinition per revision, no write', async (t) => {
  const sim = await startSimulator();
  t.teardown(() => sim.close());
  const ecs = (operation: string, input: object) => {
    const answer = sim.invoke(`${ECS_TARGET_PREFIX}.${operation}`, JSON.stringify(input));
    if (answer.status !== 200) throw new Error(`${operation}: ${JSON.stringify(answer.body)}`);
  };
  ecs('CreateCluster', { clusterName: 'big' });
  for (const family of ['api', 'worker']) ecs('RegisterTaskDefinition', { family, containerDefinitions: [{ name: family, image: `${family}:1`, memory: 128 }] });
  for (let i = 0; i < 23; i++) ecs('CreateService', { cluster: 'big', serviceName: `svc-${String(i).padStart(2, '0')}`, taskDefinition: i % 2 ? 'api:1' : 'worker:1', desiredCount: 0 });

  const clients = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint });
  t.teardown(() => destroyAwsClients(clients));
  const source = await readForImport(clients, { cluster: 'big' });
  t.equal(source.services.length, 23);
  t.same([...source.taskDefinitions.values()].map((td) => `${td.family}:${td.revision}`).sort(), ['api:1', 'worker:1']);
  const calls = clients.calls.snapshot();
  t.equal(calls['ecs:DescribeServices']?.calls, 3, '⌈23 / 10⌉');
  t.equal(calls['ecs:DescribeTaskDefinition']?.calls, 2);
  t.equal(clients.calls.writes(), 0, 'import only reads');

  await t.rejects(readForImport(clients, { cluster: 'big', services: ['svc-01', 'gone'] }), new ImportNotFound('no ACTIVE service "gone" in cluster "big"'));
  await t.rejects(readForImport(clients, { namespaces: ['nowhere.local'] }), new ImportNotFound('no Cloud Map namespace "nowhere.local"'));
});
