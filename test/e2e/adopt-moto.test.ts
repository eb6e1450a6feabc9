// Adoption on moto, an emulator written by other people, which echoes what it is sent
// where AWS fills in defaults (test/e2e/adopt.test.ts runs the same scenarios on the
// simulator). moto starts no deployment on UpdateService, so "nothing is deployed" is
// asserted here by the calls made and the revision each service runs.
import t from 'tap';
import { adoptChangedContent, adoptEqualContent } from '../helpers/adoption.js';
import type { LegacyNetwork } from '../helpers/legacy.js';
import { startMoto } from '../helpers/moto.js';
import { motoNetwork } from '../helpers/repo.js';

// Fourteen AWS CLI processes and a Python emulator: minutes, not seconds, on a loaded machine.
t.setTimeout(300_000);

/** moto checks awsvpc subnets and security groups against its own EC2. */
async function network(endpoint: string): Promise<LegacyNetwork> {
  const ids = await motoNetwork(endpoint);
  return { vpc: ids['vpc-0a1b2c3d4e5f67890'], subnet: ids['subnet-0aa1b2c3d4e5f6071'], securityGroup: ids['sg-0a1b2c3d4e5f60001'] };
}

const moto = await startMoto(t, { MOTO_ECS_SERVICE_RUNNING: '5' });
if (moto) {
  t.test('moto: adopting what equals git writes tags only', async (t) => {
    await adoptEqualContent(t, moto.endpoint, await network(moto.endpoint));
  });

  t.test('moto: adopting what differs from git tags first, then registers and updates', async (t) => {
    await moto.reset();
    await adoptChangedContent(t, moto.endpoint, await network(moto.endpoint), 'public.ecr.aws/docker/library/nginx:1.28');
  });
}
