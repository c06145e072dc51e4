/**
 * normalizeDesiredScaling / normalizeLiveScaling, rule by rule: the defaults
 * Application Auto Scaling and CloudWatch fill in, on both sides; live-only
 * fields dropped; schedules, instants, dimensions and metric queries in one
 * form.
 */
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import type * as CW from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import {
  camelCaseKeys,
  canonicalInstant,
  canonicalSchedule,
  normalizeDesiredScaling,
  normalizeLiveScaling,
  pascalCaseKeys,
  scalingSummary,
} from '../../src/diff/index.js';
import type { AutoScalingSpec } from '../../src/manifests/types.js';
import type { LiveScaling } from '../../src/plan/scaling-types.js';

const target: AAS.ScalableTarget = {
  ServiceNamespace: 'ecs', ResourceId: 'service/prod/web', ScalableDimension: 'ecs:service:DesiredCount',
  MinCapacity: 1, MaxCapacity: 4, RoleARN: 'arn:aws:iam::1:role/slr', CreationTime: new Date(0),
};
const ARN = 'arn:aws:autoscaling:eu-west-1:1:scalingPolicy:u:resource/ecs/service/prod/web:policyName/out';

function live(parts: Partial<LiveScaling>): LiveScaling {
  return { target, policies: [], scheduledActions: [], alarms: [], ...parts };
}

const base: AutoScalingSpec = { minCapacity: 1, maxCapacity: 4 };

describe('normalizeDesiredScaling', () => {
  it('fills suspendedState, cooldowns, disableScaleIn, aggregation, alarm and schedule defaults', () => {
    const canonical = normalizeDesiredScaling({
      ...base,
      targetTracking: [{ name: 'cpu', targetValue: 50, predefinedMetric: 'ECSServiceAverageCPUUtilization' }],
      stepScaling: [{
        name: 'out', adjustmentType: 'ChangeInCapacity', stepAdjustments: [{ metricIntervalLowerBound: 0, scalingAdjustment: 1 }],
        alarm: { metricName: 'CPUUtilization', namespace: 'AWS/ECS', period: 60, evaluationPeriods: 3, threshold: 80, comparisonOperator: 'GreaterThanThreshold' },
      }],
      scheduled: [{ name: 'night', schedule: 'cron(0 22 * * ? *)', minCapacity: 0 }],
    });
    expect(canonical).toEqual({
      minCapacity: 1,
      maxCapacity: 4,
      suspendedState: { dynamicScalingInSuspended: false, dynamicScalingOutSuspended: false, scheduledScalingSuspended: false },
      targetTracking: { cpu: { targetValue: 50, predefinedMetric: 'ECSServiceAverageCPUUtilization', scaleInCooldown: 300, scaleOutCooldown: 300, disableScaleIn: false } },
      stepScaling: {
        out: {
          adjustmentType: 'ChangeInCapacity', stepAdjustments: [{ metricIntervalLowerBound: 0, scalingAdjustment: 1 }], cooldown: 300, metricAggregationType: 'Average',
          alarm: {
            metricName: 'CPUUtilization', namespace: 'AWS/ECS', statistic: 'Average', period: 60, evaluationPeriods: 3, datapointsToAlarm: 3, threshold: 80,
            comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'missing', actionsEnabled: true, alarmActions: ['<policy-arn:out>'],
          },
        },
      },
      scheduled: { night: { schedule: 'cron(0 22 * * ? *)', timezone: 'UTC', minCapacity: 0 } },
    });
  });

  it('keeps an extended statistic without adding a statistic', () => {
    const canonical = normalizeDesiredScaling({
      ...base,
      stepScaling: [{
        name: 'out', adjustmentType: 'ChangeInCapacity', stepAdjustments: [{ scalingAdjustment: 1, metricIntervalLowerBound: 0 }],
        alarm: { metricName: 'Latency', namespace: 'App', extendedStatistic: 'p99', period: 60, evaluationPeriods: 1, threshold: 1, comparisonOperator: 'GreaterThanThreshold' },
      }],
    });
    const alarm = (canonical.stepScaling as Record<string, { alarm: Record<string, unknown> }>).out?.alarm;
    expect(alarm?.extendedStatistic).toBe('p99');
    expect(alarm).not.toHaveProperty('statistic');
  });

  it('has no empty maps when nothing but capacities is declared', () => {
    expect(Object.keys(normalizeDesiredScaling(base)).sort()).toEqual(['maxCapacity', 'minCapacity', 'suspendedState']);
  });
});

