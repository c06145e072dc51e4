/**
 * The one list of user-facing error codes. Each domain declares its codes in
 * its own catalog; this module joins them so a test can keep codes unique and
 * documented in the README.
 */
import type { ErrorCodeSpec } from './define.js';
import { CLI_ERROR_CODES } from './cli-codes.js';
import { MANIFEST_ERROR_CODES } from './manifest-codes.js';

export { GitopsError, isGitopsError, defineErrorCodes } from './define.js';
export type { ErrorCodeSpec, ErrorCatalog } from './define.js';
export { CLI_ERROR_CODES } from './cli-codes.js';
export { MANIFEST_ERROR_CODES } from './manifest-codes.js';

export const ERROR_CATALOGS: Readonly<Record<string, Readonly<Record<string, ErrorCodeSpec>>>> = Object.freeze({
  cli: CLI_ERROR_CODES,
  manifest: MANIFEST_ERROR_CODES,
});
