/**
 * The one list of user-facing error codes. Each domain declares its codes in
 * its own catalog; this module joins them so a test can keep codes unique and
 * documented in the README.
 */
import type { ErrorCodeSpec } from './define.js';
import { AWS_ERROR_CODES } from './aws-codes.js';
import { CLI_ERROR_CODES } from './cli-codes.js';
import { CONTROLLER_ERROR_CODES } from './controller-codes.js';
import { DIFF_ERROR_CODES } from './diff-codes.js';
import { EXPORT_ERROR_CODES } from './export-codes.js';
import { MANIFEST_ERROR_CODES } from './manifest-codes.js';
import { OBSERVE_ERROR_CODES } from './observe-codes.js';
import { SOURCE_ERROR_CODES } from './source-codes.js';

export { GitopsError, isGitopsError, defineErrorCodes } from './define.js';
export type { ErrorCodeSpec, ErrorCatalog } from './define.js';
export { AWS_ERROR_CODES, CLI_ERROR_CODES, CONTROLLER_ERROR_CODES, DIFF_ERROR_CODES, EXPORT_ERROR_CODES, MANIFEST_ERROR_CODES, OBSERVE_ERROR_CODES, SOURCE_ERROR_CODES };

export const ERROR_CATALOGS: Readonly<Record<string, Readonly<Record<string, ErrorCodeSpec>>>> = Object.freeze({
  cli: CLI_ERROR_CODES,
  manifest: MANIFEST_ERROR_CODES,
  diff: DIFF_ERROR_CODES,
  aws: AWS_ERROR_CODES,
  controller: CONTROLLER_ERROR_CODES,
  source: SOURCE_ERROR_CODES,
  observe: OBSERVE_ERROR_CODES,
  export: EXPORT_ERROR_CODES,
});
