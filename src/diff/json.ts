/**
 * Small JSON helpers the canonical forms are built on: turning SDK shapes
 * (which may hold undefined and Dates) into plain JSON, dropping empty values
 * the way ECS does, deep equality, and a key-order-independent serialization
 * for hashing.
 */
import type { JsonObject, JsonValue } from './types.js';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/**
 * `target[key] = value` as an own data property for every key. Plain
 * assignment of `__proto__` (a valid tag key or label name) changes the
 * target's prototype instead, so the key vanishes and reading it back finds
 * another object's fields.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** `value[key]` when `value` holds `key` itself; inherited members (`constructor`, `toString`, ...) are not fields. */
export function ownValue<T>(value: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

/**
 * Plain JSON copy: undefined, null, functions and Dates disappear; inside
 * objects, empty arrays and empty objects disappear too, because ECS returns
 * `[]`/`{}` for what was never set (and omits what was set empty). Array
 * elements are never removed, so positions stay those of the input.
 */
export function toCanonicalJson(value: unknown): JsonValue | undefined {
  if (value === null || value === undefined || value instanceof Date) return undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) {
    return value.map((item) => toCanonicalJson(item) ?? {});
  }
  if (isObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort()) {
      const item = toCanonicalJson(value[key]);
      if (item === undefined) continue;
      if (Array.isArray(item) && item.length === 0) continue;
      if (isObject(item) && Object.keys(item).length === 0) continue;
      setOwn(out, key, item);
    }
    return out;
  }
  return undefined;
}

export function toCanonicalObject(value: unknown): Record<string, JsonValue> {
  const json = toCanonicalJson(value);
  return isObject(json) ? { ...(json as JsonObject) } : {};
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/** JSON with object keys sorted at every level: equal values serialize equally. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item ?? null)).join(',')}]`;
  if (isObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableStringify(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
