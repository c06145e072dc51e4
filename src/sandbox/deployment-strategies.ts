/**
 * BLUE_GREEN, LINEAR and CANARY deployments on the simulated clock, their
 * lifecycle hooks, and the rollback every strategy shares
 * (docs/ecs-facts.md#service-deployments, docs/sandbox.md).
 *
 * A staged deployment walks ECS's lifecycle stages: PRE_SCALE_UP, SCALE_UP
 * (green tasks start beside blue, up to the full count), POST_SCALE_UP,
 * TEST_TRAFFIC_SHIFT (test traffic to green), POST_TEST_TRAFFIC_SHIFT, then
 * PRE_PRODUCTION_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT (all at once for
 * BLUE_GREEN; stepPercent at a time for LINEAR; canaryPercent then the rest
 * for CANARY, each step repeating both stages and waiting its bake time),
 * POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME (bakeTimeInMinutes) and CLEAN_UP
 * (blue drained). RECONCILE_SERVICE comes first when more than one earlier
 * revision still runs. A stage with hooks waits until they all succeed.
 *
 * The service wakes only when something is due (a task start, a hook check,
 * the end of a bake), so a deployment baking for hours costs nothing between.
 *
 * A rollback (a hook failed or timed out with ROLLBACK, ContinueServiceDeployment
 * with ROLLBACK, StopServiceDeployment with ROLLBACK) makes the earlier revision
 * PRIMARY again with all traffic and leaves the rest to the rolling scheduler
 * (rollout.ts): it drains the failed revision and completes the rollback.
 */
import { isObject, type Json } from './json-input.js';
import { addEvent, launchTask, liveTasksOf, markBusy, startDeployment, stopTask, type RolloutDeps } from './rollout.js';
import { serviceRevisionArn } from './service-deployments.js';
import type { DeploymentRecord, LifecycleHookRun, RegionState, ServiceDeploymentRecord, ServiceRecord, TaskRecord } from './state.js';

/** What the admin API set for a Lambda hook target: its answer to every invocation. */
export type HookResultSetting = 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';

/** Stages a lifecycle hook may name (the API reference's DeploymentLifecycleHook.lifecycleStages). */
export const HOOK_STAGES: ReadonlySet<string> = new Set([
  'RECONCILE_SERVICE', 'PRE_SCALE_UP', 'POST_SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT',
]);

const STAGE_ORDER = [
  'RECONCILE_SERVICE', 'PRE_SCALE_UP', 'SCALE_UP', 'POST_SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT', 'POST_PRODUCTION_TRAFFIC_SHIFT', 'BAKE_TIME', 'CLEAN_UP',
] as const;
const SCALE_UP_INDEX = STAGE_ORDER.indexOf('SCALE_UP');

/** ECS invokes a Lambda hook that answered IN_PROGRESS again after 30 s (its default callback delay). */
export const LAMBDA_HOOK_RECHECK_MS = 30_000;
/** DeploymentLifecycleHookTimeoutConfiguration defaults: 1440 minutes, then ROLLBACK. */
const DEFAULT_HOOK_TIMEOUT_MINUTES = 1440;
const MINUTE = 60_000;
const MAX_HOOK_RUNS = 100;
const MAX_STAGES_PER_STEP = 64;

/** The defaults the API reference gives for LinearConfiguration and CanaryConfiguration. */
export const STRATEGY_DEFAULTS = { stepPercent: 10, stepBakeTimeInMinutes: 6, canaryPercent: 5, canaryBakeTimeInMinutes: 10, bakeTimeInMinutes: 0 } as const;

