/**
 * planScaling examples: the order of calls, only what changed, the alarm's
 * link to its policy, deletions of what Git no longer has, block removal,
 * and targets registered outside Git left alone.
 */
import type * as CW from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import type { AutoScalingSpec } from '../../src/manifests/types.js';
import { planScaling, type PlanScalingInput } from '../../src/plan/index.js';
import type { LiveScaling, ScalingAction } from '../../src/plan/scaling-types.js';
import { awsStored, policyArn } from '../diff/scaling-arbitraries.js';

const spec: AutoScalingSpec = {
  minCapacity: 1,
  maxCapacity: 4,
  targetTracking: [{ name: 'cpu', targetValue: 50, predefinedMetric: 'ECSServiceAverageCPUUtilization' }],
  stepScaling: [{
    name: 'out', adjustmentType: 'ChangeInCapacity', stepAdjustments: [{ metricIntervalLowerBound: 0, scalingAdjustment: 1 }],
    alarm: { metricName: 'CPUUtilization', namespace: 'AWS/ECS', period: 60, evaluationPeriods: 3, threshold: 80, comparisonOperator: 'GreaterThanThreshold', dimensions: [{ name: 'ServiceName', value: 'web' }] },
  }],
  scheduled: [{ name: 'night', schedule: 'cron(0 22 * * ? *)', minCapacity: 0, startTime: '2030-01-01T00:00:00Z' }],
};
const identity = { ServiceNamespace: 'ecs', ResourceId: 'service/prod/web', ScalableDimension: 'ecs:service:DesiredCount' };
const stored = (s: AutoScalingSpec = spec): LiveScaling => awsStored(s, 'prod', 'web', { fillDefaults: false, seed: 3 });

function plan(overrides: Partial<PlanScalingInput>) {
  return planScaling({ cluster: 'prod', service: 'web', desired: spec, live: stored(), owned: true, external: false, controllerId: 'ctl-1', ...overrides });
}
const kinds = (actions: readonly ScalingAction[]) => actions.map((a) => a.kind);

describe('planScaling ownership tags', () => {
  it('writes the controller id as a tag value (at most 256 characters) on a new target and its alarms', () => {
    const long = `ctl-${'x'.repeat(300)}`;
    const actions = plan({ live: undefined, owned: false, controllerId: long }).actions;
    const register = actions.find((a) => a.kind === 'registerScalableTarget');
    const alarm = actions.find((a) => a.kind === 'putMetricAlarm');
    expect((register?.input as { Tags?: Record<string, string> }).Tags?.['ecs-gitops/managed-by']).toBe(long.slice(-256));
    expect((alarm?.input as { Tags?: { Key?: string; Value?: string }[] }).Tags).toEqual([{ Key: 'ecs-gitops/managed-by', Value: long.slice(-256) }]);
  });
});

const only = (overrides: Partial<PlanScalingInput>) => {
  const result = plan(overrides);
  expect(result.blocked).toBeUndefined();
  return result.actions;
};

