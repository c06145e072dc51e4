/**
 * planCapacityProvider and planCapacityProviderPrune (src/plan/plan-capacity-provider.ts):
 * what one `kind: CapacityProvider` manifest against one live provider costs,
 * with ECS's defaults filled in on the live side so nothing drifts falsely,
 * and when an owned provider that left the manifests may be deleted.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { capacityProviderIdentity } from '../../src/keys/index.js';
import type { CapacityProviderSpec, DesiredCapacityProvider } from '../../src/manifests/types.js';
import { planCapacityProvider, planCapacityProviderPrune, type PlanCapacityProviderPruneInput } from '../../src/plan/plan-capacity-provider.js';

const ASG = 'arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:0b2c9c5e-1111-2222-3333-444455556666:autoScalingGroupName/ec2-asg';
const ARN = 'arn:aws:ecs:eu-west-1:123456789012:capacity-provider/ec2';

function desired(spec: CapacityProviderSpec, file = 'providers/ec2.yaml'): DesiredCapacityProvider {
  return {
    key: capacityProviderIdentity('eu-west-1', 'ec2'), region: 'eu-west-1', name: 'ec2',
    manifest: { apiVersion: 'ecs-gitops/v1', kind: 'CapacityProvider', metadata: { name: 'ec2', region: 'eu-west-1' }, spec },
    source: { file, line: 1, column: 1 }, contentHash: 'h',
  };
}

const OWNED_TAGS: ECS.Tag[] = [
  { key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }, { key: 'ecs-gitops/source', value: 'providers/ec2.yaml' }, { key: 'ecs-gitops/revision', value: 'r1' },
];

/** A provider as DescribeCapacityProviders reports one created with only the group: every default filled in. */
function live(overrides: Partial<ECS.AutoScalingGroupProvider> = {}, tags: ECS.Tag[] = OWNED_TAGS): ECS.CapacityProvider {
  return {
    capacityProviderArn: ARN, name: 'ec2', status: 'ACTIVE', tags,
    autoScalingGroupProvider: {
      autoScalingGroupArn: ASG,
      managedScaling: { status: 'DISABLED', targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300 },
      managedTerminationProtection: 'DISABLED', managedDraining: 'ENABLED',
      ...overrides,
    },
  };
}

const plan = (spec: CapacityProviderSpec, current: ECS.CapacityProvider | undefined, revision = 'r2') =>
  planCapacityProvider({ desired: desired(spec), live: current, controllerId: 'ecs-gitops', revision });

