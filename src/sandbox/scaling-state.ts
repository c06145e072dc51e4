/**
 * The in-memory model of Application Auto Scaling, CloudWatch alarms and ECS
 * capacity providers for one account in one Region (RegionState holds one).
 * Records keep the wire (PascalCase for Application Auto Scaling and
 * CloudWatch, camelCase for ECS) shapes of what they return, with times in
 * simulated epoch milliseconds.
 */
import type { JsonObject } from './json-input.js';

export interface SuspendedState {
  DynamicScalingInSuspended: boolean;
  DynamicScalingOutSuspended: boolean;
  ScheduledScalingSuspended: boolean;
}

export interface ScalingPolicyRecord {
  readonly name: string;
  readonly arn: string;
  policyType: 'TargetTrackingScaling' | 'StepScaling';
  /** TargetTrackingScalingPolicyConfiguration or StepScalingPolicyConfiguration, as stored (defaults filled). */
  configuration: JsonObject;
  /** Target tracking only: the alarms Application Auto Scaling created (names in CloudWatch). */
  readonly trackingAlarms: string[];
  readonly createdAt: number;
  /** Simulated ms of the last scale-out / scale-in this policy made. */
  lastScaleOutAt?: number;
  lastScaleInAt?: number;
}

export interface ScheduledActionRecord {
  readonly name: string;
  readonly arn: string;
  schedule: string;
  timezone?: string;
  startTime?: number;
  endTime?: number;
  action: { MinCapacity?: number; MaxCapacity?: number };
  readonly createdAt: number;
  /** Simulated ms of the next run; Infinity when it will not run again. */
  nextRunAt: number;
}

export interface ScalableTargetRecord {
  /** `service/CLUSTER/SERVICE` */
  readonly resourceId: string;
  readonly cluster: string;
  readonly service: string;
  readonly arn: string;
  minCapacity: number;
  maxCapacity: number;
  roleArn: string;
  suspendedState: SuspendedState;
  readonly createdAt: number;
  /** Policies by name, in creation order. */
  readonly policies: Map<string, ScalingPolicyRecord>;
  readonly scheduledActions: Map<string, ScheduledActionRecord>;
}

export interface ScalingActivityRecord {
  readonly id: string;
  readonly resourceId: string;
  readonly description: string;
  readonly cause: string;
  readonly statusMessage: string;
  readonly at: number;
}

export interface AlarmRecord {
  readonly name: string;
  readonly arn: string;
  /** The MetricAlarm fields as PutMetricAlarm stored them (no state, no timestamps). */
  config: JsonObject;
  configUpdatedAt: number;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  stateReason: string;
  stateUpdatedAt: number;
  /** Consecutive evaluation periods in breach (the sandbox's evaluation of ECS CPU alarms). */
  breaching: number;
  /** Simulated ms when the alarm is next evaluated. */
  nextEvaluationAt: number;
}

export interface CapacityProviderRecord {
  readonly name: string;
  readonly arn: string;
  /** autoScalingGroupProvider with ECS's defaults filled in. */
  autoScalingGroupProvider: JsonObject;
  updateStatus?: string;
  updateStatusReason?: string;
}

/** Most scaling activities kept per Region (oldest dropped first). */
export const MAX_ACTIVITIES = 5_000;

export class ScalingRegionState {
  /** Scalable targets by resource id (`service/CLUSTER/SERVICE`). */
  readonly targets = new Map<string, ScalableTargetRecord>();
  /** Tags of scalable targets by target ARN. */
  readonly targetTags = new Map<string, Map<string, string>>();
  /** Oldest first. */
  activities: ScalingActivityRecord[] = [];
  /** CloudWatch metric alarms by name. */
  readonly alarms = new Map<string, AlarmRecord>();
  readonly alarmTags = new Map<string, Map<string, string>>();
  /**
   * Simulated demand per service (`CLUSTER/SERVICE`), in task-percent: the
   * admin load call's CPU % times the desired count at that moment, so the
   * average CPU falls as tasks are added (demand / desiredCount).
   */
  readonly demand = new Map<string, number>();
  /** Simulated ms of the next target tracking evaluation (one a minute). */
  nextTickAt?: number;
  /** ECS capacity providers (not FARGATE / FARGATE_SPOT, which always exist) by name. */
  readonly capacityProviders = new Map<string, CapacityProviderRecord>();
}


