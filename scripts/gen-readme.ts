/**
 * `npm run docs:readme`: regenerates the generated part of the documentation,
 * the error-code table of docs/errors.md (the README links to it), from the
 * error catalogs. test/errors/error-codes.test.ts fails when it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ERROR_TABLE_DOC, replaceErrorTable } from '../src/errors/error-table.js';

const docPath = new URL(`../${ERROR_TABLE_DOC}`, import.meta.url);
const doc = readFileSync(docPath, 'utf8');
const next = replaceErrorTable(doc);
if (next !== doc) writeFileSync(docPath, next);
