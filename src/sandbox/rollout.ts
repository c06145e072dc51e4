/**
 * Deployments on the simulated clock. Each service with work to do (tasks to
 * start, old tasks to drain, a rollout to finish) sits in its Region's busy
 * set with the time of its next step; reads "settle" a Region by stepping
 * only those services up to the current simulated time. A steady service
 * costs nothing, which keeps 10,000-service benchmarks cheap.
 *
 * One step, at simulated time t:
 *  1. PENDING tasks whose start time has come either fail (image cannot be
 *     pulled) or become RUNNING; RUNNING tasks of a crashing image exit.
 *  2. The circuit breaker fails the PRIMARY deployment after enough failed
 *     tasks and, with rollback, starts a deployment of the last COMPLETED
 *     task definition.
 *  3. Old deployments drain without dropping below minimumHealthyPercent;
 *     the PRIMARY launches tasks without exceeding maximumPercent.
 *  4. A PRIMARY with all its tasks RUNNING and nothing left to drain is
 *     COMPLETED and the service reaches a steady state.
 * Steps 2-4 are the rolling update; a BLUE_GREEN, LINEAR or CANARY
 * deployment in progress takes their place (deployment-strategies.ts). Every
 * deployment is also a service deployment (service-deployments.ts).
 */
import { taskArn } from './arn.js';
import type { ImageOracle } from './image-oracle.js';
import { epochSeconds, isObject, type JsonObject } from './json-input.js';
import { stagedDeploymentOf, stepStagedDeployment, type HookResultSetting } from './deployment-strategies.js';
import {
  forgetServiceDeployments, recordServiceDeployment, serviceDeploymentBreakerFired, serviceDeploymentCompleted,
} from './service-deployments.js';
import type { DeploymentRecord, RegionState, ServiceRecord, TaskDefinitionRecord, TaskRecord } from './state.js';

export interface RolloutTimings {
  /** Simulated ms from launch to RUNNING (or to a pull failure). @default 3000 */
  readonly taskStartMs: number;
  /** Simulated ms a task of a crashing image runs before it exits. @default 2000 */
  readonly crashAfterMs: number;
  /** Simulated ms between scheduler passes of a busy service. @default 1000 */
  readonly stepMs: number;
  /** How long an INACTIVE service stays describable. @default 3_600_000 */
  readonly inactiveRetentionMs: number;
  /** How long a one-off task (RunTask) runs before its containers exit 0, without an exit rule for its image. @default 5000 */
  readonly oneOffRunMs: number;
  /** How long a stopped one-off task stays describable (ECS: at least an hour). @default 3_600_000 */
  readonly stoppedTaskRetentionMs: number;
}

export const DEFAULT_TIMINGS: RolloutTimings = {
  taskStartMs: 3000,
  crashAfterMs: 2000,
  stepMs: 1000,
  inactiveRetentionMs: 3_600_000,
  oneOffRunMs: 5000,
  stoppedTaskRetentionMs: 3_600_000,
};

const MAX_EVENTS = 100;
const MAX_STEPS_PER_SETTLE = 20_000;

export interface RolloutDeps {
  readonly images: ImageOracle;
  readonly timings: RolloutTimings;
  readonly newId: () => string;
  /** What the admin API set for a Lambda lifecycle hook target (undefined: it answers SUCCEEDED). */
  readonly hookResult?: (hookTargetArn: string) => HookResultSetting | undefined;
}

export function circuitBreakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount / 2)));
}

export function newDeploymentId(newId: () => string): string {
  const digits = newId().replace(/[^0-9]/g, '').padEnd(19, '7').slice(0, 19);
  return `ecs-svc/${digits}`;
}

export function addEvent(svc: ServiceRecord, at: number, message: string, newId: () => string): void {
  svc.events.unshift({ id: newId(), createdAt: epochSeconds(at), message: `(service ${svc.name}) ${message}` });
  if (svc.events.length > MAX_EVENTS) svc.events.length = MAX_EVENTS;
}

export function markBusy(state: RegionState, svc: ServiceRecord, at: number): void {
  if (at >= svc.nextStepAt) return;
  svc.nextStepAt = at;
  state.steps.push(svc, at);
}

