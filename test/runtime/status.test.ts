// The status store records a pass from its outcomes, in one write.
import t from 'tap';
import type { ResourcePlan } from '../../src/core/plan.js';
import { StatusStore, type ResourceOutcome } from '../../src/runtime/status.js';

const resource = (name: string, action: ResourcePlan['action'] = 'none'): ResourcePlan => ({
  key: `Service/${name}`,
  kind: 'Service',
  name,
  awsName: name,
  action,
  sync: action === 'none' ? 'Synced' : 'OutOfSync',
  health: { status: 'Healthy' },
  changes: [],
});
const outcome = (name: string, extra: Partial<ResourceOutcome> = {}): ResourceOutcome => ({ resource: resource(name), result: 'success', applied: [], ...extra });
const pass = (at: number, resources: ResourceOutcome[], full = true, appliedRevision?: string) => ({ at, full, plan: { resources: resources.map((o) => o.resource), steps: [] }, resources, ...(appliedRevision ? { appliedRevision } : {}) });

t.test('only a full pass without an error is a successful sync', async (t) => {
  const status = new StatusStore(() => 0);
  t.ok(status.recordPass(pass(1, [outcome('web', { applied: ['update web'] }), outcome('api')], true, 'rev1')), 'every resource converged');
  const failed = { code: 'ThrottlingException', reaction: 'retry' as const, message: 'slow down' };
  t.notOk(status.recordPass(pass(2, [outcome('web', { result: 'error', error: failed }), outcome('api')])));
  t.notOk(status.recordPass(pass(2, [outcome('api')], false)), 'a partial pass is not a sync of everything');
  t.match(status.controllerStatus(), { lastSyncAt: 2, lastSuccessfulSyncAt: 1, appliedRevision: 'rev1', ready: true });
  t.match(status.get('Service/web'), { lastError: { at: 2, code: 'ThrottlingException' } });
  t.match(status.get('Service/web')!.events.map((e) => e.reason), ['ThrottlingException', 'Applied', 'Synced']);
  status.recordPass(pass(3, [outcome('web'), outcome('api')]));
  t.equal(status.get('Service/web')!.lastError, undefined, 'success clears the error');
});

t.test('a conflict keeps its last error; only a full pass forgets what it did not see and makes the store ready', async (t) => {
  const status = new StatusStore(() => 0);
  status.recordPass(pass(1, [outcome('web'), outcome('api')], false));
  t.equal(status.controllerStatus().ready, false, 'a partial pass does not make the store ready');
  t.equal(status.plan(), undefined, 'nor replace the plan');
  status.recordPass(pass(2, [outcome('web', { result: 'error', error: { code: 'X', reaction: 'stall', message: 'x' } })], false));
  status.recordPass(pass(3, [outcome('web', { resource: resource('web', 'conflict'), result: 'conflict' })]));
  t.equal(status.get('Service/web')!.lastError?.code, 'X');
  t.equal(status.get('Service/api'), undefined, 'gone from the full pass: forgotten');
  t.equal(status.controllerStatus().ready, true);
  t.equal(status.plan()?.resources.length, 1);
});
