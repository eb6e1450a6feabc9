// Identifiers in AWS's formats. Randomness is injectable so that tests and persisted
// demos do not depend on Math.random's sequence.
import { randomBytes } from 'node:crypto';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function pick(alphabet: string, n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

export const hex = (n: number): string => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
export const taskId = (): string => hex(32);
export const deploymentId = (): string => `ecs-svc/${pick('0123456789', 19).replace(/^0/, '1')}`;
export const serviceDeploymentId = (): string => pick('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 21);
export const serviceRevisionId = (): string => pick('0123456789', 19).replace(/^0/, '1');
export const namespaceId = (): string => `ns-${pick(LOWER_ALNUM, 16)}`;
export const cloudMapServiceId = (): string => `srv-${pick(LOWER_ALNUM, 16)}`;
export const operationId = (): string => `${pick(LOWER_ALNUM, 32)}-${pick(LOWER_ALNUM, 8)}`;
export const hostedZoneId = (): string => `Z${pick(UPPER_ALNUM, 20)}`;
export const requestId = (): string => {
  const h = hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

export interface Arns {
  cluster(name: string): string;
  service(cluster: string, name: string): string;
  /** The pre-2021 short form, which AWS still uses for MISSING failures. */
  shortService(name: string): string;
  taskDefinition(family: string, revision: number): string;
  task(cluster: string, id: string): string;
  serviceDeployment(cluster: string, service: string, id: string): string;
  serviceRevision(cluster: string, service: string, id: string): string;
  /** The service-linked role ECS reports as a service's roleArn when none was given. */
  serviceLinkedRole(): string;
  namespace(id: string): string;
  cloudMapService(id: string): string;
  root(): string;
}

export function arns(region: string, account: string): Arns {
  const ecs = `arn:aws:ecs:${region}:${account}`;
  const sd = `arn:aws:servicediscovery:${region}:${account}`;
  return {
    cluster: (name) => `${ecs}:cluster/${name}`,
    service: (cluster, name) => `${ecs}:service/${cluster}/${name}`,
    shortService: (name) => `${ecs}:service/${name}`,
    taskDefinition: (family, revision) => `${ecs}:task-definition/${family}:${revision}`,
    task: (cluster, id) => `${ecs}:task/${cluster}/${id}`,
    serviceDeployment: (cluster, service, id) => `${ecs}:service-deployment/${cluster}/${service}/${id}`,
    serviceRevision: (cluster, service, id) => `${ecs}:service-revision/${cluster}/${service}/${id}`,
    serviceLinkedRole: () => `arn:aws:iam::${account}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
    namespace: (id) => `${sd}:namespace/${id}`,
    cloudMapService: (id) => `${sd}:service/${id}`,
    root: () => `arn:aws:iam::${account}:root`,
  };
}
