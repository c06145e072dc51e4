/**
 * diffScheduledTask: what differs between one `kind: ScheduledTask` manifest
 * and its live EventBridge Scheduler schedule, as field-level changes with
 * JSON pointers relative to `spec` (`/schedule`, `/taskCount`,
 * `/networkConfiguration/awsvpcConfiguration/subnets`, `/taskDefinition/...`).
 * Pure.
 *
 * The schedule is compared whole (scheduled-task-normalize.ts fills in
 * Scheduler's defaults on both sides): UpdateSchedule replaces a schedule
 * whole, so a field set live and not in the manifest is a difference too.
 * The task definition the schedule runs is compared through its revision:
 * the revision's `ecs-gitops/spec-hash` tag first (equal hash: no change),
 * otherwise field by field exactly as for a Service (normalizeTaskDefinition).
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import type { GetScheduleOutput } from '@aws-sdk/client-scheduler';
import type { ScheduledTaskManifest } from '../manifests/types.js';
import { compareValues } from './compare.js';
import { pointerWithin, resolvePointer } from './json-pointer.js';
import { normalizeDesiredScheduledTask, normalizeLiveScheduledTask } from './scheduled-task-normalize.js';
import { taskDefinitionSpecHash } from './spec-hash.js';
import { TAG_SPEC_HASH, tagsToMap } from './tags.js';
import { normalizeTaskDefinition } from './task-definition-normalize.js';
import type { Change, JsonObject, JsonValue } from './types.js';

/** The pointer of the single change reported for a schedule that does not exist live: the whole spec. */
export const MISSING_SCHEDULE_POINTER = '';

/**
 * Not a spec field: the schedule's Target.Arn, the cluster `metadata.cluster`
 * names. Differs when the manifest moved to another cluster (the schedule's
 * name, its identity in the group, stayed) or someone retargeted it.
 */
export const TARGET_CLUSTER_POINTER = '/clusterArn';

/** The revision the live schedule runs: DescribeTaskDefinition with its tags. */
export interface LiveScheduledTaskDefinition {
  readonly taskDefinition: TaskDefinition;
  readonly tags?: readonly { key?: string; value?: string }[];
}

export interface DiffScheduledTaskOptions {
  /** Extra pointers (relative to `spec`) never compared, joined with `spec.sync.ignoreDifferences`. */
  readonly ignoreDifferences?: readonly string[];
  /** The ARN of the cluster `metadata.cluster` names; Target.Arn is compared only when it is known. */
  readonly clusterArn?: string;
  /**
   * Epoch ms now. With it, a desired startDate already past equals a live
   * StartDate that is absent or past too: the controller sends no past
   * StartDate (Scheduler refuses one more than 5 minutes ago), and a start in
   * the past changes nothing about when the schedule fires.
   */
  readonly now?: number;
}

export function diffScheduledTask(
  desired: ScheduledTaskManifest,
  live: GetScheduleOutput | undefined,
  liveTaskDefinition: LiveScheduledTaskDefinition | undefined,
  options: DiffScheduledTaskOptions = {},
): Change[] {
  const spec = desired.spec;
  const context = { name: desired.metadata.name };
  if (live === undefined) {
    const whole: Record<string, JsonValue> = { ...normalizeDesiredScheduledTask(spec, context), taskDefinition: normalizeTaskDefinition(spec.taskDefinition) };
    return [{ pointer: MISSING_SCHEDULE_POINTER, desired: whole, live: undefined, kind: 'added', scope: 'scheduledTask' }];
  }

  const changes: Change[] = [];
  const liveTarget = live.Target?.Arn;
  if (options.clusterArn !== undefined && liveTarget !== options.clusterArn) {
    changes.push({ pointer: TARGET_CLUSTER_POINTER, desired: options.clusterArn, live: liveTarget, kind: liveTarget === undefined ? 'added' : 'changed', scope: 'scheduledTask' });
  }
  const [desiredForm, liveForm] = withoutPastStartDates(normalizeDesiredScheduledTask(spec, context), normalizeLiveScheduledTask(live), options.now);
  for (const d of compareValues(desiredForm, liveForm, [], 'full')) {
    changes.push({ pointer: resolvePointer(spec, d.path), desired: d.desired, live: d.live, kind: d.kind, scope: 'scheduledTask' });
  }
  changes.push(...diffScheduledTaskDefinition(desired, liveTaskDefinition));

  const ignored = scheduledTaskIgnoredPointers(desired, options);
  return changes.filter((change) => !ignored.some((base) => pointerWithin(change.pointer, base)));
}

/** Both canonical forms without startDate when the desired one is past and the live one absent or past as well. */
function withoutPastStartDates(desired: JsonObject, live: JsonObject, now: number | undefined): [JsonObject, JsonObject] {
  if (now === undefined) return [desired, live];
  const past = (value: JsonValue | undefined) => typeof value === 'string' && Date.parse(value) <= now;
  if (!past(desired.startDate) || (live.startDate !== undefined && !past(live.startDate))) return [desired, live];
  const { startDate: _desired, ...desiredRest } = desired;
  const { startDate: _live, ...liveRest } = live;
  return [desiredRest, liveRest];
}

/**
 * The task definition part alone (pointers under `/taskDefinition`): nothing
 * when the live revision carries the desired spec hash, otherwise the
 * field-level differences of the canonical forms; the whole task definition
 * as `added` when the schedule's revision could not be read, and as `changed`
 * when it is deregistered (INACTIVE: ECS runs no new task from it), whatever
 * its content.
 */
export function diffScheduledTaskDefinition(desired: ScheduledTaskManifest, live: LiveScheduledTaskDefinition | undefined): Change[] {
  const spec = desired.spec;
  const desiredTd = normalizeTaskDefinition(spec.taskDefinition);
  if (live === undefined) {
    return [{ pointer: '/taskDefinition', desired: desiredTd, live: undefined, kind: 'added', scope: 'taskDefinition' }];
  }
  // ECS refuses RunTask on a deregistered revision: the schedule would stop running its job unnoticed.
  if (live.taskDefinition.status === 'INACTIVE') {
    return [{
      pointer: '/taskDefinition', desired: desiredTd, kind: 'changed', scope: 'taskDefinition',
      live: { taskDefinitionArn: live.taskDefinition.taskDefinitionArn ?? null, status: 'INACTIVE' },
    }];
  }
  const liveHash = tagsToMap(live.tags === undefined ? undefined : [...live.tags])[TAG_SPEC_HASH];
  if (liveHash !== undefined && liveHash === taskDefinitionSpecHash(spec.taskDefinition)) return [];
  return compareValues(desiredTd, normalizeTaskDefinition(live.taskDefinition), ['taskDefinition'], 'full').map((d) => ({
    pointer: resolvePointer(spec, d.path), desired: d.desired, live: d.live, kind: d.kind, scope: 'taskDefinition' as const,
  }));
}

/** `spec.sync.ignoreDifferences` and options.ignoreDifferences: pointers relative to `spec`. */
export function scheduledTaskIgnoredPointers(desired: ScheduledTaskManifest, options: Pick<DiffScheduledTaskOptions, 'ignoreDifferences'> = {}): string[] {
  return [...(desired.spec.sync?.ignoreDifferences ?? []), ...(options.ignoreDifferences ?? [])].filter((p) => p.startsWith('/'));
}
