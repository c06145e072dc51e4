/** Rewrites the error-code table in README.md from src/errors. */
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceErrorTable } from '../src/errors/readme-table.js';

const readmePath = new URL('../README.md', import.meta.url);
writeFileSync(readmePath, replaceErrorTable(readFileSync(readmePath, 'utf8')));
