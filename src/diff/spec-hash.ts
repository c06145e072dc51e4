/**
 * The content hash of a task definition, stored in the `ecs-gitops/spec-hash`
 * tag of each revision the controller registers. Computed from the canonical
 * form with named lists sorted, so key order, entry order of environment and
 * secrets, units and ECS defaults do not change it; tags are not part of it.
 */
import { createHash } from 'node:crypto';
import type { RegisterTaskDefinitionRequest, TaskDefinition } from '@aws-sdk/client-ecs';
import type { TaskDefinitionSpec } from '../manifests/types.js';
import { NAMED_LISTS } from './compare.js';
import { isObject, stableStringify } from './json.js';
import { normalizeTaskDefinition } from './task-definition-normalize.js';
import type { JsonValue } from './types.js';

/** Hex sha256 (64 characters) of the canonical task definition. */
export function taskDefinitionSpecHash(td: RegisterTaskDefinitionRequest | TaskDefinition | TaskDefinitionSpec): string {
  const canonical = sortNamedLists(normalizeTaskDefinition(td), undefined);
  return createHash('sha256').update(stableStringify(canonical)).digest('hex');
}

function sortNamedLists(value: JsonValue, key: string | undefined): JsonValue {
  if (Array.isArray(value)) {
    const items = value.map((item) => sortNamedLists(item, undefined));
    const by = key === undefined ? undefined : NAMED_LISTS[key];
    if (by === undefined) return items;
    return [...items].sort((a, b) => {
      const x = isObject(a) ? String(a[by]) : '';
      const y = isObject(b) ? String(b[by]) : '';
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sortNamedLists(v as JsonValue, k)]));
  }
  return value;
}
