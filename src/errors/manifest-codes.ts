import { defineErrorCodes } from './define.js';

/** Problems found in manifest files (reported as file:line:col: message). */
export const MANIFEST_ERROR_CODES = defineErrorCodes({
  MANIFEST_YAML_SYNTAX: { title: 'the file is not valid YAML or JSON', hint: 'Fix the syntax at the reported position.' },
});
