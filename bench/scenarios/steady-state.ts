/**
 * Scenarios 1, 4 and 5 (they share one shape): a fleet seeded in sync, a
 * controller process started on it (cold start: spawn to /readyz 200, every
 * service checked once), then one full resync measured from the outside — ECS
 * calls by operation from the sandbox's counts, the controller's CPU seconds
 * and RSS from /proc. The resync is the controller's own timer (--resync);
 * the interval is chosen longer than the cold start so the two never overlap.
 */
import { SCALING_OPERATION_CATEGORY, ScalingRateLimiter } from '../../src/autoscaling/rate-limited-scaling.js';
import { ALARM_PAGE_SIZE, SCALING_PAGE_SIZE } from '../../src/autoscaling/scaling-reader.js';
import { MUTATING_SCALING_OPERATIONS, type ScalingOperation } from '../../src/autoscaling/scaling-api.js';
import type { ScalingRateCategory } from '../../src/ecs/rate-limits.js';
import { systemClock } from '../../src/util/clock.js';
import { ECS_BUCKETS, earliestNth } from '../lib/rate-limit-ideal.js';
import { procStat, type ControllerProcess, waitFor } from '../lib/processes.js';
import type { SandboxAdminClient } from '../lib/sandbox-admin.js';
import { sum } from '../lib/stats.js';
import type { Fleet, FleetScalingCounts } from '../lib/fixture.js';

export interface ColdStartResult {
  /** Process spawn to /readyz answering 200 (every service reconciled once). */
  readonly seconds: number;
  readonly calls: Record<string, number>;
  readonly throttles: number;
}

export interface ResyncResult {
  /** Every call the sandbox answered during the resync, ECS and scaling, by operation. */
  readonly calls: Record<string, number>;
  /** ECS calls only (the scaling ones are in `scaling`, EventBridge Scheduler's in `schedulerCalls`). */
  readonly totalCalls: number;
  /** EventBridge Scheduler calls: the scheduled-task prune scan lists the controller's group once per Region and resync. */
  readonly schedulerCalls: number;
  readonly idealCalls: number;
  /** totalCalls / idealCalls. */
  readonly ratio: number;
  readonly scaling: ScalingResyncCost;
  readonly throttles: number;
  /** Services whose lastSyncTime moved during the resync (must be all). */
  readonly servicesChecked: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly rssMb: number;
  /** CPU the idle controller used while waiting for the resync timer (NaN when the wait was too short to tell). */
  readonly idleCpuSecondsPerMinute: number;
  /** The controller's own memory figures (its /metrics) right after the resync, in MB: where the RSS is. */
  readonly memoryMb: Record<string, number>;
  /** Wall-clock ms of the resync's first call (not a figure: for scheduling what follows). */
  readonly startedAtMs: number;
}

/** The Application Auto Scaling and CloudWatch side of a resync. */
export interface ScalingResyncCost {
  /** Application Auto Scaling and CloudWatch calls by operation. */
  readonly calls: Record<string, number>;
  readonly totalCalls: number;
  readonly ideal: ScalingIdeal;
  /** totalCalls / ideal.total. */
  readonly ratio: number;
  /** Register/Put/Delete calls (must be 0 in a steady state). */
  readonly writes: number;
  /** DescribeScalingActivities (read for status only when a count moved: 0 in a steady state). */
  readonly activityReads: number;
  /** Per read bucket of the controller's scaling limiter, how much of it one resync takes. */
  readonly budget: Partial<Record<ScalingRateCategory, ScalingBudgetUse>>;
}

export interface ScalingIdeal {
  readonly DescribeScalableTargets: number;
  readonly DescribeScalingPolicies: number;
  readonly DescribeScheduledActions: number;
  readonly DescribeAlarms: number;
  readonly total: number;
}

