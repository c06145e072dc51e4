/**
 * Pruning (`--prune`): a pass lists the services of every cluster the
 * manifests ever named, keeps the owned ones no manifest declares, asks the
 * pure planPrune what may go, and queues one ServicePrune key per deletion.
 * The ServicePrune reconciler re-reads the service before deleting it
 * (level-triggered) and deletes only what this controller owns. With pruning
 * off the pass still runs, to report the orphans it would delete.
 *
 * Clusters are known by location and name (`[account@]region/cluster`): the
 * same cluster name in two accounts is two clusters. A location whose
 * environment sets `sync.prune: false` keeps its orphans (reported like
 * pruning disabled), and a location that cannot be listed (its role cannot be
 * assumed, access denied) is skipped and logged: the others are pruned all
 * the same (docs/controller.md, "Many accounts and Regions").
 *
 * The controller's own account has two spellings, `OWN@region/cluster` and
 * `region/cluster` (an Environment in that account names the first, a plain
 * manifest the second): a live service counts as declared under either, and
 * each real cluster is listed once (src/accounts/own-account.ts). While the
 * own account cannot be learned and some cluster names an account, no pass
 * runs: a wrong guess would delete declared services.
 */
import { planScaling } from '../plan/plan-scaling.js';
import type { ScalingActionKind } from '../plan/scaling-types.js';
import { TAG_AUTOSCALING, tagsToMap } from '../diff/tags.js';
import { isServiceGone } from '../diff/index.js';
import { isControllerTagValue, ownershipOf } from '../plan/ownership.js';
import { namesAnAccount, normalizeIdentity, otherSpelling, ownSpellings } from '../accounts/own-account.js';
import { errorCodeOf, errorMessage } from './errors.js';
import {
  clusterIdentity, formatKey, identityOf, locationOf, parseKey, serviceIdentity, servicePruneKey, type ServicePruneKey,
} from '../keys/index.js';
import type { Logger } from '../observe/logger.js';
import type { Metrics, PruneBlockedReason } from '../observe/metrics.js';
import type { Action, PruneBlockReason } from '../plan/types.js';
import type { Clock } from '../util/clock.js';
import type { Planner } from './planner.js';
import { SUCCESS, type DesiredIndex, type ReconcileContext, type ReconcileOutcome, type Reconciler } from './reconciler.js';
import type { RegionAccessPool } from './regions.js';
import type { PruneStatus, StatusStore } from './status.js';

const PRUNE_REASON_METRIC: Readonly<Record<PruneBlockReason, PruneBlockedReason>> = {
  disabled: 'pruning_disabled',
  snapshot_errors: 'snapshot_errors',
  empty_snapshot: 'snapshot_incomplete',
  too_many: 'guard_exceeded',
};

export interface PrunerOptions {
  readonly regions: RegionAccessPool;
  readonly planner: Planner;
  readonly status: StatusStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics | undefined;
  readonly controllerId: string;
  /** Delete owned services that left the manifests. */
  readonly enabled: boolean;
  /** False for a location (`[account@]region`) whose environment sets `sync.prune: false`. @default always true */
  readonly pruneAllowed?: (location: string) => boolean;
  /** Most services one pass may delete. */
  readonly maxDeletes: number;
  /**
   * The account of the controller's own credentials (rejects when unknown);
   * asked only when some cluster names an account. @default none: every key is taken as spelled
   */
  readonly ownAccount?: () => Promise<string | undefined>;
  /** Where deletions go: the controller's queue. */
  readonly enqueue: (queueKey: string) => void;
  /**
   * With --ha-table: whether this replica holds the shard of a location's
   * cluster; clusters of other replicas' shards are neither listed nor
   * pruned here (docs/ha.md). @default every cluster
   */
  readonly ownsCluster?: (location: string, cluster: string) => boolean;
  /** Every pass's report (the event recorder announces a blocked one as PruneBlocked). */
  readonly onPrune?: (report: PruneStatus) => void;
  readonly signal: AbortSignal;
}

