/**
 * The ScheduledTask kind (docs/controller.md, "Scheduled tasks"): an
 * EventBridge Scheduler schedule, named metadata.name, in the controller's
 * schedule group, that runs an ECS task in the manifest's cluster.
 *
 * A pass observes (the group and whose it is, cached until the next resync;
 * GetSchedule; the task definition the schedule runs, through the Region's
 * reader; the cluster's ARN), decides with the pure planScheduledTask, and in
 * auto mode acts: the task definition goes through the Region's applier
 * (registered once per content for services and scheduled tasks alike), then
 * CreateScheduleGroup, CreateSchedule or UpdateSchedule (only when the
 * normalized forms differ). The outcome carries the status record: sync, the
 * masked diff, the next fire time, the last runs (read at most once per
 * resync) and the last error with its hint. `sync.mode: detect` (or a
 * controller in detect mode) never writes.
 *
 * A key no manifest declares (the prune scan, prune-scan.ts, found its
 * schedule in the group) is deleted only on the scan's `delete` verdict
 * (--prune, under the service prune guards); otherwise its record says it is
 * left (an orphan).
 */
import type { GetScheduleOutput } from '@aws-sdk/client-scheduler';
import { maskChanges } from '../../diff/secret-mask.js';
import { nextFireTime } from '../../diff/schedule-next-fire.js';
import type { MaskOptions } from '../../diff/types.js';
import { ERROR_CATALOGS, type ErrorCode } from '../../errors/index.js';
import { identityOf, locationOf, parseKey, type ScheduledTaskKey } from '../../keys/index.js';
import type { DesiredScheduledTask, ManifestSnapshot, SyncMode } from '../../manifests/types.js';
import type { ApplyAction } from '../../observe/metrics.js';
import { planScheduledTask } from '../../plan/plan-scheduled-task.js';
import type { ScheduledTaskAction, ScheduledTaskActionKind, ScheduledTaskPlan } from '../../plan/scheduled-task-types.js';
import { REGISTERED_TASK_DEFINITION, type ActionKind } from '../../plan/types.js';
import { scheduleGroupName, type SchedulerApi } from '../../scheduler/scheduler-api.js';
import type { Clock } from '../../util/clock.js';
import { errorCodeOf, errorMessage } from '../errors.js';
import { SUCCESS, type ReconcileContext, type ReconcileOutcome, type Reconciler } from '../reconciler.js';
import type { RegionAccess } from '../regions.js';
import type { ScheduledTaskRun, ScheduledTaskStatus, StatusChange, StatusError } from '../status.js';
import {
  ScheduledTaskCache, clusterNameOfArn, isConflict, isNotFound, readGroupState, readLastRuns, readSchedule, taskGroupOf, type GroupState,
} from './observe.js';
import type { ScheduledTaskPruneScan } from './prune-scan.js';

/** The apply_actions label of each Scheduler action. */
export const SCHEDULED_TASK_ACTION_LABEL: Readonly<Record<ScheduledTaskActionKind, ApplyAction>> = {
  createScheduleGroup: 'create_schedule_group',
  createSchedule: 'create_schedule',
  updateSchedule: 'update_schedule',
  deleteSchedule: 'delete_schedule',
};

const byIdentity = new WeakMap<ManifestSnapshot, ReadonlyMap<string, DesiredScheduledTask>>();

/** The snapshot's scheduled tasks by identity, indexed once per snapshot. */
export function declaredScheduledTasks(snapshot: ManifestSnapshot): ReadonlyMap<string, DesiredScheduledTask> {
  let index = byIdentity.get(snapshot);
  if (!index) {
    index = new Map((snapshot.scheduledTasks ?? []).map((t) => [t.key, t]));
    byIdentity.set(snapshot, index);
  }
  return index;
}

/** The catalogue's hint for a code (what to do about it), shown with the status's lastError. */
export function hintOf(code: ErrorCode): string | undefined {
  for (const catalog of Object.values(ERROR_CATALOGS)) {
    const spec = (catalog as Readonly<Record<string, { hint?: string }>>)[code];
    if (spec) return spec.hint;
  }
  return undefined;
}

