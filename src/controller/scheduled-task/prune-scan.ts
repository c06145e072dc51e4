/**
 * Finds the schedules of the controller's group that no manifest declares,
 * in every Region a snapshot has named since the start, and decides once per
 * scan, under the service prune guards (docs/controller.md, "Pruning"), which
 * of them may go: pruning enabled, no manifest problems, a snapshot that
 * declares something, and no more than the prune limit at once. Each
 * candidate's key is handed to the queue with that verdict; its pass re-reads
 * the schedule (level-triggered) and deletes it, or records it as left
 * (an orphan). Schedules take no tags: the group's tag is the ownership mark,
 * so a group this controller does not own is never scanned.
 *
 * A live schedule whose name a declared (or blocked) ScheduledTask of the
 * Region uses is never a candidate, whatever cluster it targets: names are
 * unique per Region, so it is that manifest's schedule, moved to another
 * cluster, and its own pass updates it.
 */
import { formatKey, identityOf, parseKey, scheduledTaskKey } from '../../keys/index.js';
import type { ManifestSnapshot } from '../../manifests/types.js';
import type { PruneBlockReason } from '../../plan/types.js';
import type { SchedulerApi } from '../../scheduler/scheduler-api.js';
import { clusterNameOfArn, listGroupSchedules, type GroupState } from './observe.js';

/** What a scan decided for one schedule no manifest declares. */
export type PruneVerdict =
  | { readonly kind: 'delete' }
  | { readonly kind: 'keep'; readonly reason: PruneBlockReason | 'detect'; readonly message: string };

export interface ScheduledTaskScanOptions {
  readonly controllerId: string;
  readonly group: string;
  /** Delete schedules that left the manifests (--prune). */
  readonly prune: boolean;
  /** Most schedules one scan may delete. */
  readonly maxDeletes: number;
  /** Global detect mode: never delete, only report. */
  readonly detect: boolean;
}

export interface ScanAccess {
  scheduler(region: string): SchedulerApi | undefined;
  groupState(region: string, signal: AbortSignal): Promise<GroupState>;
}

/** The snapshot's scheduled tasks (and blocked ones) by Region, as names. */
function namesByRegion(snapshot: ManifestSnapshot): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (region: string, name: string) => {
    let names = out.get(region);
    if (!names) out.set(region, (names = new Set()));
    names.add(name);
  };
  for (const t of snapshot.scheduledTasks ?? []) add(t.region, t.name);
  for (const id of snapshot.blockedKeys) {
    if (!id.startsWith('scheduled-task:')) continue;
    try {
      const key = parseKey(id);
      if (key.kind === 'ScheduledTask') add(key.region, key.name);
    } catch {
      // not a scheduled task key
    }
  }
  return out;
}

export class ScheduledTaskPruneScan {
  readonly #regions = new Set<string>();
  readonly #options: ScheduledTaskScanOptions;
  readonly #verdicts = new Map<string, PruneVerdict>();

  constructor(options: ScheduledTaskScanOptions) {
    this.#options = options;
  }

  remember(snapshot: ManifestSnapshot): void {
    for (const t of snapshot.scheduledTasks ?? []) this.#regions.add(t.region);
  }

  /** Regions scanned (every Region a snapshot's scheduled task named). */
  regions(): readonly string[] {
    return [...this.#regions];
  }

  /** The verdict of the last scan for a key, taken once (its pass consumes it). */
  take(identity: string): PruneVerdict | undefined {
    const verdict = this.#verdicts.get(identity);
    this.#verdicts.delete(identity);
    return verdict;
  }

  /**
   * Lists the group in each Region, decides, and enqueues each candidate.
   * Returns the candidates' identities and, when the guards held every one
   * back, why.
   */
  async scan(snapshot: ManifestSnapshot, access: ScanAccess, enqueue: (queueKey: string) => void, signal: AbortSignal): Promise<{ candidates: string[]; blocked?: PruneBlockReason }> {
    const declared = namesByRegion(snapshot);
    const candidates: string[] = [];
    for (const region of this.#regions) {
      const scheduler = access.scheduler(region);
      if (!scheduler) continue;
      if ((await access.groupState(region, signal)) !== 'owned') continue;
      for (const live of await listGroupSchedules(scheduler, this.#options.group, signal)) {
        if (declared.get(region)?.has(live.name)) continue;
        // A target that is no ECS cluster cannot be keyed (nor was it written by this controller).
        const cluster = clusterNameOfArn(live.targetArn);
        if (!cluster) continue;
        candidates.push(identityOf(scheduledTaskKey(region, cluster, live.name)));
      }
    }
    const verdict = this.#verdict(snapshot, candidates);
    for (const id of candidates) {
      this.#verdicts.set(id, verdict);
      enqueue(formatKey(parseKey(id)));
    }
    return { candidates, ...(verdict.kind === 'keep' && verdict.reason !== 'detect' && candidates.length > 0 ? { blocked: verdict.reason } : {}) };
  }

  #verdict(snapshot: ManifestSnapshot, candidates: readonly string[]): PruneVerdict {
    const { prune, maxDeletes, detect } = this.#options;
    const list = candidates.map((id) => id.slice('scheduled-task:'.length)).join(', ');
    if (detect) return { kind: 'keep', reason: 'detect', message: `detect mode: the schedule is no longer declared and is left as it is (${list})` };
    if (!prune) {
      return { kind: 'keep', reason: 'disabled', message: `pruning is disabled: ${candidates.length} schedule(s) no longer in the manifests were kept (${list}); run with --prune to delete them` };
    }
    if (snapshot.problems.length > 0) {
      return { kind: 'keep', reason: 'snapshot_errors', message: `the manifests have errors, so no schedule is pruned (${candidates.length} candidate(s): ${list}); fix the errors first` };
    }
    const declaresNothing = snapshot.services.length === 0 && snapshot.clusters.length === 0
      && (snapshot.capacityProviders ?? []).length === 0 && (snapshot.scheduledTasks ?? []).length === 0;
    if (declaresNothing) {
      return { kind: 'keep', reason: 'empty_snapshot', message: `the manifests declare nothing at all; refusing to delete all ${candidates.length} schedule(s) of the group (${list}) — check the checkout and --path` };
    }
    if (candidates.length > maxDeletes) {
      return { kind: 'keep', reason: 'too_many', message: `${candidates.length} schedules would be deleted, more than the limit of ${maxDeletes} (${list}); raise the limit if this is intended` };
    }
    return { kind: 'delete' };
  }
}
