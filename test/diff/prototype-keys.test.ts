/**
 * Map keys in manifests (tags, dockerLabels, log options) are the user's
 * own strings, and `__proto__`, `constructor` or `toString` are valid ECS tag
 * keys and label names. Building a map with `out[key] = value` turns a
 * `__proto__` key into a prototype change (the key vanishes, and reading it
 * back finds Object.prototype), and reading `live[key]` for a key the live
 * side lacks finds inherited members. Either made such a key drift forever:
 * every diff reported it, every sync re-applied it, and export dropped it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compareValues } from '../../src/diff/compare.js';
import { toCanonicalJson } from '../../src/diff/json.js';
import { tagsToList, tagsToMap } from '../../src/diff/tags.js';
import { startCliSandbox, type CliSandbox } from '../cli/cli-sandbox.js';
import { REGION, serviceManifest } from '../controller/harness.js';
import { runCliCaptured } from '../support/run-cli.js';

const KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

describe('map keys that name object machinery', () => {
  it('survive the wire form of tags both ways', () => {
    const map = Object.fromEntries(KEYS.map((key) => [key, `v-${key}`]));
    const back = tagsToMap(tagsToList(map));
    expect(Object.keys(back).sort()).toEqual([...KEYS].sort());
    for (const key of KEYS) expect(Object.getOwnPropertyDescriptor(back, key)?.value).toBe(`v-${key}`);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });

  it('survive the canonical form, with their values', () => {
    const labels = JSON.parse('{"__proto__": {"polluted": "yes"}, "team": "a"}') as unknown;
    const canonical = toCanonicalJson(labels) as Record<string, unknown>;
    expect(Object.keys(canonical).sort()).toEqual(['__proto__', 'team']);
    expect(Object.getPrototypeOf(canonical)).toBe(Object.prototype);
    expect((canonical as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('compare as keys present on one side only, never against inherited members', () => {
    for (const key of KEYS) {
      const desired = toCanonicalJson(Object.fromEntries([[key, 'x']])) as Record<string, never>;
      const differences = compareValues(desired, toCanonicalJson({ other: 'y' }) as Record<string, never>, ['tags'], 'owned');
      expect(differences).toEqual([{ path: ['tags', key], desired: 'x', live: undefined, kind: 'added' }]);
    }
  });

  describe('through sync and diff against the sandbox', () => {
    let cli: CliSandbox;
    beforeAll(async () => {
      cli = await startCliSandbox('310000000018');
    });
    afterAll(async () => {
      await cli?.close();
    });

    it('a service tagged __proto__ and constructor is in sync after one sync', async () => {
      const doc = serviceManifest({ name: 'web' });
      (doc.spec as Record<string, unknown>).tags = JSON.parse('{"__proto__": "x", "constructor": "y", "team": "a"}') as unknown;
      await cli.dir.write('web.yaml', [doc]);
      const sync = await runCliCaptured(['sync', cli.dir.root], { env: cli.env });
      expect(sync.code, sync.stdout + sync.stderr).toBe(0);
      const diff = await runCliCaptured(['diff', cli.dir.root], { env: cli.env });
      expect(diff.stdout).toContain('1 in sync');
      expect(diff.code, diff.stdout + diff.stderr).toBe(0);
    });

    it('export writes those tags and labels back', async () => {
      const doc = serviceManifest({ name: 'api' });
      const spec = doc.spec as { tags?: unknown; taskDefinition: { containerDefinitions: Record<string, unknown>[] } };
      spec.tags = JSON.parse('{"__proto__": "x", "constructor": "y"}') as unknown;
      (spec.taskDefinition.containerDefinitions[0] as Record<string, unknown>).dockerLabels = JSON.parse('{"__proto__": "l", "team": "a"}') as unknown;
      await cli.dir.write('api.yaml', [doc]);
      expect((await runCliCaptured(['sync', cli.dir.root], { env: cli.env })).code).toBe(0);
      const out = path.join(cli.dir.root, 'exported');
      const result = await runCliCaptured(['export', '--cluster', 'demo', '--service', 'api', '--out', out, '--region', REGION], { env: cli.env });
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const exported = parse(await readFile(path.join(out, 'demo', 'api.yaml'), 'utf8')) as {
        spec: { tags: Record<string, string>; taskDefinition: { containerDefinitions: { dockerLabels: Record<string, string> }[] } };
      };
      expect(Object.entries(exported.spec.tags).sort()).toEqual([['__proto__', 'x'], ['constructor', 'y']]);
      expect(Object.entries(exported.spec.taskDefinition.containerDefinitions[0]?.dockerLabels ?? {}).sort()).toEqual([['__proto__', 'l'], ['team', 'a']]);
    });
  });
});
