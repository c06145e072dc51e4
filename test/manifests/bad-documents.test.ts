import { describe, expect, it } from 'vitest';
import { MANIFEST_ERROR_CODES } from '../../src/errors/index.js';
import { formatProblem, validateDocuments } from '../../src/manifests/index.js';
import { BAD_DOCUMENTS } from './bad-document-cases.js';

describe('bad documents: one per kind of mistake', () => {
  it('covers at least 40 distinct mistakes', () => {
    expect(BAD_DOCUMENTS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(BAD_DOCUMENTS.map((c) => c.name)).size).toBe(BAD_DOCUMENTS.length);
  });

  it.each(BAD_DOCUMENTS.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const file = c.file ?? 'svc.yaml';
    const snapshot = validateDocuments([{ path: file, content: c.content }], { defaultRegion: 'eu-west-1' });
    expect(snapshot.problems.map(formatProblem)).toEqual(c.expected);
    // A file with a problem declares nothing.
    expect(snapshot.services).toEqual([]);
    expect(snapshot.clusters).toEqual([]);
    expect([...snapshot.filesWithProblems]).toEqual([file]);
    for (const problem of snapshot.problems) {
      expect(Object.keys(MANIFEST_ERROR_CODES)).toContain(problem.code);
      // The pointer field is the one the message names.
      if (problem.pointer !== '') expect(problem.message.startsWith(`${problem.pointer}:`)).toBe(true);
    }
  });
});
