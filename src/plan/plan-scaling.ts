/**
 * planScaling: the Application Auto Scaling and CloudWatch calls that bring a
 * service's live scaling to its manifest's `spec.autoScaling`, in the order
 * the APIs need (target, then policies, then the alarms that point at them,
 * then scheduled actions, then deletions). Only what differs after
 * normalization (src/diff/scaling-normalize.ts) is sent. Pure policy: a target
 * registered outside Git is never touched, and alarms are ours only by their
 * name prefix (scalingAlarmPrefix). Same plan in every mode: in detect mode
 * the controller reports it instead of applying it.
 */
import { tagValue } from './task-definition-input.js';
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import type * as CW from '@aws-sdk/client-cloudwatch';
import { ECS_DESIRED_COUNT_DIMENSION, ECS_SERVICE_NAMESPACE, scalingResourceId } from '../autoscaling/scaling-api.js';
import { deepEqual, isObject } from '../diff/json.js';
import {
  alarmPolicyName,
  livePolicyType,
  normalizeDesiredScaling,
  normalizeLiveScaling,
  pascalCaseKeys,
  STEP_SCALING_POLICY_TYPE,
  TARGET_TRACKING_POLICY_TYPE,
} from '../diff/scaling-normalize.js';
import { TAG_MANAGED_BY } from '../diff/tags.js';
import type { JsonObject, JsonValue } from '../diff/types.js';
import type { AutoScalingSpec, SyncMode } from '../manifests/types.js';
import { policyArnPlaceholder, scalingAlarmName, scalingAlarmPrefix, type LiveScaling, type ScalingAction, type ScalingPlan } from './scaling-types.js';

export interface PlanScalingInput {
  readonly cluster: string;
  readonly service: string;
  readonly desired: AutoScalingSpec | undefined;
  readonly live: LiveScaling | undefined;
  /** The service carries ecs-gitops/autoscaling = this controller: the target and everything on it are Git's. */
  readonly owned: boolean;
  /** A scalable target is registered that this controller did not register: never touched. */
  readonly external: boolean;
  readonly controllerId: string;
  /** Does not change the plan: detect mode reports it, auto mode applies it. */
  readonly mode?: SyncMode;
}

/** The three fields that name the service's scalable target in every Application Auto Scaling request. */
type TargetIdentity = Pick<AAS.DeregisterScalableTargetRequest, 'ServiceNamespace' | 'ResourceId' | 'ScalableDimension'>;

/** DeleteAlarms takes at most 100 names per call (CloudWatch's limit). */
const DELETE_ALARMS_BATCH = 100;

/** Scheduled action fields PutScheduledAction keeps when a request leaves them out: clearing one needs a delete first. */
const STICKY_SCHEDULED_FIELDS = ['startTime', 'endTime', 'minCapacity', 'maxCapacity'] as const;

