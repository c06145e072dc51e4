/**
 * A model of what Application Auto Scaling and CloudWatch do with the
 * controller's scaling actions, for the planner's idempotence properties:
 * RegisterScalableTarget and PutScheduledAction keep fields a request leaves
 * out, PutScalingPolicy replaces the policy (keeping its ARN) and cannot
 * change its type, deregistering deletes the target's policies and scheduled
 * actions but not CloudWatch alarms, deleting what does not exist fails, and
 * AlarmActions placeholders take the ARN a put in the same plan returned (as
 * the controller's applier does).
 */
import type * as AAS from '@aws-sdk/client-application-auto-scaling';
import type * as CW from '@aws-sdk/client-cloudwatch';
import { policyArnPlaceholder, type LiveScaling, type ScalingAction } from '../../src/plan/scaling-types.js';
import { policyArn } from '../diff/scaling-arbitraries.js';

export class SimulatedAwsError extends Error {}

export function applyScalingActions(live: LiveScaling, actions: readonly ScalingAction[], cluster: string, service: string): LiveScaling {
  let target = live.target === undefined ? undefined : { ...live.target };
  let policies = [...live.policies];
  let scheduledActions = [...live.scheduledActions];
  let alarms = [...live.alarms];
  const arnsFromThisPlan = new Map<string, string>();
  const needTarget = (what: string) => {
    if (target === undefined) throw new SimulatedAwsError(`${what}: no scalable target is registered`);
  };

  for (const action of actions) {
    switch (action.kind) {
      case 'registerScalableTarget': {
        const input = action.input;
        const base: AAS.ScalableTarget = target ?? {
          ServiceNamespace: input.ServiceNamespace,
          ResourceId: input.ResourceId,
          ScalableDimension: input.ScalableDimension,
          MinCapacity: input.MinCapacity ?? 0,
          MaxCapacity: input.MaxCapacity ?? 0,
          RoleARN: 'arn:aws:iam::123456789012:role/slr',
          CreationTime: new Date(0),
        };
        target = {
          ...base,
          ...(input.MinCapacity !== undefined ? { MinCapacity: input.MinCapacity } : {}),
          ...(input.MaxCapacity !== undefined ? { MaxCapacity: input.MaxCapacity } : {}),
          ...(input.SuspendedState !== undefined ? { SuspendedState: { ...base.SuspendedState, ...input.SuspendedState } } : {}),
        };
        break;
      }
      case 'deregisterScalableTarget':
        needTarget('DeregisterScalableTarget');
        target = undefined;
        policies = [];
        scheduledActions = [];
        break;
      case 'putScalingPolicy': {
        needTarget('PutScalingPolicy');
        const input = action.input;
        const existing = policies.find((p) => p.PolicyName === input.PolicyName);
        if (existing !== undefined && existing.PolicyType !== input.PolicyType) {
          throw new SimulatedAwsError(`PutScalingPolicy ${input.PolicyName}: cannot change the policy type from ${existing.PolicyType} to ${input.PolicyType}`);
        }
        const arn = existing?.PolicyARN ?? policyArn(cluster, service, `${input.PolicyName}-${policies.length}`);
        arnsFromThisPlan.set(input.PolicyName as string, arn);
        const stored: AAS.ScalingPolicy = {
          PolicyName: input.PolicyName,
          PolicyARN: arn,
          PolicyType: input.PolicyType,
          ServiceNamespace: input.ServiceNamespace,
          ResourceId: input.ResourceId,
          ScalableDimension: input.ScalableDimension,
          CreationTime: new Date(0),
          ...(input.StepScalingPolicyConfiguration ? { StepScalingPolicyConfiguration: input.StepScalingPolicyConfiguration } : {}),
          ...(input.TargetTrackingScalingPolicyConfiguration ? { TargetTrackingScalingPolicyConfiguration: input.TargetTrackingScalingPolicyConfiguration } : {}),
        };
        policies = [...policies.filter((p) => p !== existing), stored];
        break;
      }
      case 'deleteScalingPolicy': {
        const name = action.input.PolicyName;
        if (!policies.some((p) => p.PolicyName === name)) throw new SimulatedAwsError(`DeleteScalingPolicy ${name}: no such policy`);
        policies = policies.filter((p) => p.PolicyName !== name);
        break;
      }
      case 'putMetricAlarm': {
        const { Tags: _tags, AlarmActions, ...input } = action.input;
        const resolved = (AlarmActions ?? []).map((arn) => {
          const placeholder = [...arnsFromThisPlan.keys()].find((name) => policyArnPlaceholder(name) === arn);
          if (arn.startsWith('<policy-arn:') && placeholder === undefined) throw new SimulatedAwsError(`PutMetricAlarm: ${arn} names no policy put earlier in the plan`);
          return placeholder === undefined ? arn : (arnsFromThisPlan.get(placeholder) as string);
        });
        const stored: CW.MetricAlarm = { ...(input as CW.MetricAlarm), AlarmActions: resolved, AlarmArn: `arn:aws:cloudwatch:::alarm:${input.AlarmName}`, StateValue: 'INSUFFICIENT_DATA' };
        alarms = [...alarms.filter((a) => a.AlarmName !== input.AlarmName), stored];
        break;
      }
      case 'deleteAlarms':
        alarms = alarms.filter((a) => !(action.input.AlarmNames ?? []).includes(a.AlarmName as string));
        break;
      case 'putScheduledAction': {
        needTarget('PutScheduledAction');
        const input = action.input;
        const existing = scheduledActions.find((s) => s.ScheduledActionName === input.ScheduledActionName);
        // A field left out of the request keeps its stored value.
        const merged: AAS.ScheduledAction = {
          ScheduledActionARN: `arn:aws:autoscaling:::scheduledAction:${input.ScheduledActionName}`,
          CreationTime: new Date(0),
          ...existing,
          ScheduledActionName: input.ScheduledActionName,
          ServiceNamespace: input.ServiceNamespace,
          ResourceId: input.ResourceId,
          ScalableDimension: input.ScalableDimension,
          Schedule: input.Schedule ?? existing?.Schedule,
          ...(input.Timezone !== undefined ? { Timezone: input.Timezone } : {}),
          ...(input.StartTime !== undefined ? { StartTime: input.StartTime } : {}),
          ...(input.EndTime !== undefined ? { EndTime: input.EndTime } : {}),
          ScalableTargetAction: { ...existing?.ScalableTargetAction, ...input.ScalableTargetAction },
        };
        scheduledActions = [...scheduledActions.filter((s) => s !== existing), merged];
        break;
      }
      case 'deleteScheduledAction': {
        const name = action.input.ScheduledActionName;
        if (!scheduledActions.some((s) => s.ScheduledActionName === name)) throw new SimulatedAwsError(`DeleteScheduledAction ${name}: no such action`);
        scheduledActions = scheduledActions.filter((s) => s.ScheduledActionName !== name);
        break;
      }
    }
  }
  return { ...(target !== undefined ? { target } : {}), policies, scheduledActions, alarms };
}
