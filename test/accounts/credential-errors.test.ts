/**
 * How src/ecs/aws-error.ts reads the failures of credentials per account:
 * an AssumeRole refused inside the SDK's credential step passes through as
 * AWS_ASSUME_ROLE_FAILED with its message and details, and an answer saying
 * the signing credentials expired is AWS_CREDENTIALS_EXPIRED, retried (not
 * permanent) like any transient failure.
 */
import { describe, expect, it } from 'vitest';
import { AwsCallError, awsErrorCode, isPermanentAwsCode, toAwsCallError } from '../../src/ecs/aws-error.js';
import { GitopsError } from '../../src/errors/index.js';

const sdkError = (name: string, status: number) => Object.assign(new Error(`${name} message`), { name, $fault: 'client', $metadata: { httpStatusCode: status } });

describe('credential failures in aws-error', () => {
  it('passes an assume-role failure through with its message and details', () => {
    const failure = new GitopsError('AWS_ASSUME_ROLE_FAILED', 'cannot act in account 222222222222: STS AssumeRole of arn:aws:iam::222222222222:role/r failed: AccessDenied: no', {
      account: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/r', awsError: 'AccessDenied',
    });
    const wrapped = toAwsCallError(failure, 'ecs', 'DescribeServices');
    expect(wrapped).toBeInstanceOf(AwsCallError);
    expect(wrapped.code).toBe('AWS_ASSUME_ROLE_FAILED');
    expect(wrapped.message).toBe(failure.message);
    expect(wrapped.awsName).toBe('AccessDenied');
    expect(wrapped.outcome).toBe('client_error');
    expect(wrapped.details).toMatchObject({ account: '222222222222', roleArn: 'arn:aws:iam::222222222222:role/r', operation: 'DescribeServices' });
    expect(awsErrorCode(failure)).toBe('AWS_ASSUME_ROLE_FAILED');
    expect(isPermanentAwsCode(wrapped.code)).toBe(false);
  });

  it.each([
    ['ExpiredTokenException', 400],
    ['ExpiredToken', 403],
    ['RequestExpired', 400],
  ])('%s is AWS_CREDENTIALS_EXPIRED and retried', (name, status) => {
    const wrapped = toAwsCallError(sdkError(name, status), 'scheduler', 'GetSchedule');
    expect(wrapped.code).toBe('AWS_CREDENTIALS_EXPIRED');
    expect(wrapped.awsName).toBe(name);
    expect(isPermanentAwsCode(wrapped.code)).toBe(false);
  });

  it('leaves other GitopsErrors and access denials as they were', () => {
    expect(toAwsCallError(sdkError('AccessDeniedException', 400), 'ecs', 'UpdateService').code).toBe('AWS_ACCESS_DENIED');
    expect(toAwsCallError(new GitopsError('AWS_CREDENTIALS_MISSING', 'none'), 'ecs', 'UpdateService').code).not.toBe('AWS_ASSUME_ROLE_FAILED');
  });
});