export function planScaling(input: PlanScalingInput): ScalingPlan {
  const { cluster, service, desired, live, owned, external, controllerId } = input;
  const ourAlarms = (live?.alarms ?? [])
    .map((alarm) => alarm.AlarmName)
    .filter((name): name is string => name !== undefined && name.startsWith(scalingAlarmPrefix(cluster, service)))
    .sort();
  const target: TargetIdentity = { ServiceNamespace: ECS_SERVICE_NAMESPACE, ResourceId: scalingResourceId(cluster, service), ScalableDimension: ECS_DESIRED_COUNT_DIMENSION };

  if (external) {
    if (desired === undefined) return { actions: [] };
    return {
      actions: [],
      blocked: {
        code: 'DIFF_SCALING_TARGET_NOT_OWNED',
        message:
          `service ${cluster}/${service}: a scalable target for its desiredCount was registered outside Git (not by controller ${controllerId}: ` +
          'the service carries no ecs-gitops/autoscaling tag for it), so the manifest\'s spec.autoScaling is not applied and the target, its policies, ' +
          'alarms and scheduled actions are left to their owner',
      },
    };
  }

  const actions: ScalingAction[] = [];
  if (desired === undefined) {
    if (!owned) return { actions: [] };
    // AWS deletes the target's policies and scheduled actions with it; the alarms are CloudWatch's and ours to delete.
    actions.push(...deleteAlarms(ourAlarms));
    if (live?.target !== undefined) actions.push({ kind: 'deregisterScalableTarget', input: { ...target } });
    return { actions };
  }

  const want = normalizeDesiredScaling(desired);
  const have = normalizeLiveScaling(live, { cluster, service });

  // 1. The scalable target.
  const targetFields = ['minCapacity', 'maxCapacity', 'suspendedState'] as const;
  if (live?.target === undefined || targetFields.some((field) => !deepEqual(want[field], have[field]))) {
    const suspended = objectAt(want, 'suspendedState');
    actions.push({
      kind: 'registerScalableTarget',
      input: {
        ...target,
        MinCapacity: desired.minCapacity,
        MaxCapacity: desired.maxCapacity,
        SuspendedState: pascalCaseKeys(suspended) as AAS.SuspendedState,
        ...(live?.target === undefined ? { Tags: { [TAG_MANAGED_BY]: tagValue(controllerId) } } : {}),
      },
    });
  }

  // 2. Policies: a live policy of another type under a declared name is deleted first (a put cannot change the type).
  const livePolicies = new Map((live?.policies ?? []).filter((p) => p.PolicyName !== undefined).map((p) => [p.PolicyName as string, p] as const));
  const wantTracking = objectAt(want, 'targetTracking');
  const wantStep = objectAt(want, 'stepScaling');
  const haveTracking = objectAt(have, 'targetTracking');
  const haveStep = objectAt(have, 'stepScaling');
  const declaredType = new Map<string, string>([
    ...Object.keys(wantTracking).map((name) => [name, TARGET_TRACKING_POLICY_TYPE] as const),
    ...Object.keys(wantStep).map((name) => [name, STEP_SCALING_POLICY_TYPE] as const),
  ]);
  const retyped = new Set<string>();
  for (const [name, type] of declaredType) {
    const livePolicy = livePolicies.get(name);
    if (livePolicy !== undefined && livePolicyType(livePolicy) !== type) {
      retyped.add(name);
      actions.push({ kind: 'deleteScalingPolicy', input: { ...target, PolicyName: name } });
    }
  }
  const putPolicies = new Set<string>();
  for (const name of desiredOrder(desired.targetTracking)) {
    const policy = objectAt(wantTracking, name);
    if (!retyped.has(name) && livePolicies.has(name) && deepEqual(policy, ownObject(haveTracking, name))) continue;
    putPolicies.add(name);
    actions.push({ kind: 'putScalingPolicy', input: { ...target, PolicyName: name, PolicyType: TARGET_TRACKING_POLICY_TYPE, TargetTrackingScalingPolicyConfiguration: targetTrackingConfiguration(policy) } });
  }
  for (const name of desiredOrder(desired.stepScaling)) {
    const { alarm: _alarm, ...policy } = objectAt(wantStep, name);
    const { alarm: _liveAlarm, ...livePolicy } = ownObject(haveStep, name) ?? {};
    // The alarm needs the policy's ARN: a live policy without one (never seen from AWS) is put again to learn it.
    if (!retyped.has(name) && livePolicies.get(name)?.PolicyARN !== undefined && deepEqual(policy, livePolicy)) continue;
    putPolicies.add(name);
    actions.push({ kind: 'putScalingPolicy', input: { ...target, PolicyName: name, PolicyType: STEP_SCALING_POLICY_TYPE, StepScalingPolicyConfiguration: stepScalingConfiguration(policy) } });
  }

  // 3. The alarms that drive step scaling policies: re-put with a policy that was put (its ARN comes from that call).
  for (const name of desiredOrder(desired.stepScaling)) {
    const alarm = objectAt(objectAt(wantStep, name), 'alarm');
    const liveAlarm = ownObject(haveStep, name)?.alarm;
    if (!putPolicies.has(name) && deepEqual(alarm, liveAlarm)) continue;
    const policyArn = putPolicies.has(name) ? policyArnPlaceholder(name) : (livePolicies.get(name)?.PolicyARN as string);
    actions.push({ kind: 'putMetricAlarm', input: metricAlarmInput(scalingAlarmName(cluster, service, name), alarm, policyArn, controllerId) });
  }

  // 4. Scheduled actions.
  const wantScheduled = objectAt(want, 'scheduled');
  const haveScheduled = objectAt(have, 'scheduled');
  for (const name of desiredOrder(desired.scheduled)) {
    const action = objectAt(wantScheduled, name);
    const liveAction = ownObject(haveScheduled, name);
    if (deepEqual(action, liveAction)) continue;
    if (liveAction !== undefined && STICKY_SCHEDULED_FIELDS.some((field) => action[field] === undefined && liveAction[field] !== undefined)) {
      actions.push({ kind: 'deleteScheduledAction', input: { ...target, ScheduledActionName: name } });
    }
    actions.push({ kind: 'putScheduledAction', input: scheduledActionInput(target, name, action) });
  }

  // 5. Deletions: our alarms no declared step policy needs, then policies and scheduled actions Git no longer has.
  const stepNames = new Set(Object.keys(wantStep));
  actions.push(...deleteAlarms(ourAlarms.filter((alarmName) => !stepNames.has(alarmPolicyName(alarmName, { cluster, service }) ?? ''))));
  // Sorted: the plan does not depend on the order AWS listed things in.
  for (const name of [...livePolicies.keys()].sort()) {
    if (!declaredType.has(name)) actions.push({ kind: 'deleteScalingPolicy', input: { ...target, PolicyName: name } });
  }
  const liveScheduledNames = (live?.scheduledActions ?? []).map((a) => a.ScheduledActionName).filter((name): name is string => name !== undefined);
  for (const name of [...new Set(liveScheduledNames)].sort()) {
    if (!Object.hasOwn(wantScheduled, name)) actions.push({ kind: 'deleteScheduledAction', input: { ...target, ScheduledActionName: name } });
  }
  return { actions };
}

