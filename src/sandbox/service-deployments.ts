/**
 * ECS service deployments (docs/ecs-facts.md#service-deployments): every
 * deployment the sandbox starts is recorded with its target and source
 * service revisions, kept per service (newest first, bounded), and served by
 * ListServiceDeployments, DescribeServiceDeployments, StopServiceDeployment
 * and ContinueServiceDeployment. Rolling deployments only report here (the
 * rollout in rollout.ts drives them); staged strategies (BLUE_GREEN, LINEAR,
 * CANARY) are driven by deployment-strategies.ts.
 */
import { SandboxApiError, invalidParameter, serviceNotFound } from './api-error.js';
import { findCluster } from './ecs-clusters.js';
import { beginRollback, abortDeployment } from './deployment-strategies.js';
import { findService, type ServiceOpContext } from './ecs-services.js';
import { epochSeconds, isObject, optNumber, optObject, optString, optStringArray, type Json, type JsonObject } from './json-input.js';
import { paginate } from './pagination.js';
import { circuitBreakerThreshold, deploymentTaskCounts, markBusy } from './rollout.js';
import type {
  DeploymentRecord, DeploymentStrategyName, RegionState, ServiceDeploymentRecord, ServiceDeploymentStatus, ServiceRecord, ServiceRevisionRef,
} from './state.js';

/** Service deployments kept per service; older ones are forgotten (ECS keeps a history; the sandbox bounds it). */
export const SERVICE_DEPLOYMENT_HISTORY = 50;

const STATUSES: ReadonlySet<string> = new Set<ServiceDeploymentStatus>([
  'PENDING', 'IN_PROGRESS', 'SUCCESSFUL', 'STOPPED', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED',
]);
/** Statuses a deployment is still running in: StopServiceDeployment acts only on these (docs/ecs-facts.md). */
const RUNNING_STATUSES: ReadonlySet<ServiceDeploymentStatus> = new Set(['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS']);
const STAGED: ReadonlySet<string> = new Set(['BLUE_GREEN', 'LINEAR', 'CANARY']);

export const serviceDeploymentNotFound = (): SandboxApiError =>
  new SandboxApiError('ServiceDeploymentNotFoundException', 'The service deployment does not exist.');
const conflict = (message: string): SandboxApiError => new SandboxApiError('ConflictException', message);

export function strategyOf(deploymentConfiguration: JsonObject): DeploymentStrategyName {
  const s = deploymentConfiguration.strategy;
  return typeof s === 'string' && STAGED.has(s) ? (s as DeploymentStrategyName) : 'ROLLING';
}

export function isTerminal(status: ServiceDeploymentStatus): boolean {
  return !RUNNING_STATUSES.has(status);
}

/** `ecs-svc/<digits>` -> the service revision ARN whose id is those digits. */
export function serviceRevisionArn(state: RegionState, svc: ServiceRecord, deploymentId: string): string {
  return `arn:aws:ecs:${state.region}:${state.account}:service-revision/${svc.cluster.name}/${svc.name}/${deploymentId.slice(deploymentId.indexOf('/') + 1)}`;
}

export function revisionOf(state: RegionState, svc: ServiceRecord, d: DeploymentRecord): ServiceRevisionRef {
  return { arn: serviceRevisionArn(state, svc, d.id), deploymentId: d.id, taskDefinitionArn: d.taskDefinitionArn };
}

export function currentServiceDeployment(svc: ServiceRecord): ServiceDeploymentRecord | undefined {
  return svc.serviceDeployments?.[0];
}

/**
 * Records the service deployment of a new PRIMARY deployment (called by
 * startDeployment). A deployment still running is superseded: STOPPED.
 */
