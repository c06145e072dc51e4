/**
 * What the commands (run, sync, diff, start) build before a controller can
 * work: AWS access (real AWS through the SDK chain, an endpoint override, or
 * an in-process sandbox) per location, `[account@]region`, with an
 * environment's role assumed for its account (docs/security.md, "Credentials
 * per account"), the region, and one consistent manifest snapshot.
 * An `account@` location never acts with the wrong credentials: without a
 * declared role it is served with the controller's own credentials only
 * when STS GetCallerIdentity says they are in that account; otherwise every
 * call fails with AWS_ACCOUNT_WITHOUT_ROLE and nothing is sent
 * (docs/controller.md, "Many accounts and Regions").
 * Kept out of the command files so they stay thin and share one behaviour.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../ha/lease-table.js';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { AwsRequestObserver, EcsApi } from '../ecs/ecs-api.js';
import { createSdkEcsApi, type SdkEcsOptions } from '../ecs/sdk-adapter.js';
import { createSdkEcrApi, type EcrApi } from '../ecs/ecr-api.js';
import type { ScalingApi } from '../autoscaling/scaling-api.js';
import { createSdkScalingApi } from '../autoscaling/scaling-sdk-adapter.js';
import type { SchedulerApi } from '../scheduler/scheduler-api.js';
import { createSdkSchedulerApi } from '../scheduler/scheduler-sdk-adapter.js';
import { GitopsError } from '../errors/index.js';
import { AccountDirectory, type AccountRole } from '../accounts/account-directory.js';
import { createLookupResolver } from '../controller/lookups.js';
import type { LookupResolver } from '../lookups/lookup-api.js';
import { systemClock } from '../util/clock.js';
import {
  createAssumeRoleProvider, createStsClient, type AssumeRoleAttempt, type AssumeRoleCredentialProvider,
} from '../accounts/assume-role-credentials.js';
import { AwsCallError, EXPIRED_CREDENTIAL_NAMES } from '../ecs/aws-error.js';
import { parseLocation } from '../keys/index.js';
import type { LookupApi } from '../lookups/lookup-api.js';
import { createSdkLookupApi } from '../lookups/lookup-sdk-adapter.js';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { SNSClient } from '@aws-sdk/client-sns';
import { formatProblem, formatWarning, loadManifests, type ManifestSnapshot } from '../manifests/index.js';
import type { Sandbox, SandboxOptions } from '../sandbox/index.js';
import { readConsistentSnapshot } from '../source/consistent-snapshot.js';
import type { Env } from './region.js';

export { resolveRegion, type Env } from './region.js';

export interface EcsConnection {
  /** ECS access for the default region. */
  readonly ecs: EcsApi;
  /**
   * ECS access for a location, `[account@]region` (src/keys: a plain Region
   * is a location in the controller's own account). One SDK client per
   * location and role, created on first use.
   */
  ecsFor(location: string): EcsApi;
  /** ECR access for a location (image checks and tag resolution). */
  ecrFor(location: string): EcrApi;
  /** Application Auto Scaling and CloudWatch access for a location (spec.autoScaling). */
  scalingFor(location: string): ScalingApi;
  /** EventBridge Scheduler access for a location (kind: ScheduledTask). */
  schedulerFor(location: string): SchedulerApi;
  /** SSM Parameter Store and CloudFormation access for a location (the lookups, docs/environments.md). */
  lookupFor(location: string): LookupApi;
  /**
   * The SNS client for a Region (the notifiers' SNS sinks, src/notify/sns-publisher.ts):
   * the controller's own credentials (a topic in another account grants
   * Publish in its policy), one client per Region, the SDK's own retries
   * off (the dispatcher retries, and counts each attempt).
   */
  snsFor(region: string): SNSClient;
  /**
   * The lease table's DynamoDB client (`run --ha-table`, docs/ha.md), in the
   * controller's Region with its own credentials: AWS_ENDPOINT_URL_DYNAMODB or
   * AWS_ENDPOINT_URL from `env` when set (never the ECS endpoint: the sandbox
   * has no DynamoDB). One client per purpose, made on first use (the first
   * call's options make it): `leases` (the default) for the lease and member
   * items, `cache` for the task definitions (DynamoDbOptions).
   */
  dynamoDb(options: DynamoDbOptions): DynamoDBClient;
  /**
   * The account of the controller's own credentials (STS GetCallerIdentity,
   * asked once and kept; a failure is held a few seconds, then asked again).
   * Rejects when STS cannot tell.
   */
  ownAccount(): Promise<string>;
  readonly region: string;
  /** Where requests go, for messages ('' = the SDK's regional AWS endpoint). */
  readonly endpoint: string;
  readonly sandbox?: Sandbox;
  close(): Promise<void>;
}

