/**
 * EventBridge Scheduler's part of one account in one Region: schedule
 * groups, schedules (with when they fire next) and the tags of groups.
 * The operations are in scheduler.ts, firing in scheduler-firing.ts.
 */
import type { JsonObject } from './json-input.js';
import { StepQueue } from './step-queue.js';

export interface ScheduleGroupRecord {
  readonly name: string;
  readonly arn: string;
  readonly creationDate: number;
  lastModificationDate: number;
}

/** What the last firing of a schedule did. */
export interface FiringResult {
  readonly at: number;
  readonly ok: boolean;
  /** Task ARNs started (ok) or the RunTask error (not ok). */
  readonly taskArns?: readonly string[];
  readonly error?: string;
  /** RunTask's failures[] (reason per failed task), when it answered with some. */
  readonly failures?: readonly string[];
}

export interface ScheduleRecord {
  readonly name: string;
  readonly groupName: string;
  readonly arn: string;
  /** The schedule as GetSchedule returns it, minus the dates and Arn/Name/GroupName. */
  body: JsonObject;
  readonly creationDate: number;
  lastModificationDate: number;
  /** Simulated epoch ms of the next firing; Infinity when it will not fire (DISABLED, ended, not an ECS target). */
  nextStepAt: number;
  /** A rate() schedule counts from its StartDate, or from when it was created or last updated. */
  rateOrigin: number;
  lastFiredAt?: number;
  lastResult?: FiringResult;
  firings: number;
}

export class SchedulerRegionState {
  readonly groups = new Map<string, ScheduleGroupRecord>();
  /** By `group/name`, in creation order. */
  readonly schedules = new Map<string, ScheduleRecord>();
  /** Schedules that will fire, by due time. */
  readonly due = new StepQueue<ScheduleRecord>();
  /** Tags of schedule groups, by ARN (schedules take none). */
  readonly tags = new Map<string, Map<string, string>>();
}

export const scheduleKey = (group: string, name: string): string => `${group}/${name}`;
