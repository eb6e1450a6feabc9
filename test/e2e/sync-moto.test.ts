// `ecs-gitops sync` and `diff` on a copy of examples/ against moto, an AWS emulator
// written by other people, checked through the AWS CLI (test/e2e/sync.test.ts does the
// same against the simulator).
import t from 'tap';
import { awsCli } from '../helpers/aws-cli.js';
import { cli, plannedCalls } from '../helpers/cli.js';
import { copyExamples, motoNetwork, withoutMotoGaps } from '../helpers/repo.js';
import { startMoto } from '../helpers/moto.js';

t.test('moto: sync converges the examples; diff then finds nothing', async (t) => {
  const moto = await startMoto(t, { MOTO_ECS_SERVICE_RUNNING: '5' });
  if (!moto) return;
  const dir = withoutMotoGaps(copyExamples(t.testdir(), await motoNetwork(moto.endpoint)));
  const first = await cli('sync', dir, '--endpoint', moto.endpoint);
  t.equal(first.code, 0, `${first.out}\n${first.err}`);
  const diff = await cli('diff', dir, '--endpoint', moto.endpoint);
  t.equal(diff.code, 0, `diff after sync is empty:\n${diff.out}`);
  const described = (await awsCli(moto.endpoint, ['ecs', 'describe-services', '--cluster', 'store', '--services', 'billing', '--include', 'TAGS'])) as { services: { tags: { key: string; value: string }[]; taskDefinition: string }[] };
  const tags = Object.fromEntries(described.services[0].tags.map((x) => [x.key, x.value]));
  t.match(tags, { team: 'payments', 'ecs-gitops.io/owner': 'ecs-gitops' });
  t.match(described.services[0].taskDefinition, /billing:1$/);
  const { writes, count } = await plannedCalls(dir, moto.endpoint, true);
  t.equal(writes, 0, 'a second sync writes nothing');
  t.equal(count('DescribeTaskDefinition'), 0);
});
