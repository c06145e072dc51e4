/**
 * Turns whatever the SDK throws into a GitopsError with a stable AWS_* code,
 * and classifies it for the `outcome` label of ecs_gitops_aws_requests_total.
 * Only the error's name, fault and HTTP status are read, so this module needs
 * no SDK import.
 */
import { GitopsError, type AwsErrorCode } from '../errors/index.js';
import type { AwsApi, AwsOutcome } from './ecs-api.js';

interface SdkErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  code?: string;
}

const THROTTLE_NAMES = new Set([
  'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ThrottledException',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET']);

/** A failed AWS call: code from AWS_ERROR_CODES plus the AWS error name and operation. */
export class AwsCallError extends GitopsError<AwsErrorCode> {
  readonly awsName: string;
  readonly operation: string;
  readonly outcome: AwsOutcome;

  constructor(code: AwsErrorCode, message: string, awsName: string, operation: string, outcome: AwsOutcome, cause: unknown) {
    super(code, message, { operation, awsError: awsName }, { cause });
    this.name = 'AwsCallError';
    this.awsName = awsName;
    this.operation = operation;
    this.outcome = outcome;
  }
}

export function awsErrorName(err: unknown): string {
  if (err instanceof AwsCallError) return err.awsName;
  const shape = (err ?? {}) as SdkErrorShape;
  return shape.name ?? 'Error';
}

export function classifyAwsError(err: unknown): AwsOutcome {
  if (err instanceof AwsCallError) return err.outcome;
  const shape = (err ?? {}) as SdkErrorShape;
  const name = shape.name ?? '';
  if (THROTTLE_NAMES.has(name)) return 'throttled';
  const status = shape.$metadata?.httpStatusCode;
  if (shape.$fault === 'server' || (status !== undefined && status >= 500)) return 'server_error';
  if (shape.$fault === 'client' || (status !== undefined && status >= 400)) return 'client_error';
  if (name === 'TimeoutError' || name === 'AbortError' || (shape.code && NETWORK_CODES.has(shape.code))) return 'network_error';
  if (name === 'CredentialsProviderError') return 'client_error';
  // Anything without an HTTP answer (socket errors, DNS) is a network problem.
  return status === undefined ? 'network_error' : 'client_error';
}

function codeFor(name: string, outcome: AwsOutcome, message: string): AwsErrorCode {
  if (name === 'AbortError') return 'AWS_REQUEST_ABORTED';
  if (outcome === 'throttled') return 'AWS_THROTTLED';
  if (name === 'CredentialsProviderError') return 'AWS_CREDENTIALS_MISSING';
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') return 'AWS_ACCESS_DENIED';
  if (name === 'ClusterNotFoundException') return 'AWS_CLUSTER_NOT_FOUND';
  if (name === 'ServiceNotFoundException') return 'AWS_SERVICE_NOT_FOUND';
  if (name === 'ServiceNotActiveException') return 'AWS_SERVICE_NOT_ACTIVE';
  // ECS reports a missing cluster on some calls as ClientException with this text.
  if (/cluster not found/i.test(message)) return 'AWS_CLUSTER_NOT_FOUND';
  if (outcome === 'server_error') return 'AWS_SERVER_ERROR';
  if (outcome === 'network_error') return 'AWS_NETWORK_ERROR';
  return 'AWS_INVALID_REQUEST';
}

/** The AWS_* code a failed AWS call (an SDK error, or anything shaped like one) maps to. */
export function awsErrorCode(err: unknown): AwsErrorCode {
  if (err instanceof AwsCallError) return err.code;
  return codeFor(awsErrorName(err), classifyAwsError(err), (err as SdkErrorShape | undefined)?.message ?? String(err));
}

export function toAwsCallError(err: unknown, api: AwsApi, operation: string): AwsCallError {
  if (err instanceof AwsCallError) return err;
  const name = awsErrorName(err);
  const outcome = classifyAwsError(err);
  const raw = (err as SdkErrorShape | undefined)?.message ?? String(err);
  const code = codeFor(name, outcome, raw);
  return new AwsCallError(code, `${api.toUpperCase()} ${operation} failed: ${name}: ${raw}`, name, operation, outcome, err);
}
