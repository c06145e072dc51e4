/**
 * Tags: a map in manifests, a key/value list on the wire. The controller's own
 * `ecs-gitops/*` tags and AWS's reserved `aws:*` tags are never the manifest's
 * business, so they are filtered out before comparing.
 */
import type { Tag } from '@aws-sdk/client-ecs';
import type { TagMap } from '../manifests/types.js';
import { setOwn } from './json.js';

export const CONTROLLER_TAG_PREFIX = 'ecs-gitops/';
export const TAG_MANAGED_BY = 'ecs-gitops/managed-by';
export const TAG_SOURCE = 'ecs-gitops/source';
export const TAG_REVISION = 'ecs-gitops/revision';
export const TAG_SPEC_HASH = 'ecs-gitops/spec-hash';
/**
 * On a service: this controller (the tag's value) registered the service's
 * scalable target, so the target, its policies and scheduled actions are
 * Git's. Written before the target is registered, so a crash in between never
 * leaves a target of ours looking external.
 */
export const TAG_AUTOSCALING = 'ecs-gitops/autoscaling';

export function tagsToList(tags: TagMap | undefined): Tag[] {
  return Object.entries(tags ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value }));
}

/** Later entries win, like repeated TagResource calls; entries without a key are skipped. */
export function tagsToMap(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.key !== undefined) setOwn(out, tag.key, tag.value ?? '');
  return out;
}

/** True for tags that belong to the controller or to AWS, not to the user. */
export function isSystemTagKey(key: string): boolean {
  return key.startsWith(CONTROLLER_TAG_PREFIX) || key.toLowerCase().startsWith('aws:');
}

/** The user's tags only. */
export function userTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !isSystemTagKey(key)));
}
