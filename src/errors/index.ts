/**
 * The one list of user-facing error codes. Each domain declares its codes in
 * its own catalog; this module joins them so a test can keep codes unique and
 * documented in the README, and derives the `ErrorCode` union from them: a
 * code is catalogued or it does not type-check.
 */
import { AWS_ERROR_CODES } from './aws-codes.js';
import { CLI_ERROR_CODES } from './cli-codes.js';
import { CONTROLLER_ERROR_CODES } from './controller-codes.js';
import { DIFF_ERROR_CODES } from './diff-codes.js';
import { EXPORT_ERROR_CODES } from './export-codes.js';
import { HA_ERROR_CODES } from './ha-codes.js';
import { MANIFEST_ERROR_CODES } from './manifest-codes.js';
import { NOTIFY_ERROR_CODES } from './notify-codes.js';
import { OBSERVE_ERROR_CODES } from './observe-codes.js';
import { SOURCE_ERROR_CODES } from './source-codes.js';

export { GitopsError, isGitopsError, defineErrorCodes } from './define.js';
export type { ErrorCodeSpec, ErrorCatalog } from './define.js';
export { AWS_ERROR_CODES, CLI_ERROR_CODES, CONTROLLER_ERROR_CODES, DIFF_ERROR_CODES, EXPORT_ERROR_CODES, HA_ERROR_CODES, MANIFEST_ERROR_CODES, NOTIFY_ERROR_CODES, OBSERVE_ERROR_CODES, SOURCE_ERROR_CODES };

/** Every catalog by area (the README table's "area" column), in README order. */
export const ERROR_CATALOGS = Object.freeze({
  cli: CLI_ERROR_CODES,
  manifest: MANIFEST_ERROR_CODES,
  diff: DIFF_ERROR_CODES,
  aws: AWS_ERROR_CODES,
  controller: CONTROLLER_ERROR_CODES,
  source: SOURCE_ERROR_CODES,
  observe: OBSERVE_ERROR_CODES,
  export: EXPORT_ERROR_CODES,
  notify: NOTIFY_ERROR_CODES,
  ha: HA_ERROR_CODES,
});

export type ErrorDomain = keyof typeof ERROR_CATALOGS;
/** The codes of one area (or of several: the type distributes over a union of areas). */
export type ErrorCodeIn<D extends ErrorDomain> = D extends ErrorDomain ? keyof (typeof ERROR_CATALOGS)[D] : never;
/** Every catalogued code: the union of the keys of all catalogs. */
export type ErrorCode = ErrorCodeIn<ErrorDomain>;

export type CliErrorCode = ErrorCodeIn<'cli'>;
export type ManifestErrorCode = ErrorCodeIn<'manifest'>;
export type DiffErrorCode = ErrorCodeIn<'diff'>;
export type AwsErrorCode = ErrorCodeIn<'aws'>;
export type ControllerErrorCode = ErrorCodeIn<'controller'>;
export type SourceErrorCode = ErrorCodeIn<'source'>;
export type ObserveErrorCode = ErrorCodeIn<'observe'>;
export type ExportErrorCode = ErrorCodeIn<'export'>;
export type NotifyErrorCode = ErrorCodeIn<'notify'>;
export type HaErrorCode = ErrorCodeIn<'ha'>;

const ALL_CODES: ReadonlySet<string> = new Set(Object.values(ERROR_CATALOGS).flatMap((catalog) => Object.keys(catalog)));

/** True when `value` is a catalogued code (exact match; nothing is inferred from its shape). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ALL_CODES.has(value);
}

/**
 * The catalogued code an unknown thrown value carries, or `fallback`: the
 * `code` of a GitopsError, or of any object whose `code` property is a
 * catalogued code (an error record such as `{ code, message }`). Anything
 * else (Node errno codes like ENOENT, AWS exception names, non-objects) gives
 * `fallback`. Only the value itself is read, not its `cause`.
 */
export function errorCodeOf(err: unknown, fallback: ErrorCode): ErrorCode {
  const code = typeof err === 'object' && err !== null ? (err as { readonly code?: unknown }).code : undefined;
  return isErrorCode(code) ? code : fallback;
}
