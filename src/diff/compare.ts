/**
 * Structural comparison of two canonical values, producing differences at
 * logical paths. Two modes: `full` compares every key of both sides (a task
 * definition is registered whole, so a live-only field is drift), `owned`
 * compares only the keys the desired side has (a service has many fields the
 * manifest does not manage). Arrays of objects are compared entry by entry,
 * by name for named lists; arrays of scalars as a whole.
 */
import { deepEqual, isObject, ownValue } from './json.js';
import type { PathSegment } from './json-pointer.js';
import type { ChangeKind, JsonValue } from './types.js';

/**
 * Lists whose entries are identified by a field, wherever they appear. No
 * prototype: it is looked up with user keys (a tag or label named
 * `constructor` must not find Object's constructor).
 */
export const NAMED_LISTS: Readonly<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, {
  containerDefinitions: 'name',
  environment: 'name',
  secrets: 'name',
  secretOptions: 'name',
  volumes: 'name',
  ulimits: 'name',
  systemControls: 'namespace',
  dependsOn: 'containerName',
  resourceRequirements: 'type',
  capacityProviderStrategy: 'capacityProvider',
});

/** Named lists whose entries are reported whole (name + value), so masking knows the name. */
const WHOLE_ENTRY_LISTS = new Set(['environment', 'secrets', 'secretOptions']);

export interface RawDifference {
  readonly path: readonly PathSegment[];
  readonly desired: JsonValue | undefined;
  readonly live: JsonValue | undefined;
  readonly kind: ChangeKind;
}

export type CompareMode = 'full' | 'owned';

export function compareValues(
  desired: JsonValue | undefined,
  live: JsonValue | undefined,
  path: readonly PathSegment[],
  mode: CompareMode,
  out: RawDifference[] = [],
): RawDifference[] {
  if (desired === undefined && live === undefined) return out;
  if (desired === undefined || live === undefined) {
    const present = (desired ?? live) as JsonValue;
    const last = path[path.length - 1];
    if (typeof last === 'string' && NAMED_LISTS[last] !== undefined && Array.isArray(present) && isObjectList(present)) {
      // A named list absent on one side: report its entries one by one (each under its own name).
      compareLists(desired === undefined ? [] : present, live === undefined ? [] : present, path, out);
      return out;
    }
    out.push({ path, desired, live, kind: desired === undefined ? 'removed' : 'added' });
    return out;
  }
  if (isObject(desired) && isObject(live)) {
    const keys = mode === 'owned' ? Object.keys(desired) : [...new Set([...Object.keys(desired), ...Object.keys(live)])];
    for (const key of keys.sort()) {
      compareValues(ownValue(desired, key), ownValue(live, key), [...path, key], mode, out);
    }
    return out;
  }
  if (Array.isArray(desired) && Array.isArray(live) && isObjectList(desired) && isObjectList(live)) {
    compareLists(desired, live, path, out);
    return out;
  }
  if (!deepEqual(desired, live)) out.push({ path, desired, live, kind: 'changed' });
  return out;
}

function isObjectList(list: readonly JsonValue[]): boolean {
  return list.length > 0 && list.every((item) => isObject(item));
}

function compareLists(
  desired: readonly JsonValue[],
  live: readonly JsonValue[],
  path: readonly PathSegment[],
  out: RawDifference[],
): void {
  const listName = typeof path[path.length - 1] === 'string' ? (path[path.length - 1] as string) : '';
  const by = NAMED_LISTS[listName];
  // Entries inside a list belong to the list as a whole: compare them fully.
  const entryMode: CompareMode = 'full';
  if (by === undefined) {
    const length = Math.max(desired.length, live.length);
    for (let i = 0; i < length; i++) compareValues(desired[i], live[i], [...path, i], entryMode, out);
    return;
  }
  const whole = WHOLE_ENTRY_LISTS.has(listName);
  const nameOf = (entry: JsonValue): string => String(ownValue(entry as Record<string, JsonValue>, by));
  const liveByName = new Map(live.map((entry) => [nameOf(entry), entry] as const));
  const desiredNames = new Set<string>();
  for (const entry of desired) {
    const name = nameOf(entry);
    desiredNames.add(name);
    const segment = [...path, { by, name }];
    const other = liveByName.get(name);
    if (whole) {
      if (other === undefined) out.push({ path: segment, desired: entry, live: undefined, kind: 'added' });
      else if (!deepEqual(entry, other)) out.push({ path: segment, desired: entry, live: other, kind: 'changed' });
    } else {
      compareValues(entry, other, segment, entryMode, out);
    }
  }
  let extra = 0;
  for (const entry of live) {
    const name = nameOf(entry);
    if (desiredNames.has(name)) continue;
    out.push({ path: [...path, { by, name, extra: extra++ }], desired: undefined, live: entry, kind: 'removed' });
  }
}
