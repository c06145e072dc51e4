/**
 * Pruning (`--prune`): a pass lists the services of every cluster the
 * manifests ever named, keeps the owned ones no manifest declares, asks the
 * pure planPrune what may go, and queues one ServicePrune key per deletion.
 * The ServicePrune reconciler re-reads the service before deleting it
 * (level-triggered) and deletes only what this controller owns. With pruning
 * off the pass still runs, to report the orphans it would delete.
 */
import { planScaling } from '../plan/plan-scaling.js';
import type { ScalingActionKind } from '../plan/scaling-types.js';
import { TAG_AUTOSCALING, tagsToMap } from '../diff/tags.js';
import { isServiceGone } from '../diff/index.js';
import { isControllerTagValue, ownershipOf } from '../plan/ownership.js';
import { errorCodeOf } from './errors.js';
import { clusterIdentity, formatKey, identityOf, parseKey, serviceIdentity, servicePruneKey, type ServicePruneKey } from '../keys/index.js';
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
  /** Most services one pass may delete. */
  readonly maxDeletes: number;
  /** Where deletions go: the controller's queue. */
  readonly enqueue: (queueKey: string) => void;
  readonly signal: AbortSignal;
}

/** Runs prune passes one at a time (a request during a pass runs one more after it) and hands deletions to the queue. */
export class Pruner {
  readonly #options: PrunerOptions;
  /** Clusters any snapshot named: a cluster whose last manifest went away may still hold owned services. */
  readonly #knownClusters = new Map<string, { readonly region: string; readonly cluster: string }>();
  readonly #pendingDeletes = new Map<string, { readonly arn: string; readonly actions: readonly Action[] }>();
  #last: PruneStatus | undefined;
  #running: Promise<void> | undefined;
  #again = false;

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
    for (const s of desired.snapshot.services) this.#knownClusters.set(clusterIdentity(s.region, s.cluster), { region: s.region, cluster: s.cluster });
    for (const c of desired.snapshot.clusters) this.#knownClusters.set(c.key, { region: c.region, cluster: c.name });
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
    const desiredKeys = new Set<string>([...desired.services.keys(), ...snapshot.blockedKeys]);
    for (const { region, cluster } of this.#knownClusters.values()) {
      const access = regions.get(region);
      let arns: string[];
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
        .filter((n) => n.length > 0 && !desiredKeys.has(serviceIdentity(region, cluster, n)));
      if (names.length === 0) continue;
      const found = await access.reader.describeServices(cluster, names, signal);
      for (const [name, lookup] of found) {
        const svc = lookup.service;
        if (isServiceGone(svc) || ownershipOf(svc?.tags, controllerId).kind !== 'ours') continue;
        owned.push({ key: serviceIdentity(region, cluster, name), arn: svc?.serviceArn ?? name, desiredCount: svc?.desiredCount ?? 0 });
      }
    }
    const plan = this.#options.planner.planPrune({
      ownedLive: owned, desiredKeys, snapshotHasProblems: snapshot.problems.length > 0,
      pruneEnabled: this.#options.enabled, maxDeletes: this.#options.maxDeletes,
    });
    const report: PruneStatus = {
      at: new Date(clock.now()).toISOString(), ...(snapshot.revision !== undefined ? { revision: snapshot.revision } : {}),
      candidates: plan.candidates.map((c) => c.key), deleted: plan.deletes.map((d) => d.key),
      ...(plan.blocked ? { blocked: { reason: plan.blocked.reason, message: plan.blocked.message } } : {}),
    };
    this.#last = report;
    if (plan.candidates.length > 0 || status.snapshot().prune) status.setPrune(report);
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
    if (!pending || context.desired.services.has(identity) || context.desired.snapshot.blockedKeys.has(identity)) return SUCCESS;
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
