/**
 * Keeps the per-service gauges and counters in step with the StatusStore, the
 * one place service status is written. Deriving metrics from the store (rather
 * than having the controller set gauges beside every status write) means the
 * /metrics view and /api/v1/status can never disagree, and a service's series
 * disappear exactly when the store forgets it (bounded cardinality).
 */
import type { ServiceStatus, StatusStore, SyncStatus } from '../controller/status.js';
import type { Metrics, ServiceIdentity } from './metrics.js';
import type { DriftCause } from '../events/types.js';

/** Both causes' series exist from a service's first status, so increase() sees the first drift of either. */
const DRIFT_CAUSES: readonly DriftCause[] = ['git', 'live'];

function identity(status: ServiceStatus): ServiceIdentity {
  return { account: status.account ?? '', region: status.region, cluster: status.cluster, service: status.service };
}

function sameIdentity(a: ServiceIdentity, b: ServiceIdentity): boolean {
  return a.account === b.account && a.region === b.region && a.cluster === b.cluster && a.service === b.service;
}

function removeSeries(metrics: Metrics, status: ServiceStatus): void {
  const labels = identity(status);
  metrics.serviceInfo.remove({ ...labels, sync_status: status.sync, health_status: status.health });
  metrics.serviceDrift.remove(labels);
  metrics.serviceLastApplySuccess.remove(labels);
  metrics.serviceLastSyncTimestamp.remove(labels);
  for (const cause of DRIFT_CAUSES) metrics.driftDetected.remove({ ...labels, cause });
  metrics.driftCorrected.remove(labels);
  metrics.serviceCorrectionLoop.remove(labels);
  metrics.correctionLoops.remove(labels);
  removeScalingSeries(metrics, status);
  removeRolloutSeries(metrics, status);
}

/** The stage series a rollout status stands for: one while it runs (no result yet), none after. */
function rolloutStageOf(status: ServiceStatus): string | undefined {
  const rollout = status.rollout;
  if (!rollout || rollout.result !== undefined) return undefined;
  return rollout.lifecycleStage ?? rollout.state;
}

function removeRolloutSeries(metrics: Metrics, status: ServiceStatus): void {
  const stage = rolloutStageOf(status);
  if (stage !== undefined) metrics.rolloutStage.remove({ ...identity(status), stage });
  if (status.rollout?.waitingForApproval) metrics.rolloutWaitingForApprovalSince.remove(identity(status));
}

/**
 * rollout_stage and rollout_waiting_for_approval_since_seconds follow
 * status.rollout (gone once it has a result, `superseded` included);
 * deployment_duration_seconds observes a rollout once, on the write that
 * gives it its result, and never a superseded one.
 */
function writeRolloutSeries(metrics: Metrics, next: ServiceStatus, previous: ServiceStatus | undefined): void {
  const rollout = next.rollout;
  const before = previous?.rollout;
  if (rollout === before) return;
  const labels = identity(next);
  const stage = rolloutStageOf(next);
  const stageBefore = previous ? rolloutStageOf(previous) : undefined;
  if (stageBefore !== undefined && stageBefore !== stage) metrics.rolloutStage.remove({ ...labels, stage: stageBefore });
  if (stage !== undefined) metrics.rolloutStage.set({ ...labels, stage }, 1);
  const waiting = rollout?.result === undefined ? rollout?.waitingForApproval : undefined;
  const since = waiting ? Date.parse(waiting.since) : Number.NaN;
  if (Number.isFinite(since)) metrics.rolloutWaitingForApprovalSince.set(labels, since / 1000);
  else if (before?.waitingForApproval) metrics.rolloutWaitingForApprovalSince.remove(labels);
  // A superseded rollout was not followed to its end: no duration to observe.
  if (rollout?.result !== undefined && rollout.result !== 'superseded' && !sameRolloutEnd(rollout, before)) {
    const started = rollout.startedAt === undefined ? Number.NaN : Date.parse(rollout.startedAt);
    const ended = rollout.finishedAt === undefined ? Number.NaN : Date.parse(rollout.finishedAt);
    if (Number.isFinite(started) && Number.isFinite(ended)) metrics.recordDeploymentDuration(rollout.result, Math.max(0, (ended - started) / 1000));
  }
}

/** The same finished rollout written again (later passes keep status.rollout): observed once. */
function sameRolloutEnd(rollout: NonNullable<ServiceStatus['rollout']>, before: ServiceStatus['rollout']): boolean {
  return before?.result !== undefined && before.startedAt === rollout.startedAt && before.serviceDeploymentArn === rollout.serviceDeploymentArn;
}

const SCALING_BOUNDS = ['min', 'max', 'desired'] as const;

function removeScalingSeries(metrics: Metrics, status: ServiceStatus): void {
  const scaling = status.autoScaling;
  if (!scaling) return;
  for (const bound of SCALING_BOUNDS) metrics.serviceAutoScalingCapacity.remove({ ...identity(status), bound, managed_by: scaling.managedBy });
}

