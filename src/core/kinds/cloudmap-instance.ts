/**
 * CloudMapInstance: an instance registered in a Cloud Map service. Instances carry no
 * tags; the controller marks the ones it registered with owner and application attributes.
 * RegisterInstance with an existing id updates it, so create and update are one call.
 */
import type { Resource } from '../../api/kinds.js';
import { resourceKey, specOf } from '../../api/kinds.js';
import type { CloudMapInstanceSpec } from '../../api/specs.js';
import { awsName } from '../desired.js';
import { HEALTHY, MISSING } from '../health.js';
import type { LiveInstance } from '../live.js';
import type { Canonical } from '../normalize.js';
import type { Ref } from '../plan.js';
import { APPLICATION_ATTRIBUTE, OWNER_ATTRIBUTE, OWNERSHIP_ATTRIBUTES } from '../tags.js';
import { idempotencyToken } from './calls.js';
import type { KindModule, PlanContext } from './types.js';

/** The attribute ECS sets on the instances it registers for a service's tasks. */
const ECS_SERVICE_ATTRIBUTE = 'ECS_SERVICE_NAME';

/** The attributes, without the controller's owner and application marks. */
export function canonicalInstance(spec: Pick<CloudMapInstanceSpec, 'attributes'>): Canonical {
  const attributes = { ...spec.attributes };
  for (const mark of OWNERSHIP_ATTRIBUTES) delete attributes[mark];
  return { attributes };
}

function find(doc: Resource<'CloudMapInstance'>, ctx: PlanContext): LiveInstance | undefined {
  const service = ctx.doc('CloudMapService', specOf(doc).service);
  const liveService = service && ctx.find(service);
  return liveService && ctx.live.instances.get(`${liveService.id}/${awsName(doc)}`);
}

function plan(resource: Resource<'CloudMapInstance'>, ctx: PlanContext): void {
  const key = resourceKey('CloudMapInstance', resource.metadata.name);
  const id = awsName(resource);
  const spec = specOf(resource);
  const serviceDoc = ctx.resolve('CloudMapService', spec.service);
  const serviceKey = resourceKey('CloudMapService', serviceDoc.metadata.name);
  const liveService = ctx.find(serviceDoc);
  const live = find(resource, ctx);
  const decision = ctx.compare(resource, {
    live: live && { id: `${live.serviceId}/${live.id}`, owner: live.attributes[OWNER_ATTRIBUTE], application: live.attributes[APPLICATION_ATTRIBUTE], tags: {} },
    desired: canonicalInstance(spec),
    liveBody: live && canonicalInstance(live),
    health: live ? HEALTHY : MISSING,
    tags: undefined,
  });
  if (!decision) return;
  const withOwner = { ...spec.attributes, [OWNER_ATTRIBUTE]: ctx.controllerId, [APPLICATION_ATTRIBUTE]: ctx.application };
  const input = {
    ServiceId: liveService?.id ?? ({ $ref: serviceKey, attr: 'id' } satisfies Ref),
    InstanceId: id,
    Attributes: withOwner,
    CreatorRequestId: idempotencyToken(key, withOwner),
  };
  const action = decision.action === 'update' ? 'update' : 'create';
  ctx.addStep({ key, action, description: `register instance ${id}`, calls: [{ service: 'servicediscovery', operation: 'RegisterInstance', input }], dependsOn: ctx.after(serviceKey) });
}

export const CloudMapInstanceKind: KindModule<'CloudMapInstance'> = {
  kind: 'CloudMapInstance',
  createOnly: [],
  // Cloud Map instances carry no tags (an attribute marks them).
  controllerTags: () => [],
  notFoundErrors: ['InstanceNotFound'],
  find,
  plan,
  owned: (live, controllerId) =>
    [...live.instances.values()]
      .filter((i) => i.attributes[OWNER_ATTRIBUTE] === controllerId)
      .map((i) => ({
        key: resourceKey('CloudMapInstance', i.id), kind: 'CloudMapInstance', awsName: i.id, id: `${i.serviceId}/${i.id}`, protectedByTag: false, application: i.attributes[APPLICATION_ATTRIBUTE],
        calls: [{ service: 'servicediscovery', operation: 'DeregisterInstance', input: { ServiceId: i.serviceId, InstanceId: i.id } }],
        view: () => ({ live: canonicalInstance(i) }),
      })),
  // An instance ECS registered for a task is its ECS service's use of the Cloud Map service, not one of its own.
  uses: (live) => {
    const arns = new Map([...live.cloudMapServices.values()].map((s) => [s.id, s.arn]));
    return [...live.instances.values()]
      .filter((i) => i.attributes[ECS_SERVICE_ATTRIBUTE] === undefined)
      .map((i) => ({ id: `${i.serviceId}/${i.id}`, name: `Cloud Map instance ${i.id}`, uses: [arns.get(i.serviceId) ?? i.serviceId] }));
  },
};
