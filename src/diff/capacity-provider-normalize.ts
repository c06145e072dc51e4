/**
 * Comparing a `kind: CapacityProvider` manifest with the live Auto Scaling
 * group capacity provider (DescribeCapacityProviders). ECS fills in every
 * managed-scaling field and both managed switches the request left out, so a
 * field the manifest does not set is not compared, and a live field ECS left
 * unset counts as ECS's default: a manifest that spells out a default matches
 * a provider that omits it, and the reverse. Pure.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import type { CapacityProviderSpec } from '../manifests/types.js';
import { deepEqual } from './json.js';

/**
 * What ECS uses for a field the request left out (ManagedScaling's and
 * AutoScalingGroupProvider's documented defaults). ManagedScaling.status has
 * no documented default, so it is compared only when both sides set it.
 */
export const CAPACITY_PROVIDER_DEFAULTS = Object.freeze({
  managedScaling: Object.freeze({
    targetCapacity: 100,
    minimumScalingStepSize: 1,
    maximumScalingStepSize: 10_000,
    instanceWarmupPeriod: 300,
  }),
  managedTerminationProtection: 'DISABLED',
  managedDraining: 'ENABLED',
});

const MANAGED_SCALING_FIELDS = ['status', 'targetCapacity', 'minimumScalingStepSize', 'maximumScalingStepSize', 'instanceWarmupPeriod'] as const;

/** One field the manifest sets that live ECS holds otherwise (pointers relative to `spec`). */
export interface CapacityProviderDifference {
  readonly pointer: string;
  readonly desired: unknown;
  readonly live: unknown;
}

/**
 * The group's name, from an Auto Scaling group ARN
 * (`arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`)
 * or a bare name: ECS takes either and always reports the ARN.
 */
export function autoScalingGroupName(arnOrName: string): string {
  const marker = ':autoScalingGroupName/';
  const at = arnOrName.indexOf(marker);
  return at >= 0 ? arnOrName.slice(at + marker.length) : arnOrName;
}

/**
 * True when both name the same group. Two ARNs compare whole (a group
 * deleted and re-created under its name gets a new id: another group); a name
 * against an ARN compares the names.
 */
export function sameAutoScalingGroup(declared: string | undefined, live: string | undefined): boolean {
  if (declared === undefined || live === undefined) return declared === live;
  if (declared.startsWith('arn:') && live.startsWith('arn:')) return declared === live;
  return autoScalingGroupName(declared) === autoScalingGroupName(live);
}

/** The live managed-scaling settings with ECS's defaults filled in where it reports nothing. */
export function liveManagedScaling(live: ECS.CapacityProvider): ECS.ManagedScaling {
  return { ...CAPACITY_PROVIDER_DEFAULTS.managedScaling, ...withoutUndefined(live.autoScalingGroupProvider?.managedScaling ?? {}) };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The settings UpdateCapacityProvider can change (managed scaling,
 * termination protection, draining) that the manifest sets and live ECS holds
 * otherwise. The group itself (autoScalingGroupArn) is not among them: ECS
 * cannot move a provider to another group (see planCapacityProvider).
 */
export function capacityProviderDifferences(spec: CapacityProviderSpec, live: ECS.CapacityProvider): CapacityProviderDifference[] {
  const declared = spec.autoScalingGroupProvider;
  if (!declared) return [];
  const liveProvider = live.autoScalingGroupProvider;
  const out: CapacityProviderDifference[] = [];
  const scaling = declared.managedScaling;
  if (scaling) {
    const liveScaling = liveManagedScaling(live);
    for (const field of MANAGED_SCALING_FIELDS) {
      const want = scaling[field];
      if (want === undefined) continue;
      const have = liveScaling[field];
      // status: no documented default, so an unset live status is not a difference to act on.
      if (field === 'status' && have === undefined) continue;
      if (!deepEqual(want, have)) out.push({ pointer: `/autoScalingGroupProvider/managedScaling/${field}`, desired: want, live: have });
    }
  }
  for (const field of ['managedTerminationProtection', 'managedDraining'] as const) {
    const want = declared[field];
    if (want === undefined) continue;
    const have = liveProvider?.[field] ?? CAPACITY_PROVIDER_DEFAULTS[field];
    if (want !== have) out.push({ pointer: `/autoScalingGroupProvider/${field}`, desired: want, live: have });
  }
  return out;
}