describe('planScaling', () => {
  it('nothing declared and nothing owned: nothing to do', () => {
    expect(plan({ desired: undefined, live: undefined, owned: false })).toEqual({ actions: [] });
    expect(plan({ desired: undefined, live: { policies: [], scheduledActions: [], alarms: [] }, owned: false })).toEqual({ actions: [] });
  });

  it('a target registered outside Git is never touched: blocked when the manifest declares scaling, nothing otherwise', () => {
    const blocked = plan({ owned: false, external: true });
    expect(blocked.actions).toEqual([]);
    expect(blocked.blocked?.code).toBe('DIFF_SCALING_TARGET_NOT_OWNED');
    expect(blocked.blocked?.message).toContain('prod/web');
    expect(blocked.blocked?.message).toContain('registered outside Git');
    expect(blocked.blocked?.message).toContain('spec.autoScaling is not applied');
    expect(plan({ desired: undefined, owned: false, external: true })).toEqual({ actions: [] });
  });

  it('creates the whole block in order: target (tagged), policies, the alarm pointing at its policy, scheduled actions', () => {
    const actions = only({ live: undefined, owned: false });
    expect(kinds(actions)).toEqual(['registerScalableTarget', 'putScalingPolicy', 'putScalingPolicy', 'putMetricAlarm', 'putScheduledAction']);
    expect(actions[0]).toEqual({
      kind: 'registerScalableTarget',
      input: {
        ...identity, MinCapacity: 1, MaxCapacity: 4,
        SuspendedState: { DynamicScalingInSuspended: false, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false },
        Tags: { 'ecs-gitops/managed-by': 'ctl-1' },
      },
    });
    expect(actions[1]).toEqual({
      kind: 'putScalingPolicy',
      input: {
        ...identity, PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleInCooldown: 300, ScaleOutCooldown: 300, DisableScaleIn: false,
        },
      },
    });
    expect(actions[2]).toEqual({
      kind: 'putScalingPolicy',
      input: {
        ...identity, PolicyName: 'out', PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }], Cooldown: 300, MetricAggregationType: 'Average' },
      },
    });
    expect(actions[3]).toEqual({
      kind: 'putMetricAlarm',
      input: {
        AlarmName: 'ecs-gitops/prod/web/out', ActionsEnabled: true, AlarmActions: ['<policy-arn:out>'], MetricName: 'CPUUtilization', Namespace: 'AWS/ECS',
        Dimensions: [{ Name: 'ServiceName', Value: 'web' }], Statistic: 'Average', Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 80,
        ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'missing', Tags: [{ Key: 'ecs-gitops/managed-by', Value: 'ctl-1' }],
      },
    });
    expect(actions[4]).toEqual({
      kind: 'putScheduledAction',
      input: { ...identity, ScheduledActionName: 'night', Schedule: 'cron(0 22 * * ? *)', Timezone: 'UTC', StartTime: new Date('2030-01-01T00:00:00Z'), ScalableTargetAction: { MinCapacity: 0 } },
    });
  });

  it('the applied block plans nothing', () => {
    expect(only({})).toEqual([]);
  });

  it('new capacities re-register the target, without tags', () => {
    const actions = only({ desired: { ...spec, maxCapacity: 8, suspendedState: { dynamicScalingInSuspended: true } } });
    expect(actions).toEqual([{
      kind: 'registerScalableTarget',
      input: { ...identity, MinCapacity: 1, MaxCapacity: 8, SuspendedState: { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false } },
    }]);
  });

  it('a changed target value puts that policy only', () => {
    const actions = only({ desired: { ...spec, targetTracking: [{ name: 'cpu', targetValue: 60, predefinedMetric: 'ECSServiceAverageCPUUtilization' }] } });
    expect(kinds(actions)).toEqual(['putScalingPolicy']);
    expect(actions[0]?.input).toMatchObject({ PolicyName: 'cpu', TargetTrackingScalingPolicyConfiguration: { TargetValue: 60 } });
  });

  it('a changed alarm alone is put with the live policy ARN as its action', () => {
    const stepScaling = spec.stepScaling?.map((p) => ({ ...p, alarm: { ...p.alarm, threshold: 90 } }));
    const actions = only({ desired: { ...spec, stepScaling } });
    expect(kinds(actions)).toEqual(['putMetricAlarm']);
    expect(actions[0]?.input).toMatchObject({ AlarmName: 'ecs-gitops/prod/web/out', Threshold: 90, AlarmActions: [policyArn('prod', 'web', 'out')] });
  });

  it('a changed step policy is put with its alarm, which waits for the ARN the put returns', () => {
    const stepScaling = spec.stepScaling?.map((p) => ({ ...p, cooldown: 60 }));
    const actions = only({ desired: { ...spec, stepScaling } });
    expect(kinds(actions)).toEqual(['putScalingPolicy', 'putMetricAlarm']);
    expect((actions[1]?.input as CW.PutMetricAlarmInput).AlarmActions).toEqual(['<policy-arn:out>']);
  });

  it('an alarm that lost its action to the policy is put again', () => {
    const live = stored();
    const actions = only({ live: { ...live, alarms: live.alarms.map((a) => ({ ...a, AlarmActions: [] })) } });
    expect(kinds(actions)).toEqual(['putMetricAlarm']);
  });

  it('a changed scheduled action is put; one that drops a start time is deleted first (a put keeps fields it leaves out)', () => {
    const later = only({ desired: { ...spec, scheduled: [{ name: 'night', schedule: 'cron(0 23 * * ? *)', minCapacity: 0, startTime: '2030-01-01T00:00:00Z' }] } });
    expect(kinds(later)).toEqual(['putScheduledAction']);
    const unbounded = only({ desired: { ...spec, scheduled: [{ name: 'night', schedule: 'cron(0 22 * * ? *)', minCapacity: 0 }] } });
    expect(unbounded).toEqual([
      { kind: 'deleteScheduledAction', input: { ...identity, ScheduledActionName: 'night' } },
      { kind: 'putScheduledAction', input: { ...identity, ScheduledActionName: 'night', Schedule: 'cron(0 22 * * ? *)', Timezone: 'UTC', ScalableTargetAction: { MinCapacity: 0 } } },
    ]);
  });

  it('items removed from Git are deleted after the puts: our alarm, then the policies, then scheduled actions', () => {
    const actions = only({ desired: { minCapacity: 1, maxCapacity: 4, scheduled: [{ name: 'morning', schedule: 'cron(0 6 * * ? *)', minCapacity: 2 }] } });
    expect(actions.map((a) => [a.kind, 'PolicyName' in a.input ? a.input.PolicyName : 'ScheduledActionName' in a.input ? a.input.ScheduledActionName : 'AlarmNames' in a.input ? a.input.AlarmNames : undefined])).toEqual([
      ['putScheduledAction', 'morning'],
      ['deleteAlarms', ['ecs-gitops/prod/web/out']],
      ['deleteScalingPolicy', 'cpu'],
      ['deleteScalingPolicy', 'out'],
      ['deleteScheduledAction', 'night'],
    ]);
  });

  it('a policy whose type changes is deleted before it is put again', () => {
    const desired: AutoScalingSpec = { ...spec, targetTracking: [], stepScaling: [{ ...(spec.stepScaling?.[0] as NonNullable<AutoScalingSpec['stepScaling']>[number]), name: 'cpu' }] };
    const actions = only({ desired });
    expect(kinds(actions)).toEqual(['deleteScalingPolicy', 'putScalingPolicy', 'putMetricAlarm', 'deleteAlarms', 'deleteScalingPolicy']);
    expect(actions[0]?.input).toMatchObject({ PolicyName: 'cpu' });
    expect(actions[1]?.input).toMatchObject({ PolicyName: 'cpu', PolicyType: 'StepScaling' });
    expect(actions[2]?.input).toMatchObject({ AlarmName: 'ecs-gitops/prod/web/cpu', AlarmActions: ['<policy-arn:cpu>'] });
    expect(actions[3]?.input).toEqual({ AlarmNames: ['ecs-gitops/prod/web/out'] });
    expect(actions[4]?.input).toMatchObject({ PolicyName: 'out' });
  });

  it('removing the block from an owned target deletes our alarms, then deregisters (AWS deletes its policies and scheduled actions)', () => {
    const live = stored();
    const foreign: CW.MetricAlarm = { AlarmName: 'ecs-gitops/prod/web-api/out' };
    const actions = only({ desired: undefined, live: { ...live, alarms: [...live.alarms, foreign] } });
    expect(actions).toEqual([
      { kind: 'deleteAlarms', input: { AlarmNames: ['ecs-gitops/prod/web/out'] } },
      { kind: 'deregisterScalableTarget', input: identity },
    ]);
  });

  it('never deletes alarms without the service\'s prefix', () => {
    const live = stored();
    const actions = only({ desired: { ...spec, stepScaling: [] }, live: { ...live, alarms: [...live.alarms, { AlarmName: 'my-own-alarm' }, { AlarmName: 'ecs-gitops/prod/webapp/out' }] } });
    expect(actions.filter((a) => a.kind === 'deleteAlarms')).toEqual([{ kind: 'deleteAlarms', input: { AlarmNames: ['ecs-gitops/prod/web/out'] } }]);
  });

  it('deletes alarms 100 names a call', () => {
    const alarms = Array.from({ length: 150 }, (_, i) => ({ AlarmName: `ecs-gitops/prod/web/old-${i}` }));
    const actions = only({ desired: undefined, live: { policies: [], scheduledActions: [], alarms } });
    expect(actions.map((a) => (a.kind === 'deleteAlarms' ? a.input.AlarmNames?.length : a.kind))).toEqual([100, 50]);
  });

  it('sends a customized metric in the API\'s PascalCase', () => {
    const desired: AutoScalingSpec = {
      minCapacity: 1, maxCapacity: 4,
      targetTracking: [{ name: 'queue', targetValue: 10, customizedMetric: { metricName: 'Depth', namespace: 'App', statistic: 'Average', dimensions: [{ name: 'Queue', value: 'jobs' }] } }],
    };
    const actions = only({ desired, live: undefined, owned: false });
    expect(actions[1]?.input).toMatchObject({
      TargetTrackingScalingPolicyConfiguration: { CustomizedMetricSpecification: { MetricName: 'Depth', Namespace: 'App', Statistic: 'Average', Dimensions: [{ Name: 'Queue', Value: 'jobs' }] } },
    });
  });

  it('plans the same in detect mode (the controller reports instead of applying)', () => {
    const desired = { ...spec, maxCapacity: 9 };
    expect(plan({ desired, mode: 'detect' })).toEqual(plan({ desired, mode: 'auto' }));
  });
});
