/**
 * Turns whatever the SDK throws into a GitopsError with a stable AWS_* code,
 * and classifies it for the `outcome` label of ecs_gitops_aws_requests_total
 * and for retrying: a code in PERMANENT_AWS_CODES is a request that fails the
 * same way however often it is sent, so it is not retried with backoff.
 * Only the error's name, fault, HTTP status and message are read, so this
 * module needs no SDK import.
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
/**
 * Names AWS answers with when the signing credentials had expired (an STS
 * session, assumed-role credentials) or the request's time is too far off.
 * Not permanent: fresh credentials fix it (src/app/runtime.ts retries such a
 * call once after dropping an assumed role's cached credentials).
 */
export const EXPIRED_CREDENTIAL_NAMES: ReadonlySet<string> = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * ECS client errors (InvalidParameterException, ClientException) that are
 * races with something created moments ago rather than bad requests: the
 * service-linked role ECS creates on an account's first cluster or service,
 * and a target group whose listener was just added (docs/ecs-facts.md#client-errors-that-a-retry-can-fix).
 */
const NOT_YET_CONSISTENT = [
  /unable to assume the service linked role/i, /does not have an associated load balancer/i,
  // Application Auto Scaling right after CreateService, before it sees the new service.
  /ECS service doesn't exist/i,
];

/**
 * Codes of calls that fail the same way when sent again unchanged: the
 * manifest or the controller's permissions must change first. Everything
 * else (throttling, 5xx, network, a cluster or service not (yet) there, a
 * deregistered revision the next attempt registers again) is retried.
 */
const PERMANENT_AWS_CODES: ReadonlySet<string> = new Set<AwsErrorCode>([
  'AWS_INVALID_REQUEST', 'AWS_ACCESS_DENIED', 'AWS_SCALING_LIMIT_EXCEEDED', 'AWS_SCHEDULER_QUOTA_EXCEEDED',
]);

/**
 * Error names of Application Auto Scaling and CloudWatch with codes of their
 * own. Read only for those APIs: ECS has a LimitExceededException and a
 * ResourceNotFoundException of its own, which keep their mapping. A
 * ValidationException (or CloudWatch's InvalidParameter* errors) is a client
 * error like any other: AWS_INVALID_REQUEST.
 */
const SCALING_ERROR_CODES: Readonly<Record<string, AwsErrorCode>> = {
  ObjectNotFoundException: 'AWS_SCALING_OBJECT_NOT_FOUND',
  ResourceNotFound: 'AWS_SCALING_OBJECT_NOT_FOUND',
  ResourceNotFoundException: 'AWS_SCALING_OBJECT_NOT_FOUND',
  ConcurrentUpdateException: 'AWS_SCALING_CONCURRENT_UPDATE',
  LimitExceededException: 'AWS_SCALING_LIMIT_EXCEEDED',
  LimitExceededFault: 'AWS_SCALING_LIMIT_EXCEEDED',
  FailedResourceAccessException: 'AWS_SCALING_RESOURCE_ACCESS_FAILED',
};

/**
 * Error names of EventBridge Scheduler with codes of their own, read only for
 * that API (ECS has a ResourceNotFoundException of its own). Its
 * ValidationException is AWS_INVALID_REQUEST like any client error.
 */
const SCHEDULER_ERROR_CODES: Readonly<Record<string, AwsErrorCode>> = {
  ResourceNotFoundException: 'AWS_SCHEDULER_NOT_FOUND',
  ConflictException: 'AWS_SCHEDULER_CONFLICT',
  ServiceQuotaExceededException: 'AWS_SCHEDULER_QUOTA_EXCEEDED',
};

function isScalingApi(api: AwsApi | undefined): boolean {
  return api === 'application-autoscaling' || api === 'cloudwatch';
}

/** Whether a failure with this code cannot succeed on a retry of the same request. */
export function isPermanentAwsCode(code: string): boolean {
  return PERMANENT_AWS_CODES.has(code);
}

/** A failed AWS call: code from AWS_ERROR_CODES plus the AWS error name and operation. */
export class AwsCallError extends GitopsError<AwsErrorCode> {
  readonly awsName: string;
  readonly operation: string;
  readonly outcome: AwsOutcome;

  constructor(
    code: AwsErrorCode, message: string, awsName: string, operation: string, outcome: AwsOutcome, cause: unknown,
    details: Readonly<Record<string, unknown>> = {},
  ) {
    super(code, message, { ...details, operation, awsError: awsName }, { cause });
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

function codeFor(name: string, outcome: AwsOutcome, message: string, api?: AwsApi): AwsErrorCode {
  if (name === 'AbortError') return 'AWS_REQUEST_ABORTED';
  if (outcome === 'throttled') return 'AWS_THROTTLED';
  const scalingCode = isScalingApi(api) && Object.hasOwn(SCALING_ERROR_CODES, name) ? SCALING_ERROR_CODES[name] : undefined;
  if (scalingCode) return scalingCode;
  const schedulerCode = api === 'scheduler' && Object.hasOwn(SCHEDULER_ERROR_CODES, name) ? SCHEDULER_ERROR_CODES[name] : undefined;
  if (schedulerCode) return schedulerCode;
  if (name === 'CredentialsProviderError') return 'AWS_CREDENTIALS_MISSING';
  if (EXPIRED_CREDENTIAL_NAMES.has(name)) return 'AWS_CREDENTIALS_EXPIRED';
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') return 'AWS_ACCESS_DENIED';
  if (name === 'ClusterNotFoundException') return 'AWS_CLUSTER_NOT_FOUND';
  if (name === 'ServiceNotFoundException') return 'AWS_SERVICE_NOT_FOUND';
  if (name === 'ServiceNotActiveException') return 'AWS_SERVICE_NOT_ACTIVE';
  // ECS reports a missing cluster on some calls as ClientException with this text.
  if (/cluster not found/i.test(message)) return 'AWS_CLUSTER_NOT_FOUND';
  if (outcome === 'client_error') {
    // The same condition as ServiceNotActiveException, reported as a ClientException.
    if (/service (?:was )?not active/i.test(message)) return 'AWS_SERVICE_NOT_ACTIVE';
    // The applier forgets a revision that turned out deregistered and registers the manifest's again.
    if (/task ?definition is inactive/i.test(message)) return 'AWS_TASK_DEFINITION_INACTIVE';
    if (NOT_YET_CONSISTENT.some((pattern) => pattern.test(message))) return 'AWS_DEPENDENCY_NOT_READY';
  }
  if (outcome === 'server_error') return 'AWS_SERVER_ERROR';
  if (outcome === 'network_error') return 'AWS_NETWORK_ERROR';
  return 'AWS_INVALID_REQUEST';
}

/** The AWS_* code a failed AWS call (an SDK error, or anything shaped like one) maps to. */
export function awsErrorCode(err: unknown): AwsErrorCode {
  if (err instanceof AwsCallError) return err.code;
  if (isAssumeRoleFailure(err)) return 'AWS_ASSUME_ROLE_FAILED';
  return codeFor(awsErrorName(err), classifyAwsError(err), (err as SdkErrorShape | undefined)?.message ?? String(err));
}

/** The credential provider of an assumed role (src/accounts/assume-role-credentials.ts) could not get credentials. */
function isAssumeRoleFailure(err: unknown): err is GitopsError<'AWS_ASSUME_ROLE_FAILED'> {
  return err instanceof GitopsError && err.code === 'AWS_ASSUME_ROLE_FAILED';
}

export function toAwsCallError(err: unknown, api: AwsApi, operation: string): AwsCallError {
  if (err instanceof AwsCallError) return err;
  // The SDK asked the assumed-role provider for credentials before sending: no request went out.
  // Its message (account, role ARN, STS's answer) and details pass through unchanged.
  if (isAssumeRoleFailure(err)) {
    const stsError = typeof err.details.awsError === 'string' ? err.details.awsError : 'AssumeRoleFailed';
    return new AwsCallError('AWS_ASSUME_ROLE_FAILED', err.message, stsError, operation, 'client_error', err, err.details);
  }
  const name = awsErrorName(err);
  const outcome = classifyAwsError(err);
  const raw = (err as SdkErrorShape | undefined)?.message ?? String(err);
  const code = codeFor(name, outcome, raw, api);
  return new AwsCallError(code, `${api.toUpperCase()} ${operation} failed: ${name}: ${raw}`, name, operation, outcome, err);
}

/**
 * Why the endpoint does not know the operation it was sent (ECS or an
 * ECS-compatible endpoint older than the operation, a Region without it,
 * moto's HTML 500 page for an action it has not implemented), or undefined
 * when the call failed for any other reason. The controller then judges
 * rollouts without the deployments API; `continue` and `rollback` say so.
 */
export function operationMissingReason(error: unknown): string | undefined {
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  if (/^(UnknownOperation|UnsupportedOperation|UnsupportedFeature|InvalidAction|NotImplemented)/i.test(name)
    || /unknown operation|unrecognized operation|not supported|not (?:been |yet )?implemented|no deployments api/i.test(message)) return name;
  // ECS itself always answers in JSON.
  if (classifyAwsError(error) === 'server_error' && (name === 'SyntaxError' || /is not valid JSON|<!doctype|<html/i.test(message))) {
    return 'an HTTP 5xx answer that is not an AWS error, as moto gives for an action it has not implemented';
  }
  return undefined;
}
