/**
 * The one interface the controller uses for service auto scaling: the
 * Application Auto Scaling operations (scalable targets, policies, scheduled
 * actions, activities) and the CloudWatch alarm operations that step scaling
 * policies need. Same shape as EcsApi (a single `send`), so rate limiting,
 * call counting and the narrowest fakes wrap it the same way. Types only: the
 * SDKs are loaded at run time solely by scaling-sdk-adapter.ts.
 */
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import type * as CW from '@aws-sdk/client-cloudwatch';

export interface ScalingOperations {
  // Application Auto Scaling (JSON 1.1, target prefix AnyScaleFrontendService)
  DescribeScalableTargets: { input: AAS.DescribeScalableTargetsRequest; output: AAS.DescribeScalableTargetsResponse };
  RegisterScalableTarget: { input: AAS.RegisterScalableTargetRequest; output: AAS.RegisterScalableTargetResponse };
  DeregisterScalableTarget: { input: AAS.DeregisterScalableTargetRequest; output: AAS.DeregisterScalableTargetResponse };
  DescribeScalingPolicies: { input: AAS.DescribeScalingPoliciesRequest; output: AAS.DescribeScalingPoliciesResponse };
  PutScalingPolicy: { input: AAS.PutScalingPolicyRequest; output: AAS.PutScalingPolicyResponse };
  DeleteScalingPolicy: { input: AAS.DeleteScalingPolicyRequest; output: AAS.DeleteScalingPolicyResponse };
  DescribeScheduledActions: { input: AAS.DescribeScheduledActionsRequest; output: AAS.DescribeScheduledActionsResponse };
  PutScheduledAction: { input: AAS.PutScheduledActionRequest; output: AAS.PutScheduledActionResponse };
  DeleteScheduledAction: { input: AAS.DeleteScheduledActionRequest; output: AAS.DeleteScheduledActionResponse };
  DescribeScalingActivities: { input: AAS.DescribeScalingActivitiesRequest; output: AAS.DescribeScalingActivitiesResponse };
  /** Claims a target registered outside Git when its service is adopted (ecs-gitops/managed-by, which the IAM policy's conditions read). */
  TagResource: { input: AAS.TagResourceRequest; output: AAS.TagResourceResponse };
  // CloudWatch (JSON 1.0 with query compatibility in SDK v3)
  DescribeAlarms: { input: CW.DescribeAlarmsInput; output: CW.DescribeAlarmsOutput };
  PutMetricAlarm: { input: CW.PutMetricAlarmInput; output: CW.PutMetricAlarmCommandOutput };
  DeleteAlarms: { input: CW.DeleteAlarmsInput; output: CW.DeleteAlarmsCommandOutput };
}

export type ScalingOperation = keyof ScalingOperations;
export type ScalingInput<Op extends ScalingOperation> = ScalingOperations[Op]['input'];
export type ScalingOutput<Op extends ScalingOperation> = ScalingOperations[Op]['output'];

export const APPLICATION_AUTOSCALING_OPERATIONS = [
  'DescribeScalableTargets', 'RegisterScalableTarget', 'DeregisterScalableTarget',
  'DescribeScalingPolicies', 'PutScalingPolicy', 'DeleteScalingPolicy',
  'DescribeScheduledActions', 'PutScheduledAction', 'DeleteScheduledAction',
  'DescribeScalingActivities', 'TagResource',
] as const satisfies readonly ScalingOperation[];

export const CLOUDWATCH_OPERATIONS = ['DescribeAlarms', 'PutMetricAlarm', 'DeleteAlarms'] as const satisfies readonly ScalingOperation[];

export const SCALING_OPERATIONS: readonly ScalingOperation[] = [...APPLICATION_AUTOSCALING_OPERATIONS, ...CLOUDWATCH_OPERATIONS];

/** Operations that change state (detect mode never sends them). */
export const MUTATING_SCALING_OPERATIONS: ReadonlySet<ScalingOperation> = new Set<ScalingOperation>([
  'RegisterScalableTarget', 'DeregisterScalableTarget', 'PutScalingPolicy', 'DeleteScalingPolicy',
  'PutScheduledAction', 'DeleteScheduledAction', 'PutMetricAlarm', 'DeleteAlarms', 'TagResource',
]);

export interface ScalingApi {
  send<Op extends ScalingOperation>(operation: Op, input: ScalingInput<Op>, signal?: AbortSignal): Promise<ScalingOutput<Op>>;
}

/** ECS's namespace and dimension in Application Auto Scaling. */
export const ECS_SERVICE_NAMESPACE = 'ecs';
export const ECS_DESIRED_COUNT_DIMENSION = 'ecs:service:DesiredCount';

/** Application Auto Scaling's resource id for a service: `service/CLUSTER/SERVICE`. */
export function scalingResourceId(cluster: string, service: string): string {
  return `service/${cluster}/${service}`;
}

/** The inverse of scalingResourceId; undefined for any other form. */
export function parseScalingResourceId(resourceId: string): { cluster: string; service: string } | undefined {
  const match = /^service\/([^/]+)\/([^/]+)$/.exec(resourceId);
  return match ? { cluster: match[1] as string, service: match[2] as string } : undefined;
}