export function recordServiceDeployment(state: RegionState, svc: ServiceRecord, deployment: DeploymentRecord, now: number, newId: () => string): ServiceDeploymentRecord {
  const list = (svc.serviceDeployments ??= []);
  const previous = list[0];
  if (previous && !isTerminal(previous.status)) {
    previous.status = 'STOPPED';
    previous.statusReason = 'Service deployment superseded by a newer service deployment.';
    previous.stoppedAt = now;
    previous.finishedAt = now;
    previous.updatedAt = now;
  }
  const id = newId().replace(/-/g, '').slice(0, 21);
  const arn = `arn:aws:ecs:${state.region}:${state.account}:service-deployment/${svc.cluster.name}/${svc.name}/${id}`;
  const record: ServiceDeploymentRecord = {
    arn,
    strategy: strategyOf(svc.deploymentConfiguration),
    deploymentConfiguration: structuredClone(svc.deploymentConfiguration),
    createdAt: now,
    startedAt: now,
    updatedAt: now,
    target: revisionOf(state, svc, deployment),
    sources: svc.deployments.filter((d) => d !== deployment).map((d) => revisionOf(state, svc, d)),
    status: 'IN_PROGRESS',
    stageVisit: 0,
    stageHooksStarted: false,
    hooks: [],
    productionWeight: 0,
    testWeight: 0,
  };
  list.unshift(record);
  state.serviceDeploymentIndex.set(arn, svc);
  while (list.length > SERVICE_DEPLOYMENT_HISTORY) {
    const dropped = list.pop();
    if (dropped) state.serviceDeploymentIndex.delete(dropped.arn);
  }
  return record;
}

/** Forgets a service's deployments (the service is purged or replaced). */
export function forgetServiceDeployments(state: RegionState, svc: ServiceRecord): void {
  for (const sd of svc.serviceDeployments ?? []) state.serviceDeploymentIndex.delete(sd.arn);
}

/**
 * A StopServiceDeployment (ROLLBACK) leaves the deployment ROLLBACK_REQUESTED
 * until the service's next scheduler step after the stop; from then on the
 * rollback is under way: ROLLBACK_IN_PROGRESS. The rolling scheduler stamps
 * every deployment it steps with the step's time, so the deployment rolled
 * back to tells whether that step has run. Applied before a deployment is read.
 */
function noteRollbackStarted(svc: ServiceRecord, sd: ServiceDeploymentRecord): void {
  if (sd.status !== 'ROLLBACK_REQUESTED' || sd.stoppedAt === undefined) return;
  const back = svc.deployments.find((d) => d.id === sd.rollbackDeploymentId);
  if (!back || back.updatedAt <= sd.stoppedAt) return;
  sd.status = 'ROLLBACK_IN_PROGRESS';
  sd.updatedAt = back.updatedAt;
}

/** A PRIMARY deployment reached COMPLETED: its service deployment succeeded, or the rollback it carried out did. */
export function serviceDeploymentCompleted(svc: ServiceRecord, deployment: DeploymentRecord, t: number): void {
  for (const sd of svc.serviceDeployments ?? []) {
    if (sd.status === 'IN_PROGRESS' && sd.target.deploymentId === deployment.id) {
      sd.status = 'SUCCESSFUL';
      sd.statusReason = 'Service deployment completed successfully.';
    } else if ((sd.status === 'ROLLBACK_IN_PROGRESS' || sd.status === 'ROLLBACK_REQUESTED') && sd.rollbackDeploymentId === deployment.id) {
      sd.status = 'ROLLBACK_SUCCESSFUL';
    } else {
      continue;
    }
    sd.finishedAt = t;
    sd.updatedAt = t;
    return;
  }
}

/**
 * The circuit breaker failed `failed`: its service deployment rolls back to
 * `rollback` (ROLLBACK_IN_PROGRESS) or, without rollback, stops (STOPPED).
 */
