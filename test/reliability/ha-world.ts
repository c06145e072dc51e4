/**
 * The world of the HA replica tests (docs/ha.md): one in-process sandbox with
 * a fleet of services over several clusters (chosen so every hash bucket of
 * the location has one), a manifests folder the replicas watch, moto_server's
 * DynamoDB for the lease table, and `run --ha-table` replicas as real child
 * processes, each naming itself in its User-Agent (AWS_SDK_UA_APP_ID) so the
 * sandbox's call log says which replica sent each call. Registers its own
 * hooks: every replica still running is SIGKILLed and every fault proxy
 * closed after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { MUTATING_OPERATIONS } from '../../src/ecs/ecs-api.js';
import { bucketOf, shardOfCluster } from '../../src/ha/shards.js';
import type { HaStatus } from '../../src/ha/types.js';
import type { CallRecord } from '../../src/sandbox/call-log.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION, serviceManifest } from '../controller/harness.js';
import type { FaultProxy } from '../support/fault-proxy.js';
import { LISTEN_ANY_PORT, waitForListenUrl } from '../support/listen-url.js';
import { motoEndpoint } from '../support/moto.js';
import { startControllerProcess, type ControllerProcess } from './controller-process.js';
import { directApi } from './world.js';

export const HA_ACCOUNT = '310000000025';
export const BUCKETS = 4;
export const SERVICES = 12;

/** Short timings so a file of takeovers stays within minutes: 4 s - 1.5 s > 2 x 0.5 s. */
export const TIMINGS = { leaseMs: 4000, renewMs: 500, clockSkewMs: 250, fenceMarginMs: 1500 } as const;

/** Cluster names, one per hash bucket of the location (bucketOf is the replicas' own), so each bucket has work. */
export function clustersOnePerBucket(buckets: number): string[] {
  const byBucket = new Map<number, string>();
  for (let i = 0; byBucket.size < buckets && i < 10_000; i++) {
    const name = `ha-c${i}`;
    const bucket = bucketOf(name, buckets);
    if (!byBucket.has(bucket)) byBucket.set(bucket, name);
  }
  return [...byBucket.entries()].sort((a, b) => a[0] - b[0]).map(([, name]) => name);
}

export const CLUSTERS = clustersOnePerBucket(BUCKETS);
export const SERVICE_NAMES = Array.from({ length: SERVICES }, (_, i) => `ha-svc-${String(i).padStart(2, '0')}`);
/** Service name -> its cluster (round robin, so each cluster has SERVICES / clusters). */
export const CLUSTER_OF = new Map(SERVICE_NAMES.map((name, i) => [name, CLUSTERS[i % CLUSTERS.length] as string]));
/** The shard of a cluster, as the replicas compute it (manifests without an account: the location is the Region). */
export const shardOfClusterName = (cluster: string): string => shardOfCluster(REGION, cluster, BUCKETS);
export const ALL_SHARDS = [...new Set(CLUSTERS.map(shardOfClusterName))].sort();
export const shardOfService = (service: string): string => shardOfClusterName(CLUSTER_OF.get(service) as string);

export interface StatusDoc {
  readonly services: readonly { key: string; service: string; cluster: string; sync: string; health: string; liveTaskDefinition?: string }[];
  readonly ha?: HaStatus;
}

export interface Replica {
  readonly id: string;
  readonly proc: ControllerProcess;
  /** The status server's URL once logged. */
  url(): Promise<string>;
  /** /api/v1/status, or undefined when it does not answer (not up yet, or gone). */
  status(): Promise<StatusDoc | undefined>;
  /** ecs_gitops_lease_transitions_total by transition, plus fencing stops. */
  transitions(): Promise<Record<string, number>>;
  running(): boolean;
}

export interface HaWorld {
  sandbox: Sandbox;
  dir: ManifestDir;
  api: EcsApi;
  moto: string;
  replicas: Replica[];
  proxies: FaultProxy[];
  /** Each replica's --state-dir, removed after the file. */
  stateDirs: string[];
}

/** The replica's `run` arguments, with the short timings and a state dir of its own. */
function replicaArgs(dir: string, table: string, id: string, stateDir: string): string[] {
  const s = (ms: number) => `${ms}ms`;
  return [
    '--repo', dir, '--listen', LISTEN_ANY_PORT, '--resync', '10s', '--log-level', 'info', '--state-dir', stateDir,
    '--ha-table', table, '--replica-id', id, '--ha-buckets', String(BUCKETS),
    '--ha-lease', s(TIMINGS.leaseMs), '--ha-renew', s(TIMINGS.renewMs), '--ha-clock-skew', s(TIMINGS.clockSkewMs), '--ha-fence-margin', s(TIMINGS.fenceMarginMs),
  ];
}

