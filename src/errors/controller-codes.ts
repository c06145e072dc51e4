import { defineErrorCodes } from './define.js';

/** User-facing errors of the controller area. */
export const CONTROLLER_ERROR_CODES = defineErrorCodes({});
