/**
 * Health from live ECS state, judged as docs/ecs-facts.md#deployments-and-rollouts says: from the
 * PRIMARY deployment's rolloutState and its task definition, never from
 * running == desired (the SDK's services-stable waiter calls a rolled-back
 * deployment "stable"). Where ECS exposes the rollout as a service deployment
 * (DescribeServiceDeployments, docs/deployments.md), a followed rollout is
 * judged from that instead: its status is exact (a rollback is
 * ROLLBACK_SUCCESSFUL, not a guess from which task definition is PRIMARY), and
 * it names the lifecycle stage, the hooks and what triggered a rollback.
 * Pure: no IO, no clock.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { DeploymentStrategy, HealthStatus, RolloutStatus } from './status.js';

/** A rollout the controller started and is following. */
export interface WatchedRollout {
  /** Task definition ARN the applied update asked for. */
  readonly taskDefinitionArn: string;
  /** Git revision applied. */
  readonly revision: string;
  /** DesiredService.contentHash of the manifest applied. */
  readonly contentHash: string;
  /** Clock time the update was applied (ms). */
  readonly startedAt: number;
  /**
   * The service deployment the update started (CreateService/UpdateService's
   * `service.currentServiceDeployment`, else DescribeServices' once the
   * PRIMARY runs the watched task definition); absent where ECS has no
   * deployments API: the rolloutState path judges the rollout.
   */
  readonly serviceDeploymentArn?: string;
  /** The lifecycle stage seen last and the clock time (ms) it was first seen: bake time remaining. */
  readonly stage?: { readonly name: string; readonly since: number };
  /** The hook seen awaiting action and the clock time (ms) it was first seen so. */
  readonly waiting?: { readonly hookId: string; readonly stage: string; readonly since: number };
  /**
   * Since when (clock ms) a lifecycle hook has held the deployment: one
   * awaiting action (a PAUSE hook) or a Lambda hook answering IN_PROGRESS.
   * ECS ends such a wait (ContinueServiceDeployment, the hook's answer or its
   * timeoutConfiguration), so the rollout timeout does not run meanwhile.
   */
  readonly heldSince?: number;
  /** Clock time (ms) spent in hook waits that have ended: not counted against the rollout timeout. */
  readonly pausedMs?: number;
  /** A poll saw the deployment ROLLBACK_REQUESTED: a StopServiceDeployment asked for its rollback. */
  readonly sawRollbackRequested?: boolean;
  /**
   * ECS's id (ecs-svc/…) of the deployment running the watched task definition,
   * once a pass saw it PRIMARY: kept, because after a rollback the service no
   * longer lists it, and the rollout's result still names it (status.rollout.deploymentId).
   */
  readonly deploymentId?: string;
}

export type RolloutOutcome = 'in_progress' | 'completed' | 'failed' | 'rolled_back';

export interface RolloutAssessment {
  readonly health: HealthStatus;
  /** Outcome of the watched rollout, when one was given. */
  readonly outcome?: RolloutOutcome;
  /** Human-readable reason (ECS's rolloutStateReason or our words). */
  readonly reason?: string;
  /**
   * A service deployment rolled back by StopServiceDeployment (`ecs-gitops
   * rollback`): ECS's positive signal (stoppedAt set, or a poll saw
   * ROLLBACK_REQUESTED) and no circuit breaker, alarm or hook having triggered.
   */
  readonly rolledBackByHand?: boolean;
}

export function primaryDeployment(service: ECS.Service | undefined): ECS.Deployment | undefined {
  return service?.deployments?.find((d) => d.status === 'PRIMARY');
}

function latestEvent(service: ECS.Service): string | undefined {
  return service.events?.[0]?.message;
}

/**
 * Health of `service`; with `watched`, also whether the rollout the controller
 * started has finished, failed, or been rolled back by the circuit breaker.
 */
