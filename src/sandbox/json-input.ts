/**
 * Typed reads of request fields. A field of the wrong JSON type gets AWS's
 * SerializationException, as the real service answers a malformed body.
 */
import { SandboxApiError } from './api-error.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const wrongType = (field: string, expected: string): SandboxApiError =>
  new SandboxApiError('SerializationException', `Unexpected value for ${field}: expected ${expected}`);

export function optString(input: JsonObject, field: string): string | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrongType(field, 'a string');
  return v;
}

export function optNumber(input: JsonObject, field: string): number | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw wrongType(field, 'a number');
  return v;
}

export function optBoolean(input: JsonObject, field: string): boolean | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw wrongType(field, 'a boolean');
  return v;
}

export function optArray(input: JsonObject, field: string): Json[] | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw wrongType(field, 'a list');
  return v;
}

export function optStringArray(input: JsonObject, field: string): string[] | undefined {
  const v = optArray(input, field);
  if (v === undefined) return undefined;
  if (!v.every((x): x is string => typeof x === 'string')) throw wrongType(field, 'a list of strings');
  return v;
}

export function optObject(input: JsonObject, field: string): JsonObject | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw wrongType(field, 'an object');
  return v;
}

export function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy of plain JSON (stored state is never shared with a caller's objects). */
export function cloneJson<T extends Json>(v: T): T {
  return structuredClone(v);
}

/** AWS JSON protocol timestamps are epoch seconds. */
export const epochSeconds = (ms: number): number => Math.round(ms) / 1000;
