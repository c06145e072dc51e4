/**
 * ECS task reads: ListTasks and DescribeTasks over the tasks services run
 * (rollout.ts) and the one-off tasks RunTask and schedule firings start
 * (ecs-run-task.ts), and the task views they share with RunTask/StopTask.
 */
import { invalidParameter, serviceNotFound } from './api-error.js';
import { nameFromIdentifier, taskArn } from './arn.js';
import { findCluster } from './ecs-clusters.js';
import { epochSeconds, optNumber, optString, optStringArray, type JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import { paginate } from './pagination.js';
import type { ClusterRecord, ServiceRecord, StandaloneTaskRecord, TaskRecord } from './state.js';
import { tagList } from './tags.js';

function version(t: TaskRecord): number {
  return t.lastStatus === 'PENDING' ? 1 : t.lastStatus === 'RUNNING' ? 2 : 3;
}

function commonFields(t: TaskRecord, view: JsonObject): void {
  if (t.launchType) view.launchType = t.launchType;
  if (t.cpu) view.cpu = t.cpu;
  if (t.memory) view.memory = t.memory;
  if (t.startedAt !== undefined) view.startedAt = epochSeconds(t.startedAt);
  if (t.stoppedAt !== undefined) {
    view.stoppingAt = epochSeconds(t.stoppedAt);
    view.executionStoppedAt = epochSeconds(t.stoppedAt);
    view.stoppedAt = epochSeconds(t.stoppedAt);
  }
  if (t.stoppedReason) view.stoppedReason = t.stoppedReason;
  if (t.stopCode) view.stopCode = t.stopCode;
}

/** A task of a service, as DescribeTasks returns it. */
export function serviceTaskView(ctx: OpContext, cluster: ClusterRecord, svc: ServiceRecord, t: TaskRecord, includeTags = false): JsonObject {
  const view: JsonObject = {
    taskArn: t.arn,
    clusterArn: cluster.arn,
    taskDefinitionArn: t.taskDefinitionArn,
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    group: `service:${svc.name}`,
    startedBy: t.deploymentId,
    createdAt: epochSeconds(t.createdAt),
    version: version(t),
    availabilityZone: `${ctx.state.region}a`,
    containers: t.containers.map((c, i) => {
      const container: JsonObject = { name: c.name, image: c.image, taskArn: t.arn, lastStatus: t.lastStatus };
      const digest = t.imageDigests?.[i];
      if (digest) container.imageDigest = digest;
      if (t.exitCode !== undefined) container.exitCode = t.exitCode;
      if (t.failure && t.lastStatus === 'STOPPED') container.reason = t.failure.reason;
      return container;
    }),
    tags: includeTags ? tagList(ctx.state, t.arn) : [],
  };
  commonFields(t, view);
  return view;
}

/** A one-off task (RunTask, a schedule firing), as DescribeTasks, RunTask and StopTask return it. */
export function standaloneTaskView(ctx: OpContext, t: StandaloneTaskRecord, includeTags = false): JsonObject {
  const view: JsonObject = {
    taskArn: t.arn,
    clusterArn: t.cluster.arn,
    taskDefinitionArn: t.taskDefinitionArn,
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    group: t.group,
    createdAt: epochSeconds(t.createdAt),
    version: version(t),
    availabilityZone: `${ctx.state.region}a`,
    overrides: t.overrides,
    enableExecuteCommand: t.enableExecuteCommand,
    containers: t.containers.map((c, i) => {
      const container: JsonObject = { name: c.name, image: c.image, taskArn: t.arn, lastStatus: t.lastStatus, essential: t.essential[i] ?? true };
      const digest = t.imageDigests?.[i];
      if (digest) container.imageDigest = digest;
      const exitCode = t.containerExitCodes?.[i];
      if (exitCode !== undefined) container.exitCode = exitCode;
      if (t.failure && t.lastStatus === 'STOPPED') container.reason = t.failure.reason;
      return container;
    }),
    tags: includeTags ? tagList(ctx.state, t.arn) : [],
  };
  if (t.startedBy !== undefined) view.startedBy = t.startedBy;
  if (t.capacityProviderName) view.capacityProviderName = t.capacityProviderName;
  if (t.platformVersion) view.platformVersion = t.platformVersion;
  if (t.platformFamily) view.platformFamily = t.platformFamily;
  commonFields(t, view);
  return view;
}

function matchesStatus(t: TaskRecord, desiredStatus: string): boolean {
  return desiredStatus === 'STOPPED' ? t.desiredStatus === 'STOPPED' : t.desiredStatus === 'RUNNING';
}

export function listTasks(ctx: OpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const cluster = findCluster(ctx.state, optString(input, 'cluster'));
  const serviceName = optString(input, 'serviceName');
  const family = optString(input, 'family');
  const desiredStatus = optString(input, 'desiredStatus') ?? 'RUNNING';
  if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus)) throw invalidParameter(`Invalid desiredStatus: ${desiredStatus}`);
  const startedBy = optString(input, 'startedBy');
  const launchType = optString(input, 'launchType');
  // ECS's ListTasks reference: "When you specify startedBy as the filter, it must be the only filter that you
  // use." desiredStatus is not a filter in that sense: ECS finds stopped tasks by startedBy with it
  // (docs/ecs-facts.md, "ListTasks startedBy").
  if (startedBy !== undefined) {
    const others = (['family', 'serviceName', 'containerInstance', 'launchType'] as const).filter((name) => optString(input, name) !== undefined);
    if (others.length > 0) throw invalidParameter(`startedBy must be the only filter when listing tasks (also given: ${others.join(', ')})`);
  }
  let services: ServiceRecord[];
  if (serviceName !== undefined) {
    const svc = cluster.services.get(nameFromIdentifier(serviceName));
    if (!svc) throw serviceNotFound();
    services = [svc];
  } else services = [...cluster.services.values()];
  const familyPart = family === undefined ? undefined : `:task-definition/${family}:`;
  const arns: string[] = [];
  for (const svc of services) {
    for (const t of svc.tasks.values()) {
      if (!matchesStatus(t, desiredStatus)) continue;
      if (familyPart && !t.taskDefinitionArn.includes(familyPart)) continue;
      if (startedBy && t.deploymentId !== startedBy) continue;
      if (launchType && t.launchType !== launchType) continue;
      arns.push(t.arn);
    }
  }
  // One-off tasks belong to no service: a serviceName filter leaves them out.
  if (serviceName === undefined) {
    for (const t of cluster.standaloneTasks?.values() ?? []) {
      if (!matchesStatus(t, desiredStatus)) continue;
      if (familyPart && !t.taskDefinitionArn.includes(familyPart)) continue;
      if (startedBy && t.startedBy !== startedBy) continue;
      if (launchType && t.launchType !== launchType) continue;
      arns.push(t.arn);
    }
  }
  const page = paginate('ListTasks', arns, optNumber(input, 'maxResults'), optString(input, 'nextToken'), { min: 1, max: 100, default: 100 });
  return page.nextToken ? { taskArns: page.items, nextToken: page.nextToken } : { taskArns: page.items };
}

