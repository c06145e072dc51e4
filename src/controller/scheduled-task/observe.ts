/**
 * The reads of the ScheduledTask kind (docs/controller.md, "Scheduled
 * tasks"): the controller's schedule group and whose it is (GetScheduleGroup,
 * then ListTagsForResource of the group: schedules take no tags, so the
 * group's ecs-gitops/managed-by tag is the ownership mark of every schedule
 * inside), one schedule (GetSchedule), and a schedule's last runs (ListTasks
 * by cluster and family, STOPPED and RUNNING, then DescribeTasks, kept to the
 * tasks of the schedule's task group). Group and runs are kept until the
 * next resync (expire()), so a resync reads each once per location
 * (`[account@]region`) and per schedule however many passes ask.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { GetScheduleOutput } from '@aws-sdk/client-scheduler';
import { awsErrorName } from '../../ecs/aws-error.js';
import type { EcsApi } from '../../ecs/ecs-api.js';
import type { LiveTaskDefinition } from '../../ecs/ecs-reader.js';
import { TAG_MANAGED_BY } from '../../diff/tags.js';
import { isControllerTagValue } from '../../plan/ownership.js';
import type { ScheduledTaskSpec } from '../../manifests/types.js';
import type { SchedulerApi } from '../../scheduler/scheduler-api.js';
import { errorCodeOf } from '../errors.js';
import type { ScheduledTaskRun } from '../status.js';

/** Where the controller's group stands in one location (account and Region). */
export type GroupState = 'missing' | 'owned' | { readonly ownedBy: string | undefined };

/** Most runs kept in status. */
export const LAST_RUNS = 5;

/** Scheduler's ResourceNotFoundException (AWS_SCHEDULER_NOT_FOUND through the SDK adapter). */
export function isNotFound(err: unknown): boolean {
  return awsErrorName(err) === 'ResourceNotFoundException' || errorCodeOf(err, 'CONTROLLER_APPLY_FAILED') === 'AWS_SCHEDULER_NOT_FOUND';
}

/** Scheduler's ConflictException (AWS_SCHEDULER_CONFLICT): the group or schedule exists already. */
export function isConflict(err: unknown): boolean {
  return awsErrorName(err) === 'ConflictException' || errorCodeOf(err, 'CONTROLLER_APPLY_FAILED') === 'AWS_SCHEDULER_CONFLICT';
}

/** The group's ownership: read fresh, no cache. */
export async function readGroupState(scheduler: SchedulerApi, group: string, controllerId: string, signal: AbortSignal): Promise<GroupState> {
  let arn: string | undefined;
  try {
    arn = (await scheduler.send('GetScheduleGroup', { Name: group }, signal)).Arn;
  } catch (err) {
    if (isNotFound(err)) return 'missing';
    throw err;
  }
  const tags = arn ? (await scheduler.send('ListTagsForResource', { ResourceArn: arn }, signal)).Tags ?? [] : [];
  const owner = tags.find((t) => t.Key === TAG_MANAGED_BY)?.Value;
  return isControllerTagValue(owner, controllerId) ? 'owned' : { ownedBy: owner };
}