/**
 * Declared on CreateService/UpdateService but reported by DescribeServices only
 * on each deployment (the Service shape has no such members, so an SDK drops
 * them from the service): a deployment keeps the values it was started with,
 * and a different value starts a new deployment (docs/ecs-facts.md).
 */
export const DEPLOYMENT_FIELDS = ['serviceConnectConfiguration', 'volumeConfigurations', 'vpcLatticeConfigurations'] as const;

function deploymentConfigurations(svc: ServiceRecord): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const key of DEPLOYMENT_FIELDS) {
    // An empty list clears the field: reported as absent.
    const value = svc.passthrough[key];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out ??= {};
    out[key] = value;
  }
  return out;
}

/**
 * Makes a new PRIMARY deployment of the service's current task definition,
 * and its service deployment. A rollback's deployment belongs to the service
 * deployment that is rolling back, so `rollback` records none.
 */
export function startDeployment(state: RegionState, svc: ServiceRecord, now: number, deps: RolloutDeps, options: { rollback?: boolean } = {}): DeploymentRecord {
  for (const d of svc.deployments) d.status = 'ACTIVE';
  const id = newDeploymentId(deps.newId);
  const deployment: DeploymentRecord = {
    id,
    status: 'PRIMARY',
    taskDefinitionArn: svc.taskDefinitionArn,
    desiredCount: svc.desiredCount,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: `ECS deployment ${id} in progress.`,
  };
  if (svc.launchType) deployment.launchType = svc.launchType;
  if (svc.platformVersion) deployment.platformVersion = svc.platformVersion;
  if (svc.platformFamily) deployment.platformFamily = svc.platformFamily;
  if (svc.capacityProviderStrategy) deployment.capacityProviderStrategy = svc.capacityProviderStrategy;
  if (svc.networkConfiguration) deployment.networkConfiguration = svc.networkConfiguration;
  const configurations = deploymentConfigurations(svc);
  if (configurations) deployment.configurations = configurations;
  svc.deployments.unshift(deployment);
  if (!options.rollback) recordServiceDeployment(state, svc, deployment, now, deps.newId);
  markBusy(state, svc, now);
  return deployment;
}

/** Steps every busy service of the Region up to `now`. */
export function settleRegion(state: RegionState, now: number, deps: RolloutDeps): void {
  for (let svc = state.steps.popDue(now); svc; svc = state.steps.popDue(now)) {
    let steps = 0;
    while (svc.nextStepAt <= now) {
      if (++steps > MAX_STEPS_PER_SETTLE) {
        // A service stuck retrying for a very long simulated span: skip ahead rather than spin.
        svc.nextStepAt = now + deps.timings.stepMs;
        break;
      }
      step(state, svc, svc.nextStepAt, deps);
    }
    state.steps.push(svc, svc.nextStepAt);
  }
}

export function stopTask(task: TaskRecord, at: number, reason: string, code: string): void {
  task.lastStatus = 'STOPPED';
  task.desiredStatus = 'STOPPED';
  task.stoppedAt = at;
  task.stoppedReason = reason;
  task.stopCode = code;
}

export function launchTask(state: RegionState, svc: ServiceRecord, deployment: DeploymentRecord, t: number, deps: RolloutDeps): TaskRecord {
  const id = deps.newId().replace(/-/g, '');
  const td = state.taskDefinitionsByArn.get(deployment.taskDefinitionArn);
  const containers = td ? containersOf(td) : [];
  let failure: TaskRecord['failure'];
  let digests: (string | undefined)[] | undefined;
  containers.forEach((c, i) => {
    const result = deps.images.check(c.image, deployment.pinnedDigests?.get(c.image));
    const f = result.failure;
    if (f && (!failure || f.kind === 'pull')) failure = f;
    if (result.digest) {
      deployment.pinnedDigests ??= new Map();
      if (!deployment.pinnedDigests.has(c.image)) deployment.pinnedDigests.set(c.image, result.digest);
      digests ??= containers.map(() => undefined);
      digests[i] = result.digest;
    }
  });
  const task: TaskRecord = {
    id,
    arn: taskArn(state.region, state.account, svc.cluster.name, id),
    deploymentId: deployment.id,
    taskDefinitionArn: deployment.taskDefinitionArn,
    createdAt: t,
    lastStatus: 'PENDING',
    desiredStatus: 'RUNNING',
    readyAt: t + deps.timings.taskStartMs,
    containers,
  };
  if (failure) task.failure = failure;
  if (digests) task.imageDigests = digests;
  if (typeof td?.body.cpu === 'string') task.cpu = td.body.cpu;
  if (typeof td?.body.memory === 'string') task.memory = td.body.memory;
  if (deployment.launchType) task.launchType = deployment.launchType;
  svc.tasks.set(id, task);
  state.taskIndex.set(task.arn, svc);
  return task;
}