function deleteAlarms(names: readonly string[]): ScalingAction[] {
  const out: ScalingAction[] = [];
  for (let i = 0; i < names.length; i += DELETE_ALARMS_BATCH) out.push({ kind: 'deleteAlarms', input: { AlarmNames: names.slice(i, i + DELETE_ALARMS_BATCH) } });
  return out;
}

/** Names in the manifest's order, each once (validate refuses duplicates; the last declaration wins as in normalization). */
function desiredOrder(items: readonly { readonly name: string }[] | undefined): string[] {
  return [...new Set((items ?? []).map((item) => item.name))];
}

function targetTrackingConfiguration(policy: JsonObject): AAS.TargetTrackingScalingPolicyConfiguration {
  return compact({
    TargetValue: policy.targetValue,
    PredefinedMetricSpecification:
      policy.predefinedMetric === undefined ? undefined : compact({ PredefinedMetricType: policy.predefinedMetric, ResourceLabel: policy.resourceLabel }),
    CustomizedMetricSpecification: policy.customizedMetric === undefined ? undefined : pascalCaseKeys(policy.customizedMetric),
    ScaleInCooldown: policy.scaleInCooldown,
    ScaleOutCooldown: policy.scaleOutCooldown,
    DisableScaleIn: policy.disableScaleIn,
  }) as unknown as AAS.TargetTrackingScalingPolicyConfiguration;
}

function stepScalingConfiguration(policy: JsonObject): AAS.StepScalingPolicyConfiguration {
  return compact({
    AdjustmentType: policy.adjustmentType,
    StepAdjustments: pascalCaseKeys(policy.stepAdjustments),
    Cooldown: policy.cooldown,
    MetricAggregationType: policy.metricAggregationType,
    MinAdjustmentMagnitude: policy.minAdjustmentMagnitude,
  }) as unknown as AAS.StepScalingPolicyConfiguration;
}

function metricAlarmInput(alarmName: string, alarm: JsonObject, policyArn: string, controllerId: string): CW.PutMetricAlarmInput {
  return compact({
    AlarmName: alarmName,
    ActionsEnabled: true,
    AlarmActions: [policyArn],
    MetricName: alarm.metricName,
    Namespace: alarm.namespace,
    Dimensions: alarm.dimensions === undefined ? undefined : pascalCaseKeys(alarm.dimensions),
    Statistic: alarm.statistic,
    ExtendedStatistic: alarm.extendedStatistic,
    Unit: alarm.unit,
    Period: alarm.period,
    EvaluationPeriods: alarm.evaluationPeriods,
    DatapointsToAlarm: alarm.datapointsToAlarm,
    Threshold: alarm.threshold,
    ComparisonOperator: alarm.comparisonOperator,
    TreatMissingData: alarm.treatMissingData,
    Tags: [{ Key: TAG_MANAGED_BY, Value: tagValue(controllerId) }],
  }) as unknown as CW.PutMetricAlarmInput;
}

function scheduledActionInput(target: TargetIdentity, name: string, action: JsonObject): AAS.PutScheduledActionRequest {
  const time = (value: JsonValue | undefined) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : undefined);
  return compact({
    ...target,
    ScheduledActionName: name,
    Schedule: action.schedule,
    Timezone: action.timezone,
    StartTime: time(action.startTime),
    EndTime: time(action.endTime),
    ScalableTargetAction: compact({ MinCapacity: action.minCapacity, MaxCapacity: action.maxCapacity }),
  }) as unknown as AAS.PutScheduledActionRequest;
}

function objectAt(value: JsonObject, key: string): JsonObject {
  const item = ownObject(value, key);
  return item ?? {};
}

function ownObject(value: JsonObject, key: string): JsonObject | undefined {
  const item = Object.hasOwn(value, key) ? value[key] : undefined;
  return isObject(item) ? (item as JsonObject) : undefined;
}

/** The object without its undefined fields (requests say only what they set). */
function compact(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined));
}
