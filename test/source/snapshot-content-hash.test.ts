import { describe, expect, it } from 'vitest';
import { snapshotContentHash, unversionedRevision } from '../../src/source/revision.js';

const base = { services: [], clusters: [], problems: [], files: ['a.yaml'] };
const source = { file: 'a.yaml', line: 1, column: 1 };
const record = (key: string, contentHash: string) => ({ key, contentHash, source });

describe('snapshotContentHash covers every kind', () => {
  // An unversioned directory's revision is this hash: a kind left out would make its edits invisible to the controller.
  it.each([
    ['notifiers', 'notifier:team'],
    ['environments', 'environment:dev'],
    ['scheduledTasks', 'scheduled-task:eu-west-1/apps/report'],
    ['capacityProviders', 'capacity-provider:eu-west-1/spot'],
  ])('an edit that only changes %s gives a new hash and revision', (kind, key) => {
    const before = { ...base, [kind]: [record(key, 'h1')] } as Parameters<typeof snapshotContentHash>[0];
    const after = { ...base, [kind]: [record(key, 'h2')] } as Parameters<typeof snapshotContentHash>[0];
    expect(snapshotContentHash(after)).not.toBe(snapshotContentHash(before));
    expect(unversionedRevision(after)).not.toBe(unversionedRevision(before));
    expect(snapshotContentHash(before)).toBe(snapshotContentHash({ ...before }));
  });
});
