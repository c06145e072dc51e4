/** changedKeys: table of edits plus invariants checked on random snapshot pairs. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredService, ManifestSnapshot, ServiceManifest } from '../../src/manifests/types.js';
import { changedKeys, isEmptyChange } from '../../src/source/changed-keys.js';

function service(name: string, hash: string, file = `${name}.yaml`): DesiredService {
  return {
    key: `us-east-1/apps/${name}`,
    region: 'us-east-1',
    cluster: 'apps',
    name,
    manifest: {} as ServiceManifest,
    source: { file, line: 1, column: 1 },
    contentHash: hash,
  };
}

function snapshot(services: readonly DesiredService[], extra: { problemFiles?: string[]; blocked?: string[] } = {}): ManifestSnapshot {
  return {
    root: '/m',
    services,
    clusters: [],
    problems: [],
    files: services.map((s) => s.source.file),
    filesWithProblems: new Set(extra.problemFiles ?? []),
    blockedKeys: new Set((extra.blocked ?? []).map((n) => `us-east-1/apps/${n}`)),
  };
}

const k = (n: string) => `us-east-1/apps/${n}`;

describe('changedKeys', () => {
  const base = snapshot([service('a', '1'), service('b', '1'), service('c', '1')]);
  it.each([
    { name: 'first snapshot: everything added', prev: undefined, next: base, expected: { changed: [], added: [k('a'), k('b'), k('c')], removed: [] } },
    { name: 'identical', prev: base, next: base, expected: { changed: [], added: [], removed: [] } },
    { name: 'one edited', prev: base, next: snapshot([service('a', '1'), service('b', '2'), service('c', '1')]), expected: { changed: [k('b')], added: [], removed: [] } },
    { name: 'one added', prev: base, next: snapshot([...base.services, service('d', '1')]), expected: { changed: [], added: [k('d')], removed: [] } },
    { name: 'one deleted', prev: base, next: snapshot([service('a', '1'), service('c', '1')]), expected: { changed: [], added: [], removed: [k('b')] } },
    { name: 'renamed file, same content', prev: base, next: snapshot([service('a', '1', 'x.yaml'), service('b', '1'), service('c', '1')]), expected: { changed: [], added: [], removed: [] } },
    {
      name: 'file now has problems: blocked, not removed',
      prev: base,
      next: snapshot([service('a', '1'), service('c', '1')], { problemFiles: ['b.yaml'] }),
      expected: { changed: [k('b')], added: [], removed: [] },
    },
    {
      name: 'key blocked (declared twice): not removed',
      prev: base,
      next: snapshot([service('a', '1'), service('c', '1')], { blocked: ['b'] }),
      expected: { changed: [k('b')], added: [], removed: [] },
    },
    {
      name: 'unblocked with same content: changed (the controller skipped it while blocked)',
      prev: snapshot(base.services, { blocked: ['a'] }),
      next: base,
      expected: { changed: [k('a')], added: [], removed: [] },
    },
  ])('$name', ({ prev, next, expected }) => {
    const changes = changedKeys(prev, next);
    expect({ changed: changes.changed, added: changes.added, removed: changes.removed }).toEqual(expected);
  });

  const arbSnapshot = fc
    .uniqueArray(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), hash: fc.constantFrom('1', '2') }), { selector: (s) => s.name, maxLength: 6 })
    .map((items) => snapshot(items.map((i) => service(i.name, i.hash))));

  it('invariants: disjoint, complete, empty exactly when nothing differs (property)', () => {
    fc.assert(
      fc.property(arbSnapshot, arbSnapshot, (prev, next) => {
        const c = changedKeys(prev, next);
        const all = [...c.changed, ...c.added, ...c.removed];
        expect(new Set(all).size).toBe(all.length);
        const prevKeys = new Set(prev.services.map((s) => s.key));
        const nextKeys = new Set(next.services.map((s) => s.key));
        for (const key of c.added) expect(prevKeys.has(key) && !nextKeys.has(key)).toBe(false);
        for (const key of nextKeys) if (!prevKeys.has(key)) expect(c.added).toContain(key);
        for (const key of prevKeys) if (!nextKeys.has(key)) expect(c.removed).toContain(key);
        const same = JSON.stringify(prev.services.map((s) => [s.key, s.contentHash]).sort()) === JSON.stringify(next.services.map((s) => [s.key, s.contentHash]).sort());
        expect(isEmptyChange(c)).toBe(same);
        expect(isEmptyChange(changedKeys(next, next))).toBe(true);
      }),
    );
  });
});