function writeScalingSeries(metrics: Metrics, next: ServiceStatus, previous: ServiceStatus | undefined): void {
  const scaling = next.autoScaling;
  const before = previous?.autoScaling;
  if (scaling === before) return;
  if (before && (!scaling || before.managedBy !== scaling.managedBy) && previous) removeScalingSeries(metrics, previous);
  if (!scaling) return;
  const labels = identity(next);
  const values = { min: scaling.minCapacity, max: scaling.maxCapacity, desired: scaling.desiredCount };
  for (const bound of SCALING_BOUNDS) {
    const value = values[bound];
    const series = { ...labels, bound, managed_by: scaling.managedBy };
    if (value === undefined) metrics.serviceAutoScalingCapacity.remove(series);
    else metrics.serviceAutoScalingCapacity.set(series, value);
  }
}

/**
 * Writes the series that changed. With `previous` (same identity), its series
 * already hold its values, so a resync that only moves lastSyncTime costs one
 * gauge write, not four label hashes per service.
 */
function writeSeries(metrics: Metrics, next: ServiceStatus, previous: ServiceStatus | undefined, observedSync?: SyncStatus): void {
  const labels = identity(next);
  const statusChanged = !previous || previous.sync !== next.sync || previous.health !== next.health;
  if (previous && statusChanged) {
    metrics.serviceInfo.remove({ ...labels, sync_status: previous.sync, health_status: previous.health });
  }
  if (statusChanged) metrics.serviceInfo.set({ ...labels, sync_status: next.sync, health_status: next.health }, 1);
  if (!previous || previous.sync !== next.sync) metrics.serviceDrift.set(labels, next.sync === 'OutOfSync' ? 1 : 0);
  const looping = next.correctionLoop !== undefined;
  if (!previous || (previous.correctionLoop !== undefined) !== looping) {
    metrics.serviceCorrectionLoop.set(labels, looping ? 1 : 0);
    if (looping && previous?.correctionLoop === undefined) metrics.correctionLoops.inc(labels);
  }

  if (!previous || previous.lastApplySucceeded !== next.lastApplySucceeded) {
    if (next.lastApplySucceeded === undefined) metrics.serviceLastApplySuccess.remove(labels);
    else metrics.serviceLastApplySuccess.set(labels, next.lastApplySucceeded ? 1 : 0);
  }

  if (!previous || previous.lastSyncTime !== next.lastSyncTime) {
    const syncedAt = next.lastSyncTime === undefined ? Number.NaN : Date.parse(next.lastSyncTime);
    if (Number.isNaN(syncedAt)) metrics.serviceLastSyncTimestamp.remove(labels);
    else metrics.serviceLastSyncTimestamp.set(labels, syncedAt / 1000);
  }

  writeScalingSeries(metrics, next, previous);
  writeRolloutSeries(metrics, next, previous);

  // Counters exist at 0 from the service's first status so increase() sees the first event.
  if (!previous) {
    for (const cause of DRIFT_CAUSES) metrics.driftDetected.inc({ ...labels, cause }, 0);
    metrics.driftCorrected.inc(labels, 0);
    if (!looping) metrics.correctionLoops.inc(labels, 0);
  }
  // A pass that found drift and corrected it writes Synced once, saying what it observed.
  const wasOutOfSync = previous?.sync === 'OutOfSync';
  const foundOutOfSync = observedSync === 'OutOfSync';
  // A record without a cause (written before the cause existed, or by a writer that sets none) counts as git.
  if ((next.sync === 'OutOfSync' || foundOutOfSync) && !wasOutOfSync) metrics.driftDetected.inc({ ...labels, cause: next.driftCause ?? 'git' });
  if (next.sync === 'Synced' && (wasOutOfSync || foundOutOfSync)) metrics.driftCorrected.inc(labels);
}

/**
 * Subscribes `metrics` to `store`: every status write updates the service's
 * series synchronously; `store.remove(key)` deletes them. Services already in
 * the store are written immediately. Returns the unsubscribe function.
 *
 * drift_detected_total counts transitions into OutOfSync (from Synced,
 * Unknown or a new service), labelled with the record's driftCause (git or
 * live); drift_corrected_total counts OutOfSync -> Synced.
 * A pass that finds drift and corrects it writes its status once (Synced)
 * with the sync it observed, and counts as both.
 *
 * service_correction_loop is 1 while the record holds a `correctionLoop`;
 * correction_loops_total counts the records that gained one.
 */
export function bindServiceStatusMetrics(metrics: Metrics, store: StatusStore): () => void {
  for (const status of store.list()) writeSeries(metrics, status, undefined);
  // Capacity providers are few: their gauges read the store at scrape time.
  metrics.readCapacityProvidersFrom(() => store.listCapacityProviders());
  const unsubscribe = store.subscribe((_key, next, previous, observedSync) => {
    if (!next) {
      if (previous) removeSeries(metrics, previous);
      return;
    }
    if (previous && !sameIdentity(identity(previous), identity(next))) {
      removeSeries(metrics, previous);
      writeSeries(metrics, next, undefined, observedSync);
      return;
    }
    writeSeries(metrics, next, previous, observedSync);
  });
  return () => {
    unsubscribe();
    metrics.readCapacityProvidersFrom(undefined);
  };
}
