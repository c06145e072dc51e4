/**
 * Whose a live resource is, from its ecs-gitops/managed-by tag: the one
 * decision every kind makes before touching anything. Ours: reconciled (and
 * prunable). Unowned: adopted (tagged, then reconciled). Another
 * controller's: left alone, never changed, never deleted. Pure.
 */
import type { Tag } from '@aws-sdk/client-ecs';
import { TAG_MANAGED_BY } from '../diff/tags.js';
import { tagValue } from './task-definition-input.js';

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
  // What this controller writes is tagValue(controllerId): an id longer than a tag value is compared as written.
  return owner === controllerId || owner === tagValue(controllerId) ? OURS : { kind: 'other', owner };
}
