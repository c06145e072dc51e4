/** Regenerates the generated parts of README.md: included docs and the error-code table. */
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceErrorTable } from '../src/errors/readme-table.js';
import { readDocFrom, renderIncludes } from './readme-includes.js';

const root = new URL('../', import.meta.url);
const readmePath = new URL('README.md', root);
const readme = readFileSync(readmePath, 'utf8');
writeFileSync(readmePath, replaceErrorTable(renderIncludes(readme, readDocFrom(root))));
