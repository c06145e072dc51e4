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
import { pointerTokens } from '../diff/json-pointer.js';
import { taskDefinitionSpecHash } from '../diff/spec-hash.js';
import { TAG_MANAGED_BY, TAG_REVISION, TAG_SOURCE, TAG_SPEC_HASH, tagsToList, userTags } from '../diff/tags.js';
import type { ServiceManifest } from '../manifests/types.js';

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

export function buildTaskDefinitionRegistration(
  manifest: ServiceManifest,
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

/** Copies the live value at `tokens` into `desired` (matching named list entries by name); absent live = delete. */
function keepLiveValue(desired: unknown, live: unknown, tokens: readonly string[]): void {
  let d: unknown = desired;
  let l: unknown = live;
  let listName = '';
  for (let i = 0; i < tokens.length - 1; i++) {
    const token = tokens[i] as string;
    if (Array.isArray(d)) {
      const index = Number(token);
      const entry: unknown = d[index];
      const by = NAMED_LISTS[listName];
      l = Array.isArray(l)
        ? by !== undefined && isObject(entry)
          ? l.find((x: unknown) => isObject(x) && x[by] === entry[by])
          : l[index]
        : undefined;
      d = entry;
    } else if (isObject(d)) {
      d = d[token];
      l = isObject(l) ? l[token] : undefined;
      listName = token;
    } else {
      return;
    }
  }
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(d)) {
    // A whole list entry (e.g. one environment variable): take the live entry of the same name.
    const index = Number(last);
    const entry: unknown = d[index];
    const by = NAMED_LISTS[listName];
    const liveEntry: unknown =
      Array.isArray(l) && by !== undefined && isObject(entry) ? l.find((x: unknown) => isObject(x) && x[by] === entry[by]) : undefined;
    if (liveEntry !== undefined) d[index] = structuredClone(liveEntry);
    return;
  }
  if (!isObject(d)) return;
  const liveValue = isObject(l) ? l[last] : undefined;
  if (liveValue === undefined) delete d[last];
  else d[last] = structuredClone(liveValue);
}