export function assessRollout(service: ECS.Service | undefined, watched?: WatchedRollout): RolloutAssessment {
  if (!service || service.status === 'INACTIVE') return { health: 'Missing', ...(watched ? { outcome: 'failed', reason: 'the service disappeared during the rollout' } : {}) };
  if (service.status === 'DRAINING') return { health: 'Missing', reason: 'the service is draining' };
  const primary = primaryDeployment(service);
  if (!primary) return { health: 'Unknown', reason: 'ECS reports no PRIMARY deployment' };
  // Zero desired tasks means "scaled to zero" only for REPLICA services. A DAEMON
  // service's desired count is ECS's count of container instances it places on
  // (docs/ecs-facts.md#daemon-services): 0 on a cluster without instances is
  // the service doing what it should, judged by its deployment like any other.
  if ((service.desiredCount ?? 0) === 0 && service.schedulingStrategy !== 'DAEMON' && primary.rolloutState !== 'FAILED') {
    return { health: 'Suspended', ...(watched ? { outcome: 'completed' } : {}) };
  }

  if (watched && primary.taskDefinition !== watched.taskDefinitionArn) {
    // Our deployment is no longer PRIMARY: either the circuit breaker rolled
    // back to an older deployment, or something else deployed over it.
    const ours = service.deployments?.find((d) => d.taskDefinition === watched.taskDefinitionArn);
    const reason = ours?.rolloutStateReason ?? latestEvent(service) ?? 'another deployment replaced the one applied';
    return { health: 'Degraded', outcome: 'rolled_back', reason: `rolled back: ${reason}` };
  }

  const reason = primary.rolloutStateReason;
  switch (primary.rolloutState) {
    case 'FAILED':
      return { health: 'Degraded', ...(watched ? { outcome: 'failed' } : {}), reason: reason ?? latestEvent(service) ?? 'deployment failed' };
    case 'IN_PROGRESS':
      return { health: 'Progressing', ...(watched ? { outcome: 'in_progress' } : {}), ...(reason ? { reason } : {}) };
    case 'COMPLETED':
      return { health: 'Healthy', ...(watched ? { outcome: 'completed' } : {}) };
    default: {
      // Deployment controllers other than ECS report no rolloutState: fall back to counts.
      const settled = (primary.runningCount ?? 0) >= (primary.desiredCount ?? 0) && (service.deployments?.length ?? 0) === 1;
      return { health: settled ? 'Healthy' : 'Progressing', ...(watched ? { outcome: settled ? 'completed' : 'in_progress' } : {}) };
    }
  }
}

/** The hook a deployment waits on (a PAUSE hook, or one answering IN_PROGRESS past its call) until ContinueServiceDeployment. */
export function awaitingHook(deployment: ECS.ServiceDeployment): ECS.DeploymentLifecycleHookDetail | undefined {
  return deployment.lifecycleHookDetails?.find((h) => h.status === 'AWAITING_ACTION');
}

/**
 * A hook holding a running deployment: awaiting action, or a Lambda hook
 * that answered IN_PROGRESS (ECS invokes it again until it answers or its
 * timeout runs out, docs/ecs-facts.md). Either way ECS, not the rollout's
 * progress, decides when the wait ends.
 */
export function holdingHook(deployment: ECS.ServiceDeployment): ECS.DeploymentLifecycleHookDetail | undefined {
  if (deployment.status !== 'PENDING' && deployment.status !== 'IN_PROGRESS') return undefined;
  return deployment.lifecycleHookDetails?.find((h) => h.status === 'AWAITING_ACTION' || h.status === 'IN_PROGRESS');
}

/** LinearConfiguration and CanaryConfiguration defaults (docs/ecs-facts.md, "Deployment strategies"). */
const LINEAR_DEFAULTS = { stepPercent: 10, stepBakeTimeInMinutes: 6 } as const;
const CANARY_DEFAULTS = { canaryBakeTimeInMinutes: 10 } as const;

/**
 * The waits ECS itself puts into a deployment of `configuration` (ms):
 * bakeTimeInMinutes, and for LINEAR a stepBakeTimeInMinutes per step of
 * stepPercent (counted for every step: a bound, not a forecast), for CANARY
 * the canaryBakeTimeInMinutes. The rollout timeout runs on top of them.
 */
export function plannedBakeMs(configuration: ECS.DeploymentConfiguration | undefined): number {
  const minutes = (value: number | undefined, fallback: number) => (value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback);
  let total = minutes(configuration?.bakeTimeInMinutes, 0);
  const strategy = strategyOf(configuration);
  if (strategy === 'LINEAR') {
    const linear = configuration?.linearConfiguration;
    const stepPercent = minutes(linear?.stepPercent, LINEAR_DEFAULTS.stepPercent);
    const steps = stepPercent > 0 ? Math.ceil(100 / stepPercent) : 1;
    total += steps * minutes(linear?.stepBakeTimeInMinutes, LINEAR_DEFAULTS.stepBakeTimeInMinutes);
  }
  if (strategy === 'CANARY') total += minutes(configuration?.canaryConfiguration?.canaryBakeTimeInMinutes, CANARY_DEFAULTS.canaryBakeTimeInMinutes);
  return total * 60_000;
}

