/**
 * Smithy RPC v2 CBOR bodies for the operations the sandbox serves that way
 * (CloudWatch, which the aws CLI v1 speaks rpc-v2-cbor to), with
 * @smithy/core's CBOR codec. Requests become the same JSON objects the
 * AWS JSON handlers take; responses encode timestamps as CBOR tag 1 (epoch
 * seconds), as the protocol requires.
 */
import { cbor, tag } from '@smithy/core/cbor';
import { SandboxApiError } from './api-error.js';
import { isObject, type Json, type JsonObject } from './json-input.js';

/** Output members that are timestamps (epoch seconds in the JSON handlers' answers). */
const TIMESTAMP_MEMBERS = new Set(['AlarmConfigurationUpdatedTimestamp', 'StateUpdatedTimestamp', 'StateTransitionedTimestamp']);

function toJson(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // A tagged item ({tag, value}): tag 1 is an epoch-seconds timestamp; keep the value.
    if ('tag' in record && 'value' in record && Object.keys(record).length === 2) return toJson(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, toJson(v)]));
  }
  return null;
}

export function decodeCborRequest(body: Uint8Array): JsonObject {
  if (body.length === 0) return {};
  let decoded: unknown;
  try {
    decoded = cbor.deserialize(body);
  } catch {
    throw new SandboxApiError('SerializationException', 'The request body is not valid CBOR.');
  }
  const input = toJson(decoded);
  if (!isObject(input)) throw new SandboxApiError('SerializationException', 'The request body must be a CBOR map.');
  return input;
}

function toCbor(value: Json, key?: string): unknown {
  if (key !== undefined && TIMESTAMP_MEMBERS.has(key) && typeof value === 'number') return tag({ tag: 1, value });
  if (Array.isArray(value)) return value.map((v) => toCbor(v));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCbor(v, k)]));
  return value;
}

export function encodeCborResponse(output: JsonObject): Uint8Array {
  return cbor.serialize(toCbor(output));
}
