/**
 * decideScaling (src/controller/scaling/decide.ts), the pure half of the
 * scaling step: the ownership cases no live backend can stage (a target left
 * behind by a deleted service; a claim whose target is gone) and the fields
 * sync.ignoreDifferences keeps at their live values.
 */
import { describe, expect, it } from 'vitest';
import type { ScalableTarget } from '@aws-sdk/client-application-auto-scaling';
import { decideScaling, effectiveScalingSpec, needsActivity } from '../../src/controller/scaling/decide.js';
import type { AutoScalingSpec, DesiredService, ServiceManifest } from '../../src/manifests/types.js';
import type { LiveScaling } from '../../src/plan/scaling-types.js';

function desired(autoScaling: AutoScalingSpec | undefined, ignoreDifferences?: string[]): DesiredService {
  const manifest = {
    apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name: 'web', cluster: 'demo', region: 'eu-west-1' },
    spec: {
      desiredCount: 2, taskDefinition: { family: 'web', containerDefinitions: [] },
      ...(autoScaling ? { autoScaling } : {}), ...(ignoreDifferences ? { sync: { ignoreDifferences } } : {}),
    },
  } as unknown as ServiceManifest;
  return { key: 'eu-west-1/demo/web', region: 'eu-west-1', cluster: 'demo', name: 'web', manifest, source: { file: 'web.yaml', line: 1, column: 1 }, contentHash: 'h' };
}

const TARGET: ScalableTarget = {
  ServiceNamespace: 'ecs', ResourceId: 'service/demo/web', ScalableDimension: 'ecs:service:DesiredCount',
  MinCapacity: 1, MaxCapacity: 12, RoleARN: 'arn:aws:iam::1:role/x', CreationTime: new Date(0),
};
const withTarget = (target: ScalableTarget | undefined): LiveScaling => ({ ...(target ? { target } : {}), policies: [], scheduledActions: [], alarms: [] });
const base = { serviceExists: true, mode: 'auto' as const, controllerId: 'ecs-gitops', now: 0, liveDesiredCount: 2 };

describe('decideScaling', () => {
  it('refuses to write over a target it did not register, however it got there', () => {
    const decision = decideScaling({ ...base, desired: desired({ minCapacity: 2, maxCapacity: 4 }), live: withTarget(TARGET), owned: false });
    expect(decision.actions).toEqual([]);
    expect(decision.blocked?.code).toBe('DIFF_SCALING_TARGET_NOT_OWNED');
    expect(decision.status).toMatchObject({ managedBy: 'external', maxCapacity: 12 });
  });

  it('releases a claim whose target is gone when the manifest declares no scaling, writing nothing else', () => {
    expect(decideScaling({ ...base, desired: desired(undefined), live: withTarget(undefined), owned: true })).toEqual({ changes: [], actions: [], claim: 'release' });
    expect(decideScaling({ ...base, desired: desired(undefined), live: withTarget(undefined), owned: false })).toEqual({ changes: [], actions: [] });
  });

  it('keeps the fields sync.ignoreDifferences names at their live values, and the whole block with /autoScaling', () => {
    const spec: AutoScalingSpec = { minCapacity: 2, maxCapacity: 4 };
    expect(effectiveScalingSpec(desired(spec, ['/autoScaling/maxCapacity']), TARGET)).toEqual({ minCapacity: 2, maxCapacity: 12 });
    expect(effectiveScalingSpec(desired(spec, ['/autoScaling']), TARGET)).toBe('ignored');
    const decision = decideScaling({ ...base, desired: desired(spec, ['/autoScaling/maxCapacity']), live: withTarget(TARGET), owned: true });
    expect(decision.changes.map((c) => c.pointer)).toEqual(['/spec/autoScaling/minCapacity']);
    expect(decision.actions.map((a) => a.kind)).toEqual(['registerScalableTarget']);
    expect(decision.actions[0]?.input).toMatchObject({ MinCapacity: 2, MaxCapacity: 12 });
    expect(decideScaling({ ...base, desired: desired(spec, ['/autoScaling']), live: withTarget(TARGET), owned: true }).actions).toEqual([]);
  });

  it('reads the latest activity only when the count moved since the last pass', () => {
    const status = { managedBy: 'git' as const, registered: true, desiredCount: 3, note: '' };
    expect(needsActivity(status, undefined)).toBe(false);
    expect(needsActivity(status, { ...status })).toBe(false);
    expect(needsActivity(status, { ...status, desiredCount: 2 })).toBe(true);
    expect(needsActivity({ ...status, registered: false }, { ...status, desiredCount: 2 })).toBe(false);
  });
});
