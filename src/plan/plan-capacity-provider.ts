/**
 * planCapacityProvider: the ECS calls that bring one Auto Scaling group
 * capacity provider to its `kind: CapacityProvider` manifest; and
 * planCapacityProviderPrune: whether an owned provider no manifest declares
 * any more may be deleted. Pure.
 *
 * Create the provider when missing (tagged as ours), otherwise update only the
 * settings UpdateCapacityProvider can change (managed scaling, termination
 * protection, draining) that differ once ECS's defaults are filled in
 * (src/diff/capacity-provider-normalize.ts), and the tags. The group a
 * provider scales cannot change: a manifest naming another group is refused
 * (DIFF_REQUIRES_REPLACEMENT), never deleted and re-created. Ownership as for
 * clusters (src/plan/ownership.ts): another controller's provider is left
 * alone, an untagged one is adopted only when a person tagged it
 * ecs-gitops/adopt=<controller id> (--adopt-clusters names clusters, and a
 * provider belongs to none).
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { capacityProviderDifferences, liveManagedScaling, sameAutoScalingGroup } from '../diff/capacity-provider-normalize.js';
import { TAG_MANAGED_BY, TAG_REVISION, TAG_SOURCE, tagsToList, tagsToMap } from '../diff/tags.js';
import type { DesiredCapacityProvider } from '../manifests/types.js';
import { TAG_ADOPT, ownershipOf } from './ownership.js';
import { planResourceTags } from './resource-tags.js';
import { tagValue } from './task-definition-input.js';
import type { PlanBlock, PruneBlockReason } from './types.js';

export type CapacityProviderAction =
  | { readonly operation: 'CreateCapacityProvider'; readonly input: ECS.CreateCapacityProviderRequest }
  | { readonly operation: 'UpdateCapacityProvider'; readonly input: ECS.UpdateCapacityProviderRequest }
  | { readonly operation: 'TagResource'; readonly input: ECS.TagResourceRequest }
  | { readonly operation: 'UntagResource'; readonly input: ECS.UntagResourceRequest }
  | { readonly operation: 'DeleteCapacityProvider'; readonly input: ECS.DeleteCapacityProviderRequest };

/** `actions` empty and no `blocked` = in sync. */
export interface CapacityProviderPlan {
  readonly actions: readonly CapacityProviderAction[];
  /** What differs, as JSON pointers relative to `spec` (`''` for a provider to create). */
  readonly changes: readonly string[];
  readonly blocked?: PlanBlock;
}

export interface PlanCapacityProviderInput {
  readonly desired: DesiredCapacityProvider;
  /** The live provider (DescribeCapacityProviders with TAGS); undefined when missing, INACTIVE or being deleted (capacityProviderGone). */
  readonly live: ECS.CapacityProvider | undefined;
  readonly controllerId: string;
  readonly revision: string;
}

function what(desired: DesiredCapacityProvider): string {
  return `capacity provider ${desired.name} (${desired.source.file})`;
}

export function planCapacityProvider({ desired, live, controllerId, revision }: PlanCapacityProviderInput): CapacityProviderPlan {
  const spec = desired.manifest.spec;
  const ownershipTags = { [TAG_MANAGED_BY]: tagValue(controllerId), [TAG_SOURCE]: tagValue(desired.source.file), [TAG_REVISION]: tagValue(revision) };
  if (!live) {
    const { tags, ...rest } = spec;
    return {
      changes: [''],
      actions: [{ operation: 'CreateCapacityProvider', input: { ...rest, name: desired.name, tags: tagsToList({ ...(tags ?? {}), ...ownershipTags }) } }],
    };
  }
  const liveTags = tagsToMap(live.tags);
  const ownership = ownershipOf(liveTags, controllerId);
  if (ownership.kind === 'other') {
    return {
      actions: [], changes: [],
      blocked: { code: 'DIFF_OWNED_BY_OTHER_CONTROLLER', message: `${what(desired)} is managed by controller "${ownership.owner}", not "${controllerId}"; left alone` },
    };
  }
  if (ownership.kind === 'unowned') {
    // No allow-list: the tag a person puts on the provider is the only opt-in.
    const marked = liveTags[TAG_ADOPT];
    if (marked !== controllerId && marked !== tagValue(controllerId)) {
      const wrongMark = marked === undefined ? '' : ` (its ${TAG_ADOPT} tag names "${marked}", not "${controllerId}")`;
      return {
        actions: [], changes: [],
        blocked: {
          code: 'DIFF_ADOPTION_NOT_ALLOWED',
          message: `${what(desired)} already exists and is not managed by ecs-gitops${wrongMark}; it is left alone until a person opts it in: ` +
            `tag it ${TAG_ADOPT}=${controllerId} (--adopt-clusters does not apply: a capacity provider belongs to no cluster)`,
        },
      };
    }
  }

  const declaredGroup = spec.autoScalingGroupProvider?.autoScalingGroupArn;
  const liveGroup = live.autoScalingGroupProvider?.autoScalingGroupArn;
  if (declaredGroup !== undefined && !sameAutoScalingGroup(declaredGroup, liveGroup)) {
    return {
      actions: [], changes: ['/autoScalingGroupProvider/autoScalingGroupArn'],
      blocked: {
        code: 'DIFF_REQUIRES_REPLACEMENT',
        message: `${what(desired)}: autoScalingGroupArn cannot change (live ${liveGroup ?? 'none'}, manifest ${declaredGroup}); ` +
          'ECS cannot move a capacity provider to another Auto Scaling group. Revert the field, or declare a provider under a new name for the new group and attach that one',
      },
    };
  }

  const actions: CapacityProviderAction[] = [];
  const changes: string[] = [];
  const differences = capacityProviderDifferences(spec, live);
  if (differences.length > 0) {
    const declared = spec.autoScalingGroupProvider ?? { autoScalingGroupArn: undefined };
    const update: ECS.AutoScalingGroupProviderUpdate = {};
    const differs = (prefix: string) => differences.some((d) => d.pointer.startsWith(prefix));
    // Managed scaling goes as a whole: the live settings the manifest leaves out are sent back as they are.
    if (differs('/autoScalingGroupProvider/managedScaling/')) update.managedScaling = { ...liveManagedScaling(live), ...declared.managedScaling };
    if (differs('/autoScalingGroupProvider/managedTerminationProtection')) update.managedTerminationProtection = declared.managedTerminationProtection;
    if (differs('/autoScalingGroupProvider/managedDraining')) update.managedDraining = declared.managedDraining;
    actions.push({ operation: 'UpdateCapacityProvider', input: { name: desired.name, autoScalingGroupProvider: update } });
    changes.push(...differences.map((d) => d.pointer));
  }

  // As for clusters: the revision tag moves only together with another change.
  const { toSet, toRemove, userTagsDiffer } = planResourceTags({ declared: spec.tags, live: liveTags, ownershipTags, ownership, otherWrites: actions.length > 0 });
  if (userTagsDiffer || toRemove.length > 0) changes.push('/tags');
  const arn = live.capacityProviderArn ?? desired.name;
  if (toSet.length > 0) {
    const tagAction: CapacityProviderAction = { operation: 'TagResource', input: { resourceArn: arn, tags: [...toSet] } };
    // Adopting: claim it first, since the least-privilege IAM policy lets UpdateCapacityProvider touch only providers tagged as ours.
    if (ownership.kind === 'unowned') actions.unshift(tagAction);
    else actions.push(tagAction);
    if (!changes.includes('/tags') && ownership.kind === 'unowned') changes.push('/tags');
  }
  if (toRemove.length > 0) actions.push({ operation: 'UntagResource', input: { resourceArn: arn, tagKeys: [...toRemove] } });
  return { actions, changes };
}

