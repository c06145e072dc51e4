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

export interface ScrubOptions {
  /**
   * Environment variable names whose values are secret besides the default
   * ones (the user's --secret-pattern, MaskOptions.secretNamePattern). Logs
   * add it to the default rule rather than replacing it: a log line never
   * shows a value the default would hide.
   */
  readonly secretNamePattern?: RegExp;
}

/** Without `g`/`y`, which would carry lastIndex from one test to the next. */
function stateless(pattern: RegExp): RegExp {
  return /[gy]/.test(pattern.flags) ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
}

/**
 * ECS environment entries ({ name, value }) whose name says the value is a
 * secret are masked too (people do put passwords in plain `environment`),
 * with the name rule the diff uses to mask them in /api and `diff` (the
 * default one, plus `extraPattern` when given).
 */
export function isSecretEnvName(name: string, extraPattern?: RegExp): boolean {
  return isSecretName(name) || (extraPattern !== undefined && stateless(extraPattern).test(name));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const MAX_DEPTH = 32;

function scrub(value: unknown, depth: number, seen: WeakSet<object>, isSecretEnv: (name: string) => boolean): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = scrub(item, depth + 1, seen, isSecretEnv);
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
    else if (key === 'value' && envName !== undefined && isSecretEnv(envName)) next = REDACTED;
    else next = scrub(item, depth + 1, seen, isSecretEnv);
    if (next !== item) {
      out ??= { ...value };
      out[key] = next;
    }
  }
  return out ?? value;
}

const defaultEnvRule = (name: string): boolean => isSecretName(name);

/** A copy of `value` with secret-looking entries replaced by "[REDACTED]". */
export function scrubSecrets<T>(value: T, options: ScrubOptions = {}): T {
  return secretScrubber(options)(value);
}

/** scrubSecrets with `options` bound once (the logger scrubs every record with the same ones). */
export function secretScrubber(options: ScrubOptions = {}): <T>(value: T) => T {
  const extra = options.secretNamePattern === undefined ? undefined : stateless(options.secretNamePattern);
  const isSecretEnv = extra === undefined ? defaultEnvRule : (name: string) => isSecretName(name) || extra.test(name);
  return <T>(value: T): T => scrub(value, 0, new WeakSet(), isSecretEnv) as T;
}
