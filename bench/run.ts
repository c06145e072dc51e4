/**
 * `npm run bench [-- --quick] [-- --json] [-- --only steady,latency,rollout,scale,cold,accounts,notify,ui,ha] [-- --cpu-prof DIR] [-- --workers N]`
 *
 * Measures ecs-gitops as a whole process: every scenario starts the sandbox
 * (`ecs-gitops sandbox`, ECS's real rate limits) and the controller
 * (`ecs-gitops run --repo <git checkout>`) as separate processes and reads
 * the figures from outside: ECS calls from the sandbox's counts and call log,
 * CPU and RSS from /proc, readiness and status from the controller's HTTP API.
 * Scenarios (issue 9; BENCHMARKS.md has the results and how to read them):
 *   1 steady   one full resync of N services in sync, a fifth of them autoscaled: ECS calls
 *              and Application Auto Scaling + CloudWatch calls, each vs its ideal
 *   2 latency  commit -> UpdateService, one manifest at a time (issue 6)
 *   3 rollout  one commit changes the image of M services sharing task definitions, a quarter of them
 *              BLUE_GREEN; every rollout followed to its end: DescribeServiceDeployments per poll, reads vs
 *              their ideal, the duration histogram (issue 22; the controller reached through a recording proxy)
 *   4 scale    10x the services: RSS after, and CPU seconds of, one full resync
 *              (1 and 4 also report the CPU of the same DescribeServices from a bare SDK
 *              client: the floor no resync can go under, scenarios/sdk-floor.ts)
 *   5 cold     process start -> every service checked
 *   6 accounts one full resync of a fleet in 8 Environments (4 accounts x 2 Regions, AssumeRole):
 *              ECS calls per location vs its ideal, AssumeRole calls, wall time vs the slowest
 *              location's bucket and vs one shared bucket (issue 21; buckets scaled on both sides)
 *   7 notify   scenario 3's mass rollout with no notifier and with a Notifier whose webhook sink answers
 *              after 2 s (a slow Slack), --state-dir on disk: apply and rollout times, commit-to-apply
 *              latency, RSS, the last notification vs the sink's rate (issue 23). Only with --only notify:
 *              its backlog takes minutes to drain, which the default run and its CI smoke test leave out
 *   8 ui       the web UI of N services in sync (10,000; 1,000 --quick) in headless Chromium (Debian's
 *              chromium through playwright-core, or CHROMIUM_PATH): cold load of the fleet view (the page's
 *              'fleet-rendered' mark, bytes over the wire), status change -> row shown ('row-updated' marks),
 *              the fleet API's latency and the controller's RSS (issue 24; scenarios/ui.ts)
 *   9 ha       3 replicas of `run --ha-table` (lease table in moto_server) over 50,000 services in 10 account/Region
 *              pairs (5,000 --quick): shards, RSS and CPU per replica, one resync's ECS calls vs the single-process
 *              ideal, SIGKILL of a replica -> every shard held and every service checked again (issue 25;
 *              scenarios/ha.ts). Only with --only ha. Scenario 5 also gets a takeover row from scenarios/ha.ts.
 * --quick runs each at a tenth of the size (the CI smoke test uses it).
 * The table goes to stdout, or to stderr with --json (stdout is then one JSON document).
 */
import type { Figure } from './lib/figure.js';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { BLUE_GREEN_BAKE_MINUTES, EnvironmentFleet, Fleet, REGION, seedEnvironmentFleet, seedFleet } from './lib/fixture.js';
import { RecordingProxy } from './lib/recording-proxy.js';
import { durationCount, measureBlueGreenFollow } from './scenarios/blue-green-follow.js';
import { measureSdkFloor } from './scenarios/sdk-floor.js';
import { buildCli, deployedNodeArgs, procStat, RUNNER, startControllerProcess, startSandboxProcess, type CliProcess } from './lib/processes.js';
import type { MassRolloutResult } from './scenarios/mass-rollout.js';
import type { DrainResult } from './scenarios/notifications.js';
import { SandboxAdminClient } from './lib/sandbox-admin.js';
import { serviceReadYardstick, serviceReadRefillMs } from './lib/warm-restart.js';
import { percentile, round } from './lib/stats.js';
import { DEFAULT_DEBOUNCE_MS } from '../src/source/checkout-source.js';
import { measureCommitLatency } from './scenarios/commit-to-apply.js';
import { measureMassRollout } from './scenarios/mass-rollout.js';
import {
  addBenchNotifier, measureDrain, measureOneCommit, NOTIFICATIONS_PER_DEPLOY, NOTIFIED_EVENTS, rssMb, SINK_RATE_PER_SECOND, SLOW_RECEIVER_DELAY_MS, SlowReceiver, waitForRolloutsEnded,
} from './scenarios/notifications.js';
import { measureColdStart, measureResync, resyncSecondsFor } from './scenarios/steady-state.js';
import { liveServices, measureColdLoad, measureFleetApi, measureUpdateDelays, type ColdLoad } from './scenarios/ui.js';
import { findChromium, launchChromium } from '../test/support/browser.js';
import { haSize, measureHa, measureTakeover, type HaBenchContext } from './scenarios/ha.js';
import { buildUi } from '../scripts/build-ui.js';
import type { Browser } from 'playwright-core';
import {
  ACCOUNTS_THROTTLING_SCALE, accountsResyncSeconds, benchEnvironments, coldStartBoundSeconds, CONTROLLER_ACCOUNT, locationWindows, measureAccountsResync, scaledEcsQuotas,
} from './scenarios/accounts.js';

