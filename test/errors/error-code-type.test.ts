/** ErrorCode is derived from the catalogs, GitopsError only takes catalogued codes, errorCodeOf recovers them. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { AwsCallError } from '../../src/ecs/aws-error.js';
import {
  ERROR_CATALOGS, GitopsError, errorCodeOf, isErrorCode, isGitopsError,
  type AwsErrorCode, type ErrorCode, type ErrorCodeIn,
} from '../../src/errors/index.js';
import { SandboxApiError, clusterNotFound } from '../../src/sandbox/api-error.js';

describe('ErrorCode', () => {
  it('is the union of the keys of every catalog', () => {
    expectTypeOf<'AWS_THROTTLED'>().toExtend<ErrorCode>();
    expectTypeOf<'CONTROLLER_NO_SNAPSHOT'>().toExtend<ErrorCode>();
    expectTypeOf<'HTTP_NOT_FOUND'>().toExtend<ErrorCode>();
    expectTypeOf<'SOMETHING_LIKE_THIS'>().not.toExtend<ErrorCode>();
    expectTypeOf<string>().not.toExtend<ErrorCode>();
    expectTypeOf<ErrorCodeIn<'aws'>>().toEqualTypeOf<keyof typeof ERROR_CATALOGS.aws>();
    expectTypeOf<ErrorCodeIn<'aws' | 'cli'>>().toEqualTypeOf<keyof typeof ERROR_CATALOGS.aws | keyof typeof ERROR_CATALOGS.cli>();
  });

  it('is what GitopsError takes and exposes', () => {
    const error: GitopsError = new GitopsError('SOURCE_FETCH_FAILED', 'down');
    expectTypeOf(error.code).toEqualTypeOf<ErrorCode>();
    // The code parameter is inferred: a literal narrows the error's type to that code.
    expectTypeOf(new GitopsError('SOURCE_FETCH_FAILED', 'down').code).toEqualTypeOf<'SOURCE_FETCH_FAILED'>();
    // @ts-expect-error an uncatalogued code does not type-check
    void new GitopsError('SOMETHING_LIKE_THIS', 'x');
    expect(error.code).toBe('SOURCE_FETCH_FAILED');
  });
});

describe('isErrorCode', () => {
  it('accepts exactly the catalogued codes', () => {
    for (const catalog of Object.values(ERROR_CATALOGS)) for (const code of Object.keys(catalog)) expect(isErrorCode(code), code).toBe(true);
    for (const value of ['SOMETHING_LIKE_THIS', 'ENOENT', 'ERR_HTTP_REQUEST_TIMEOUT', 'ThrottlingException', 'aws_throttled', '', 'toString', 'constructor', 42, undefined, null]) {
      expect(isErrorCode(value), String(value)).toBe(false);
    }
  });
});

describe('errorCodeOf', () => {
  it('returns the code of a GitopsError or of a record with a catalogued code', () => {
    expect(errorCodeOf(new GitopsError('SOURCE_GIT_FAILED', 'x'), 'CONTROLLER_APPLY_FAILED')).toBe('SOURCE_GIT_FAILED');
    expect(errorCodeOf(new AwsCallError('AWS_THROTTLED', 'x', 'ThrottlingException', 'UpdateService', 'throttled', null), 'CONTROLLER_APPLY_FAILED')).toBe('AWS_THROTTLED');
    expect(errorCodeOf({ code: 'CONTROLLER_IMAGE_NOT_FOUND', message: 'x' }, 'CONTROLLER_APPLY_FAILED')).toBe('CONTROLLER_IMAGE_NOT_FOUND');
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'AWS_SERVICE_NOT_FOUND' }), 'CONTROLLER_APPLY_FAILED')).toBe('AWS_SERVICE_NOT_FOUND');
  });

  it('gives the fallback for anything else, whatever its code looks like', () => {
    const fallback: ErrorCode = 'CONTROLLER_APPLY_FAILED';
    for (const err of [
      Object.assign(new Error('x'), { code: 'ENOENT' }),
      Object.assign(new Error('x'), { code: 'LOOKS_LIKE_A_CODE' }),
      { code: 42 },
      new Error('no code'),
      new Error('wrapped', { cause: new GitopsError('AWS_THROTTLED', 'x') }),
      'AWS_THROTTLED',
      undefined,
      null,
    ]) {
      expect(errorCodeOf(err, fallback)).toBe(fallback);
    }
  });
});

describe('SandboxApiError', () => {
  it('is a GitopsError with the AWS_* code the controller gives the same AWS error, keeping the AWS name', () => {
    const notFound = clusterNotFound();
    expect(isGitopsError(notFound)).toBe(true);
    expectTypeOf(notFound.code).toEqualTypeOf<AwsErrorCode>();
    expect(notFound).toMatchObject({ code: 'AWS_CLUSTER_NOT_FOUND', type: 'ClusterNotFoundException', name: 'ClusterNotFoundException', status: 400 });
    expect(new SandboxApiError('ThrottlingException', 'Rate exceeded').code).toBe('AWS_THROTTLED');
    expect(new SandboxApiError('ServerException', 'boom', 500).code).toBe('AWS_SERVER_ERROR');
    expect(new SandboxApiError('InvalidParameterException', 'bad').code).toBe('AWS_INVALID_REQUEST');
  });
});
