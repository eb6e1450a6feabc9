import t from 'tap';
import { ClusterContainsServicesException, ECSServiceException, InvalidParameterException } from '@aws-sdk/client-ecs';
import { classifyAwsError } from '../../src/core/errors.js';
import type { Reaction } from '../../src/core/errors.js';

const aws = (name: string, message: string, httpStatusCode = 400) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

const table: { name: string; err: unknown; reaction: Reaction; code: string }[] = [
  { name: 'ECS throttling', err: aws('ThrottlingException', 'Rate exceeded'), reaction: 'retry', code: 'ThrottlingException' },
  { name: 'Cloud Map throttling', err: aws('RequestLimitExceeded', 'Rate exceeded'), reaction: 'retry', code: 'RequestLimitExceeded' },
  { name: 'ECS 500', err: aws('ServerException', 'Service unavailable', 500), reaction: 'retry', code: 'ServerException' },
  { name: 'Cloud Map 500', err: aws('InternalFailure', 'oops', 500), reaction: 'retry', code: 'InternalFailure' },
  { name: 'an unknown 503', err: aws('SomethingNew', 'unavailable', 503), reaction: 'retry', code: 'SomethingNew' },
  { name: 'a network error', err: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), reaction: 'retry', code: 'ECONNRESET' },
  { name: 'an SDK timeout', err: aws('TimeoutError', 'timed out', 0), reaction: 'retry', code: 'TimeoutError' },
  { name: 'a cluster not visible yet', err: aws('ClusterNotFoundException', 'Cluster not found.'), reaction: 'retry', code: 'ClusterNotFoundException' },
  { name: 'a Cloud Map namespace not visible yet', err: aws('NamespaceNotFound', 'no such namespace'), reaction: 'retry', code: 'NamespaceNotFound' },
  { name: 'deleting a cluster with services', err: aws('ClusterContainsServicesException', 'The Cluster cannot be deleted while Services are active.'), reaction: 'wait', code: 'ClusterContainsServicesException' },
  { name: 'deleting a namespace with services', err: aws('ResourceInUse', 'in use'), reaction: 'wait', code: 'ResourceInUse' },
  { name: 'updating a draining service', err: aws('ServiceNotActiveException', 'Service was not ACTIVE.'), reaction: 'wait', code: 'ServiceNotActiveException' },
  { name: 'reusing a draining name', err: aws('InvalidParameterException', 'Unable to Start a service that is still Draining.'), reaction: 'wait', code: 'InvalidParameterException' },
  { name: 'reusing a name while it drains', err: aws('InvalidParameterException', 'Creation of service was not idempotent.'), reaction: 'wait', code: 'InvalidParameterException' },
  { name: 'a Cloud Map name being created', err: aws('DuplicateRequest', 'in progress'), reaction: 'wait', code: 'DuplicateRequest' },
  { name: 'an invalid parameter', err: aws('InvalidParameterException', 'desiredCount must be a non-negative integer.'), reaction: 'stall', code: 'InvalidParameterException' },
  { name: 'a bad task definition', err: aws('ClientException', 'Container.image should not be null or empty.'), reaction: 'stall', code: 'ClientException' },
  { name: 'Cloud Map invalid input', err: aws('InvalidInput', 'Vpc is required'), reaction: 'stall', code: 'InvalidInput' },
  { name: 'missing permissions', err: aws('AccessDeniedException', 'not authorized to perform ecs:CreateService', 403), reaction: 'stall', code: 'AccessDeniedException' },
  { name: 'a name someone else holds', err: aws('NamespaceAlreadyExists', 'exists'), reaction: 'stall', code: 'NamespaceAlreadyExists' },
  { name: 'an unknown 4xx', err: aws('BrandNewException', 'no'), reaction: 'stall', code: 'BrandNewException' },
  { name: 'a Cloud Map operation that failed for good', err: aws('OperationFailed', 'Cloud Map operation x failed: CANNOT_CREATE_HOSTED_ZONE: conflict', 0), reaction: 'stall', code: 'OperationFailed' },
  { name: 'a Cloud Map operation that failed inside AWS', err: aws('OperationFailed', 'Cloud Map operation x failed: INTERNAL_FAILURE: try again', 0), reaction: 'retry', code: 'OperationFailed' },
  { name: 'a Cloud Map operation still pending', err: aws('OperationPending', 'still PENDING', 0), reaction: 'wait', code: 'OperationPending' },
  { name: 'a plain error', err: new Error('boom'), reaction: 'retry', code: 'Error' },
  { name: 'a thrown string', err: 'boom', reaction: 'retry', code: 'Error' },
];

t.test('every error maps to the reaction the loop takes', async (t) => {
  for (const row of table) {
    const got = classifyAwsError(row.err);
    t.same({ reaction: got.reaction, code: got.code }, { reaction: row.reaction, code: row.code }, row.name);
    t.ok(got.message.length > 0, `${row.name}: has a message`);
  }
});

t.test('the SDK\'s own exception classes classify by name and status', async (t) => {
  const busy = new ClusterContainsServicesException({ message: 'The Cluster cannot be deleted while Services are active.', $metadata: { httpStatusCode: 400 } });
  t.equal(classifyAwsError(busy).reaction, 'wait');
  const invalid = new InvalidParameterException({ message: 'Service name must match [a-zA-Z0-9_-]{1,255}.', $metadata: { httpStatusCode: 400 } });
  t.same(classifyAwsError(invalid), { reaction: 'stall', code: 'InvalidParameterException', message: 'Service name must match [a-zA-Z0-9_-]{1,255}.' });
  const server = new ECSServiceException({ name: 'Unexpected', $fault: 'server', message: 'bad gateway', $metadata: { httpStatusCode: 502 } });
  t.equal(classifyAwsError(server).reaction, 'retry');
});