/**
 * When the schedule fires next (undefined: disabled, finished, or not
 * computable). A rate() without a (future) startDate counts from the schedule's last
 * modification (its creation when never updated): an UpdateSchedule restarts
 * the period (docs/scheduled-tasks.md, "Status and metrics"), as the sandbox
 * does; without a live schedule, from `now` (it is being created).
 */
export function nextFireAt(desired: DesiredScheduledTask, live: GetScheduleOutput | undefined, now: number): string | undefined {
  const spec = desired.manifest.spec;
  if ((spec.state ?? 'ENABLED') === 'DISABLED') return undefined;
  const date = (value: string | undefined) => (value === undefined || Number.isNaN(Date.parse(value)) ? undefined : new Date(value));
  const anchor = live?.LastModificationDate ?? live?.CreationDate;
  // The start Scheduler holds: the live one, or (being written) the desired one unless past, which is not sent.
  const desiredStart = date(spec.startDate);
  const start = live ? (live.StartDate ? new Date(live.StartDate) : undefined) : desiredStart && desiredStart.getTime() > now ? desiredStart : undefined;
  const next = nextFireTime(spec.schedule, spec.timezone, start, date(spec.endDate), new Date(now), anchor ? new Date(anchor) : new Date(now));
  return next?.toISOString();
}

/** The effective mode: the controller's detect overrides every manifest; a manifest may ask for detect. */
export function effectiveMode(controllerMode: SyncMode, desired: DesiredScheduledTask | undefined): SyncMode {
  return controllerMode === 'detect' || desired?.manifest.spec.sync?.mode === 'detect' ? 'detect' : 'auto';
}

export interface ScheduledTaskReconcilerOptions {
  readonly clock: Clock;
  readonly controllerId: string;
  readonly mode: SyncMode;
  /** Secret masking of the diff in status. @default {} */
  readonly mask?: MaskOptions;
  /** The prune scan whose verdicts decide what an undeclared key's pass may delete. */
  readonly scan?: ScheduledTaskPruneScan;
  /** Counts each Scheduler write (apply_actions_total). */
  readonly onAction?: (action: ApplyAction, ok: boolean) => void;
}

/** The Region's Scheduler API, or why there is none. */
function schedulerOf(region: RegionAccess): SchedulerApi | undefined {
  return region.scheduler?.api;
}

export class ScheduledTaskReconciler implements Reconciler<'ScheduledTask'> {
  readonly kind = 'ScheduledTask' as const;
  readonly #options: ScheduledTaskReconcilerOptions;
  readonly #group: string;
  readonly cache = new ScheduledTaskCache();
  readonly #groupCreations = new Map<string, Promise<void>>();

  constructor(options: ScheduledTaskReconcilerOptions) {
    this.#options = options;
    this.#group = scheduleGroupName(options.controllerId);
  }

  get group(): string {
    return this.#group;
  }

  /** A resync begins: the group and every schedule's last runs are read again (once). */
  expire(): void {
    this.cache.expire();
  }

  forget(key: ScheduledTaskKey): void {
    this.cache.forget(identityOf(key));
  }

