import { defineErrorCodes } from './define.js';

/** User-facing errors of the observe area. */
export const OBSERVE_ERROR_CODES = defineErrorCodes({});
