/**
 * The embedded ECS/ECR sandbox: `startSandbox()` serves a local, in-memory
 * ECS + ECR endpoint (AWS JSON 1.1 over loopback HTTP), with Application Auto
 * Scaling, CloudWatch alarms, EventBridge Scheduler, STS (AssumeRole), SSM
 * Parameter Store, CloudFormation stack outputs and SNS topics at the same endpoint, that the unmodified
 * AWS SDK and aws CLI talk to, with an admin API and an in-process mode.
 * See docs/sandbox.md for the behaviour it models and its defaults.
 */
import { fileURLToPath } from 'node:url';
import { listen } from './http-server.js';
import { inProcessHandler, type InProcessRequestHandler } from './in-process-handler.js';
import type { JsonObject } from './json-input.js';
import { DEFAULT_ACCOUNT, DEFAULT_REGION } from './request-identity.js';
import { SandboxCore, type RawRequest, type RawResponse, type SandboxCoreOptions, type ServiceAddress } from './sandbox-core.js';
import { applySeed, loadSeed, type SeedDocument } from './seed.js';
import type { CallLogFilter, CallRecord } from './call-log.js';
import type { ThrottlingOption } from './throttle.js';
import type { SandboxApi } from './operations.js';
import type { StackOutputInput } from './cloudformation.js';
import type { ParameterType } from './ssm.js';
import type { HookResultSetting } from './deployment-strategies.js';
import { snsMessages, type SnsMessageRecord } from './sns.js';

export type { ThrottlingOption } from './throttle.js';
export { ECS_THROTTLE_CATEGORIES, OPERATION_CATEGORY } from './throttle.js';
export type { RolloutTimings } from './rollout.js';
export { DEFAULT_TIMINGS, circuitBreakerThreshold } from './rollout.js';
export type { SeedDocument, SeedAccount, SeedCluster, SeedRepository, SeedImage, SeedParameter, SeedStack, SeedTopic } from './seed.js';
export type { RawRequest, RawResponse, ServiceAddress, SandboxLogger } from './sandbox-core.js';
export type { InProcessRequestHandler } from './in-process-handler.js';
export type { CallRecord, CallOutcome, CallLogFilter } from './call-log.js';
export type { Json, JsonObject } from './json-input.js';
export type { SandboxApi } from './operations.js';
export type { StackOutputInput } from './cloudformation.js';
export type { ParameterType } from './ssm.js';
export type { HookResultSetting } from './deployment-strategies.js';
export type { SnsMessageRecord } from './sns.js';
export { DEFAULT_ACCOUNT, DEFAULT_REGION, ACCOUNT_HEADER } from './request-identity.js';

export { QUICKSTART_SEED } from './quickstart-seed.js';

/**
 * The quick start's seed file: cluster `demo` and images web:1.4.2, worker:2.0.1
 * (123456789012, eu-west-1). Only present when running from src/ (tsx); prefer QUICKSTART_SEED in code.
 */
export const QUICKSTART_SEED_PATH = fileURLToPath(new URL('./quickstart-seed.yaml', import.meta.url));

export interface SandboxOptions extends SandboxCoreOptions {
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** false: no socket, in-process use only (endpoint is then ''). @default true */
  readonly listen?: boolean;
  /** Seed documents, or paths of seed files / folders of them. */
  readonly seed?: SeedDocument | string | readonly (SeedDocument | string)[];
}

export interface SandboxClock {
  /** Simulated epoch ms. */
  now(): number;
  readonly speed: number;
  setSpeed(speed: number): void;
  /** Jumps the simulated clock forward and runs every rollout up to the new time. */
  advance(ms: number): void;
}