  /** The group's ownership in a location (`[account@]region`), read once per resync. */
  groupState(location: string, scheduler: SchedulerApi, signal: AbortSignal): Promise<GroupState> {
    return this.cache.group(location, () => readGroupState(scheduler, this.#group, this.#options.controllerId, signal));
  }

  async reconcile(key: ScheduledTaskKey, context: ReconcileContext): Promise<ReconcileOutcome> {
    const identity = identityOf(key);
    const snapshot = context.desired.snapshot;
    // From the index, not the snapshot: the controller puts the record with its lookups resolved there (lookups.ts).
    const desired = context.desired.scheduledTasks.get(identity);
    if (snapshot.blockedKeys.has(identity)) return this.#blocked(key, desired);
    const scheduler = schedulerOf(context.region);
    if (!scheduler) {
      if (!desired) return { ...SUCCESS, status: { kind: 'remove-scheduled-task' } };
      return this.#failed(key, desired, { code: 'CONTROLLER_APPLY_FAILED', message: 'the controller runs without EventBridge Scheduler access, so scheduled tasks are neither read nor applied (start it through the ecs-gitops CLI, or pass `scheduler` to createController)' }, {}, false);
    }
    return desired ? this.#declared(key, desired, scheduler, context) : this.#undeclared(key, scheduler, context);
  }

  #now(): string {
    return new Date(this.#options.clock.now()).toISOString();
  }

  #initial(key: ScheduledTaskKey, desired: DesiredScheduledTask | undefined): ScheduledTaskStatus {
    return {
      key: identityOf(key), region: key.region, ...(key.account !== undefined ? { account: key.account } : {}),
      ...(desired?.environment !== undefined ? { environment: desired.environment } : {}),
      cluster: key.cluster, name: key.name, group: this.#group,
      sync: 'Unknown', mode: effectiveMode(this.#options.mode, desired), diff: [],
    };
  }

  #write(key: ScheduledTaskKey, desired: DesiredScheduledTask | undefined, patch: Partial<ScheduledTaskStatus>): ReconcileOutcome['status'] {
    // A location with a record stays scanned, so the record goes (or its schedule is pruned) once its manifest does.
    this.#options.scan?.rememberRegion(locationOf(key));
    return { kind: 'set-scheduled-task', patch, initial: this.#initial(key, desired) };
  }

  #error(code: ErrorCode, message: string): StatusError & { hint?: string } {
    const hint = hintOf(code);
    return { code, message, at: this.#now(), ...(hint ? { hint } : {}) };
  }

  #failed(
    key: ScheduledTaskKey, desired: DesiredScheduledTask | undefined, err: unknown, patch: Partial<ScheduledTaskStatus> = {}, retry = true,
  ): ReconcileOutcome {
    const error = this.#error(errorCodeOf(err, 'CONTROLLER_APPLY_FAILED'), errorMessage(err));
    return { result: 'error', retry, error, status: this.#write(key, desired, { ...patch, lastError: error }) };
  }

  /** A manifest file with problems: the schedule is left as it is; an existing record says why. */
  #blocked(key: ScheduledTaskKey, desired: DesiredScheduledTask | undefined): ReconcileOutcome {
    const error = this.#error('CONTROLLER_MANIFEST_BLOCKED', `the file declaring ${identityOf(key)} has problems; the schedule is left as it is until they are fixed`);
    return { result: 'error', error, status: this.#write(key, desired, { lastError: error }) };
  }

  /** The cluster's ARN (the schedule's target), read once and kept: a cluster's ARN never changes. */
  async #clusterArn(key: ScheduledTaskKey, region: RegionAccess, signal: AbortSignal): Promise<string | undefined> {
    const known = this.cache.clusterArn(locationOf(key), key.cluster);
    if (known) return known;
    const arn = (await region.reader.describeCluster(key.cluster, signal))?.clusterArn;
    if (arn) this.cache.setClusterArn(locationOf(key), key.cluster, arn);
    return arn;
  }

  /** The revision the live schedule runs, with its tags; undefined when it is unreadable (deregistered and gone). */
  async #liveTaskDefinition(region: RegionAccess, live: GetScheduleOutput | undefined, signal: AbortSignal) {
    const arn = live?.Target?.EcsParameters?.TaskDefinitionArn;
    if (!arn) return undefined;
    try {
      // Read afresh once per resync (not from the reader's lasting cache): a deregistered revision turns INACTIVE.
      return await this.cache.taskDefinition(arn, async () => {
        const out = await region.ecs.send('DescribeTaskDefinition', { taskDefinition: arn, include: ['TAGS'] }, signal);
        return out.taskDefinition ? { taskDefinition: out.taskDefinition, tags: out.tags ?? [] } : undefined;
      });
    } catch (err) {
      // ECS answers an unknown revision with a client error: the plan then sees the difference and registers.
      if (errorCodeOf(err, 'CONTROLLER_APPLY_FAILED') === 'AWS_INVALID_REQUEST') return undefined;
      throw err;
    }
  }

