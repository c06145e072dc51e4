/**
 * planCluster: the ECS calls that bring one cluster to its `kind: Cluster`
 * manifest. Pure. Create the cluster when missing, otherwise update the
 * settings, configuration, Service Connect defaults, capacity providers and
 * tags the manifest declares; fields it leaves out are not its business.
 * Clusters are never deleted by the controller, and one another controller
 * manages is left alone (blocked, DIFF_OWNED_BY_OTHER_CONTROLLER), as is an
 * untagged one nobody opted in for adoption (DIFF_ADOPTION_NOT_ALLOWED).
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { deepEqual, isObject } from '../diff/json.js';
import { TAG_MANAGED_BY, TAG_REVISION, TAG_SOURCE, tagsToList, tagsToMap } from '../diff/tags.js';
import type { DesiredCluster } from '../manifests/types.js';
import type { PlanBlock } from './types.js';
import { adoptionRefusal, ownershipOf, type AdoptionPolicy } from './ownership.js';
import { planResourceTags } from './resource-tags.js';
import { tagValue } from './task-definition-input.js';

export type ClusterAction =
  | { readonly operation: 'CreateCluster'; readonly input: ECS.CreateClusterRequest }
  | { readonly operation: 'UpdateCluster'; readonly input: ECS.UpdateClusterRequest }
  | { readonly operation: 'PutClusterCapacityProviders'; readonly input: ECS.PutClusterCapacityProvidersRequest }
  | { readonly operation: 'TagResource'; readonly input: ECS.TagResourceRequest }
  | { readonly operation: 'UntagResource'; readonly input: ECS.UntagResourceRequest };

/** `actions` empty and no `blocked` = in sync. */
export interface ClusterPlan {
  readonly actions: readonly ClusterAction[];
  readonly blocked?: PlanBlock;
}

export interface PlanClusterInput {
  readonly desired: DesiredCluster;
  /** The live cluster (DescribeClusters with TAGS, SETTINGS, CONFIGURATIONS); undefined when missing or INACTIVE. */
  readonly live: ECS.Cluster | undefined;
  readonly controllerId: string;
  readonly revision: string;
  /** Which untagged live clusters may be adopted; absent: only those tagged ecs-gitops/adopt=<controllerId>. */
  readonly adoption?: AdoptionPolicy;
}

function sameSettings(desired: readonly ECS.ClusterSetting[], live: readonly ECS.ClusterSetting[] | undefined): boolean {
  const byName = new Map((live ?? []).map((s) => [s.name, s.value]));
  return desired.every((s) => byName.get(s.name) === s.value);
}

/**
 * What ECS reports for a configuration field nobody set, so a manifest that
 * spells out a default (`logging: DEFAULT`) matches a cluster that omits it.
 */
const CONFIGURATION_DEFAULTS: unknown = {
  executeCommandConfiguration: {
    logging: 'DEFAULT',
    logConfiguration: { cloudWatchEncryptionEnabled: false, s3EncryptionEnabled: false },
  },
};

/**
 * True when every field the manifest sets has that value live (or, unset
 * live, as ECS's default). Fields the manifest leaves out are not its
 * business, as for settings.
 */
function coversDeclared(declared: unknown, live: unknown, defaults: unknown): boolean {
  if (declared === undefined) return true;
  if (isObject(declared)) {
    const liveObject = isObject(live) ? live : {};
    const defaultObject = isObject(defaults) ? defaults : {};
    return Object.entries(declared).every(([key, value]) => coversDeclared(value, liveObject[key], defaultObject[key]));
  }
  return deepEqual(declared, live ?? defaults);
}

const isArn = (value: string): boolean => value.startsWith('arn:');

/**
 * The Service Connect namespace can be written as a Cloud Map name or ARN and
 * ECS may report either. An empty name means "none" (UpdateCluster removes the
 * defaults with it). A name against an ARN cannot be decided from
 * DescribeClusters (the ARN carries the namespace id, not its name), so it
 * counts as the same rather than sending UpdateCluster at every resync.
 */
function sameNamespace(declared: string, live: string | undefined): boolean {
  if (declared === '' || live === undefined || live === '') return declared === (live ?? '');
  return isArn(declared) !== isArn(live) || declared === live;
}

function strategyKey(items: readonly ECS.CapacityProviderStrategyItem[] | undefined): unknown {
  return [...(items ?? [])]
    .map((i) => ({ capacityProvider: i.capacityProvider, weight: i.weight ?? 0, base: i.base ?? 0 }))
    .sort((a, b) => String(a.capacityProvider).localeCompare(String(b.capacityProvider)));
}

