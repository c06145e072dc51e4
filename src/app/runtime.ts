/**
 * What the commands (run, sync, diff, start) build before a controller can
 * work: AWS access (real AWS through the SDK chain, an endpoint override, or
 * an in-process sandbox), the region, and one consistent manifest snapshot.
 * Kept out of the command files so they stay thin and share one behaviour.
 */
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
import { formatProblem, formatWarning, loadManifests, type ManifestSnapshot } from '../manifests/index.js';
import type { Sandbox, SandboxOptions } from '../sandbox/index.js';
import { readConsistentSnapshot } from '../source/consistent-snapshot.js';
import type { Env } from './region.js';

export { resolveRegion, type Env } from './region.js';

export interface EcsConnection {
  /** ECS access for the default region. */
  readonly ecs: EcsApi;
  /** ECS access for any region (one SDK client per region, created on first use). */
  ecsFor(region: string): EcsApi;
  /** ECR access for any region (image checks and tag resolution). */
  ecrFor(region: string): EcrApi;
  /** Application Auto Scaling and CloudWatch access for any region (spec.autoScaling). */
  scalingFor(region: string): ScalingApi;
  /** EventBridge Scheduler access for any region (kind: ScheduledTask). */
  schedulerFor(region: string): SchedulerApi;
  readonly region: string;
  /** Where requests go, for messages ('' = the SDK's regional AWS endpoint). */
  readonly endpoint: string;
  readonly sandbox?: Sandbox;
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly region: string;
  readonly env: Env;
  readonly observer?: AwsRequestObserver;
  /** Start an in-process sandbox (listening on a free loopback port) and talk to it. */
  readonly sandbox?: { readonly seed?: SandboxOptions['seed']; readonly clockSpeed?: number };
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
  // The same for EventBridge Scheduler.
  let schedulerEndpoint = env.AWS_ENDPOINT_URL_SCHEDULER || env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_ECS || '';
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
    credentials = config.credentials;
  }
  const clients = new Map<string, { api: EcsApi; destroy: () => void }>();
  const ecsFor = (region: string): EcsApi => {
    let entry = clients.get(region);
    if (!entry) {
      const { api, client } = createSdkEcsApi({
        region,
        ...(endpoint ? { endpoint } : {}),
        ...(credentials ? { credentials } : {}),
        ...(options.observer ? { observer: options.observer } : {}),
      });
      entry = { api, destroy: () => client.destroy() };
      clients.set(region, entry);
    }
    return entry.api;
  };
  const ecrClients = new Map<string, { api: EcrApi; destroy: () => void }>();
  const ecrFor = (region: string): EcrApi => {
    let entry = ecrClients.get(region);
    if (!entry) {
      const { api, client } = createSdkEcrApi({
        region,
        ...(ecrEndpoint ? { endpoint: ecrEndpoint } : {}),
        ...(credentials ? { credentials } : {}),
        ...(options.observer ? { observer: options.observer } : {}),
      });
      entry = { api, destroy: () => client.destroy() };
      ecrClients.set(region, entry);
    }
    return entry.api;
  };
  const scalingClients = new Map<string, { api: ScalingApi; destroy: () => void }>();
  const scalingFor = (region: string): ScalingApi => {
    let entry = scalingClients.get(region);
    if (!entry) {
      const { api, autoScaling, cloudWatch } = createSdkScalingApi({
        region,
        ...(scalingEndpoint ? { endpoint: scalingEndpoint } : {}),
        ...(credentials ? { credentials } : {}),
        ...(options.observer ? { observer: options.observer } : {}),
      });
      entry = { api, destroy: () => { autoScaling.destroy(); cloudWatch.destroy(); } };
      scalingClients.set(region, entry);
    }
    return entry.api;
  };
  const schedulerClients = new Map<string, { api: SchedulerApi; destroy: () => void }>();
  const schedulerFor = (region: string): SchedulerApi => {
    let entry = schedulerClients.get(region);
    if (!entry) {
      const { api, client } = createSdkSchedulerApi({
        region,
        ...(schedulerEndpoint ? { endpoint: schedulerEndpoint } : {}),
        ...(credentials ? { credentials } : {}),
        ...(options.observer ? { observer: options.observer } : {}),
      });
      entry = { api, destroy: () => client.destroy() };
      schedulerClients.set(region, entry);
    }
    return entry.api;
  };
  return {
    ecs: ecsFor(options.region), ecsFor, ecrFor, scalingFor, schedulerFor, region: options.region, endpoint,
    ...(sandbox ? { sandbox } : {}),
    close: async () => {
      for (const entry of [...clients.values(), ...ecrClients.values(), ...scalingClients.values(), ...schedulerClients.values()]) entry.destroy();
      await sandbox?.close();
    },
  };
}

/** One consistent read of `dir` (Git revision when it is a checkout, `unversioned` otherwise). */
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