  /** The last runs, read at most once per resync (stale by at most a resync interval). */
  async #lastRuns(key: ScheduledTaskKey, desired: DesiredScheduledTask, region: RegionAccess, signal: AbortSignal): Promise<ScheduledTaskRun[] | undefined> {
    const identity = identityOf(key);
    const cached = this.cache.runs(identity);
    if (cached) return cached;
    const spec = desired.manifest.spec;
    const essential = new Map((spec.taskDefinition.containerDefinitions ?? []).map((c) => [c.name ?? '', c.essential !== false]));
    try {
      const runs = await readLastRuns(region.ecs, key.cluster, spec.taskDefinition.family ?? key.name, taskGroupOf(key.name, spec), (name) => essential.get(name) ?? true, signal);
      this.cache.setRuns(identity, runs);
      return runs;
    } catch {
      // Runs are a convenience: a failed read leaves the last known ones and is tried at the next resync.
      return undefined;
    }
  }

  async #declared(key: ScheduledTaskKey, desired: DesiredScheduledTask, scheduler: SchedulerApi, context: ReconcileContext): Promise<ReconcileOutcome> {
    const { region, signal, revision } = context;
    const mode = effectiveMode(this.#options.mode, desired);
    const source = desired.source.file;
    let live: GetScheduleOutput | undefined;
    let plan: ScheduledTaskPlan;
    let groupState: GroupState;
    let liveTaskDefinitionInactive = false;
    try {
      groupState = await this.groupState(locationOf(key), scheduler, signal);
      const clusterArn = await this.#clusterArn(key, region, signal);
      if (!clusterArn) {
        return this.#failed(key, desired, { code: 'AWS_CLUSTER_NOT_FOUND', message: `cluster ${key.cluster} does not exist in ${locationOf(key)}: the schedule's target` }, { source, mode, sync: 'OutOfSync' });
      }
      live = groupState === 'missing' ? undefined : await readSchedule(scheduler, this.#group, key.name, signal);
      const liveTaskDefinition = await this.#liveTaskDefinition(region, live, signal);
      liveTaskDefinitionInactive = liveTaskDefinition?.taskDefinition.status === 'INACTIVE';
      plan = planScheduledTask({
        desired, live, ...(liveTaskDefinition ? { liveTaskDefinition } : {}),
        group: { name: this.#group, state: groupState }, clusterArn, controllerId: this.#options.controllerId, revision,
        now: this.#options.clock.now(),
      });
    } catch (err) {
      return this.#failed(key, desired, err, { source, mode });
    }
    const runs = await this.#lastRuns(key, desired, region, signal);
    const diff: StatusChange[] = maskChanges(plan.changes, this.#options.mask)
      .map((c) => ({ pointer: c.pointer, kind: c.kind, scope: c.scope, desired: c.desired, live: c.live }));
    const next = nextFireAt(desired, live, this.#options.clock.now());
    const compared: Partial<ScheduledTaskStatus> = {
      source, mode, lastSyncTime: this.#now(), diff, orphan: undefined, nextFireAt: next,
      ...(live?.Arn ? { arn: live.Arn } : {}),
      ...(live?.Target?.EcsParameters?.TaskDefinitionArn ? { taskDefinitionArn: live.Target.EcsParameters.TaskDefinitionArn } : {}),
      ...(runs ? { lastRuns: runs } : {}),
    };
    if (plan.blocked) {
      const error = this.#error(plan.blocked.code, plan.blocked.message);
      return { result: 'error', error, status: this.#write(key, desired, { ...compared, sync: 'OutOfSync', lastError: error }) };
    }
    if (plan.actions.length === 0) {
      return { ...SUCCESS, status: this.#write(key, desired, { ...compared, sync: 'Synced', lastError: undefined }) };
    }
    const changes = plan.actions.map((a) => a.kind);
    if (mode === 'detect') {
      return {
        ...SUCCESS, status: this.#write(key, desired, { ...compared, sync: 'OutOfSync', lastError: undefined }),
        notes: [{ level: 'info', message: 'scheduled task differs (detect mode)', fields: { changes, diff: diff.map((c) => c.pointer) } }],
      };
    }
    const applied: (ActionKind | ScheduledTaskActionKind)[] = [];
    let arn = live?.Arn;
    let taskDefinitionArn = live?.Target?.EcsParameters?.TaskDefinitionArn;
    try {
      let registered: string | undefined;
      for (const action of plan.actions) {
        if (action.kind === 'registerTaskDefinition') {
          // The applier may remember the deregistered revision for this content: never hand it out again.
          if (liveTaskDefinitionInactive) region.applier.forget(action.specHash);
          const result = await region.applier.apply([action], signal);
          registered = result.registeredTaskDefinitionArn;
          applied.push(...result.performed);
          continue;
        }
        const answer = await this.#send(scheduler, locationOf(key), withTaskDefinition(action, registered), signal);
        if (answer?.ScheduleArn) arn = answer.ScheduleArn;
        if (action.kind === 'createSchedule' || action.kind === 'updateSchedule') {
          taskDefinitionArn = withTaskDefinition(action, registered).input.Target?.EcsParameters?.TaskDefinitionArn ?? taskDefinitionArn;
        }
        applied.push(action.kind);
      }
    } catch (err) {
      return {
        ...this.#failed(key, desired, err, { ...compared, sync: 'OutOfSync', lastAttemptedRevision: revision, lastApplySucceeded: false }),
        applied,
      };
    }
    const now = this.#now();
    const scheduleWritten = applied.includes('createSchedule') || applied.includes('updateSchedule');
    return {
      ...SUCCESS, applied,
      status: this.#write(key, desired, {
        ...compared, sync: 'Synced', diff: [], lastAttemptedRevision: revision, lastAppliedRevision: revision, lastAppliedAt: now,
        lastApplySucceeded: true, lastError: undefined,
        ...(arn ? { arn } : {}), ...(taskDefinitionArn ? { taskDefinitionArn } : {}),
        // A schedule just created or updated counts a rate() without startDate from now.
        nextFireAt: scheduleWritten ? nextFireAt(desired, undefined, this.#options.clock.now()) : next,
      }),
      notes: [{ level: 'info', message: live ? 'scheduled task updated' : 'scheduled task created', fields: { changes, diff: diff.map((c) => c.pointer), mode } }],
    };
  }

  /** One Scheduler write, counted; the group's creation is shared by the location's passes and tolerates a race. */
  async #send(scheduler: SchedulerApi, location: string, action: Exclude<ScheduledTaskAction, { kind: 'registerTaskDefinition' }>, signal: AbortSignal): Promise<{ ScheduleArn?: string } | undefined> {
    const label = SCHEDULED_TASK_ACTION_LABEL[action.kind];
    try {
      let answer: { ScheduleArn?: string } | undefined;
      switch (action.kind) {
        case 'createScheduleGroup':
          await this.#createGroup(scheduler, location, action, signal);
          break;
        case 'createSchedule':
          answer = await scheduler.send('CreateSchedule', action.input, signal);
          break;
        case 'updateSchedule':
          answer = await scheduler.send('UpdateSchedule', action.input, signal);
          break;
        case 'deleteSchedule':
          await scheduler.send('DeleteSchedule', { ...action.input }, signal);
          break;
      }
      this.#options.onAction?.(label, true);
      return answer;
    } catch (err) {
      this.#options.onAction?.(label, false);
      throw err;
    }
  }

  async #createGroup(
    scheduler: SchedulerApi, location: string, action: Extract<ScheduledTaskAction, { kind: 'createScheduleGroup' }>, signal: AbortSignal,
  ): Promise<void> {
    let creation = this.#groupCreations.get(location);
    if (!creation) {
      creation = (async () => {
        try {
          await scheduler.send('CreateScheduleGroup', { Name: action.name, Tags: action.tags.map((t) => ({ ...t })) }, signal);
          this.cache.setGroup(location, 'owned');
        } catch (err) {
          // Created meanwhile (another pass, a restart): whose it is decides.
          if (!isConflict(err)) throw err;
          this.cache.dropGroup(location);
          const state = await this.groupState(location, scheduler, signal);
          if (state !== 'owned') throw err;
        }
      })().finally(() => this.#groupCreations.delete(location));
      this.#groupCreations.set(location, creation);
    }
    await creation;
  }

  async #undeclared(key: ScheduledTaskKey, scheduler: SchedulerApi, context: ReconcileContext): Promise<ReconcileOutcome> {
    const { signal } = context;
    const identity = identityOf(key);
    const snapshot = context.desired.snapshot;
    const verdict = this.#options.scan?.take(identity, snapshot);
    const gone: ReconcileOutcome = { ...SUCCESS, status: { kind: 'remove-scheduled-task' } };
    let live: GetScheduleOutput | undefined;
    try {
      // Not ours to touch (or to report) unless the group is.
      if ((await this.groupState(locationOf(key), scheduler, signal)) !== 'owned') return gone;
      live = await readSchedule(scheduler, this.#group, key.name, signal);
    } catch (err) {
      return this.#failed(key, undefined, err, { sync: 'OutOfSync' });
    }
    if (!live) {
      this.cache.forget(identity);
      return gone;
    }
    // The schedule is another key's: its manifest moved it to another cluster (names are unique per
    // Region), or it targets another cluster. This key's record goes; the schedule is not touched.
    if (clusterNameOfArn(live.Target?.Arn) !== key.cluster || nameDeclaredInRegion(snapshot, key)) {
      this.cache.forget(identity);
      return gone;
    }
    const base: Partial<ScheduledTaskStatus> = {
      source: undefined, orphan: true, sync: 'OutOfSync', lastSyncTime: this.#now(), nextFireAt: undefined,
      diff: [{ pointer: '', kind: 'removed', scope: 'scheduledTask', desired: undefined, live: live.Name }],
      ...(live.Arn ? { arn: live.Arn } : {}),
    };
    if (verdict?.kind !== 'delete') {
      const message = verdict?.message ?? `schedule ${key.name} is no longer declared; it is left until a prune scan decides (run with --prune to delete it)`;
      if (verdict && verdict.reason !== 'disabled' && verdict.reason !== 'detect') {
        const error = this.#error('DIFF_PRUNE_BLOCKED', message);
        return {
          result: 'error', error, status: this.#write(key, undefined, { ...base, lastError: error }),
          notes: [{ level: 'warn', message: 'scheduled task prune blocked', fields: { reason: verdict.reason, message } }],
        };
      }
      // Pruning off (or detect): reported, not an error.
      return { ...SUCCESS, status: this.#write(key, undefined, { ...base, lastError: undefined }), notes: [{ level: 'info', message, fields: { reason: verdict?.reason ?? 'no_scan' } }] };
    }
    try {
      await this.#send(scheduler, locationOf(key), { kind: 'deleteSchedule', input: { Name: key.name, GroupName: this.#group } }, signal);
    } catch (err) {
      if (!isNotFound(err)) return this.#failed(key, undefined, err, { ...base, lastApplySucceeded: false });
    }
    this.cache.forget(identity);
    return {
      ...SUCCESS, applied: ['deleteSchedule'], status: { kind: 'remove-scheduled-task' },
      notes: [{ level: 'info', message: 'pruned schedule no longer in the manifests', fields: { arn: live.Arn } }],
    };
  }
}

/** Whether a ScheduledTask of the key's location (declared or blocked, on any cluster) uses the key's name: names are unique per account and Region. */
function nameDeclaredInRegion(snapshot: ManifestSnapshot, key: ScheduledTaskKey): boolean {
  if ((snapshot.scheduledTasks ?? []).some((t) => t.region === key.region && t.account === key.account && t.name === key.name)) return true;
  for (const id of snapshot.blockedKeys) {
    if (!id.startsWith('scheduled-task:')) continue;
    try {
      const blocked = parseKey(id);
      if (blocked.kind === 'ScheduledTask' && blocked.region === key.region && blocked.account === key.account && blocked.name === key.name) return true;
    } catch {
      // not a scheduled task key
    }
  }
  return false;
}

/** The action with the registered revision in place of REGISTERED_TASK_DEFINITION. */
function withTaskDefinition<A extends Exclude<ScheduledTaskAction, { kind: 'registerTaskDefinition' }>>(action: A, registered: string | undefined): A {
  if (action.kind !== 'createSchedule' && action.kind !== 'updateSchedule') return action;
  const ecs = action.input.Target?.EcsParameters;
  if (ecs?.TaskDefinitionArn !== REGISTERED_TASK_DEFINITION) return action;
  if (!registered) throw new Error('plan refers to a registered task definition but registered none');
  return { ...action, input: { ...action.input, Target: { ...action.input.Target, EcsParameters: { ...ecs, TaskDefinitionArn: registered } } } };
}
