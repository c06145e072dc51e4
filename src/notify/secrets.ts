/**
 * Reads the secrets a notifier sink names (docs/notifications.md#secrets):
 * Slack's URL, a webhook's URL and HMAC key, a GitHub or GitLab token. The
 * manifest never holds them, only where they are: a file (`urlFile`,
 * `secretFile`, `tokenFile`, relative paths from the controller's working
 * directory) or an environment variable (`urlEnv`, `secretEnv`, `tokenEnv`).
 * An error names the notifier, the sink, the field and the file or variable,
 * never the value (not even part of it).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GitopsError } from '../errors/index.js';
import type { NotifierSinkSpec } from '../manifests/types.js';
import type { SinkId, SinkSecrets } from './types.js';

export interface ReadSecretsOptions {
  /** Where `…Env` are looked up. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What relative `…File` paths are resolved against. */
  readonly cwd: string;
  /** `notifier/sink`, for the error messages. */
  readonly sinkId: SinkId;
}

type SecretName = keyof SinkSecrets;

/** The fields each secret is given by: inline (test receivers only), file, environment variable. */
const SOURCES: Readonly<Record<SecretName, { readonly inline?: string; readonly file: string; readonly env: string }>> = {
  url: { inline: 'url', file: 'urlFile', env: 'urlEnv' },
  hmacKey: { file: 'secretFile', env: 'secretEnv' },
  token: { file: 'tokenFile', env: 'tokenEnv' },
};

/** Which secrets each sink type must have (an HMAC key is optional: an unsigned webhook). */
const REQUIRED: Readonly<Record<NotifierSinkSpec['type'], readonly SecretName[]>> = {
  slack: ['url'],
  webhook: ['url'],
  sns: [],
  github: ['token'],
  gitlab: ['token'],
};

/** A file's content or a variable's value as written by `echo value > file`: one trailing newline is not part of it. */
function withoutTrailingNewline(value: string): string {
  return value.replace(/\r?\n$/, '');
}

function readOne(spec: Readonly<Record<string, unknown>>, name: SecretName, options: ReadSecretsOptions): string | undefined {
  const fields = SOURCES[name];
  const given = [fields.inline, fields.file, fields.env].filter((field): field is string => field !== undefined && spec[field] !== undefined);
  if (given.length === 0) return undefined;
  const where = `notifier sink ${options.sinkId}`;
  if (given.length > 1) {
    throw new GitopsError('NOTIFY_SINK_INVALID', `${where}: give only one of ${given.join(', ')}`, { sink: options.sinkId, fields: given });
  }
  const field = given[0] as string;
  const reference = spec[field];
  if (typeof reference !== 'string' || reference === '') {
    throw new GitopsError('NOTIFY_SINK_INVALID', `${where}: ${field} must be a non-empty string`, { sink: options.sinkId, field });
  }
  let value: string;
  if (field === fields.inline) {
    value = reference;
  } else if (field === fields.file) {
    const file = path.resolve(options.cwd, reference);
    try {
      value = withoutTrailingNewline(readFileSync(file, 'utf8'));
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new GitopsError('NOTIFY_SECRET_MISSING', `${where}: ${field} ${file} cannot be read (${reason})`, { sink: options.sinkId, field, file });
    }
    if (value.trim() === '') {
      throw new GitopsError('NOTIFY_SECRET_EMPTY', `${where}: ${field} ${file} is empty`, { sink: options.sinkId, field, file });
    }
  } else {
    const raw = options.env[reference];
    if (raw === undefined) {
      throw new GitopsError('NOTIFY_SECRET_MISSING', `${where}: ${field}: environment variable ${reference} is not set`, { sink: options.sinkId, field, variable: reference });
    }
    value = withoutTrailingNewline(raw);
    if (value.trim() === '') {
      throw new GitopsError('NOTIFY_SECRET_EMPTY', `${where}: ${field}: environment variable ${reference} is empty`, { sink: options.sinkId, field, variable: reference });
    }
  }
  if (name === 'url') checkUrl(value, field, reference, options);
  return value;
}

/** Only http(s); the message names where the URL came from, never the URL (Slack's is a secret). */
function checkUrl(value: string, field: string, reference: string, options: ReadSecretsOptions): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol === 'https:' || protocol === 'http:') return;
  const origin = field === 'url' ? 'url' : `${field} ${field.endsWith('File') ? path.resolve(options.cwd, reference) : reference}`;
  throw new GitopsError(
    'NOTIFY_SINK_INVALID',
    `notifier sink ${options.sinkId}: ${origin} does not hold an http:// or https:// URL`,
    { sink: options.sinkId, field },
  );
}

/**
 * The secrets `spec` names, read now. Throws a GitopsError (NOTIFY_SECRET_MISSING,
 * NOTIFY_SECRET_EMPTY, NOTIFY_SINK_INVALID) naming the sink, the field and the
 * file or variable; the dispatcher shows it as the sink's lastError.
 */
export function readSinkSecrets(spec: NotifierSinkSpec, options: ReadSecretsOptions): SinkSecrets {
  const fields = spec as unknown as Readonly<Record<string, unknown>>;
  const secrets: { url?: string; hmacKey?: string; token?: string } = {};
  for (const name of ['url', 'hmacKey', 'token'] as const) {
    const value = readOne(fields, name, options);
    if (value !== undefined) secrets[name] = value;
  }
  for (const name of REQUIRED[spec.type] ?? []) {
    if (secrets[name] === undefined) {
      const { inline, file, env } = SOURCES[name];
      const choices = [inline, file, env].filter((field) => field !== undefined).join(', ');
      throw new GitopsError('NOTIFY_SINK_INVALID', `notifier sink ${options.sinkId}: a ${spec.type} sink needs one of ${choices}`, { sink: options.sinkId });
    }
  }
  return secrets;
}

/** Every secret value of `secrets`, for scrubbing reasons and answers (the URL's path and query too: Slack's token sits there). */
export function secretValues(secrets: SinkSecrets): string[] {
  const values: string[] = [];
  if (secrets.hmacKey) values.push(secrets.hmacKey);
  if (secrets.token) values.push(secrets.token);
  if (secrets.url) {
    values.push(secrets.url);
    try {
      const url = new URL(secrets.url);
      for (const part of [url.pathname, url.search, url.username, url.password]) if (part.length > 1) values.push(part);
      for (const segment of url.pathname.split('/')) if (segment.length >= 8) values.push(segment);
    } catch {
      // checkUrl already refused it.
    }
  }
  return values;
}
