// The daemon's composition root with several applications, in process: one whose
// checkout is not there yet at start does not keep the others from starting and
// converging; it shows a load error naming its path and starts once the checkout appears.
import t, { type Test } from 'tap';
import { Writable } from 'node:stream';
import { startDaemon, type DaemonConfig } from '../src/daemon.js';
import { startSimulator } from '../src/sim/index.js';
import { eventually } from './helpers/daemon.js';
import { applicationRepo } from './helpers/applications.js';
import type { ApplicationConfig } from '../src/controller-config.js';

const prune = { enabled: false, allowEmpty: false, maxDeletesPerSync: 20 };
const application = (name: string, repo: string): ApplicationConfig => ({
  name,
  application: name,
  source: { repo, path: 'config', gitIntervalMs: 60_000 },
  target: { region: 'us-east-1' },
  prune,
  selfHeal: true,
  resyncMs: 60_000,
});

/** A daemon of `applications` on the simulator at `endpoint`, its logs dropped, with `extra` settings; stopped by the test. */
async function daemonOf(t: Test, endpoint: string, applications: ApplicationConfig[], extra: Partial<DaemonConfig> = {}) {
  const daemon = await startDaemon({
    applications,
    gitIntervalMs: 60_000,
    debounceMs: 50,
    resyncMs: 60_000,
    selfHeal: true,
    prune,
    aws: { region: 'us-east-1', endpoint, controllerId: 'ecs-gitops' },
    embeddedAws: false,
    rateLimit: false,
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: 'warn',
    stopGraceMs: 2_000,
    logDestination: new Writable({ write: (_chunk, _enc, done) => done() }),
    ...extra,
  });
  t.teardown(() => daemon.stop());
  return daemon;
}

t.test('an application whose checkout is missing at start waits for it; the others start and converge', async (t) => {
  const sim = await startSimulator({ rolloutTimings: { taskStartMs: 50, taskStopMs: 50, serviceDrainMs: 50, cloudMapStepMs: 20 } });
  t.teardown(() => sim.close());
  const dir = t.testdir();
  const shop = applicationRepo(dir, 'shop');
  const daemon = await daemonOf(t, sim.endpoint, [application('shop', shop.dir), application('late', `${dir}/late`)], { firstSnapshotRetryMs: 200 });
  const [shopApp, late] = daemon.applications;
  t.ok(await eventually(() => shopApp.status.controllerStatus().ready && shopApp.status.counts().health.Healthy === 3, 20_000), 'shop converges');
  const lateStatus = late.status.controllerStatus();
  t.equal(lateStatus.ready, false, 'late is not ready');
  t.match(lateStatus.loadErrors, [{ code: 'FILE_UNREADABLE', file: 'config' }], 'late shows a load error naming its config path');
  t.equal((await fetch(`${daemon.url}/readyz`)).status, 503, 'the daemon is not ready while one application is not');

  applicationRepo(dir, 'late');
  t.ok(await eventually(() => late.status.controllerStatus().ready && late.status.counts().health.Healthy === 3, 20_000), 'late starts once its checkout is there');
  t.same(late.status.controllerStatus().loadErrors, [], 'its load error is gone');
  t.equal((await fetch(`${daemon.url}/readyz`)).status, 200);
});

t.test('an application with its own notification sinks: its messages go there, another application\'s do not', async (t) => {
  const { startReceiver, signatureValid } = await import('./notify/receiver.js');
  const receiver = await startReceiver(t);
  const platform = await startReceiver(t);
  const sim = await startSimulator({ rolloutTimings: { taskStartMs: 50, taskStopMs: 50, serviceDrainMs: 50, cloudMapStepMs: 20 } });
  t.teardown(() => sim.close());
  const dir = t.testdir();
  const shop = applicationRepo(dir, 'shop');
  const pay = applicationRepo(dir, 'pay');
  const daemon = await daemonOf(t, sim.endpoint, [
    { ...application('shop', shop.dir), notifications: { webhook: { url: receiver.url, secret: 'shop-secret' } } },
    application('pay', pay.dir),
  ], {
    // The daemon's sink (--notify-webhook): for the applications without their own.
    notifications: { webhook: { url: platform.url } },
  });
  const [shopApp, payApp] = daemon.applications;
  t.ok(await eventually(() => [shopApp, payApp].every((a) => a.status.controllerStatus().ready && a.status.counts().health.Healthy === 3), 20_000), 'both converge');

  pay.write('1.0.1', 'lots');
  const [payMessage] = await platform.until(1);
  t.match(payMessage.body, { event: 'invalid-revision', application: 'pay' }, 'pay\'s invalid commit goes to the daemon\'s sink');
  shop.write('1.0.1', 'lots');
  const [message] = await receiver.until(1);
  t.match(message.body, { event: 'invalid-revision', application: 'shop' }, 'shop\'s sink hears of shop\'s invalid commit');
  t.ok(signatureValid('shop-secret', message), 'signed with shop\'s secret');
  // Pay's message came before shop's commit: had it gone to shop's sink, it would be there.
  t.same(receiver.received.map((r) => r.body.application), ['shop'], 'shop\'s sink hears nothing of pay');
  t.ok(await eventually(() => shopApp.status.controllerStatus().loadErrors.length > 0, 10_000));
  t.same(platform.received.map((r) => r.body.application), ['pay'], 'and the daemon\'s sink nothing of shop, which has its own');
});
