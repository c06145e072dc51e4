/**
 * Scenario 6, accounts (issue 21; BENCHMARKS.md, "Many accounts and Regions"):
 * one controller serving 8 Environments, 4 accounts x 2 Regions, each reached
 * through STS AssumeRole on its roleArn. One full resync of the fleet in sync,
 * measured from outside:
 * - ECS calls per location (account x Region) from the sandbox's call log,
 *   against that location's ideal (one DescribeServices per 10 services of a
 *   cluster, as scenario 1);
 * - AssumeRole calls (one per account per credential lifetime, none in a resync);
 * - wall time against the bound of the slowest location's bucket (buckets are
 *   per location in the sandbox, as in ECS, and in the controller,
 *   docs/controller.md "Many accounts and Regions", so locations can run in
 *   parallel) and against the bound of one bucket shared by all (what a
 *   controller with one bucket for everything would get).
 *
 * Buckets are scaled (ACCOUNTS_THROTTLING_SCALE) on both sides alike: the
 * sandbox by `--throttling`, the controller by each Environment's
 * `spec.rateLimits` (the ECS quotas it assumes in that account and Region). At
 * ECS's real rates a 1,000-service fleet over 8 locations fits in every
 * location's burst (125 services, about 20 DescribeServices, against a burst
 * of 100), so no bucket would bind and the ratio would say nothing.
 */
import { DEFAULT_RATE_LIMITS, type EcsRateCategory, ECS_RATE_CATEGORIES } from '../../src/ecs/rate-limits.js';
import { clientSideLimits } from '../../src/ecs/rate-limited-ecs.js';
import { ECS_BUCKETS, earliestNth, type Bucket } from '../lib/rate-limit-ideal.js';
import { procStat, waitFor, type ControllerProcess } from '../lib/processes.js';
import type { CallRecord, SandboxAdminClient } from '../lib/sandbox-admin.js';
import { sum } from '../lib/stats.js';
import type { EnvironmentFleet, FleetEnvironment } from '../lib/fixture.js';
import { cpuQuiet, idealResyncCalls, splitCalls } from './steady-state.js';

/**
 * Both sides' buckets at a twentieth of ECS's: the smallest scale at which
 * every one of the sandbox's buckets still holds a whole token (ECS's smallest
 * burst is 20), so no call is refused for good.
 */
export const ACCOUNTS_THROTTLING_SCALE = 0.05;

/** The controller's own account (its credentials), in which it calls STS; no environment lives there. */
export const CONTROLLER_ACCOUNT = '210000000000';

/** 4 accounts x 2 Regions, one Environment each. */
export function benchEnvironments(): FleetEnvironment[] {
  const regions = [['eu', 'eu-west-1'], ['us', 'us-east-1']] as const;
  return [1, 2, 3, 4].flatMap((a) => regions.map(([short, region]) => ({ name: `acct${a}-${short}`, account: `21000000000${a}`, region })));
}

/**
 * ECS's published limits (the sandbox's table) at `scale`, as an
 * Environment's spec.rateLimits: bursts rounded down to whole tokens (the
 * sandbox keeps the fraction, so the controller asks for no more than it has).
 */
export function scaledEcsQuotas(scale: number): Record<EcsRateCategory, { burst: number; refillPerSecond: number }> {
  const out = {} as Record<EcsRateCategory, { burst: number; refillPerSecond: number }>;
  for (const category of ECS_RATE_CATEGORIES) {
    const published = ECS_BUCKETS[category];
    out[category] = { burst: Math.max(1, Math.floor(published.burst * scale)), refillPerSecond: published.perSecond * scale };
  }
  return out;
}

/** The bucket the controller itself keeps for `category` under those quotas (its margins: src/ecs/rate-limited-ecs.ts). */
function clientBucket(category: EcsRateCategory, scale: number): Bucket {
  const limits = clientSideLimits(scaledEcsQuotas(scale)[category] ?? DEFAULT_RATE_LIMITS[category], 0.02, 0.25);
  return { burst: limits.burst, perSecond: limits.refillPerSecond };
}

/** The sandbox's bucket for `category` at `scale` (its Throttler: burst and rate multiplied, fraction kept). */
function sandboxBucket(category: EcsRateCategory, scale: number): Bucket {
  const published = ECS_BUCKETS[category];
  return { burst: published.burst * scale, perSecond: published.perSecond * scale };
}

/**
 * A resync interval longer than the cold start: per location (all in
 * parallel) a ListServices per cluster plus the ideal DescribeServices through
 * the service-read bucket, and a DescribeTaskDefinition per family, at the
 * controller's own limits; then 30 % more and 10 s (the timer fires up to
 * 10 % early). A slower cold start only delays the measured resync by a tick.
 */
