/**
 * High availability (issue 25; docs/ha.md), measured from outside:
 *
 * - Scenario 5's "takeover" row (measureTakeover): scenario 5's fleet, two
 *   replicas of `run --ha-table` over a lease table in moto_server, one holding
 *   the single shard, the other standing by. The holder is SIGKILLed; measured
 *   are kill -> the standby holds the shard (from the lease item itself:
 *   its expiresAt less the lease length is when it was taken), against the
 *   takeover bound of the timings, and lease taken -> every service checked
 *   again (every service's lastSyncTime on the new holder at or after it),
 *   against the service reads' floor the warm restart row uses
 *   (bench/lib/warm-restart.ts), with the DescribeTaskDefinition calls the new
 *   holder made (the task definitions are in the lease table: about 0).
 * - Scenario `ha` (measureHa): a fleet over 10 account/Region pairs
 *   (5 accounts x 2 Regions, AssumeRole as in scenario 6) and 3 replicas.
 *   Measured: each replica's shards, RSS and CPU seconds of its own resync pass
 *   (/proc), the ECS calls of one resync of every location across the
 *   replicas against the single-process ideal (a DescribeServices per 10
 *   services of a cluster, as scenarios 1 and 6), the prune and scan reads
 *   apart, and after SIGKILL of the replica holding most shards: kill ->
 *   every shard held again, and kill -> every service of its shards checked
 *   again by the survivors.
 *
 * "Held" is read from the lease table, not from a replica: a replica is not
 * asked while it is being measured, and the item is what every replica acts on.
 * A lease counts as held when its holder is a live replica and it has not
 * lapsed (expiresAt + clock skew after now), as LeaseManager.status() counts it.
 */
import type { Figure } from '../lib/figure.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { locationOf, parseKey } from '../../src/keys/index.js';
import { rendezvousOwner } from '../../src/ha/shards.js';
import { DEFAULT_LEASE_TIMINGS, takeoverBoundMs, type LeaseRecord, type LeaseTable } from '../../src/ha/types.js';
import { startServerProcess } from '../../test/support/listen-retry.js';
import { EnvironmentFleet, git, REGION, seedEnvironmentFleet, type Fleet, type FleetEnvironment } from '../lib/fixture.js';
import { benchLeaseTable, motoDynamoEnv, startMoto } from '../lib/moto.js';
import { procStat, sandboxEnv, startCli, startSandboxProcess, waitFor, type CliProcess, type ControllerProcess } from '../lib/processes.js';
import { SandboxAdminClient, type CallRecord } from '../lib/sandbox-admin.js';
import { round, sum } from '../lib/stats.js';
import { serviceReadYardstick, serviceReadRefillMs } from '../lib/warm-restart.js';
import { CONTROLLER_ACCOUNT } from './accounts.js';
import { idealResyncCalls, splitCalls } from './steady-state.js';

/** A row of bench/run.ts's table. */
export type BenchFigure = Figure;

/** What the scenarios need from bench/run.ts. */
export interface HaBenchContext {
  readonly log: (line: string) => void;
  /** Registers a process bench/run.ts stops on cleanup (and on SIGINT). */
  readonly track: (proc: CliProcess) => void;
  readonly nodeArgs: (label: string) => string[];
  readonly cgroup?: string;
  readonly workers?: number;
  readonly signal: AbortSignal;
}

// --- pure helpers (test/bench/ha.test.ts) -----------------------------------

/** Is `lease` held now: a holder among the live replicas, not lapsed (LeaseManager.status()'s rule). */
export function leaseHeld(lease: LeaseRecord, live: ReadonlySet<string>, now: number, clockSkewMs: number): boolean {
  return lease.holder !== undefined && live.has(lease.holder) && lease.expiresAt + clockSkewMs > now;
}

export interface Coverage {
  /** Each expected shard's holder, or undefined when nobody holds it. */
  readonly holderOf: Readonly<Record<string, string | undefined>>;
  /** Expected shards nobody holds. */
  readonly unheld: readonly string[];
  /** Shards each live replica holds (every live replica listed, sorted shards). */
  readonly heldBy: Readonly<Record<string, readonly string[]>>;
  /** Every expected shard held. */
  readonly complete: boolean;
}

/** Which live replica holds each of `expected` per the lease items (a shard has one item, so at most one holder). */
export function evaluateCoverage(
  expected: readonly string[], leases: readonly LeaseRecord[], live: readonly string[], now: number, clockSkewMs: number,
): Coverage {
  const liveSet = new Set(live);
  const byShard = new Map(leases.map((l) => [l.shard, l]));
  const holderOf: Record<string, string | undefined> = {};
  const heldBy: Record<string, string[]> = Object.fromEntries(live.map((r) => [r, [] as string[]]));
  const unheld: string[] = [];
  for (const shard of [...expected].sort()) {
    const lease = byShard.get(shard);
    const holder = lease && leaseHeld(lease, liveSet, now, clockSkewMs) ? lease.holder : undefined;
    holderOf[shard] = holder;
    if (holder === undefined) unheld.push(shard);
    else heldBy[holder]?.push(shard);
  }
  return { holderOf, unheld, heldBy, complete: unheld.length === 0 };
}

/** The single-process ideal of one resync: per location, a DescribeServices per 10 services of each cluster. */
export function haIdealResyncCalls(locations: number, servicesPerCluster: readonly number[]): { perLocation: number; total: number } {
  const perLocation = idealResyncCalls(servicesPerCluster);
  return { perLocation, total: perLocation * locations };
}

/**
 * One resync's calls split the way the ratio is read: the service reads
 * (every ECS call but the listings: the ideal counts DescribeServices only),
 * the prune listings (ECS List* calls), and the scans (Application Auto
 * Scaling, CloudWatch, EventBridge Scheduler: once per location whatever the
 * size, which a single process makes too).
 */