describe('normalizeLiveScaling', () => {
  it('is empty for no live scaling', () => {
    expect(normalizeLiveScaling(undefined)).toEqual({});
    expect(normalizeLiveScaling({ policies: [], scheduledActions: [], alarms: [] })).toEqual({});
  });

  it('drops ARNs, creation times, target tracking alarms and the policy type, and fills the same defaults', () => {
    const policy: AAS.ScalingPolicy = {
      PolicyName: 'cpu', PolicyARN: 'arn:p', PolicyType: 'TargetTrackingScaling', ServiceNamespace: 'ecs', ResourceId: 'service/prod/web',
      ScalableDimension: 'ecs:service:DesiredCount', CreationTime: new Date(0), Alarms: [{ AlarmName: 'TargetTracking-x', AlarmARN: 'arn:a' }],
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } },
    };
    expect(normalizeLiveScaling(live({ policies: [policy] }))).toEqual(
      normalizeDesiredScaling({ ...base, targetTracking: [{ name: 'cpu', targetValue: 50, predefinedMetric: 'ECSServiceAverageCPUUtilization' }] }),
    );
  });

  it('links an alarm of ours to its step policy by name, the policy ARN standing for the placeholder', () => {
    const policy: AAS.ScalingPolicy = {
      PolicyName: 'out', PolicyARN: ARN, PolicyType: 'StepScaling', ServiceNamespace: 'ecs', ResourceId: 'service/prod/web', ScalableDimension: 'ecs:service:DesiredCount',
      CreationTime: new Date(0), StepScalingPolicyConfiguration: { AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }] },
    };
    const alarm: CW.MetricAlarm = {
      AlarmName: 'ecs-gitops/prod/web/out', AlarmArn: 'arn:a', StateValue: 'ALARM', AlarmActions: [ARN], OKActions: ['arn:sns'], MetricName: 'CPUUtilization',
      Namespace: 'AWS/ECS', Statistic: 'Average', Period: 60, EvaluationPeriods: 3, Threshold: 80, ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'ServiceName', Value: 'web' }, { Name: 'ClusterName', Value: 'prod' }],
    };
    const stepScaling = normalizeLiveScaling(live({ policies: [policy], alarms: [alarm] }), { cluster: 'prod', service: 'web' }).stepScaling as Record<string, Record<string, unknown>>;
    expect(stepScaling.out?.alarm).toEqual({
      metricName: 'CPUUtilization', namespace: 'AWS/ECS', statistic: 'Average', period: 60, evaluationPeriods: 3, datapointsToAlarm: 3, threshold: 80,
      comparisonOperator: 'GreaterThanThreshold', treatMissingData: 'missing', actionsEnabled: true, alarmActions: ['<policy-arn:out>'],
      dimensions: [{ name: 'ClusterName', value: 'prod' }, { name: 'ServiceName', value: 'web' }],
    });
  });

  it('keeps an alarm whose policy is gone as a step entry holding only the alarm, and ignores other services\' alarms when scoped', () => {
    const alarms: CW.MetricAlarm[] = [
      { AlarmName: 'ecs-gitops/prod/web/old', AlarmActions: [ARN], MetricName: 'm', Namespace: 'n', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' },
      { AlarmName: 'ecs-gitops/prod/api/x', MetricName: 'm', Namespace: 'n', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' },
    ];
    const stepScaling = normalizeLiveScaling(live({ alarms }), { cluster: 'prod', service: 'web' }).stepScaling as Record<string, Record<string, unknown>>;
    expect(Object.keys(stepScaling)).toEqual(['old']);
    expect(Object.keys(stepScaling.old ?? {})).toEqual(['alarm']);
    expect((stepScaling.old?.alarm as Record<string, unknown>).alarmActions).toEqual([ARN]);
  });

  it('reports a policy of a type a manifest cannot declare under otherPolicies', () => {
    const policy: AAS.ScalingPolicy = {
      PolicyName: 'forecast', PolicyARN: 'arn:p', PolicyType: 'PredictiveScaling', ServiceNamespace: 'ecs', ResourceId: 'service/prod/web',
      ScalableDimension: 'ecs:service:DesiredCount', CreationTime: new Date(0),
    };
    expect(normalizeLiveScaling(live({ policies: [policy] })).otherPolicies).toEqual({ forecast: { policyType: 'PredictiveScaling' } });
  });

  it('sorts step adjustments by their bounds and metric queries by id', () => {
    const step: AAS.ScalingPolicy = {
      PolicyName: 's', PolicyARN: 'arn:s', PolicyType: 'StepScaling', ServiceNamespace: 'ecs', ResourceId: 'r', ScalableDimension: 'ecs:service:DesiredCount', CreationTime: new Date(0),
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [{ MetricIntervalLowerBound: 10, ScalingAdjustment: 2 }, { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }],
      },
    };
    const tracking: AAS.ScalingPolicy = {
      PolicyName: 't', PolicyARN: 'arn:t', PolicyType: 'TargetTrackingScaling', ServiceNamespace: 'ecs', ResourceId: 'r', ScalableDimension: 'ecs:service:DesiredCount', CreationTime: new Date(0),
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 1,
        CustomizedMetricSpecification: { Metrics: [{ Id: 'm2', Expression: 'm1 * 2' }, { Id: 'm1', MetricStat: { Metric: { MetricName: 'x', Namespace: 'n' }, Stat: 'Sum' }, ReturnData: false }] },
      },
    };
    const canonical = normalizeLiveScaling(live({ policies: [step, tracking] }));
    expect((canonical.stepScaling as Record<string, Record<string, unknown>>).s?.stepAdjustments).toEqual([
      { metricIntervalLowerBound: 0, metricIntervalUpperBound: 10, scalingAdjustment: 1 },
      { metricIntervalLowerBound: 10, scalingAdjustment: 2 },
    ]);
    expect((canonical.targetTracking as Record<string, Record<string, unknown>>).t?.customizedMetric).toEqual({
      metrics: [
        { id: 'm1', metricStat: { metric: { metricName: 'x', namespace: 'n' }, stat: 'Sum' }, returnData: false },
        { id: 'm2', expression: 'm1 * 2', returnData: true },
      ],
    });
  });
});