/** Whether a location's credentials worked, for ecs_gitops_account_access (reported when it changes). */
export interface AccountAccessEvent {
  readonly account: string;
  readonly region: string;
  readonly ok: boolean;
}

/**
 * EcsConnection.dynamoDb's options. The task definition cache has a client
 * of its own: its BatchWriteItem bursts to one partition and its large
 * Query loads may be throttled, and on a shared client their retries would
 * draw on the same retry quota (and sockets) as the lease renewals, which
 * must land within a renew interval (docs/ha.md "Timings and the takeover
 * bound"). A cache call may take longer and be tried more: nothing waits on
 * it but a look-up that falls back to ECS.
 */
export interface DynamoDbOptions {
  /** @default 'leases' */
  readonly purpose?: 'leases' | 'cache';
  /** Per request (and connection). @default 2000 for leases, DYNAMODB_CACHE_REQUEST_TIMEOUT_MS for the cache */
  readonly requestTimeoutMs?: number;
  /** SDK attempts per call. @default 2 for leases (createDynamoDbClient), DYNAMODB_CACHE_MAX_ATTEMPTS for the cache */
  readonly maxAttempts?: number;
}

export const DYNAMODB_CACHE_REQUEST_TIMEOUT_MS = 10_000;
export const DYNAMODB_CACHE_MAX_ATTEMPTS = 5;

export interface ConnectOptions {
  readonly region: string;
  readonly env: Env;
  readonly observer?: AwsRequestObserver;
  /** Start an in-process sandbox (listening on a free loopback port) and talk to it. */
  readonly sandbox?: { readonly seed?: SandboxOptions['seed']; readonly clockSpeed?: number };
  /**
   * The role to assume per account (from the environments). An `account@`
   * location whose account has a role gets clients with that role's
   * credentials; without one, the controller's own, and only when they are
   * in that account. The connection tells it the own account's source.
   */
  readonly accounts?: AccountDirectory;
  /** --controller-id: the default STS session name is made from it. @default 'ecs-gitops' */
  readonly controllerId?: string;
  /** Every STS AssumeRole attempt (ecs_gitops_assume_role_total). */
  readonly onAssumeRole?: (attempt: AssumeRoleAttempt) => void;
  /** An `account@` location's credentials started or stopped working (ecs_gitops_account_access). */
  readonly onAccountAccess?: (event: AccountAccessEvent) => void;
  /** Requested lifetime of assumed-role credentials (tests use STS's minimum). @default 3600 */
  readonly assumeRoleDurationSeconds?: number;
}

/** What every client of one location is built with. */
interface LocationAccess {
  readonly account?: string;
  readonly region: string;
  readonly credentials?: SdkEcsOptions['credentials'];
  /** The role identity the clients were made for ('' = the controller's own credentials). */
  readonly identity: string;
  /** Set for `account@` locations: reports access and retries a call refused for expired credentials. */
  readonly guard?: AccessGuard;
}

interface Made<T> {
  readonly api: T;
  destroy(): void;
}

/** After GetCallerIdentity failed, the failure is answered for this long before STS is asked again. */
const OWN_ACCOUNT_FAILURE_HOLD_MS = 5_000;

/** Answers that say the signing credentials (not the caller's permissions) were refused. */
const REFUSED_CREDENTIAL_NAMES: ReadonlySet<string> = new Set(['UnrecognizedClientException', 'InvalidClientTokenId']);

/**
 * One `account@` location's watch over its credentials: a call refused
 * because they expired drops an assumed role's cached credentials and is sent
 * once more (the credentials were refreshed too late, or the clock is off);
 * a success or a credential failure is reported when it changes the
 * location's state.
 */