export function serviceDeploymentBreakerFired(state: RegionState, svc: ServiceRecord, failed: DeploymentRecord, rollback: DeploymentRecord | undefined, t: number): void {
  const sd = svc.serviceDeployments?.find((x) => x.target.deploymentId === failed.id);
  if (!sd || isTerminal(sd.status)) return;
  sd.circuitBreakerTriggered = true;
  sd.updatedAt = t;
  if (rollback) {
    const reason = 'Circuit breaker initiated rollback: tasks failed to start.';
    sd.status = 'ROLLBACK_IN_PROGRESS';
    sd.statusReason = reason;
    sd.rollback = { reason, startedAt: t, serviceRevisionArn: serviceRevisionArn(state, svc, rollback.id) };
    sd.rollbackDeploymentId = rollback.id;
  } else {
    sd.status = 'STOPPED';
    sd.statusReason = 'ECS deployment circuit breaker: tasks failed to start.';
    sd.stoppedAt = t;
    sd.finishedAt = t;
  }
}

// ---- views ----

/** Which traffic a revision is asked to take: the target's, the first source's (blue: the rest), or none. */
type RevisionRole = 'target' | 'blue' | 'draining';

function revisionSummary(svc: ServiceRecord, sd: ServiceDeploymentRecord, ref: ServiceRevisionRef, role: RevisionRole): JsonObject {
  const { running, pending } = deploymentTaskCounts(svc, ref.deploymentId);
  const deployment = svc.deployments.find((d) => d.id === ref.deploymentId);
  const out: JsonObject = {
    arn: ref.arn,
    requestedTaskCount: deployment ? deployment.desiredCount : 0,
    runningTaskCount: running,
    pendingTaskCount: pending,
  };
  if (sd.strategy !== 'ROLLING') {
    out.requestedTestTrafficWeight = role === 'target' ? sd.testWeight : role === 'blue' ? 100 - sd.testWeight : 0;
    out.requestedProductionTrafficWeight = role === 'target' ? sd.productionWeight : role === 'blue' ? 100 - sd.productionWeight : 0;
  }
  return out;
}

function breakerView(sd: ServiceDeploymentRecord, svc: ServiceRecord): JsonObject {
  const cb = isObject(sd.deploymentConfiguration.deploymentCircuitBreaker) ? sd.deploymentConfiguration.deploymentCircuitBreaker : {};
  const enabled = cb.enable === true;
  const status = sd.circuitBreakerTriggered ? 'TRIGGERED' : !enabled ? 'DISABLED' : isTerminal(sd.status) ? 'MONITORING_COMPLETE' : 'MONITORING';
  const target = svc.deployments.find((d) => d.id === sd.target.deploymentId);
  const out: JsonObject = { status };
  if (enabled) {
    out.failureCount = target?.failedTasks ?? 0;
    out.threshold = circuitBreakerThreshold(target?.desiredCount ?? svc.desiredCount);
  }
  return out;
}

export function serviceDeploymentView(svc: ServiceRecord, sd: ServiceDeploymentRecord): JsonObject {
  const view: JsonObject = {
    serviceDeploymentArn: sd.arn,
    serviceArn: svc.arn,
    clusterArn: svc.cluster.arn,
    createdAt: epochSeconds(sd.createdAt),
    startedAt: epochSeconds(sd.startedAt),
    updatedAt: epochSeconds(sd.updatedAt),
  };
  if (sd.finishedAt !== undefined) view.finishedAt = epochSeconds(sd.finishedAt);
  if (sd.stoppedAt !== undefined) view.stoppedAt = epochSeconds(sd.stoppedAt);
  // The first source is the revision serving production (blue); others only drain.
  view.sourceServiceRevisions = sd.sources.map((ref, i) => revisionSummary(svc, sd, ref, i === 0 ? 'blue' : 'draining'));
  view.targetServiceRevision = revisionSummary(svc, sd, sd.target, 'target');
  view.status = sd.status;
  if (sd.statusReason) view.statusReason = sd.statusReason;
  if (sd.lifecycleStage) view.lifecycleStage = sd.lifecycleStage;
  if (sd.hooks.length > 0) {
    view.lifecycleHookDetails = sd.hooks.map((h) => {
      const detail: JsonObject = { hookId: h.hookId, targetType: h.targetType, status: h.status, expiresAt: epochSeconds(h.expiresAt), timeoutAction: h.timeoutAction };
      if (h.targetArn !== undefined) detail.targetArn = h.targetArn;
      return detail;
    });
  }
  view.deploymentConfiguration = sd.deploymentConfiguration;
  if (sd.rollback) {
    view.rollback = { reason: sd.rollback.reason, startedAt: epochSeconds(sd.rollback.startedAt), serviceRevisionArn: sd.rollback.serviceRevisionArn };
  }
  view.deploymentCircuitBreaker = breakerView(sd, svc);
  return view;
}