/** The schedule, or undefined when the group holds none by that name. */
export async function readSchedule(scheduler: SchedulerApi, group: string, name: string, signal: AbortSignal): Promise<GetScheduleOutput | undefined> {
  try {
    return await scheduler.send('GetSchedule', { Name: name, GroupName: group }, signal);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Every schedule of a group (all pages): name and target ARN. */
export async function listGroupSchedules(scheduler: SchedulerApi, group: string, signal: AbortSignal): Promise<{ name: string; targetArn?: string }[]> {
  const out: { name: string; targetArn?: string }[] = [];
  let NextToken: string | undefined;
  do {
    const page = await scheduler.send('ListSchedules', { GroupName: group, MaxResults: 100, ...(NextToken ? { NextToken } : {}) }, signal);
    for (const s of page.Schedules ?? []) if (s.Name) out.push({ name: s.Name, ...(s.Target?.Arn ? { targetArn: s.Target.Arn } : {}) });
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/** The cluster name of an ECS cluster ARN (`arn:aws:ecs:region:account:cluster/NAME`), else undefined. */
export function clusterNameOfArn(arn: string | undefined): string | undefined {
  const match = /^arn:[^:]+:ecs:[^:]*:[^:]*:cluster\/([^/]+)$/.exec(arn ?? '');
  return match?.[1];
}

/** The task group the schedule's tasks carry: spec.group, else `scheduled-task:<name>`. */
export function taskGroupOf(name: string, spec: Pick<ScheduledTaskSpec, 'group'>): string {
  return spec.group ?? `scheduled-task:${name}`;
}

function iso(date: Date | undefined): string | undefined {
  return date ? new Date(date).toISOString() : undefined;
}

/** One task as a run: a stopped task succeeded when every essential container exited 0. */
export function runOf(task: ECS.Task, essential: (container: string) => boolean): ScheduledTaskRun {
  const stopped = task.lastStatus === 'STOPPED';
  const exitCodes: Record<string, number | null> = {};
  for (const c of task.containers ?? []) if (c.name && essential(c.name)) exitCodes[c.name] = c.exitCode ?? null;
  const startedAt = iso(task.startedAt ?? task.createdAt);
  const stoppedAt = iso(task.stoppedAt);
  return {
    taskArn: task.taskArn ?? '', lastStatus: task.lastStatus ?? 'UNKNOWN',
    ...(startedAt ? { startedAt } : {}), ...(stoppedAt ? { stoppedAt } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    ...(stopped ? { exitCodes, succeeded: Object.keys(exitCodes).length > 0 && Object.values(exitCodes).every((code) => code === 0) } : {}),
  };
}

/**
 * The schedule's last runs, newest first: one ListTasks page per desired
 * status (ECS keeps stopped tasks about an hour), one DescribeTasks for
 * them, filtered by the task group.
 */
export async function readLastRuns(
  ecs: EcsApi, cluster: string, family: string, group: string, essential: (container: string) => boolean, signal: AbortSignal,
): Promise<ScheduledTaskRun[]> {
  const arns: string[] = [];
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const page = await ecs.send('ListTasks', { cluster, family, desiredStatus, maxResults: 100 }, signal);
    arns.push(...(page.taskArns ?? []));
  }
  if (arns.length === 0) return [];
  const tasks: ECS.Task[] = [];
  for (let i = 0; i < arns.length; i += 100) {
    tasks.push(...((await ecs.send('DescribeTasks', { cluster, tasks: arns.slice(i, i + 100) }, signal)).tasks ?? []));
  }
  const time = (t: ECS.Task) => new Date(t.startedAt ?? t.createdAt ?? 0).getTime();
  return tasks.filter((t) => t.group === group).sort((a, b) => time(b) - time(a)).slice(0, LAST_RUNS).map((t) => runOf(t, essential));
}

/**
 * What the reconciler keeps between passes: each location's group state and
 * each schedule's last runs, both until the next resync; in-flight reads
 * are shared.
 */
export class ScheduledTaskCache {
  readonly #groups = new Map<string, Promise<GroupState>>();
  readonly #runs = new Map<string, ScheduledTaskRun[]>();
  readonly #clusterArns = new Map<string, string>();
  readonly #taskDefinitions = new Map<string, Promise<LiveTaskDefinition | undefined>>();

  /** A resync begins: groups, runs and the revisions schedules run (their status may have changed) are read again, once. */
  expire(): void {
    this.#groups.clear();
    this.#runs.clear();
    this.#taskDefinitions.clear();
  }

  /**
   * The revision a schedule runs, read once per resync: its content never
   * changes, but its status does (a deregistered revision is INACTIVE), and
   * the ECS reader keeps revisions for good.
   */
  taskDefinition(arn: string, read: () => Promise<LiveTaskDefinition | undefined>): Promise<LiveTaskDefinition | undefined> {
    let entry = this.#taskDefinitions.get(arn);
    if (!entry) {
      entry = read();
      this.#taskDefinitions.set(arn, entry);
      entry.catch(() => this.#taskDefinitions.delete(arn));
    }
    return entry;
  }

  /** Keyed by location (`[account@]region`): each account has its own group. */
  group(location: string, read: () => Promise<GroupState>): Promise<GroupState> {
    let entry = this.#groups.get(location);
    if (!entry) {
      entry = read();
      this.#groups.set(location, entry);
      // A failed read is not kept.
      entry.catch(() => this.#groups.delete(location));
    }
    return entry;
  }

  setGroup(location: string, state: GroupState): void {
    this.#groups.set(location, Promise.resolve(state));
  }

  dropGroup(location: string): void {
    this.#groups.delete(location);
  }

  runs(identity: string): ScheduledTaskRun[] | undefined {
    return this.#runs.get(identity);
  }

  setRuns(identity: string, runs: ScheduledTaskRun[]): void {
    this.#runs.set(identity, runs);
  }

  forget(identity: string): void {
    this.#runs.delete(identity);
  }

  clusterArn(location: string, cluster: string): string | undefined {
    return this.#clusterArns.get(`${location}/${cluster}`);
  }

  setClusterArn(location: string, cluster: string, arn: string): void {
    this.#clusterArns.set(`${location}/${cluster}`, arn);
  }
}
