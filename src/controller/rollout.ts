/**
 * Health from live ECS state, judged as docs/ecs-facts.md#deployments-and-rollouts says: from the
 * PRIMARY deployment's rolloutState and its task definition, never from
 * running == desired (the SDK's services-stable waiter calls a rolled-back
 * deployment "stable"). Pure: no IO, no clock.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { HealthStatus } from './status.js';

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
}

export type RolloutOutcome = 'in_progress' | 'completed' | 'failed' | 'rolled_back';

export interface RolloutAssessment {
  readonly health: HealthStatus;
  /** Outcome of the watched rollout, when one was given. */
  readonly outcome?: RolloutOutcome;
  /** Human-readable reason (ECS's rolloutStateReason or our words). */
  readonly reason?: string;
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
