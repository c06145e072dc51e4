/**
 * planPrune: set difference between owned live services and the snapshot,
 * behind the guards, and the two-step delete.
 */
import { describe, expect, it } from 'vitest';
import { planPrune, type OwnedLiveService, type PlanPruneInput } from '../../src/plan/index.js';

const owned: OwnedLiveService[] = [
  { key: 'eu-west-1/prod/web', arn: 'arn:svc/web', desiredCount: 2 },
  { key: 'eu-west-1/prod/old', arn: 'arn:svc/old', desiredCount: 3 },
  { key: 'eu-west-1/prod/idle', arn: 'arn:svc/idle', desiredCount: 0 },
];
const base: PlanPruneInput = {
  ownedLive: owned,
  desiredKeys: new Set(['eu-west-1/prod/web']),
  snapshotHasProblems: false,
  pruneEnabled: true,
  maxDeletes: 5,
};

describe('planPrune', () => {
  it('deletes owned services missing from the snapshot: scale to 0 first, then DeleteService', () => {
    const plan = planPrune(base);
    expect(plan.blocked).toBeUndefined();
    expect(plan.deletes).toEqual([
      {
        key: 'eu-west-1/prod/old',
        arn: 'arn:svc/old',
        actions: [
          { kind: 'updateService', input: { cluster: 'prod', service: 'old', desiredCount: 0 } },
          { kind: 'deleteService', input: { cluster: 'prod', service: 'old' } },
        ],
      },
      // Already at 0: no scale-down call.
      { key: 'eu-west-1/prod/idle', arn: 'arn:svc/idle', actions: [{ kind: 'deleteService', input: { cluster: 'prod', service: 'idle' } }] },
    ]);
  });

  it('nothing to delete: no deletes and no block, even with pruning disabled', () => {
    const all = new Set(owned.map((o) => o.key));
    expect(planPrune({ ...base, desiredKeys: all, pruneEnabled: false })).toEqual({ deletes: [], candidates: [] });
  });

  it.each([
    ['disabled', { pruneEnabled: false }],
    ['snapshot_errors', { snapshotHasProblems: true }],
    ['empty_snapshot', { desiredKeys: new Set<string>() }],
    ['too_many', { maxDeletes: 1 }],
  ] as const)('guard %s blocks every delete', (reason, override) => {
    const plan = planPrune({ ...base, ...override });
    expect(plan.deletes).toEqual([]);
    expect(plan.blocked?.reason).toBe(reason);
    expect(plan.blocked?.code).toBe('DIFF_PRUNE_BLOCKED');
    expect(plan.blocked?.message).toContain('eu-west-1/prod/old');
    expect(plan.candidates.map((c) => c.key)).toContain('eu-west-1/prod/old');
  });

  it('exactly maxDeletes is allowed', () => {
    expect(planPrune({ ...base, maxDeletes: 2 }).deletes).toHaveLength(2);
  });
});