function briefView(svc: ServiceRecord, sd: ServiceDeploymentRecord): JsonObject {
  const view: JsonObject = {
    serviceDeploymentArn: sd.arn,
    serviceArn: svc.arn,
    clusterArn: svc.cluster.arn,
    startedAt: epochSeconds(sd.startedAt),
    createdAt: epochSeconds(sd.createdAt),
  };
  if (sd.finishedAt !== undefined) view.finishedAt = epochSeconds(sd.finishedAt);
  view.targetServiceRevisionArn = sd.target.arn;
  view.status = sd.status;
  if (sd.statusReason) view.statusReason = sd.statusReason;
  return view;
}

/** DescribeServices' currentServiceRevisions: one per deployment the service still runs. */
export function currentServiceRevisions(state: RegionState, svc: ServiceRecord): Json[] {
  return svc.deployments.map((d) => {
    const { running, pending } = deploymentTaskCounts(svc, d.id);
    return { arn: serviceRevisionArn(state, svc, d.id), requestedTaskCount: d.desiredCount, runningTaskCount: running, pendingTaskCount: pending };
  });
}

// ---- operations ----

function lookup(ctx: ServiceOpContext, arn: string): { svc: ServiceRecord; sd: ServiceDeploymentRecord } {
  const svc = ctx.state.serviceDeploymentIndex.get(arn);
  const sd = svc?.serviceDeployments?.find((x) => x.arn === arn);
  if (!svc || !sd) throw serviceDeploymentNotFound();
  return { svc, sd };
}

/** Epoch seconds (the AWS JSON wire form of a timestamp) -> ms; undefined when absent. */
function timestampMs(input: JsonObject, field: string): number | undefined {
  const v = optNumber(input, field);
  return v === undefined ? undefined : v * 1000;
}

export function listServiceDeployments(ctx: ServiceOpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const id = optString(input, 'service');
  if (!id) throw invalidParameter('service can not be blank.');
  const cluster = findCluster(ctx.state, optString(input, 'cluster'));
  const svc = findService(cluster, id);
  if (!svc) throw serviceNotFound();
  const statuses = optStringArray(input, 'status');
  for (const s of statuses ?? []) if (!STATUSES.has(s)) throw invalidParameter(`Invalid status: ${s}`);
  for (const sd of svc.serviceDeployments ?? []) noteRollbackStarted(svc, sd);
  const created = optObject(input, 'createdAt') ?? {};
  const before = timestampMs(created, 'before');
  const after = timestampMs(created, 'after');
  const matching = (svc.serviceDeployments ?? []).filter((sd) =>
    (!statuses || statuses.length === 0 || statuses.includes(sd.status))
    && (before === undefined || sd.createdAt < before)
    && (after === undefined || sd.createdAt > after));
  const page = paginate('ListServiceDeployments', matching, optNumber(input, 'maxResults'), optString(input, 'nextToken'), { min: 1, max: 100, default: 20 });
  const out: JsonObject = { serviceDeployments: page.items.map((sd) => briefView(svc, sd)) };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}

