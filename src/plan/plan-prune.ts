/**
 * planPrune: which owned services to delete because no manifest declares them
 * any more. A pure set difference behind guards, in the order a person would
 * check: pruning enabled, a clean snapshot, a non-empty snapshot, and a bounded
 * number of deletions. Deleting is two actions: scale to 0, then DeleteService.
 */
import { KeyFormatError, parseKey } from '../keys/index.js';
import type { Action, OwnedLiveService, PlanPruneInput, PruneBlockReason, PrunePlan } from './types.js';

export function planPrune(input: PlanPruneInput): PrunePlan {
  const candidates = input.ownedLive.filter((svc) => !input.desiredKeys.has(svc.key));
  if (candidates.length === 0) return { deletes: [], candidates };
  const refuse = (reason: PruneBlockReason, message: string): PrunePlan => ({ deletes: [], candidates, blocked: { reason, code: 'DIFF_PRUNE_BLOCKED', message } });
  const list = candidates.map((c) => c.key).join(', ');

  if (!input.pruneEnabled) {
    return refuse('disabled', `pruning is disabled: ${candidates.length} service(s) no longer in the manifests were kept (${list}); run with --prune to delete them`);
  }
  if (input.snapshotHasProblems) {
    return refuse('snapshot_errors', `the manifests have errors, so nothing is pruned (${candidates.length} candidate(s): ${list}); fix the errors first`);
  }
  if (input.desiredKeys.size === 0) {
    return refuse('empty_snapshot', `the manifests declare no services at all; refusing to delete all ${candidates.length} managed service(s) (${list}) — check the checkout and --path`);
  }
  if (candidates.length > input.maxDeletes) {
    return refuse('too_many', `${candidates.length} services would be deleted, more than the limit of ${input.maxDeletes} (${list}); raise the limit if this is intended`);
  }
  return { deletes: candidates.map((svc) => ({ key: svc.key, arn: svc.arn, actions: deleteActions(svc) })), candidates };
}

function deleteActions(svc: OwnedLiveService): Action[] {
  const key = parseKey(svc.key);
  if (key.kind !== 'Service') throw new KeyFormatError(svc.key, 'an owned live service is keyed region/cluster/name');
  const { cluster, name: service } = key;
  const actions: Action[] = [];
  if (svc.desiredCount > 0) actions.push({ kind: 'updateService', input: { cluster, service, desiredCount: 0 } });
  actions.push({ kind: 'deleteService', input: { cluster, service } });
  return actions;
}
