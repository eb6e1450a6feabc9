/**
 * What the loop should do about an AWS error — the one place that decides it. The executor
 * uses it to decide what to retry within a step, the daemon's retry policy to decide how
 * to requeue a resource. Pure: it reads an error's `name`, `message` and
 * `$metadata.httpStatusCode`, nothing else.
 *
 * - `retry`: transient; back off and try again (throttling, 5xx, network, an object not
 *   visible yet because AWS is eventually consistent).
 * - `wait`: AWS is busy with something that finishes on its own (a service draining, a
 *   Cloud Map operation pending, a delete blocked by children still going away).
 * - `stall`: retrying cannot help until the desired state or the account changes
 *   (validation, permissions, a name taken by someone else).
 */

export type Reaction = 'retry' | 'wait' | 'stall';

export interface ErrorClass {
  reaction: Reaction;
  /** The error's stable name (the AWS error code, or one of ours), for metrics and tests. */
  code: string;
  message: string;
}

/** The shape classification reads; SDK exceptions, our own errors and plain `Error`s all fit. */
export interface AwsErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

const TRANSIENT = new Set([
  'ServerException', // ECS 500
  'InternalFailure', // Cloud Map 500
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'AnswerLost', // ours: a write without idempotency token lost its answer (src/aws/clients.ts)
]);

/** Not there (yet): right after a create, AWS's eventual consistency; otherwise the next read will tell. */
export const NOT_FOUND = new Set([
  'ClusterNotFoundException',
  'ServiceNotFoundException',
  'ResourceNotFoundException',
  'NamespaceNotFound',
  'ServiceNotFound',
  'InstanceNotFound',
  'OperationNotFound',
  'TargetNotFoundException',
]);

const BUSY = new Set([
  'ClusterContainsServicesException',
  'ClusterContainsTasksException',
  'ClusterContainsContainerInstancesException',
  'ResourceInUse', // Cloud Map: a namespace with services, a service with instances
  'ResourceInUseException',
  'ServiceNotActiveException', // the service is draining
  'UpdateInProgressException',
  'DuplicateRequest', // Cloud Map: the same name is being created right now
  'OperationPending', // ours: a Cloud Map operation did not finish in time
  'ServiceStillDraining', // ours: a replaced service did not become INACTIVE in time
]);

const STALL = new Set([
  'ClientException',
  'InvalidParameterException',
  'InvalidInput',
  'ValidationException',
  'SerializationException',
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'MissingAuthenticationToken',
  'UnknownOperationException',
  'UnsupportedOperation', // ours: an operation outside the product's table
  'UnresolvedReference', // ours: a plan input no earlier step produced
  'LimitExceededException',
  'ResourceLimitExceeded',
  'TooManyTagsException',
  'PlatformUnknownException',
  'PlatformTaskDefinitionIncompatibilityException',
  'UnsupportedFeatureException',
  'NamespaceAlreadyExists',
  'ServiceAlreadyExists',
  'CustomHealthNotFound',
  'OperationFailed', // ours: a Cloud Map operation ended in FAIL
]);

/**
 * ECS refuses to reuse the name of a service that is still draining, with an
 * InvalidParameterException; that one clears on its own.
 */
const DRAINING_MESSAGE = /draining|not idempotent/i;

export function classifyAwsError(err: unknown): ErrorClass {
  const e: AwsErrorLike = typeof err === 'object' && err !== null ? (err as AwsErrorLike) : { message: String(err) };
  const code = e.name && e.name !== 'Error' ? e.name : (e.code ?? e.name ?? 'Error');
  const message = e.message || code;
  const status = e.$metadata?.httpStatusCode;
  const is = (reaction: Reaction): ErrorClass => ({ reaction, code, message });

  if (THROTTLING.has(code)) return is('retry');
  if (TRANSIENT.has(code) || (status !== undefined && status >= 500)) return is('retry');
  if (code === 'InvalidParameterException' && DRAINING_MESSAGE.test(message)) return is('wait');
  if (code === 'OperationFailed' && /INTERNAL_FAILURE|THROTTLED_REQUEST/.test(message)) return is('retry');
  if (BUSY.has(code)) return is('wait');
  if (NOT_FOUND.has(code)) return is('retry');
  if (STALL.has(code) || /AccessDenied|Unauthorized|NotAuthorized/i.test(code)) return is('stall');
  // An unknown 4xx is a request AWS will refuse again; anything without an answer (network,
  // aborted connection) may go through next time.
  if (status !== undefined && status >= 400) return is('stall');
  return is('retry');
}
