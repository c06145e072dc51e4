import { defineErrorCodes } from './define.js';

/** User-facing errors of the aws area. */
export const AWS_ERROR_CODES = defineErrorCodes({});