/** Runs prune passes one at a time (a request during a pass runs one more after it) and hands deletions to the queue. */
export class Pruner {
  readonly #options: PrunerOptions;
  /** Clusters any snapshot named: a cluster whose last manifest went away may still hold owned services. */
  readonly #knownClusters = new Map<string, { readonly account?: string; readonly region: string; readonly cluster: string }>();
  readonly #pendingDeletes = new Map<string, { readonly arn: string; readonly actions: readonly Action[] }>();
  #last: PruneStatus | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  /** The own account the last pass compared with (for the ServicePrune pass's re-check). */
  #own: string | undefined;

  constructor(options: PrunerOptions) {
    this.#options = options;
  }

  /** The last pass's report. */
  last(): PruneStatus | undefined {
    return this.#last;
  }

  /** The pass running now, if any. */
  running(): Promise<void> | undefined {
    return this.#running;
  }

  remember(desired: DesiredIndex): void {
    const add = (account: string | undefined, region: string, cluster: string) => {
      this.#knownClusters.set(clusterIdentity(region, cluster, account), { ...(account !== undefined ? { account } : {}), region, cluster });
    };
    for (const s of desired.snapshot.services) add(s.account, s.region, s.cluster);
    for (const c of desired.snapshot.clusters) add(c.account, c.region, c.name);
    // An environment's default cluster: its services may all have left the manifests.
    for (const e of desired.snapshot.environments ?? []) if (e.manifest.spec.cluster) add(e.account, e.region, e.manifest.spec.cluster);
  }

