import { describe, expect, it } from 'vitest';
import { classifyAwsError, toAwsCallError } from '../../src/ecs/aws-error.js';
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
