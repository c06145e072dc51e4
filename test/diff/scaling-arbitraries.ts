/**
 * fast-check generators of `spec.autoScaling` blocks in the forms users write
 * them (defaults left out or spelled out, times with and without offsets,
 * schedules with stray whitespace), and `awsStored`: the LiveScaling that
 * Application Auto Scaling and CloudWatch would report after the controller
 * created that block (defaults filled in or not, PascalCase, lists in any
 * order, Dates for times, ARNs and other live-only fields).
 */
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import type * as CW from '@aws-sdk/client-cloudwatch';
import fc from 'fast-check';
import type {
  AutoScalingSpec,
  ScheduledActionSpec,
  StepScalingAlarmSpec,
  StepScalingPolicySpec,
  TargetTrackingPolicySpec,
} from '../../src/manifests/types.js';
import { scalingResourceId } from '../../src/autoscaling/scaling-api.js';
import { scalingAlarmName, type LiveScaling } from '../../src/plan/scaling-types.js';

/** A small pool, so that names collide across policy types and between generated states. */
const policyName = fc.constantFrom('cpu', 'memory', 'scale-out', 'scale-in', 'req/target', 'p~1');
const actionName = fc.constantFrom('night', 'morning', 'weekend', 'peak');
const dimension = fc.record({ name: fc.constantFrom('ServiceName', 'ClusterName', 'TargetGroup'), value: fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/) });
const dimensions = fc.uniqueArray(dimension, { maxLength: 3, selector: (d) => d.name });

const simpleCustomizedMetric = fc.record(
  {
    metricName: fc.constantFrom('CPUUtilization', 'QueueDepth'),
    namespace: fc.constantFrom('AWS/ECS', 'Custom/App'),
    dimensions,
    statistic: fc.constantFrom('Average', 'Sum', 'Maximum'),
    unit: fc.constantFrom('Percent', 'Count'),
  },
  { requiredKeys: ['metricName', 'namespace', 'statistic'] },
);

const metricMathCustomizedMetric = fc
  .tuple(fc.constantFrom('CPUUtilization', 'MemoryUtilization'), dimensions, fc.boolean())
  .map(([metricName, dims, explicitReturn]) => ({
    metrics: [
      { id: 'm1', metricStat: { metric: { metricName, namespace: 'AWS/ECS', dimensions: dims }, stat: 'Average' }, returnData: false },
      { id: 'e1', expression: 'm1 * 2', label: 'doubled', ...(explicitReturn ? { returnData: true } : {}) },
    ],
  }));

const targetTrackingFields = fc.oneof(
  fc.record({ predefinedMetric: fc.constantFrom('ECSServiceAverageCPUUtilization' as const, 'ECSServiceAverageMemoryUtilization' as const) }),
  fc.record({
    predefinedMetric: fc.constant('ALBRequestCountPerTarget' as const),
    resourceLabel: fc.constant('app/my-alb/778d41231b141a0f/targetgroup/my-tg/943f017f100becff'),
  }),
  fc.record({ customizedMetric: fc.oneof(simpleCustomizedMetric, metricMathCustomizedMetric) }),
);

const targetTracking = (name: string): fc.Arbitrary<TargetTrackingPolicySpec> =>
  fc
    .tuple(
      targetTrackingFields,
      fc.record(
        {
          targetValue: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0.5, max: 100, noNaN: true })),
          scaleInCooldown: fc.oneof(fc.constant(300), fc.integer({ min: 0, max: 3600 })),
          scaleOutCooldown: fc.oneof(fc.constant(300), fc.integer({ min: 0, max: 3600 })),
          disableScaleIn: fc.boolean(),
        },
        { requiredKeys: ['targetValue'] },
      ),
    )
    .map(([metric, rest]) => ({ name, ...metric, ...rest }) as TargetTrackingPolicySpec);

const stepAdjustments = fc.constantFrom(
  [{ metricIntervalLowerBound: 0, scalingAdjustment: 1 }],
  [
    { metricIntervalLowerBound: 0, metricIntervalUpperBound: 10, scalingAdjustment: 1 },
    { metricIntervalLowerBound: 10, scalingAdjustment: 3 },
  ],
  [{ metricIntervalUpperBound: 0, scalingAdjustment: -1 }],
  [
    { metricIntervalUpperBound: -10, scalingAdjustment: -2 },
    { metricIntervalLowerBound: -10, metricIntervalUpperBound: 0, scalingAdjustment: -1 },
  ],
);

