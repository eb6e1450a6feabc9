// Answers lost on the way back, in front of moto (an emulator written by other people):
// a proxy forwards every call and resets the connection instead of passing on moto's
// answer to each RegisterTaskDefinition. `sync` converges the examples with one revision
// per family: each lost registration is found by its content hash, not registered again.
import t, { type Test } from 'tap';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ECSClient, ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { cli } from '../helpers/cli.js';
import { startMoto } from '../helpers/moto.js';
import { copyExamples, motoNetwork, withoutMotoGaps } from '../helpers/repo.js';

/** A proxy to `target` that lets moto carry out every call but loses the answers of `operation`. */
async function losingAnswers(t: Test, target: string, operation: string) {
  const to = new URL(target);
  let lost = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (c: Buffer) => body.push(c));
        answer.on('end', () => {
          if (String(req.headers['x-amz-target'] ?? '').endsWith(`.${operation}`) && answer.statusCode === 200) {
            lost++;
            res.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          res.end(Buffer.concat(body));
        });
      });
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  t.teardown(() => new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  }));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lost: () => lost };
}

t.test('moto: every RegisterTaskDefinition answer lost; sync registers each family once', async (t) => {
  const moto = await startMoto(t, { MOTO_ECS_SERVICE_RUNNING: '5' });
  if (!moto) return;
  const proxy = await losingAnswers(t, moto.endpoint, 'RegisterTaskDefinition');
  const dir = withoutMotoGaps(copyExamples(t.testdir(), await motoNetwork(moto.endpoint)));
  const sync = await cli('sync', dir, '--endpoint', proxy.endpoint);
  t.equal(sync.code, 0, `${sync.out}\n${sync.err}`);
  t.ok(proxy.lost() >= 5, `registrations whose answer was lost: ${proxy.lost()}`);
  const diff = await cli('diff', dir, '--endpoint', moto.endpoint);
  t.equal(diff.code, 0, `diff after sync is empty:\n${diff.out}`);
  const ecs = new ECSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  t.teardown(() => ecs.destroy());
  const families = (await ecs.send(new ListTaskDefinitionFamiliesCommand({}))).families ?? [];
  t.ok(families.length >= 5, `families: ${families.join(', ')}`);
  const revisions: Record<string, number> = {};
  for (const family of families) revisions[family] = (await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: family }))).taskDefinitionArns?.length ?? 0;
  t.same(revisions, Object.fromEntries(families.map((f) => [f, 1])), 'one revision per family: 0 extra');
});