export interface SandboxAdmin {
  /** Wipes one account (all Regions), or everything; call counts and throttling buckets too. */
  reset(accountId?: string): void;
  callCounts(accountId?: string): Record<string, number>;
  /** Zeroes call counts, throttle counts and the call log. */
  resetCallCounts(accountId?: string): void;
  /** ThrottlingExceptions answered per operation (they are in callCounts too). */
  throttledCounts(accountId?: string): Record<string, number>;
  /** Timestamped calls (wall-clock ms), oldest first; bounded to the newest 100,000 by default. */
  callLog(filter?: CallLogFilter): CallRecord[];
  /** Switches throttling at run time (every bucket starts full again). */
  setThrottling(option: ThrottlingOption): void;
  /** Tasks of this image (as written in the task definition, or `<repoUri>@sha256:...`) start then exit with an error. */
  markImageCrashing(image: string, crashing?: boolean): void;
  /**
   * How containers of `image` in one-off tasks (RunTask, schedule firings) end: exit with `exitCode`
   * `afterSeconds` simulated seconds after they start. `undefined` clears it (default: exit 0 after 5 s).
   */
  setImageExit(image: string, rule: { exitCode: number; afterSeconds: number } | undefined): void;
  /** Every schedule of an account and Region (defaults 123456789012, us-east-1) with nextFireAt, lastFiredAt, lastResult, firings. */
  schedules(target?: { accountId?: string; region?: string }): JsonObject[];
  /** ECR image reads (DescribeImages, BatchGetImage) of a repository answer AccessDeniedException while `denied`. */
  denyImageReads(target: { accountId?: string; region?: string; repository: string }, denied?: boolean): void;
  scaleService(address: ServiceAddress, desiredCount: number): JsonObject;
  /** Sets a service's average CPU % now; simulated auto scaling acts on it each simulated minute. */
  setServiceLoad(address: ServiceAddress, cpu: number): void;
  setServiceTaskDefinition(address: ServiceAddress, taskDefinition: string): JsonObject;
  /** Console-style change of any service field (UpdateService fields or any other key, stored as given). */
  mutateService(address: ServiceAddress, fields: JsonObject): JsonObject;
  /** Another tool fighting the service: `fields` are set again after every UpdateService of it; `undefined` stops it. */
  fightService(address: ServiceAddress, fields: JsonObject | undefined): void;
  tagResource(target: { accountId?: string; region?: string; resourceArn: string }, tags: Record<string, string>, remove?: readonly string[]): void;
  seed(doc: SeedDocument): void;
  /**
   * STS: AssumeRole of `roleArn` answers AccessDenied while `denied` (its trust policy does not name the
   * caller), or when `externalId` is set and the caller sends another or none.
   */
  setRole(roleArn: string, settings: { denied?: boolean; externalId?: string }): void;
  /** STS: lifetime (wall-clock seconds, >= 1) of credentials issued from now on; DurationSeconds can only shorten it. @default 3600 */
  setSessionSeconds(seconds: number): void;
  /** STS: every credential issued so far expires now (requests with it answer ExpiredToken); returns how many were valid. */
  expireCredentials(): number;
  /** STS: AssumeRole calls per role ARN (refused ones included). */
  assumeRoleCalls(): Record<string, number>;
  /** CloudFormation: a CREATE_COMPLETE stack with these outputs (an existing one's outputs are replaced). */
  putStack(target: { accountId?: string; region?: string; stackName: string; outputs: Readonly<Record<string, StackOutputInput>> }): { stackId: string };
  /** SSM Parameter Store: a new version of a parameter (type default String; overwrites). */
  putParameter(target: { accountId?: string; region?: string; name: string; value: string; type?: ParameterType }): { version: number };
  /**
   * What the AWS_LAMBDA lifecycle hook with this hookTargetArn answers from now on: SUCCEEDED (the default),
   * FAILED (the deployment rolls back) or IN_PROGRESS (still running: asked again every 30 simulated seconds
   * until its timeout). `undefined` restores the default.
   */
  setDeploymentHookResult(hookTargetArn: string, result: HookResultSetting | undefined): void;
  /** SNS: what the topic received (its ARN names account and Region), oldest first; NotFound for an unknown topic. */
  snsMessages(topicArn: string): SnsMessageRecord[];
}

export interface SandboxClientOptions {
  readonly accountId?: string;
  readonly region?: string;
}