export interface ScalingBudgetUse {
  readonly calls: number;
  /** The controller's default client-side limit of the bucket (burst less a quarter second, 98 % of the rate). */
  readonly burst: number;
  readonly refillPerSecond: number;
  /** calls / burst: above 1 the resync waits for tokens. */
  readonly burstShare: number;
  /** calls / (refill x 60 s): the share of the bucket's rate a resync every 60 s (`run`'s default) keeps using. */
  readonly rateShareAt60s: number;
}

/** Operations the controller sends to Application Auto Scaling and CloudWatch (names distinct from ECS's). */
const SCALING_OPS: ReadonlySet<string> = new Set(Object.keys(SCALING_OPERATION_CATEGORY));

export function isScalingOperation(operation: string): boolean {
  return SCALING_OPS.has(operation);
}

/**
 * EventBridge Scheduler operations whose names ECS does not also use (its
 * TagResource and ListTagsForResource share ECS's names and are counted with
 * ECS's: a steady resync sends neither).
 */
const SCHEDULER_OPS: ReadonlySet<string> = new Set(['CreateScheduleGroup', 'GetScheduleGroup', 'CreateSchedule', 'GetSchedule', 'UpdateSchedule', 'DeleteSchedule', 'ListSchedules']);

/** Splits the sandbox's per-operation counts into ECS's, the scaling APIs' and EventBridge Scheduler's. */
export function splitCalls(calls: Readonly<Record<string, number>>): { ecs: Record<string, number>; scaling: Record<string, number>; scheduler: Record<string, number> } {
  const ecs: Record<string, number> = {};
  const scaling: Record<string, number> = {};
  const scheduler: Record<string, number> = {};
  for (const [op, n] of Object.entries(calls)) (isScalingOperation(op) ? scaling : SCHEDULER_OPS.has(op) ? scheduler : ecs)[op] = n;
  return { ecs, scaling, scheduler };
}

/**
 * The fewest scaling calls a drift scan of the fleet can make: the Region's
 * scalable targets listed once in pages of 50 (one page even when there are
 * none: nothing tells the controller so without asking), and, when any
 * target exists, the policies and scheduled actions in pages of 50 and the
 * controller's alarms in pages of 100 (src/autoscaling/scaling-reader.ts);
 * nothing written, no activity read.
 */
export function idealScalingCalls(counts: FleetScalingCounts): ScalingIdeal {
  const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
  const any = counts.targets > 0;
  const ideal = {
    DescribeScalableTargets: pages(counts.targets, SCALING_PAGE_SIZE),
    DescribeScalingPolicies: any ? pages(counts.policies, SCALING_PAGE_SIZE) : 0,
    DescribeScheduledActions: any ? pages(counts.scheduledActions, SCALING_PAGE_SIZE) : 0,
    DescribeAlarms: any ? pages(counts.alarms, ALARM_PAGE_SIZE) : 0,
  };
  return { ...ideal, total: sum(Object.values(ideal)) };
}

/** How much of each scaling read bucket (the controller's defaults, rate-limited-scaling.ts) `calls` take. */
export function scalingBudgetUse(calls: Readonly<Record<string, number>>): Partial<Record<ScalingRateCategory, ScalingBudgetUse>> {
  const limiter = new ScalingRateLimiter({ clock: systemClock });
  const perBucket = new Map<ScalingRateCategory, number>([['autoscaling-read', 0], ['cloudwatch-read', 0]]);
  for (const [op, n] of Object.entries(calls)) {
    if (!isScalingOperation(op)) continue;
    const category = SCALING_OPERATION_CATEGORY[op as ScalingOperation];
    perBucket.set(category, (perBucket.get(category) ?? 0) + n);
  }
  const budget: Partial<Record<ScalingRateCategory, ScalingBudgetUse>> = {};
  for (const [category, n] of perBucket) {
    const { burst, refillPerSecond } = limiter.bucket(category).limits;
    budget[category] = { calls: n, burst, refillPerSecond, burstShare: n / burst, rateShareAt60s: n / (refillPerSecond * 60) };
  }
  return budget;
}

