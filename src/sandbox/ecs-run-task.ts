/**
 * One-off ECS tasks: RunTask and StopTask, and their lifecycle on the
 * simulated clock. A one-off task belongs to its cluster, not to a service:
 *
 *   PENDING --taskStartMs--> RUNNING --first essential container exits--> STOPPED --retention--> forgotten
 *
 * A container's exit comes from the admin exit rule for its image
 * (ImageOracle.exitRule), else exit 1 after crashAfterMs for a crashing
 * image, else exit 0 after oneOffRunMs. An image that cannot be pulled stops
 * the task before it runs (TaskFailedToStart), as for services. The task
 * stops when its first essential container exits; containers still running
 * then get exit code 137 (killed). Stopped tasks stay describable for
 * stoppedTaskRetentionMs, at most MAX_STOPPED_PER_CLUSTER per cluster
 * (docs/sandbox.md, "One-off tasks").
 */
import { invalidParameter } from './api-error.js';
import { taskArn } from './arn.js';
import { findCluster } from './ecs-clusters.js';
import { requireTaskDefinition, resolveLaunch, type ServiceOpContext } from './ecs-services.js';
import { findTask, serviceTaskView, standaloneTaskView } from './ecs-tasks.js';
import { isObject, optArray, optBoolean, optNumber, optObject, optString, type Json, type JsonObject } from './json-input.js';
import { containersOf, markBusy, type RolloutDeps } from './rollout.js';
import type { ContainerExitPlan, RegionState, StandaloneTaskRecord, TaskDefinitionRecord, TaskRecord } from './state.js';
import { addTags, parseTags } from './tags.js';

/** Stopped one-off tasks kept per cluster (the oldest go first beyond it); the sandbox's bound. */
export const MAX_STOPPED_PER_CLUSTER = 1000;
export const MAX_RUN_TASK_COUNT = 10;
/** RunTask's startedBy: up to 128 letters, numbers, hyphens, forward slashes and underscores (ECS API reference). */
const STARTED_BY = /^[a-zA-Z0-9_/-]{1,128}$/;
const MAX_GROUP_LENGTH = 255;
const MAX_REASON_LENGTH = 255;
/** Exit code of a container stopped from outside (SIGKILL). */
export const KILLED_EXIT_CODE = 137;

export function runTask(ctx: ServiceOpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const tasks = launchOneOffTasks(ctx.state, ctx.now, ctx.rollout, input);
  return { tasks: tasks.map((t) => standaloneTaskView(ctx, t)), failures: [] };
}

interface ContainerDefinitionFacts {
  readonly name: string;
  readonly essential: boolean;
}

function containerFacts(td: TaskDefinitionRecord): ContainerDefinitionFacts[] {
  const defs = Array.isArray(td.body.containerDefinitions) ? td.body.containerDefinitions : [];
  return defs.filter(isObject).map((c) => ({ name: String(c.name), essential: c.essential !== false }));
}

/**
 * TaskOverride as ECS reports it on the task: a containerOverrides entry for
 * every container of the task definition (just `{name}` when it has no
 * override), and an empty inferenceAcceleratorOverrides.
 */
function overridesView(raw: JsonObject | undefined, containers: readonly ContainerDefinitionFacts[]): JsonObject {
  const given = new Map<string, JsonObject>();
  for (const entry of (raw ? optArray(raw, 'containerOverrides') : undefined) ?? []) {
    if (!isObject(entry) || typeof entry.name !== 'string' || entry.name === '') throw invalidParameter('Container override name can not be blank.');
    if (!containers.some((c) => c.name === entry.name)) {
      throw invalidParameter(`Override for container named ${entry.name} is not a container in the TaskDefinition.`);
    }
    given.set(entry.name, entry);
  }
  const out: JsonObject = { ...(raw ?? {}) };
  out.containerOverrides = containers.map((c) => ({ ...(given.get(c.name) ?? {}), name: c.name }));
  out.inferenceAcceleratorOverrides = raw && Array.isArray(raw.inferenceAcceleratorOverrides) ? raw.inferenceAcceleratorOverrides : [];
  return out;
}

/** The capacity provider a task of this strategy lands on: the one with a base, else the heaviest. */
function capacityProviderOf(strategy: Json[]): string | undefined {
  const items = strategy.filter(isObject);
  const withBase = items.find((s) => typeof s.base === 'number' && s.base > 0);
  const chosen = withBase ?? [...items].sort((a, b) => Number(b.weight ?? 0) - Number(a.weight ?? 0))[0];
  return typeof chosen?.capacityProvider === 'string' ? chosen.capacityProvider : undefined;
}

/**
 * Checks a RunTask request and starts its tasks at `now` (RunTask itself,
 * and a schedule firing). Throws the error ECS answers for a bad request.
 */
