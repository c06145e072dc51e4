import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGS } from '../../src/errors/index.js';
import { ERROR_TABLE_DOC, replaceErrorTable } from '../../src/errors/error-table.js';

const allCodes = Object.values(ERROR_CATALOGS).flatMap((catalog) => Object.keys(catalog));

describe('error codes', () => {
  it('are unique across all catalogs', () => {
    const seen = new Set<string>();
    const duplicates = allCodes.filter((code) => (seen.has(code) ? true : (seen.add(code), false)));
    expect(duplicates).toEqual([]);
  });

  it('are upper snake case with a title and a hint', () => {
    for (const catalog of Object.values(ERROR_CATALOGS)) {
      for (const [code, spec] of Object.entries(catalog)) {
        expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
        expect(spec.title.length).toBeGreaterThan(5);
        expect(spec.hint.length).toBeGreaterThan(5);
      }
    }
  });

  it(`are all listed in the table of ${ERROR_TABLE_DOC} (run \`npm run docs:readme\` to refresh it)`, () => {
    const doc = readFileSync(new URL(`../../${ERROR_TABLE_DOC}`, import.meta.url), 'utf8');
    expect(replaceErrorTable(doc)).toBe(doc);
    // Each row carries the anchor the web UI's runbook links point at (errorRunbookUrl).
    for (const code of allCodes) expect(doc).toContain(`| <a id="${code.toLowerCase()}"></a>\`${code}\` |`);
  });

  it('are one link away from the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`](${ERROR_TABLE_DOC}`);
  });
});
