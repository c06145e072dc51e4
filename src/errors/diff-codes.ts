import { defineErrorCodes } from './define.js';

/** User-facing errors of the diff area. */
export const DIFF_ERROR_CODES = defineErrorCodes({});