const alarm: fc.Arbitrary<StepScalingAlarmSpec> = fc
  .tuple(
    fc.record(
      {
        metricName: fc.constantFrom('CPUUtilization', 'MemoryUtilization'),
        namespace: fc.constant('AWS/ECS'),
        dimensions,
        unit: fc.constantFrom('Percent', 'Count'),
        period: fc.constantFrom(60, 300),
        evaluationPeriods: fc.integer({ min: 1, max: 5 }),
        threshold: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true })),
        comparisonOperator: fc.constantFrom('GreaterThanThreshold', 'LessThanThreshold', 'GreaterThanOrEqualToThreshold'),
        treatMissingData: fc.constantFrom('breaching' as const, 'notBreaching' as const, 'ignore' as const, 'missing' as const),
      },
      { requiredKeys: ['metricName', 'namespace', 'period', 'evaluationPeriods', 'threshold', 'comparisonOperator'] },
    ),
    fc.oneof(
      fc.constant({}),
      fc.record({ statistic: fc.constantFrom('Average' as const, 'Maximum' as const, 'Sum' as const) }),
      fc.record({ extendedStatistic: fc.constantFrom('p90', 'p99') }),
    ),
    fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  )
  .map(([fields, statistic, datapoints]) => ({
    ...fields,
    ...statistic,
    ...(datapoints !== undefined ? { datapointsToAlarm: Math.min(datapoints, fields.evaluationPeriods) } : {}),
  }));

const stepScaling = (name: string): fc.Arbitrary<StepScalingPolicySpec> =>
  fc
    .record(
      {
        adjustmentType: fc.constantFrom('ChangeInCapacity' as const, 'PercentChangeInCapacity' as const, 'ExactCapacity' as const),
        stepAdjustments,
        cooldown: fc.oneof(fc.constant(300), fc.integer({ min: 0, max: 3600 })),
        metricAggregationType: fc.constantFrom('Average' as const, 'Minimum' as const, 'Maximum' as const),
        minAdjustmentMagnitude: fc.integer({ min: 1, max: 3 }),
        alarm,
      },
      { requiredKeys: ['adjustmentType', 'stepAdjustments', 'alarm'] },
    )
    .map((fields) => ({ name, ...fields }));

/** Whole seconds between 2026 and 2036. */
const instant = fc.integer({ min: 1_767_225_600, max: 2_082_758_400 }).map((seconds) => seconds * 1000);

/** An instant as a manifest writes it: UTC without offset, with Z, or with an offset. */
const writtenInstant = fc.tuple(instant, fc.constantFrom('bare', 'z', 'offset')).map(([ms, style]) => {
  const iso = new Date(ms).toISOString().replace('.000Z', '');
  if (style === 'bare') return iso;
  if (style === 'z') return `${iso}Z`;
  const shifted = new Date(ms + 2 * 3600_000).toISOString().replace('.000Z', '');
  return `${shifted}+02:00`;
});

const schedule = fc.constantFrom(
  'cron(0 22 * * ? *)',
  '  cron(0   22 * *  ? *)  ',
  'cron( 30 6 ? * MON-FRI * )',
  'rate(5 minutes)',
  'rate(1  hour)',
  'at(2030-01-01T00:00:00)',
);

