/**
 * Read-only comparison of declared `kind: ScheduledTask` manifests with live
 * EventBridge Scheduler and ECS for `ecs-gitops diff`: each schedule goes
 * through the reconciler's own reads (the group and whose it is,
 * GetSchedule, the task definition it runs, the cluster's ARN) and decision
 * (planScheduledTask), never a write.
 *
 * Ownership is what `sync` decides, not what differs: for a group another
 * controller owns, or an untagged one, the fields are compared as if the
 * group were this controller's, and the refusal `sync` would report comes
 * along as `blocked` (as for capacity providers).
 */
import type { GetScheduleOutput } from '@aws-sdk/client-scheduler';
import { MISSING_SERVICE_POINTER, serviceDiffStatus } from '../../diff/diff-service.js';
import type { Change, ServiceDiffStatus } from '../../diff/types.js';
import type { EcsApi } from '../../ecs/ecs-api.js';
import type { LiveTaskDefinition } from '../../ecs/ecs-reader.js';
import type { ErrorCode } from '../../errors/index.js';
import type { DesiredScheduledTask } from '../../manifests/types.js';
import { planScheduledTask } from '../../plan/plan-scheduled-task.js';
import { scheduleGroupName, type SchedulerApi } from '../../scheduler/scheduler-api.js';
import { errorCodeOf } from '../errors.js';
import { locationOf } from '../../keys/index.js';
import type { LookupResolver } from '../../lookups/lookup-api.js';
import { resolveRecord } from '../lookups.js';
import { readGroupState, readSchedule, type GroupState } from './observe.js';

/** One scheduled task's comparison, in the shape the diff renderers take (ServiceDiffResult), plus why `sync` would refuse it. */
export interface ScheduledTaskDiffResult {
  /** `scheduled-task:[account@]region/cluster/name` */
  readonly key: string;
  readonly changes: readonly Change[];
  readonly status: ServiceDiffStatus;
  /** Set when `sync` would not apply it: another controller owns the group, nobody tagged it, or the cluster does not exist. */
  readonly blocked?: { readonly code: ErrorCode; readonly message: string };
}

export interface ScheduledTaskDiffOptions {
  /** Access per location (`[account@]region`, src/keys). */
  readonly ecs: (location: string) => EcsApi;
  readonly scheduler: (location: string) => SchedulerApi;
  /** Resolves lookups in the schedule's location first; without it a schedule with lookups fails (CONTROLLER_LOOKUP_FAILED). */
  readonly lookups?: LookupResolver;
  readonly controllerId: string;
  readonly signal: AbortSignal;
  /** Epoch ms now (a past startDate is neither sent nor drift). @default Date.now() */
  readonly now?: number;
}

async function liveTaskDefinitionOf(ecs: EcsApi, live: GetScheduleOutput | undefined, signal: AbortSignal): Promise<LiveTaskDefinition | undefined> {
  const arn = live?.Target?.EcsParameters?.TaskDefinitionArn;
  if (!arn) return undefined;
  try {
    const out = await ecs.send('DescribeTaskDefinition', { taskDefinition: arn, include: ['TAGS'] }, signal);
    return out.taskDefinition ? { taskDefinition: out.taskDefinition, tags: out.tags ?? [] } : undefined;
  } catch (err) {
    if (errorCodeOf(err, 'CONTROLLER_APPLY_FAILED') === 'AWS_INVALID_REQUEST') return undefined;
    throw err;
  }
}

/**
 * The plan's pointers (relative to `spec`) as the manifest's, as for services
 * and capacity providers: the whole-spec change of a missing schedule becomes
 * `/spec`, which the renderers read as "missing (will be created)".
 */
function rendered(changes: readonly Change[]): Change[] {
  return changes.map((c) => ({ ...c, pointer: `${MISSING_SERVICE_POINTER}${c.pointer}` }));
}

export async function diffScheduledTasksAgainstLive(
  tasks: readonly DesiredScheduledTask[], options: ScheduledTaskDiffOptions,
): Promise<ScheduledTaskDiffResult[]> {
  const group = scheduleGroupName(options.controllerId);
  const groups = new Map<string, Promise<GroupState>>();
  const groupOf = (location: string): Promise<GroupState> => {
    let entry = groups.get(location);
    if (!entry) groups.set(location, (entry = readGroupState(options.scheduler(location), group, options.controllerId, options.signal)));
    return entry;
  };
  const sorted = [...tasks].sort((a, b) => a.key.localeCompare(b.key));
  return Promise.all(sorted.map(async (declared): Promise<ScheduledTaskDiffResult> => {
    const { signal, controllerId } = options;
    const location = locationOf(declared);
    const desired = await resolveRecord(declared, options.lookups, location, signal);
    const ecs = options.ecs(location);
    const state = await groupOf(location);
    // Another controller's or an untagged group is read as if ours: what differs is shown, the refusal said apart.
    const live = state === 'missing' ? undefined : await readSchedule(options.scheduler(location), group, desired.name, signal);
    const liveTaskDefinition = await liveTaskDefinitionOf(ecs, live, signal);
    const cluster = (await ecs.send('DescribeClusters', { clusters: [desired.cluster] }, signal)).clusters?.find((c) => c.status !== 'INACTIVE');
    const clusterArn = cluster?.clusterArn ?? live?.Target?.Arn ?? `arn:aws:ecs:${desired.region}::cluster/${desired.cluster}`;
    const input = {
      desired, live, ...(liveTaskDefinition ? { liveTaskDefinition } : {}), clusterArn, controllerId, revision: '',
      now: options.now ?? Date.now(),
    };
    const plan = planScheduledTask({ ...input, group: { name: group, state } });
    const compared = plan.blocked ? planScheduledTask({ ...input, group: { name: group, state: 'owned' } }) : plan;
    const changes = rendered(compared.changes);
    const blocked = plan.blocked
      ?? (cluster ? undefined : { code: 'AWS_CLUSTER_NOT_FOUND' as const, message: `cluster ${desired.cluster} does not exist in ${location}: the schedule's target` });
    return {
      key: desired.key, changes, status: serviceDiffStatus(changes),
      ...(blocked ? { blocked: { code: blocked.code, message: blocked.message } } : {}),
    };
  }));
}