export function useHaWorld(): HaWorld {
  // Filled in by beforeAll, before any test reads it.
  const world = { replicas: [], proxies: [], stateDirs: [] } as unknown as HaWorld;
  beforeAll(async () => {
    const moto = motoEndpoint();
    if (!moto) throw new Error('moto_server is not running (install moto[server]): the lease table lives in its DynamoDB');
    world.moto = moto;
    // Rollouts at 50x (a task starts in 3 simulated seconds): fast, unless a test slows the clock to catch one running.
    world.sandbox = await startSandbox({ clockSpeed: 50, throttling: 'off' });
    world.sandbox.admin.seed({ accounts: [{ accountId: HA_ACCOUNT, region: REGION, clusters: CLUSTERS.map((name) => ({ name, capacityProviders: ['FARGATE'] })) }] });
    world.dir = await ManifestDir.create();
    world.api = directApi(world.sandbox, HA_ACCOUNT, REGION);
    await writeImages(world, new Map(SERVICE_NAMES.map((n) => [n, 'nginx:1.0'])));
  });
  // A case that fails leaves no replica or proxy behind to write into the next one's window.
  const stopEverything = async () => {
    for (const r of world.replicas) if (r.running()) r.proc.child.kill('SIGKILL');
    await Promise.all(world.replicas.splice(0).map((r) => r.proc.exited));
    await Promise.all(world.proxies.splice(0).map((p) => p.close()));
  };
  afterEach(stopEverything);
  afterAll(async () => {
    await stopEverything();
    await world.sandbox?.close();
    await world.dir?.dispose();
    for (const d of world.stateDirs) rmSync(d, { recursive: true, force: true });
  });
  return world;
}

/** One manifest file per service, so changing one service's image is a one-file commit. */
export async function writeImages(world: HaWorld, images: ReadonlyMap<string, string>): Promise<void> {
  for (const [name, image] of images) {
    await world.dir.write(`${name}.yaml`, [serviceManifest({ name, cluster: CLUSTER_OF.get(name) as string, desiredCount: 1, image })]);
  }
}

export function startReplica(world: HaWorld, options: { id: string; table: string; dynamoEndpoint?: string }): Replica {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `ecs-gitops-ha-${options.id}-`));
  world.stateDirs.push(stateDir);
  const proc = startControllerProcess({
    endpoint: world.sandbox.endpoint, accountId: HA_ACCOUNT, region: REGION,
    args: replicaArgs(world.dir.root, options.table, options.id, stateDir),
    env: { AWS_SDK_UA_APP_ID: options.id, AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint ?? world.moto },
  });
  const running = () => proc.child.exitCode === null && proc.child.signalCode === null;
  let urlPromise: Promise<string> | undefined;
  const url = () => (urlPromise ??= waitForListenUrl(proc.output, { what: `replica ${options.id}`, stopped: () => !running() }));
  const get = async (route: string): Promise<Response | undefined> => {
    if (!running()) return undefined;
    try {
      const res = await fetch(`${await url()}${route}`, { signal: AbortSignal.timeout(2000) });
      return res.ok ? res : undefined;
    } catch {
      return undefined;
    }
  };
  const replica: Replica = {
    id: options.id, proc, url, running,
    async status() {
      const res = await get('/api/v1/status');
      return res ? ((await res.json()) as StatusDoc) : undefined;
    },
    async transitions() {
      let res: Response | undefined;
      for (let attempt = 0; attempt < 5 && !res; attempt++) res = await get('/metrics');
      if (!res) throw new Error(`replica ${options.id}: /metrics did not answer (running: ${running()}):\n${proc.output().slice(-1500)}`);
      const text = await res.text();
      const out: Record<string, number> = {};
      for (const m of text.matchAll(/^ecs_gitops_lease_transitions_total\{[^}]*transition="([a-z_]+)"[^}]*\} (\S+)$/gm)) out[m[1] as string] = Number(m[2]);
      const stops = /^ecs_gitops_fencing_stops_total(?:\{[^}]*\})? (\S+)$/m.exec(text);
      out.fencing_stops = stops ? Number(stops[1]) : 0;
      return out;
    },
  };
  world.replicas.push(replica);
  return replica;
}

