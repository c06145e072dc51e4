/**
 * Reconciles one `kind: Cluster` manifest: create the cluster when missing,
 * otherwise update the settings, capacity providers and tags the manifest
 * declares. Clusters are never deleted by the controller.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { TAG_MANAGED_BY, TAG_REVISION, TAG_SOURCE, isSystemTagKey, tagsToList, tagsToMap } from '../diff/tags.js';
import { deepEqual } from '../diff/json.js';
import type { EcsApi } from '../ecs/ecs-api.js';
import type { EcsReader } from '../ecs/ecs-reader.js';
import type { DesiredCluster } from '../manifests/types.js';

export interface ClusterReconcileContext {
  readonly ecs: EcsApi;
  readonly reader: EcsReader;
  readonly controllerId: string;
  readonly revision: string;
  readonly mode: 'auto' | 'detect';
  readonly signal: AbortSignal;
}

export interface ClusterReconcileResult {
  readonly created: boolean;
  /** ECS calls made (or, in detect mode, that would be made). */
  readonly changes: readonly string[];
}

function sameSettings(desired: readonly ECS.ClusterSetting[], live: readonly ECS.ClusterSetting[] | undefined): boolean {
  const byName = new Map((live ?? []).map((s) => [s.name, s.value]));
  return desired.every((s) => byName.get(s.name) === s.value);
}

function strategyKey(items: readonly ECS.CapacityProviderStrategyItem[] | undefined): unknown {
  return [...(items ?? [])]
    .map((i) => ({ capacityProvider: i.capacityProvider, weight: i.weight ?? 0, base: i.base ?? 0 }))
    .sort((a, b) => String(a.capacityProvider).localeCompare(String(b.capacityProvider)));
}

export async function reconcileCluster(desired: DesiredCluster, ctx: ClusterReconcileContext): Promise<ClusterReconcileResult> {
  const spec = desired.manifest.spec;
  const ownership = { [TAG_MANAGED_BY]: ctx.controllerId, [TAG_SOURCE]: desired.source.file, [TAG_REVISION]: ctx.revision };
  const live = await ctx.reader.describeCluster(desired.name, ctx.signal);
  if (!live) {
    if (ctx.mode === 'detect') return { created: false, changes: ['CreateCluster'] };
    const { tags, ...rest } = spec;
    await ctx.ecs.send('CreateCluster', {
      ...rest,
      clusterName: desired.name,
      tags: tagsToList({ ...(tags ?? {}), ...ownership }),
    }, ctx.signal);
    return { created: true, changes: ['CreateCluster'] };
  }

  const changes: string[] = [];
  const clusterArn = live.clusterArn as string;
  const apply = ctx.mode === 'auto';
  if (spec.settings && !sameSettings(spec.settings, live.settings)) {
    changes.push('UpdateCluster');
    if (apply) await ctx.ecs.send('UpdateCluster', { cluster: desired.name, settings: spec.settings }, ctx.signal);
  }
  const wantProviders = spec.capacityProviders;
  const wantStrategy = spec.defaultCapacityProviderStrategy;
  const providersDiffer = wantProviders !== undefined && !deepEqual([...wantProviders].sort(), [...(live.capacityProviders ?? [])].sort());
  const strategyDiffers = wantStrategy !== undefined && !deepEqual(strategyKey(wantStrategy), strategyKey(live.defaultCapacityProviderStrategy));
  if (providersDiffer || strategyDiffers) {
    changes.push('PutClusterCapacityProviders');
    if (apply) {
      await ctx.ecs.send('PutClusterCapacityProviders', {
        cluster: desired.name,
        capacityProviders: wantProviders ?? live.capacityProviders ?? [],
        defaultCapacityProviderStrategy: wantStrategy ?? live.defaultCapacityProviderStrategy ?? [],
      }, ctx.signal);
    }
  }

  const liveTags = tagsToMap(live.tags);
  const wanted: Record<string, string> = { ...(spec.tags ?? {}) };
  // Adopt a cluster we did not create, but never take one over from another controller.
  if (liveTags[TAG_MANAGED_BY] === undefined) Object.assign(wanted, ownership);
  else if (liveTags[TAG_MANAGED_BY] === ctx.controllerId) wanted[TAG_SOURCE] = desired.source.file;
  const toSet = Object.entries(wanted).filter(([k, v]) => liveTags[k] !== v);
  const toRemove = spec.tags === undefined ? [] : Object.keys(liveTags).filter((k) => !isSystemTagKey(k) && !(k in wanted));
  if (toSet.length > 0) {
    changes.push('TagResource');
    if (apply) await ctx.ecs.send('TagResource', { resourceArn: clusterArn, tags: toSet.map(([key, value]) => ({ key, value })) }, ctx.signal);
  }
  if (toRemove.length > 0) {
    changes.push('UntagResource');
    if (apply) await ctx.ecs.send('UntagResource', { resourceArn: clusterArn, tagKeys: toRemove }, ctx.signal);
  }
  return { created: false, changes };
}
