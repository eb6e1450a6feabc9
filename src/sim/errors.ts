// AWS JSON 1.1 errors. The SDK and botocore take the exception name from `__type` after
// the last '#', so tests can assert `err.name` against the SDK's exception classes.

export type Service = 'ecs' | 'cloudmap' | 'tagging';

const NAMESPACE: Record<Service, string> = {
  ecs: 'com.amazonaws.ecs',
  cloudmap: 'com.amazonaws.servicediscovery',
  tagging: 'com.amazonaws.resourcegroupstaggingapi',
};

export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly namespace: string;
  readonly extra: Record<string, unknown>;

  constructor(code: string, message: string, opts: { status?: number; namespace?: string; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.code = code;
    this.status = opts.status ?? 400;
    this.namespace = opts.namespace ?? '';
    this.extra = opts.extra ?? {};
  }

  body(service: Service): Record<string, unknown> {
    const ns = this.namespace || NAMESPACE[service];
    return { __type: `${ns}#${this.code}`, message: this.message, Message: this.message, ...this.extra };
  }
}

// ECS
export const clientError = (message: string): AwsError => new AwsError('ClientException', message);
export const invalidParameter = (message: string): AwsError => new AwsError('InvalidParameterException', message);
export const clusterNotFound = (): AwsError => new AwsError('ClusterNotFoundException', 'Cluster not found.');
export const serviceNotFound = (): AwsError => new AwsError('ServiceNotFoundException', 'Service not found.');
export const serviceNotActive = (): AwsError => new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
export const resourceNotFound = (message = 'The specified resource could not be found.'): AwsError =>
  new AwsError('ResourceNotFoundException', message);

// Cloud Map
export const invalidInput = (message: string): AwsError => new AwsError('InvalidInput', message);

// Shared
export const throttled = (service: Service): AwsError =>
  service === 'ecs'
    ? new AwsError('ThrottlingException', 'Rate exceeded', { namespace: 'com.amazon.coral.availability' })
    : service === 'tagging'
      ? new AwsError('ThrottledException', 'Rate exceeded')
      : new AwsError('RequestLimitExceeded', 'Rate exceeded');
export const serverError = (service: Service): AwsError =>
  service === 'ecs'
    ? new AwsError('ServerException', 'Service unavailable (injected fault).', { status: 500 })
    : service === 'tagging'
      ? new AwsError('InternalServiceException', 'Service unavailable (injected fault).', { status: 500 })
      : new AwsError('InternalFailure', 'Service unavailable (injected fault).', { status: 500, namespace: 'com.amazon.coral.service' });
/** The caller's IAM policy does not allow the action (the `deniedOperations` fault). */
export const accessDenied = (action: string, account: string): AwsError =>
  new AwsError('AccessDeniedException', `User: arn:aws:sts::${account}:assumed-role/simulated is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`, { namespace: 'com.amazon.coral.service' });
export const unknownOperation = (): AwsError =>
  new AwsError('UnknownOperationException', '', { namespace: 'com.amazon.coral.service' });
