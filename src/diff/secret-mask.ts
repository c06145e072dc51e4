/**
 * Secret masking for every output of the controller: diff text and JSON, the
 * status API, `sync` output, logs, and whatever reports it grows later
 * (notifications). One set of rules, applied by one walker (maskSecrets, and
 * secretScrubber in src/observe/secret-scrub.ts for logs), so no output path
 * can show what another hides:
 *
 * - `secrets[].valueFrom`, `secretOptions[].valueFrom` and
 *   `credentialsParameter` (references to a stored secret);
 * - the value of a `{ name, value }` entry (environment) whose name looks
 *   secret, and of a tag (`{ key, value }` or a tag map) whose key does;
 * - in every string map (dockerLabels, logConfiguration / firelensConfiguration
 *   `options`, volume `driverOpts` and `labels`, tags), the value of each key
 *   that looks secret (`splunk-token`, `x-auth-token`, `DD_API_KEY`);
 * - string values of fields named exactly like a secret (`password`, `token`);
 * - inside every string: the password of URL user info
 *   (`postgres://user:pw@host` -> `postgres://user:***sha256:...@host`, and a
 *   bare `https://TOKEN@host` as a whole) and `name=value` pairs whose name
 *   looks secret (`--db-password=pw`, `API_KEY=pw`, `?token=pw`);
 * - in argument lists (`command`, `entryPoint`, healthCheck `command`), the
 *   argument after a flag that looks secret (`--auth-token`, `pw`).
 *
 * "Looks secret" is the name pattern matched anywhere in the name
 * (DEFAULT_SECRET_NAME_PATTERN, or the user's --secret-pattern). Not caught:
 * a secret in free text without a `name=` or URL shape (`sh -c "login pw"`,
 * `--password pw` inside one shell string), or under a name the pattern does
 * not match. A masked value becomes a keyed hash: enough to see that a value
 * changed, never the value itself.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { pointerTokens } from './json-pointer.js';
import type { Change, MaskOptions } from './types.js';

export const DEFAULT_SECRET_NAME_PATTERN = /(PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH)/i;
export const MASK_PREFIX = '***sha256:';
/** What the log scrubber writes instead of a secret (it does not hash). */
export const REDACTED = '[REDACTED]';
/** Hex characters of the HMAC kept in a fingerprint: 128 bits, so a fingerprint names one value, not a bucket of guesses. */
export const MASK_FINGERPRINT_HEX_LENGTH = 32;

/**
 * The HMAC key when none is configured: random for each process. A constant
 * default would let anyone who reads a diff test guesses of a weak password
 * offline; a random key makes hashes comparable only within one process
 * (configure --mask-key-file / ECS_GITOPS_MASK_KEY to compare across runs).
 */
const PROCESS_MASK_KEY = randomBytes(32);

/** Lists whose entries carry a secret reference in `valueFrom`. */
const SECRET_LISTS: ReadonlySet<string> = new Set(['secrets', 'secretOptions']);
/** Free-form string maps of the ECS model: keys are user names, so the name rule applies to each. */
const STRING_MAPS: ReadonlySet<string> = new Set(['dockerLabels', 'options', 'driverOpts', 'labels', 'tags']);
/** Argument vectors: a secret-looking flag's next argument is its value. */
const ARGUMENT_LISTS: ReadonlySet<string> = new Set(['command', 'entryPoint']);
/** Fields holding a reference to a stored secret, masked like valueFrom. */
const SECRET_REFERENCE_KEYS: ReadonlySet<string> = new Set(['credentialsParameter']);

/** Keys whose value is always secret, whatever it holds (matched on the lower-case name without separators). */
const SECRET_KEY =
  /^(secrets?|password|passwd|pass|token|accesstoken|refreshtoken|sessiontoken|idtoken|authorization|proxyauthorization|cookie|setcookie|credentials?|secretaccesskey|accesskeyid|privatekey|apikey|clientsecret|webhooksecret|signature|xhubsignature256|xhubsignature|xgitlabtoken)$/;

/** A key named exactly like a secret (`password`, `x-hub-signature-256`, `apiKey`); not `nextToken` or `key`. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/*
 * Both text patterns are linear in the input: each starts at a literal or at
 * the start of a run (the lookbehind), and no two quantifiers overlap, so a
 * long hostile string is scanned a bounded number of times (see
 * test/diff/secret-mask-text.test.ts).
 */
