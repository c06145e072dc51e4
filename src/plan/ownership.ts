/**
 * Whose a live resource is, from its ecs-gitops/managed-by tag: the one
 * decision every kind makes before touching anything. Ours: reconciled (and
 * prunable). Unowned: adopted (tagged, then reconciled) only when a person
 * opted it in (adoptionRefusal), otherwise left alone. Another controller's:
 * left alone, never changed, never deleted. Pure.
 */
import type { Tag } from '@aws-sdk/client-ecs';
import { TAG_MANAGED_BY } from '../diff/tags.js';
import { tagValue } from './task-definition-input.js';
import { globToRegExp } from '../util/glob.js';

export type Ownership =
  | { readonly kind: 'ours' }
  | { readonly kind: 'unowned' }
  | { readonly kind: 'other'; readonly owner: string };

const OURS: Ownership = Object.freeze({ kind: 'ours' });
const UNOWNED: Ownership = Object.freeze({ kind: 'unowned' });

/** From a tag list (what ECS returns) or a tag map. */
export function ownershipOf(tags: readonly Tag[] | Readonly<Record<string, string>> | undefined, controllerId: string): Ownership {
  // A scan rather than tagsToMap: this runs on every service of every resync.
  const listed = Array.isArray(tags) ? (tags as readonly Tag[]).find((t) => t.key === TAG_MANAGED_BY) : undefined;
  const owner = Array.isArray(tags)
    ? (listed ? listed.value ?? '' : undefined)
    : (tags as Readonly<Record<string, string>> | undefined)?.[TAG_MANAGED_BY];
  if (owner === undefined) return UNOWNED;
  return isControllerTagValue(owner, controllerId) ? OURS : { kind: 'other', owner };
}

/**
 * Whether a tag value names this controller. What it writes is
 * tagValue(controllerId): an id longer than a tag value is compared as written.
 */
export function isControllerTagValue(value: string | undefined, controllerId: string): boolean {
  return value !== undefined && (value === controllerId || value === tagValue(controllerId));
}

/**
 * Who may hand an existing, untagged resource to this controller. Adoption
 * is never automatic: whoever can push a manifest must not be able to take
 * over a service or cluster they merely name (docs/security.md). A resource
 * is adoptable when a person tagged it `ecs-gitops/adopt=<controller id>`, or
 * when its cluster is on the controller's allow-list (`--adopt-clusters`).
 */
export interface AdoptionPolicy {
  /** Cluster names or ARNs, `*` matching any run of characters (`prod-*`, `arn:aws:ecs:eu-west-1:123456789012:cluster/*`). */
  readonly clusters: readonly string[];
}

export const TAG_ADOPT = 'ecs-gitops/adopt';

/** The cluster a resource lives in (a cluster is its own). The ARN is known once the resource was read. */
export interface ClusterRef {
  readonly name: string;
  readonly arn?: string;
}

const patternCache = new Map<string, RegExp>();

function globPattern(glob: string): RegExp {
  let pattern = patternCache.get(glob);
  if (!pattern) {
    pattern = globToRegExp(glob);
    patternCache.set(glob, pattern);
  }
  return pattern;
}

/** True when `cluster` is on the allow-list, by name or by ARN. */
export function clusterAllowsAdoption(policy: AdoptionPolicy | undefined, cluster: ClusterRef): boolean {
  return (policy?.clusters ?? []).some((glob) => {
    const pattern = globPattern(glob);
    return pattern.test(cluster.name) || (cluster.arn !== undefined && pattern.test(cluster.arn));
  });
}

/**
 * Why this controller may not adopt an unowned live resource, or undefined
 * when it may. `what` names the resource in the message ("service web in
 * cluster prod").
 */
export function adoptionRefusal(
  tags: readonly Tag[] | Readonly<Record<string, string>> | undefined,
  controllerId: string,
  cluster: ClusterRef,
  policy: AdoptionPolicy | undefined,
  what: string,
): string | undefined {
  const marked = Array.isArray(tags)
    ? (tags as readonly Tag[]).find((t) => t.key === TAG_ADOPT)?.value
    : (tags as Readonly<Record<string, string>> | undefined)?.[TAG_ADOPT];
  if (marked !== undefined && (marked === controllerId || marked === tagValue(controllerId))) return undefined;
  if (clusterAllowsAdoption(policy, cluster)) return undefined;
  const wrongMark = marked === undefined ? '' : ` (its ${TAG_ADOPT} tag names "${marked}", not "${controllerId}")`;
  return `${what} already exists and is not managed by ecs-gitops${wrongMark}; it is left alone until a person opts it in: ` +
    `tag it ${TAG_ADOPT}=${controllerId}, or start the controller with --adopt-clusters ${cluster.name}`;
}
