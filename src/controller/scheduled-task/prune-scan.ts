/**
 * Finds the schedules of the controller's group that no manifest declares,
 * in every location (`[account@]region`, src/keys) the controller has reason
 * to look at: every location a snapshot named since the start (services,
 * clusters, capacity providers, scheduled tasks, blocked keys, environments),
 * the default Region, and every location a scheduled-task status record was
 * written for. A location that cannot be read (its role cannot be assumed,
 * access denied) is skipped and reported; the others are scanned all the
 * same. A location whose environment sets `sync.prune: false` keeps its
 * candidates (reported like pruning disabled). A location whose last
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
 *
 * The controller's own account has two spellings of a location (`OWN@region`
 * and `region`, src/accounts/own-account.ts): a schedule declared under
 * either is declared, and the group of one real location is listed once. A
 * scan that needs the own account and cannot learn it fails as a whole.
 */
import { distinctLocations, namesAnAccount, normalizeLocation, ownSpellings } from '../../accounts/own-account.js';
import { formatKey, identityOf, locationOf, parseKey, parseLocation, scheduledTaskKey } from '../../keys/index.js';
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
  /** False for a location whose environment sets `sync.prune: false`. @default always true */
  readonly pruneAllowed?: (location: string) => boolean;
  /**
   * The account of the controller's own credentials (rejects when unknown);
   * asked only when some scanned location names an account. @default none: locations are taken as spelled
   */
  readonly ownAccount?: () => Promise<string | undefined>;
}

export interface ScanAccess {
  scheduler(location: string): SchedulerApi | undefined;
  groupState(location: string, signal: AbortSignal): Promise<GroupState>;
  /**
   * With --ha-table: whether this replica works on a candidate's queue key
   * (holds its cluster's shard). Others are left to their shard's holder,
   * which scans the group too, so the verdicts kept here are for this
   * replica's keys only and the prune guards count only them (docs/ha.md,
   * "Limits"). @default every candidate
   */
  owns?(queueKey: string): boolean;
}

/** The snapshot's scheduled tasks (and blocked ones) by location (the own account's `account@` dropped), as names. */
function namesByLocation(snapshot: ManifestSnapshot, own: string | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (spelled: string, name: string) => {
    const location = normalizeLocation(spelled, own);
    let names = out.get(location);
    if (!names) out.set(location, (names = new Set()));
    names.add(name);
  };
  for (const t of snapshot.scheduledTasks ?? []) add(locationOf(t), t.name);
  for (const id of snapshot.blockedKeys) {
    if (!id.startsWith('scheduled-task:')) continue;
    try {
      const key = parseKey(id);
      if (key.kind === 'ScheduledTask') add(locationOf(key), key.name);
    } catch {
      // not a scheduled task key
    }
  }
  return out;
}

/** Every location a snapshot names, whatever the kind (its blocked keys and environments too). */
function locationsOf(snapshot: ManifestSnapshot): Set<string> {
  const out = new Set<string>();
  for (const s of snapshot.services) out.add(locationOf(s));
  for (const c of snapshot.clusters) out.add(locationOf(c));
  for (const p of snapshot.capacityProviders ?? []) out.add(locationOf(p));
  for (const t of snapshot.scheduledTasks ?? []) out.add(locationOf(t));
  for (const e of snapshot.environments ?? []) out.add(locationOf(e));
  for (const id of snapshot.blockedKeys) {
    try {
      out.add(locationOf(parseKey(id)));
    } catch {
      // not a key this controller can place in a location
    }
  }
  return out;
}

export class ScheduledTaskPruneScan {
  readonly #locations = new Set<string>();
  readonly #options: ScheduledTaskScanOptions;
  /** Each verdict with the snapshot it was decided for: a pass under another snapshot ignores it. */
  readonly #verdicts = new Map<string, { readonly verdict: PruneVerdict; readonly snapshot: ManifestSnapshot }>();

  constructor(options: ScheduledTaskScanOptions) {
    this.#options = options;
    if (options.defaultRegion) this.#locations.add(options.defaultRegion);
  }

  /** Every location the snapshot names joins the scanned ones (and stays: its schedules may leave later). */
  remember(snapshot: ManifestSnapshot): void {
    for (const location of locationsOf(snapshot)) this.#locations.add(location);
  }

  /** A location (`[account@]region`) a scheduled-task status record was written for: scanned from now on. */
  rememberRegion(location: string): void {
    this.#locations.add(location);
  }

  /** Locations scanned (`[account@]region`). */
  regions(): readonly string[] {
    return [...this.#locations];
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
   * Lists the group in each location, decides, and enqueues each candidate.
   * Returns the candidates' identities, when the guards held every one back,
   * why, and the locations that could not be read (with the error).
   */
  async scan(
    snapshot: ManifestSnapshot, access: ScanAccess, enqueue: (queueKey: string) => void, signal: AbortSignal,
  ): Promise<{ candidates: string[]; blocked?: PruneBlockReason; failed: Array<{ location: string; error: unknown }> }> {
    // Decisions of an earlier scan were for an earlier snapshot: none outlives the next scan.
    this.#verdicts.clear();
    const own = namesAnAccount(this.#locations) ? await this.#options.ownAccount?.() : undefined;
    const declared = namesByLocation(snapshot, own);
    const candidates: string[] = [];
    const failed: Array<{ location: string; error: unknown }> = [];
    for (const location of distinctLocations(this.#locations, own)) {
      const { account, region } = parseLocation(location);
      let lives: Array<{ name: string; targetArn?: string }>;
      try {
        const scheduler = access.scheduler(location);
        if (!scheduler) continue;
        if ((await access.groupState(location, signal)) !== 'owned') continue;
        lives = await listGroupSchedules(scheduler, this.#options.group, signal);
      } catch (error) {
        // One account's refusal is that account's: the other locations are still scanned.
        if (signal.aborted) throw error;
        failed.push({ location, error });
        continue;
      }
      for (const live of lives) {
        if (declared.get(normalizeLocation(location, own))?.has(live.name)) continue;
        // A target that is no ECS cluster cannot be keyed (nor was it written by this controller).
        const cluster = clusterNameOfArn(live.targetArn);
        if (!cluster) continue;
        const key = scheduledTaskKey(region, cluster, live.name, account);
        if (access.owns && !access.owns(formatKey(key))) continue;
        candidates.push(identityOf(key));
      }
    }
    const allowedAt = this.#options.pruneAllowed ?? (() => true);
    // `sync.prune: false` on either spelling of an own-account location holds its schedules.
    const pruneAllowed = (location: string) => ownSpellings(location, own).every(allowedAt);
    const kept = candidates.filter((id) => !pruneAllowed(locationOf(parseKey(id) as { account?: string; region: string })));
    const open = candidates.filter((id) => !kept.includes(id));
    const verdict = this.#verdict(snapshot, open);
    for (const id of open) {
      this.#verdicts.set(id, { verdict, snapshot });
      enqueue(formatKey(parseKey(id)));
    }
    for (const id of kept) {
      const where = locationOf(parseKey(id) as { account?: string; region: string });
      this.#verdicts.set(id, {
        verdict: { kind: 'keep', reason: 'disabled', message: `pruning is off in ${where} (its environment sets sync.prune: false): schedule ${id.slice('scheduled-task:'.length)} is no longer declared and is kept` },
        snapshot,
      });
      enqueue(formatKey(parseKey(id)));
    }
    const blocked = verdict.kind === 'keep' && verdict.reason !== 'detect' && open.length > 0 ? verdict.reason : kept.length > 0 ? 'disabled' : undefined;
    return { candidates, ...(blocked ? { blocked } : {}), failed };
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
