/**
 * diffScaling examples: each kind of field and item added, changed and
 * removed, whole-block changes, ownership, and name-keyed pointers.
 */
import type { ScalingPolicy } from '@aws-sdk/client-application-auto-scaling';
import { describe, expect, it } from 'vitest';
import { AUTO_SCALING_POINTER, diffScaling } from '../../src/diff/index.js';
import type { AutoScalingSpec } from '../../src/manifests/types.js';
import type { LiveScaling } from '../../src/plan/scaling-types.js';
import { awsStored } from './scaling-arbitraries.js';

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
const stored = (s: AutoScalingSpec = spec): LiveScaling => awsStored(s, 'prod', 'web', { fillDefaults: true, seed: 7 });
const options = { owned: true, cluster: 'prod', service: 'web' };
const summary = (desired: AutoScalingSpec | undefined, live: LiveScaling | undefined, opts = options) =>
  diffScaling(desired, live, opts).map((c) => [c.pointer, c.kind, c.live, c.desired]);

type Edit = (s: AutoScalingSpec) => AutoScalingSpec;
const editTracking = (edit: (p: NonNullable<AutoScalingSpec['targetTracking']>[number]) => object): Edit => (s) => ({ ...s, targetTracking: s.targetTracking?.map((p) => edit(p) as typeof p) });
const editStep = (edit: (p: NonNullable<AutoScalingSpec['stepScaling']>[number]) => object): Edit => (s) => ({ ...s, stepScaling: s.stepScaling?.map((p) => edit(p) as typeof p) });
const editScheduled = (edit: (a: NonNullable<AutoScalingSpec['scheduled']>[number]) => object): Edit => (s) => ({ ...s, scheduled: s.scheduled?.map((a) => edit(a) as typeof a) });

