/**
 * Runs single passes of the Service reconciler outside a controller, the way
 * the controller does: one key, a snapshot holding the manifest, and the
 * outcome's status write applied to a StatusStore.
 */
import { indexSnapshot } from '../../../src/controller/reconciler.js';
import type { RegionAccess } from '../../../src/controller/regions.js';
import type { ServiceReconciler } from '../../../src/controller/service/reconciler.js';
import type { StatusStore } from '../../../src/controller/status.js';
import { serviceKey } from '../../../src/keys/index.js';
import type { DesiredService, ManifestSnapshot } from '../../../src/manifests/types.js';
import { silentLogger } from '../../../src/observe/logger.js';

export function snapshotOf(services: readonly DesiredService[], revision = 'rev-1', blocked: readonly string[] = []): ManifestSnapshot {
  return {
    root: '.', revision, services, clusters: [], problems: [], files: services.map((s) => s.source.file),
    filesWithProblems: new Set(), blockedKeys: new Set(blocked),
  };
}

export function servicePass(reconciler: ServiceReconciler, region: RegionAccess, status: StatusStore) {
  return async (desired: DesiredService, revision = 'rev-1', snapshot = snapshotOf([desired], revision)) => {
    const outcome = await reconciler.reconcile(serviceKey(desired.region, desired.cluster, desired.name), {
      desired: indexSnapshot(snapshot), revision, region, signal: new AbortController().signal,
      status: status.get(desired.key), log: silentLogger(),
    });
    if (outcome.status) status.apply(desired.key, outcome.status);
    return outcome;
  };
}