export function planCluster({ desired, live, controllerId, revision, adoption }: PlanClusterInput): ClusterPlan {
  const spec = desired.manifest.spec;
  const ownershipTags = { [TAG_MANAGED_BY]: tagValue(controllerId), [TAG_SOURCE]: tagValue(desired.source.file), [TAG_REVISION]: tagValue(revision) };
  if (!live) {
    const { tags, serviceConnectDefaults, ...rest } = spec;
    return { actions: [{
      operation: 'CreateCluster',
      input: {
        ...rest,
        // An empty namespace means "no defaults"; UpdateCluster understands it, CreateCluster needs the field left out.
        ...(serviceConnectDefaults?.namespace ? { serviceConnectDefaults } : {}),
        clusterName: desired.name,
        tags: tagsToList({ ...(tags ?? {}), ...ownershipTags }),
      },
    }] };
  }
  const liveTags = tagsToMap(live.tags);
  const ownership = ownershipOf(liveTags, controllerId);
  if (ownership.kind === 'other') {
    // Never taken over: not its settings, not its tags.
    return {
      actions: [],
      blocked: {
        code: 'DIFF_OWNED_BY_OTHER_CONTROLLER',
        message: `cluster ${desired.name} (${desired.source.file}) is managed by controller "${ownership.owner}", not "${controllerId}"; left alone`,
      },
    };
  }
  if (ownership.kind === 'unowned') {
    const refusal = adoptionRefusal(liveTags, controllerId, { name: desired.name, arn: live.clusterArn }, adoption, `cluster ${desired.name} (${desired.source.file})`);
    if (refusal !== undefined) return { actions: [], blocked: { code: 'DIFF_ADOPTION_NOT_ALLOWED', message: refusal } };
  }

  const actions: ClusterAction[] = [];
  const clusterArn = live.clusterArn ?? desired.name;
  const update: ECS.UpdateClusterRequest = { cluster: desired.name };
  if (spec.settings && !sameSettings(spec.settings, live.settings)) update.settings = spec.settings;
  if (spec.configuration && !coversDeclared(spec.configuration, live.configuration, CONFIGURATION_DEFAULTS)) {
    // The manifest's sub-configurations replace the live ones; one it does not mention is sent back as it is.
    update.configuration = { ...live.configuration, ...spec.configuration };
  }
  const namespace = spec.serviceConnectDefaults?.namespace;
  if (namespace !== undefined && !sameNamespace(namespace, live.serviceConnectDefaults?.namespace)) {
    update.serviceConnectDefaults = { namespace };
  }
  if (update.settings || update.configuration || update.serviceConnectDefaults) actions.push({ operation: 'UpdateCluster', input: update });

  const wantProviders = spec.capacityProviders;
  const wantStrategy = spec.defaultCapacityProviderStrategy;
  const providersDiffer = wantProviders !== undefined && !deepEqual([...wantProviders].sort(), [...(live.capacityProviders ?? [])].sort());
  const strategyDiffers = wantStrategy !== undefined && !deepEqual(strategyKey(wantStrategy), strategyKey(live.defaultCapacityProviderStrategy));
  if (providersDiffer || strategyDiffers) {
    actions.push({
      operation: 'PutClusterCapacityProviders',
      input: {
        cluster: desired.name,
        capacityProviders: wantProviders ?? live.capacityProviders ?? [],
        defaultCapacityProviderStrategy: wantStrategy ?? live.defaultCapacityProviderStrategy ?? [],
      },
    });
  }

  // Adopt a cluster we did not create: planResourceTags claims it along with any other write.
  const { toSet, toRemove } = planResourceTags({ declared: spec.tags, live: liveTags, ownershipTags, ownership, otherWrites: actions.length > 0 });
  if (toSet.length > 0) {
    const tagAction: ClusterAction = { operation: 'TagResource', input: { resourceArn: clusterArn, tags: [...toSet] } };
    // Adopting: claim the cluster before changing it, because the least-privilege
    // IAM policy lets UpdateCluster touch only clusters tagged as ours.
    if (ownership.kind === 'unowned') actions.unshift(tagAction);
    else actions.push(tagAction);
  }
  if (toRemove.length > 0) actions.push({ operation: 'UntagResource', input: { resourceArn: clusterArn, tagKeys: [...toRemove] } });
  return { actions };
}