/** The task an id or ARN names in `cluster`: a service's or a one-off one. */
export function findTask(ctx: OpContext, cluster: ClusterRecord, id: string):
  | { kind: 'service'; arn: string; svc: ServiceRecord; task: TaskRecord }
  | { kind: 'standalone'; arn: string; task: StandaloneTaskRecord }
  | { kind: 'missing'; arn: string } {
  const arn = id.startsWith('arn:') ? id : taskArn(ctx.state.region, ctx.state.account, cluster.name, id);
  const standalone = ctx.state.standaloneTaskIndex.get(arn);
  if (standalone && standalone.cluster === cluster) return { kind: 'standalone', arn, task: standalone };
  const svc = ctx.state.taskIndex.get(arn);
  const task = svc?.cluster === cluster ? svc.tasks.get(nameFromIdentifier(arn)) : undefined;
  if (svc && task) return { kind: 'service', arn, svc, task };
  return { kind: 'missing', arn };
}

export function describeTasks(ctx: OpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const cluster = findCluster(ctx.state, optString(input, 'cluster'));
  const ids = optStringArray(input, 'tasks');
  if (!ids || ids.length === 0) throw invalidParameter('Tasks cannot be empty.');
  if (ids.length > 100) throw invalidParameter('tasks can have at most 100 items.');
  const includeTags = (optStringArray(input, 'include') ?? []).includes('TAGS');
  const tasks: JsonObject[] = [];
  const failures: JsonObject[] = [];
  for (const id of ids) {
    const found = findTask(ctx, cluster, id);
    if (found.kind === 'service') tasks.push(serviceTaskView(ctx, cluster, found.svc, found.task, includeTags));
    else if (found.kind === 'standalone') tasks.push(standaloneTaskView(ctx, found.task, includeTags));
    else failures.push({ arn: found.arn, reason: 'MISSING' });
  }
  return { tasks, failures };
}