/** How long (ms) the watched rollout has run by `now`, without the time hooks held it; undefined while a hook holds it. */
export function activeRolloutMs(watch: WatchedRollout, now: number): number | undefined {
  if (watch.heldSince !== undefined) return undefined;
  return now - watch.startedAt - (watch.pausedMs ?? 0);
}

function failedHook(deployment: ECS.ServiceDeployment): ECS.DeploymentLifecycleHookDetail | undefined {
  return deployment.lifecycleHookDetails?.find((h) => h.status === 'FAILED' || h.status === 'TIMED_OUT');
}

function hookName(hook: ECS.DeploymentLifecycleHookDetail): string {
  return hook.targetType === 'PAUSE' || !hook.targetArn ? `${hook.targetType ?? 'hook'} ${hook.hookId ?? ''}`.trim() : hook.targetArn;
}

/**
 * Why a service deployment rolls back, and whether anything in ECS triggered
 * it: a failed or timed-out lifecycle hook (named with its stage), the
 * circuit breaker, CloudWatch alarms. Nothing triggered is not proof of a
 * StopServiceDeployment: assessServiceDeployment asks for ECS's signal too.
 */
function rollbackCause(deployment: ECS.ServiceDeployment): { readonly text: string; readonly triggered: boolean } {
  const ecsSays = deployment.rollback?.reason ?? deployment.statusReason;
  const parts: string[] = [];
  const hook = failedHook(deployment);
  if (hook) {
    const how = hook.status === 'TIMED_OUT' ? 'timed out' : 'failed';
    const named = hook.targetArn ?? hook.hookId ?? '';
    // ECS's own reason names the stage it failed at; the stage reported now may be a later one.
    parts.push(ecsSays && named && ecsSays.includes(named) ? ecsSays
      : `lifecycle hook ${hookName(hook)} ${how}${deployment.lifecycleStage ? ` at ${deployment.lifecycleStage}` : ''}${ecsSays ? `: ${ecsSays}` : ''}`);
  }
  const breaker = deployment.deploymentCircuitBreaker;
  if (breaker?.status === 'TRIGGERED') parts.push(`the deployment circuit breaker triggered${breaker.failureCount !== undefined ? ` (${breaker.failureCount} failed tasks)` : ''}`);
  const alarms = deployment.alarms;
  if (alarms?.status === 'TRIGGERED') parts.push(`CloudWatch alarm${(alarms.triggeredAlarmNames?.length ?? 0) === 1 ? '' : 's'} ${(alarms.triggeredAlarmNames ?? []).join(', ') || '(unnamed)'} triggered`);
  if (parts.length > 0) {
    if (!hook && ecsSays) parts.push(ecsSays);
    return { text: parts.join('; '), triggered: true };
  }
  return { text: ecsSays ?? 'stopped with a rollback', triggered: false };
}

/**
 * A followed rollout judged from its service deployment (ECS's deployments
 * API). PENDING and IN_PROGRESS are Progressing (a hook awaiting action:
 * "waiting for approval at STAGE"); a rollback under way is still Progressing;
 * SUCCESSFUL completes it; ROLLBACK_SUCCESSFUL is Degraded and names what
 * triggered it; ROLLBACK_FAILED and STOPPED fail it.
 *
 * Rolled back by hand needs ECS's positive signal, not only the absence of a
 * trigger: a StopServiceDeployment moves the deployment to ROLLBACK_REQUESTED
 * and sets `stoppedAt` ("the service deployment stops when ... a user
 * manually stops the deployment"), while the circuit breaker, alarms and
 * hooks roll back through ROLLBACK_IN_PROGRESS without it (docs/controller.md,
 * "Rolled back by hand"; docs/ecs-facts.md for StopServiceDeployment's statuses).
 * `sawRollbackRequested`: an earlier poll of the followed rollout saw
 * ROLLBACK_REQUESTED. Any other rollback fails the rollout with ECS's reason.
 */