const CONTAINERS = new WeakMap<TaskDefinitionRecord, TaskRecord['containers']>();

/** The (name, image) list of a task definition, computed once and shared by its tasks. */
export function containersOf(td: TaskDefinitionRecord): TaskRecord['containers'] {
  let list = CONTAINERS.get(td);
  if (!list) {
    const defs = Array.isArray(td.body.containerDefinitions) ? td.body.containerDefinitions : [];
    list = Object.freeze(defs.filter(isObject).map((c) => Object.freeze({ name: String(c.name), image: String(c.image) })));
    CONTAINERS.set(td, list);
  }
  return list;
}

function deploymentConfig(svc: ServiceRecord): { min: number; max: number; breaker: boolean; rollback: boolean } {
  const dc = svc.deploymentConfiguration;
  const cb = isObject(dc.deploymentCircuitBreaker) ? dc.deploymentCircuitBreaker : {};
  return {
    min: typeof dc.minimumHealthyPercent === 'number' ? dc.minimumHealthyPercent : 100,
    max: typeof dc.maximumPercent === 'number' ? dc.maximumPercent : 200,
    breaker: cb.enable === true,
    rollback: cb.rollback === true,
  };
}

function pruneStopped(state: RegionState, svc: ServiceRecord): void {
  const keep = 50;
  let stopped = 0;
  for (const t of svc.tasks.values()) if (t.lastStatus === 'STOPPED') stopped++;
  if (stopped <= keep) return;
  for (const [id, t] of svc.tasks) {
    if (stopped <= keep) break;
    if (t.lastStatus === 'STOPPED') {
      svc.tasks.delete(id);
      state.taskIndex.delete(t.arn);
      stopped--;
    }
  }
}

