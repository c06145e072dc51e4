/**
 * The one interface every kind implements. A pass over one key observes (live
 * reads), decides (pure: diff and plan), acts (the applier) and returns an
 * outcome: the controller, never the reconciler, writes the status patch
 * (once per pass), logs the notes, records metrics and asks the queue for a
 * retry or requeue. controller-runtime's split: Reconcile returns a Result,
 * the manager owns the queue.
 *
 * Adding a kind: see docs/controller.md, "Adding a kind".
 */
import type { ScalingActionKind } from '../plan/scaling-types.js';
import type { ScheduledTaskActionKind } from '../plan/scheduled-task-types.js';
import type { ActionKind } from '../plan/types.js';
import type { ReconcileResult, RolloutResult } from '../observe/metrics.js';
import type { KeyOfKind, ResourceKind } from '../keys/index.js';
import type { Logger } from '../observe/logger.js';
import type { DesiredCluster, DesiredScheduledTask, DesiredService, ManifestSnapshot } from '../manifests/types.js';
import type { RegionAccess } from './regions.js';
import type { ServiceStatus, StatusChange, StatusError, StatusWrite } from './status.js';

/** One log line the controller writes for the pass, in order, on the pass's logger (key, revision, reconcile id bound). */
export interface OutcomeNote {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export type { StatusWrite } from './status.js';

export interface ReconcileOutcome {
  /** The metric label; `error` is a pass that could not do what the manifest asks. */
  readonly result: ReconcileResult;
  /**
   * With `result: 'error'`: the failure is transient (a read or write that may
   * work next time), so the queue retries with backoff. Without it an error
   * waits for a change (a new manifest, a fixed image).
   */
  readonly retry?: boolean;
  /** Why the pass failed (also in the status patch, when the kind has status). */
  readonly error?: StatusError;
  /** Look again after this long (a rollout being followed, a service draining). */
  readonly requeueAfterMs?: number;
  readonly status?: StatusWrite;
  /** ECS (and Scheduler) actions this pass performed. */
  readonly applied?: readonly (ActionKind | ScalingActionKind | ScheduledTaskActionKind)[];
  /** A rollout the controller was following finished in this pass. */
  readonly rollout?: RolloutResult;
  readonly notes?: readonly OutcomeNote[];
  /**
   * Service: this pass picked up a deploy an earlier process began and did not
   * record as applied (ServiceReconciler.resume), so its Applied is announced
   * now (src/events/derive-service-events.ts).
   */
  readonly resumedDeploy?: boolean;
  /**
   * Service: the (masked) diff the pass found before it acted, when acting
   * changed it (drift found and corrected in one pass): the drift events'
   * fingerprint, which the written status no longer shows.
   */
  readonly observedDiff?: readonly StatusChange[];
}

/** The snapshot a pass reconciles against, indexed by identity once per snapshot. */
export interface DesiredIndex {
  readonly snapshot: ManifestSnapshot;
  readonly services: ReadonlyMap<string, DesiredService>;
  readonly clusters: ReadonlyMap<string, DesiredCluster>;
  readonly scheduledTasks: ReadonlyMap<string, DesiredScheduledTask>;
}

export function indexSnapshot(snapshot: ManifestSnapshot): DesiredIndex {
  return {
    snapshot,
    services: new Map(snapshot.services.map((s) => [s.key, s])),
    clusters: new Map(snapshot.clusters.map((c) => [c.key, c])),
    scheduledTasks: new Map((snapshot.scheduledTasks ?? []).map((t) => [t.key, t])),
  };
}

export interface ReconcileContext {
  /** What the manifests declare (no pass runs before the first snapshot). */
  readonly desired: DesiredIndex;
  /** snapshot.revision, or `unversioned`. */
  readonly revision: string;
  /** Rate-limited reads and writes for the key's location (its account and Region). */
  readonly region: RegionAccess;
  /** The reconcile deadline joined with shutdown. */
  readonly signal: AbortSignal;
  /** The key's current status record, if it has one (read-only: the outcome says what to write). */
  readonly status: ServiceStatus | undefined;
  readonly log: Logger;
}

export interface Reconciler<K extends ResourceKind = ResourceKind> {
  readonly kind: K;
  reconcile(key: KeyOfKind<K>, context: ReconcileContext): Promise<ReconcileOutcome>;
  /** The key left the manifests: drop whatever the reconciler remembers about it. */
  forget?(key: KeyOfKind<K>): void;
}

/** One reconciler per kind, looked up by the kind of a parsed key. */
export type ReconcilerRegistry = { readonly [K in ResourceKind]: Reconciler<K> };

export const SUCCESS: ReconcileOutcome = Object.freeze({ result: 'success' });
