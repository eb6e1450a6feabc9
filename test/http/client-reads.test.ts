// Live AWS reads the open status API makes for its clients: cached, single-flighted and
// held to their own small budget, so polling the API never spends the controller's
// rate limit (issue 13, finding 1).
import t from 'tap';
import { CreateHttpNamespaceCommand, CreateServiceCommand, GetOperationCommand, RegisterInstanceCommand } from '@aws-sdk/client-servicediscovery';
import { CLIENT_READ_LIMITS, RateLimiter, createAwsClients, destroyAwsClients } from '../../src/aws/clients.js';
import { listInstances } from '../../src/aws/reader.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { CLIENT_READ_TTL_MS } from '../../src/http/reads.js';
import { ManualClock as SimManualClock, startSimulator } from '../../src/sim/index.js';
import { MAIN, WEB, setup } from './fixture.js';

async function cloudMapService(t: { teardown(fn: () => unknown): void }) {
  const simClock = new SimManualClock();
  const sim = await startSimulator({ clock: simClock });
  const limiterClock = new ManualClock();
  const limiter = new RateLimiter({ clock: limiterClock, headroom: 1 });
  const aws = createAwsClients({ region: 'us-east-1', endpoint: sim.endpoint }, { limiter });
  t.teardown(async () => {
    destroyAwsClients(aws);
    await sim.close();
  });
  const { OperationId } = await aws.cloudMap.send(new CreateHttpNamespaceCommand({ Name: 'shop' }));
  let namespaceId: string | undefined;
  for (let i = 0; i < 100 && !namespaceId; i++) {
    simClock.advance(1000);
    namespaceId = (await aws.cloudMap.send(new GetOperationCommand({ OperationId }))).Operation?.Targets?.NAMESPACE;
  }
  const { Service } = await aws.cloudMap.send(new CreateServiceCommand({ Name: 'web', NamespaceId: namespaceId }));
  await aws.cloudMap.send(new RegisterInstanceCommand({ ServiceId: Service!.Id, InstanceId: 'task-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.7' } }));
  for (let i = 0; i < 100 && (await listInstances(aws.cloudMap, Service!.Id!)).length === 0; i++) simClock.advance(1000);
  aws.calls.reset();
  return { aws, limiter, serviceId: Service!.Id! };
}

t.test('20 clients polling a Service for a minute make a bounded number of ListInstances calls and take no token of reconciliation', async (t) => {
  const { app, status, controller, clock } = setup(t);
  const { aws, limiter, serviceId } = await cloudMapService(t);
  status.recordPlan(WEB, { cluster: 'main' }, { runningCount: 1 });
  status.recordPlan(MAIN, {});
  controller.cloudMapInstances = async () => [{ cloudMapService: 'web', instances: await listInstances(aws.cloudMap, serviceId) }];
  const reconcileTokens = limiter.delayFor('cloudmap');

  let answered = 0;
  let failed = 0;
  for (let second = 0; second < 60; second++) {
    for (let round = 0; round < 5; round++) {
      const replies = await Promise.all(Array.from({ length: 20 }, () => app.inject('/api/v1/resources/Service/web')));
      for (const reply of replies) {
        if (reply.statusCode !== 200) failed++;
        else if (reply.json().liveSummary.cloudMapInstances[0]?.instances[0]?.id === 'task-1') answered++;
      }
    }
    clock.advance(1000);
  }
  const calls = aws.calls.total({ operation: 'ListInstances' }).calls;
  t.equal(failed, 0);
  t.equal(answered, 6000, 'every one of 6,000 requests shows the instances');
  t.ok(calls <= Math.ceil(60_000 / CLIENT_READ_TTL_MS) + 1, `ListInstances calls (${calls}) follow the cache, not the requests`);
  t.equal(limiter.delayFor('cloudmap'), reconcileTokens, 'reconciliation’s Cloud Map bucket is untouched');
});

t.test('concurrent requests share one read; distinct keys are held to the client budget, served stale or refused, never queued', async (t) => {
  const { app, status, controller, clock } = setup(t);
  const budget = CLIENT_READ_LIMITS.cloudmap!;
  let reads = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  controller.cloudMapInstances = async (key) => {
    reads++;
    await gate;
    return [{ cloudMapService: key, instances: [] }];
  };
  const names = Array.from({ length: budget.burst + 3 }, (_, i) => `web-${i}`);
  for (const name of names) status.recordPlan({ ...WEB, key: `Service/${name}`, name }, { cluster: 'main' });

  const same = Promise.all(Array.from({ length: 50 }, () => app.inject('/api/v1/resources/Service/web-0')));
  await new Promise((resolve) => setImmediate(resolve));
  release();
  t.ok((await same).every((r) => r.json().liveSummary.cloudMapInstances[0].cloudMapService === 'Service/web-0'));
  t.equal(reads, 1, '50 concurrent requests, one read');

  const replies = await Promise.all(names.slice(1).map((name) => app.inject(`/api/v1/resources/Service/${name}`)));
  t.equal(reads, budget.burst, 'no more reads than the burst');
  const refused = replies.map((r) => r.json().liveSummary.cloudMapInstances).filter((v) => !Array.isArray(v));
  t.equal(refused.length, names.length - budget.burst);
  t.match(refused[0], { error: /rate-limited; try again in \d+ s/ });
  t.ok(replies.every((r) => r.statusCode === 200), 'the rest of each resource is still shown');

  clock.advance(CLIENT_READ_TTL_MS);
  const stale = await app.inject('/api/v1/resources/Service/web-0');
  t.same(stale.json().liveSummary.cloudMapInstances, [{ cloudMapService: 'Service/web-0', instances: [] }]);
  t.ok(reads <= budget.burst + Math.ceil((CLIENT_READ_TTL_MS / 1000) * budget.perSecond), 'refills at the client rate only');
});
