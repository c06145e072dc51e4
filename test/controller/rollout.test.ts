import type * as ECS from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { assessRollout, type WatchedRollout } from '../../src/controller/rollout.js';

const TD1 = 'arn:aws:ecs:eu-west-1:1:task-definition/web:1';
const TD2 = 'arn:aws:ecs:eu-west-1:1:task-definition/web:2';
const watched: WatchedRollout = { taskDefinitionArn: TD2, revision: 'r2', contentHash: 'h', startedAt: 0 };

function service(deployments: ECS.Deployment[], extra: Partial<ECS.Service> = {}): ECS.Service {
  return { status: 'ACTIVE', desiredCount: 2, deployments, events: [{ message: '(service web) has started 1 tasks' }], ...extra };
}

describe('assessRollout', () => {
  it.each<[string, ECS.Service | undefined, WatchedRollout | undefined, object]>([
    ['no service', undefined, undefined, { health: 'Missing' }],
    ['draining', service([], { status: 'DRAINING' }), undefined, { health: 'Missing' }],
    ['primary in progress', service([{ status: 'PRIMARY', taskDefinition: TD2, rolloutState: 'IN_PROGRESS' }]), watched, { health: 'Progressing', outcome: 'in_progress' }],
    ['primary completed', service([{ status: 'PRIMARY', taskDefinition: TD2, rolloutState: 'COMPLETED' }]), watched, { health: 'Healthy', outcome: 'completed' }],
    ['primary failed', service([{ status: 'PRIMARY', taskDefinition: TD2, rolloutState: 'FAILED', rolloutStateReason: 'tasks failed to start' }]), watched,
      { health: 'Degraded', outcome: 'failed', reason: 'tasks failed to start' }],
    ['circuit breaker rolled back to the old revision', service([
      { status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'IN_PROGRESS' },
      { status: 'ACTIVE', taskDefinition: TD2, rolloutState: 'FAILED', rolloutStateReason: 'circuit breaker: 3 tasks failed' },
    ]), watched, { health: 'Degraded', outcome: 'rolled_back', reason: 'rolled back: circuit breaker: 3 tasks failed' }],
    ['rolled back and the old deployment completed: still a failed apply', service([{ status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'COMPLETED' }]), watched,
      { health: 'Degraded', outcome: 'rolled_back' }],
    ['unwatched completed service', service([{ status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'COMPLETED' }]), undefined, { health: 'Healthy' }],
    ['scaled to zero', service([{ status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'COMPLETED' }], { desiredCount: 0 }), undefined, { health: 'Suspended' }],
    ['REPLICA (explicit) scaled to zero', service([{ status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'COMPLETED' }], { desiredCount: 0, schedulingStrategy: 'REPLICA' }), undefined,
      { health: 'Suspended' }],
    // DAEMON: desiredCount is the number of container instances, 0 on a cluster without any.
    ['DAEMON on a cluster without instances, deployment completed', service([{ status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'COMPLETED', desiredCount: 0, runningCount: 0 }],
      { desiredCount: 0, runningCount: 0, schedulingStrategy: 'DAEMON' }), undefined, { health: 'Healthy' }],
    ['DAEMON without instances, our rollout completed', service([{ status: 'PRIMARY', taskDefinition: TD2, rolloutState: 'COMPLETED', desiredCount: 0, runningCount: 0 }],
      { desiredCount: 0, runningCount: 0, schedulingStrategy: 'DAEMON' }), watched, { health: 'Healthy', outcome: 'completed' }],
    ['DAEMON without instances, rollout still in progress', service([{ status: 'PRIMARY', taskDefinition: TD2, rolloutState: 'IN_PROGRESS', desiredCount: 0, runningCount: 0 }],
      { desiredCount: 0, schedulingStrategy: 'DAEMON' }), watched, { health: 'Progressing', outcome: 'in_progress' }],
    ['DAEMON without instances, rolled back', service([{ status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'COMPLETED', desiredCount: 0 }],
      { desiredCount: 0, schedulingStrategy: 'DAEMON' }), watched, { health: 'Degraded', outcome: 'rolled_back' }],
    ['DAEMON without instances, no rolloutState', service([{ status: 'PRIMARY', taskDefinition: TD1, desiredCount: 0, runningCount: 0 }],
      { desiredCount: 0, schedulingStrategy: 'DAEMON' }), undefined, { health: 'Healthy' }],
    ['DAEMON on 3 instances, 2 running, deployment in progress', service([{ status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'IN_PROGRESS', desiredCount: 3, runningCount: 2 }],
      { desiredCount: 3, runningCount: 2, schedulingStrategy: 'DAEMON' }), undefined, { health: 'Progressing' }],
    ['DAEMON deployment failed', service([{ status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'FAILED', desiredCount: 0 }],
      { desiredCount: 0, schedulingStrategy: 'DAEMON' }), undefined, { health: 'Degraded' }],
    ['no rolloutState (external deployment controller), settled', service([{ status: 'PRIMARY', taskDefinition: TD1, runningCount: 2, desiredCount: 2 }]), undefined, { health: 'Healthy' }],
    ['no rolloutState, still starting', service([{ status: 'PRIMARY', taskDefinition: TD1, runningCount: 1, desiredCount: 2 }]), undefined, { health: 'Progressing' }],
  ])('%s', (_name, svc, watch, expected) => {
    expect(assessRollout(svc, watch)).toMatchObject(expected);
  });

  it('never calls a rolled-back deployment healthy even when running equals desired (unlike the SDK waiter)', () => {
    const svc = service([{ status: 'PRIMARY', taskDefinition: TD1, rolloutState: 'COMPLETED', runningCount: 2, desiredCount: 2 }], { runningCount: 2 });
    expect(assessRollout(svc, watched).health).toBe('Degraded');
  });
});