/** The scaling side of a resync's call counts, against the fleet's ideal. */
export function scalingResyncCost(calls: Readonly<Record<string, number>>, counts: FleetScalingCounts): ScalingResyncCost {
  const { scaling } = splitCalls(calls);
  const ideal = idealScalingCalls(counts);
  const totalCalls = sum(Object.values(scaling));
  return {
    calls: scaling,
    totalCalls,
    ideal,
    ratio: totalCalls / ideal.total,
    writes: sum(Object.entries(scaling).filter(([op]) => MUTATING_SCALING_OPERATIONS.has(op as ScalingOperation)).map(([, n]) => n)),
    activityReads: scaling.DescribeScalingActivities ?? 0,
    budget: scalingBudgetUse(scaling),
  };
}

/** One DescribeServices per 10 declared services of a cluster: the ideal cost of a drift scan. */
export function idealResyncCalls(servicesPerCluster: readonly number[]): number {
  return sum(servicesPerCluster.map((n) => Math.ceil(n / 10)));
}

/**
 * A resync interval comfortably longer than the cold start at the client's
 * limits (90 % of ECS's): one DescribeServices per 10 services of a cluster
 * and one DescribeTaskDefinition per distinct task definition, in parallel
 * buckets. (Before the read-ahead fix the first pass cost about one
 * DescribeServices per service; such a controller fails the cold start here.)
 */
export function resyncSecondsFor(fleet: Fleet): number {
  const families = fleet.spec.families ?? fleet.spec.services;
  const describe = earliestNth(idealResyncCalls(fleet.servicesPerCluster), ECS_BUCKETS['service-read'], 0.9);
  const taskDefs = earliestNth(families, ECS_BUCKETS['task-definition-read'], 0.9);
  return Math.ceil(Math.max(30, 1.5 * Math.max(describe, taskDefs) + 30));
}

export async function measureColdStart(controller: ControllerProcess, admin: SandboxAdminClient, timeoutMs: number): Promise<ColdStartResult> {
  await waitFor('controller /readyz 200', async () => ((await fetch(`${controller.url}/readyz`)).status === 200 ? true : undefined), timeoutMs, 100, controller.proc);
  const seconds = (Date.now() - controller.spawnedAt) / 1000;
  return { seconds, calls: await admin.callCounts(), throttles: sum(Object.values(await admin.throttled())) };
}

interface StatusBody { services: { key: string; lastSyncTime?: string }[] }

/**
 * Waits for the next resync and measures it. Call right after the cold start;
 * `resyncAt` is the earliest time the controller's timer can fire.
 */