const scheduled = (name: string): fc.Arbitrary<ScheduledActionSpec> =>
  fc
    .tuple(
      fc.record(
        { schedule, timezone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York'), startTime: writtenInstant, endTime: writtenInstant },
        { requiredKeys: ['schedule'] },
      ),
      fc.oneof(
        fc.record({ minCapacity: fc.integer({ min: 0, max: 5 }) }),
        fc.record({ maxCapacity: fc.integer({ min: 5, max: 20 }) }),
        fc.record({ minCapacity: fc.integer({ min: 0, max: 5 }), maxCapacity: fc.integer({ min: 5, max: 20 }) }),
      ),
    )
    .map(([fields, capacity]) => ({ name, ...fields, ...capacity }));

function namedItems<T>(names: fc.Arbitrary<string>, make: (name: string) => fc.Arbitrary<T>, maxLength: number): fc.Arbitrary<T[]> {
  return fc.uniqueArray(names, { maxLength }).chain((unique) => (unique.length === 0 ? fc.constant([]) : fc.tuple(...unique.map(make))));
}

/** Policies with names unique across both types (Application Auto Scaling's rule). */
const policies = fc
  .uniqueArray(fc.tuple(policyName, fc.boolean()), { maxLength: 4, selector: ([name]) => name })
  .chain((picked) => {
    const tracking = picked.filter(([, isStep]) => !isStep).map(([name]) => targetTracking(name));
    const steps = picked.filter(([, isStep]) => isStep).map(([name]) => stepScaling(name));
    return fc.tuple(tracking.length ? fc.tuple(...tracking) : fc.constant([]), steps.length ? fc.tuple(...steps) : fc.constant([]));
  });

export const autoScalingSpecArb: fc.Arbitrary<AutoScalingSpec> = fc
  .tuple(
    fc.integer({ min: 0, max: 10 }),
    fc.integer({ min: 0, max: 20 }),
    fc.option(
      fc.record(
        { dynamicScalingInSuspended: fc.boolean(), dynamicScalingOutSuspended: fc.boolean(), scheduledScalingSuspended: fc.boolean() },
        { requiredKeys: [] },
      ),
      { nil: undefined },
    ),
    policies,
    namedItems(actionName, scheduled, 3),
  )
  .map(([min, extra, suspendedState, [tracking, steps], actions]) => ({
    minCapacity: min,
    maxCapacity: min + extra,
    ...(suspendedState !== undefined ? { suspendedState } : {}),
    ...(tracking.length ? { targetTracking: tracking } : {}),
    ...(steps.length ? { stepScaling: steps } : {}),
    ...(actions.length ? { scheduled: actions } : {}),
  }));

/** How AWS happens to report a stored block: defaults spelled out or left out, and a seed for list order. */
export interface StoredStyle {
  readonly fillDefaults: boolean;
  readonly seed: number;
}

export const storedStyleArb: fc.Arbitrary<StoredStyle> = fc.record({ fillDefaults: fc.boolean(), seed: fc.integer({ min: 1, max: 1_000_000 }) });

export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

function pascal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascal);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), pascal(v)]));
  }
  return value;
}

export function policyArn(cluster: string, service: string, name: string): string {
  return `arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:0b3c5ac4-1111-2222-3333-444455556666:resource/ecs/${scalingResourceId(cluster, service)}:policyName/${name}`;
}