export function assessServiceDeployment(
  deployment: ECS.ServiceDeployment, sawRollbackRequested = false,
): RolloutAssessment & { readonly outcome: RolloutOutcome } {
  switch (deployment.status) {
    case 'SUCCESSFUL':
      return { health: 'Healthy', outcome: 'completed' };
    case 'ROLLBACK_REQUESTED':
    case 'ROLLBACK_IN_PROGRESS':
      return { health: 'Progressing', outcome: 'in_progress', reason: `rolling back: ${rollbackCause(deployment).text}` };
    case 'ROLLBACK_SUCCESSFUL': {
      const cause = rollbackCause(deployment);
      const stopped = deployment.stoppedAt !== undefined || sawRollbackRequested;
      return {
        health: 'Degraded', outcome: 'rolled_back', reason: `rolled back: ${cause.text}`, ...(!cause.triggered && stopped ? { rolledBackByHand: true } : {}),
      };
    }
    case 'ROLLBACK_FAILED':
      return { health: 'Degraded', outcome: 'failed', reason: `the rollback failed: ${deployment.statusReason ?? rollbackCause(deployment).text}` };
    case 'STOPPED':
      return { health: 'Degraded', outcome: 'failed', reason: `the deployment was stopped${deployment.statusReason ? `: ${deployment.statusReason}` : ''}` };
    case 'STOP_REQUESTED':
      return { health: 'Progressing', outcome: 'in_progress', reason: `stopping${deployment.statusReason ? `: ${deployment.statusReason}` : ''}` };
    default: {
      // PENDING, IN_PROGRESS (and any status newer than this code: not finished as far as we know).
      const hook = awaitingHook(deployment);
      if (hook) return { health: 'Progressing', outcome: 'in_progress', reason: `waiting for approval at ${deployment.lifecycleStage ?? 'an unnamed stage'}` };
      return { health: 'Progressing', outcome: 'in_progress', ...(deployment.statusReason ? { reason: deployment.statusReason } : {}) };
    }
  }
}

const iso = (at: Date | number | undefined): string | undefined => (at === undefined ? undefined : new Date(at).toISOString());

/** The strategy a service deploys with (deploymentConfiguration.strategy); ROLLING when it declares none. */
export function strategyOf(configuration: ECS.DeploymentConfiguration | undefined): DeploymentStrategy {
  const strategy = configuration?.strategy;
  return strategy === 'BLUE_GREEN' || strategy === 'LINEAR' || strategy === 'CANARY' ? strategy : 'ROLLING';
}

/**
 * ECS's id of the PRIMARY deployment when it runs the watched task definition,
 * else the one a pass saw before (the watch's).
 */
export function deploymentIdFor(watch: WatchedRollout, service: ECS.Service | undefined): string | undefined {
  const primary = primaryDeployment(service);
  return primary?.id !== undefined && primary.taskDefinition === watch.taskDefinitionArn ? primary.id : watch.deploymentId;
}

/**
 * status.rollout from a service deployment as read this pass. `watch` carries
 * the clock times the controller first saw the current stage and the hook
 * awaiting action (ECS reports neither); `now` is the pass's time (ms).
 */
export function rolloutStatusFromDeployment(deployment: ECS.ServiceDeployment, watch: WatchedRollout, now: number, service?: ECS.Service): RolloutStatus {
  const target = deployment.targetServiceRevision;
  const status: { -readonly [K in keyof RolloutStatus]?: RolloutStatus[K] } = {
    strategy: strategyOf(deployment.deploymentConfiguration),
    source: 'service-deployment',
    state: deployment.status ?? 'UNKNOWN',
    revision: watch.revision,
  };
  if (deployment.serviceDeploymentArn) status.serviceDeploymentArn = deployment.serviceDeploymentArn;
  const deploymentId = deploymentIdFor(watch, service);
  if (deploymentId !== undefined) status.deploymentId = deploymentId;
  if (deployment.lifecycleStage) status.lifecycleStage = deployment.lifecycleStage;
  const startedAt = iso(deployment.startedAt ?? deployment.createdAt);
  if (startedAt) status.startedAt = startedAt;
  const finishedAt = iso(deployment.finishedAt ?? deployment.stoppedAt);
  if (finishedAt) status.finishedAt = finishedAt;
  if (target?.requestedTaskCount !== undefined) status.desiredCount = target.requestedTaskCount;
  if (target?.runningTaskCount !== undefined) status.runningCount = target.runningTaskCount;
  if (target?.pendingTaskCount !== undefined) status.pendingCount = target.pendingTaskCount;
  if (target?.requestedTestTrafficWeight !== undefined) status.testTrafficPercent = target.requestedTestTrafficWeight;
  if (target?.requestedProductionTrafficWeight !== undefined) status.productionTrafficPercent = target.requestedProductionTrafficWeight;
  const bakeMinutes = deployment.deploymentConfiguration?.bakeTimeInMinutes;
  if (deployment.lifecycleStage === 'BAKE_TIME' && bakeMinutes !== undefined && watch.stage?.name === 'BAKE_TIME') {
    status.bakeTimeRemainingSeconds = Math.max(0, Math.round(bakeMinutes * 60 - (now - watch.stage.since) / 1000));
  }
  const hook = awaitingHook(deployment);
  if (hook && watch.waiting) {
    status.waitingForApproval = {
      stage: watch.waiting.stage, ...(hook.hookId ? { hookId: hook.hookId } : {}), since: new Date(watch.waiting.since).toISOString(),
      ...(hook.expiresAt ? { expiresAt: hook.expiresAt.toISOString() } : {}),
    };
  }
  return status as RolloutStatus;
}

