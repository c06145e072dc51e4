/**
 * Scenario 3, second half (issue 22): after the mass rollout's commit, the
 * controller follows every rollout it started to its end. A quarter of the
 * fleet deploys BLUE_GREEN (bench/lib/fixture.ts, blueGreenEvery), and ECS's
 * deployments API is how the controller follows a rollout: one
 * DescribeServiceDeployments per followed rollout per pass
 * (src/controller/service/observe.ts, docs/deployments.md). Measured:
 *
 * - DescribeServiceDeployments calls naming each rollout against the passes
 *   the controller made for it. A pass of a followed service reads the
 *   service itself (DescribeServices, coalesced with the other passes of the
 *   same moment into one call per cluster); the recording proxy
 *   (bench/lib/recording-proxy.ts) sees which services each call named, so
 *   polls = the DescribeServices naming the service after its UpdateService.
 *   Bound: at most one DescribeServiceDeployments per watched rollout per poll.
 * - the follow's reads (those DescribeServices, counted once per call, and
 *   the DescribeServiceDeployments) against the ideal the bench uses
 *   elsewhere (DescribeServices, 10 services per call, per cluster) applied
 *   to those polls, plus the deployments API's bound as its own row; and
 *   every read from the commit on, by operation, for context;
 * - wall time from the commit to the controller reporting every BLUE_GREEN
 *   rollout SUCCESSFUL, and ecs_gitops_deployment_duration_seconds_count
 *   from its /metrics (one observation per followed rollout).
 */
import type { Fleet, ServiceRef } from '../lib/fixture.js';
import { git } from '../lib/fixture.js';
import { waitFor, type ControllerProcess } from '../lib/processes.js';
import type { NamedCall, RecordingProxy } from '../lib/recording-proxy.js';
import type { CallRecord, SandboxAdminClient } from '../lib/sandbox-admin.js';
import { percentile, sum } from '../lib/stats.js';

/** The controller's rollout poll interval (src/controller/service/reconciler.ts): the window its polls can share reads in. */
export const FOLLOW_POLL_MS = 2000;

/** What the calls of the follow add up to, per strategy group (pure; see analyseFollow). */
export interface FollowCalls {
  /** Rollouts followed (services with a successful UpdateService). */
  readonly rollouts: number;
  /** Passes over those rollouts: DescribeServices naming the service after its UpdateService, summed. */
  readonly polls: number;
  /** Rollout look-ups: each DescribeServiceDeployments counted once per rollout of these it named (throttled ones included). */
  readonly deploymentReads: number;
  /** DescribeServiceDeployments calls that named at least one of these rollouts (one call carries up to 20). */
  readonly deploymentReadCalls: number;
  /** The same look-ups at 20 ARNs per DescribeServiceDeployments, per poll interval. */
  readonly idealDeploymentReadCalls: number;
  /** deploymentReads / polls: at most 1 when every pass reads its rollout's deployment once. */
  readonly ratio: number;
  /** The most DescribeServiceDeployments any single pass of one rollout needed (max over rollouts of reads / polls, rounded up). */
  readonly maxReadsPerPoll: number;
  /** DescribeServices calls that named at least one of these services during its follow. */
  readonly serviceReadCalls: number;
  /** The same polls at 10 services per DescribeServices, per cluster and poll interval. */
  readonly idealServiceReadCalls: number;
  /** From each UpdateService to the first poll of its rollout (ms): median and largest. How long a follow pass waited for a worker and a token. */
  readonly firstPollDelayMs: { readonly p50: number; readonly max: number };
}

/**
 * Splits the proxy's calls of the follow by service: `updatedAt` is each
 * followed service's (`cluster/service`) successful UpdateService, `end` the
 * moment every rollout had ended. Pure.
 */
