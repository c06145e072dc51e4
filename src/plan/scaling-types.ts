/**
 * Service auto scaling as the pure core sees it: what was read live for one
 * service (LiveScaling), and the ordered actions that bring it to the
 * manifest's `spec.autoScaling` (ScalingPlan). Inputs are the SDK's own
 * request shapes (PascalCase), so the scaling applier sends them as they are.
 * Pure data, like plan/types.ts.
 */
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import type * as CW from '@aws-sdk/client-cloudwatch';
import type { DiffErrorCode } from '../errors/index.js';

/** Everything live about one service's scaling, from the batched reads (src/autoscaling/scaling-reader.ts). */
export interface LiveScaling {
  /** The ecs:service:DesiredCount scalable target, when one is registered. */
  readonly target?: AAS.ScalableTarget;
  /** Policies on that target (any owner). */
  readonly policies: readonly AAS.ScalingPolicy[];
  readonly scheduledActions: readonly AAS.ScheduledAction[];
  /** CloudWatch alarms named for this service's step scaling policies (scalingAlarmName's prefix). */
  readonly alarms: readonly CW.MetricAlarm[];
  /** Latest scaling activities, newest first (may be empty: read only for status). */
  readonly activities?: readonly AAS.ScalingActivity[];
}

/**
 * Placeholder in a putMetricAlarm action's AlarmActions: "the PolicyARN the
 * putScalingPolicy action named `policyName` earlier in this plan returned".
 */
export function policyArnPlaceholder(policyName: string): string {
  return `<policy-arn:${policyName}>`;
}

export type ScalingAction =
  | { readonly kind: 'registerScalableTarget'; readonly input: AAS.RegisterScalableTargetRequest }
  | { readonly kind: 'deregisterScalableTarget'; readonly input: AAS.DeregisterScalableTargetRequest }
  | { readonly kind: 'putScalingPolicy'; readonly input: AAS.PutScalingPolicyRequest }
  | { readonly kind: 'deleteScalingPolicy'; readonly input: AAS.DeleteScalingPolicyRequest }
  | { readonly kind: 'putScheduledAction'; readonly input: AAS.PutScheduledActionRequest }
  | { readonly kind: 'deleteScheduledAction'; readonly input: AAS.DeleteScheduledActionRequest }
  /** AlarmActions may hold policyArnPlaceholder(name); the applier substitutes the ARN. */
  | { readonly kind: 'putMetricAlarm'; readonly input: CW.PutMetricAlarmInput }
  | { readonly kind: 'deleteAlarms'; readonly input: CW.DeleteAlarmsInput };

export type ScalingActionKind = ScalingAction['kind'];

export type ScalingPlan =
  | { readonly actions: readonly ScalingAction[]; readonly blocked?: undefined }
  | { readonly actions: readonly []; readonly blocked: { readonly code: DiffErrorCode; readonly message: string } };

/** Prefix of every alarm the controller creates for a service (ownership of alarms is by this name). */
export function scalingAlarmPrefix(cluster: string, service: string): string {
  return `ecs-gitops/${cluster}/${service}/`;
}

/** The alarm that drives step scaling policy `policyName` of a service. */
export function scalingAlarmName(cluster: string, service: string, policyName: string): string {
  return `${scalingAlarmPrefix(cluster, service)}${policyName}`;
}