describe('schedules and instants', () => {
  const tz = process.env.TZ;
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it.each([
    ['cron(0 22 * * ? *)', 'cron(0 22 * * ? *)'],
    ['  cron(0   22  * * ? * )\n', 'cron(0 22 * * ? *)'],
    ['rate(5   minutes)', 'rate(5 minutes)'],
    ['at( 2030-01-01T00:00:00 )', 'at(2030-01-01T00:00:00)'],
    ['something else ', 'something else'],
  ])('schedule %j is compared as %j', (written, canonical) => {
    expect(canonicalSchedule(written)).toBe(canonical);
  });

  it.each([
    ['2030-01-01T06:00:00', '2030-01-01T06:00:00.000Z'],
    ['2030-01-01T06:00:00Z', '2030-01-01T06:00:00.000Z'],
    ['2030-01-01T08:00:00+02:00', '2030-01-01T06:00:00.000Z'],
    ['2030-01-01T01:00:00-0500', '2030-01-01T06:00:00.000Z'],
    ['2030-01-01', '2030-01-01T00:00:00.000Z'],
    ['next tuesday', 'next tuesday'],
  ])('instant %j is %j whatever the local time zone', (written, instant) => {
    process.env.TZ = 'Asia/Kolkata';
    expect(canonicalInstant(written)).toBe(instant);
    process.env.TZ = 'America/Los_Angeles';
    expect(canonicalInstant(written)).toBe(instant);
  });

  it('reads SDK Dates as the same instants', () => {
    expect(canonicalInstant(new Date('2030-01-01T06:00:00Z'))).toBe('2030-01-01T06:00:00.000Z');
  });
});

describe('key case conversion and the status summary', () => {
  it('converts keys at every level and never values', () => {
    const camel = { metricName: 'CPU', dimensions: [{ name: 'ServiceName', value: 'web' }], metrics: [{ id: 'm1', metricStat: { stat: 'Average' } }] };
    const pascal = pascalCaseKeys(camel);
    expect(pascal).toEqual({ MetricName: 'CPU', Dimensions: [{ Name: 'ServiceName', Value: 'web' }], Metrics: [{ Id: 'm1', MetricStat: { Stat: 'Average' } }] });
    expect(camelCaseKeys(pascal)).toEqual(camel);
  });

  it('summarizes the live target, policies and scheduled actions, sorted', () => {
    const policies = ['b', 'a'].map((name) => ({ PolicyName: name, PolicyARN: name, PolicyType: 'StepScaling', ServiceNamespace: 'ecs', ResourceId: 'r', ScalableDimension: 'ecs:service:DesiredCount', CreationTime: new Date(0) }) as AAS.ScalingPolicy);
    const scheduledActions = [{ ScheduledActionName: 'night', ScheduledActionARN: 'x', ServiceNamespace: 'ecs', Schedule: 'rate(1 hour)', ResourceId: 'r', CreationTime: new Date(0) } as AAS.ScheduledAction];
    expect(scalingSummary(live({ policies, scheduledActions }))).toEqual({ minCapacity: 1, maxCapacity: 4, policies: ['a', 'b'], scheduled: ['night'] });
    expect(scalingSummary({ policies: [], scheduledActions: [], alarms: [] })).toBeUndefined();
    expect(scalingSummary(undefined)).toBeUndefined();
  });
});