export function describeServiceDeployments(ctx: ServiceOpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const arns = optStringArray(input, 'serviceDeploymentArns');
  if (!arns || arns.length === 0) throw invalidParameter('serviceDeploymentArns can not be empty.');
  if (arns.length > 20) throw invalidParameter('serviceDeploymentArns can have at most 20 items.');
  const serviceDeployments: JsonObject[] = [];
  const failures: JsonObject[] = [];
  for (const arn of arns) {
    const svc = ctx.state.serviceDeploymentIndex.get(arn);
    const sd = svc?.serviceDeployments?.find((x) => x.arn === arn);
    if (svc && sd) noteRollbackStarted(svc, sd);
    if (svc && sd) serviceDeployments.push(serviceDeploymentView(svc, sd));
    else failures.push({ arn, reason: 'MISSING' });
  }
  return { serviceDeployments, failures };
}

export function stopServiceDeployment(ctx: ServiceOpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const arn = optString(input, 'serviceDeploymentArn');
  if (!arn) throw invalidParameter('serviceDeploymentArn can not be blank.');
  const stopType = optString(input, 'stopType') ?? 'ROLLBACK';
  if (stopType !== 'ROLLBACK' && stopType !== 'ABORT') throw invalidParameter(`Invalid stopType: ${stopType}. Valid values: ABORT | ROLLBACK`);
  const { svc, sd } = lookup(ctx, arn);
  if (isTerminal(sd.status)) {
    throw conflict(`The service deployment ${arn} is ${sd.status}: only a deployment that is still in progress can be stopped.`);
  }
  // Already stopping or rolling back: ECS carries on with it (docs/ecs-facts.md#service-deployments).
  if (sd.status === 'IN_PROGRESS' || sd.status === 'PENDING') {
    if (stopType === 'ROLLBACK') {
      beginRollback(ctx.state, svc, sd, ctx.now, ctx.rollout, 'Service deployment rolled back by StopServiceDeployment.');
      // A user stopped it: ROLLBACK_REQUESTED with stoppedAt, as ECS reports it ("the service deployment stops
      // when ... a user manually stops the deployment"); a rollback the breaker or a hook started has neither.
      // beginRollback changed the status (ROLLBACK_FAILED when there is nothing to go back to).
      if ((sd.status as ServiceDeploymentStatus) === 'ROLLBACK_IN_PROGRESS') {
        sd.status = 'ROLLBACK_REQUESTED';
        sd.stoppedAt = ctx.now;
      }
    } else {
      abortDeployment(ctx.state, svc, sd, ctx.now, ctx.rollout, 'Service deployment stopped by StopServiceDeployment (ABORT).');
    }
    markBusy(ctx.state, svc, ctx.now);
  }
  return { serviceDeploymentArn: arn };
}

export function continueServiceDeployment(ctx: ServiceOpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const arn = optString(input, 'serviceDeploymentArn');
  if (!arn) throw invalidParameter('serviceDeploymentArn can not be blank.');
  const hookId = optString(input, 'hookId');
  if (!hookId) throw invalidParameter('hookId can not be blank.');
  const action = optString(input, 'action') ?? 'CONTINUE';
  if (action !== 'CONTINUE' && action !== 'ROLLBACK') throw invalidParameter(`Invalid action: ${action}. Valid values: CONTINUE | ROLLBACK`);
  const { svc, sd } = lookup(ctx, arn);
  const hook = sd.hooks.find((h) => h.hookId === hookId);
  if (!hook) throw invalidParameter(`The lifecycle hook ${hookId} does not belong to service deployment ${arn}.`);
  if (hook.status !== 'AWAITING_ACTION' || sd.status !== 'IN_PROGRESS') {
    throw invalidParameter(`The lifecycle hook ${hookId} is ${hook.status}, not AWAITING_ACTION: there is nothing to continue.`);
  }
  if (action === 'CONTINUE') {
    hook.status = 'SUCCEEDED';
  } else {
    hook.status = 'FAILED';
    beginRollback(ctx.state, svc, sd, ctx.now, ctx.rollout, `ContinueServiceDeployment asked for a rollback at lifecycle stage ${hook.stage} (PAUSE hook ${hookId}).`);
  }
  sd.updatedAt = ctx.now;
  markBusy(ctx.state, svc, ctx.now);
  return { serviceDeploymentArn: arn };
}