export interface ResyncCallSplit {
  readonly serviceReads: number;
  readonly pruneReads: number;
  readonly scanReads: number;
  /** Every ECS call (service reads and prune listings). */
  readonly ecsCalls: number;
  readonly byOperation: Readonly<Record<string, number>>;
}

export function splitResyncCalls(counts: Readonly<Record<string, number>>): ResyncCallSplit {
  const { ecs, scaling, scheduler } = splitCalls(counts);
  let serviceReads = 0;
  let pruneReads = 0;
  for (const [op, n] of Object.entries(ecs)) {
    if (op === 'AssumeRole') continue;
    if (op.startsWith('List')) pruneReads += n;
    else serviceReads += n;
  }
  return {
    serviceReads, pruneReads, scanReads: sum(Object.values(scaling)) + sum(Object.values(scheduler)),
    ecsCalls: serviceReads + pruneReads, byOperation: { ...counts },
  };
}

/** Counts of `log` by operation, per location (`account@region`). */
export function countByLocation(log: readonly CallRecord[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const c of log) {
    const location = `${c.accountId}@${c.region}`;
    const counts = out.get(location) ?? {};
    counts[c.operation] = (counts[c.operation] ?? 0) + 1;
    out.set(location, counts);
  }
  return out;
}

/** Adds per-operation counts. */
export function addCounts(all: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of all) for (const [op, n] of Object.entries(counts)) out[op] = (out[op] ?? 0) + n;
  return out;
}

/** A change of a shard's holder or epoch, seconds after the timeline's origin. */
export interface LeaseChange {
  readonly atSeconds: number;
  readonly shard: string;
  readonly holder?: string;
  readonly epoch: number;
}

/** Records every change of holder or epoch among the lease items it is shown (the churn while replicas join and leave). */
export class LeaseTimeline {
  readonly changes: LeaseChange[] = [];
  readonly #last = new Map<string, string>();
  constructor(readonly origin: number) {}

  observe(leases: readonly LeaseRecord[], now: number): void {
    for (const l of leases) {
      const seen = `${l.holder ?? ''}#${l.epoch}`;
      if (this.#last.get(l.shard) === seen) continue;
      this.#last.set(l.shard, seen);
      this.changes.push({ atSeconds: Math.round(now - this.origin) / 1000, shard: l.shard, epoch: l.epoch, ...(l.holder !== undefined ? { holder: l.holder } : {}) });
    }
  }
}

/**
 * The sandbox's call log read a piece at a time (`since` the last record
 * seen, which the sandbox includes again), so a poll every 250 ms over a
 * 50,000-service resync does not copy the whole log each time.
 */
export class CallLogTail {
  readonly records: CallRecord[] = [];

  /** Appends `fresh` (the answer to since = the last record's time) without the records already held. */
  append(fresh: readonly CallRecord[]): void {
    const lastAt = this.records.at(-1)?.at;
    let again = 0;
    if (lastAt !== undefined) for (let i = this.records.length - 1; i >= 0 && this.records[i]?.at === lastAt; i--) again++;
    let skip = 0;
    while (skip < again && fresh[skip]?.at === lastAt) skip++;
    for (let i = skip; i < fresh.length; i++) this.records.push(fresh[i] as CallRecord);
  }