describe('planCapacityProvider', () => {
  it('creates a missing provider with the manifest and the ownership tags', () => {
    const result = plan({ autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { status: 'ENABLED', targetCapacity: 80 } }, tags: { team: 'a' } }, undefined);
    expect(result.blocked).toBeUndefined();
    expect(result.changes).toEqual(['']);
    expect(result.actions).toEqual([{
      operation: 'CreateCapacityProvider',
      input: {
        name: 'ec2',
        autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { status: 'ENABLED', targetCapacity: 80 } },
        tags: expect.arrayContaining([
          { key: 'team', value: 'a' }, { key: 'ecs-gitops/managed-by', value: 'ecs-gitops' },
          { key: 'ecs-gitops/source', value: 'providers/ec2.yaml' }, { key: 'ecs-gitops/revision', value: 'r2' },
        ]),
      },
    }]);
  });

  const inSync: ReadonlyArray<readonly [string, CapacityProviderSpec, ECS.CapacityProvider]> = [
    ['only the group declared', { autoScalingGroupProvider: { autoScalingGroupArn: ASG } }, live()],
    ['every default spelled out', {
      autoScalingGroupProvider: {
        autoScalingGroupArn: ASG,
        managedScaling: { targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300 },
        managedTerminationProtection: 'DISABLED', managedDraining: 'ENABLED',
      },
    }, live()],
    ['defaults declared, live reporting none of them (moto, older providers)', {
      autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { targetCapacity: 100, instanceWarmupPeriod: 300 }, managedDraining: 'ENABLED', managedTerminationProtection: 'DISABLED' },
    }, { ...live(), autoScalingGroupProvider: { autoScalingGroupArn: ASG } }],
    ['a managed scaling status ECS does not report', { autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { status: 'ENABLED' } } },
      { ...live(), autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { targetCapacity: 100 } } }],
    ['the group by name, live by ARN', { autoScalingGroupProvider: { autoScalingGroupArn: 'ec2-asg' } }, live()],
    ['non-default settings equal on both sides', {
      autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { status: 'ENABLED', targetCapacity: 75, maximumScalingStepSize: 4 }, managedTerminationProtection: 'ENABLED', managedDraining: 'DISABLED' },
      tags: { team: 'a' },
    }, live({
      managedScaling: { status: 'ENABLED', targetCapacity: 75, minimumScalingStepSize: 1, maximumScalingStepSize: 4, instanceWarmupPeriod: 300 },
      managedTerminationProtection: 'ENABLED', managedDraining: 'DISABLED',
    }, [...OWNED_TAGS, { key: 'team', value: 'a' }])],
  ];

  it.each(inSync)('is in sync: %s', (_what, spec, current) => {
    expect(plan(spec, current)).toEqual({ actions: [], changes: [] });
  });

  it('updates only the managed scaling field that differs, sending the live settings the manifest leaves out back unchanged', () => {
    const current = live({ managedScaling: { status: 'ENABLED', targetCapacity: 80, minimumScalingStepSize: 2, maximumScalingStepSize: 5, instanceWarmupPeriod: 60 } });
    const result = plan({ autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { targetCapacity: 60 } } }, current);
    expect(result.changes).toEqual(['/autoScalingGroupProvider/managedScaling/targetCapacity']);
    expect(result.actions).toEqual([
      {
        operation: 'UpdateCapacityProvider',
        input: {
          name: 'ec2',
          autoScalingGroupProvider: { managedScaling: { status: 'ENABLED', targetCapacity: 60, minimumScalingStepSize: 2, maximumScalingStepSize: 5, instanceWarmupPeriod: 60 } },
        },
      },
      // The revision tag moves with the change.
      { operation: 'TagResource', input: { resourceArn: ARN, tags: [{ key: 'ecs-gitops/revision', value: 'r2' }] } },
    ]);
  });

  it('sends termination protection and draining alone when only they differ', () => {
    const result = plan({ autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedTerminationProtection: 'ENABLED', managedDraining: 'DISABLED' } }, live());
    expect(result.actions[0]).toEqual({
      operation: 'UpdateCapacityProvider',
      input: { name: 'ec2', autoScalingGroupProvider: { managedTerminationProtection: 'ENABLED', managedDraining: 'DISABLED' } },
    });
    expect(result.changes).toEqual(['/autoScalingGroupProvider/managedTerminationProtection', '/autoScalingGroupProvider/managedDraining']);
  });

  it('refuses another Auto Scaling group: ECS cannot move a provider, and the controller never deletes to re-create', () => {
    const other = ASG.replace('ec2-asg', 'other-asg');
    const result = plan({ autoScalingGroupProvider: { autoScalingGroupArn: other, managedScaling: { targetCapacity: 50 } } }, live());
    expect(result.actions).toEqual([]);
    expect(result.blocked?.code).toBe('DIFF_REQUIRES_REPLACEMENT');
    expect(result.blocked?.message).toContain('autoScalingGroupArn cannot change');
    expect(result.changes).toEqual(['/autoScalingGroupProvider/autoScalingGroupArn']);
  });

  it('tags: adds and changes user tags, removes undeclared ones, leaves system tags', () => {
    const current = live({}, [...OWNED_TAGS, { key: 'team', value: 'a' }, { key: 'old', value: 'x' }, { key: 'aws:cloudformation:stack-name', value: 's' }]);
    const result = plan({ autoScalingGroupProvider: { autoScalingGroupArn: ASG }, tags: { team: 'b' } }, current);
    expect(result.changes).toEqual(['/tags']);
    expect(result.actions).toEqual([
      { operation: 'TagResource', input: { resourceArn: ARN, tags: [{ key: 'team', value: 'b' }, { key: 'ecs-gitops/revision', value: 'r2' }] } },
      { operation: 'UntagResource', input: { resourceArn: ARN, tagKeys: ['old'] } },
    ]);
  });

  it('a new revision that changes nothing costs no call', () => {
    expect(plan({ autoScalingGroupProvider: { autoScalingGroupArn: ASG } }, live(), 'r9').actions).toEqual([]);
  });

  it("leaves another controller's provider alone", () => {
    const result = plan({ autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { targetCapacity: 10 } } }, live({}, [{ key: 'ecs-gitops/managed-by', value: 'team-b' }]));
    expect(result.actions).toEqual([]);
    expect(result.blocked?.code).toBe('DIFF_OWNED_BY_OTHER_CONTROLLER');
  });

  it('refuses an untagged existing provider nobody opted in, naming the tag that opts it in', () => {
    const result = plan({ autoScalingGroupProvider: { autoScalingGroupArn: ASG } }, live({}, []));
    expect(result.actions).toEqual([]);
    expect(result.blocked?.code).toBe('DIFF_ADOPTION_NOT_ALLOWED');
    expect(result.blocked?.message).toContain('tag it ecs-gitops/adopt=ecs-gitops');
    const wrong = plan({ autoScalingGroupProvider: { autoScalingGroupArn: ASG } }, live({}, [{ key: 'ecs-gitops/adopt', value: 'other' }]));
    expect(wrong.blocked?.message).toContain('names "other"');
  });

  it('adopts a provider a person tagged ecs-gitops/adopt=<id>: claims it first, then updates', () => {
    const result = plan({ autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedDraining: 'DISABLED' } }, live({}, [{ key: 'ecs-gitops/adopt', value: 'ecs-gitops' }]));
    expect(result.blocked).toBeUndefined();
    expect(result.actions.map((a) => a.operation)).toEqual(['TagResource', 'UpdateCapacityProvider']);
    expect(result.actions[0]?.input).toMatchObject({ tags: expect.arrayContaining([{ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }]) });
  });
});