export function analyseFollow(calls: readonly NamedCall[], updatedAt: ReadonlyMap<string, number>, end: number, pollMs = FOLLOW_POLL_MS): FollowCalls {
  const polls = new Map<string, number>();
  const reads = new Map<string, number>();
  // The ideal batches only what falls in one poll interval: a controller cannot read a pass that is not due yet.
  const pollsPerWindowAndCluster = new Map<string, number>();
  const lookupsPerWindow = new Map<number, number>();
  const firstPollDelays: number[] = [];
  let serviceReadCalls = 0;
  let deploymentReadCalls = 0;
  for (const c of calls) {
    if (c.at > end) continue;
    if (c.operation === 'DescribeServices') {
      let named = false;
      for (const s of c.services) {
        const since = updatedAt.get(s);
        if (since === undefined || c.at <= since) continue;
        named = true;
        if (!polls.has(s)) firstPollDelays.push(c.at - since);
        polls.set(s, (polls.get(s) ?? 0) + 1);
        const window = `${Math.floor(c.at / pollMs)} ${s.slice(0, s.indexOf('/'))}`;
        pollsPerWindowAndCluster.set(window, (pollsPerWindowAndCluster.get(window) ?? 0) + 1);
      }
      if (named) serviceReadCalls++;
    } else if (c.operation === 'DescribeServiceDeployments') {
      let named = false;
      for (const s of c.services) {
        if (!updatedAt.has(s)) continue;
        named = true;
        reads.set(s, (reads.get(s) ?? 0) + 1);
        const window = Math.floor(c.at / pollMs);
        lookupsPerWindow.set(window, (lookupsPerWindow.get(window) ?? 0) + 1);
      }
      if (named) deploymentReadCalls++;
    }
  }
  const totalPolls = sum(polls.values());
  const deploymentReads = sum(reads.values());
  let maxReadsPerPoll = 0;
  for (const [s, n] of reads) maxReadsPerPoll = Math.max(maxReadsPerPoll, Math.ceil(n / Math.max(1, polls.get(s) ?? 0)));
  return {
    rollouts: updatedAt.size,
    polls: totalPolls,
    deploymentReads,
    deploymentReadCalls,
    idealDeploymentReadCalls: sum([...lookupsPerWindow.values()].map((n) => Math.ceil(n / 20))),
    ratio: totalPolls > 0 ? deploymentReads / totalPolls : deploymentReads > 0 ? Infinity : 0,
    maxReadsPerPoll,
    serviceReadCalls,
    idealServiceReadCalls: sum([...pollsPerWindowAndCluster.values()].map((n) => Math.ceil(n / 10))),
    firstPollDelayMs: { p50: firstPollDelays.length > 0 ? percentile(firstPollDelays, 50) : 0, max: Math.max(0, ...firstPollDelays) },
  };
}

/** Operations that only read (the sandbox's call log names them; everything else in the follow would be a write). */
export const isRead = (operation: string): boolean => /^(Describe|List|Get|BatchGet)/.test(operation);

/** The sum of a metric's samples in Prometheus text (every label set), or undefined when it is absent. */
export function metricSum(text: string, name: string): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

export interface BlueGreenFollowResult {
  readonly services: number;
  readonly blueGreenServices: number;
  /** Commit to the controller's status showing every BLUE_GREEN rollout SUCCESSFUL (result completed). */
  readonly allBlueGreenSuccessfulSeconds: number;
  /** Commit to every followed rollout (all strategies) ended in the controller's status. */
  readonly allRolloutsEndedSeconds: number;
  /** The BLUE_GREEN rollouts: the figure the bound is about. */
  readonly blueGreen: FollowCalls;
  /** The ROLLING rollouts of the same commit, followed the same way (the sandbox gives every deployment a service deployment). */
  readonly rolling: FollowCalls;
  /** Every rollout of the commit together: the follow's reads are shared by both strategies (one DescribeServices per cluster names either). */
  readonly all: FollowCalls;
  /** The follow's reads: DescribeServices naming a followed service after its UpdateService, plus DescribeServiceDeployments. */
  readonly followReads: number;
  /** Their ideal: the polls at 10 services per DescribeServices per cluster + the rollout look-ups at 20 per DescribeServiceDeployments. */
  readonly idealFollowReads: number;
  /** Every ECS read from the commit to the end, by operation (the sandbox's call log; throttled ones included): the apply's and the follow's. */
  readonly reads: Record<string, number>;
  readonly totalReads: number;
  /** Reads other than DescribeServices and DescribeServiceDeployments after the last UpdateService (the follow needs none). */
  readonly otherReadsAfterLastUpdate: Record<string, number>;
  readonly throttles: number;
  /** DescribeServiceDeployments in the 5 s after every rollout ended (the follow must stop). */
  readonly deploymentReadsAfterEnd: number;
  /** sum of ecs_gitops_deployment_duration_seconds_count at the end, and its increase over the commit's rollouts. */
  readonly durationCount: number;
  readonly durationCountIncrease: number;
  /** The proxy's DescribeServices + DescribeServiceDeployments vs the sandbox's, same window (must agree: nothing lost). */
  readonly proxyAgrees: boolean;
  /** rollout.result per strategy at the end. */
  readonly results: Record<string, Record<string, number>>;
}

interface StatusBody {
  services: { cluster: string; service: string; lastAppliedRevision?: string; rollout?: { strategy: string; state: string; result?: string } }[];
}

export async function durationCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return metricSum(text, 'ecs_gitops_deployment_duration_seconds_count') ?? 0;
}

/**
 * Called right after measureMassRollout (which committed at `t0` and saw every
 * UpdateService): waits for every rollout of the commit to end in the
 * controller's status, then reads the proxy's and the sandbox's logs.
 */