/** Constructor options for ECSClient / ECRClient pointing at the sandbox. */
export interface SandboxClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:4566 ('' with listen: false). */
  readonly endpoint: string;
  close(): Promise<void>;
  readonly admin: SandboxAdmin;
  readonly clock: SandboxClock;
  callCounts(accountId?: string): Record<string, number>;
  /** One AWS JSON 1.1 request without a socket. */
  handle(request: RawRequest): RawResponse;
  /** One operation without the wire format (counted and throttled); throws the AWS error on failure. */
  call(operation: string, input: JsonObject, target?: { accountId?: string; region?: string; api?: SandboxApi }): JsonObject;
  /** SDK client settings for an account: the access key id is the account id, so accounts stay isolated. */
  clientConfig(options?: SandboxClientOptions): SandboxClientConfig;
  /** SDK `requestHandler` that answers in memory (no socket). */
  readonly requestHandler: InProcessRequestHandler;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const core = new SandboxCore(options);
  const seeds = options.seed === undefined ? [] : Array.isArray(options.seed) ? options.seed : [options.seed];
  for (const seed of seeds as (SeedDocument | string)[]) {
    if (typeof seed === 'string') for (const { file, doc } of await loadSeed(seed)) applySeed(core, doc, file);
    else applySeed(core, seed);
  }
  const server = options.listen === false ? undefined : await listen(core, options.host ?? '127.0.0.1', options.port ?? 0);
  const endpoint = server?.endpoint ?? '';
  const admin: SandboxAdmin = {
    reset: (accountId) => core.reset(accountId),
    callCounts: (accountId) => core.callCounts(accountId),
    resetCallCounts: (accountId) => core.resetCallCounts(accountId),
    throttledCounts: (accountId) => core.throttledCounts(accountId),
    callLog: (filter) => core.callLog(filter),
    setThrottling: (option) => core.setThrottling(option),
    markImageCrashing: (image, crashing = true) => core.markImageCrashing(image, crashing),
    denyImageReads: (target, denied = true) => core.denyImageReads(target, denied),
    setImageExit: (image, rule) => core.setImageExit(image, rule),
    schedules: (target) => core.schedules(target),
    scaleService: (address, n) => core.scaleService(address, n),
    setServiceLoad: (address, cpu) => core.setServiceLoad(address, cpu),
    setServiceTaskDefinition: (address, td) => core.setServiceTaskDefinition(address, td),
    mutateService: (address, fields) => core.mutateService(address, fields),
    fightService: (address, fields) => core.fightService(address, fields),
    tagResource: (target, tags, remove) => core.tagResource(target, tags, remove),
    seed: (doc) => applySeed(core, doc),
    setRole: (roleArn, settings) => core.setRole(roleArn, settings),
    setSessionSeconds: (seconds) => core.setSessionSeconds(seconds),
    expireCredentials: () => core.expireCredentials(),
    assumeRoleCalls: () => core.assumeRoleCalls(),
    putStack: (target) => core.putStack(target),
    putParameter: (target) => core.putParameter(target),
    setDeploymentHookResult: (hookTargetArn, result) => core.setDeploymentHookResult(hookTargetArn, result),
    snsMessages: (topicArn) => snsMessages(core.state, topicArn),
  };
  const clock: SandboxClock = {
    now: () => core.clock.now(),
    get speed() {
      return core.clock.speed;
    },
    setSpeed: (speed) => core.clock.setSpeed(speed),
    advance: (ms) => {
      core.clock.advance(ms);
      core.settleAll();
    },
  };
  return {
    endpoint,
    close: async () => {
      await server?.close();
    },
    admin,
    clock,
    callCounts: (accountId) => core.callCounts(accountId),
    handle: (request) => core.handle(request),
    call: (operation, input, target = {}) => core.call(operation, input, target.accountId ?? DEFAULT_ACCOUNT, target.region ?? DEFAULT_REGION, target.api ?? 'ecs'),
    clientConfig: (opts = {}) => ({
      endpoint,
      region: opts.region ?? DEFAULT_REGION,
      credentials: { accessKeyId: opts.accountId ?? DEFAULT_ACCOUNT, secretAccessKey: 'sandbox-not-a-secret' },
    }),
    requestHandler: inProcessHandler(core),
  };
}