describe('planCapacityProviderPrune', () => {
  const base: PlanCapacityProviderPruneInput = {
    name: 'ec2', live: live(), controllerId: 'ecs-gitops', pruneEnabled: true, snapshotHasProblems: false, snapshotEmpty: false, attachedTo: [], listedBy: [],
  };

  it('deletes an owned, detached provider with --prune', () => {
    expect(planCapacityProviderPrune(base)).toEqual({ actions: [{ operation: 'DeleteCapacityProvider', input: { capacityProvider: 'ec2' } }] });
  });

  const kept: ReadonlyArray<readonly [string, Partial<PlanCapacityProviderPruneInput>, string, RegExp]> = [
    ['pruning off', { pruneEnabled: false }, 'disabled', /--prune/],
    ['manifest problems', { snapshotHasProblems: true }, 'snapshot_errors', /problems/],
    ['an empty snapshot', { snapshotEmpty: true }, 'empty_snapshot', /declare nothing/],
    ['attached to a live cluster', { attachedTo: ['prod', 'staging'] }, 'in_use', /cluster prod, staging still uses it/],
    ['listed by a cluster manifest', { listedBy: ['prod'] }, 'in_use', /manifest of cluster prod still lists it/],
  ];

  it.each(kept)('keeps it: %s', (_what, overrides, reason, message) => {
    const result = planCapacityProviderPrune({ ...base, ...overrides });
    expect(result.actions).toEqual([]);
    expect(result.blocked?.reason).toBe(reason);
    expect(result.blocked?.message).toMatch(message);
  });

  it.each([
    ['missing', 'gone', { live: undefined }],
    ['INACTIVE (deleted)', 'gone', { live: { ...live(), status: 'INACTIVE' as const } }],
    ['being deleted (DELETE_IN_PROGRESS)', 'gone', { live: { ...live(), updateStatus: 'DELETE_IN_PROGRESS' as const } }],
    ['untagged', 'not_owned', { live: live({}, []) }],
    ["another controller's", 'not_owned', { live: live({}, [{ key: 'ecs-gitops/managed-by', value: 'team-b' }]) }],
  ] as const)('never touches a provider that is %s', (_what, skipped, overrides) => {
    expect(planCapacityProviderPrune({ ...base, ...overrides })).toEqual({ actions: [], skipped });
  });
});