describe('diffScaling', () => {
  it('nothing declared and nothing owned: no changes, even with a target registered outside Git', () => {
    expect(diffScaling(undefined, undefined, { owned: false })).toEqual([]);
    expect(diffScaling(undefined, stored(), { owned: false })).toEqual([]);
  });

  it('nothing declared on an owned target: one removed change for the block', () => {
    const changes = diffScaling(undefined, stored(), options);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ pointer: AUTO_SCALING_POINTER, kind: 'removed', scope: 'autoScaling', desired: undefined });
    expect(Object.keys(changes[0]?.live as object).sort()).toEqual(['maxCapacity', 'minCapacity', 'scheduled', 'stepScaling', 'suspendedState', 'targetTracking']);
    expect(diffScaling(undefined, { policies: [], scheduledActions: [], alarms: [] }, options)).toEqual([]);
  });

  it('no live target: one added change for the whole block', () => {
    for (const live of [undefined, { policies: [], scheduledActions: [], alarms: [] }]) {
      const changes = diffScaling(spec, live, { owned: false });
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ pointer: AUTO_SCALING_POINTER, kind: 'added', scope: 'autoScaling', live: undefined });
      expect((changes[0]?.desired as Record<string, unknown>).minCapacity).toBe(1);
    }
  });

  it('the applied block: no changes', () => {
    expect(diffScaling(spec, stored(), options)).toEqual([]);
  });

  it.each<[string, Edit, unknown[][]]>([
    ['maxCapacity', (s) => ({ ...s, maxCapacity: 8 }), [['/spec/autoScaling/maxCapacity', 'changed', 4, 8]]],
    ['suspendedState', (s) => ({ ...s, suspendedState: { scheduledScalingSuspended: true } }), [['/spec/autoScaling/suspendedState/scheduledScalingSuspended', 'changed', false, true]]],
    ['a target value', editTracking((p) => ({ ...p, targetValue: 60 })), [['/spec/autoScaling/targetTracking/cpu/targetValue', 'changed', 50, 60]]],
    ['a cooldown set to its default', editTracking((p) => ({ ...p, scaleInCooldown: 300 })), []],
    ['a cooldown', editTracking((p) => ({ ...p, scaleOutCooldown: 60 })), [['/spec/autoScaling/targetTracking/cpu/scaleOutCooldown', 'changed', 300, 60]]],
    ['disableScaleIn', editTracking((p) => ({ ...p, disableScaleIn: true })), [['/spec/autoScaling/targetTracking/cpu/disableScaleIn', 'changed', false, true]]],
    ['the predefined metric', editTracking((p) => ({ ...p, predefinedMetric: 'ECSServiceAverageMemoryUtilization' })),
      [['/spec/autoScaling/targetTracking/cpu/predefinedMetric', 'changed', 'ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization']]],
    ['a step adjustment', editStep((p) => ({ ...p, stepAdjustments: [{ metricIntervalLowerBound: 0, scalingAdjustment: 2 }] })),
      [['/spec/autoScaling/stepScaling/out/stepAdjustments/0/scalingAdjustment', 'changed', 1, 2]]],
    ['the metric aggregation type', editStep((p) => ({ ...p, metricAggregationType: 'Maximum' })), [['/spec/autoScaling/stepScaling/out/metricAggregationType', 'changed', 'Average', 'Maximum']]],
    ['minAdjustmentMagnitude added', editStep((p) => ({ ...p, minAdjustmentMagnitude: 2 })), [['/spec/autoScaling/stepScaling/out/minAdjustmentMagnitude', 'added', undefined, 2]]],
    ['an alarm threshold', editStep((p) => ({ ...p, alarm: { ...p.alarm, threshold: 90 } })), [['/spec/autoScaling/stepScaling/out/alarm/threshold', 'changed', 80, 90]]],
    ['datapointsToAlarm equal to evaluationPeriods', editStep((p) => ({ ...p, alarm: { ...p.alarm, datapointsToAlarm: 3 } })), []],
    ['treatMissingData', editStep((p) => ({ ...p, alarm: { ...p.alarm, treatMissingData: 'breaching' } })), [['/spec/autoScaling/stepScaling/out/alarm/treatMissingData', 'changed', 'missing', 'breaching']]],
    ['an alarm dimension', editStep((p) => ({ ...p, alarm: { ...p.alarm, dimensions: [{ name: 'ServiceName', value: 'api' }] } })),
      [['/spec/autoScaling/stepScaling/out/alarm/dimensions/0/value', 'changed', 'web', 'api']]],
    ['a schedule, whitespace aside', editScheduled((a) => ({ ...a, schedule: ' cron(0  22 * * ? *) ' })), []],
    ['a schedule', editScheduled((a) => ({ ...a, schedule: 'cron(0 23 * * ? *)' })), [['/spec/autoScaling/scheduled/night/schedule', 'changed', 'cron(0 22 * * ? *)', 'cron(0 23 * * ? *)']]],
    ['a start time at the same instant', editScheduled((a) => ({ ...a, startTime: '2030-01-01T01:00:00+01:00' })), []],
    ['a start time removed', editScheduled(({ startTime: _s, ...a }) => a), [['/spec/autoScaling/scheduled/night/startTime', 'removed', '2030-01-01T00:00:00.000Z', undefined]]],
    ['a time zone', editScheduled((a) => ({ ...a, timezone: 'Europe/Paris' })), [['/spec/autoScaling/scheduled/night/timezone', 'changed', 'UTC', 'Europe/Paris']]],
    ['a scheduled maxCapacity added', editScheduled((a) => ({ ...a, maxCapacity: 2 })), [['/spec/autoScaling/scheduled/night/maxCapacity', 'added', undefined, 2]]],
  ])('%s', (_name, edit, expected) => {
    expect(summary(edit(spec), stored())).toEqual(expected);
  });

  it('adds and removes whole policies and scheduled actions under their names', () => {
    const desired: AutoScalingSpec = {
      ...spec,
      targetTracking: [{ name: 'memory', targetValue: 70, predefinedMetric: 'ECSServiceAverageMemoryUtilization' }],
      stepScaling: [],
      scheduled: [{ name: 'morning', schedule: 'cron(0 6 * * ? *)', minCapacity: 2 }],
    };
    const changes = summary(desired, stored()).map(([pointer, kind]) => [pointer, kind]);
    expect(changes).toEqual([
      ['/spec/autoScaling/scheduled/morning', 'added'],
      ['/spec/autoScaling/scheduled/night', 'removed'],
      ['/spec/autoScaling/stepScaling/out', 'removed'],
      ['/spec/autoScaling/targetTracking/cpu', 'removed'],
      ['/spec/autoScaling/targetTracking/memory', 'added'],
    ]);
  });

  it('a live policy of another type under a declared name is a change', () => {
    const desired: AutoScalingSpec = { ...spec, targetTracking: [{ name: 'out', targetValue: 50, predefinedMetric: 'ECSServiceAverageCPUUtilization' }], stepScaling: [] };
    expect(summary(desired, stored()).map(([pointer, kind]) => [pointer, kind])).toEqual([
      ['/spec/autoScaling/stepScaling/out', 'removed'],
      ['/spec/autoScaling/targetTracking/cpu', 'removed'],
      ['/spec/autoScaling/targetTracking/out', 'added'],
    ]);
  });

  it('an alarm no longer pointing at its policy, disabled, or missing is a change', () => {
    const live = stored();
    const rewired = { ...live, alarms: live.alarms.map((a) => ({ ...a, AlarmActions: ['arn:aws:sns:eu-west-1:1:topic'] })) };
    expect(summary(spec, rewired)).toEqual([['/spec/autoScaling/stepScaling/out/alarm/alarmActions', 'changed', ['arn:aws:sns:eu-west-1:1:topic'], ['<policy-arn:out>']]]);
    const disabled = { ...live, alarms: live.alarms.map((a) => ({ ...a, ActionsEnabled: false })) };
    expect(summary(spec, disabled)).toEqual([['/spec/autoScaling/stepScaling/out/alarm/actionsEnabled', 'changed', false, true]]);
    expect(summary(spec, { ...live, alarms: [] }).map(([pointer, kind]) => [pointer, kind])).toEqual([['/spec/autoScaling/stepScaling/out/alarm', 'added']]);
  });

  it('a PredictiveScaling policy added outside Git on an owned target is removed', () => {
    const live = stored();
    const forecast: ScalingPolicy = {
      PolicyName: 'forecast', PolicyARN: 'arn:forecast', PolicyType: 'PredictiveScaling', ServiceNamespace: 'ecs', ResourceId: 'service/prod/web',
      ScalableDimension: 'ecs:service:DesiredCount', CreationTime: new Date(0),
    };
    expect(summary(spec, { ...live, policies: [...live.policies, forecast] })).toEqual([['/spec/autoScaling/otherPolicies/forecast', 'removed', { policyType: 'PredictiveScaling' }, undefined]]);
  });

  it('escapes names in pointers (RFC 6901)', () => {
    const desired: AutoScalingSpec = { ...spec, targetTracking: [{ name: 'req/target~1', targetValue: 50, predefinedMetric: 'ECSServiceAverageCPUUtilization' }] };
    const changes = summary(desired, stored(desired));
    expect(changes).toEqual([]);
    const changed = summary(editTracking((p) => ({ ...p, targetValue: 51 }))(desired), stored(desired));
    expect(changed[0]?.[0]).toBe('/spec/autoScaling/targetTracking/req~1target~01/targetValue');
  });
});
