/**
 * The per-environment override: `spec.environments.<E>` patched over the
 * rest of the spec (docs/environments.md). Pure: no IO.
 *
 * Semantics, precisely:
 * - JSON Merge Patch (RFC 7386): a mapping in the patch merges member by
 *   member into the base's mapping (recursively); a member set to `null`
 *   deletes it; a scalar or an array replaces the base's value whole; a
 *   mapping patched over a non-mapping (or nothing) is applied to `{}`, so
 *   its nulls vanish.
 * - EXCEPT arrays of named items, merged by key. An array member is "named"
 *   when the patch array is not empty and every patch item is a mapping with
 *   its key: a string `name`, or, for a member called `portMappings`, a
 *   number `containerPort` with a string `protocol` or none (the key is the
 *   pair, protocol defaulting to tcp as in ECS, so 53/tcp and 53/udp are two
 *   items). When the base's value is an array whose every item has that key
 *   too, the two merge; over anything else (absent, a scalar, an array with
 *   an unkeyed item) the patch items apply to nothing, as a mapping patch
 *   does over a non-mapping. By `name`: containerDefinitions, environment,
 *   secrets, volumes, autoScaling targetTracking/stepScaling/scheduled, hooks
 *   preDeploy/postDeploy, overrides.containerOverrides, cluster settings...
 *   Items with no `name` (mountPoints, whose key would be sourceVolume;
 *   placementStrategy; loadBalancers...) make an unnamed array, replaced whole.
 *   - Result order: the base's items in base order (a patched item stays in
 *     place, merged recursively with these same rules), then the patch's new
 *     items in patch order.
 *   - `{name: X, $patch: delete}` removes X. Naming an X the base lacks is a
 *     problem (MANIFEST_INVALID_VALUE at that patch item), as is `$patch` with
 *     any other value, `$patch` anywhere but an item of a named array, and
 *     one key twice in one patch array, or twice in a base array that a patch
 *     merges into (at the second item: which one the patch means is unknown;
 *     it merges into the first).
 *   - An empty patch array is not named: it replaces the base's array
 *     (`secrets: []` means no secrets), as in RFC 7386.
 * - A patch that is not a mapping is a problem (MANIFEST_WRONG_TYPE).
 *
 * Provenance: every merge also returns an Origin tree that maps a pointer in
 * the result back to the source text that produced it (render-api.ts,
 * OriginOf). A value taken whole from one side is one leaf node (its
 * descendants map segment by segment); only values both sides wrote get
 * children, and there the patch's members win (a patched named item's
 * `name` is the patch's, which wrote it too). The work is linear in the size
 * of base plus patch.
 */
import type { ManifestErrorCode } from '../errors/index.js';
import { escapeSegment } from '../manifests/json-pointer.js';
import { closestMatch } from '../util/did-you-mean.js';

/**
 * Where a value of the result came from: `at` is a pointer into the source
 * document. Without `children` the value was taken whole from `at` and a
 * pointer below it maps segment by segment; with them, each member or index
 * of the result has its own origin.
 */
export interface Origin {
  readonly at: string;
  readonly children?: ReadonlyMap<string, Origin>;
}

export interface PatchProblem {
  readonly code: ManifestErrorCode;
  /** Pointer into the result: the nearest value that exists there. */
  readonly pointer: string;
  /** Pointer into the source document: the patch text at fault. */
  readonly locateAt: string;
  readonly target?: 'key' | 'value';
  /** Without the `pointer: ` prefix (the caller adds its own). */
  readonly message: string;
}

/** The pointers of the three documents a merge reads and writes, all of the same value. */
export interface MergePointers {
  /** The base value in the source document (e.g. `/spec`); undefined when the base is absent. */
  readonly base: string | undefined;
  /** The patch in the source document (e.g. `/spec/environments/prod`). */
  readonly patch: string;
  /** The value in the result (e.g. `/spec`). */
  readonly result: string;
}