function step(state: RegionState, svc: ServiceRecord, t: number, deps: RolloutDeps): void {
  if (svc.status === 'INACTIVE') {
    // Retention over: the service disappears from DescribeServices.
    svc.cluster.services.delete(svc.name);
    for (const task of svc.tasks.values()) state.taskIndex.delete(task.arn);
    state.tags.delete(svc.arn);
    forgetServiceDeployments(state, svc);
    svc.nextStepAt = Infinity;
    return;
  }
  const byId = new Map(svc.deployments.map((d) => [d.id, d]));
  const stoppedNow: TaskRecord[] = [];

  // 1. task transitions
  for (const task of svc.tasks.values()) {
    const dep = byId.get(task.deploymentId);
    if (task.lastStatus === 'PENDING' && task.readyAt <= t) {
      if (task.failure?.kind === 'pull') {
        stopTask(task, task.readyAt, task.failure.reason, 'TaskFailedToStart');
        if (dep) dep.failedTasks++;
        stoppedNow.push(task);
      } else {
        task.lastStatus = 'RUNNING';
        task.startedAt = task.readyAt;
        if (task.failure?.kind === 'crash') task.exitAt = task.readyAt + deps.timings.crashAfterMs;
      }
    }
    if (task.lastStatus === 'RUNNING' && task.exitAt !== undefined && task.exitAt <= t) {
      stopTask(task, task.exitAt, task.failure?.reason ?? 'Essential container in task exited', 'EssentialContainerExited');
      task.exitCode = 1;
      if (dep) dep.failedTasks++;
      stoppedNow.push(task);
    }
  }

  const desired = svc.status === 'DRAINING' ? 0 : svc.desiredCount;
  const started: TaskRecord[] = [];
  const staged = stagedDeploymentOf(svc);
  let stagedWake = Infinity;
  let primary: DeploymentRecord | undefined;
  if (staged) {
    stagedWake = stepStagedDeployment(state, svc, staged, t, deps, started, stoppedNow);
    primary = svc.deployments[0];
  } else {
    primary = rollingStep(state, svc, t, deps, desired, started, stoppedNow);
  }

  if (started.length > 0) addEvent(svc, t, `has started ${started.length} tasks: ${started.map((x) => `(task ${x.id})`).join(' ')}.`, deps.newId);
  const failed = stoppedNow.filter((x) => x.stopCode !== 'ServiceSchedulerInitiated');
  const drained = stoppedNow.filter((x) => x.stopCode === 'ServiceSchedulerInitiated');
  if (drained.length > 0) addEvent(svc, t, `has stopped ${drained.length} running tasks: ${drained.map((x) => `(task ${x.id})`).join(' ')}.`, deps.newId);
  for (const task of failed) addEvent(svc, t, `task ${task.id} stopped: ${task.stoppedReason ?? ''}`, deps.newId);
  pruneStopped(state, svc);

  // 5. draining services become INACTIVE once their tasks are gone
  let next = Infinity;
  let anyLive = false;
  for (const task of svc.tasks.values()) {
    if (task.lastStatus === 'PENDING') next = Math.min(next, task.readyAt);
    if (task.lastStatus === 'RUNNING' && task.exitAt !== undefined) next = Math.min(next, task.exitAt);
    if (task.lastStatus !== 'STOPPED') anyLive = true;
  }
  if (svc.status === 'DRAINING' && !anyLive) {
    svc.status = 'INACTIVE';
    svc.inactiveSince = t;
    next = t + deps.timings.inactiveRetentionMs;
  } else if (staged && stagedDeploymentOf(svc) === staged) {
    // A staged deployment sleeps through hook waits and bake times: it wakes when they end.
    next = Math.min(next, stagedWake);
  } else if (primary && (primary.rolloutState === 'IN_PROGRESS'
    || (primary.rolloutState !== 'FAILED' && (svc.deployments.length > 1 || liveCount(svc) !== desired)))) {
    next = Math.min(next, t + deps.timings.stepMs);
  }
  svc.nextStepAt = Math.max(next, t + 1);
  if (next === Infinity) svc.nextStepAt = Infinity;
}

/** RUNNING and PENDING tasks of one deployment (DescribeServices' deployments and revisions, the deployments API). */
export function deploymentTaskCounts(svc: ServiceRecord, deploymentId: string): { running: number; pending: number } {
  let running = 0;
  let pending = 0;
  for (const t of svc.tasks.values()) {
    if (t.deploymentId !== deploymentId) continue;
    if (t.lastStatus === 'RUNNING') running++;
    else if (t.lastStatus === 'PENDING') pending++;
  }
  return { running, pending };
}

function liveCount(svc: ServiceRecord): number {
  let n = 0;
  for (const task of svc.tasks.values()) if (task.lastStatus !== 'STOPPED') n++;
  return n;
}