  /**
   * Every location (`[account@]region`) of a cluster any snapshot named: with
   * --ha-table their shards stay leased after the last manifest of a location
   * goes, so its orphans are still pruned (docs/ha.md).
   */
  locations(): string[] {
    return [...new Set([...this.#knownClusters.values()].map((c) => locationOf(c)))];
  }

  /** Whether a service is declared (or blocked) under its identity or the own account's other spelling of it. */
  isDeclared(identity: string, desired: DesiredIndex): boolean {
    const other = otherSpelling(identity, this.#own);
    return [identity, ...(other !== undefined ? [other] : [])].some((id) => desired.services.has(id) || desired.snapshot.blockedKeys.has(id));
  }

  /** The deletion planned for a service, taken once (its ServicePrune pass consumes it). */
  takeDelete(key: ServicePruneKey): { readonly arn: string; readonly actions: readonly Action[] } | undefined {
    const identity = identityOf(key);
    const pending = this.#pendingDeletes.get(identity);
    this.#pendingDeletes.delete(identity);
    return pending;
  }

  schedule(desired: () => DesiredIndex | undefined, stopped: () => boolean): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        const current = desired();
        if (!current || stopped()) break;
        try {
          await this.#pass(current);
        } catch (err) {
          this.#options.logger.warn({ code: errorCodeOf(err, 'CONTROLLER_APPLY_FAILED'), err: err instanceof Error ? err.message : String(err) }, 'prune pass failed; retried at the next resync');
        }
      } while (this.#again && !stopped());
    })().finally(() => {
      this.#running = undefined;
    });
  }

  async #pass(desired: DesiredIndex): Promise<void> {
    const { regions, controllerId, signal, status, clock, metrics, logger } = this.#options;
    const snapshot = desired.snapshot;
    const owned: Array<{ key: string; arn: string; desiredCount: number }> = [];
    /** Orphans in locations whose environment forbids pruning: reported, never planned. */
    const kept: Array<{ key: string; location: string }> = [];
    const desiredKeys = new Set<string>([...desired.services.keys(), ...snapshot.blockedKeys]);
    const known = [...this.#knownClusters.values()];
    let own: string | undefined;
    if (namesAnAccount(known.map((c) => locationOf(c)))) {
      try {
        own = await this.#options.ownAccount?.();
      } catch (err) {
        if (signal.aborted) throw err;
        logger.warn({ code: errorCodeOf(err, 'CONTROLLER_APPLY_FAILED'), err: errorMessage(err) },
          'prune pass skipped: the controller\'s own account could not be learned (STS GetCallerIdentity), so OWN@region and region clusters cannot be told apart; retried at the next pass');
        return;
      }
    }
    this.#own = own;
    // Declared under either spelling of the own account; each real cluster listed once (its `account@` spelling when named so).
    const declaredKeys = new Set([...desiredKeys].map((k) => normalizeIdentity(k, own)));
    const clusters = new Map<string, { readonly account?: string; readonly region: string; readonly cluster: string }>();
    for (const c of known) {
      const normal = normalizeIdentity(clusterIdentity(c.region, c.cluster, c.account), own);
      const chosen = clusters.get(normal);
      if (!chosen || (chosen.account === undefined && c.account !== undefined)) clusters.set(normal, c);
    }
    const unreadable = new Set<string>();
    for (const { account, region, cluster } of clusters.values()) {
      const location = locationOf({ ...(account !== undefined ? { account } : {}), region });
      // One failure (an unassumable role, access denied) is enough for the location this pass.
      if (unreadable.has(location)) continue;
      if (this.#options.ownsCluster && !this.#options.ownsCluster(location, cluster)) continue;
      let arns: string[];
      let found: Awaited<ReturnType<ReturnType<RegionAccessPool['get']>['reader']['describeServices']>>;
      let access: ReturnType<RegionAccessPool['get']>;
      try {
        access = regions.get(location);
        try {
          arns = await access.reader.listServiceArns(cluster, signal);
        } catch (err) {
          // A cluster that does not exist (yet) holds nothing to prune.
          if (errorCodeOf(err, 'CONTROLLER_APPLY_FAILED') === 'AWS_CLUSTER_NOT_FOUND') continue;
          throw err;
        }
        // Only undeclared services can be candidates; declared ones are read by their own
        // reconciles, so a pass costs ListServices pages plus the orphans' reads.
        const names = arns.map((arn) => arn.split('/').pop() ?? '')
          .filter((n) => n.length > 0 && !declaredKeys.has(normalizeIdentity(serviceIdentity(region, cluster, n, account), own)));
        if (names.length === 0) continue;
        found = await access.reader.describeServices(cluster, names, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        unreadable.add(location);
        logger.warn({ location, code: errorCodeOf(err, 'CONTROLLER_APPLY_FAILED'), err: err instanceof Error ? err.message : String(err) },
          'prune pass could not read a location; its orphans are looked for again at the next pass, the other locations are pruned');
        continue;
      }
      // `sync.prune: false` on either spelling of an own-account location holds its orphans.
      const allowed = ownSpellings(location, own).every((l) => this.#options.pruneAllowed?.(l) ?? true);
      for (const [name, lookup] of found) {
        const svc = lookup.service;
        if (isServiceGone(svc) || ownershipOf(svc?.tags, controllerId).kind !== 'ours') continue;
        const key = serviceIdentity(region, cluster, name, account);
        if (allowed) owned.push({ key, arn: svc?.serviceArn ?? name, desiredCount: svc?.desiredCount ?? 0 });
        else kept.push({ key, location });
      }
    }
    const plan = this.#options.planner.planPrune({
      ownedLive: owned, desiredKeys, snapshotHasProblems: snapshot.problems.length > 0,
      pruneEnabled: this.#options.enabled, maxDeletes: this.#options.maxDeletes,
    });
    const keptBlock = kept.length > 0
      ? {
        reason: 'disabled' as const,
        message: `pruning is off in ${[...new Set(kept.map((k) => k.location))].sort().join(', ')} (the environment sets sync.prune: false): ${kept.length} service(s) no longer in the manifests were kept (${kept.map((k) => k.key).join(', ')})`,
      }
      : undefined;
    const blocked = plan.blocked ?? keptBlock;
    const report: PruneStatus = {
      at: new Date(clock.now()).toISOString(), ...(snapshot.revision !== undefined ? { revision: snapshot.revision } : {}),
      candidates: [...plan.candidates.map((c) => c.key), ...kept.map((k) => k.key)], deleted: plan.deletes.map((d) => d.key),
      ...(blocked ? { blocked: { reason: blocked.reason, message: blocked.message } } : {}),
    };
    this.#last = report;
    if (report.candidates.length > 0 || status.snapshot().prune) status.setPrune(report);
    this.#options.onPrune?.(report);
    if (keptBlock) {
      metrics?.recordPruneBlocked(PRUNE_REASON_METRIC.disabled);
      logger.warn({ reason: keptBlock.reason, candidates: kept.map((k) => k.key) }, `prune blocked: ${keptBlock.message}`);
    }
    if (plan.blocked) {
      metrics?.recordPruneBlocked(PRUNE_REASON_METRIC[plan.blocked.reason]);
      logger.warn({ reason: plan.blocked.reason, candidates: report.candidates }, `prune blocked: ${plan.blocked.message}`);
      return;
    }
    for (const del of plan.deletes) {
      const key = parseKey(del.key);
      if (key.kind !== 'Service') continue;
      this.#pendingDeletes.set(del.key, { arn: del.arn, actions: del.actions });
      this.#options.enqueue(formatKey(servicePruneKey(key.region, key.cluster, key.name, key.account)));
    }
  }
}

/** The ServicePrune kind: delete one owned service a prune pass chose, after reading it again. */
export class ServicePruneReconciler implements Reconciler<'ServicePrune'> {
  readonly kind = 'ServicePrune' as const;
  readonly #pruner: Pruner;
  readonly #controllerId: string;

  constructor(pruner: Pruner, controllerId: string) {
    this.#pruner = pruner;
    this.#controllerId = controllerId;
  }

  async reconcile(key: ServicePruneKey, context: ReconcileContext): Promise<ReconcileOutcome> {
    const pending = this.#pruner.takeDelete(key);
    const identity = identityOf(key);
    // Declared again (or in a file with problems) since the pass chose it: keep it.
    if (!pending || this.#pruner.isDeclared(identity, context.desired)) return SUCCESS;
    const { reader, applier } = context.region;
    // Level-triggered: re-read before deleting, and only ever delete what we own.
    const live = (await reader.describeServices(key.cluster, [key.name], context.signal)).get(key.name)?.service;
    if (isServiceGone(live) || ownershipOf(live?.tags, this.#controllerId).kind !== 'ours') return SUCCESS;
    // Its scaling goes first: a target left registered would scale the service back up while it is
    // scaled to 0, and outlive it. Only a target this controller registered (the service's tag says so).
    const scaling = context.region.scaling;
    let scalingPerformed: readonly ScalingActionKind[] = [];
    if (scaling && isControllerTagValue(tagsToMap(live?.tags)[TAG_AUTOSCALING], this.#controllerId)) {
      const liveScaling = await scaling.reader.describe(key.cluster, key.name, context.signal);
      const plan = planScaling({
        cluster: key.cluster, service: key.name, desired: undefined, live: liveScaling, owned: true, external: false, controllerId: this.#controllerId,
      });
      if (plan.actions.length > 0) scalingPerformed = (await scaling.applier.apply(key.cluster, key.name, plan.actions, context.signal)).performed;
    }
    const result = await applier.apply(pending.actions, context.signal);
    return {
      ...SUCCESS, applied: [...scalingPerformed, ...result.performed], status: { kind: 'remove' },
      notes: [{ level: 'info', message: 'pruned service no longer in the manifests', fields: { arn: pending.arn } }],
    };
  }
}
