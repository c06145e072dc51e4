/**
 * Whose a live resource is, from its ecs-gitops/managed-by tag: the one
 * decision every kind makes before touching anything. Ours: reconciled (and
 * prunable). Unowned: adopted (tagged, then reconciled). Another
 * controller's: left alone, never changed, never deleted. Pure.
 */
import type { Tag } from '@aws-sdk/client-ecs';
import { TAG_MANAGED_BY, tagsToMap } from '../diff/tags.js';
import { tagValue } from './task-definition-input.js';

export type Ownership =
  | { readonly kind: 'ours' }
  | { readonly kind: 'unowned' }
  | { readonly kind: 'other'; readonly owner: string };

/** From a tag list (what ECS returns) or a tag map. */
export function ownershipOf(tags: readonly Tag[] | Readonly<Record<string, string>> | undefined, controllerId: string): Ownership {
  const owner = (Array.isArray(tags) ? tagsToMap(tags) : tags as Readonly<Record<string, string>> | undefined)?.[TAG_MANAGED_BY];
  if (owner === undefined) return { kind: 'unowned' };
  // What this controller writes is tagValue(controllerId): an id longer than a tag value is compared as written.
  return owner === tagValue(controllerId) || owner === controllerId ? { kind: 'ours' } : { kind: 'other', owner };
}