class AccessGuard {
  #ok: boolean | undefined;

  constructor(
    readonly account: string,
    readonly region: string,
    private readonly provider: AssumeRoleCredentialProvider | undefined,
    private readonly report: ((event: AccountAccessEvent) => void) | undefined,
    /** Throws when the location's credentials must not be used (run before every call, nothing sent when it throws). */
    private readonly precheck?: (operation: string) => Promise<void>,
  ) {}

  async run<T>(operation: string, send: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    try {
      await this.precheck?.(operation);
    } catch (err) {
      this.#failed(err, signal);
      throw err;
    }
    try {
      return this.#succeeded(await send());
    } catch (err) {
      if (this.provider && !signal?.aborted && err instanceof AwsCallError && EXPIRED_CREDENTIAL_NAMES.has(err.awsName)) {
        this.provider.invalidate();
        try {
          return this.#succeeded(await send());
        } catch (again) {
          this.#failed(again, signal);
          throw again;
        }
      }
      this.#failed(err, signal);
      throw err;
    }
  }

  #succeeded<T>(output: T): T {
    this.#set(true);
    return output;
  }

  #failed(err: unknown, signal: AbortSignal | undefined): void {
    if (signal?.aborted || !(err instanceof AwsCallError)) return;
    if (err.code === 'AWS_ASSUME_ROLE_FAILED' || err.code === 'AWS_ACCOUNT_WITHOUT_ROLE' || err.code === 'AWS_CREDENTIALS_EXPIRED' || REFUSED_CREDENTIAL_NAMES.has(err.awsName)) this.#set(false);
  }

  #set(ok: boolean): void {
    if (this.#ok === ok) return;
    this.#ok = ok;
    this.report?.({ account: this.account, region: this.region, ok });
  }
}

/** `api` whose every send goes through the location's guard. Every Api of this package has send(operation, input, signal). */
function guarded<T extends object>(api: T, guard: AccessGuard): T {
  const target = api as unknown as { send(operation: string, input: unknown, signal?: AbortSignal): Promise<unknown> };
  const send = (operation: string, input: unknown, signal?: AbortSignal) => guard.run(operation, () => target.send(operation, input, signal), signal);
  return { ...api, send } as T;
}

