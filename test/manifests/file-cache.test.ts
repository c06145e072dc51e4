/**
 * The per-file cache must be invisible in results: a snapshot built with a
 * warm cache equals one built from scratch, whatever changed in between.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManifestFileCache, validateDocuments, type ManifestFileInput } from '../../src/manifests/index.js';

function service(name: string, image: string, cluster = 'prod'): string {
  return [
    'apiVersion: ecs-gitops/v1',
    'kind: Service',
    `metadata: { name: ${name}, cluster: ${cluster} }`,
    'spec:',
    '  launchType: EC2',
    '  taskDefinition:',
    `    family: ${name}`,
    `    containerDefinitions: [{ name: app, image: "${image}", memory: 256 }]`,
  ].join('\n');
}

/** Snapshots compared as plain data (sets as sorted arrays). */
function comparable(snapshot: ReturnType<typeof validateDocuments>): unknown {
  return { ...snapshot, filesWithProblems: [...snapshot.filesWithProblems].sort(), blockedKeys: [...snapshot.blockedKeys].sort() };
}

describe('ManifestFileCache', () => {
  it('re-validates only changed files and drops entries for removed files', () => {
    const cache = new ManifestFileCache();
    const files: ManifestFileInput[] = [
      { path: 'a.yaml', content: service('a', 'nginx:1') },
      { path: 'b.yaml', content: service('b', 'nginx:1') },
    ];
    const first = validateDocuments(files, { cache });
    const second = validateDocuments([files[0]!, { path: 'b.yaml', content: service('b', 'nginx:2') }], { cache });
    // The unchanged file's service is the very same frozen object; the edited one is new.
    expect(second.services[0]?.manifest).toBe(first.services[0]?.manifest);
    expect(second.services[1]?.contentHash).not.toBe(first.services[1]?.contentHash);
    validateDocuments([files[0]!], { cache });
    expect(cache.size).toBe(1);
  });

  it('still finds duplicates across a cached and a changed file', () => {
    const cache = new ManifestFileCache();
    validateDocuments([{ path: 'a.yaml', content: service('web', 'nginx:1') }, { path: 'b.yaml', content: service('other', 'nginx:1') }], { cache });
    const snapshot = validateDocuments([{ path: 'a.yaml', content: service('web', 'nginx:1') }, { path: 'b.yaml', content: service('web', 'nginx:1') }], { cache });
    expect(snapshot.problems.map((p) => `${p.file}:${p.code}`)).toEqual(['a.yaml:MANIFEST_DUPLICATE_IDENTITY', 'b.yaml:MANIFEST_DUPLICATE_IDENTITY']);
    expect(snapshot.services).toEqual([]);
  });

  it('does not reuse a result computed with another default region', () => {
    const cache = new ManifestFileCache();
    const files = [{ path: 'a.yaml', content: service('a', 'nginx:1') }];
    validateDocuments(files, { cache, defaultRegion: 'eu-west-1' });
    expect(validateDocuments(files, { cache, defaultRegion: 'us-east-2' }).services[0]?.key).toBe('us-east-2/prod/a');
  });

  it('gives the same snapshot as no cache, over any sequence of edits', () => {
    const contents = [service('a', 'nginx:1'), service('a', 'nginx:2'), service('b', 'nginx:1'), 'kind: [broken', service('c', 'nginx:1', 'dev')];
    const edit = fc.record({ path: fc.constantFrom('x.yaml', 'y.yaml', 'z.yaml'), content: fc.option(fc.constantFrom(...contents), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 12 }), (edits) => {
        const cache = new ManifestFileCache();
        const tree = new Map<string, string>();
        for (const { path, content } of edits) {
          if (content === undefined) tree.delete(path);
          else tree.set(path, content);
          const files = [...tree].map(([p, c]) => ({ path: p, content: c }));
          expect(comparable(validateDocuments(files, { cache }))).toEqual(comparable(validateDocuments(files)));
        }
      }),
      { numRuns: 60 },
    );
  });
});
