/**
 * Masks secret-looking values in arbitrary data before it is logged or served
 * by the status API. Path-based redaction (pino's `redact`) only covers shapes
 * known in advance; manifests, AWS responses and errors nest secrets at any
 * depth, so every record goes through the rules of the diff masker
 * (src/diff/secret-mask.ts: secret-named environment values and map keys,
 * secret references, URL user info and `name=value` in every string, the
 * argument after a secret flag) plus one more for logs: a field named exactly
 * like a secret (`password`, `authorization`, `secrets`) is dropped whole,
 * whatever it holds. Secrets become "[REDACTED]" here; text already masked by
 * the diff masker (`***sha256:...`) is kept, so a status diff still shows that
 * a value changed. Pure: returns a copy when something changed, the input
 * itself otherwise (never mutates).
 */
import { DEFAULT_SECRET_NAME_PATTERN, isSecretKey, isSecretName, REDACTED, SecretWalker } from '../diff/secret-mask.js';

export { isSecretKey, REDACTED };

export interface ScrubOptions {
  /**
   * Names whose values are secret besides the default ones (the user's
   * --secret-pattern, MaskOptions.secretNamePattern). Logs add it to the
   * default rule rather than replacing it: a log line never shows a value the
   * default would hide.
   */
  readonly secretNamePattern?: RegExp;
}

/** Without `g`/`y`, which would carry lastIndex from one test to the next. */
function stateless(pattern: RegExp): RegExp {
  return /[gy]/.test(pattern.flags) ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
}

/**
 * ECS environment entries ({ name, value }), map keys and flags whose name
 * says the value is a secret are masked, with the name rule the diff uses to
 * mask them in /api and `diff` (the default one, plus `extraPattern` when given).
 */
export function isSecretEnvName(name: string, extraPattern?: RegExp): boolean {
  return isSecretName(name) || (extraPattern !== undefined && stateless(extraPattern).test(name));
}

const MAX_DEPTH = 32;

function scrubWalker(options: ScrubOptions): SecretWalker {
  const extra = options.secretNamePattern === undefined ? undefined : stateless(options.secretNamePattern);
  const isSecret = extra === undefined
    ? (name: string) => DEFAULT_SECRET_NAME_PATTERN.test(name)
    : (name: string) => DEFAULT_SECRET_NAME_PATTERN.test(name) || extra.test(name);
  return new SecretWalker({ isSecretName: isSecret, censor: () => REDACTED, redactKey: isSecretKey, redacted: REDACTED, maxDepth: MAX_DEPTH });
}

/** A copy of `value` with secret-looking entries replaced by "[REDACTED]". */
export function scrubSecrets<T>(value: T, options: ScrubOptions = {}): T {
  return secretScrubber(options)(value);
}

/** scrubSecrets with `options` bound once (the logger scrubs every record with the same ones). */
export function secretScrubber(options: ScrubOptions = {}): <T>(value: T) => T {
  const walker = scrubWalker(options);
  return <T>(value: T): T => walker.mask(value) as T;
}

/** scrubSecrets for one string (a log message, an error text): URL user info and secret `name=value` pairs. */
export function secretTextScrubber(options: ScrubOptions = {}): (text: string) => string {
  const walker = scrubWalker(options);
  return (text: string) => walker.maskText(text);
}