/** status.rollout on the fallback path: the PRIMARY deployment's rolloutState (moto, controllers other than ECS, older ECS). */
export function rolloutStatusFromService(service: ECS.Service | undefined, watch: WatchedRollout, strategy: DeploymentStrategy): RolloutStatus {
  const primary = primaryDeployment(service);
  const status: { -readonly [K in keyof RolloutStatus]?: RolloutStatus[K] } = {
    strategy, source: 'rollout-state', state: primary?.rolloutState ?? 'UNKNOWN', startedAt: new Date(watch.startedAt).toISOString(), revision: watch.revision,
  };
  const deploymentId = deploymentIdFor(watch, service);
  if (deploymentId !== undefined) status.deploymentId = deploymentId;
  // The service deployment followed, when ECS named one, whichever source this pass read: events name a deployment
  // by its ARN first (src/events), and a pass that has not read the deployment yet (a rollout taken over after a
  // restart) must name it as the pass that applied it did.
  const serviceDeploymentArn = serviceDeploymentArnFor(watch, service);
  if (serviceDeploymentArn !== undefined) status.serviceDeploymentArn = serviceDeploymentArn;
  if (primary?.desiredCount !== undefined) status.desiredCount = primary.desiredCount;
  if (primary?.runningCount !== undefined) status.runningCount = primary.runningCount;
  if (primary?.pendingCount !== undefined) status.pendingCount = primary.pendingCount;
  return status as RolloutStatus;
}

/**
 * The watch with this pass's stage and awaiting hook noted (first-seen times
 * kept while they stay the same), and the deployment's ARN and id once known.
 */
export function observeWatch(
  watch: WatchedRollout, deployment: ECS.ServiceDeployment | undefined, arn: string | undefined, now: number, service?: ECS.Service,
): WatchedRollout {
  let next: WatchedRollout = watch;
  if (arn !== undefined && watch.serviceDeploymentArn !== arn) next = { ...next, serviceDeploymentArn: arn };
  const deploymentId = deploymentIdFor(watch, service);
  if (deploymentId !== undefined && watch.deploymentId !== deploymentId) next = { ...next, deploymentId };
  if (!deployment) return next;
  const stageName = deployment.lifecycleStage;
  if (stageName === undefined) {
    if (next.stage) next = withoutKey(next, 'stage');
  } else if (next.stage?.name !== stageName) next = { ...next, stage: { name: stageName, since: now } };
  const hook = awaitingHook(deployment);
  const hookId = hook ? hook.hookId ?? hook.targetArn ?? '' : undefined;
  if (hookId === undefined) {
    if (next.waiting) next = withoutKey(next, 'waiting');
  } else if (next.waiting?.hookId !== hookId || next.waiting.stage !== (stageName ?? '')) {
    next = { ...next, waiting: { hookId, stage: stageName ?? '', since: now } };
  }
  // The time a hook held the deployment is added up when the wait ends (seen by this pass).
  const held = holdingHook(deployment) !== undefined;
  if (held && next.heldSince === undefined) next = { ...next, heldSince: now };
  else if (!held && next.heldSince !== undefined) next = { ...withoutKey(next, 'heldSince'), pausedMs: (next.pausedMs ?? 0) + Math.max(0, now - next.heldSince) };
  if (deployment.status === 'ROLLBACK_REQUESTED' && !next.sawRollbackRequested) next = { ...next, sawRollbackRequested: true };
  return next;
}

function withoutKey<K extends 'stage' | 'waiting' | 'heldSince'>(watch: WatchedRollout, key: K): WatchedRollout {
  const { [key]: _dropped, ...rest } = watch;
  return rest as WatchedRollout;
}

/**
 * The service deployment ARN of the watched rollout: the one the apply
 * returned, else DescribeServices' currentServiceDeployment once the PRIMARY
 * runs the watched task definition (before that, it may still name an older
 * deployment).
 */
export function serviceDeploymentArnFor(watch: WatchedRollout, service: ECS.Service | undefined): string | undefined {
  if (watch.serviceDeploymentArn) return watch.serviceDeploymentArn;
  const current = service?.currentServiceDeployment;
  if (!current) return undefined;
  return primaryDeployment(service)?.taskDefinition === watch.taskDefinitionArn ? current : undefined;
}