/** The LiveScaling AWS would report once `spec` was applied for cluster/service. */
export function awsStored(spec: AutoScalingSpec, cluster: string, service: string, style: StoredStyle): LiveScaling {
  const { fillDefaults, seed } = style;
  const created = new Date('2026-01-01T00:00:00Z');
  const resourceId = scalingResourceId(cluster, service);
  const common = { ServiceNamespace: 'ecs' as const, ResourceId: resourceId, ScalableDimension: 'ecs:service:DesiredCount' as const };
  const suspended = spec.suspendedState;
  const target: AAS.ScalableTarget = {
    ...common,
    MinCapacity: spec.minCapacity,
    MaxCapacity: spec.maxCapacity,
    RoleARN: 'arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService',
    CreationTime: created,
    ScalableTargetARN: 'arn:aws:application-autoscaling:eu-west-1:123456789012:scalable-target/0123',
    ...(fillDefaults || suspended
      ? {
          SuspendedState: {
            DynamicScalingInSuspended: suspended?.dynamicScalingInSuspended ?? false,
            DynamicScalingOutSuspended: suspended?.dynamicScalingOutSuspended ?? false,
            ScheduledScalingSuspended: suspended?.scheduledScalingSuspended ?? false,
          },
        }
      : {}),
  };
  const orDefault = <T>(value: T | undefined, fallback: T): T | undefined => value ?? (fillDefaults ? fallback : undefined);

  const policies: AAS.ScalingPolicy[] = [];
  const alarms: CW.MetricAlarm[] = [];
  for (const p of spec.targetTracking ?? []) {
    const customized = p.customizedMetric === undefined ? undefined : (pascal(shuffleDimensions(p.customizedMetric, seed)) as AAS.CustomizedMetricSpecification);
    policies.push({
      ...common,
      PolicyName: p.name,
      PolicyARN: policyArn(cluster, service, p.name),
      PolicyType: 'TargetTrackingScaling',
      CreationTime: created,
      Alarms: [{ AlarmName: `TargetTracking-${resourceId}-AlarmHigh-1`, AlarmARN: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x' }],
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: p.targetValue,
        ...(p.predefinedMetric ? { PredefinedMetricSpecification: { PredefinedMetricType: p.predefinedMetric, ...(p.resourceLabel ? { ResourceLabel: p.resourceLabel } : {}) } } : {}),
        ...(customized ? { CustomizedMetricSpecification: customized } : {}),
        ScaleInCooldown: orDefault(p.scaleInCooldown, 300),
        ScaleOutCooldown: orDefault(p.scaleOutCooldown, 300),
        DisableScaleIn: orDefault(p.disableScaleIn, false),
      },
    });
  }
  for (const p of spec.stepScaling ?? []) {
    const arn = policyArn(cluster, service, p.name);
    const alarmName = scalingAlarmName(cluster, service, p.name);
    policies.push({
      ...common,
      PolicyName: p.name,
      PolicyARN: arn,
      PolicyType: 'StepScaling',
      CreationTime: created,
      Alarms: [{ AlarmName: alarmName, AlarmARN: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}` }],
      StepScalingPolicyConfiguration: {
        AdjustmentType: p.adjustmentType,
        StepAdjustments: shuffle(p.stepAdjustments, seed).map((s) => pascal(s) as AAS.StepAdjustment),
        Cooldown: orDefault(p.cooldown, 300),
        MetricAggregationType: orDefault(p.metricAggregationType, 'Average'),
        ...(p.minAdjustmentMagnitude !== undefined ? { MinAdjustmentMagnitude: p.minAdjustmentMagnitude } : {}),
      },
    });
    const a = p.alarm;
    alarms.push({
      AlarmName: alarmName,
      AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${alarmName}`,
      AlarmConfigurationUpdatedTimestamp: created,
      StateValue: 'OK',
      StateReason: 'Threshold Crossed',
      StateUpdatedTimestamp: created,
      ActionsEnabled: orDefault(undefined, true),
      AlarmActions: [arn],
      OKActions: [],
      InsufficientDataActions: [],
      MetricName: a.metricName,
      Namespace: a.namespace,
      ...(a.dimensions ? { Dimensions: shuffle(a.dimensions, seed).map((d) => ({ Name: d.name, Value: d.value })) } : {}),
      // PutMetricAlarm needs a statistic; the controller sends Average when the manifest names none.
      ...(a.extendedStatistic ? { ExtendedStatistic: a.extendedStatistic } : { Statistic: a.statistic ?? 'Average' }),
      ...(a.unit ? { Unit: a.unit as CW.StandardUnit } : {}),
      Period: a.period,
      EvaluationPeriods: a.evaluationPeriods,
      DatapointsToAlarm: orDefault(a.datapointsToAlarm, a.evaluationPeriods),
      Threshold: a.threshold,
      ComparisonOperator: a.comparisonOperator as CW.ComparisonOperator,
      TreatMissingData: orDefault(a.treatMissingData, 'missing'),
    });
  }
  const scheduledActions: AAS.ScheduledAction[] = (spec.scheduled ?? []).map((s) => ({
    ...common,
    ScheduledActionName: s.name,
    ScheduledActionARN: `arn:aws:autoscaling:eu-west-1:123456789012:scheduledAction:x:resource/ecs/${resourceId}:scheduledActionName/${s.name}`,
    // AWS keeps the expression as sent; the controller sends it with its whitespace collapsed.
    Schedule: s.schedule.trim().replace(/\(\s+/, '(').replace(/\s+\)$/, ')').replace(/\s+/g, ' '),
    Timezone: orDefault(s.timezone, 'UTC'),
    ...(s.startTime ? { StartTime: new Date(asUtc(s.startTime)) } : {}),
    ...(s.endTime ? { EndTime: new Date(asUtc(s.endTime)) } : {}),
    ScalableTargetAction: {
      ...(s.minCapacity !== undefined ? { MinCapacity: s.minCapacity } : {}),
      ...(s.maxCapacity !== undefined ? { MaxCapacity: s.maxCapacity } : {}),
    },
    CreationTime: created,
  }));
  return {
    target,
    policies: shuffle(policies, seed),
    scheduledActions: shuffle(scheduledActions, seed + 1),
    alarms: shuffle(alarms, seed + 2),
  };
}

/** Manifest times without an offset are UTC. */
function asUtc(text: string): string {
  return /(?:Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`;
}

function shuffleDimensions(metric: Readonly<Record<string, unknown>>, seed: number): Record<string, unknown> {
  const walk = (value: unknown, key: string): unknown => {
    if (Array.isArray(value)) return (key === 'dimensions' || key === 'metrics' ? shuffle(value, seed) : value).map((v) => walk(v, ''));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  return walk(metric, '') as Record<string, unknown>;
}