/** `://userinfo@`: up to the last `@` before the path, so a password with a raw `@` is covered whole. */
const URL_USERINFO = /:\/\/([^\s/?#]*)@/g;
/** `name=value` with `name` a whole run of name characters; the value runs to a space, quote or separator. */
const NAME_VALUE = /(?<![\w.-])([\w.-]+)=(["']?)([^\s"'&;,]*)/g;
/** `--flag` or `-flag` standing alone in an argument list. */
const FLAG = /^--?([\w.-]+)$/;

export function isSecretName(name: string, pattern: RegExp = DEFAULT_SECRET_NAME_PATTERN): boolean {
  return stateless(pattern).test(name);
}

/** Without `g`/`y`, which would carry lastIndex from one test to the next. */
function stateless(pattern: RegExp): RegExp {
  return /[gy]/.test(pattern.flags) ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
}

/**
 * `***sha256:` + 32 hex characters of HMAC-SHA256(key, value). Already-masked
 * text is left as is. Without `maskKey` the key is this process's random one.
 */
export function maskValue(value: string, options: MaskOptions = {}): string {
  if (value.startsWith(MASK_PREFIX)) return value;
  const digest = createHmac('sha256', options.maskKey ?? PROCESS_MASK_KEY).update(value).digest('hex');
  return `${MASK_PREFIX}${digest.slice(0, MASK_FINGERPRINT_HEX_LENGTH)}`;
}

/** How a SecretWalker decides and replaces. */
export interface SecretRules {
  /** Whether a user-chosen name (environment variable, map key, flag) looks secret. */
  readonly isSecretName: (name: string) => boolean;
  /** What a secret string becomes. Must return text `isCensored` recognises, so masking twice changes nothing. */
  readonly censor: (value: string) => string;
  /** Keys whose whole value (whatever its type) becomes `redacted` (the log scrub's rule). */
  readonly redactKey?: (key: string) => boolean;
  readonly redacted?: unknown;
  /** Deeper values are left as they are (logs of cyclic or pathological shapes). @default 64 */
  readonly maxDepth?: number;
}

function isCensored(value: string): boolean {
  return value.startsWith(MASK_PREFIX) || value === REDACTED;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Applies SecretRules to arbitrary JSON-like data. Pure and copy-on-write:
 * returns the input itself when nothing is secret, never mutates it.
 */
export class SecretWalker {
  readonly #rules: SecretRules;
  readonly #maxDepth: number;

  constructor(rules: SecretRules) {
    this.#rules = rules;
    this.#maxDepth = rules.maxDepth ?? 64;
  }

  /** `value` found under `key` of an object that is itself under `parentKey` (an array entry has key undefined, parentKey the list's name). */
  mask(value: unknown, key?: string, parentKey?: string): unknown {
    return this.#visit(value, key, parentKey, 0, new WeakSet());
  }

  /** URL user info and secret-named `name=value` pairs inside one string. */
  maskText(text: string): string {
    let out = text;
    if (out.includes('://')) out = out.replace(URL_USERINFO, (match, userinfo: string) => this.#maskUserinfo(match, userinfo));
    if (out.includes('=')) {
      out = out.replace(NAME_VALUE, (match, name: string, quote: string, value: string) =>
        value === '' || isCensored(value) || !this.#rules.isSecretName(name) ? match : `${name}=${quote}${this.#rules.censor(value)}`);
    }
    return out;
  }

  /** A secret's whole value: strings are censored, other non-empty values censored as their JSON text. */
  censorValue(value: unknown): unknown {
    if (value === undefined || value === null || value === '') return value;
    if (typeof value === 'string') return isCensored(value) ? value : this.#rules.censor(value);
    return this.#rules.censor(JSON.stringify(value) ?? String(value));
  }

  #maskUserinfo(match: string, userinfo: string): string {
    if (userinfo === '' || isCensored(userinfo)) return match;
    const colon = userinfo.indexOf(':');
    // `https://TOKEN@host`: the whole user info is the credential.
    if (colon === -1) return `://${this.#rules.censor(userinfo)}@`;
    const password = userinfo.slice(colon + 1);
    if (password === '' || isCensored(password)) return match;
    return `://${userinfo.slice(0, colon)}:${this.#rules.censor(password)}@`;
  }

  #visit(value: unknown, key: string | undefined, parentKey: string | undefined, depth: number, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') {
      if (key !== undefined && (SECRET_REFERENCE_KEYS.has(key) || isSecretKey(key) || (parentKey !== undefined && STRING_MAPS.has(parentKey) && this.#rules.isSecretName(key)))) {
        return this.censorValue(value);
      }
      return this.maskText(value);
    }
    if (value === null || typeof value !== 'object' || depth > this.#maxDepth || seen.has(value)) return value;
    if (!Array.isArray(value) && !isPlainObject(value)) return value;
    // `seen` holds the ancestors only: a cycle stops, a value shared by two branches is masked in each.
    seen.add(value);
    try {
      return Array.isArray(value) ? this.#visitList(value, key, depth, seen) : this.#visitObject(value as Record<string, unknown>, key, parentKey, depth, seen);
    } finally {
      seen.delete(value);
    }
  }

  #visitList(list: readonly unknown[], key: string | undefined, depth: number, seen: WeakSet<object>): unknown {
    let out: unknown[] | undefined;
    const isArgumentList = key !== undefined && ARGUMENT_LISTS.has(key);
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      let next = this.#visit(item, undefined, key, depth + 1, seen);
      if (isArgumentList && i > 0 && typeof item === 'string' && !item.startsWith('-') && this.#isSecretFlag(list[i - 1])) next = this.censorValue(item);
      if (next !== item) {
        out ??= [...list];
        out[i] = next;
      }
    }
    return out ?? list;
  }

  #isSecretFlag(argument: unknown): boolean {
    if (typeof argument !== 'string') return false;
    const flag = FLAG.exec(argument);
    return flag !== null && this.#rules.isSecretName(flag[1] as string);
  }

  #visitObject(object: Record<string, unknown>, key: string | undefined, parentKey: string | undefined, depth: number, seen: WeakSet<object>): unknown {
    // An entry of a list (key undefined): which of its fields is the secret depends on the list.
    const list = key === undefined ? parentKey : undefined;
    const entryName = list === 'tags' ? object.key : object.name;
    const secretEntryValue = typeof entryName === 'string' && 'value' in object && this.#rules.isSecretName(entryName);
    const secretReference = list !== undefined && SECRET_LISTS.has(list);
    const redactKey = this.#rules.redactKey;
    let out: Record<string, unknown> | undefined;
    for (const [field, item] of Object.entries(object)) {
      let next: unknown;
      if (redactKey?.(field) && item !== undefined && item !== null && item !== '') next = this.#rules.redacted ?? REDACTED;
      else if ((field === 'value' && secretEntryValue) || (field === 'valueFrom' && secretReference)) next = this.censorValue(item);
      else next = this.#visit(item, field, key, depth + 1, seen);
      if (next !== item) {
        out ??= { ...object };
        out[field] = next;
      }
    }
    return out ?? object;
  }
}

/** The rules of diffs and status: the name pattern (or the default), values replaced by their keyed hash. */
export function secretMasker(options: MaskOptions = {}): SecretWalker {
  const pattern = stateless(options.secretNamePattern ?? DEFAULT_SECRET_NAME_PATTERN);
  const hashOptions: MaskOptions = options.maskKey === undefined ? {} : { maskKey: options.maskKey };
  return new SecretWalker({ isSecretName: (name) => pattern.test(name), censor: (value) => maskValue(value, hashOptions) });
}

/**
 * THE masking function for anything shown to a person or another system
 * (status records, reports, notification payloads, error text): a copy of
 * `value` with every secret the rules above find replaced by its keyed hash.
 * Strings are masked too (URL user info, `name=value`). Returns `value`
 * itself when nothing is secret.
 */
export function maskSecrets<T>(value: T, options: MaskOptions = {}): T {
  return secretMasker(options).mask(value) as T;
}

/** maskSecrets for one string (an error message, a URL). */
export function maskSecretText(text: string, options: MaskOptions = {}): string {
  return secretMasker(options).maskText(text);
}

export function maskChanges(changes: readonly Change[], options: MaskOptions = {}): Change[] {
  const masker = secretMasker(options);
  return changes.map((change) => {
    const tokens = pointerTokens(change.pointer);
    return { ...change, desired: maskAt(change.desired, tokens, masker), live: maskAt(change.live, tokens, masker) };
  });
}

const isIndex = (token: string | undefined): boolean => token !== undefined && /^\d+$/.test(token);

/** Masks a value found at the pointer whose tokens are given (the value's place decides what is secret). */
function maskAt(value: unknown, tokens: readonly string[], masker: SecretWalker): unknown {
  const last = tokens[tokens.length - 1];
  const parent = tokens[tokens.length - 2];
  const grandParent = tokens[tokens.length - 3];
  if (last === 'valueFrom' && isIndex(parent) && grandParent !== undefined && SECRET_LISTS.has(grandParent)) return masker.censorValue(value);
  // A bare `value` of an environment entry: its name is not known here, so mask to be safe.
  if (last === 'value' && isIndex(parent) && grandParent === 'environment') return masker.censorValue(value);
  // An entry of a list: its context is the list.
  if (isIndex(last)) return masker.mask(value, undefined, parent);
  return masker.mask(value, last, isIndex(parent) ? undefined : parent);
}
