/**
 * A followed rollout judged from its service deployment (ECS's deployments
 * API): table tests of assessServiceDeployment over ServiceDeployment records
 * shaped as DescribeServiceDeployments returns them, of the status.rollout
 * built from one, of the first-seen times the controller keeps for the stage
 * and the hook awaiting action, and of which errors mean "no deployments API
 * here" (the rolloutState fallback) rather than a failed read.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { AccessDeniedException, ClientException, ServerException } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import {
  activeRolloutMs, assessServiceDeployment, observeWatch, plannedBakeMs, rolloutStatusFromDeployment, rolloutStatusFromService, serviceDeploymentArnFor, type WatchedRollout,
} from '../../src/controller/rollout.js';
import { deploymentsApiUnavailableError } from '../../src/controller/service/observe.js';
import { toAwsCallError } from '../../src/ecs/aws-error.js';

const ARN = 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/demo/web/abc123';
const TD2 = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:2';
const LAMBDA = 'arn:aws:lambda:eu-west-1:123456789012:function:smoke-test';
const T0 = Date.parse('2026-01-01T00:00:00Z');

function deployment(extra: Partial<ECS.ServiceDeployment>): ECS.ServiceDeployment {
  return {
    serviceDeploymentArn: ARN, status: 'IN_PROGRESS', startedAt: new Date(T0),
    deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 },
    targetServiceRevision: { arn: 'rev-2', requestedTaskCount: 2, runningTaskCount: 1, pendingTaskCount: 1, requestedTestTrafficWeight: 100, requestedProductionTrafficWeight: 0 },
    ...extra,
  };
}

const hook = (status: ECS.DeploymentLifecycleHookDetail['status'], extra: Partial<ECS.DeploymentLifecycleHookDetail> = {}): ECS.DeploymentLifecycleHookDetail => ({
  hookId: 'hook-1', targetType: 'AWS_LAMBDA', targetArn: LAMBDA, status, ...extra,
});

describe('assessServiceDeployment', () => {
  it.each<[string, Partial<ECS.ServiceDeployment>, object]>([
    ['PENDING', { status: 'PENDING' }, { health: 'Progressing', outcome: 'in_progress' }],
    ['IN_PROGRESS at SCALE_UP', { status: 'IN_PROGRESS', lifecycleStage: 'SCALE_UP' }, { health: 'Progressing', outcome: 'in_progress' }],
    ['IN_PROGRESS with a PAUSE hook awaiting action', {
      status: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', lifecycleHookDetails: [hook('AWAITING_ACTION', { targetType: 'PAUSE', targetArn: undefined })],
    }, { health: 'Progressing', outcome: 'in_progress', reason: 'waiting for approval at POST_TEST_TRAFFIC_SHIFT' }],
    ['IN_PROGRESS with a hook that succeeded: not waiting', { status: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME', lifecycleHookDetails: [hook('SUCCEEDED')] },
      { health: 'Progressing', outcome: 'in_progress', reason: undefined }],
    ['SUCCESSFUL', { status: 'SUCCESSFUL', finishedAt: new Date(T0 + 600_000) }, { health: 'Healthy', outcome: 'completed' }],
    ['STOP_REQUESTED', { status: 'STOP_REQUESTED' }, { health: 'Progressing', outcome: 'in_progress', reason: 'stopping' }],
    ['ROLLBACK_REQUESTED after the circuit breaker', { status: 'ROLLBACK_REQUESTED', deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 } },
      { health: 'Progressing', outcome: 'in_progress', reason: 'rolling back: the deployment circuit breaker triggered (3 failed tasks)' }],
    ['ROLLBACK_IN_PROGRESS after a hook failed', {
      status: 'ROLLBACK_IN_PROGRESS', lifecycleStage: 'PRE_SCALE_UP', lifecycleHookDetails: [hook('FAILED')],
    }, { health: 'Progressing', outcome: 'in_progress', reason: `rolling back: lifecycle hook ${LAMBDA} failed at PRE_SCALE_UP` }],
    ['ROLLBACK_SUCCESSFUL after a hook failed: the stage and hook named', {
      status: 'ROLLBACK_SUCCESSFUL', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', lifecycleHookDetails: [hook('FAILED')],
    }, { health: 'Degraded', outcome: 'rolled_back', reason: `rolled back: lifecycle hook ${LAMBDA} failed at POST_TEST_TRAFFIC_SHIFT`, rolledBackByHand: undefined }],
    ['ROLLBACK_SUCCESSFUL after a hook timed out, ECS\'s reason naming it', {
      status: 'ROLLBACK_SUCCESSFUL', lifecycleStage: 'CLEAN_UP', lifecycleHookDetails: [hook('TIMED_OUT')],
      rollback: { reason: `lifecycle hook ${LAMBDA} timed out at PRODUCTION_TRAFFIC_SHIFT`, startedAt: new Date(T0 + 60_000) },
    }, { health: 'Degraded', outcome: 'rolled_back', reason: `rolled back: lifecycle hook ${LAMBDA} timed out at PRODUCTION_TRAFFIC_SHIFT` }],
    ['ROLLBACK_SUCCESSFUL after the circuit breaker', {
      status: 'ROLLBACK_SUCCESSFUL', deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 2 }, rollback: { reason: 'tasks failed to start' },
    }, { health: 'Degraded', outcome: 'rolled_back', reason: 'rolled back: the deployment circuit breaker triggered (2 failed tasks); tasks failed to start', rolledBackByHand: undefined }],
    ['ROLLBACK_SUCCESSFUL after alarms', {
      status: 'ROLLBACK_SUCCESSFUL', alarms: { status: 'TRIGGERED', alarmNames: ['5xx', 'latency'], triggeredAlarmNames: ['5xx'] },
    }, { health: 'Degraded', outcome: 'rolled_back', reason: 'rolled back: CloudWatch alarm 5xx triggered', rolledBackByHand: undefined }],
    ['ROLLBACK_SUCCESSFUL with stoppedAt and nothing triggered: rolled back by hand', {
      status: 'ROLLBACK_SUCCESSFUL', deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 0 }, alarms: { status: 'MONITORING' }, stoppedAt: new Date(T0 + 60_000),
      lifecycleHookDetails: [hook('SUCCEEDED')], rollback: { reason: 'Service deployment rolled back because of a StopServiceDeployment request', startedAt: new Date(T0 + 60_000) },
    }, { health: 'Degraded', outcome: 'rolled_back', rolledBackByHand: true, reason: 'rolled back: Service deployment rolled back because of a StopServiceDeployment request' }],
    ['ROLLBACK_SUCCESSFUL with nothing triggered and no stoppedAt (no hook details, ECS\'s reason naming a hook): not by hand', {
      status: 'ROLLBACK_SUCCESSFUL', rollback: { reason: `Lifecycle hook ${LAMBDA} failed at POST_SCALE_UP`, startedAt: new Date(T0 + 60_000) },
    }, { health: 'Degraded', outcome: 'rolled_back', rolledBackByHand: undefined, reason: `rolled back: Lifecycle hook ${LAMBDA} failed at POST_SCALE_UP` }],
    ['ROLLBACK_SUCCESSFUL with stoppedAt after the circuit breaker triggered: not by hand', {
      status: 'ROLLBACK_SUCCESSFUL', stoppedAt: new Date(T0 + 60_000), deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 2 },
    }, { health: 'Degraded', outcome: 'rolled_back', rolledBackByHand: undefined }],
    ['ROLLBACK_FAILED', { status: 'ROLLBACK_FAILED', statusReason: 'the old revision failed too' },
      { health: 'Degraded', outcome: 'failed', reason: 'the rollback failed: the old revision failed too' }],
    ['STOPPED (StopServiceDeployment ABORT)', { status: 'STOPPED', statusReason: 'stopped by a StopServiceDeployment request' },
      { health: 'Degraded', outcome: 'failed', reason: 'the deployment was stopped: stopped by a StopServiceDeployment request' }],
  ])('%s', (_name, fields, expected) => {
    const assessed = assessServiceDeployment(deployment(fields));
    expect(assessed).toMatchObject(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined)));
    if ('reason' in expected && expected.reason === undefined) expect(assessed.reason).toBeUndefined();
    if ('rolledBackByHand' in expected && expected.rolledBackByHand === undefined) expect(assessed.rolledBackByHand).toBeUndefined();
  });
});

describe('rolled back by hand: ECS\'s signal for a StopServiceDeployment', () => {
  it('a poll that saw ROLLBACK_REQUESTED counts even when the finished record shows no stoppedAt; without either, nothing triggered is not enough', () => {
    const watch: WatchedRollout = { taskDefinitionArn: TD2, revision: 'r2', contentHash: 'h2', startedAt: T0, serviceDeploymentArn: ARN };
    const requested = observeWatch(watch, deployment({ status: 'ROLLBACK_REQUESTED' }), ARN, T0 + 10_000);
    expect(requested.sawRollbackRequested).toBe(true);
    const done = deployment({ status: 'ROLLBACK_SUCCESSFUL', rollback: { reason: 'rolled back', startedAt: new Date(T0 + 10_000) } });
    expect(assessServiceDeployment(done, requested.sawRollbackRequested)).toMatchObject({ outcome: 'rolled_back', rolledBackByHand: true });
    const automatic = observeWatch(watch, deployment({ status: 'ROLLBACK_IN_PROGRESS' }), ARN, T0 + 10_000);
    expect(automatic.sawRollbackRequested).toBeUndefined();
    expect(assessServiceDeployment(done, automatic.sawRollbackRequested).rolledBackByHand).toBeUndefined();
  });
});

describe('the time lifecycle hooks hold a deployment', () => {
  const watch: WatchedRollout = { taskDefinitionArn: TD2, revision: 'r2', contentHash: 'h2', startedAt: T0, serviceDeploymentArn: ARN };
  it('adds up every wait (awaiting action, or a Lambda hook IN_PROGRESS) when it ends; the rollout is not active while one holds it', () => {
    const paused = observeWatch(watch, deployment({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', lifecycleHookDetails: [hook('AWAITING_ACTION', { targetType: 'PAUSE' })] }), ARN, T0 + 60_000);
    expect(paused.heldSince).toBe(T0 + 60_000);
    expect(activeRolloutMs(paused, T0 + 600_000)).toBeUndefined();
    const resumed = observeWatch(paused, deployment({ lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', lifecycleHookDetails: [hook('SUCCEEDED', { targetType: 'PAUSE' })] }), ARN, T0 + 660_000);
    expect(resumed.heldSince).toBeUndefined();
    expect(resumed.pausedMs).toBe(600_000);
    const lambda = observeWatch(resumed, deployment({ lifecycleStage: 'POST_PRODUCTION_TRAFFIC_SHIFT', lifecycleHookDetails: [hook('IN_PROGRESS')] }), ARN, T0 + 700_000);
    expect(activeRolloutMs(lambda, T0 + 800_000)).toBeUndefined();
    const done = observeWatch(lambda, deployment({ lifecycleStage: 'BAKE_TIME', lifecycleHookDetails: [hook('SUCCEEDED')] }), ARN, T0 + 730_000);
    expect(done.pausedMs).toBe(630_000);
    expect(activeRolloutMs(done, T0 + 730_000)).toBe(100_000);
  });

  it.each<[string, ECS.DeploymentConfiguration | undefined, number]>([
    ['ROLLING', undefined, 0],
    ['BLUE_GREEN: bakeTimeInMinutes', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 15 }, 15],
    ['LINEAR: a step bake per step', { strategy: 'LINEAR', bakeTimeInMinutes: 10, linearConfiguration: { stepPercent: 30, stepBakeTimeInMinutes: 5 } }, 10 + 4 * 5],
    ['LINEAR with the defaults (10 steps of 6 minutes)', { strategy: 'LINEAR' }, 60],
    ['CANARY: the canary bake', { strategy: 'CANARY', bakeTimeInMinutes: 10, canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 15 } }, 25],
    ['CANARY with the default canary bake', { strategy: 'CANARY' }, 10],
    ['a linear configuration on BLUE_GREEN is not counted', { strategy: 'BLUE_GREEN', linearConfiguration: { stepPercent: 10, stepBakeTimeInMinutes: 6 } }, 0],
  ])('planned bakes, %s', (_name, configuration, minutes) => {
    expect(plannedBakeMs(configuration)).toBe(minutes * 60_000);
  });
});

describe('status.rollout from a service deployment', () => {
  const watch: WatchedRollout = { taskDefinitionArn: TD2, revision: 'r2', contentHash: 'h2', startedAt: T0, serviceDeploymentArn: ARN };

  it('names the strategy, stage, counts and traffic, and the bake time left from when the controller first saw BAKE_TIME', () => {
    const baking = deployment({ lifecycleStage: 'BAKE_TIME', targetServiceRevision: { requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0, requestedTestTrafficWeight: 100, requestedProductionTrafficWeight: 100 } });
    const seen = observeWatch(watch, baking, ARN, T0 + 120_000);
    expect(seen.stage).toEqual({ name: 'BAKE_TIME', since: T0 + 120_000 });
    // Three minutes later the first-seen time is kept.
    const later = observeWatch(seen, baking, ARN, T0 + 300_000);
    expect(later.stage).toBe(seen.stage);
    expect(rolloutStatusFromDeployment(baking, later, T0 + 300_000)).toEqual({
      strategy: 'BLUE_GREEN', source: 'service-deployment', serviceDeploymentArn: ARN, state: 'IN_PROGRESS', lifecycleStage: 'BAKE_TIME',
      startedAt: '2026-01-01T00:00:00.000Z', desiredCount: 2, runningCount: 2, pendingCount: 0, testTrafficPercent: 100, productionTrafficPercent: 100,
      bakeTimeRemainingSeconds: 420, revision: 'r2',
    });
  });

  it('names the PRIMARY deployment running the rollout\'s task definition, and keeps its id once a rollback took it away', () => {
    const running = { deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: TD2 }, { id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: 'td:1' }] };
    const seen = observeWatch(watch, deployment({}), ARN, T0 + 1000, running);
    expect(seen.deploymentId).toBe('ecs-svc/2');
    expect(rolloutStatusFromDeployment(deployment({}), seen, T0 + 1000, running)).toMatchObject({ deploymentId: 'ecs-svc/2', revision: 'r2' });
    // Rolled back: the PRIMARY runs the old task definition, the service no longer lists ours.
    const rolledBack = { deployments: [{ id: 'ecs-svc/3', status: 'PRIMARY', taskDefinition: 'td:1' }] };
    const after = observeWatch(seen, deployment({ status: 'ROLLBACK_SUCCESSFUL' }), ARN, T0 + 2000, rolledBack);
    expect(rolloutStatusFromDeployment(deployment({ status: 'ROLLBACK_SUCCESSFUL' }), after, T0 + 2000, rolledBack).deploymentId).toBe('ecs-svc/2');
    expect(rolloutStatusFromService(rolledBack, after, 'ROLLING')).toMatchObject({ deploymentId: 'ecs-svc/2', revision: 'r2' });
    // Never seen PRIMARY: no id is guessed from another deployment.
    expect(rolloutStatusFromService(rolledBack, watch, 'ROLLING').deploymentId).toBeUndefined();
  });

  it('the fallback status names the service deployment ECS reports for the rollout, as the deployments API status does (event ids)', () => {
    // A rollout taken over after a restart: the watch has no ARN yet, the service names its current deployment.
    const { serviceDeploymentArn: _none, ...takenOver } = watch;
    const taken = { currentServiceDeployment: ARN, deployments: [{ id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: TD2 }] };
    expect(rolloutStatusFromService(taken, takenOver, 'ROLLING')).toMatchObject({ serviceDeploymentArn: ARN, deploymentId: 'ecs-svc/2' });
    // ECS's current service deployment is another task definition's: not ours to name.
    const other = { currentServiceDeployment: ARN, deployments: [{ id: 'ecs-svc/3', status: 'PRIMARY', taskDefinition: 'td:1' }] };
    expect(rolloutStatusFromService(other, takenOver, 'ROLLING').serviceDeploymentArn).toBeUndefined();
  });

  it('says which stage and hook wait for approval, since when, and until when', () => {
    const expiresAt = new Date(T0 + 3_600_000);
    const paused = deployment({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', lifecycleHookDetails: [hook('AWAITING_ACTION', { targetType: 'PAUSE', targetArn: undefined, expiresAt })] });
    const seen = observeWatch(watch, paused, ARN, T0 + 60_000);
    const again = observeWatch(seen, paused, ARN, T0 + 120_000);
    expect(again.waiting).toEqual({ hookId: 'hook-1', stage: 'POST_TEST_TRAFFIC_SHIFT', since: T0 + 60_000 });
    expect(rolloutStatusFromDeployment(paused, again, T0 + 120_000).waitingForApproval).toEqual({
      stage: 'POST_TEST_TRAFFIC_SHIFT', hookId: 'hook-1', since: '2026-01-01T00:01:00.000Z', expiresAt: expiresAt.toISOString(),
    });
    // Continued: no longer waiting, and the next stage starts its own clock.
    const moved = deployment({ lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT', lifecycleHookDetails: [hook('SUCCEEDED', { targetType: 'PAUSE', targetArn: undefined })] });
    const after = observeWatch(again, moved, ARN, T0 + 180_000);
    expect(after.waiting).toBeUndefined();
    expect(after.stage).toEqual({ name: 'PRODUCTION_TRAFFIC_SHIFT', since: T0 + 180_000 });
    expect(rolloutStatusFromDeployment(moved, after, T0 + 180_000).waitingForApproval).toBeUndefined();
  });

  it('takes the ARN from DescribeServices only once the PRIMARY runs the watched task definition', () => {
    const unnamed: WatchedRollout = { taskDefinitionArn: TD2, revision: 'r2', contentHash: 'h2', startedAt: T0 };
    const service = (taskDefinition: string): ECS.Service => ({ currentServiceDeployment: ARN, deployments: [{ status: 'PRIMARY', taskDefinition }] });
    expect(serviceDeploymentArnFor(unnamed, service('arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1'))).toBeUndefined();
    expect(serviceDeploymentArnFor(unnamed, service(TD2))).toBe(ARN);
    expect(serviceDeploymentArnFor(watch, service('other'))).toBe(ARN);
    expect(serviceDeploymentArnFor(unnamed, { deployments: [{ status: 'PRIMARY', taskDefinition: TD2 }] })).toBeUndefined();
  });
});

describe('deploymentsApiUnavailableError', () => {
  const meta = { httpStatusCode: 400 };
  it.each<[string, unknown, boolean]>([
    ['AccessDenied (no IAM permission)', new AccessDeniedException({ message: 'not authorized to perform: ecs:DescribeServiceDeployments', $metadata: meta }), true],
    ['an operation the endpoint does not know', Object.assign(new Error('Unknown operation DescribeServiceDeployments'), { name: 'UnknownOperationException', $metadata: meta }), true],
    ['moto', Object.assign(new Error('The DescribeServiceDeployments action has not been implemented'), { name: 'NotImplementedError', $metadata: { httpStatusCode: 500 } }), true],
    ['moto_server over HTTP (an HTML 500 page the SDK cannot parse)', Object.assign(new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON'), { $metadata: { httpStatusCode: 500 }, $fault: 'server' }), true],
    ['"not supported"', new ClientException({ message: 'This operation is not supported in this Region.', $metadata: meta }), true],
    ['throttled: a failed read, retried', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: meta }), false],
    ['a server error: a failed read, retried', new ServerException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }), false],
  ])('%s: %s', (_name, error, unavailable) => {
    expect(deploymentsApiUnavailableError(error)).toBe(unavailable);
    expect(deploymentsApiUnavailableError(toAwsCallError(error, 'ecs', 'DescribeServiceDeployments'))).toBe(unavailable);
  });
});