export async function measureResync(
  controller: ControllerProcess, admin: SandboxAdminClient, fleet: Fleet, resyncAt: number,
): Promise<ResyncResult> {
  const idealCalls = idealResyncCalls(fleet.servicesPerCluster);
  // Let the cold start's last work settle, then zero the counts before the timer fires.
  await cpuQuiet(controller.proc.pid, 1_000);
  if (Date.now() > resyncAt - 1_000) throw new Error('cold start ran into the resync timer: raise the resync interval');
  await admin.resetCalls();
  const idleFrom = { at: Date.now(), ...procStat(controller.proc.pid) };
  const resetAt = idleFrom.at;
  // CPU samples every 100 ms: the resync's CPU is counted from the last sample before its first call,
  // so the idle wait for the timer is not (it is reported separately as the idle rate).
  const samples: { at: number; cpuSeconds: number }[] = [];
  const sampler = setInterval(() => {
    try {
      samples.push({ at: Date.now(), cpuSeconds: procStat(controller.proc.pid).cpuSeconds });
    } catch {
      // exited: waitFor reports it
    }
  }, 100);
  let startedAt: number;
  try {
    startedAt = await waitFor('resync to start', async () => (await admin.callLog()).at(0)?.at, Math.max(0, resyncAt - Date.now()) + 120_000, 100, controller.proc);
  } catch (err) {
    clearInterval(sampler);
    throw err;
  }
  clearInterval(sampler);
  const before = [...samples].reverse().find((s) => s.at <= startedAt) ?? { at: idleFrom.at, cpuSeconds: idleFrom.cpuSeconds };
  const idleCpuPerMinute = before.at > idleFrom.at ? ((before.cpuSeconds - idleFrom.cpuSeconds) / (before.at - idleFrom.at)) * 60_000 : NaN;
  // Over when the ideal number of describes (at least) arrived and then neither calls nor CPU moved for a second.
  // "CPU moved" is measured against the idle rate seen before: under --cpu-prof the profiler's own
  // sampling keeps an idle controller above a fixed threshold, and the wait never ended.
  const quietCpuPerPoll = Math.max(0.02, Number.isFinite(idleCpuPerMinute) ? (3 * idleCpuPerMinute * 0.25) / 60 : 0);
  let lastCount = -1;
  let lastChange = Date.now();
  let previousPollCpu = before.cpuSeconds;
  let endedAt = startedAt;
  await waitFor('resync to finish', async () => {
    const log = await admin.callLog();
    const cpu = procStat(controller.proc.pid).cpuSeconds;
    const cpuThisPoll = cpu - previousPollCpu;
    previousPollCpu = cpu;
    if (log.length !== lastCount || cpuThisPoll > quietCpuPerPoll) {
      lastCount = log.length;
      lastChange = Date.now();
      endedAt = log.at(-1)?.at ?? endedAt;
      return undefined;
    }
    const describes = log.filter((c) => c.operation === 'DescribeServices').length;
    return describes >= idealCalls && Date.now() - lastChange >= 1_000 ? true : undefined;
  }, 900_000, 250, controller.proc);
  const after = procStat(controller.proc.pid);
  const calls = await admin.callCounts();
  const throttles = sum(Object.values(await admin.throttled()));
  const status = (await (await fetch(`${controller.url}/api/v1/status`)).json()) as StatusBody;
  const servicesChecked = status.services.filter((s) => s.lastSyncTime !== undefined && Date.parse(s.lastSyncTime) >= resetAt).length;
  const split = splitCalls(calls);
  const totalCalls = sum(Object.values(split.ecs));
  const schedulerCalls = sum(Object.values(split.scheduler));
  const memoryMb = await controllerMemory(controller.url);
  return {
    calls, totalCalls, schedulerCalls, idealCalls, ratio: totalCalls / idealCalls, scaling: scalingResyncCost(calls, fleet.scalingCounts), throttles, servicesChecked,
    wallSeconds: (endedAt - startedAt) / 1000,
    cpuSeconds: after.cpuSeconds - before.cpuSeconds,
    rssMb: after.rssBytes / 1024 / 1024,
    idleCpuSecondsPerMinute: idleCpuPerMinute,
    memoryMb,
    startedAtMs: startedAt,
  };
}

/** prom-client's process and V8 heap gauges from the controller's /metrics, in MB (heap spaces summed by kind). */
async function controllerMemory(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const wanted: Record<string, string> = {
    process_resident_memory_bytes: 'rss',
    nodejs_heap_size_total_bytes: 'heapTotal',
    nodejs_heap_size_used_bytes: 'heapUsed',
    nodejs_external_memory_bytes: 'external',
  };
  const memory: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [name, value] = line.split(' ');
    if (name !== undefined && value !== undefined && name in wanted) memory[wanted[name] as string] = Math.round((Number(value) / 1048576) * 10) / 10;
    const space = /^nodejs_heap_space_size_used_bytes\{space="(\w+)"\} (\S+)$/.exec(line);
    if (space) memory[`used:${space[1]}`] = Math.round((Number(space[2]) / 1048576) * 10) / 10;
  }
  return memory;
}

/**
 * Waits (at most 30 s) until the process used less than 5 % of a CPU over
 * `windowMs`, so the cold start's tail is not counted in the resync.
 */
export async function cpuQuiet(pid: number, windowMs: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = procStat(pid).cpuSeconds;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const now = procStat(pid).cpuSeconds;
    if (now - last < 0.05 * (windowMs / 1000)) return;
    last = now;
  }
}