function num(obj: Json | undefined, key: string, fallback: number): number {
  const v = isObject(obj) ? obj[key] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The in-progress staged deployment the service's step has to drive, if any. */
export function stagedDeploymentOf(svc: ServiceRecord): ServiceDeploymentRecord | undefined {
  const sd = svc.serviceDeployments?.[0];
  if (!sd || sd.strategy === 'ROLLING' || sd.status !== 'IN_PROGRESS' || svc.status !== 'ACTIVE') return undefined;
  // A new service has no blue to shift traffic from: its first deployment just scales up (rolling).
  if (sd.sources.length === 0 || svc.deployments[0]?.id !== sd.target.deploymentId) return undefined;
  return sd;
}

/** The production weight after one more PRODUCTION_TRAFFIC_SHIFT step of the strategy. */
function nextProductionWeight(sd: ServiceDeploymentRecord): number {
  const dc = sd.deploymentConfiguration;
  let next = 100;
  if (sd.strategy === 'LINEAR') next = sd.productionWeight + num(dc.linearConfiguration, 'stepPercent', STRATEGY_DEFAULTS.stepPercent);
  if (sd.strategy === 'CANARY' && sd.productionWeight === 0) next = num(dc.canaryConfiguration, 'canaryPercent', STRATEGY_DEFAULTS.canaryPercent);
  return Math.min(100, Math.round(next * 10) / 10);
}

/** Minutes between two production traffic shift steps (none after 100%). */
function stepBakeMs(sd: ServiceDeploymentRecord): number {
  const dc = sd.deploymentConfiguration;
  if (sd.strategy === 'LINEAR') return num(dc.linearConfiguration, 'stepBakeTimeInMinutes', STRATEGY_DEFAULTS.stepBakeTimeInMinutes) * MINUTE;
  if (sd.strategy === 'CANARY') return num(dc.canaryConfiguration, 'canaryBakeTimeInMinutes', STRATEGY_DEFAULTS.canaryBakeTimeInMinutes) * MINUTE;
  return 0;
}

function enterStage(sd: ServiceDeploymentRecord, stage: string, t: number): void {
  sd.lifecycleStage = stage;
  sd.stageVisit++;
  sd.stageHooksStarted = false;
  delete sd.waitUntil;
  sd.updatedAt = t;
  if (stage === 'TEST_TRAFFIC_SHIFT') sd.testWeight = 100;
  if (stage === 'PRODUCTION_TRAFFIC_SHIFT') sd.productionWeight = nextProductionWeight(sd);
  if (stage === 'BAKE_TIME') sd.waitUntil = t + num(sd.deploymentConfiguration, 'bakeTimeInMinutes', STRATEGY_DEFAULTS.bakeTimeInMinutes) * MINUTE;
}

function nextStage(sd: ServiceDeploymentRecord): string | undefined {
  if (sd.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT' && sd.productionWeight < 100) return 'PRE_PRODUCTION_TRAFFIC_SHIFT';
  const i = STAGE_ORDER.indexOf(sd.lifecycleStage as (typeof STAGE_ORDER)[number]);
  return STAGE_ORDER[i + 1];
}

function startHooks(sd: ServiceDeploymentRecord, stage: string, t: number, newId: () => string): void {
  const hooks = Array.isArray(sd.deploymentConfiguration.lifecycleHooks) ? sd.deploymentConfiguration.lifecycleHooks : [];
  for (const hook of hooks) {
    if (!isObject(hook) || !Array.isArray(hook.lifecycleStages) || !hook.lifecycleStages.includes(stage)) continue;
    const targetType = hook.targetType === 'PAUSE' ? 'PAUSE' : 'AWS_LAMBDA';
    const timeout = isObject(hook.timeoutConfiguration) ? hook.timeoutConfiguration : {};
    const run: LifecycleHookRun = {
      hookId: newId(),
      targetType,
      ...(targetType === 'AWS_LAMBDA' && typeof hook.hookTargetArn === 'string' ? { targetArn: hook.hookTargetArn } : {}),
      stage,
      visit: sd.stageVisit,
      status: targetType === 'PAUSE' ? 'AWAITING_ACTION' : 'IN_PROGRESS',
      expiresAt: t + num(timeout, 'timeoutInMinutes', DEFAULT_HOOK_TIMEOUT_MINUTES) * MINUTE,
      timeoutAction: timeout.action === 'CONTINUE' ? 'CONTINUE' : 'ROLLBACK',
      nextCheckAt: t,
    };
    sd.hooks.push(run);
  }
  if (sd.hooks.length > MAX_HOOK_RUNS) sd.hooks.splice(0, sd.hooks.length - MAX_HOOK_RUNS);
}

function hookName(run: LifecycleHookRun): string {
  return run.targetType === 'PAUSE' ? `PAUSE hook ${run.hookId}` : `AWS_LAMBDA hook ${run.targetArn ?? run.hookId}`;
}

type HookVerdict = { readonly kind: 'done' } | { readonly kind: 'wait'; readonly until: number } | { readonly kind: 'rollback'; readonly reason: string };

/** Invokes due Lambda hooks, times out expired ones, and says whether the stage may move on. */
function evaluateHooks(sd: ServiceDeploymentRecord, t: number, deps: RolloutDeps): HookVerdict {
  let until = Infinity;
  for (const run of sd.hooks) {
    if (run.visit !== sd.stageVisit || run.stage !== sd.lifecycleStage) continue;
    if (run.status === 'IN_PROGRESS' && run.targetType === 'AWS_LAMBDA' && t >= run.nextCheckAt) {
      const answer = (run.targetArn !== undefined ? deps.hookResult?.(run.targetArn) : undefined) ?? 'SUCCEEDED';
      if (answer === 'IN_PROGRESS') run.nextCheckAt = t + LAMBDA_HOOK_RECHECK_MS;
      else run.status = answer;
    }
    if ((run.status === 'IN_PROGRESS' || run.status === 'AWAITING_ACTION') && t >= run.expiresAt) run.status = 'TIMED_OUT';
    if (run.status === 'FAILED') return { kind: 'rollback', reason: `Lifecycle hook failed at ${run.stage}: ${hookName(run)} returned FAILED.` };
    if (run.status === 'TIMED_OUT' && run.timeoutAction === 'ROLLBACK') {
      return { kind: 'rollback', reason: `Lifecycle hook timed out at ${run.stage}: ${hookName(run)} (timeout action ROLLBACK).` };
    }
    if (run.status === 'IN_PROGRESS') until = Math.min(until, run.nextCheckAt, run.expiresAt);
    if (run.status === 'AWAITING_ACTION') until = Math.min(until, run.expiresAt);
  }
  return until === Infinity ? { kind: 'done' } : { kind: 'wait', until };
}

/** Green tasks up to the desired count, replacing any that stopped (no maximumPercent: blue/green runs both in full). */
function scaleGreen(state: RegionState, svc: ServiceRecord, green: DeploymentRecord, t: number, deps: RolloutDeps, started: TaskRecord[]): boolean {
  const live = liveTasksOf(svc, green.id);
  for (let n = live.length; n < green.desiredCount; n++) started.push(launchTask(state, svc, green, t, deps));
  const running = live.filter((x) => x.lastStatus === 'RUNNING' && x.exitAt === undefined).length;
  return live.length === green.desiredCount && running === green.desiredCount;
}

/**
 * One scheduler pass of a staged deployment at `t`: moves through as many
 * stages as are ready. Returns when the service next needs a pass for the
 * deployment's own sake (a hook check, the end of a bake); task start-ups
 * wake it through rollout.ts.
 */
export function stepStagedDeployment(
  state: RegionState, svc: ServiceRecord, sd: ServiceDeploymentRecord, t: number, deps: RolloutDeps, started: TaskRecord[], stoppedNow: TaskRecord[],
): number {
  const green = svc.deployments[0] as DeploymentRecord;
  green.desiredCount = svc.desiredCount;
  if (!sd.lifecycleStage) enterStage(sd, sd.sources.length > 1 ? 'RECONCILE_SERVICE' : 'PRE_SCALE_UP', t);
  for (let guard = 0; guard < MAX_STAGES_PER_STEP; guard++) {
    const stage = sd.lifecycleStage as string;
    if (STAGE_ORDER.indexOf(stage as (typeof STAGE_ORDER)[number]) >= SCALE_UP_INDEX) {
      const ready = scaleGreen(state, svc, green, t, deps, started);
      if (stage === 'SCALE_UP' && !ready) return Infinity;
    }
    if (HOOK_STAGES.has(stage)) {
      if (!sd.stageHooksStarted) {
        startHooks(sd, stage, t, deps.newId);
        sd.stageHooksStarted = true;
      }
      const verdict = evaluateHooks(sd, t, deps);
      if (verdict.kind === 'rollback') {
        beginRollback(state, svc, sd, t, deps, verdict.reason);
        return t + deps.timings.stepMs;
      }
      if (verdict.kind === 'wait') return verdict.until;
    }
    if (stage === 'PRODUCTION_TRAFFIC_SHIFT' && sd.productionWeight < 100) {
      sd.waitUntil ??= t + stepBakeMs(sd);
      if (t < sd.waitUntil) return sd.waitUntil;
    }
    if (stage === 'BAKE_TIME' && sd.waitUntil !== undefined && t < sd.waitUntil) return sd.waitUntil;
    if (stage === 'CLEAN_UP') {
      const blue = svc.deployments.slice(1);
      let drained = 0;
      for (const old of blue) {
        old.desiredCount = 0;
        for (const task of liveTasksOf(svc, old.id)) {
          stopTask(task, t, `Scaling activity initiated by (deployment ${green.id})`, 'ServiceSchedulerInitiated');
          stoppedNow.push(task);
          drained++;
        }
      }
      // Draining shows as CLEAN_UP for one scheduler pass before the deployment completes.
      if (drained > 0) return t + deps.timings.stepMs;
      completeStaged(svc, sd, green, t, deps);
      return Infinity;
    }
    const next = nextStage(sd);
    if (next === undefined) break;
    enterStage(sd, next, t);
  }
  return t + deps.timings.stepMs;
}

function completeStaged(svc: ServiceRecord, sd: ServiceDeploymentRecord, green: DeploymentRecord, t: number, deps: RolloutDeps): void {
  sd.status = 'SUCCESSFUL';
  sd.statusReason = 'Service deployment completed successfully.';
  sd.finishedAt = t;
  sd.updatedAt = t;
  svc.deployments = [green];
  green.rolloutState = 'COMPLETED';
  green.rolloutStateReason = `ECS deployment ${green.id} completed.`;
  green.updatedAt = t;
  svc.lastCompletedTaskDefinitionArn = green.taskDefinitionArn;
  addEvent(svc, t, `(deployment ${green.id}) deployment completed.`, deps.newId);
  addEvent(svc, t, 'has reached a steady state.', deps.newId);
}

/**
 * Rolls `sd` back: its target fails (rolloutState FAILED with `reason`), the
 * revision it replaced becomes PRIMARY again with all traffic (a new
 * deployment of the last completed task definition when that revision no
 * longer runs), and the rolling scheduler drains the failed tasks. The
 * service deployment is ROLLBACK_IN_PROGRESS until that PRIMARY completes
 * (serviceDeploymentCompleted), or ROLLBACK_FAILED when there is nothing to go back to.
 */
export function beginRollback(state: RegionState, svc: ServiceRecord, sd: ServiceDeploymentRecord, t: number, deps: RolloutDeps, reason: string): void {
  const failed = svc.deployments.find((d) => d.id === sd.target.deploymentId);
  const source = sd.sources.find((s) => s.taskDefinitionArn === svc.lastCompletedTaskDefinitionArn) ?? sd.sources[0];
  const taskDefinitionArn = source?.taskDefinitionArn ?? svc.lastCompletedTaskDefinitionArn;
  sd.updatedAt = t;
  sd.statusReason = reason;
  if (failed) {
    failed.rolloutState = 'FAILED';
    failed.rolloutStateReason = reason;
    failed.updatedAt = t;
  }
  if (!taskDefinitionArn || taskDefinitionArn === sd.target.taskDefinitionArn) {
    sd.status = 'ROLLBACK_FAILED';
    sd.statusReason = `${reason} There is no earlier service revision to roll back to.`;
    sd.finishedAt = t;
    markBusy(state, svc, t);
    return;
  }
  let back = source ? svc.deployments.find((d) => d.id === source.deploymentId) : undefined;
  svc.taskDefinitionArn = taskDefinitionArn;
  if (back) {
    for (const d of svc.deployments) d.status = 'ACTIVE';
    svc.deployments = [back, ...svc.deployments.filter((d) => d !== back)];
    back.status = 'PRIMARY';
    back.rolloutState = 'IN_PROGRESS';
    back.desiredCount = svc.desiredCount;
    back.updatedAt = t;
    markBusy(state, svc, t);
  } else {
    back = startDeployment(state, svc, t, deps, { rollback: true });
  }
  back.rolloutStateReason = `ECS deployment detected failure in ${failed?.id ?? sd.target.deploymentId}. Rolling back to task definition ${taskDefinitionArn}.`;
  sd.status = 'ROLLBACK_IN_PROGRESS';
  sd.rollback = { reason, startedAt: t, serviceRevisionArn: serviceRevisionArn(state, svc, back.id) };
  sd.rollbackDeploymentId = back.id;
  sd.productionWeight = 0;
  sd.testWeight = 0;
  delete sd.waitUntil;
  addEvent(svc, t, `rolling back to deployment ${back.id} (task definition ${taskDefinitionArn}): ${reason}`, deps.newId);
}

/**
 * StopServiceDeployment with ABORT: the deployment stops where it is
 * (STOPPED); its target is marked FAILED so the scheduler neither launches
 * nor drains further, and the tasks of every revision keep running.
 */
export function abortDeployment(state: RegionState, svc: ServiceRecord, sd: ServiceDeploymentRecord, t: number, deps: RolloutDeps, reason: string): void {
  const target = svc.deployments.find((d) => d.id === sd.target.deploymentId);
  if (target) {
    target.rolloutState = 'FAILED';
    target.rolloutStateReason = reason;
    target.updatedAt = t;
  }
  sd.status = 'STOPPED';
  sd.statusReason = reason;
  sd.stoppedAt = t;
  sd.finishedAt = t;
  sd.updatedAt = t;
  addEvent(svc, t, `(deployment ${sd.target.deploymentId}) ${reason}`, deps.newId);
  markBusy(state, svc, t);
}