export async function measureBlueGreenFollow(
  controller: ControllerProcess, admin: SandboxAdminClient, proxy: RecordingProxy, fleet: Fleet,
  t0: number, countBefore: number, timeoutMs: number,
): Promise<BlueGreenFollowResult> {
  const head = git(fleet.root, 'rev-parse', 'HEAD').trim();
  const blueGreen = new Set(fleet.blueGreenRefs.map((r) => `${r.cluster}/${r.name}`));
  const all = new Set(fleet.refs.map((r: ServiceRef) => `${r.cluster}/${r.name}`));
  let blueGreenDoneAt: number | undefined;
  let results: Record<string, Record<string, number>> = {};
  const endedAt = await waitFor('every rollout of the commit ended in the controller status', async () => {
    const status = (await (await fetch(`${controller.url}/api/v1/status`)).json()) as StatusBody;
    const now = Date.now();
    const mine = status.services.filter((s) => all.has(`${s.cluster}/${s.service}`));
    const ended = mine.filter((s) => s.lastAppliedRevision === head && s.rollout?.result !== undefined);
    const bgSuccessful = ended.filter((s) => blueGreen.has(`${s.cluster}/${s.service}`) && s.rollout?.strategy === 'BLUE_GREEN' && s.rollout.state === 'SUCCESSFUL' && s.rollout.result === 'completed');
    if (blueGreenDoneAt === undefined && bgSuccessful.length === blueGreen.size) blueGreenDoneAt = now;
    if (ended.length < all.size || blueGreenDoneAt === undefined) return undefined;
    results = {};
    for (const s of ended) {
      const byResult = (results[s.rollout?.strategy ?? '?'] ??= {});
      byResult[s.rollout?.result ?? '?'] = (byResult[s.rollout?.result ?? '?'] ?? 0) + 1;
    }
    return now;
  }, timeoutMs, 250, controller.proc);
  // The follow must stop with the rollouts: no deployment read after every one ended.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const named = proxy.calls(t0);
  const updatedAt = new Map<string, number>();
  for (const c of named) {
    if (c.operation !== 'UpdateService' || c.status !== 200) continue;
    for (const s of c.services) if (all.has(s) && !updatedAt.has(s)) updatedAt.set(s, c.at);
  }
  const only = (keep: (s: string) => boolean) => new Map([...updatedAt].filter(([s]) => keep(s)));
  const bg = analyseFollow(named, only((s) => blueGreen.has(s)), endedAt);
  const rolling = analyseFollow(named, only((s) => !blueGreen.has(s)), endedAt);
  const log: CallRecord[] = (await admin.callLog({ since: t0 })).filter((c) => c.at <= endedAt);
  const reads: Record<string, number> = {};
  for (const c of log) if (isRead(c.operation)) reads[c.operation] = (reads[c.operation] ?? 0) + 1;
  const proxied = (op: string) => named.filter((c) => c.operation === op && c.at <= endedAt).length;
  const proxyAgrees = ['DescribeServices', 'DescribeServiceDeployments', 'UpdateService'].every((op) => proxied(op) === log.filter((c) => c.operation === op).length);
  // Both groups share the DescribeServices calls of a cluster: the ideal is over all their polls together.
  const allFollow = analyseFollow(named, updatedAt, endedAt);
  const lastUpdate = Math.max(...updatedAt.values());
  const otherReadsAfterLastUpdate: Record<string, number> = {};
  for (const c of log) {
    if (c.at > lastUpdate && isRead(c.operation) && c.operation !== 'DescribeServices' && c.operation !== 'DescribeServiceDeployments') {
      otherReadsAfterLastUpdate[c.operation] = (otherReadsAfterLastUpdate[c.operation] ?? 0) + 1;
    }
  }
  const count = await durationCount(controller.url);
  return {
    services: fleet.refs.length,
    blueGreenServices: blueGreen.size,
    allBlueGreenSuccessfulSeconds: ((blueGreenDoneAt ?? endedAt) - t0) / 1000,
    allRolloutsEndedSeconds: (endedAt - t0) / 1000,
    blueGreen: bg,
    rolling,
    all: allFollow,
    followReads: allFollow.serviceReadCalls + allFollow.deploymentReadCalls,
    idealFollowReads: allFollow.idealServiceReadCalls + allFollow.idealDeploymentReadCalls,
    reads,
    totalReads: sum(Object.values(reads)),
    otherReadsAfterLastUpdate,
    throttles: log.filter((c) => c.outcome === 'throttled').length,
    deploymentReadsAfterEnd: proxy.calls(endedAt + 1).filter((c) => c.operation === 'DescribeServiceDeployments').length,
    durationCount: count,
    durationCountIncrease: count - countBefore,
    proxyAgrees,
    results,
  };
}
