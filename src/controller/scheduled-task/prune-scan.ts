/**
 * Finds the schedules of the controller's group that no manifest declares,
 * in every Region the controller has reason to look at: every Region a
 * snapshot named since the start (services, clusters, capacity providers,
 * scheduled tasks, blocked keys), the default Region, and every Region a
 * scheduled-task status record was written for. A Region whose last
 * scheduled task left the manifests is still listed, so a restarted
 * controller or a one-shot `sync --prune` finds its schedule. It decides once per
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
  /** The Region manifests without metadata.region are in: always scanned. */
  readonly defaultRegion?: string;
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

/** Every Region a snapshot names, whatever the kind (and its blocked keys). */
function regionsOf(snapshot: ManifestSnapshot): Set<string> {
  const out = new Set<string>();
  for (const s of snapshot.services) out.add(s.region);
  for (const c of snapshot.clusters) out.add(c.region);
  for (const p of snapshot.capacityProviders ?? []) out.add(p.region);
  for (const t of snapshot.scheduledTasks ?? []) out.add(t.region);
  for (const id of snapshot.blockedKeys) {
    try {
      out.add(parseKey(id).region);
    } catch {
      // not a key this controller can place in a Region
    }
  }
  return out;
}

export class ScheduledTaskPruneScan {
  readonly #regions = new Set<string>();
  readonly #options: ScheduledTaskScanOptions;
  /** Each verdict with the snapshot it was decided for: a pass under another snapshot ignores it. */
  readonly #verdicts = new Map<string, { readonly verdict: PruneVerdict; readonly snapshot: ManifestSnapshot }>();

  constructor(options: ScheduledTaskScanOptions) {
    this.#options = options;
    if (options.defaultRegion) this.#regions.add(options.defaultRegion);
  }

  /** Every Region the snapshot names joins the scanned ones (and stays: its schedules may leave later). */
  remember(snapshot: ManifestSnapshot): void {
    for (const region of regionsOf(snapshot)) this.#regions.add(region);
  }

  /** A Region a scheduled-task status record was written for: scanned from now on. */
  rememberRegion(region: string): void {
    this.#regions.add(region);
  }

  /** Regions scanned. */
  regions(): readonly string[] {
    return [...this.#regions];
  }

  /**
   * The verdict of the last scan for a key, taken once (its pass consumes
   * it), and only under the snapshot it was decided for: a schedule declared
   * again (or removed again, under other guards) since is decided afresh.
   */
  take(identity: string, snapshot: ManifestSnapshot): PruneVerdict | undefined {
    const entry = this.#verdicts.get(identity);
    this.#verdicts.delete(identity);
    return entry?.snapshot === snapshot ? entry.verdict : undefined;
  }

  /**
   * Lists the group in each Region, decides, and enqueues each candidate.
   * Returns the candidates' identities and, when the guards held every one
   * back, why.
   */
  async scan(snapshot: ManifestSnapshot, access: ScanAccess, enqueue: (queueKey: string) => void, signal: AbortSignal): Promise<{ candidates: string[]; blocked?: PruneBlockReason }> {
    // Decisions of an earlier scan were for an earlier snapshot: none outlives the next scan.
    this.#verdicts.clear();
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
      this.#verdicts.set(id, { verdict, snapshot });
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