export interface MergeResult {
  /** The merged value; the base's untouched values are shared, not copied. */
  readonly value: unknown;
  readonly origin: Origin;
  readonly problems: readonly PatchProblem[];
}

export function isMapping(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `target[key] = value` as an own data property, even for `__proto__` (which plain assignment turns into a prototype change). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

export function child(pointer: string, segment: string | number): string {
  return `${pointer}/${escapeSegment(String(segment))}`;
}

/** Merges `patch` over `base` with the rules in this module's header. A non-mapping patch is refused (the result is `base`). */
export function mergeNamedPatch(base: unknown, patch: unknown, pointers: MergePointers): MergeResult {
  const problems: PatchProblem[] = [];
  if (!isMapping(patch)) {
    problems.push({
      code: 'MANIFEST_WRONG_TYPE',
      pointer: pointers.result,
      locateAt: pointers.patch,
      message: `the override must be a mapping of spec fields, not ${describeType(patch)}`,
    });
    return { value: base, origin: { at: pointers.base ?? pointers.patch }, problems };
  }
  const merged = mergeValue(base, patch, undefined, pointers.base, pointers.patch, pointers.result, problems);
  return { value: merged.value, origin: merged.origin, problems };
}

interface Merged {
  readonly value: unknown;
  readonly origin: Origin;
}

function mergeValue(
  base: unknown,
  patch: unknown,
  member: string | undefined,
  basePointer: string | undefined,
  patchPointer: string,
  resultPointer: string,
  problems: PatchProblem[],
): Merged {
  if (isMapping(patch)) return mergeMapping(base, patch, basePointer, patchPointer, resultPointer, problems);
  if (Array.isArray(patch)) {
    const keyField: KeyField = member === 'portMappings' ? 'containerPort' : 'name';
    if (isNamedArray(patch, keyField)) {
      // Like a mapping patched over a non-mapping: over anything but an array
      // of named items, the patch applies to nothing (so nulls and $patch in
      // its items act the same whatever they replace, and applying it twice
      // equals applying it once).
      const named = Array.isArray(base) && isNamedArray(base, keyField, true);
      return mergeNamedArray(named ? base : undefined, patch, keyField, named ? basePointer : undefined, patchPointer, resultPointer, problems);
    }
    patch.forEach((item, index) => {
      if (isMapping(item) && Object.hasOwn(item, '$patch')) {
        problems.push({
          code: 'MANIFEST_INVALID_VALUE',
          pointer: resultPointer,
          locateAt: child(child(patchPointer, index), '$patch'),
          target: 'key',
          message: `$patch works only on an item of an array whose every item, in the base and the patch, has a ${keyField === 'name' ? 'string name' : 'numeric containerPort (and a string protocol or none)'}: this array is replaced whole`,
        });
      }
    });
  }
  return { value: patch, origin: { at: patchPointer } };
}

function mergeMapping(
  base: unknown,
  patch: Readonly<Record<string, unknown>>,
  basePointer: string | undefined,
  patchPointer: string,
  resultPointer: string,
  problems: PatchProblem[],
): Merged {
  const target = isMapping(base) ? base : undefined;
  const targetPointer = target === undefined ? undefined : basePointer;
  const out: Record<string, unknown> = {};
  const children = new Map<string, Origin>();
  if (target !== undefined) {
    for (const key of Object.keys(target)) {
      setOwn(out, key, target[key]);
      children.set(key, { at: child(targetPointer as string, key) });
    }
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (key === '$patch') {
      problems.push({
        code: 'MANIFEST_INVALID_VALUE',
        pointer: resultPointer,
        locateAt: child(patchPointer, key),
        target: 'key',
        message: '$patch: delete works only on an item of an array of named items (to remove it); to delete a field, set it to null',
      });
      continue;
    }
    if (value === null) {
      delete out[key];
      children.delete(key);
      continue;
    }
    const inBase = target !== undefined && Object.hasOwn(target, key);
    const merged = mergeValue(
      inBase ? target[key] : undefined,
      value,
      key,
      inBase ? child(targetPointer as string, key) : undefined,
      child(patchPointer, key),
      child(resultPointer, key),
      problems,
    );
    setOwn(out, key, merged.value);
    children.set(key, merged.origin);
  }
  return { value: out, origin: { at: targetPointer ?? patchPointer, children } };
}

/** `name` for every named array but portMappings, whose items are keyed by (containerPort, protocol). */
type KeyField = 'name' | 'containerPort';

/** An item's key: its name, or for a port mapping `containerPort/protocol` (e.g. `53/udp`). */
type ItemKey = string;

/** ECS's protocol when a port mapping has none: a patch item without one means this. */
const DEFAULT_PORT_PROTOCOL = 'tcp';

function keyOf(item: unknown, keyField: KeyField): ItemKey | undefined {
  if (!isMapping(item) || !Object.hasOwn(item, keyField)) return undefined;
  const key = item[keyField];
  if (keyField === 'name') return typeof key === 'string' ? key : undefined;
  if (typeof key !== 'number') return undefined;
  const protocol = Object.hasOwn(item, 'protocol') ? item.protocol : DEFAULT_PORT_PROTOCOL;
  return typeof protocol === 'string' ? `${key}/${protocol}` : undefined;
}

function isNamedArray(items: readonly unknown[], keyField: KeyField, emptyIsNamed = false): boolean {
  if (items.length === 0) return emptyIsNamed;
  return items.every((item) => keyOf(item, keyField) !== undefined);
}

function describeKey(keyField: KeyField, key: ItemKey): string {
  if (keyField === 'name') return `name ${JSON.stringify(key)}`;
  const slash = key.indexOf('/');
  return `containerPort ${key.slice(0, slash)} and protocol ${key.slice(slash + 1)}`;
}

function mergeNamedArray(
  base: readonly unknown[] | undefined,
  patch: readonly unknown[],
  keyField: KeyField,
  basePointer: string | undefined,
  patchPointer: string,
  resultPointer: string,
  problems: PatchProblem[],
): Merged {
  const baseItems = base ?? [];
  const baseIndex = new Map<ItemKey, number>();
  baseItems.forEach((item, index) => {
    const key = keyOf(item, keyField) as ItemKey;
    const first = baseIndex.get(key);
    if (first === undefined) {
      baseIndex.set(key, index);
      return;
    }
    // Two base items with one key: a patch item with that key could mean
    // either, so say so rather than silently patch the first.
    problems.push({
      code: 'MANIFEST_INVALID_VALUE',
      pointer: resultPointer,
      locateAt: child(basePointer as string, index),
      message: `item ${index} has the same ${describeKey(keyField, key)} as item ${first}: a list merged by ${keyField === 'name' ? 'name' : 'containerPort and protocol'} needs each key once (the override merges into item ${first})`,
    });
  });

  // First pass: which base items go, which patch items merge into which base
  // item, which are new. Result indices depend on the deletions, and nested
  // problems need result pointers, so merging waits for the second pass.
  const deleted = new Set<number>();
  const patchFor = new Map<number, number>();
  const appended: number[] = [];
  const seen = new Set<ItemKey>();
  patch.forEach((item, index) => {
    const key = keyOf(item, keyField) as ItemKey;
    const itemPointer = child(patchPointer, index);
    if (seen.has(key)) {
      problems.push({
        code: 'MANIFEST_INVALID_VALUE',
        pointer: resultPointer,
        locateAt: itemPointer,
        message: `the patch names the item with ${describeKey(keyField, key)} twice: patch each item once`,
      });
      return;
    }
    seen.add(key);
    const mapping = item as Readonly<Record<string, unknown>>;
    if (Object.hasOwn(mapping, '$patch')) {
      const directive = mapping.$patch;
      if (directive !== 'delete') {
        problems.push({
          code: 'MANIFEST_INVALID_VALUE',
          pointer: resultPointer,
          locateAt: child(itemPointer, '$patch'),
          message: `$patch must be delete (the only directive), not ${JSON.stringify(directive)}`,
        });
        return;
      }
      const baseAt = baseIndex.get(key);
      if (baseAt === undefined) {
        problems.push({
          code: 'MANIFEST_INVALID_VALUE',
          pointer: resultPointer,
          locateAt: itemPointer,
          message: `$patch: delete names the item with ${describeKey(keyField, key)}, which the base does not have${suggestKeys(baseIndex, key, keyField)}`,
        });
        return;
      }
      deleted.add(baseAt);
      return;
    }
    const baseAt = baseIndex.get(key);
    if (baseAt === undefined) appended.push(index);
    else patchFor.set(baseAt, index);
  });

  const value: unknown[] = [];
  const children = new Map<string, Origin>();
  baseItems.forEach((item, index) => {
    if (deleted.has(index)) return;
    const position = value.length;
    const itemBasePointer = child(basePointer as string, index);
    const patchIndex = patchFor.get(index);
    if (patchIndex === undefined) {
      value.push(item);
      children.set(String(position), { at: itemBasePointer });
      return;
    }
    const merged = mergeValue(item, patch[patchIndex], undefined, itemBasePointer, child(patchPointer, patchIndex), child(resultPointer, position), problems);
    value.push(merged.value);
    children.set(String(position), merged.origin);
  });
  for (const patchIndex of appended) {
    const position = value.length;
    const merged = mergeValue(undefined, patch[patchIndex], undefined, undefined, child(patchPointer, patchIndex), child(resultPointer, position), problems);
    value.push(merged.value);
    children.set(String(position), merged.origin);
  }
  return { value, origin: { at: basePointer ?? patchPointer, children } };
}

/** What the base has instead, for a delete that names nothing: a close name first, at most ten listed. */
function suggestKeys(index: ReadonlyMap<ItemKey, number>, missing: ItemKey, keyField: KeyField): string {
  if (index.size === 0) return ' (it has no items)';
  const keys = [...index.keys()].map(String);
  const guess = keyField === 'name' ? closestMatch(missing, keys) : undefined;
  const listed = keys.length > 10 ? `${keys.slice(0, 10).join(', ')} and ${keys.length - 10} more` : keys.join(', ');
  return ` (${guess === undefined ? '' : `did you mean ${guess}? `}it has ${listed})`;
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `the ${typeof value} ${JSON.stringify(value)}`;
}

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

/** `value`'s own member or index `segment`, or undefined when it has none. */
function childValue(value: unknown, segment: string): { readonly value: unknown } | undefined {
  if (Array.isArray(value)) {
    if (!ARRAY_INDEX.test(segment)) return undefined;
    const index = Number(segment);
    return index < value.length ? { value: value[index] } : undefined;
  }
  if (isMapping(value) && Object.hasOwn(value, segment)) return { value: value[segment] };
  return undefined;
}

/**
 * The source pointer of `segments` (a pointer's decoded segments, relative to
 * where `origin` and `value` sit) in the result: walks the Origin tree beside
 * the result's value, stopping at the last segment the result has (the
 * nearest written ancestor of something neither side wrote).
 */
export function sourcePointerOf(origin: Origin, value: unknown, segments: readonly string[]): string {
  let node = origin;
  let current = value;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const next = childValue(current, segment);
    if (next === undefined) return node.at;
    if (node.children === undefined) {
      // Taken whole: the rest maps segment by segment, as far as it exists.
      let pointer = node.at;
      let below = current;
      for (let j = i; j < segments.length; j++) {
        const step = childValue(below, segments[j] as string);
        if (step === undefined) break;
        pointer = child(pointer, segments[j] as string);
        below = step.value;
      }
      return pointer;
    }
    const childOrigin = node.children.get(segment);
    if (childOrigin === undefined) return node.at;
    node = childOrigin;
    current = next.value;
  }
  return node.at;
}