/** AWS access: an in-process sandbox, or the SDK with AWS_ENDPOINT_URL_ECS and credentials from `env` when set. */
export async function connectEcs(options: ConnectOptions): Promise<EcsConnection> {
  const env = options.env;
  let sandbox: Sandbox | undefined;
  let endpoint = env.AWS_ENDPOINT_URL_ECS || env.AWS_ENDPOINT_URL || '';
  let ecrEndpoint = env.AWS_ENDPOINT_URL_ECR || env.AWS_ENDPOINT_URL || '';
  // One endpoint serves Application Auto Scaling and CloudWatch. An ECS endpoint override alone
  // means a local stand-in (the sandbox, moto) that serves every API; against AWS the SDK's chain applies.
  let scalingEndpoint = env.AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING || env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_ECS || '';
  // The same for EventBridge Scheduler, STS (AssumeRole) and the lookups (SSM and CloudFormation on one address).
  let schedulerEndpoint = env.AWS_ENDPOINT_URL_SCHEDULER || env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_ECS || '';
  let stsEndpoint = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_ECS || '';
  let lookupEndpoint = env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_ECS || '';
  let snsEndpoint = env.AWS_ENDPOINT_URL_SNS || env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_ECS || '';
  let credentials: SdkEcsOptions['credentials'] = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
    ? {
      accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    }
    : undefined;
  if (options.sandbox) {
    // Loaded lazily: real-AWS runs never pay for the sandbox.
    const { startSandbox } = await import('../sandbox/index.js');
    sandbox = await startSandbox({
      ...(options.sandbox.seed ? { seed: options.sandbox.seed } : {}),
      ...(options.sandbox.clockSpeed !== undefined ? { clockSpeed: options.sandbox.clockSpeed } : {}),
    });
    const config = sandbox.clientConfig({ region: options.region });
    endpoint = config.endpoint;
    ecrEndpoint = config.endpoint;
    scalingEndpoint = config.endpoint;
    schedulerEndpoint = config.endpoint;
    stsEndpoint = config.endpoint;
    lookupEndpoint = config.endpoint;
    snsEndpoint = config.endpoint;
    // The sandbox's dummy keys act in its default account: the controller's own.
    credentials = config.credentials;
  }

  // AssumeRole and GetCallerIdentity are called with the controller's own credentials; one STS client, one provider per role.
  let sts: STSClient | undefined;
  const stsClient = (): STSClient => {
    sts ??= createStsClient({
      region: options.region,
      ...(stsEndpoint ? { endpoint: stsEndpoint } : {}),
      ...(credentials ? { credentials } : {}),
    });
    return sts;
  };

  // Asked only when an `account@` location without a role is used: a single-account controller never calls STS.
  let ownAccountAnswer: { promise: Promise<string>; failedAt?: number } | undefined;
  const ownAccount = (): Promise<string> => {
    const failedAt = ownAccountAnswer?.failedAt;
    if (!ownAccountAnswer || (failedAt !== undefined && Date.now() - failedAt >= OWN_ACCOUNT_FAILURE_HOLD_MS)) {
      const answer: { promise: Promise<string>; failedAt?: number } = {
        promise: stsClient().send(new GetCallerIdentityCommand({})).then((output) => {
          if (!output.Account || !/^\d{12}$/.test(output.Account)) throw new Error(`GetCallerIdentity answered without a 12-digit account (${JSON.stringify(output.Account ?? null)})`);
          return output.Account;
        }),
      };
      answer.promise.catch(() => {
        answer.failedAt = Date.now();
      });
      ownAccountAnswer = answer;
    }
    return ownAccountAnswer.promise;
  };
  options.accounts?.learnOwnAccountFrom(ownAccount);

  /** Before each call of an `account@` location without a role: its account must be the controller's own. */
  const ownAccountCheck = (account: string, region: string) => async (operation: string): Promise<void> => {
    let own: string;
    try {
      own = await ownAccount();
    } catch (err) {
      const name = (err as { name?: string } | undefined)?.name ?? 'Error';
      const message = scrubCredentials((err as { message?: string } | undefined)?.message ?? String(err));
      throw new AwsCallError(
        'AWS_ACCOUNT_WITHOUT_ROLE',
        `cannot act in account ${account} (${region}): no Environment gives a roleArn for it, and the account of the controller's own credentials could not be learned (STS GetCallerIdentity failed: ${name}: ${message}); nothing was sent`,
        name, operation, 'client_error', undefined, { account, region },
      );
    }
    if (own !== account) {
      throw new AwsCallError(
        'AWS_ACCOUNT_WITHOUT_ROLE',
        `cannot act in account ${account} (${region}): no Environment gives a roleArn for it, and the controller's own credentials are in account ${own}; nothing was sent with them`,
        'NoRoleForAccount', operation, 'client_error', undefined, { account, region, ownAccount: own },
      );
    }
  };

  const providers = new Map<string, AssumeRoleCredentialProvider>();
  const providerFor = (role: AccountRole, identity: string): AssumeRoleCredentialProvider => {
    let provider = providers.get(identity);
    if (!provider) {
      provider = createAssumeRoleProvider({
        role, sts: stsClient(), controllerId: options.controllerId ?? 'ecs-gitops',
        ...(options.assumeRoleDurationSeconds !== undefined ? { durationSeconds: options.assumeRoleDurationSeconds } : {}),
        ...(options.onAssumeRole ? { onAttempt: options.onAssumeRole } : {}),
      });
      providers.set(identity, provider);
    }
    return provider;
  };

  // A location's credentials, worked out again only when the roles changed (AccountDirectory.generation).
  const accessCache = new Map<string, { generation: number; access: LocationAccess }>();
  const accessFor = (location: string): LocationAccess => {
    const generation = options.accounts?.generation ?? 0;
    const known = accessCache.get(location);
    if (known && known.generation === generation) return known.access;
    const { account, region } = parseLocation(location);
    const role = account !== undefined ? options.accounts?.roleFor(account) : undefined;
    const identity = role ? JSON.stringify([role.roleArn, role.externalId ?? null, role.sessionName ?? null]) : '';
    let access: LocationAccess;
    if (known && known.access.identity === identity) access = known.access;
    else if (role) {
      const provider = providerFor(role, identity);
      access = { account, region, credentials: provider, identity, guard: new AccessGuard(role.account, region, provider, options.onAccountAccess) };
    } else {
      access = {
        ...(account !== undefined ? { account } : {}), region, identity,
        ...(credentials ? { credentials } : {}),
        ...(account !== undefined ? { guard: new AccessGuard(account, region, undefined, options.onAccountAccess, ownAccountCheck(account, region)) } : {}),
      };
    }
    accessCache.set(location, { generation, access });
    return access;
  };

  // One client per location and role; a client made for a role that changed is replaced (and closed with the connection).
  const pools: Map<string, Made<unknown> & { identity: string }>[] = [];
  const replaced: Made<unknown>[] = [];
  const pool = <T extends object>(make: (access: LocationAccess) => Made<T>) => {
    const entries = new Map<string, Made<T> & { identity: string }>();
    pools.push(entries as Map<string, Made<unknown> & { identity: string }>);
    return (location: string): T => {
      const access = accessFor(location);
      let entry = entries.get(location);
      if (entry && entry.identity !== access.identity) {
        replaced.push(entry);
        entry = undefined;
      }
      if (!entry) {
        const made = make(access);
        entry = { api: access.guard ? guarded(made.api, access.guard) : made.api, destroy: () => made.destroy(), identity: access.identity };
        entries.set(location, entry);
      }
      return entry.api;
    };
  };
  const common = (access: LocationAccess, at: string) => ({
    region: access.region,
    ...(at ? { endpoint: at } : {}),
    ...(access.credentials ? { credentials: access.credentials } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
  });

  const ecsFor = pool((access) => {
    const { api, client } = createSdkEcsApi(common(access, endpoint));
    return { api, destroy: () => client.destroy() };
  });
  const ecrFor = pool((access) => {
    const { api, client } = createSdkEcrApi(common(access, ecrEndpoint));
    return { api, destroy: () => client.destroy() };
  });
  const scalingFor = pool((access) => {
    const { api, autoScaling, cloudWatch } = createSdkScalingApi(common(access, scalingEndpoint));
    return { api, destroy: () => { autoScaling.destroy(); cloudWatch.destroy(); } };
  });
  const schedulerFor = pool((access) => {
    const { api, client } = createSdkSchedulerApi(common(access, schedulerEndpoint));
    return { api, destroy: () => client.destroy() };
  });
  const lookupFor = pool((access) => {
    const { api, destroy } = createSdkLookupApi(common(access, lookupEndpoint));
    return { api, destroy };
  });
  const snsClients = new Map<string, SNSClient>();
  const snsFor = (region: string): SNSClient => {
    let client = snsClients.get(region);
    if (!client) {
      client = new SNSClient({
        region, maxAttempts: 1,
        ...(snsEndpoint ? { endpoint: snsEndpoint } : {}),
        ...(credentials ? { credentials } : {}),
      });
      snsClients.set(region, client);
    }
    return client;
  };
  const dynamoDbEndpoint = env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || '';
  const dynamoDbClients = new Map<'leases' | 'cache', DynamoDBClient>();
  const dynamoDb = (clientOptions: DynamoDbOptions): DynamoDBClient => {
    const purpose = clientOptions.purpose ?? 'leases';
    let client = dynamoDbClients.get(purpose);
    if (!client) {
      const cache = purpose === 'cache';
      const requestTimeoutMs = clientOptions.requestTimeoutMs ?? (cache ? DYNAMODB_CACHE_REQUEST_TIMEOUT_MS : undefined);
      const maxAttempts = clientOptions.maxAttempts ?? (cache ? DYNAMODB_CACHE_MAX_ATTEMPTS : undefined);
      client = createDynamoDbClient({
        region: options.region,
        ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
        ...(maxAttempts !== undefined ? { maxAttempts } : {}),
        ...(dynamoDbEndpoint ? { endpoint: dynamoDbEndpoint } : {}),
        ...(credentials ? { credentials } : {}),
      });
      dynamoDbClients.set(purpose, client);
    }
    return client;
  };
  return {
    ecs: ecsFor(options.region), ecsFor, ecrFor, scalingFor, schedulerFor, lookupFor, snsFor, dynamoDb, ownAccount, region: options.region, endpoint,
    ...(sandbox ? { sandbox } : {}),
    close: async () => {
      for (const entry of [...pools.flatMap((entries) => [...entries.values()]), ...replaced]) entry.destroy();
      for (const client of snsClients.values()) client.destroy();
      for (const client of dynamoDbClients.values()) client.destroy();
      sts?.destroy();
      await sandbox?.close();
    },
  };
}

/** Anything shaped like an access key id or a long base64 secret is cut out of an AWS message before it is shown. */
function scrubCredentials(message: string): string {
  return message.replace(/\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b/g, '<access key id>').replace(/[A-Za-z0-9+/=]{40,}/g, '<redacted>');
}

/**
 * The snapshot `diff` and `sync` work on. When DIR is inside the working
 * directory the command runs in (`sync manifests` from a checkout's root),
 * that directory is the checkout root and its commit the revision: it is the
 * one the person chose. git never looks above it (docs/source.md, "Running
 * git safely"), so a `.git` in a folder above is never used.
 */
export async function readSnapshot(dir: string, defaultRegion: string, signal: AbortSignal, cwd?: string): Promise<ManifestSnapshot> {
  const inside = cwd === undefined ? undefined : path.relative(cwd, dir);
  const underCwd = inside !== undefined && inside !== '' && !inside.startsWith('..') && !path.isAbsolute(inside);
  const result = await readConsistentSnapshot({
    root: underCwd && cwd !== undefined ? cwd : dir,
    ...(underCwd ? { path: inside } : {}),
    load: (root, loadSignal) => loadManifests(root, { defaultRegion, signal: loadSignal }),
    signal,
  });
  return result.snapshot;
}

/** Prints manifest problems as `file:line:col: CODE message`, the format `validate` uses. */
export function printProblems(snapshot: ManifestSnapshot, out: Writable): void {
  for (const problem of snapshot.problems) out.write(`${formatProblem(problem)}\n`);
}

/** Prints manifest warnings (read-only fields that are ignored): they block nothing, so they are printed even when all is valid. */
export function printWarnings(snapshot: ManifestSnapshot, out: Writable): void {
  for (const warning of snapshot.warnings ?? []) out.write(`${formatWarning(warning)}\n`);
}

/** A required flag or argument (used by `export --cluster`); CLI_MISSING_ARGUMENT when absent. */
export function requireDirectoryArgument(value: string | undefined, what: string): string {
  if (!value) throw new GitopsError('CLI_MISSING_ARGUMENT', `${what} is required`);
  return value;
}

/** What a one-shot command needs to read a snapshot's resources where they live. */
export interface SnapshotAccess {
  readonly connection: EcsConnection;
  /** The snapshot's environments: each account's role, each location's rate limits. */
  readonly accounts: AccountDirectory;
  /** `${ssm:…}`/`${cfn:…}` resolved in each resource's own location, as the controller resolves them. */
  readonly lookups: LookupResolver;
}

/**
 * The connection `diff`, `promote` and `render --resolve` read through: each
 * environment's account through its role (the snapshot's clean Environment
 * documents, problems elsewhere or not, as the controller takes them) and
 * lookups resolved the controller's way. The caller closes the connection.
 */
export async function connectForSnapshot(snapshot: ManifestSnapshot, options: { readonly region: string; readonly env: Env; readonly controllerId: string }): Promise<SnapshotAccess> {
  const accounts = new AccountDirectory();
  accounts.update(snapshot.environments ?? []);
  const connection = await connectEcs({ region: options.region, env: options.env, accounts, controllerId: options.controllerId });
  const lookups = createLookupResolver({ lookupFor: (location) => connection.lookupFor(location), accounts, clock: systemClock });
  return { connection, accounts, lookups };
}
