import { describe, expect, it } from 'vitest';
import { awsErrorCode, classifyAwsError, isPermanentAwsCode, operationMissingReason, toAwsCallError } from '../../src/ecs/aws-error.js';
import { AWS_ERROR_CODES } from '../../src/errors/aws-codes.js';

const sdkError = (name: string, fault: 'client' | 'server' | undefined, status: number | undefined) =>
  Object.assign(new Error(`${name} happened`), { name, $fault: fault, $metadata: { httpStatusCode: status } });

describe('AWS error mapping', () => {
  it.each([
    [sdkError('ThrottlingException', 'client', 400), 'throttled', 'AWS_THROTTLED'],
    [sdkError('AccessDeniedException', 'client', 400), 'client_error', 'AWS_ACCESS_DENIED'],
    [sdkError('ClusterNotFoundException', 'client', 400), 'client_error', 'AWS_CLUSTER_NOT_FOUND'],
    [sdkError('ServiceNotFoundException', 'client', 400), 'client_error', 'AWS_SERVICE_NOT_FOUND'],
    [sdkError('ServiceNotActiveException', 'client', 400), 'client_error', 'AWS_SERVICE_NOT_ACTIVE'],
    [sdkError('InvalidParameterException', 'client', 400), 'client_error', 'AWS_INVALID_REQUEST'],
    [sdkError('ServerException', 'server', 500), 'server_error', 'AWS_SERVER_ERROR'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'network_error', 'AWS_NETWORK_ERROR'],
    [sdkError('CredentialsProviderError', undefined, undefined), 'client_error', 'AWS_CREDENTIALS_MISSING'],
  ] as const)('%s -> %s / %s', (err, outcome, code) => {
    expect(classifyAwsError(err)).toBe(outcome);
    const wrapped = toAwsCallError(err, 'ecs', 'UpdateService');
    expect(wrapped.code).toBe(code);
    expect(wrapped.outcome).toBe(outcome);
    expect(wrapped.message).toContain('ECS UpdateService failed');
    expect(Object.keys(AWS_ERROR_CODES)).toContain(code);
  });
});

describe('which AWS failures a retry can fix', () => {
  const ecsError = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: 'client' as const, $metadata: { httpStatusCode: 400 } });

  it.each([
    // Bad requests and missing permissions fail the same way every time.
    [ecsError('InvalidParameterException', 'minimumHealthyPercent must not be greater than maximumPercent.'), 'AWS_INVALID_REQUEST', true],
    [ecsError('ClientException', 'Container.image should not be null or empty.'), 'AWS_INVALID_REQUEST', true],
    [ecsError('InvalidParameterException', 'Creation of service was not idempotent.'), 'AWS_INVALID_REQUEST', true],
    [ecsError('AccessDeniedException', 'User is not authorized to perform: ecs:CreateService'), 'AWS_ACCESS_DENIED', true],
    // Client errors that are races or that the next attempt repairs.
    [ecsError('ClientException', 'Cluster not found.'), 'AWS_CLUSTER_NOT_FOUND', false],
    [ecsError('ClusterNotFoundException', 'Cluster not found.'), 'AWS_CLUSTER_NOT_FOUND', false],
    [ecsError('ServiceNotActiveException', 'Service was not ACTIVE.'), 'AWS_SERVICE_NOT_ACTIVE', false],
    [ecsError('ClientException', 'Service was not ACTIVE.'), 'AWS_SERVICE_NOT_ACTIVE', false],
    [ecsError('ServiceNotFoundException', 'Service not found.'), 'AWS_SERVICE_NOT_FOUND', false],
    [ecsError('ClientException', 'TaskDefinition is inactive: arn:aws:ecs:eu-west-1:1:task-definition/web:3'), 'AWS_TASK_DEFINITION_INACTIVE', false],
    [ecsError('InvalidParameterException', 'Unable to assume the service linked role. Please verify that the ECS service linked role exists.'), 'AWS_DEPENDENCY_NOT_READY', false],
    [ecsError('InvalidParameterException', 'The target group with targetGroupArn arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1 does not have an associated load balancer.'),
      'AWS_DEPENDENCY_NOT_READY', false],
    // Application Auto Scaling registering a target for a service ECS created a moment ago.
    [ecsError('ValidationException', "ECS service doesn't exist: service/demo/web"), 'AWS_DEPENDENCY_NOT_READY', false],
    // Throttling, server and network failures.
    [ecsError('ThrottlingException', 'Rate exceeded'), 'AWS_THROTTLED', false],
    [Object.assign(new Error('internal'), { name: 'ServerException', $fault: 'server', $metadata: { httpStatusCode: 500 } }), 'AWS_SERVER_ERROR', false],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'AWS_NETWORK_ERROR', false],
    [sdkError('CredentialsProviderError', undefined, undefined), 'AWS_CREDENTIALS_MISSING', false],
  ] as const)('%s -> %s (permanent: %s)', (err, code, permanent) => {
    expect(awsErrorCode(err)).toBe(code);
    expect(toAwsCallError(err, 'ecs', 'CreateService').code).toBe(code);
    expect(isPermanentAwsCode(code)).toBe(permanent);
  });

  it('calls no code outside the catalog permanent', () => {
    expect(isPermanentAwsCode('CONTROLLER_APPLY_FAILED')).toBe(false);
    expect(Object.keys(AWS_ERROR_CODES).filter(isPermanentAwsCode)).toEqual(['AWS_ACCESS_DENIED', 'AWS_INVALID_REQUEST', 'AWS_SCALING_LIMIT_EXCEEDED', 'AWS_SCHEDULER_QUOTA_EXCEEDED']);
  });
});

describe('operationMissingReason: the endpoint does not know the operation', () => {
  it.each<[string, unknown, string | undefined]>([
    ['an unknown operation', sdkError('UnknownOperationException', 'client', 400), 'UnknownOperationException'],
    ['"not supported" in a ClientException', Object.assign(new Error('This operation is not supported in this Region.'), { name: 'ClientException', $metadata: { httpStatusCode: 400 } }), 'ClientException'],
    ['moto\'s HTML 500 page', Object.assign(new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON'), { $fault: 'server', $metadata: { httpStatusCode: 500 } }), 'an HTTP 5xx answer that is not an AWS error, as moto gives for an action it has not implemented'],
    ['throttling (a failure to retry)', sdkError('ThrottlingException', 'client', 400), undefined],
    ['access denied (the operation exists)', sdkError('AccessDeniedException', 'client', 400), undefined],
    ['a JSON server error', sdkError('ServerException', 'server', 500), undefined],
  ])('%s', (_name, error, reason) => {
    expect(operationMissingReason(error)).toBe(reason);
    expect(operationMissingReason(toAwsCallError(error, 'ecs', 'DescribeServiceDeployments'))).toBe(reason);
  });
});