export function launchOneOffTasks(state: RegionState, now: number, deps: RolloutDeps, input: JsonObject): StandaloneTaskRecord[] {
  const cluster = findCluster(state, optString(input, 'cluster'));
  const tdId = optString(input, 'taskDefinition');
  if (!tdId) throw invalidParameter('TaskDefinition can not be blank.');
  const td = requireTaskDefinition(state, tdId);
  const count = optNumber(input, 'count') ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_RUN_TASK_COUNT) throw invalidParameter(`count must be between 1 and ${MAX_RUN_TASK_COUNT}.`);

  const { launchType, strategy, fargate, platformVersion, networkConfiguration } = resolveLaunch(cluster, td, input);

  const startedBy = optString(input, 'startedBy');
  if (startedBy !== undefined && !STARTED_BY.test(startedBy)) {
    throw invalidParameter('startedBy must be up to 128 letters (uppercase and lowercase), numbers, hyphens (-), forward slash (/), and underscores (_).');
  }
  const group = optString(input, 'group') ?? `family:${td.family}`;
  if (group.length === 0 || group.length > MAX_GROUP_LENGTH) throw invalidParameter(`group must be 1 to ${MAX_GROUP_LENGTH} characters.`);
  const propagateTags = optString(input, 'propagateTags') ?? 'NONE';
  if (propagateTags === 'SERVICE') throw invalidParameter('The task is not part of a service: tags cannot be propagated from a service.');
  if (propagateTags !== 'NONE' && propagateTags !== 'TASK_DEFINITION') throw invalidParameter(`Invalid propagateTags: ${propagateTags}`);
  const tags = parseTags(input.tags);
  if (propagateTags === 'TASK_DEFINITION') {
    for (const [k, v] of state.tags.get(td.arn) ?? []) if (!tags.has(k)) tags.set(k, v);
  }
  const enableExecuteCommand = optBoolean(input, 'enableExecuteCommand') ?? false;
  const facts = containerFacts(td);
  const rawOverrides = optObject(input, 'overrides');
  const overrides = overridesView(rawOverrides, facts);
  const cpu = (rawOverrides && optString(rawOverrides, 'cpu')) ?? (typeof td.body.cpu === 'string' ? td.body.cpu : undefined);
  const memory = (rawOverrides && optString(rawOverrides, 'memory')) ?? (typeof td.body.memory === 'string' ? td.body.memory : undefined);

  const containers = containersOf(td);
  const out: StandaloneTaskRecord[] = [];
  for (let n = 0; n < count; n++) {
    const id = deps.newId().replace(/-/g, '');
    let failure: TaskRecord['failure'];
    let digests: (string | undefined)[] | undefined;
    const exitPlans: ContainerExitPlan[] = containers.map((c, i) => {
      const result = deps.images.check(c.image);
      if (result.failure?.kind === 'pull') failure ??= result.failure;
      if (result.digest) {
        digests ??= containers.map(() => undefined);
        digests[i] = result.digest;
      }
      const rule = deps.images.exitRule(c.image, result.digest);
      if (rule) return rule;
      if (result.failure?.kind === 'crash') return { exitCode: 1, afterMs: deps.timings.crashAfterMs };
      return { exitCode: 0, afterMs: deps.timings.oneOffRunMs };
    });
    const task: StandaloneTaskRecord = {
      id,
      arn: taskArn(state.region, state.account, cluster.name, id),
      deploymentId: '',
      taskDefinitionArn: td.arn,
      createdAt: now,
      lastStatus: 'PENDING',
      desiredStatus: 'RUNNING',
      readyAt: now + deps.timings.taskStartMs,
      containers,
      cluster,
      group,
      overrides,
      essential: containers.map((_, i) => facts[i]?.essential ?? true),
      exitPlans,
      enableExecuteCommand,
      nextStepAt: now + deps.timings.taskStartMs,
      ...(startedBy !== undefined ? { startedBy } : {}),
    };
    if (failure) task.failure = failure;
    if (digests) task.imageDigests = digests;
    if (cpu) task.cpu = cpu;
    if (memory) task.memory = memory;
    if (launchType) task.launchType = launchType;
    if (strategy) {
      const provider = capacityProviderOf(strategy);
      if (provider) task.capacityProviderName = provider;
    }
    if (fargate) {
      task.platformVersion = platformVersion ?? 'LATEST';
      task.platformFamily = 'Linux';
    }
    if (networkConfiguration) task.networkConfiguration = networkConfiguration;
    let byId = cluster.standaloneTasks;
    if (!byId) {
      byId = new Map();
      cluster.standaloneTasks = byId;
    }
    byId.set(id, task);
    state.standaloneTaskIndex.set(task.arn, task);
    addTags(state, task.arn, tags);
    state.taskSteps.push(task, task.nextStepAt);
    out.push(task);
  }
  return out;
}