/** Every replica's status at once (undefined for one that does not answer). */
export async function statuses(replicas: readonly Replica[]): Promise<Map<string, StatusDoc | undefined>> {
  const docs = await Promise.all(replicas.map((r) => r.status()));
  return new Map(replicas.map((r, i) => [r.id, docs[i]]));
}

/** Who holds each shard by the replicas' own `ha.held` (a shard can show several holders when something is wrong). */
export function holdersOf(docs: ReadonlyMap<string, StatusDoc | undefined>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, doc] of docs) for (const shard of doc?.ha?.held ?? []) out.set(shard, [...(out.get(shard) ?? []), id]);
  return out;
}

/** The cluster a logged call writes to, from its target (service, family, `family:rev`, or a service / task definition / cluster ARN). */
export function clusterOfCallTarget(target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  if (CLUSTER_OF.has(target)) return CLUSTER_OF.get(target);
  if (CLUSTERS.includes(target)) return target;
  const service = /:service\/([^/]+)\/([^/]+)$/.exec(target);
  if (service) return service[1];
  const cluster = /:cluster\/([^/]+)$/.exec(target);
  if (cluster) return cluster[1];
  const family = /(?:task-definition\/)?([^/:]+):\d+$/.exec(target)?.[1];
  return family !== undefined ? CLUSTER_OF.get(family) : undefined;
}

export interface Write {
  readonly at: number;
  readonly caller: string;
  readonly operation: string;
  readonly target: string;
}

/**
 * The mutating calls (the operations the write fence guards, src/ecs/ecs-api.ts)
 * the sandbox logged since `since`, by shard. Throws on one it cannot place (no
 * caller, or a target naming no known cluster): it must not escape the check.
 */
export function writesByShard(log: readonly CallRecord[]): Map<string, Write[]> {
  const out = new Map<string, Write[]>();
  for (const r of log) {
    if (!MUTATING_OPERATIONS.has(r.operation as never)) continue;
    const cluster = clusterOfCallTarget(r.target);
    if (r.caller === undefined || cluster === undefined) throw new Error(`a mutating call the test cannot attribute: ${JSON.stringify(r)}`);
    const shard = shardOfClusterName(cluster);
    const list = out.get(shard) ?? [];
    list.push({ at: r.at, caller: r.caller, operation: r.operation, target: r.target ?? '' });
    out.set(shard, list);
  }
  for (const list of out.values()) list.sort((a, b) => a.at - b.at);
  return out;
}

/**
 * Writers that overlapped: per shard, the writes in time order split into
 * runs of one caller. In these tests a shard never goes back to a replica that
 * held it before (replicas only join, or leave for good), so each caller's
 * writes to a shard must form one run: a caller's second run means another
 * replica wrote between two of its writes, i.e. two replicas wrote to the
 * shard in overlapping lease periods. Answers a description of each, or [].
 */
export function overlappingWriters(byShard: ReadonlyMap<string, readonly Write[]>): string[] {
  const problems: string[] = [];
  for (const [shard, writes] of byShard) {
    const runs: { caller: string; first: number; last: number; n: number }[] = [];
    for (const w of writes) {
      const run = runs[runs.length - 1];
      if (run && run.caller === w.caller) {
        run.last = w.at;
        run.n++;
      } else runs.push({ caller: w.caller, first: w.at, last: w.at, n: 1 });
    }
    const seen = new Set<string>();
    for (const run of runs) {
      if (seen.has(run.caller)) {
        problems.push(`${shard}: ${run.caller} wrote again after another replica: ${runs.map((r) => `${r.caller} x${r.n} [${r.first}..${r.last}]`).join(' -> ')}`);
        break;
      }
      seen.add(run.caller);
    }
  }
  return problems;
}

/** Polls `check` every `everyMs` until it answers a value; fails naming `what` after `timeoutMs` (a hang bound). */
export async function pollUntil<T>(check: () => Promise<T | undefined>, what: () => string, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what()}: not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The image a task definition ARN runs, read from the sandbox directly. */
export async function imageOf(api: EcsApi, taskDefinition: string): Promise<string | undefined> {
  return (await api.send('DescribeTaskDefinition', { taskDefinition })).taskDefinition?.containerDefinitions?.[0]?.image;
}