/** Why an owned, undeclared provider is kept: the services' prune guards, plus being attached to a cluster. */
export type CapacityProviderPruneBlockReason = PruneBlockReason | 'in_use';

export interface PlanCapacityProviderPruneInput {
  readonly name: string;
  /** The live provider; undefined when gone. */
  readonly live: ECS.CapacityProvider | undefined;
  readonly controllerId: string;
  readonly pruneEnabled: boolean;
  readonly snapshotHasProblems: boolean;
  /** The snapshot declares nothing at all (an empty or mis-mounted checkout). */
  readonly snapshotEmpty: boolean;
  /** Clusters whose live capacityProviders list it. */
  readonly attachedTo: readonly string[];
  /** Cluster manifests that still list it. */
  readonly listedBy: readonly string[];
}

export interface CapacityProviderPrunePlan {
  readonly actions: readonly CapacityProviderAction[];
  /** Nothing to decide: the provider is gone or not this controller's. */
  readonly skipped?: 'gone' | 'not_owned';
  readonly blocked?: { readonly reason: CapacityProviderPruneBlockReason; readonly message: string };
}

/**
 * Whether ECS reports the provider deleted or being deleted: INACTIVE, or an
 * updateStatus of DELETE_IN_PROGRESS / DELETE_COMPLETE (ECS deletes a provider
 * asynchronously; sending DeleteCapacityProvider again would only repeat it).
 */
export function capacityProviderGone(live: ECS.CapacityProvider | undefined): boolean {
  return !live || live.status === 'INACTIVE' || live.updateStatus === 'DELETE_IN_PROGRESS' || live.updateStatus === 'DELETE_COMPLETE';
}

export function planCapacityProviderPrune(input: PlanCapacityProviderPruneInput): CapacityProviderPrunePlan {
  const { name, live } = input;
  if (!live || capacityProviderGone(live)) return { actions: [], skipped: 'gone' };
  if (ownershipOf(live.tags, input.controllerId).kind !== 'ours') return { actions: [], skipped: 'not_owned' };
  const blocked = (reason: CapacityProviderPruneBlockReason, message: string): CapacityProviderPrunePlan =>
    ({ actions: [], blocked: { reason, message: `capacity provider ${name} is no longer declared but kept: ${message}` } });
  if (!input.pruneEnabled) return blocked('disabled', 'pruning is disabled (--prune)');
  if (input.snapshotHasProblems) return blocked('snapshot_errors', 'the manifests have problems, and a broken file may be the one declaring it');
  if (input.snapshotEmpty) return blocked('empty_snapshot', 'the manifests declare nothing (an empty or incomplete checkout never deletes anything)');
  if (input.listedBy.length > 0) return blocked('in_use', `the manifest of cluster ${input.listedBy.join(', ')} still lists it`);
  if (input.attachedTo.length > 0) {
    return blocked('in_use', `cluster ${input.attachedTo.join(', ')} still uses it (detach it with the cluster's capacityProviders first)`);
  }
  return { actions: [{ operation: 'DeleteCapacityProvider', input: { capacityProvider: name } }] };
}
