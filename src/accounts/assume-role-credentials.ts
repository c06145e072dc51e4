/**
 * Credentials for an account the controller acts in through a role
 * (docs/environments.md, docs/security.md "Credentials per account"): an SDK
 * credential provider over STS AssumeRole, called with the controller's own
 * credentials. One provider per role, shared by every Region's clients of
 * that account (assumed-role credentials are not tied to a Region).
 *
 * - Cached: the SDK calls the provider before every request (the provider is
 *   marked `memoized`, so the SDK keeps no copy of its own), and the cached
 *   credentials are handed out until they come close to expiry.
 * - Refreshed before expiry: when less than min(5 minutes, a quarter of their
 *   lifetime) remains. A refresh that fails while the old credentials are
 *   still valid hands those out (the attempt is still reported as failed).
 * - One AssumeRole in flight per role: concurrent callers wait for the same one.
 * - `invalidate()` drops the cache, for credentials a server called expired
 *   (clock skew, a role session revoked early).
 * - A refused AssumeRole becomes AWS_ASSUME_ROLE_FAILED naming the account, the
 *   role ARN and STS's error code and message, held for a few seconds so a
 *   burst of calls does not become a burst of AssumeRoles. Keys, secrets and
 *   session tokens never enter an error, a detail or a log line.
 */
import { AssumeRoleCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { addRequestHeaders } from '../ecs/sdk-adapter.js';
import { GitopsError } from '../errors/index.js';
import type { AccountRole } from './account-directory.js';

/** What the SDK needs to sign a request; structurally the SDK's AwsCredentialIdentity. */
export interface AssumedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** One AssumeRole attempt, reported for metrics (ecs_gitops_assume_role_total, ecs_gitops_account_access). */
export interface AssumeRoleAttempt {
  readonly account: string;
  readonly ok: boolean;
}

/** An SDK credential provider (AwsCredentialIdentityProvider) that can be told its credentials were refused. */
export interface AssumeRoleCredentialProvider {
  (): Promise<AssumedCredentials>;
  /** The SDK uses a provider marked memoized as is, calling it before every request: the caching here is the only one. */
  readonly memoized: true;
  readonly account: string;
  readonly roleArn: string;
  /** Forget the cached credentials: the next call assumes the role again. */
  invalidate(): void;
}

/** The part of STSClient the provider uses (tests may count calls through a real client). */
export interface StsSender {
  send(command: AssumeRoleCommand): Promise<{ Credentials?: {
    AccessKeyId?: string | undefined; SecretAccessKey?: string | undefined; SessionToken?: string | undefined; Expiration?: Date | undefined;
  } | undefined }>;
}

export interface AssumeRoleProviderOptions {
  readonly role: AccountRole;
  /** The controller's id (--controller-id): the default session name is made from it. */
  readonly controllerId: string;
  /** An STS client with the controller's own credentials and the connection's STS endpoint. */
  readonly sts: StsSender;
  /** Requested lifetime; STS allows 900 s up to the role's maximum session duration. @default 3600 */
  readonly durationSeconds?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  readonly onAttempt?: (attempt: AssumeRoleAttempt) => void;
}

/** Refresh when less than this much of the credentials' life remains (or a quarter of it, when shorter). */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** After a refused AssumeRole, the same error is answered for this long instead of asking STS again. */
const FAILURE_HOLD_MS = 5_000;
/** STS's RoleSessionName: 2 to 64 characters of [\w+=,.@-]. */
const SESSION_NAME_INVALID = /[^\w+=,.@-]/g;
const SESSION_NAME_MAX = 64;

/**
 * The RoleSessionName the controller uses when the environment names none:
 * the controller id when it starts with `ecs-gitops`, else
 * `ecs-gitops-<id>` (the schedule group's rule, docs/scheduled-tasks.md), with
 * characters STS refuses replaced by `-` and cut to 64 characters. It shows in
 * the target account's CloudTrail as the assumed-role session.
 */
export function defaultSessionName(controllerId: string): string {
  const base = controllerId.startsWith('ecs-gitops') ? controllerId : `ecs-gitops-${controllerId}`;
  const cleaned = base.replace(SESSION_NAME_INVALID, '-').slice(0, SESSION_NAME_MAX);
  return cleaned.length >= 2 ? cleaned : 'ecs-gitops';
}

/** An STS client for assuming roles: the SDK's own retries kept low, as for the other clients (src/ecs/sdk-adapter.ts). */
export function createStsClient(options: {
  readonly region: string;
  readonly endpoint?: string;
  /** The controller's own credentials; absent = the SDK's chain. */
  readonly credentials?: STSClientConfig['credentials'];
  /** Extra headers on every request (test isolation: x-moto-account-id). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly maxAttempts?: number;
}): STSClient {
  const client = new STSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 2,
  });
  // The logger middleware would copy every answer (credentials included) through a filter for a no-op logger.
  client.middlewareStack.remove('loggerMiddleware');
  if (options.headers && Object.keys(options.headers).length > 0) addRequestHeaders(client, options.headers);
  return client;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  Code?: string;
}

/** STS's error code and message only: the error object itself may carry the request (never put into ours). */
function stsFailure(err: unknown): { code: string; message: string } {
  const shape = (err ?? {}) as SdkErrorShape;
  const code = shape.name && shape.name !== 'Error' ? shape.name : (shape.Code ?? 'Error');
  return { code, message: scrub(shape.message ?? String(err)) };
}

/** Anything shaped like an access key id or a long base64 secret is cut out of STS's message before it is shown. */
function scrub(message: string): string {
  return message
    .replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g, '<access key id>')
    .replace(/[A-Za-z0-9+/=]{40,}/g, '<redacted>');
}

export function createAssumeRoleProvider(options: AssumeRoleProviderOptions): AssumeRoleCredentialProvider {
  const { role, sts } = options;
  const now = options.now ?? Date.now;
  const sessionName = role.sessionName ?? defaultSessionName(options.controllerId);
  const durationSeconds = options.durationSeconds ?? 3600;
  let cached: { credentials: AssumedCredentials; refreshAt: number } | undefined;
  let inFlight: Promise<AssumedCredentials> | undefined;
  let failure: { error: GitopsError; until: number } | undefined;

  const assume = async (): Promise<AssumedCredentials> => {
    const requestedAt = now();
    let answer: Awaited<ReturnType<StsSender['send']>>;
    try {
      answer = await sts.send(new AssumeRoleCommand({
        RoleArn: role.roleArn,
        RoleSessionName: sessionName,
        DurationSeconds: durationSeconds,
        ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
      }));
    } catch (err) {
      const { code, message } = stsFailure(err);
      throw new GitopsError(
        'AWS_ASSUME_ROLE_FAILED',
        `cannot act in account ${role.account}: STS AssumeRole of ${role.roleArn} failed: ${code}: ${message}`,
        { account: role.account, roleArn: role.roleArn, awsError: code },
      );
    }
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !(c.Expiration instanceof Date)) {
      throw new GitopsError(
        'AWS_ASSUME_ROLE_FAILED',
        `cannot act in account ${role.account}: STS AssumeRole of ${role.roleArn} answered without complete credentials`,
        { account: role.account, roleArn: role.roleArn },
      );
    }
    const credentials: AssumedCredentials = {
      accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration,
    };
    const expiresAt = credentials.expiration.getTime();
    const lifetime = Math.max(0, expiresAt - requestedAt);
    cached = { credentials, refreshAt: expiresAt - Math.min(REFRESH_MARGIN_MS, lifetime / 4) };
    return credentials;
  };

  const refresh = (): Promise<AssumedCredentials> => {
    if (!inFlight) {
      inFlight = assume().then(
        (credentials) => {
          failure = undefined;
          options.onAttempt?.({ account: role.account, ok: true });
          return credentials;
        },
        (err: unknown) => {
          const error = err instanceof GitopsError ? err : new GitopsError('AWS_ASSUME_ROLE_FAILED', String(err), { account: role.account, roleArn: role.roleArn });
          failure = { error, until: now() + FAILURE_HOLD_MS };
          options.onAttempt?.({ account: role.account, ok: false });
          throw error;
        },
      ).finally(() => {
        inFlight = undefined;
      });
    }
    return inFlight;
  };

  const provider = async (): Promise<AssumedCredentials> => {
    const at = now();
    if (cached && at < cached.refreshAt) return cached.credentials;
    const stillValid = cached && at < cached.credentials.expiration.getTime() ? cached.credentials : undefined;
    if (failure && at < failure.until) {
      if (stillValid) return stillValid;
      throw failure.error;
    }
    try {
      return await refresh();
    } catch (err) {
      // A refresh ahead of expiry that failed: the old credentials still work for now.
      if (stillValid) return stillValid;
      throw err;
    }
  };

  return Object.assign(provider, {
    memoized: true as const,
    account: role.account,
    roleArn: role.roleArn,
    invalidate(): void {
      cached = undefined;
      failure = undefined;
    },
  });
}
