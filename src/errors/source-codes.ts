import { defineErrorCodes } from './define.js';

/** User-facing errors of the source area. */
export const SOURCE_ERROR_CODES = defineErrorCodes({});