export function stopTask(ctx: ServiceOpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const cluster = findCluster(ctx.state, optString(input, 'cluster'));
  const id = optString(input, 'task');
  if (!id) throw invalidParameter('task can not be blank.');
  const reason = optString(input, 'reason');
  if (reason !== undefined && reason.length > MAX_REASON_LENGTH) throw invalidParameter(`reason must be at most ${MAX_REASON_LENGTH} characters.`);
  const stoppedReason = reason ?? 'Task stopped by user';
  const found = findTask(ctx, cluster, id);
  if (found.kind === 'missing') throw invalidParameter('The referenced task was not found.');
  if (found.kind === 'standalone') {
    const task = found.task;
    if (task.lastStatus !== 'STOPPED') {
      finish(ctx.state, task, ctx.now, stoppedReason, 'UserInitiated', ctx.rollout);
      ctx.state.taskSteps.push(task, task.nextStepAt);
    }
    return { task: standaloneTaskView(ctx, task) };
  }
  // A service's task: it stops, and the service launches a replacement at its next step.
  const task = found.task;
  if (task.lastStatus !== 'STOPPED') {
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppedAt = ctx.now;
    task.stoppedReason = stoppedReason;
    task.stopCode = 'UserInitiated';
    task.exitCode ??= KILLED_EXIT_CODE;
    markBusy(ctx.state, found.svc, ctx.now);
  }
  return { task: serviceTaskView(ctx, cluster, found.svc, task) };
}

/** Stops a one-off task at `at`: containers that did not exit by then are killed. */
function finish(state: RegionState, task: StandaloneTaskRecord, at: number, reason: string, stopCode: string, deps: RolloutDeps): void {
  const started = task.startedAt;
  task.containerExitCodes = task.exitPlans.map((plan, i) => {
    if (started === undefined) return undefined;
    const exited = started + plan.afterMs <= at;
    return exited ? plan.exitCode : (task.containerExitCodes?.[i] ?? KILLED_EXIT_CODE);
  });
  task.lastStatus = 'STOPPED';
  task.desiredStatus = 'STOPPED';
  task.stoppedAt = at;
  task.stoppedReason = reason;
  task.stopCode = stopCode;
  task.nextStepAt = at + deps.timings.stoppedTaskRetentionMs;
  forgetOverflow(state, task);
}

/** Keeps at most MAX_STOPPED_PER_CLUSTER stopped one-off tasks in the cluster: the oldest go. */
function forgetOverflow(state: RegionState, latest: StandaloneTaskRecord): void {
  const byId = latest.cluster.standaloneTasks;
  if (!byId) return;
  let stopped = 0;
  for (const t of byId.values()) if (t.lastStatus === 'STOPPED') stopped++;
  for (const t of byId.values()) {
    if (stopped <= MAX_STOPPED_PER_CLUSTER) break;
    if (t.lastStatus !== 'STOPPED' || t === latest) continue;
    forget(state, t);
    stopped--;
  }
}

function forget(state: RegionState, task: StandaloneTaskRecord): void {
  task.cluster.standaloneTasks?.delete(task.id);
  state.standaloneTaskIndex.delete(task.arn);
  state.tags.delete(task.arn);
  task.nextStepAt = Infinity;
}

function step(state: RegionState, task: StandaloneTaskRecord, deps: RolloutDeps): void {
  if (task.lastStatus === 'PENDING') {
    if (task.failure?.kind === 'pull') {
      finish(state, task, task.readyAt, task.failure.reason, 'TaskFailedToStart', deps);
      return;
    }
    task.lastStatus = 'RUNNING';
    task.startedAt = task.readyAt;
    const essentialExits = task.exitPlans.filter((_, i) => task.essential[i] !== false).map((p) => p.afterMs);
    const runFor = Math.min(...(essentialExits.length > 0 ? essentialExits : task.exitPlans.map((p) => p.afterMs)));
    task.exitAt = task.readyAt + runFor;
    task.nextStepAt = Number.isFinite(task.exitAt) ? task.exitAt : Infinity;
    return;
  }
  if (task.lastStatus === 'RUNNING') {
    finish(state, task, task.exitAt ?? task.nextStepAt, 'Essential container in task exited', 'EssentialContainerExited', deps);
    return;
  }
  forget(state, task);
}

/** Steps every one-off task of the Region whose next lifecycle step is due, up to `now`. */
export function settleStandaloneTasks(state: RegionState, now: number, deps: RolloutDeps): void {
  for (let task = state.taskSteps.popDue(now); task; task = state.taskSteps.popDue(now)) {
    while (task.nextStepAt <= now) step(state, task, deps);
    state.taskSteps.push(task, task.nextStepAt);
  }
}

/** Live (PENDING or RUNNING) one-off tasks of a cluster, for DeleteCluster and DescribeClusters. */
export function liveStandaloneCounts(tasks: ReadonlyMap<string, StandaloneTaskRecord> | undefined): { running: number; pending: number } {
  let running = 0;
  let pending = 0;
  for (const t of tasks?.values() ?? []) {
    if (t.lastStatus === 'RUNNING') running++;
    else if (t.lastStatus === 'PENDING') pending++;
  }
  return { running, pending };
}
