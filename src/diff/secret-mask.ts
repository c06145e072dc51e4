/**
 * Secret masking for every rendering of a diff (text, JSON, status API, logs).
 * `secrets[].valueFrom` / `secretOptions[].valueFrom` and the values of
 * environment variables whose names look secret are replaced by a short keyed
 * hash: enough to see that a value changed, never the value itself.
 */
import { createHmac } from 'node:crypto';
import { isObject } from './json.js';
import { pointerTokens } from './json-pointer.js';
import type { Change, MaskOptions } from './types.js';

export const DEFAULT_SECRET_NAME_PATTERN = /(PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH)/i;
export const MASK_PREFIX = '***sha256:';
const DEFAULT_MASK_KEY = 'ecs-gitops';

/** Lists whose entries carry a secret reference in `valueFrom`. */
const SECRET_LISTS = new Set(['secrets', 'secretOptions']);

interface Masker {
  readonly pattern: RegExp;
  readonly key: string;
}

/** `***sha256:1a2b3c4d`: HMAC-SHA256 of the value, 8 hex characters. Already-masked text is left as is. */
export function maskValue(value: string, options: MaskOptions = {}): string {
  if (value.startsWith(MASK_PREFIX)) return value;
  const digest = createHmac('sha256', options.maskKey ?? DEFAULT_MASK_KEY).update(value).digest('hex');
  return `${MASK_PREFIX}${digest.slice(0, 8)}`;
}

export function isSecretName(name: string, pattern: RegExp = DEFAULT_SECRET_NAME_PATTERN): boolean {
  // A global/sticky pattern would carry lastIndex between calls.
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')).test(name);
}

export function maskChanges(changes: readonly Change[], options: MaskOptions = {}): Change[] {
  const masker: Masker = { pattern: options.secretNamePattern ?? DEFAULT_SECRET_NAME_PATTERN, key: options.maskKey ?? DEFAULT_MASK_KEY };
  return changes.map((change) => {
    const tokens = pointerTokens(change.pointer);
    return { ...change, desired: maskAt(change.desired, tokens, masker), live: maskAt(change.live, tokens, masker) };
  });
}

/** Masks a value found at the pointer whose tokens are given (the value's context decides what is secret). */
function maskAt(value: unknown, tokens: readonly string[], masker: Masker): unknown {
  const last = tokens[tokens.length - 1];
  const parent = tokens[tokens.length - 2];
  const grandParent = tokens[tokens.length - 3];
  const isIndex = (token: string | undefined) => token !== undefined && /^\d+$/.test(token);
  if (isIndex(last) && parent !== undefined) return maskEntry(value, parent, masker);
  if (last === 'valueFrom' && isIndex(parent) && grandParent !== undefined && SECRET_LISTS.has(grandParent)) {
    return maskString(value, masker);
  }
  // A bare `value` of an environment entry: its name is not known here, so mask to be safe.
  if (last === 'value' && isIndex(parent) && grandParent === 'environment') return maskString(value, masker);
  return maskDeep(value, last, masker);
}

function maskDeep(value: unknown, key: string | undefined, masker: Masker): unknown {
  if (Array.isArray(value)) {
    return key !== undefined && (SECRET_LISTS.has(key) || key === 'environment')
      ? value.map((entry) => maskEntry(entry, key, masker))
      : value.map((entry) => maskDeep(entry, undefined, masker));
  }
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, k, masker)]));
  }
  return value;
}

/** One entry of a list named `list` (e.g. an environment variable). */
function maskEntry(entry: unknown, list: string, masker: Masker): unknown {
  if (!isObject(entry)) return maskDeep(entry, undefined, masker);
  if (SECRET_LISTS.has(list) && 'valueFrom' in entry) return { ...entry, valueFrom: maskString(entry.valueFrom, masker) };
  if (list === 'environment' && typeof entry.name === 'string' && isSecretName(entry.name, masker.pattern) && 'value' in entry) {
    return { ...entry, value: maskString(entry.value, masker) };
  }
  return maskDeep(entry, undefined, masker);
}

function maskString(value: unknown, masker: Masker): unknown {
  return typeof value === 'string' ? maskValue(value, { maskKey: masker.key }) : value;
}
