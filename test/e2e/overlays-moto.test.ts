// Overlays end to end on moto, checked through the AWS CLI: staging and production of
// one base synced side by side, each in its own cluster with its own image and count. A
// base change rolls out to both; an overlay change to its own environment only.
import t from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { awsCli } from '../helpers/aws-cli.js';
import { cli, plannedCalls } from '../helpers/cli.js';
import { startMoto } from '../helpers/moto.js';
import { motoNetwork } from '../helpers/repo.js';
import { BASE_IMAGE, overlayRepo } from '../helpers/overlays.js';

interface Described {
  services: { desiredCount: number; taskDefinition: string; clusterArn: string }[];
}
interface Container {
  taskDefinition: { containerDefinitions: { image: string; environment: { name: string; value: string }[] }[]; revision: number };
}

t.test('moto: two overlays of one base, synced side by side; a base change reaches both, an overlay change one', async (t) => {
  const moto = await startMoto(t, { MOTO_ECS_SERVICE_RUNNING: '5' });
  if (!moto) return;
  const network = await motoNetwork(moto.endpoint);
  const dir = t.testdir();
  mkdirSync(join(dir, '.git'));
  const repo = overlayRepo(dir, { subnet: network['subnet-0aa1b2c3d4e5f6071'], securityGroup: network['sg-0a1b2c3d4e5f60001'] });
  const envs = join(dir, 'envs');
  const sync = async () => {
    const r = await cli('sync', envs, '--endpoint', moto.endpoint);
    t.equal(r.code, 0, `sync: ${r.out}\n${r.err}`);
  };
  const live = async (env: string) => {
    const described = (await awsCli(moto.endpoint, ['ecs', 'describe-services', '--cluster', `${env}-shop`, '--services', `${env}-web`])) as Described;
    const service = described.services[0];
    const td = (await awsCli(moto.endpoint, ['ecs', 'describe-task-definition', '--task-definition', service.taskDefinition])) as Container;
    const [container] = td.taskDefinition.containerDefinitions;
    return { count: service.desiredCount, cluster: service.clusterArn.split('/').pop(), taskDefinition: service.taskDefinition.split('/').pop(), image: container.image, greeting: container.environment[0]?.value };
  };

  await sync();
  t.same(await live('staging'), { count: 1, cluster: 'staging-shop', taskDefinition: 'staging-web:1', image: `${BASE_IMAGE}:1.28`, greeting: 'hello' });
  t.same(await live('production'), { count: 2, cluster: 'production-shop', taskDefinition: 'production-web:1', image: `${BASE_IMAGE}:1.27.3`, greeting: 'hello' });
  t.equal((await cli('diff', envs, '--endpoint', moto.endpoint)).code, 0, 'diff after sync is empty');

  repo.setGreeting('hi from the base');
  await sync();
  t.same(await live('staging'), { count: 1, cluster: 'staging-shop', taskDefinition: 'staging-web:2', image: `${BASE_IMAGE}:1.28`, greeting: 'hi from the base' }, 'the base change reached staging');
  t.same(await live('production'), { count: 2, cluster: 'production-shop', taskDefinition: 'production-web:2', image: `${BASE_IMAGE}:1.27.3`, greeting: 'hi from the base' }, 'and production');

  repo.setCount('staging', '1.29', 3);
  const { plan } = await plannedCalls(envs, moto.endpoint);
  t.same(plan.resources.filter((r) => r.action !== 'none').map((r) => r.key).sort(), ['Service/staging-web', 'TaskDefinition/staging-web'], 'the overlay change plans staging only');
  await sync();
  t.same(await live('staging'), { count: 3, cluster: 'staging-shop', taskDefinition: 'staging-web:3', image: `${BASE_IMAGE}:1.29`, greeting: 'hi from the base' }, 'staging: new image and count');
  t.same(await live('production'), { count: 2, cluster: 'production-shop', taskDefinition: 'production-web:2', image: `${BASE_IMAGE}:1.27.3`, greeting: 'hi from the base' }, 'production untouched');
});
