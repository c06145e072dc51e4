/**
 * The RegisterTaskDefinition input the controller sends for a manifest: the
 * spec as written (ECS applies its own defaults), its tags plus the
 * controller's, and, for fields listed in `sync.ignoreDifferences`, the live
 * revision's value, so registering a new revision never undoes a change the
 * user asked the controller to leave alone.
 */
import type { RegisterTaskDefinitionRequest, TaskDefinition } from '@aws-sdk/client-ecs';
import { NAMED_LISTS } from '../diff/compare.js';
import { isObject } from '../diff/json.js';
import { ownChild, pointerTokens, PROTOTYPE_TOKENS } from '../diff/json-pointer.js';
import { taskDefinitionSpecHash } from '../diff/spec-hash.js';
import { TAG_MANAGED_BY, TAG_REVISION, TAG_SOURCE, TAG_SPEC_HASH, tagsToList, userTags } from '../diff/tags.js';
import type { TaskDefinitionSpec } from '../manifests/types.js';

export interface TaskDefinitionStamp {
  readonly controllerId: string;
  readonly revision: string;
  /** The manifest file, relative to the manifests root. */
  readonly sourceFile: string;
}

export interface TaskDefinitionRegistration {
  readonly input: RegisterTaskDefinitionRequest;
  /** taskDefinitionSpecHash(input): look for an ACTIVE revision tagged with it before registering. */
  readonly specHash: string;
}

/** ECS tag values are at most 256 characters. */
export function tagValue(value: string): string {
  return value.length <= 256 ? value : value.slice(value.length - 256);
}

/**
 * What a registration needs from a manifest: its embedded task definition and
 * `sync.ignoreDifferences`. A Service and a ScheduledTask manifest are both
 * one, so an identical task definition gets the same input and spec hash
 * (registered once, reused by both).
 */
export interface TaskDefinitionSource {
  readonly spec: {
    readonly taskDefinition: TaskDefinitionSpec;
    readonly sync?: { readonly ignoreDifferences?: readonly string[] };
  };
}

export function buildTaskDefinitionRegistration(
  manifest: TaskDefinitionSource,
  liveTaskDefinition: TaskDefinition | undefined,
  stamp: TaskDefinitionStamp,
): TaskDefinitionRegistration {
  const { tags, ...content } = manifest.spec.taskDefinition;
  const body = structuredClone(content) as Record<string, unknown>;
  if (liveTaskDefinition) {
    for (const pointer of manifest.spec.sync?.ignoreDifferences ?? []) {
      const tokens = pointerTokens(pointer);
      if (tokens[0] === 'taskDefinition' && tokens.length > 1) keepLiveValue(body, liveTaskDefinition, tokens.slice(1));
    }
  }
  const specHash = taskDefinitionSpecHash(body as unknown as RegisterTaskDefinitionRequest);
  const input = {
    ...body,
    tags: [
      ...tagsToList(userTags({ ...tags })),
      { key: TAG_SPEC_HASH, value: specHash },
      { key: TAG_MANAGED_BY, value: tagValue(stamp.controllerId) },
      { key: TAG_SOURCE, value: tagValue(stamp.sourceFile) },
      { key: TAG_REVISION, value: tagValue(stamp.revision) },
    ],
  } as RegisterTaskDefinitionRequest;
  return { input, specHash };
}

/** A list position written as a pointer token ("0", "12"), or undefined for anything else ("-", "1e3", "__proto__"). */
function listIndex(token: string, list: readonly unknown[]): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
  const index = Number(token);
  return index < list.length ? index : undefined;
}

/** The entry of the live list that matches desired `entry` by the list's key field (or by position for unnamed lists). */
function liveEntryFor(live: unknown, entry: unknown, index: number, listName: string, byPosition: boolean): unknown {
  if (!Array.isArray(live)) return undefined;
  const by = Object.hasOwn(NAMED_LISTS, listName) ? NAMED_LISTS[listName] : undefined;
  if (by !== undefined && isObject(entry)) {
    const name = ownChild(entry, by);
    return live.find((x: unknown) => ownChild(x, by) === name);
  }
  return byPosition ? live[index] : undefined;
}

/**
 * Copies the live value at `tokens` into `desired` (matching named list
 * entries by name); absent live = delete. The pointer comes from a manifest:
 * only own properties of plain objects are followed, a prototype token or a
 * token below a string or number ends the walk with no change, so no pointer
 * can reach (and write to or delete from) Object.prototype.
 */
function keepLiveValue(desired: unknown, live: unknown, tokens: readonly string[]): void {
  if (tokens.some((token) => PROTOTYPE_TOKENS.has(token))) return;
  let d: unknown = desired;
  let l: unknown = live;
  let listName = '';
  for (let i = 0; i < tokens.length - 1; i++) {
    const token = tokens[i] as string;
    if (Array.isArray(d)) {
      const index = listIndex(token, d);
      if (index === undefined) return;
      const entry: unknown = d[index];
      l = liveEntryFor(l, entry, index, listName, true);
      d = entry;
    } else if (isObject(d)) {
      if (!Object.hasOwn(d, token)) return;
      d = d[token];
      l = ownChild(l, token);
      listName = token;
    } else {
      return;
    }
  }
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(d)) {
    // A whole list entry (e.g. one environment variable): take the live entry of the same name.
    const index = listIndex(last, d);
    if (index === undefined) return;
    const liveEntry = liveEntryFor(l, d[index], index, listName, false);
    if (liveEntry !== undefined) d[index] = structuredClone(liveEntry);
    return;
  }
  if (!isObject(d)) return;
  const liveValue = ownChild(l, last);
  if (liveValue === undefined) delete d[last];
  else d[last] = structuredClone(liveValue);
}
