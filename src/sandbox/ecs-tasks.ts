/** ECS task reads: ListTasks and DescribeTasks over the tasks the rollout simulation started. */
import { invalidParameter, serviceNotFound } from './api-error.js';
import { nameFromIdentifier } from './arn.js';
import { findCluster } from './ecs-clusters.js';
import { epochSeconds, optNumber, optString, optStringArray, type JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import { paginate } from './pagination.js';
import type { ClusterRecord, ServiceRecord, TaskRecord } from './state.js';

function taskView(ctx: OpContext, cluster: ClusterRecord, svc: ServiceRecord, t: TaskRecord): JsonObject {
  const view: JsonObject = {
    taskArn: t.arn,
    clusterArn: cluster.arn,
    taskDefinitionArn: t.taskDefinitionArn,
    lastStatus: t.lastStatus,
    desiredStatus: t.desiredStatus,
    group: `service:${svc.name}`,
    startedBy: t.deploymentId,
    createdAt: epochSeconds(t.createdAt),
    version: t.lastStatus === 'PENDING' ? 1 : t.lastStatus === 'RUNNING' ? 2 : 3,
    availabilityZone: `${ctx.state.region}a`,
    containers: t.containers.map((c, i) => {
      const container: JsonObject = { name: c.name, image: c.image, taskArn: t.arn, lastStatus: t.lastStatus };
      const digest = t.imageDigests?.[i];
      if (digest) container.imageDigest = digest;
      if (t.exitCode !== undefined) container.exitCode = t.exitCode;
      if (t.failure && t.lastStatus === 'STOPPED') container.reason = t.failure.reason;
      return container;
    }),
    tags: [],
  };
  if (t.launchType) view.launchType = t.launchType;
  if (t.cpu) view.cpu = t.cpu;
  if (t.memory) view.memory = t.memory;
  if (t.startedAt !== undefined) view.startedAt = epochSeconds(t.startedAt);
  if (t.stoppedAt !== undefined) view.stoppedAt = epochSeconds(t.stoppedAt);
  if (t.stoppedReason) view.stoppedReason = t.stoppedReason;
  if (t.stopCode) view.stopCode = t.stopCode;
  return view;
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
  let services: ServiceRecord[];
  if (serviceName !== undefined) {
    const svc = cluster.services.get(nameFromIdentifier(serviceName));
    if (!svc) throw serviceNotFound();
    services = [svc];
  } else services = [...cluster.services.values()];
  const arns: string[] = [];
  for (const svc of services) {
    for (const t of svc.tasks.values()) {
      const wanted = desiredStatus === 'STOPPED' ? t.desiredStatus === 'STOPPED' : t.desiredStatus === 'RUNNING';
      if (!wanted) continue;
      if (family && !t.taskDefinitionArn.includes(`:task-definition/${family}:`)) continue;
      if (startedBy && t.deploymentId !== startedBy) continue;
      if (launchType && t.launchType !== launchType) continue;
      arns.push(t.arn);
    }
  }
  const page = paginate('ListTasks', arns, optNumber(input, 'maxResults'), optString(input, 'nextToken'), { min: 1, max: 100, default: 100 });
  return page.nextToken ? { taskArns: page.items, nextToken: page.nextToken } : { taskArns: page.items };
}

export function describeTasks(ctx: OpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const cluster = findCluster(ctx.state, optString(input, 'cluster'));
  const ids = optStringArray(input, 'tasks');
  if (!ids || ids.length === 0) throw invalidParameter('Tasks cannot be empty.');
  if (ids.length > 100) throw invalidParameter('tasks can have at most 100 items.');
  const tasks: JsonObject[] = [];
  const failures: JsonObject[] = [];
  for (const id of ids) {
    const arn = id.startsWith('arn:') ? id : `arn:aws:ecs:${ctx.state.region}:${ctx.state.account}:task/${cluster.name}/${id}`;
    const svc = ctx.state.taskIndex.get(arn);
    const task = svc?.cluster === cluster ? svc.tasks.get(nameFromIdentifier(arn)) : undefined;
    if (svc && task) tasks.push(taskView(ctx, cluster, svc, task));
    else failures.push({ arn, reason: 'MISSING' });
  }
  return { tasks, failures };
}