export function accountsResyncSeconds(fleet: EnvironmentFleet, scale: number): number {
  return Math.ceil(1.3 * coldStartBoundSeconds(fleet, scale) + 10);
}

/**
 * The cold start's reads in one location at the controller's own limits, every
 * location at once: a ListServices per cluster and the ideal DescribeServices
 * through service-read, a DescribeTaskDefinition per family through
 * task-definition-read (each bucket full at the start); the slower of the two.
 */
export function coldStartBoundSeconds(fleet: EnvironmentFleet, scale: number): number {
  const serviceReads = idealResyncCalls(fleet.servicesPerCluster) + fleet.clusterNames.length;
  return Math.max(
    earliestNth(serviceReads, clientBucket('service-read', scale)),
    earliestNth(fleet.spec.families, clientBucket('task-definition-read', scale)),
  );
}

export interface LocationCost {
  /** account@region */
  readonly location: string;
  /** ECS calls by operation. */
  readonly calls: Record<string, number>;
  readonly totalCalls: number;
  readonly idealCalls: number;
  readonly ratio: number;
  /** Application Auto Scaling, CloudWatch and EventBridge Scheduler calls (not throttled by the sandbox). */
  readonly otherCalls: Record<string, number>;
  /** Earliest possible end of its DescribeServices under the sandbox's bucket (full at the start). */
  readonly boundSeconds: number;
  /** The same under the controller's own bucket there (ECS's quota less its margins). */
  readonly clientBoundSeconds: number;
  /** Its first and last call, seconds after the resync's first call. */
  readonly firstCallSeconds: number;
  readonly lastCallSeconds: number;
}

export interface AccountsResyncResult {
  readonly locations: readonly LocationCost[];
  readonly totalCalls: number;
  readonly idealCalls: number;
  readonly ratio: number;
  /** First call to last call, every location. */
  readonly wallSeconds: number;
  /** The slowest location's bound: with a bucket per location, no resync can end sooner. */
  readonly slowestBoundSeconds: number;
  /** The slowest location's bound under the controller's own buckets (its margins included). */
  readonly slowestClientBoundSeconds: number;
  /** Every location's DescribeServices through one bucket: what a single shared bucket would allow at best. */
  readonly sharedBucketBoundSeconds: number;
  /** The locations' bounds added up (each location's burst counted once per location). */
  readonly sumOfBoundsSeconds: number;
  readonly throttles: number;
  /** AssumeRole calls during the resync (credentials last an hour: should be 0). */
  readonly assumeRoleDuringResync: number;
  /** Services whose lastSyncTime moved during the resync (must be all). */
  readonly servicesChecked: number;
  readonly cpuSeconds: number;
  /** The calls of the location that ended last, in order: seconds after the resync's first call, operation, target. */
  readonly lastLocationTimeline: readonly { readonly at: number; readonly operation: string; readonly target?: string; readonly outcome: string }[];
}

/** When each location's calls happened: what it shows is whether locations waited for one another. */
export interface LocationWindow {
  readonly location: string;
  readonly calls: number;
  /** Seconds after `from` of its first and last call, and of its first DescribeServices. */
  readonly firstCallSeconds: number;
  readonly firstDescribeSeconds: number;
  readonly lastCallSeconds: number;
}

/** Every location's window in the sandbox's call log (all accounts), relative to `from` (epoch ms). */
export async function locationWindows(admin: SandboxAdminClient, locations: readonly string[], from: number): Promise<LocationWindow[]> {
  const log = await admin.callLog();
  return locations.map((location) => {
    const own = log.filter((c) => locationOfCall(c) === location);
    const offset = (c: CallRecord | undefined) => (c === undefined ? NaN : Math.round(c.at - from) / 1000);
    return {
      location, calls: own.length,
      firstCallSeconds: offset(own.at(0)),
      firstDescribeSeconds: offset(own.find((c) => c.operation === 'DescribeServices')),
      lastCallSeconds: offset(own.at(-1)),
    };
  });
}

interface StatusBody { services: { key: string; lastSyncTime?: string }[] }

const locationOfCall = (c: CallRecord) => `${c.accountId}@${c.region}`;

/**
 * Waits for the cold start's calls to stop, then for the controller's next
 * resync tick (`resyncSeconds` apart), and measures that pass over every
 * location. A cold start longer than the interval is not an error here (the
 * ticks during it only queue keys already queued): the first tick after it is
 * measured. `admin` must see every account (no accountId).
 */