  async poll(admin: SandboxAdminClient): Promise<readonly CallRecord[]> {
    const lastAt = this.records.at(-1)?.at;
    this.append(await admin.callLog(lastAt === undefined ? {} : { since: lastAt }));
    return this.records;
  }
}

/** When a lease was taken: its first expiresAt (before any renewal) less the lease length. */
export function acquiredAtOf(lease: LeaseRecord, leaseMs: number): number {
  return lease.expiresAt - leaseMs;
}

/**
 * Replica ids for replicas started in order where the first is the
 * rendezvous owner of every shard among them all: the first id is `base-a`,
 * each later one the first of `base-b`, `base-b1`, ... that scores lower
 * than the first on every shard. Started first and settled, the holder then
 * keeps everything when the standby joins (no handover to measure around).
 */
export function standbyIds(shards: readonly string[], base: string, standbys: number): { holder: string; standbys: string[] } {
  const holder = `${base}-a`;
  const out: string[] = [];
  for (let s = 0; s < standbys; s++) {
    const letter = String.fromCharCode('b'.charCodeAt(0) + s);
    for (let i = 0; ; i++) {
      const id = i === 0 ? `${base}-${letter}` : `${base}-${letter}${i}`;
      if (shards.every((shard) => rendezvousOwner(shard, [holder, id]) === holder)) {
        out.push(id);
        break;
      }
      if (i > 1000) throw new Error(`no standby id found for ${shards.join(', ')}`);
    }
  }
  return { holder, standbys: out };
}

// --- processes ---------------------------------------------------------------

export interface ReplicaOptions {
  readonly repo: string;
  readonly sandboxEndpoint: string;
  readonly motoEndpoint: string;
  readonly table: string;
  readonly replicaId: string;
  /** The account the controller's own credentials are in (the sandbox takes the access key id as the account). */
  readonly accountId: string;
  readonly region: string;
  readonly resync: string;
  readonly stateDir: string;
  readonly nodeArgs?: readonly string[];
  readonly cgroup?: string;
  readonly workers?: number;
  readonly extraArgs?: readonly string[];
}

export interface Replica extends ControllerProcess {
  readonly replicaId: string;
}

/** `ecs-gitops run --ha-table TABLE --replica-id ID ...` against the sandbox (ECS) and moto (DynamoDB), as startControllerProcess starts one. */
export async function startReplica(o: ReplicaOptions): Promise<Replica> {
  let spawnedAt = 0;
  const started = await startServerProcess({
    program: `the bench replica ${o.replicaId} (ecs-gitops run --ha-table)`,
    launch: (port) => {
      spawnedAt = Date.now();
      return startCli([
        'run', '--repo', o.repo, '--listen', `127.0.0.1:${port}`, '--resync', o.resync, '--state-dir', o.stateDir,
        '--ha-table', o.table, '--replica-id', o.replicaId,
        ...(o.workers ? ['--workers', String(o.workers)] : []), '--log-level', 'warn', ...(o.extraArgs ?? []),
      ], {
        ...sandboxEnv(o.sandboxEndpoint, o.accountId, o.region), ...motoDynamoEnv(o.motoEndpoint),
        // Each replica's calls carry its id in the user agent (docs/ha.md).
        AWS_SDK_UA_APP_ID: o.replicaId,
      }, o.nodeArgs ?? [], o.cgroup);
    },
    timeoutMs: 180_000,
    pollMs: 50,
  });
  return { proc: started.value, url: `http://127.0.0.1:${started.port}`, spawnedAt, replicaId: o.replicaId };
}

interface StatusBody { services: { key: string; lastSyncTime?: string }[] }

/** Each service's lastSyncTime (ms) on a replica, by key. */
async function syncTimes(replica: Replica): Promise<Map<string, number>> {
  const res = await fetch(`${replica.url}/api/v1/status`);
  if (!res.ok) throw new Error(`${replica.replicaId}: /api/v1/status HTTP ${res.status}`);
  const body = (await res.json()) as StatusBody;
  const out = new Map<string, number>();
  for (const s of body.services) if (s.lastSyncTime !== undefined) out.set(s.key, Date.parse(s.lastSyncTime));
  return out;
}

/**
 * Polls the replicas until every key in `wanted` (key -> the earliest time its
 * check counts from) shows a lastSyncTime at or after it on some replica.
 * Answers the latest of those times (when the last service was checked).
 */
async function waitForChecked(replicas: readonly Replica[], wanted: ReadonlyMap<string, number>, timeoutMs: number, everyMs: number): Promise<number> {
  return waitFor(`${wanted.size} services checked`, async () => {
    let last = 0;
    let checked = 0;
    const seen = await Promise.all(replicas.map((r) => syncTimes(r)));
    for (const [key, from] of wanted) {
      const at = Math.max(...seen.map((m) => m.get(key) ?? -1));
      if (at >= from) {
        checked++;
        last = Math.max(last, at);
      }
    }
    return checked === wanted.size ? last : undefined;
  }, timeoutMs, everyMs);
}

/** The caller the sandbox logged (the app id of the User-Agent, AWS_SDK_UA_APP_ID), when it logs one. */
export const callerOf = (c: CallRecord): string | undefined => (c as CallRecord & { readonly caller?: string }).caller;

const locationOfKey = (key: string): string => locationOf(parseKey(key));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function liveMembers(table: LeaseTable): Promise<string[]> {
  const now = Date.now();
  return (await table.members()).filter((m) => m.expiresAt + DEFAULT_LEASE_TIMINGS.clockSkewMs > now).map((m) => m.replicaId);
}

// --- scenario 5: takeover ------------------------------------------------------

export interface TakeoverResult {
  readonly figures: BenchFigure[];
  readonly details: Record<string, unknown>;
}

/**
 * Scenario 5's takeover row on scenario 5's fleet, already seeded and in sync
 * in the sandbox (`accountId`): two replicas, the first settled as the holder of
 * the shard before the standby starts, then the holder SIGKILLed.
 */
export async function measureTakeover(ctx: HaBenchContext, fleet: Fleet, sandboxEndpoint: string, accountId: string): Promise<TakeoverResult> {
  const admin = new SandboxAdminClient(sandboxEndpoint, accountId);
  const n = fleet.spec.services;
  const timings = DEFAULT_LEASE_TIMINGS;
  const bound = takeoverBoundMs(timings);
  const moto = await startMoto();
  ctx.track(moto.proc);
  const tableName = `ecs-gitops-bench-takeover-${Date.now()}`;
  const { table, client } = benchLeaseTable(moto.endpoint, tableName, REGION);
  const dirs: string[] = [];
  const stateDir = (id: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), `ecs-gitops-bench-${id}-state-`));
    dirs.push(dir);
    return dir;
  };
  const replicas: Replica[] = [];
  try {
    const common = {
      repo: fleet.root, sandboxEndpoint, motoEndpoint: moto.endpoint, table: tableName, accountId, region: REGION, resync: '30m',
      ...(ctx.cgroup ? { cgroup: ctx.cgroup } : {}), ...(ctx.workers ? { workers: ctx.workers } : {}),
    };
    // The shard of a fleet in one account and Region: its location (--ha-buckets 1). The holder's id is the
    // rendezvous winner over both ids, so the standby joining takes nothing from it.
    ctx.log(`[cold] takeover: moto_server at ${moto.endpoint}, lease table ${tableName}; starting the holder ...`);
    const holderFirst = await startReplica({ ...common, replicaId: 'takeover-a', stateDir: stateDir('takeover-a'), nodeArgs: ctx.nodeArgs('takeover-a') });
    replicas.push(holderFirst);
    ctx.track(holderFirst.proc);
    const firstHeld = await waitFor('the first replica to hold a shard', async () => {
      const leases = (await table.leases()).filter((l) => l.holder === holderFirst.replicaId && l.expiresAt > Date.now());
      return leases.length > 0 ? leases : undefined;
    }, 120_000, 200, holderFirst.proc);
    const shards = firstHeld.map((l) => l.shard);
    const ids = standbyIds(shards, 'takeover', 1);
    if (ids.holder !== holderFirst.replicaId) throw new Error(`takeover: holder id ${ids.holder} is not ${holderFirst.replicaId}`);
    const firstAcquired = Math.min(...firstHeld.map((l) => acquiredAtOf(l, timings.leaseMs)));
    // Every service checked once by the holder (its cold start: it reads every task definition and stores them in the table).
    const coldKeys = await waitFor('the holder to list every service', async () => {
      const times = await syncTimes(holderFirst);
      return times.size >= n ? new Map([...times.keys()].map((k) => [k, firstAcquired] as const)) : undefined;
    }, 600_000, 1000, holderFirst.proc);
    const coldCheckedAt = await waitForChecked([holderFirst], coldKeys, 600_000, 1000);
    ctx.log(`[cold] takeover: ${holderFirst.replicaId} holds ${shards.join(', ')}, every service checked ${round((coldCheckedAt - firstAcquired) / 1000, 1)} s after it took the lease; starting the standby ${ids.standbys[0]} ...`);
    const standby = await startReplica({ ...common, replicaId: ids.standbys[0] ?? 'takeover-b', stateDir: stateDir('takeover-b'), nodeArgs: ctx.nodeArgs('takeover-b') });
    replicas.push(standby);
    ctx.track(standby.proc);
    await waitFor('the standby\'s heartbeat in the table', async () => ((await liveMembers(table)).includes(standby.replicaId) ? true : undefined), 60_000, 200, standby.proc);
    // Two rounds of the standby (it takes nothing in its first) and the sandbox's service-read bucket full again.
    await sleep(Math.max(2 * timings.renewMs + 1000, serviceReadRefillMs()));
    const before = await table.leases();
    const held = evaluateCoverage(shards, before, [holderFirst.replicaId, standby.replicaId], Date.now(), timings.clockSkewMs);
    if ((held.heldBy[holderFirst.replicaId]?.length ?? 0) !== shards.length) {
      throw new Error(`takeover: the first replica no longer holds every shard before the kill: ${JSON.stringify(held.holderOf)}`);
    }
    const epochs = new Map(before.map((l) => [l.shard, l.epoch]));
    await admin.resetCalls();
    const killedAt = Date.now();
    holderFirst.proc.child.kill('SIGKILL');
    ctx.log(`[cold] takeover: SIGKILL ${holderFirst.replicaId} (pid ${holderFirst.proc.pid}); waiting for ${standby.replicaId} to take ${shards.join(', ')} (bound ${bound / 1000} s) ...`);
    const taken = await waitFor('the standby to take every shard', async () => {
      const leases = (await table.leases()).filter((l) => shards.includes(l.shard) && l.holder === standby.replicaId && l.epoch > (epochs.get(l.shard) ?? 0));
      return leases.length === shards.length ? leases : undefined;
    }, bound + 60_000, 100, standby.proc);
    const acquiredAt = Math.max(...taken.map((l) => acquiredAtOf(l, timings.leaseMs)));
    const wanted = new Map([...coldKeys.keys()].map((k) => [k, acquiredAt] as const));
    const checkedAt = await waitForChecked([standby], wanted, 300_000, 250);
    const calls = await admin.callCounts();
    const describeTaskDefinitionTargets = (await admin.callLog({ operation: 'DescribeTaskDefinition' })).map((c) => ({ target: c.target, caller: callerOf(c) }));
    const throttles = sum(Object.values(await admin.throttled()));
    const rssMb = procStat(standby.proc.pid).rssBytes / 1024 ** 2;
    await standby.proc.stop();
    const floor = serviceReadYardstick(fleet.servicesPerCluster);
    const takeoverSeconds = (acquiredAt - killedAt) / 1000;
    const checkedSeconds = (checkedAt - acquiredAt) / 1000;
    const ratio = checkedSeconds / floor.seconds;
    const describeTaskDefinitions = calls.DescribeTaskDefinition ?? 0;
    ctx.log(`[cold] takeover: shard taken ${round(takeoverSeconds, 1)} s after the kill, every service checked ${round(checkedSeconds, 2)} s later (${describeTaskDefinitions} DescribeTaskDefinition)`);
    const sc = '5 cold';
    const figures: BenchFigure[] = [
      {
        scenario: sc, unit: 's', value: round(takeoverSeconds), target: `<= ${bound / 1000} (takeover bound)`, met: takeoverSeconds * 1000 <= bound,
        name: `takeover (2 replicas, --ha-table, default lease ${timings.leaseMs / 1000} s / renew ${timings.renewMs / 1000} s / skew ${timings.clockSkewMs / 1000} s): SIGKILL of the holder -> the standby holds the shard`,
      },
      { scenario: sc, name: `takeover: lease taken -> all ${n} services checked again (every lastSyncTime on the new holder)`, value: round(checkedSeconds), unit: 's' },
      {
        scenario: sc, unit: 'x', value: round(ratio, 3), target: '<= 2', met: ratio <= 2,
        name: `takeover / its service reads at the controller's sustained rate (${floor.calls} ListServices + DescribeServices: ${round(floor.seconds, 2)} s; as the warm restart)`,
      },
      { scenario: sc, name: 'DescribeTaskDefinition by the new holder (task definitions from the lease table)', value: describeTaskDefinitions, unit: 'calls', target: '0', met: describeTaskDefinitions === 0 },
      { scenario: sc, name: 'ThrottlingExceptions, kill -> every service checked', value: throttles, unit: 'calls', target: '0', met: throttles === 0 },
    ];
    return {
      figures,
      details: {
        services: n, table: tableName, timings, takeoverBoundMs: bound, shards, holder: holderFirst.replicaId, standby: standby.replicaId,
        holderColdStartSeconds: (coldCheckedAt - holderFirst.spawnedAt) / 1000, killedAt, acquiredAt, checkedAt,
        takeoverSeconds, checkedSeconds, serviceReads: floor, ratio, calls, describeTaskDefinitionTargets, throttles, newHolderRssMb: rssMb,
      },
    };
  } finally {
    for (const r of replicas) await r.proc.stop(5_000).catch(() => undefined);
    client.destroy();
    await moto.proc.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

// --- scenario ha ------------------------------------------------------------------

/** 5 accounts x 2 Regions: 10 locations. */
export function haEnvironments(): FleetEnvironment[] {
  const regions = [['eu', 'eu-west-1'], ['us', 'us-east-1']] as const;
  return [1, 2, 3, 4, 5].flatMap((a) => regions.map(([short, region]) => ({ name: `ha${a}-${short}`, account: `22000000000${a}`, region })));
}

/** An environment fleet written 10 templates to a file: the loader reads at most 5,000 files (src/manifests/limits.ts). */
export class HaFleet extends EnvironmentFleet {
  override init(): void {
    mkdirSync(path.join(this.root, 'services'), { recursive: true });
    git(this.root, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(this.root, 'environments.yaml'), this.environmentDocuments());
    const perFile = 10;
    for (let i = 0; i < this.templates.length; i += perFile) {
      const docs = this.templates.slice(i, i + perFile).map((t) => this.manifest(t));
      writeFileSync(path.join(this.root, 'services', `${this.spec.prefix}-group-${i / perFile}.yaml`), docs.join('---\n'));
    }
    git(this.root, 'add', '-A');
    git(this.root, 'commit', '-q', '-m', 'initial fleet in every environment');
  }
}

export interface HaSize {
  readonly services: number;
  readonly clustersPerLocation: number;
  readonly familiesPerLocation: number;
  readonly replicas: number;
  /** --resync of the replicas: longer than their cold start, so the measured pass is the timer's. */
  readonly resyncSeconds: number;
}

export function haSize(quick: boolean): HaSize {
  return quick
    ? { services: 5_000, clustersPerLocation: 10, familiesPerLocation: 5, replicas: 3, resyncSeconds: 90 }
    : { services: 50_000, clustersPerLocation: 10, familiesPerLocation: 5, replicas: 3, resyncSeconds: 300 };
}

interface ReplicaResync {
  readonly replicaId: string;
  readonly shards: readonly string[];
  readonly services: number;
  readonly calls: Record<string, number>;
  readonly cpuSeconds: number;
  readonly rssMb: number;
  readonly wallSeconds: number;
}

export async function measureHa(ctx: HaBenchContext, size: HaSize): Promise<TakeoverResult> {
  const environments = haEnvironments();
  const fleet = new HaFleet({
    templates: Math.ceil(size.services / environments.length), clusters: size.clustersPerLocation, families: size.familiesPerLocation, prefix: 'ha', environments,
  });
  const n = fleet.services;
  const timings = DEFAULT_LEASE_TIMINGS;
  const bound = takeoverBoundMs(timings);
  const dirs: string[] = [];
  const replicas: Replica[] = [];
  // Each replica's /api/v1/status lists its services: at 50,000 that is megabytes of JSON, not polled too often.
  const statusPollMs = n > 10_000 ? 5_000 : 2_000;
  let sandbox: CliProcess | undefined;
  let moto: CliProcess | undefined;
  let client: { destroy(): void } | undefined;
  try {
    fleet.init();
    const started = await startSandboxProcess('real', 10);
    sandbox = started.proc;
    ctx.track(sandbox);
    const admin = new SandboxAdminClient(started.endpoint);
    ctx.log(`[ha] seeding ${fleet.spec.templates} services x ${environments.length} locations = ${n} (${fleet.spec.families} task definitions per location) ...`);
    const seeded = await seedEnvironmentFleet(fleet, started.endpoint, ctx.signal);
    if (seeded.synced !== n) throw new Error(`seeding left ${n - seeded.synced} of ${n} services out of sync`);
    await admin.setThrottling('real');
    const m = await startMoto();
    moto = m.proc;
    ctx.track(moto);
    const tableName = `ecs-gitops-bench-ha-${Date.now()}`;
    const lease = benchLeaseTable(m.endpoint, tableName, REGION);
    client = lease.client;
    const table = lease.table;
    ctx.log(`[ha] seeded in ${round(seeded.seconds, 1)} s; ${size.replicas} replicas on lease table ${tableName} (moto_server ${m.endpoint}), --resync ${size.resyncSeconds}s ...`);
    await admin.resetCalls();
    const startAt = Date.now();
    for (let i = 1; i <= size.replicas; i++) {
      const id = `ha-r${i}`;
      const dir = mkdtempSync(path.join(tmpdir(), `ecs-gitops-bench-${id}-state-`));
      dirs.push(dir);
      const replica = await startReplica({
        repo: fleet.root, sandboxEndpoint: started.endpoint, motoEndpoint: m.endpoint, table: tableName, replicaId: id, accountId: CONTROLLER_ACCOUNT,
        region: REGION, resync: `${size.resyncSeconds}s`, stateDir: dir, nodeArgs: ctx.nodeArgs(id),
        ...(ctx.cgroup ? { cgroup: ctx.cgroup } : {}), ...(ctx.workers ? { workers: ctx.workers } : {}),
      });
      replicas.push(replica);
      ctx.track(replica.proc);
    }
    const ids = replicas.map((r) => r.replicaId);
    const locations = fleet.locations;
    // Every shard the replicas make: the fleet's locations and the default Region's (no service there).
    const expected = [...locations, REGION];
    // Settled: every shard held, each by its rendezvous owner, stable over a renew interval.
    const timeline = new LeaseTimeline(startAt);
    const settle = async () => waitFor('every shard held by its rendezvous owner', async () => {
      const leases = await table.leases();
      timeline.observe(leases, Date.now());
      const coverage = evaluateCoverage(expected, leases, ids, Date.now(), timings.clockSkewMs);
      return coverage.complete && expected.every((s) => coverage.holderOf[s] === rendezvousOwner(s, ids)) ? coverage : undefined;
    }, 300_000, 500);
    const settled = await settle();
    const coveredSeconds = (Date.now() - startAt) / 1000;
    ctx.log(`[ha] every shard held ${round(coveredSeconds, 1)} s after the first replica started: ${ids.map((id) => `${id} ${settled.heldBy[id]?.length ?? 0}`).join(', ')}; waiting for every service checked ...`);
    const coldKeys = await waitFor(`all ${n} services listed by the replicas`, async () => {
      const keys = new Set<string>();
      for (const times of await Promise.all(replicas.map((r) => syncTimes(r)))) for (const key of times.keys()) keys.add(key);
      return keys.size >= n ? keys : undefined;
    }, 900_000, statusPollMs);
    const coldCheckedAt = await waitForChecked(replicas, new Map([...coldKeys].map((k) => [k, startAt] as const)), 900_000, statusPollMs);
    const coldSeconds = (coldCheckedAt - startAt) / 1000;
    ctx.log(`[ha] cold start: every service checked ${round(coldSeconds, 1)} s after the first replica started; measuring one resync of each replica ...`);
    const coverage = evaluateCoverage(expected, await table.leases(), ids, Date.now(), timings.clockSkewMs);
    if (!coverage.complete) throw new Error(`shards without a holder before the resync: ${coverage.unheld.join(', ')}`);
    const resync = await measureReplicaResyncs(replicas, admin, coverage, locations, fleet.servicesPerCluster, fleet.spec.templates, size.resyncSeconds);
    const ideal = haIdealResyncCalls(locations.length, fleet.servicesPerCluster);
    const byLocation = countByLocation(resync.log);
    const total = splitResyncCalls(addCounts([...byLocation.values()]));
    const locationCalls = locations.map((loc) => ({ location: loc, ...splitResyncCalls(byLocation.get(loc) ?? {}) }));
    const resyncChecked = resync.servicesChecked;

    // The kill: the replica holding most of the fleet's shards.
    const victim = [...ids].sort((a, b) => (coverage.heldBy[b]?.length ?? 0) - (coverage.heldBy[a]?.length ?? 0))[0] ?? ids[0] ?? '';
    const victimReplica = replicas.find((r) => r.replicaId === victim);
    if (!victimReplica) throw new Error('no replica to kill');
    const victimShards = [...(coverage.heldBy[victim] ?? [])];
    const survivors = replicas.filter((r) => r !== victimReplica);
    const survivorIds = survivors.map((r) => r.replicaId);
    const epochs = new Map((await table.leases()).map((l) => [l.shard, l.epoch]));
    await sleep(serviceReadRefillMs());
    await admin.resetCalls();
    const killedAt = Date.now();
    victimReplica.proc.child.kill('SIGKILL');
    ctx.log(`[ha] SIGKILL ${victim} (holding ${victimShards.join(', ')}); waiting for the survivors to take its shards (bound ${bound / 1000} s) ...`);
    const killTimeline = new LeaseTimeline(killedAt);
    const retaken = await waitFor('every shard held again', async () => {
      const leases = await table.leases();
      const now = Date.now();
      killTimeline.observe(leases, now);
      const c = evaluateCoverage(expected, leases, survivorIds, now, timings.clockSkewMs);
      if (!c.complete) return undefined;
      const fresh = leases.filter((l) => victimShards.includes(l.shard));
      return fresh.every((l) => l.epoch > (epochs.get(l.shard) ?? 0)) ? { coverage: c, leases: fresh } : undefined;
    }, bound + 120_000, 100);
    const acquiredAt = new Map(retaken.leases.map((l) => [l.shard, acquiredAtOf(l, timings.leaseMs)]));
    const allHeldAt = Math.max(...acquiredAt.values());
    const victimKeys = new Map<string, number>();
    for (const key of coldKeys) {
      const taken = acquiredAt.get(locationOfKey(key));
      if (taken !== undefined) victimKeys.set(key, taken);
    }
    const recheckedAt = await waitForChecked(survivors, victimKeys, 900_000, statusPollMs / 2);
    const afterKill = await admin.callCounts();
    // Which task definitions the survivors still read from ECS, and who did.
    const afterKillReads = (await admin.callLog({ operation: 'DescribeTaskDefinition' })).map((c) => ({
      atSeconds: Math.round(c.at - killedAt) / 1000, location: `${c.accountId}@${c.region}`, target: c.target, caller: callerOf(c), outcome: c.outcome,
    }));
    const afterKillThrottles = sum(Object.values(await admin.throttled()));
    const afterCoverage = evaluateCoverage(expected, await table.leases(), survivorIds, Date.now(), timings.clockSkewMs);
    const rssAfter = Object.fromEntries(survivors.map((r) => [r.replicaId, procStat(r.proc.pid).rssBytes / 1024 ** 2]));
    const heldSeconds = (allHeldAt - killedAt) / 1000;
    const recheckSeconds = (recheckedAt - killedAt) / 1000;
    ctx.log(`[ha] every shard held again ${round(heldSeconds, 1)} s after the kill; its ${victimKeys.size} services checked again ${round(recheckSeconds, 1)} s after it`);

    const sc = '9 ha';
    const figures: BenchFigure[] = [];
    const fig = (f: BenchFigure) => figures.push(f);
    fig({ scenario: sc, name: `services (${fleet.spec.templates} x ${locations.length} account/Region pairs, ${size.clustersPerLocation} clusters and ${size.familiesPerLocation} task definitions per pair), replicas`, value: n, unit: `services, ${size.replicas} replicas` });
    fig({ scenario: sc, name: 'cold start: first replica started -> every shard held by its rendezvous owner', value: round(coveredSeconds), unit: 's' });
    fig({ scenario: sc, name: `cold start: first replica started -> all ${n} services checked`, value: round(coldSeconds), unit: 's' });
    for (const r of resync.replicas) {
      fig({ scenario: sc, name: `${r.replicaId}: fleet shards held (${r.shards.join(', ') || 'none'})`, value: r.shards.length, unit: `shards, ${r.services} services` });
      fig({ scenario: sc, name: `${r.replicaId}: CPU for its resync pass (${r.services} services, ${round(r.wallSeconds, 1)} s wall)`, value: round(r.cpuSeconds), unit: 'CPU-s' });
      fig({ scenario: sc, name: `${r.replicaId}: RSS after its resync`, value: round(r.rssMb, 1), unit: 'MB' });
    }
    fig({ scenario: sc, name: `ECS service reads for one resync of ${n}, all replicas (${JSON.stringify(pick(total.byOperation, ['DescribeServices', 'DescribeTaskDefinition']))})`, value: total.serviceReads, unit: 'calls' });
    fig({ scenario: sc, name: `single-process ideal (DescribeServices, 10 per call, per cluster and location: ${ideal.perLocation} x ${locations.length})`, value: ideal.total, unit: 'calls' });
    fig({ scenario: sc, name: 'service reads / single-process ideal', value: round(total.serviceReads / ideal.total, 3), unit: 'x', target: '1.0', met: total.serviceReads <= ideal.total });
    const worst = locationCalls.reduce((a, b) => (b.serviceReads > a.serviceReads ? b : a));
    fig({ scenario: sc, name: `worst location / its ideal (${worst.location}: ${worst.serviceReads} / ${ideal.perLocation})`, value: round(worst.serviceReads / ideal.perLocation, 3), unit: 'x', target: '1.0', met: worst.serviceReads <= ideal.perLocation });
    fig({ scenario: sc, name: `prune listings in the resync (ECS List*; a single process with pruning off makes none)`, value: total.pruneReads, unit: 'calls' });
    fig({ scenario: sc, name: `scan reads in the resync (scaling, CloudWatch, Scheduler; a single process: ${scanIdeal(resync.log)} for the same locations)`, value: total.scanReads, unit: 'calls' });
    fig({ scenario: sc, name: 'all ECS calls of the resync / single-process ideal (prune listings included)', value: round(total.ecsCalls / ideal.total, 3), unit: 'x' });
    fig({ scenario: sc, name: 'services checked by the resync', value: resyncChecked, unit: '', target: `= ${n}`, met: resyncChecked === n });
    fig({ scenario: sc, name: 'ThrottlingExceptions in the resync', value: resync.throttles, unit: 'calls', target: '0', met: resync.throttles === 0 });
    fig({
      scenario: sc, unit: 's', value: round(heldSeconds), target: `<= ${bound / 1000} (takeover bound)`, met: heldSeconds * 1000 <= bound,
      name: `SIGKILL of ${victim} (${victimShards.length} shards) -> every shard held again (default lease timings)`,
    });
    fig({ scenario: sc, name: `SIGKILL -> all ${victimKeys.size} services of its shards checked again by the survivors`, value: round(recheckSeconds), unit: 's' });
    fig({ scenario: sc, name: 'every shard held -> its services checked again', value: round((recheckedAt - allHeldAt) / 1000), unit: 's' });
    // Each location has its own buckets, so a survivor's new locations are read in parallel: one location's reads are the yardstick.
    const perLocation = serviceReadYardstick(fleet.servicesPerCluster);
    const recheckRatio = (recheckedAt - allHeldAt) / 1000 / perLocation.seconds;
    fig({
      scenario: sc, unit: 'x', value: round(recheckRatio, 3), target: '<= 2', met: recheckRatio <= 2,
      name: `the same / one location's service reads at the controller's sustained rate (${perLocation.calls} ListServices + DescribeServices: ${round(perLocation.seconds, 2)} s; burst left out)`,
    });
    fig({ scenario: sc, name: 'DescribeTaskDefinition after the kill (task definitions from the lease table)', value: afterKill.DescribeTaskDefinition ?? 0, unit: 'calls', target: '0', met: (afterKill.DescribeTaskDefinition ?? 0) === 0 });
    fig({ scenario: sc, name: 'ThrottlingExceptions, kill -> every service checked again', value: afterKillThrottles, unit: 'calls', target: '0', met: afterKillThrottles === 0 });
    for (const id of survivorIds) {
      fig({ scenario: sc, name: `${id} after the takeover: shards held`, value: afterCoverage.heldBy[id]?.length ?? 0, unit: `shards, RSS ${round(rssAfter[id] ?? NaN, 1)} MB` });
    }
    return {
      figures,
      details: {
        services: n, templates: fleet.spec.templates, locations, clustersPerLocation: size.clustersPerLocation, familiesPerLocation: size.familiesPerLocation,
        replicas: ids, table: tableName, timings, takeoverBoundMs: bound, resyncSeconds: size.resyncSeconds, seedSeconds: seeded.seconds,
        coldStart: { coveredSeconds, coldSeconds, heldBy: coverage.heldBy, leaseTimeline: timeline.changes },
        resync: { replicas: resync.replicas, ideal, total, perLocation: locationCalls, throttles: resync.throttles, servicesChecked: resyncChecked },
        kill: {
          victim, victimShards, killedAt, acquiredAt: Object.fromEntries(acquiredAt), heldSeconds, recheckSeconds, services: victimKeys.size,
          calls: afterKill, describeTaskDefinitions: afterKillReads, throttles: afterKillThrottles, heldBy: afterCoverage.heldBy, rssMb: rssAfter, leaseTimeline: killTimeline.changes,
        },
      },
    };
  } finally {
    for (const r of replicas) await r.proc.stop(5_000).catch(() => undefined);
    client?.destroy();
    await moto?.stop().catch(() => undefined);
    await sandbox?.stop().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    fleet.remove();
  }
}

const pick = (counts: Readonly<Record<string, number>>, ops: readonly string[]) => Object.fromEntries(ops.map((op) => [op, counts[op] ?? 0]));

/** The scans a single process makes in one resync of the same locations: each scan operation seen, once per location. */
function scanIdeal(log: readonly CallRecord[]): number {
  const seen = new Set<string>();
  for (const c of log) {
    const { scaling, scheduler } = splitCalls({ [c.operation]: 1 });
    if (Object.keys(scaling).length + Object.keys(scheduler).length > 0) seen.add(`${c.accountId}@${c.region}|${c.operation}`);
  }
  return seen.size;
}

/**
 * One resync pass of each replica (its own --resync timer), measured apart:
 * the calls in its locations from its pass's first to its last, its CPU
 * between the /proc sample before that first call and the one when it is
 * quiet again (no call for 2.5 s, under 0.05 CPU-s a second), its RSS then.
 */
async function measureReplicaResyncs(
  replicas: readonly Replica[], admin: SandboxAdminClient, coverage: Coverage, locations: readonly string[],
  servicesPerCluster: readonly number[], templates: number, resyncSeconds: number,
): Promise<{ replicas: ReplicaResync[]; log: CallRecord[]; throttles: number; servicesChecked: number }> {
  const fleetLocations = new Set(locations);
  const perLocationIdeal = idealResyncCalls(servicesPerCluster);
  const inFleet = (c: CallRecord) => fleetLocations.has(`${c.accountId}@${c.region}`);
  // The cold start's last calls (the prune listings after readiness) stop first.
  await waitFor('the cold start\'s calls to stop', async () => ((await admin.callLog({ since: Date.now() - 3_000 })).some(inFleet) ? undefined : true), 600_000, 500);
  await admin.resetCalls();
  const resetAt = Date.now();
  const own = new Map(replicas.map((r) => [r.replicaId, new Set((coverage.heldBy[r.replicaId] ?? []).filter((s) => fleetLocations.has(s)))]));
  const samples = new Map(replicas.map((r) => [r.replicaId, [{ at: Date.now(), cpu: procStat(r.proc.pid).cpuSeconds }]]));
  const done = new Map<string, ReplicaResync>();
  for (const r of replicas) {
    if ((own.get(r.replicaId)?.size ?? 0) === 0) done.set(r.replicaId, { replicaId: r.replicaId, shards: [], services: 0, calls: {}, cpuSeconds: 0, rssMb: procStat(r.proc.pid).rssBytes / 1024 ** 2, wallSeconds: 0 });
  }
  const tail = new CallLogTail();
  let log: CallRecord[] = [];
  await waitFor('every replica\'s resync', async () => {
    log = (await tail.poll(admin)).filter(inFleet);
    const now = Date.now();
    for (const r of replicas) {
      if (done.has(r.replicaId)) continue;
      const mine = own.get(r.replicaId) ?? new Set<string>();
      const series = samples.get(r.replicaId) ?? [];
      const stat = procStat(r.proc.pid);
      series.push({ at: now, cpu: stat.cpuSeconds });
      // Its own calls: by the app id in their User-Agent where the sandbox logged it, else by the locations it holds.
      const calls = log.filter((c) => (callerOf(c) === undefined ? mine.has(`${c.accountId}@${c.region}`) : callerOf(c) === r.replicaId));
      const first = calls.at(0);
      const last = calls.at(-1);
      if (!first || !last) continue;
      const describes = calls.filter((c) => c.operation === 'DescribeServices').length;
      const second = series.find((s) => s.at >= now - 1_000);
      const busy = second === undefined || stat.cpuSeconds - second.cpu > 0.05 * Math.max(1, (now - second.at) / 1000);
      if (describes < perLocationIdeal * mine.size || now - last.at < 2_500 || busy) continue;
      const before = [...series].reverse().find((s) => s.at < first.at) ?? series[0] ?? { at: resetAt, cpu: stat.cpuSeconds };
      const counts: Record<string, number> = {};
      for (const c of calls) counts[c.operation] = (counts[c.operation] ?? 0) + 1;
      done.set(r.replicaId, {
        replicaId: r.replicaId, shards: [...mine].sort(), services: templates * mine.size, calls: counts,
        cpuSeconds: stat.cpuSeconds - before.cpu, rssMb: stat.rssBytes / 1024 ** 2, wallSeconds: (last.at - first.at) / 1000,
      });
    }
    return done.size === replicas.length ? true : undefined;
  }, resyncSeconds * 1000 + 900_000, 250);
  const throttles = sum(Object.values(await admin.throttled()));
  let servicesChecked = 0;
  for (const times of await Promise.all(replicas.map((r) => syncTimes(r)))) for (const at of times.values()) if (at >= resetAt) servicesChecked++;
  return { replicas: replicas.map((r) => done.get(r.replicaId) as ReplicaResync), log, throttles, servicesChecked };
}