/** Steps 2-4 of a rolling update (the circuit breaker, draining and launching, completion); returns the PRIMARY. */
function rollingStep(
  state: RegionState, svc: ServiceRecord, t: number, deps: RolloutDeps, desired: number, started: TaskRecord[], stoppedNow: TaskRecord[],
): DeploymentRecord | undefined {
  // 2. circuit breaker
  let primary = svc.deployments[0];
  const config = deploymentConfig(svc);
  if (primary && primary.rolloutState === 'IN_PROGRESS' && config.breaker && primary.failedTasks >= circuitBreakerThreshold(primary.desiredCount)) {
    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
    primary.updatedAt = t;
    addEvent(svc, t, `(deployment ${primary.id}) deployment failed: tasks failed to start.`, deps.newId);
    const target = svc.lastCompletedTaskDefinitionArn;
    if (config.rollback && target && target !== primary.taskDefinitionArn) {
      const failed = primary;
      svc.taskDefinitionArn = target;
      primary = startDeployment(state, svc, t, deps, { rollback: true });
      serviceDeploymentBreakerFired(state, svc, failed, primary, t);
      primary.rolloutStateReason = `ECS deployment detected failure in ${failed.id}. Rolling back to task definition ${target}.`;
      addEvent(svc, t, `rolling back to deployment ${primary.id} (task definition ${target}).`, deps.newId);
    } else {
      serviceDeploymentBreakerFired(state, svc, primary, undefined, t);
    }
  }

  if (primary) {
    primary.desiredCount = desired;
    const live = (d: string | undefined, status?: 'PENDING' | 'RUNNING') =>
      [...svc.tasks.values()].filter((x) => x.lastStatus !== 'STOPPED' && (d === undefined || x.deploymentId === d) && (!status || x.lastStatus === status));
    const minHealthy = Math.ceil((desired * config.min) / 100);
    const maxTotal = Math.max(desired, Math.floor((desired * config.max) / 100));

    // 3a. old deployments: pending tasks go at once, running ones while enough stay healthy
    let running = live(undefined, 'RUNNING').length;
    const primaryFailedForGood = primary.rolloutState === 'FAILED';
    for (const old of svc.deployments.slice(1)) {
      old.desiredCount = 0;
      for (const task of live(old.id)) {
        if (task.lastStatus === 'PENDING') {
          stopTask(task, t, `Scaling activity initiated by (deployment ${primary.id})`, 'ServiceSchedulerInitiated');
          stoppedNow.push(task);
        } else if (!primaryFailedForGood && running - 1 >= minHealthy) {
          stopTask(task, t, `Scaling activity initiated by (deployment ${primary.id})`, 'ServiceSchedulerInitiated');
          stoppedNow.push(task);
          running--;
        }
      }
    }
    // 3b. the primary: shed excess, then launch within maximumPercent
    const mine = live(primary.id).sort((a, b) => (a.lastStatus === b.lastStatus ? 0 : a.lastStatus === 'PENDING' ? -1 : 1));
    let primaryLive = mine.length;
    for (const task of mine) {
      if (primaryLive <= desired) break;
      stopTask(task, t, `Scaling activity initiated by (deployment ${primary.id})`, 'ServiceSchedulerInitiated');
      stoppedNow.push(task);
      primaryLive--;
    }
    let total = live(undefined).length;
    if (!primaryFailedForGood) {
      while (primaryLive < desired && total < maxTotal) {
        started.push(launchTask(state, svc, primary, t, deps));
        primaryLive++;
        total++;
      }
    }
    // 3c. drained deployments leave the list; a FAILED one stays visible until the rollback completes
    svc.deployments = svc.deployments.filter((d, i) =>
      i === 0 || live(d.id).length > 0 || (d.rolloutState === 'FAILED' && primary?.rolloutState === 'IN_PROGRESS'));
    for (const d of svc.deployments) d.updatedAt = t;

    // 4. completion
    const primaryRunning = live(primary.id, 'RUNNING').filter((x) => x.exitAt === undefined).length;
    const othersLive = svc.deployments.slice(1).some((d) => live(d.id).length > 0);
    if (primary.rolloutState === 'IN_PROGRESS' && !othersLive && primaryRunning === desired && live(primary.id, 'PENDING').length === 0) {
      svc.deployments = [primary];
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
      svc.lastCompletedTaskDefinitionArn = primary.taskDefinitionArn;
      serviceDeploymentCompleted(svc, primary, t);
      if (svc.status === 'ACTIVE') {
        addEvent(svc, t, `(deployment ${primary.id}) deployment completed.`, deps.newId);
        addEvent(svc, t, 'has reached a steady state.', deps.newId);
      }
    }
  }
  return primary;
}

/** Live (PENDING or RUNNING) tasks of one deployment. */
export function liveTasksOf(svc: ServiceRecord, deploymentId: string): TaskRecord[] {
  const out: TaskRecord[] = [];
  for (const task of svc.tasks.values()) if (task.lastStatus !== 'STOPPED' && task.deploymentId === deploymentId) out.push(task);
  return out;
}
