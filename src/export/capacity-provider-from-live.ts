/**
 * One live Auto Scaling group capacity provider (DescribeCapacityProviders with
 * TAGS) turned into the `kind: CapacityProvider` manifest a person would
 * write: every setting equal to what ECS fills in by default is left out, tags
 * become a map without the controller's and AWS's keys, and the result is
 * checked the way the controller compares (src/diff/capacity-provider-normalize.ts),
 * so an export that would not read back in sync is reported. Pure.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { Document } from 'yaml';
import {
  CAPACITY_PROVIDER_DEFAULTS, capacityProviderDifferences, sameAutoScalingGroup,
} from '../diff/capacity-provider-normalize.js';
import { tagsToMap, userTags } from '../diff/tags.js';
import { API_VERSION, type CapacityProviderManifest, type CapacityProviderSpec } from '../manifests/types.js';

/** Reserved by ECS, on every cluster that wants them: nothing to declare. */
export const FARGATE_CAPACITY_PROVIDERS: ReadonlySet<string> = new Set(['FARGATE', 'FARGATE_SPOT']);

export interface ExportedCapacityProvider {
  readonly manifest: CapacityProviderManifest;
  /** Pointers (relative to `spec`) the controller would still find different (empty for a faithful export). */
  readonly residualChanges: readonly string[];
}

function managedScalingSpec(live: ECS.ManagedScaling | undefined): ECS.ManagedScaling | undefined {
  if (!live) return undefined;
  const out: Record<string, unknown> = {};
  if (live.status !== undefined) out.status = live.status;
  for (const [field, fallback] of Object.entries(CAPACITY_PROVIDER_DEFAULTS.managedScaling)) {
    const value = (live as Record<string, unknown>)[field];
    if (value !== undefined && value !== fallback) out[field] = value;
  }
  return Object.keys(out).length > 0 ? out as ECS.ManagedScaling : undefined;
}

export function capacityProviderManifestFromLive(region: string, live: ECS.CapacityProvider): ExportedCapacityProvider {
  const group = live.autoScalingGroupProvider;
  const provider: Record<string, unknown> = { autoScalingGroupArn: group?.autoScalingGroupArn };
  const scaling = managedScalingSpec(group?.managedScaling);
  if (scaling) provider.managedScaling = scaling;
  if (group?.managedTerminationProtection && group.managedTerminationProtection !== CAPACITY_PROVIDER_DEFAULTS.managedTerminationProtection) {
    provider.managedTerminationProtection = group.managedTerminationProtection;
  }
  if (group?.managedDraining && group.managedDraining !== CAPACITY_PROVIDER_DEFAULTS.managedDraining) provider.managedDraining = group.managedDraining;
  const tags = userTags(tagsToMap(live.tags));
  const spec = {
    autoScalingGroupProvider: provider,
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
  } as unknown as CapacityProviderSpec;
  const manifest: CapacityProviderManifest = {
    apiVersion: API_VERSION, kind: 'CapacityProvider', metadata: { name: live.name ?? '', region }, spec,
  };
  const residualChanges = [
    ...(sameAutoScalingGroup(spec.autoScalingGroupProvider?.autoScalingGroupArn, group?.autoScalingGroupArn) ? [] : ['/autoScalingGroupProvider/autoScalingGroupArn']),
    ...capacityProviderDifferences(spec, live).map((d) => d.pointer),
  ];
  return { manifest, residualChanges };
}

/** YAML a person can review and commit, with a header naming where it came from. */
export function renderCapacityProviderYaml(manifest: CapacityProviderManifest): string {
  const doc = new Document(manifest);
  doc.commentBefore = ` Exported by \`ecs-gitops export\` from capacity provider ${manifest.metadata.region ?? ''}/${manifest.metadata.name}.\n` +
    ' Review it, then commit. The controller adopts it only once it is tagged ecs-gitops/adopt=<controller id> (docs/controller.md, "Capacity providers").';
  return doc.toString({ lineWidth: 0 });
}