export async function measureAccountsResync(
  controller: ControllerProcess, admin: SandboxAdminClient, fleet: EnvironmentFleet, resyncSeconds: number, scale: number,
): Promise<AccountsResyncResult> {
  if (admin.accountId !== undefined) throw new Error('measureAccountsResync needs an admin client for every account');
  const locations = new Set(fleet.locations);
  const perLocationIdeal = idealResyncCalls(fleet.servicesPerCluster);
  const idealCalls = perLocationIdeal * locations.size;
  const inFleet = (c: CallRecord) => locations.has(locationOfCall(c));
  await cpuQuiet(controller.proc.pid, 1_000);
  // The cold start's last reads may still be waiting for tokens after /readyz (the ListServices
  // that look for services to adopt or prune are not needed for readiness): an idle process waiting
  // for a token uses no CPU, so wait for the calls themselves to stop, for longer than one token's refill.
  await waitFor('the cold start\'s calls to stop', async () => {
    const last = (await admin.callLog()).filter(inFleet).at(-1)?.at;
    return last === undefined || Date.now() - last >= 3_000 ? true : undefined;
  }, 600_000, 250, controller.proc);
  await admin.resetCalls();
  const resetAt = Date.now();
  const assumedBefore = sum(Object.values(await admin.assumeRoleCalls()));
  const startedAt = await waitFor('resync to start', async () => (await admin.callLog()).find(inFleet)?.at,
    resyncSeconds * 1000 + 120_000, 100, controller.proc);
  const cpuBefore = procStat(controller.proc.pid).cpuSeconds;
  // Over when at least the ideal DescribeServices arrived and then neither calls nor CPU moved for
  // 2.5 s: one location alone sends about one call a second at this scale, so a shorter quiet
  // window could end the wait between two calls of the last location.
  let lastCount = -1;
  let lastChange = Date.now();
  let previousCpu = cpuBefore;
  await waitFor('resync to finish', async () => {
    const log = (await admin.callLog()).filter(inFleet);
    const cpu = procStat(controller.proc.pid).cpuSeconds;
    const busy = cpu - previousCpu > 0.02;
    previousCpu = cpu;
    if (log.length !== lastCount || busy) {
      lastCount = log.length;
      lastChange = Date.now();
      return undefined;
    }
    const describes = log.filter((c) => c.operation === 'DescribeServices').length;
    return describes >= idealCalls && Date.now() - lastChange >= 2_500 ? true : undefined;
  }, 900_000, 250, controller.proc);
  const cpuSeconds = procStat(controller.proc.pid).cpuSeconds - cpuBefore;
  const log = (await admin.callLog()).filter(inFleet);
  const endedAt = log.at(-1)?.at ?? startedAt;
  const throttles = sum(Object.values(await admin.throttled()));
  const assumeRoleDuringResync = sum(Object.values(await admin.assumeRoleCalls())) - assumedBefore;
  const status = (await (await fetch(`${controller.url}/api/v1/status`)).json()) as StatusBody;
  const servicesChecked = status.services.filter((s) => s.lastSyncTime !== undefined && Date.parse(s.lastSyncTime) >= resetAt).length;

  const describeBound = (calls: number) => earliestNth(calls, sandboxBucket('service-read', scale));
  const costs: LocationCost[] = [...locations].map((location) => {
    const own = log.filter((c) => locationOfCall(c) === location);
    const counts: Record<string, number> = {};
    for (const c of own) counts[c.operation] = (counts[c.operation] ?? 0) + 1;
    const split = splitCalls(counts);
    const totalCalls = sum(Object.values(split.ecs));
    return {
      location, calls: split.ecs, totalCalls, idealCalls: perLocationIdeal, ratio: totalCalls / perLocationIdeal, otherCalls: { ...split.scaling, ...split.scheduler },
      boundSeconds: describeBound(perLocationIdeal),
      clientBoundSeconds: earliestNth(perLocationIdeal, clientBucket('service-read', scale)),
      firstCallSeconds: ((own.at(0)?.at ?? startedAt) - startedAt) / 1000,
      lastCallSeconds: ((own.at(-1)?.at ?? startedAt) - startedAt) / 1000,
    };
  });
  const totalCalls = sum(costs.map((c) => c.totalCalls));
  const last = costs.reduce((a, b) => (b.lastCallSeconds > a.lastCallSeconds ? b : a));
  const lastLocationTimeline = log.filter((c) => locationOfCall(c) === last.location).map((c) => ({
    at: Math.round(c.at - startedAt) / 1000, operation: c.operation, ...(c.target !== undefined ? { target: c.target } : {}), outcome: c.outcome,
  }));
  return {
    locations: costs, totalCalls, idealCalls, ratio: totalCalls / idealCalls,
    wallSeconds: (endedAt - startedAt) / 1000,
    slowestBoundSeconds: Math.max(...costs.map((c) => c.boundSeconds)),
    slowestClientBoundSeconds: Math.max(...costs.map((c) => c.clientBoundSeconds)),
    sharedBucketBoundSeconds: describeBound(idealCalls),
    sumOfBoundsSeconds: sum(costs.map((c) => c.boundSeconds)),
    throttles, assumeRoleDuringResync, servicesChecked, cpuSeconds, lastLocationTimeline,
  };
}
