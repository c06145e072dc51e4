/**
 * Masks secret-looking values in arbitrary data before it is logged. Path-based
 * redaction (pino's `redact`) only covers shapes known in advance; manifests,
 * AWS responses and errors nest secrets at any depth, so the logger also runs
 * every record through this key-based scrub. Pure: returns a copy when
 * something changed, the input itself otherwise (never mutates).
 */
import { isSecretName } from '../diff/secret-mask.js';

export const REDACTED = '[REDACTED]';

/** Keys whose value is always secret, whatever it holds. */
const SECRET_KEY =
  /^(secrets?|password|passwd|pass|token|accesstoken|refreshtoken|sessiontoken|idtoken|authorization|proxyauthorization|cookie|setcookie|credentials?|secretaccesskey|accesskeyid|privatekey|apikey|clientsecret|webhooksecret|signature|xhubsignature256|xhubsignature|xgitlabtoken)$/;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(normalizeKey(key));
}

/**
 * ECS environment entries ({ name, value }) whose name says the value is a
 * secret are masked too (people do put passwords in plain `environment`),
 * with the same name rule the diff uses to mask them in /api and `diff`.
 */
export function isSecretEnvName(name: string): boolean {
  return isSecretName(name);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const MAX_DEPTH = 32;

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = scrub(item, depth + 1, seen);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (!isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  const envName = typeof value.name === 'string' && 'value' in value ? value.name : undefined;
  for (const [key, item] of Object.entries(value)) {
    let next: unknown;
    if (isSecretKey(key) && item !== undefined && item !== null && item !== '') next = REDACTED;
    else if (key === 'value' && envName !== undefined && isSecretEnvName(envName)) next = REDACTED;
    else next = scrub(item, depth + 1, seen);
    if (next !== item) {
      out ??= { ...value };
      out[key] = next;
    }
  }
  return out ?? value;
}

/** A copy of `value` with secret-looking entries replaced by "[REDACTED]". */
export function scrubSecrets<T>(value: T): T {
  return scrub(value, 0, new WeakSet()) as T;
}