const SCENARIOS = ['steady', 'latency', 'rollout', 'scale', 'cold', 'accounts', 'notify', 'ui', 'ha'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** What runs without --only: notify's slow sink takes minutes to drain, ha seeds tens of thousands of services (see the header). */
const DEFAULT_SCENARIOS: readonly Scenario[] = SCENARIOS.filter((s) => s !== 'notify' && s !== 'ha');

interface Args {
  readonly quick: boolean;
  readonly json: boolean;
  readonly only: ReadonlySet<Scenario>;
  readonly cpuProfDir?: string;
  /** --workers for the controller (default: its own default). */
  readonly workers?: number;
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let json = false;
  let only = new Set<Scenario>(DEFAULT_SCENARIOS);
  let cpuProfDir: string | undefined;
  let workers: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--json') json = true;
    else if (arg === '--only' || arg === '--cpu-prof' || arg === '--workers') {
      const value = argv[++i];
      if (!value) throw new Error(`${arg} needs a value`);
      if (arg === '--cpu-prof') cpuProfDir = path.resolve(value);
      else if (arg === '--workers') {
        workers = Number(value);
        if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a whole number >= 1');
      }
      else {
        const names = value.split(',');
        const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
        if (unknown.length > 0) throw new Error(`--only: unknown scenario ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
        only = new Set(names as Scenario[]);
      }
    } else throw new Error(`unknown argument ${arg} (use --quick, --json, --only LIST, --cpu-prof DIR, --workers N)`);
  }
  return { quick, json, only, ...(cpuProfDir ? { cpuProfDir } : {}), ...(workers ? { workers } : {}) };
}


const args = parseArgs(process.argv.slice(2));
const size = (full: number) => (args.quick ? Math.max(1, Math.round(full / 10)) : full);
const figures: Figure[] = [];
const details: Record<string, unknown> = {};
const out = args.json ? process.stderr : process.stdout;
const log = (line: string) => out.write(`${line}\n`);
const children: CliProcess[] = [];
const fleets: (Fleet | EnvironmentFleet)[] = [];
const proxies: RecordingProxy[] = [];
const receivers: SlowReceiver[] = [];
const browsers: Browser[] = [];
const tempDirs: string[] = [];
const lifetime = new AbortController();
const THROTTLING = 'real';

const fig = (f: Figure) => figures.push(f);
// The controller runs with the Docker image's Node flags, plus extra V8/Node flags for it only
// (BENCH_CONTROLLER_NODE_ARGS, space-separated; e.g. heap sizing experiments).
const extraControllerNodeArgs = [...deployedNodeArgs(), ...(process.env.BENCH_CONTROLLER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '')];
// BENCH_CONTROLLER_CGROUP: a cgroup directory (memory limit set, root only) the controllers run in,
// to measure them under a container's memory limit, from which Node sizes its heap.
const controllerCgroup = process.env.BENCH_CONTROLLER_CGROUP || undefined;
const controllerNodeArgs = (label: string): string[] => [
  ...extraControllerNodeArgs,
  ...(args.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', args.cpuProfDir, '--cpu-prof-name', `controller-${label}-${Date.now()}.cpuprofile`] : []),
];

async function cleanup(): Promise<void> {
  for (const child of children.splice(0).reverse()) await child.stop().catch(() => undefined);
  for (const proxy of proxies.splice(0)) await proxy.close().catch(() => undefined);
  for (const receiver of receivers.splice(0)) await receiver.close().catch(() => undefined);
  for (const browser of browsers.splice(0)) await browser.close().catch(() => undefined);
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const fleet of fleets.splice(0)) fleet.remove();
}

/** Scenarios 1, 2 and 5 on one fleet and one controller process; 4 alone on a bigger fleet. */
async function steadyGroup(label: 'steady' | 'scale', fleetSpec: ConstructorParameters<typeof Fleet>[0], withLatency: boolean, withCold: boolean): Promise<void> {
  const fleet = new Fleet(fleetSpec);
  fleets.push(fleet);
  fleet.init();
  const sandbox = await startSandboxProcess(THROTTLING, 10);
  children.push(sandbox.proc);
  const accountId = label === 'steady' ? '100000000001' : '100000000004';
  const admin = new SandboxAdminClient(sandbox.endpoint, accountId);
  log(`[${label}] seeding ${fleet.spec.services} services in ${fleet.spec.clusters} clusters (${fleet.spec.families ?? fleet.spec.services} task definitions) ...`);
  const seeded = await seedFleet(fleet, sandbox.endpoint, accountId, lifetime.signal);
  if (seeded.synced !== fleet.spec.services) throw new Error(`seeding left ${fleet.spec.services - seeded.synced} services out of sync`);
  const scalingCounts = fleet.scalingCounts;
  if (seeded.autoScaled !== scalingCounts.targets) throw new Error(`seeding registered ${seeded.autoScaled} of ${scalingCounts.targets} scalable targets as Git's`);
  log(`[${label}] seeded in ${seeded.seconds.toFixed(1)} s${scalingCounts.targets > 0
    ? ` (${scalingCounts.targets} autoscaled: ${scalingCounts.policies} policies, ${scalingCounts.scheduledActions} scheduled actions, ${scalingCounts.alarms} alarms)` : ''}`);
  await admin.setThrottling(THROTTLING);
  await admin.resetCalls();
  const resyncSeconds = resyncSecondsFor(fleet);
  // A state dir of its own on this machine's disk: scenario 5's warm restart starts a second controller on it.
  const stateDir = mkdtempSync(path.join(tmpdir(), `ecs-gitops-bench-${label}-state-`));
  tempDirs.push(stateDir);
  const controllerOptions = {
    repo: fleet.root, endpoint: sandbox.endpoint, accountId, region: REGION, resync: `${resyncSeconds}s`, cgroup: controllerCgroup,
    extraArgs: ['--state-dir', stateDir], ...(args.workers ? { workers: args.workers } : {}),
  };
  const controller = await startControllerProcess({ ...controllerOptions, nodeArgs: controllerNodeArgs(label) });
  children.push(controller.proc);
  const cold = await measureColdStart(controller, admin, 0.85 * resyncSeconds * 1000);
  log(`[${label}] cold start ${cold.seconds.toFixed(1)} s; waiting for the resync timer (--resync ${resyncSeconds}s) ...`);
  const resync = await measureResync(controller, admin, fleet, controller.spawnedAt + 0.9 * resyncSeconds * 1000);
  if (resync.servicesChecked !== fleet.spec.services) throw new Error(`resync checked ${resync.servicesChecked} of ${fleet.spec.services} services`);
  const floor = await measureSdkFloor(sandbox.endpoint, accountId, admin, fleet, THROTTLING);
  const n = fleet.spec.services;
  const sc = resync.scaling;
  if (label === 'steady') {
    details.steady = {
      services: n, clusters: fleet.spec.clusters, resyncSeconds, calls: resync.calls, idealCalls: resync.idealCalls, coldStartCalls: cold.calls, sdkFloor: floor,
      scaling: { declared: scalingCounts, calls: sc.calls, ideal: sc.ideal, writes: sc.writes, activityReads: sc.activityReads, budget: sc.budget },
    };
    fig({ scenario: '1 steady', name: `ECS calls for one resync of ${n}`, value: resync.totalCalls, unit: 'calls' });
    fig({ scenario: '1 steady', name: 'ideal calls (DescribeServices, 10 per call)', value: resync.idealCalls, unit: 'calls' });
    fig({ scenario: '1 steady', name: 'ratio to ideal', value: round(resync.ratio, 3), unit: 'x', target: '1.0', met: resync.ratio <= 1.0 });
    // No scheduled task is declared: the prune scan still looks for the controller's schedule group, one call per Region.
    fig({ scenario: '1 steady', name: 'EventBridge Scheduler calls for the resync (no scheduled tasks; 1 Region)', value: resync.schedulerCalls, unit: 'calls', target: '<= 1', met: resync.schedulerCalls <= 1 });
    fig({
      scenario: '1 steady', unit: 'calls', value: sc.totalCalls,
      name: `Application Auto Scaling + CloudWatch calls for the resync (${scalingCounts.targets} targets, ${scalingCounts.policies} policies, ${scalingCounts.scheduledActions} scheduled actions, ${scalingCounts.alarms} alarms)`,
    });
    fig({ scenario: '1 steady', name: 'scaling ideal calls (listing pages: 50 targets, policies or scheduled actions, 100 alarms per call)', value: sc.ideal.total, unit: 'calls' });
    fig({ scenario: '1 steady', name: 'scaling ratio to ideal', value: round(sc.ratio, 3), unit: 'x', target: '1.0', met: sc.ratio <= 1.0 });
    fig({ scenario: '1 steady', name: 'scaling writes in the resync', value: sc.writes, unit: 'calls', target: '0', met: sc.writes === 0 });
    fig({ scenario: '1 steady', name: 'DescribeScalingActivities in the resync', value: sc.activityReads, unit: 'calls', target: '0', met: sc.activityReads === 0 });
    for (const [bucket, use] of Object.entries(sc.budget)) {
      fig({ scenario: '1 steady', name: `${bucket} client burst used (${use.calls} of ${use.burst})`, value: round(use.burstShare, 3), unit: 'x', target: '<= 1', met: use.burstShare <= 1 });
      fig({ scenario: '1 steady', name: `${bucket} client rate used by a resync every 60 s (${round(use.refillPerSecond, 2)}/s)`, value: round(use.rateShareAt60s, 3), unit: 'x' });
    }
    fig({ scenario: '1 steady', name: 'ThrottlingExceptions', value: resync.throttles, unit: 'calls', target: '0', met: resync.throttles === 0 });
    fig({ scenario: '1 steady', name: 'resync wall time', value: round(resync.wallSeconds), unit: 's' });
    fig({ scenario: '1 steady', name: 'controller CPU for the resync', value: round(resync.cpuSeconds), unit: 'CPU-s' });
    fig({ scenario: '1 steady', name: `SDK floor: the same ${floor.calls} DescribeServices from a bare SDK client`, value: round(floor.cpuSeconds), unit: 'CPU-s' });
    fig({ scenario: '1 steady', name: 'controller CPU / SDK floor', value: round(resync.cpuSeconds / floor.cpuSeconds), unit: 'x' });
    fig({ scenario: '1 steady', name: 'controller CPU while idle', value: round(resync.idleCpuSecondsPerMinute, 3), unit: 'CPU-s/min' });
  } else {
    details.scale = {
      services: n, clusters: fleet.spec.clusters, families: fleet.spec.families, resyncSeconds, calls: resync.calls, coldStartCalls: cold.calls, sdkFloor: floor, memoryMb: resync.memoryMb,
      scaling: { declared: scalingCounts, calls: sc.calls, ideal: sc.ideal },
    };
    fig({ scenario: '4 scale', name: `controller RSS after a full resync of ${n}`, value: round(resync.rssMb, 1), unit: 'MB', target: '< 250', met: resync.rssMb < 250 });
    fig({ scenario: '4 scale', name: 'controller CPU per resync', value: round(resync.cpuSeconds), unit: 'CPU-s', target: '< 2', met: resync.cpuSeconds < 2 });
    fig({ scenario: '4 scale', name: `SDK floor: the same ${floor.calls} DescribeServices from a bare SDK client`, value: round(floor.cpuSeconds), unit: 'CPU-s' });
    fig({ scenario: '4 scale', name: 'controller CPU per resync / SDK floor', value: round(resync.cpuSeconds / floor.cpuSeconds), unit: 'x' });
    fig({ scenario: '4 scale', name: `SDK floor at ECS's rate: the same calls paced (${round(floor.pacedWallSeconds, 1)} s)`, value: round(floor.pacedCpuSeconds), unit: 'CPU-s' });
    fig({ scenario: '4 scale', name: 'controller CPU per resync / paced SDK floor', value: round(resync.cpuSeconds / floor.pacedCpuSeconds), unit: 'x' });
    fig({ scenario: '4 scale', name: 'resync wall time (rate-limited reads)', value: round(resync.wallSeconds), unit: 's' });
    fig({ scenario: '4 scale', name: 'controller CPU while idle', value: round(resync.idleCpuSecondsPerMinute, 3), unit: 'CPU-s/min' });
    fig({ scenario: '4 scale', name: 'ECS calls for the resync / ideal', value: round(resync.ratio, 3), unit: 'x', target: '1.0', met: resync.ratio <= 1.0 });
    // No service here is autoscaled: the ideal is one DescribeScalableTargets page; the reader reuses
    // its listing 10 s, so a pass longer than that lists again (BENCHMARKS.md, auto scaling section).
    fig({ scenario: '4 scale', name: `scaling calls for the resync / ideal (${sc.totalCalls} / ${sc.ideal.total}, no service autoscaled)`, value: round(sc.ratio, 3), unit: 'x' });
    fig({ scenario: '4 scale', name: 'cold start to every service checked', value: round(cold.seconds), unit: 's' });
  }
  if (withCold) {
    details.cold = { services: n, calls: cold.calls };
    fig({ scenario: '5 cold', name: `process start to all ${n} services checked`, value: round(cold.seconds), unit: 's' });
    fig({ scenario: '5 cold', name: 'ThrottlingExceptions during cold start', value: cold.throttles, unit: 'calls', target: '0', met: cold.throttles === 0 });
  }
  if (withLatency) {
    const commits = args.quick ? 5 : 20;
    log(`[latency] ${commits} commits, one manifest each, on the ${n}-service checkout ...`);
    const deadline = resync.startedAtMs + 0.9 * resyncSeconds * 1000 - 5_000;
    const latency = await measureCommitLatency(controller, admin, fleet, commits, deadline);
    details.latency = { services: n, samplesMs: latency.samplesMs, debounceMs: DEFAULT_DEBOUNCE_MS };
    fig({ scenario: '2 latency', name: `commit -> UpdateService p50 (${latency.commits} commits, ${n} services)`, value: latency.p50Ms, unit: 'ms', target: '< 250', met: latency.p50Ms < 250 });
    fig({ scenario: '2 latency', name: 'commit -> UpdateService p99', value: latency.p99Ms, unit: 'ms', target: '< 1000', met: latency.p99Ms < 1000 });
    fig({ scenario: '2 latency', name: 'commit -> first ECS call p50 (watch + debounce + snapshot)', value: latency.firstCallP50Ms, unit: 'ms' });
    fig({ scenario: '2 latency', name: 'commit -> RegisterTaskDefinition p50', value: latency.registerP50Ms, unit: 'ms' });
  }
  await controller.proc.stop();
  if (withCold) await warmRestart(label, fleet, admin, { ...controllerOptions, nodeArgs: controllerNodeArgs(`${label}-warm`) });
  if (withCold) await takeoverRow(fleet, sandbox.endpoint, accountId);
  await sandbox.proc.stop();
}

/**
 * Scenario 5's warm restart (docs/ha.md "Warm restart and takeover"): the
 * controller stopped, a new one started on the same --state-dir, timed from
 * its start to every service checked as the cold start is, and compared with
 * its service reads at the controller's rate (bench/lib/warm-restart.ts).
 */
async function warmRestart(label: string, fleet: Fleet, admin: SandboxAdminClient, options: Parameters<typeof startControllerProcess>[0]): Promise<void> {
  // The sandbox's service-read bucket full again, as it was for the cold start.
  await new Promise((resolve) => setTimeout(resolve, serviceReadRefillMs()));
  await admin.resetCalls();
  log(`[${label}] warm restart: a new controller on the same --state-dir ...`);
  const restarted = await startControllerProcess(options);
  children.push(restarted.proc);
  const warm = await measureColdStart(restarted, admin, 300_000);
  await restarted.proc.stop();
  const yardstick = serviceReadYardstick(fleet.servicesPerCluster);
  const n = fleet.spec.services;
  const ratio = warm.seconds / yardstick.seconds;
  log(`[${label}] warm restart ${warm.seconds.toFixed(1)} s (${warm.calls.DescribeTaskDefinition ?? 0} DescribeTaskDefinition)`);
  details.cold = { ...(details.cold as Record<string, unknown> | undefined), warmRestart: { seconds: warm.seconds, calls: warm.calls, throttles: warm.throttles, serviceReads: yardstick } };
  fig({ scenario: '5 cold', name: `warm restart (same --state-dir): process start to all ${n} services checked`, value: round(warm.seconds), unit: 's' });
  fig({
    scenario: '5 cold', unit: 'x', value: round(ratio, 3), target: '<= 2', met: ratio <= 2,
    name: `warm restart / its service reads at the controller's sustained rate (${yardstick.calls} ListServices + DescribeServices: ${round(yardstick.seconds, 2)} s; burst left out)`,
  });
  fig({ scenario: '5 cold', name: 'DescribeTaskDefinition during the warm restart', value: warm.calls.DescribeTaskDefinition ?? 0, unit: 'calls' });
  fig({ scenario: '5 cold', name: 'ThrottlingExceptions during the warm restart', value: warm.throttles, unit: 'calls', target: '0', met: warm.throttles === 0 });
}

/** What scenarios/ha.ts needs from this file (issue 25). */
function haContext(): HaBenchContext {
  return {
    log, track: (proc) => children.push(proc), nodeArgs: controllerNodeArgs, signal: lifetime.signal,
    ...(controllerCgroup ? { cgroup: controllerCgroup } : {}), ...(args.workers ? { workers: args.workers } : {}),
  };
}

/** Scenario 5's takeover row (issue 25): two --ha-table replicas on the same fleet, the holder SIGKILLed (scenarios/ha.ts). */
async function takeoverRow(fleet: Fleet, endpoint: string, accountId: string): Promise<void> {
  const takeover = await measureTakeover(haContext(), fleet, endpoint, accountId);
  for (const f of takeover.figures) fig(f);
  details.cold = { ...(details.cold as Record<string, unknown> | undefined), takeover: takeover.details };
}

/** Scenario 9, ha (issue 25): 3 replicas over 10 account/Region pairs, one SIGKILLed (scenarios/ha.ts). */
async function haGroup(): Promise<void> {
  const ha = await measureHa(haContext(), haSize(args.quick));
  for (const f of ha.figures) fig(f);
  details.ha = ha.details;
}

/** The sandbox's clock speed in the rollout scenario (as in the others): a BLUE_GREEN bake minute lasts 6 s. */
const ROLLOUT_CLOCK_SPEED = 10;

async function rolloutGroup(): Promise<void> {
  // A quarter of every cluster deploys BLUE_GREEN (issue 22): the commit's UpdateServices are the same calls either way.
  const fleet = new Fleet({ services: size(200), clusters: 4, families: size(50), prefix: 'ro', blueGreenEvery: 4 });
  fleets.push(fleet);
  fleet.init();
  const sandbox = await startSandboxProcess(THROTTLING, ROLLOUT_CLOCK_SPEED);
  children.push(sandbox.proc);
  const accountId = '100000000003';
  const admin = new SandboxAdminClient(sandbox.endpoint, accountId);
  log(`[rollout] seeding ${fleet.spec.services} services sharing ${fleet.spec.families} task definitions ...`);
  const seeded = await seedFleet(fleet, sandbox.endpoint, accountId, lifetime.signal);
  if (seeded.synced !== fleet.spec.services) throw new Error(`seeding left ${fleet.spec.services - seeded.synced} services out of sync`);
  await admin.setThrottling(THROTTLING);
  // The controller reaches the sandbox through a recording proxy: it sees which services each read named (the follow's polls).
  const proxy = await RecordingProxy.start(sandbox.endpoint);
  proxies.push(proxy);
  const controller = await startControllerProcess({
    repo: fleet.root, endpoint: proxy.endpoint, accountId, region: REGION, resync: '30m', nodeArgs: controllerNodeArgs('rollout'), cgroup: controllerCgroup,
    ...(args.workers ? { workers: args.workers } : {}),
  });
  children.push(controller.proc);
  await measureColdStart(controller, admin, 300_000);
  // Both sides' buckets full again: the controller's refill while idle, the sandbox's are reset.
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  await admin.setThrottling(THROTTLING);
  const blueGreenCount = fleet.blueGreenRefs.length;
  log(`[rollout] one commit changing the image of ${fleet.spec.services} services (${blueGreenCount} BLUE_GREEN) ...`);
  const durationCountBefore = await durationCount(controller.url);
  const r = await measureMassRollout(controller, admin, fleet, 1, 900_000);
  log(`[rollout] every UpdateService made; following the rollouts to their end ...`);
  const f = await measureBlueGreenFollow(controller, admin, proxy, fleet, r.committedAt, durationCountBefore, 600_000);
  details.rollout = { ...r, follow: f };
  fig({ scenario: '3 rollout', name: `commit -> last UpdateService (${r.services} services)`, value: round(r.wallSeconds), unit: 's' });
  fig({ scenario: '3 rollout', name: 'commit -> first ECS call', value: round(r.firstCallSeconds), unit: 's' });
  fig({ scenario: '3 rollout', name: 'commit -> last RegisterTaskDefinition', value: round(r.lastRegistrationSeconds), unit: 's' });
  fig({ scenario: '3 rollout', name: `ECS rate-limit minimum (${r.binding})`, value: round(r.limitSeconds), unit: 's' });
  fig({ scenario: '3 rollout', name: 'ratio to the limit', value: r.ratio === null ? null : round(r.ratio, 3), unit: 'x', target: '<= 1.1', ...(r.ratio === null ? {} : { met: r.ratio <= 1.1 }) });
  fig({ scenario: '3 rollout', name: 'RegisterTaskDefinition calls', value: r.registrations, unit: 'calls' });
  fig({ scenario: '3 rollout', name: 'distinct task definition contents', value: r.distinctTaskDefinitions, unit: '', target: '= registrations', met: r.registrations === r.distinctTaskDefinitions });
  fig({ scenario: '3 rollout', name: 'UpdateService calls', value: r.updates, unit: 'calls' });
  fig({ scenario: '3 rollout', name: 'ThrottlingExceptions', value: r.throttles, unit: 'calls', target: '0', met: r.throttles === 0 });
  // The follow (issue 22): every rollout of the commit followed to its end, a quarter of them BLUE_GREEN.
  const bg = f.blueGreen;
  fig({ scenario: '3 rollout', name: `BLUE_GREEN services of the ${f.services} (bakeTimeInMinutes ${BLUE_GREEN_BAKE_MINUTES}, sandbox clock x${ROLLOUT_CLOCK_SPEED})`, value: f.blueGreenServices, unit: '' });
  fig({ scenario: '3 rollout', name: 'commit -> every BLUE_GREEN rollout SUCCESSFUL (controller status)', value: round(f.allBlueGreenSuccessfulSeconds), unit: 's' });
  fig({ scenario: '3 rollout', name: 'commit -> every rollout ended (all strategies)', value: round(f.allRolloutsEndedSeconds), unit: 's' });
  fig({ scenario: '3 rollout', name: `BLUE_GREEN polls: passes over the ${bg.rollouts} followed rollouts (DescribeServices naming them)`, value: bg.polls, unit: 'polls' });
  fig({ scenario: '3 rollout', name: `BLUE_GREEN rollout look-ups in DescribeServiceDeployments during the follow (in ${bg.deploymentReadCalls} calls)`, value: bg.deploymentReads, unit: 'look-ups' });
  fig({ scenario: '3 rollout', name: 'BLUE_GREEN rollout look-ups / (watched rollouts x polls)', value: round(bg.ratio, 3), unit: 'x', target: '<= 1.0', met: bg.ratio <= 1.0 });
  fig({ scenario: '3 rollout', name: `ROLLING DescribeServiceDeployments / polls (${f.rolling.deploymentReads} / ${f.rolling.polls}, same commit)`, value: round(f.rolling.ratio, 3), unit: 'x', target: '<= 1.0', met: f.rolling.ratio <= 1.0 });
  const all = f.all;
  fig({ scenario: '3 rollout', name: `follow reads: DescribeServices + DescribeServiceDeployments for the ${all.rollouts} rollouts (${all.polls} polls)`, value: f.followReads, unit: 'calls' });
  fig({ scenario: '3 rollout', name: `follow DescribeServices (ideal ${all.idealServiceReadCalls}: the polls at 10 per call per cluster and 2 s poll interval)`, value: all.serviceReadCalls, unit: 'calls' });
  fig({ scenario: '3 rollout', name: `follow rollout look-ups in DescribeServiceDeployments (bound ${all.polls}: one per followed rollout per poll)`, value: all.deploymentReads, unit: 'look-ups', target: `<= ${all.polls}`, met: all.deploymentReads <= all.polls });
  fig({ scenario: '3 rollout', name: `follow DescribeServiceDeployments calls (ideal ${all.idealDeploymentReadCalls}: the look-ups at 20 per call per 2 s poll interval)`, value: all.deploymentReadCalls, unit: 'calls' });
  fig({ scenario: '3 rollout', name: `follow reads / ideal (${f.idealFollowReads})`, value: round(f.followReads / f.idealFollowReads, 3), unit: 'x', target: '<= 1.0', met: f.followReads <= f.idealFollowReads });
  fig({ scenario: '3 rollout', name: 'ECS reads, commit -> every rollout ended (all operations: the apply\'s and the follow\'s)', value: f.totalReads, unit: 'calls' });
  fig({ scenario: '3 rollout', name: 'ThrottlingExceptions, commit -> every rollout ended', value: f.throttles, unit: 'calls', target: '0', met: f.throttles === 0 });
  fig({ scenario: '3 rollout', name: 'DescribeServiceDeployments in the 5 s after every rollout ended', value: f.deploymentReadsAfterEnd, unit: 'calls', target: '0', met: f.deploymentReadsAfterEnd === 0 });
  fig({ scenario: '3 rollout', name: 'ecs_gitops_deployment_duration_seconds_count increase (one per rollout)', value: f.durationCountIncrease, unit: '', target: `= ${f.services}`, met: f.durationCountIncrease === f.services });
  await controller.proc.stop();
  await proxy.close();
  await sandbox.proc.stop();
}

/** Scenario 6: one resync of a fleet in 8 Environments, 4 accounts x 2 Regions (scenarios/accounts.ts). */
async function accountsGroup(): Promise<void> {
  const scale = ACCOUNTS_THROTTLING_SCALE;
  const environments = benchEnvironments();
  const accounts = new Set(environments.map((e) => e.account)).size;
  const fleet = new EnvironmentFleet({
    templates: Math.ceil(size(1000) / environments.length), clusters: 10, families: 10, prefix: 'ac', environments, rateLimits: scaledEcsQuotas(scale),
  });
  fleets.push(fleet);
  fleet.init();
  const sandbox = await startSandboxProcess(String(scale), 10);
  children.push(sandbox.proc);
  const admin = new SandboxAdminClient(sandbox.endpoint);
  const n = fleet.services;
  const locations = fleet.locations.length;
  log(`[accounts] seeding ${fleet.spec.templates} services x ${locations} environments (${accounts} accounts x ${locations / accounts} Regions) = ${n} ...`);
  const seeded = await seedEnvironmentFleet(fleet, sandbox.endpoint, lifetime.signal);
  if (seeded.synced !== n) throw new Error(`seeding left ${n - seeded.synced} of ${n} services out of sync`);
  log(`[accounts] seeded in ${seeded.seconds.toFixed(1)} s; ECS buckets at ${scale} of ECS's on both sides (sandbox --throttling ${scale}, each Environment's spec.rateLimits)`);
  await admin.setThrottling(scale);
  await admin.resetCalls();
  const resyncSeconds = accountsResyncSeconds(fleet, scale);
  const controller = await startControllerProcess({
    repo: fleet.root, endpoint: sandbox.endpoint, accountId: CONTROLLER_ACCOUNT, region: REGION, resync: `${resyncSeconds}s`, nodeArgs: controllerNodeArgs('accounts'), cgroup: controllerCgroup,
    ...(args.workers ? { workers: args.workers } : {}),
  });
  children.push(controller.proc);
  // Not bounded by the resync interval: a cold start longer than it delays the measured resync by a tick.
  const cold = await measureColdStart(controller, admin, 600_000);
  const coldWindows = await locationWindows(admin, fleet.locations, controller.spawnedAt);
  log(`[accounts] cold start ${cold.seconds.toFixed(1)} s; waiting for the resync timer (--resync ${resyncSeconds}s) ...`);
  const r = await measureAccountsResync(controller, admin, fleet, resyncSeconds, scale);
  if (r.servicesChecked !== n) throw new Error(`resync checked ${r.servicesChecked} of ${n} services`);
  const assumed = await admin.assumeRoleCalls();
  const assumedTotal = Object.values(assumed).reduce((a, b) => a + b, 0);
  const bucket = scaledEcsQuotas(scale)['service-read'];
  details.accounts = {
    services: n, templates: fleet.spec.templates, environments: environments.length, accounts, clustersPerLocation: fleet.spec.clusters, familiesPerLocation: fleet.spec.families,
    throttlingScale: scale, serviceReadQuota: bucket, resyncSeconds, coldStartSeconds: cold.seconds, coldStartCalls: cold.calls, coldStartThrottles: cold.throttles, coldStartWindows: coldWindows,
    assumeRole: assumed, resync: r,
  };
  const sc = '6 accounts';
  fig({ scenario: sc, name: `ECS calls for one resync of ${n} (${fleet.spec.templates} services x ${locations} environments, ${accounts} accounts)`, value: r.totalCalls, unit: 'calls' });
  fig({ scenario: sc, name: 'ideal calls (DescribeServices, 10 per call, per cluster and location)', value: r.idealCalls, unit: 'calls' });
  fig({ scenario: sc, name: 'ratio to ideal, all locations', value: round(r.ratio, 3), unit: 'x', target: '1.0', met: r.ratio <= 1.0 });
  for (const loc of r.locations) {
    fig({ scenario: sc, name: `ratio to ideal at ${loc.location} (${loc.totalCalls} / ${loc.idealCalls})`, value: round(loc.ratio, 3), unit: 'x', target: '1.0', met: loc.ratio <= 1.0 });
  }
  fig({ scenario: sc, name: `AssumeRole calls in the whole run (${accounts} accounts, cold start included)`, value: assumedTotal, unit: 'calls', target: `${accounts}`, met: assumedTotal === accounts });
  fig({ scenario: sc, name: 'AssumeRole calls during the resync', value: r.assumeRoleDuringResync, unit: 'calls', target: '0', met: r.assumeRoleDuringResync === 0 });
  fig({ scenario: sc, name: 'ThrottlingExceptions (cold start and resync)', value: cold.throttles + r.throttles, unit: 'calls', target: '0', met: cold.throttles + r.throttles === 0 });
  fig({ scenario: sc, name: 'resync wall time', value: round(r.wallSeconds), unit: 's' });
  fig({ scenario: sc, name: `slowest location's bound (${r.idealCalls / locations} DescribeServices, bucket ${bucket.burst} + ${round(bucket.refillPerSecond, 2)}/s)`, value: round(r.slowestBoundSeconds), unit: 's' });
  fig({ scenario: sc, name: `one shared bucket's bound (all ${r.idealCalls} DescribeServices)`, value: round(r.sharedBucketBoundSeconds), unit: 's' });
  fig({ scenario: sc, name: 'wall / slowest location\'s bound', value: round(r.wallSeconds / r.slowestBoundSeconds, 3), unit: 'x', target: '<= 1.5', met: r.wallSeconds / r.slowestBoundSeconds <= 1.5 });
  fig({ scenario: sc, name: `wall / slowest location's bound under the controller's own margins (${round(r.slowestClientBoundSeconds)} s)`, value: round(r.wallSeconds / r.slowestClientBoundSeconds, 3), unit: 'x' });
  const sharedTarget = round(2 / locations, 3);
  fig({ scenario: sc, name: 'wall / one shared bucket\'s bound', value: round(r.wallSeconds / r.sharedBucketBoundSeconds, 3), unit: 'x', target: `<= ${sharedTarget}`, met: r.wallSeconds / r.sharedBucketBoundSeconds <= sharedTarget });
  const lastStart = Math.max(...r.locations.map((l) => l.firstCallSeconds));
  fig({ scenario: sc, name: 'last location\'s first call after the resync\'s first call', value: round(lastStart), unit: 's', target: '< 1', met: lastStart < 1 });
  fig({ scenario: sc, name: 'controller CPU for the resync', value: round(r.cpuSeconds), unit: 'CPU-s' });
  fig({ scenario: sc, name: `process start to all ${n} services checked`, value: round(cold.seconds), unit: 's' });
  // Every location's cold-start reads run in its own buckets: they should start together.
  const coldBound = coldStartBoundSeconds(fleet, scale);
  fig({ scenario: sc, name: `cold start / one location's cold-start reads at the controller's limits (${round(coldBound)} s)`, value: round(cold.seconds / coldBound, 3), unit: 'x' });
  const firstDescribes = coldWindows.map((w) => w.firstDescribeSeconds);
  const coldStagger = Math.max(...firstDescribes) - Math.min(...firstDescribes);
  fig({ scenario: sc, name: 'cold start: last location\'s first DescribeServices after the first location\'s', value: round(coldStagger), unit: 's', target: '< 1', met: coldStagger < 1 });
  await controller.proc.stop();
  await sandbox.proc.stop();
}

/** One side of scenario 7: what a controller with or without the slow notifier did with the same commits. */
interface NotifyRun {
  readonly notifier: boolean;
  readonly coldStartSeconds: number;
  readonly apply: MassRolloutResult;
  readonly rolloutsEndedSeconds: number;
  readonly rolloutResults: Record<string, number>;
  /** Commit -> UpdateService of each single-service commit (ms). */
  readonly latencySamplesMs: number[];
  /** After the single-service commits (the same moment for both sides), MB. */
  rssMb?: number;
  peakRssMb?: number;
  /** With the notifier: once the sink's backlog drained. */
  drain?: DrainResult;
  rssAfterDrainMb?: number;
  /** Bytes of each file in the state dir at the end. */
  stateDirBytes?: Record<string, number>;
}

interface NotifySide {
  readonly run: NotifyRun;
  readonly fleet: Fleet;
  readonly controller: Awaited<ReturnType<typeof startControllerProcess>>;
  readonly sandbox: CliProcess;
  readonly admin: SandboxAdminClient;
  readonly stateDir: string;
  readonly receiver?: SlowReceiver;
}

/**
 * Scenario 7, one side up to its mass rollout's end: a fresh fleet (scenario 3's shape) and sandbox, a controller
 * with --state-dir in a temp directory on this machine's disk, and (notifier) notifiers/bench.yaml pointing at a
 * slow receiver. The processes stay up for the single-service commits.
 */
async function notifySide(notifier: boolean): Promise<NotifySide> {
  const label = notifier ? 'notify-with' : 'notify-without';
  const fleet = new Fleet({ services: size(200), clusters: 4, families: size(50), prefix: 'nt', blueGreenEvery: 4 });
  fleets.push(fleet);
  fleet.init();
  let receiver: SlowReceiver | undefined;
  if (notifier) {
    receiver = await SlowReceiver.start(SLOW_RECEIVER_DELAY_MS);
    receivers.push(receiver);
    addBenchNotifier(fleet, receiver.url);
  }
  const sandbox = await startSandboxProcess(THROTTLING, ROLLOUT_CLOCK_SPEED);
  children.push(sandbox.proc);
  const accountId = '100000000007';
  const admin = new SandboxAdminClient(sandbox.endpoint, accountId);
  log(`[${label}] seeding ${fleet.spec.services} services sharing ${fleet.spec.families} task definitions ...`);
  const seeded = await seedFleet(fleet, sandbox.endpoint, accountId, lifetime.signal);
  if (seeded.synced !== fleet.spec.services) throw new Error(`seeding left ${fleet.spec.services - seeded.synced} services out of sync`);
  await admin.setThrottling(THROTTLING);
  const stateDir = mkdtempSync(path.join(tmpdir(), `ecs-gitops-bench-${label}-state-`));
  tempDirs.push(stateDir);
  const controller = await startControllerProcess({
    repo: fleet.root, endpoint: sandbox.endpoint, accountId, region: REGION, resync: '30m', nodeArgs: controllerNodeArgs(label), cgroup: controllerCgroup,
    extraArgs: ['--state-dir', stateDir], ...(args.workers ? { workers: args.workers } : {}),
  });
  children.push(controller.proc);
  const cold = await measureColdStart(controller, admin, 300_000);
  // Both sides' buckets full again, as in scenario 3.
  await new Promise((resolve) => setTimeout(resolve, 6_000));
  await admin.setThrottling(THROTTLING);
  log(`[${label}] one commit changing the image of ${fleet.spec.services} services ...`);
  const apply = await measureMassRollout(controller, admin, fleet, 1, 900_000);
  const ended = await waitForRolloutsEnded(controller, fleet, 600_000);
  log(`[${label}] last UpdateService after ${round(apply.wallSeconds)} s, every rollout ended after ${round((ended.at - apply.committedAt) / 1000)} s`);
  const run: NotifyRun = {
    notifier, coldStartSeconds: cold.seconds, apply, rolloutsEndedSeconds: (ended.at - apply.committedAt) / 1000, rolloutResults: ended.results, latencySamplesMs: [],
  };
  return { run, fleet, controller, sandbox: sandbox.proc, admin, stateDir, ...(receiver ? { receiver } : {}) };
}

async function stopNotifySide(side: NotifySide): Promise<void> {
  const files: Record<string, number> = {};
  for (const file of readdirSync(side.stateDir)) files[file] = statSync(path.join(side.stateDir, file)).size;
  side.run.stateDirBytes = files;
  await side.controller.proc.stop();
  await side.sandbox.stop();
  await side.receiver?.close();
}

/** Scenario 7 (issue 23): the same mass rollout without and with a slow notifier, side by side (scenarios/notifications.ts). */
async function notifyGroup(): Promise<void> {
  // The side without a notifier first: its mass rollout is then not measured while the other's backlog drains.
  const off = await notifySide(false);
  const on = await notifySide(true);
  // Single-service commits while the slow sink works through the mass rollout's backlog, the two sides alternating.
  const commits = args.quick ? 10 : 20;
  log(`[notify] ${commits} single-service commits on each side, alternating (${on.receiver?.arrivals.length ?? 0} notifications delivered so far) ...`);
  for (let round = 0; round < commits; round++) {
    for (const side of round % 2 === 0 ? [off, on] : [on, off]) side.run.latencySamplesMs.push(await measureOneCommit(side.controller, side.admin, side.fleet, round));
  }
  for (const side of [off, on]) {
    const rss = rssMb(side.controller.proc.pid);
    side.run.rssMb = rss.rss;
    side.run.peakRssMb = rss.peak;
  }
  await stopNotifySide(off);
  if (on.receiver) {
    const expected = NOTIFICATIONS_PER_DEPLOY * (on.fleet.refs.length + commits);
    log(`[notify] waiting for the slow sink to deliver ${expected} notifications (${on.receiver.arrivals.length} so far) ...`);
    on.run.drain = await measureDrain(on.controller, on.receiver, on.run.apply.committedAt, expected, expected * (SLOW_RECEIVER_DELAY_MS + 1000) + 300_000);
    on.run.rssAfterDrainMb = rssMb(on.controller.proc.pid).rss;
  }
  await stopNotifySide(on);
  const without = off.run;
  const withSink = on.run;
  details.notify = {
    receiverDelayMs: SLOW_RECEIVER_DELAY_MS, sinkRatePerSecond: SINK_RATE_PER_SECOND, notifiedEvents: NOTIFIED_EVENTS, without, with: withSink,
  };
  const sc = '7 notify';
  const n = without.apply.services;
  const ratio = (a: number, b: number) => round(a / b, 3);
  const side = (name: string, a: number, b: number, unit: string, target?: number) => {
    fig({ scenario: sc, name: `${name}, no notifier`, value: round(a), unit });
    fig({ scenario: sc, name: `${name}, slow notifier`, value: round(b), unit });
    fig({ scenario: sc, name: `${name}, slow / none`, value: ratio(b, a), unit: 'x', ...(target !== undefined ? { target: `<= ${target}`, met: b / a <= target } : {}) });
  };
  side(`commit -> last UpdateService (${n} services)`, without.apply.wallSeconds, withSink.apply.wallSeconds, 's', 1.1);
  const limit = withSink.apply.limitSeconds;
  if (limit > 0) {
    fig({ scenario: sc, name: `slow notifier: ratio to the ECS rate-limit minimum (${round(limit)} s)`, value: ratio(withSink.apply.wallSeconds, limit), unit: 'x', target: '<= 1.1', met: withSink.apply.wallSeconds / limit <= 1.1 });
  }
  side('commit -> every rollout ended (controller status)', without.rolloutsEndedSeconds, withSink.rolloutsEndedSeconds, 's', 1.1);
  side(`commit -> UpdateService p50 (${commits} single-service commits each, alternating, sink backlogged)`, percentile(without.latencySamplesMs, 50), percentile(withSink.latencySamplesMs, 50), 'ms', 1.1);
  fig({ scenario: sc, name: 'commit -> UpdateService max, no notifier', value: Math.max(...without.latencySamplesMs), unit: 'ms' });
  fig({ scenario: sc, name: 'commit -> UpdateService max, slow notifier', value: Math.max(...withSink.latencySamplesMs), unit: 'ms' });
  fig({ scenario: sc, name: 'ThrottlingExceptions in the apply, slow notifier', value: withSink.apply.throttles, unit: 'calls', target: '0', met: withSink.apply.throttles === 0 });
  const mb = (v: number | undefined) => (v === undefined ? null : round(v, 1));
  fig({ scenario: sc, name: 'controller RSS after the commits, no notifier', value: mb(without.rssMb), unit: 'MB' });
  fig({ scenario: sc, name: 'controller RSS after the commits, slow notifier (backlog queued)', value: mb(withSink.rssMb), unit: 'MB' });
  fig({ scenario: sc, name: 'controller RSS, slow - none', value: mb((withSink.rssMb ?? NaN) - (without.rssMb ?? NaN)), unit: 'MB' });
  fig({ scenario: sc, name: 'controller peak RSS (VmHWM), no notifier', value: mb(without.peakRssMb), unit: 'MB' });
  fig({ scenario: sc, name: 'controller peak RSS (VmHWM), slow notifier', value: mb(withSink.peakRssMb), unit: 'MB' });
  if (withSink.rssAfterDrainMb !== undefined) fig({ scenario: sc, name: 'controller RSS once the backlog drained, slow notifier', value: round(withSink.rssAfterDrainMb, 1), unit: 'MB' });
  const d = withSink.drain;
  if (d) {
    fig({ scenario: sc, name: `notifications received, distinct (expected ${d.expected}: ${NOTIFICATIONS_PER_DEPLOY} per deploy)`, value: d.distinct, unit: '', target: `= ${d.expected}`, met: d.distinct === d.expected });
    fig({ scenario: sc, name: 'notifications received twice', value: d.received - d.distinct, unit: '', target: '0', met: d.received === d.distinct });
    fig({ scenario: sc, name: 'notifications given up', value: d.givenUp, unit: '', target: '0', met: d.givenUp === 0 });
    fig({ scenario: sc, name: `commit -> last notification at the receiver (answers after ${SLOW_RECEIVER_DELAY_MS / 1000} s)`, value: round(d.lastArrivalSeconds), unit: 's' });
    const spread = d.lastArrivalSeconds - d.firstArrivalSeconds;
    fig({ scenario: sc, name: `first -> last notification / the sink's rate (${d.distinct} at ${SINK_RATE_PER_SECOND}/s: ${round(d.idealRateSeconds)} s)`, value: ratio(spread, d.idealRateSeconds), unit: 'x', target: '<= 1.1', met: spread / d.idealRateSeconds <= 1.1 });
    fig({ scenario: sc, name: `first -> last notification / one at a time, ${SLOW_RECEIVER_DELAY_MS / 1000} s each (${round(d.idealOneAtATimeSeconds)} s)`, value: ratio(spread, d.idealOneAtATimeSeconds), unit: 'x', target: '<= 1.1', met: spread / d.idealOneAtATimeSeconds <= 1.1 });
    fig({ scenario: sc, name: 'time between notifications at the receiver, median', value: d.gapP50Ms, unit: 'ms' });
  }
}

/**
 * Scenario 8 (issue 24): the web UI of N services in sync (scenarios/ui.ts). The fleet is scenario 4's shape on
 * 10 task definition families (the cold start reads each once) plus the services the changes commit to.
 */
async function uiGroup(): Promise<void> {
  const lookup = findChromium();
  if (!('executablePath' in lookup)) throw new Error(`scenario ui needs Chromium: ${lookup.missing}`);
  // The page this checkout serves (dist/ui), whatever was built before.
  await buildUi();
  const n = size(10_000);
  const liveCount = args.quick ? 5 : 20;
  const fleet = new Fleet({ services: n - liveCount, clusters: 10, families: 10, prefix: 'ui', servicesPerFile: 10 });
  fleets.push(fleet);
  const live = liveServices(fleet.root, 'ui-cluster-0', liveCount);
  mkdirSync(path.join(fleet.root, 'services'), { recursive: true });
  live.write();
  fleet.init();
  const sandbox = await startSandboxProcess(THROTTLING, 10);
  children.push(sandbox.proc);
  const accountId = '100000000008';
  const admin = new SandboxAdminClient(sandbox.endpoint, accountId);
  log(`[ui] seeding ${n} services in ${fleet.spec.clusters} clusters (${fleet.spec.families} + ${liveCount} task definitions) ...`);
  const seeded = await seedFleet(fleet, sandbox.endpoint, accountId, lifetime.signal);
  if (seeded.synced !== n) throw new Error(`seeding left ${n - seeded.synced} services out of sync`);
  await admin.setThrottling(THROTTLING);
  const controller = await startControllerProcess({
    repo: fleet.root, endpoint: sandbox.endpoint, accountId, region: REGION, resync: '30m', nodeArgs: controllerNodeArgs('ui'), cgroup: controllerCgroup,
    ...(args.workers ? { workers: args.workers } : {}),
  });
  children.push(controller.proc);
  const cold = await measureColdStart(controller, admin, 600_000);
  log(`[ui] seeded in ${seeded.seconds.toFixed(1)} s, controller ready in ${cold.seconds.toFixed(1)} s; chromium ${lookup.executablePath}`);
  const browser = await launchChromium(lookup.executablePath);
  browsers.push(browser);
  // Each load in a new context: empty cache, as a first visit. The first also pays the browser's own warm-up.
  const loads: ColdLoad[] = [];
  for (let i = 0; i < (args.quick ? 3 : 5); i++) loads.push(await measureColdLoad(browser, controller.url));
  const paint = loads.map((l) => l.fleetRenderedMs);
  const bytes = loads.map((l) => l.bytes);
  log(`[ui] ${loads.length} cold loads: fleet-rendered ${paint.map((p) => Math.round(p)).join(', ')} ms; ${bytes.map((b) => round(b / 1024, 1)).join(', ')} KB`);
  const changes = args.quick ? 5 : 20;
  log(`[ui] ${changes} single-service commits while a page is open ...`);
  const updates = await measureUpdateDelays(browser, controller.url, live, changes);
  const api = await measureFleetApi(controller.url, args.quick ? 3 : 10);
  const rss = procStat(controller.proc.pid).rssBytes / 1024 ** 2;
  details.ui = { services: n, coldStartSeconds: cold.seconds, seedSeconds: seeded.seconds, chromium: lookup.executablePath, browserVersion: browser.version(), loads, updates, api };
  const sc = '8 ui';
  const medianPaint = percentile(paint, 50);
  const maxBytes = Math.max(...bytes);
  fig({ scenario: sc, name: `fleet view cold load, 'fleet-rendered' after navigation start, median of ${loads.length} (${n} services)`, value: round(medianPaint, 0), unit: 'ms', target: '< 1000', met: medianPaint < 1000 });
  fig({ scenario: sc, name: 'fleet view cold load, slowest (the first includes the browser\'s warm-up)', value: round(Math.max(...paint), 0), unit: 'ms' });
  fig({ scenario: sc, name: `bytes transferred for the fleet view (largest of the loads; ${loads[0]?.requests ?? 0} requests)`, value: round(maxBytes / 1024, 1), unit: 'KB', target: '< 200', met: maxBytes < 200 * 1024 });
  fig({ scenario: sc, name: `status change -> row shown, median (${updates.delaysMs.length} row updates from ${changes} commits)`, value: round(updates.medianMs, 0), unit: 'ms', target: '< 1000', met: updates.medianMs < 1000 });
  fig({ scenario: sc, name: 'status change -> row shown, max', value: round(updates.maxMs, 0), unit: 'ms', target: '< 1000', met: updates.maxMs < 1000 });
  fig({ scenario: sc, name: 'commits whose row never showed the change (15 s each)', value: updates.missed, unit: '', target: '0', met: updates.missed === 0 });
  fig({ scenario: sc, name: `GET /api/v1/services p50 (${api.samplesMs.length} requests, 6 filter/sort/offset shapes, ${n} services)`, value: round(api.p50Ms, 1), unit: 'ms' });
  fig({ scenario: sc, name: 'GET /api/v1/services max (first of each shape after the changes re-sorts)', value: round(api.maxMs, 1), unit: 'ms' });
  fig({ scenario: sc, name: 'one fleet page of 50 rows with the counts (uncompressed JSON)', value: round(api.pageBytes / 1024, 1), unit: 'KB' });
  fig({ scenario: sc, name: `controller RSS with ${n} services, the page open and the changes made`, value: round(rss, 1), unit: 'MB' });
  await browser.close();
  browsers.splice(browsers.indexOf(browser), 1);
  await controller.proc.stop();
  await sandbox.proc.stop();
}

function printTable(): void {
  const rows = figures.map((f) => [f.scenario, f.name, f.value === null ? 'n/a' : `${f.value} ${f.unit}`.trim(), f.target ?? '', f.met === undefined ? '' : f.met ? 'met' : 'MISSED']);
  const header = ['scenario', 'figure', 'value', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  log('');
  log(line(header));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) log(line(row));
}

const started = Date.now();
let failure: unknown;
process.once('SIGINT', () => {
  lifetime.abort();
  void cleanup().then(() => process.exit(130));
});
log(`ecs-gitops bench${args.quick ? ' --quick' : ''}: sandbox throttling ${THROTTLING} (ECS's published rates, scale 1); controller with its default client limits (ECS's, less a quarter second of burst and 2 % of rate)`);
try {
  if (RUNNER === 'dist') {
    log('building dist/ (tsc): the sandbox and controller run as `node dist/cli/bin.js`, as deployed (BENCH_RUNNER=tsx runs the sources through tsx)');
    buildCli();
  }
  const wantSteady = args.only.has('steady') || args.only.has('latency') || args.only.has('cold');
  if (wantSteady) {
    await steadyGroup('steady', { services: size(1000), clusters: 10, prefix: 'st', autoScaleEvery: 5 }, args.only.has('latency'), args.only.has('cold'));
  }
  if (args.only.has('rollout')) await rolloutGroup();
  if (args.only.has('scale')) await steadyGroup('scale', { services: size(10_000), clusters: 50, families: size(1000), prefix: 'sc', servicesPerFile: 10 }, false, false);
  if (args.only.has('accounts')) await accountsGroup();
  if (args.only.has('notify')) await notifyGroup();
  if (args.only.has('ui')) await uiGroup();
  if (args.only.has('ha')) await haGroup();
} catch (err) {
  failure = err;
} finally {
  await cleanup();
}
printTable();
const result = {
  date: new Date(started).toISOString(),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  quick: args.quick,
  throttling: { sandbox: THROTTLING, scale: 1, controllerClientLimits: 'default (ECS rates less 0.25 s of burst, at least 1 token, and 2 % of rate)' },
  controllerWorkers: args.workers ?? 'default',
  runner: RUNNER === 'dist' ? 'node dist/cli/bin.js' : 'node --import tsx src/cli/bin.ts',
  controllerNodeArgs: extraControllerNodeArgs.join(' '),
  ...(controllerCgroup ? { controllerCgroup } : {}),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: round(totalmem() / 1024 ** 3, 1), node: process.version },
  durationSeconds: round((Date.now() - started) / 1000, 1),
  figures,
  details,
  ...(failure ? { error: failure instanceof Error ? failure.message : String(failure) } : {}),
};
if (args.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
log(`done in ${result.durationSeconds} s`);
if (failure) {
  process.stderr.write(`bench failed: ${failure instanceof Error ? failure.stack ?? failure.message : String(failure)}\n`);
  process.exitCode = 1;
}
