/**
 * Manifests written before environments existed keep byte-identical
 * snapshots (docs/manifests.md, "Variables"): every document is now the
 * manifest it renders to, and only `$${var.`, `$${env.`, `$${ssm:` and
 * `$${cfn:` are escapes, so a document without them renders to itself: the
 * same keys and the same content hashes as before rendering applied to it.
 *
 * fixtures/pre-environments/digests.json holds, per file, the digest of its
 * records' kinds, keys and content hashes as the code before that change
 * computed them (commit 59165b2, where a document without environments was
 * applied as written), for the real-world corpus (test/corpus/manifests), the
 * quick start's manifests as they were then (copied into
 * fixtures/pre-environments) and shell-escapes.yaml there. A file added later is not
 * pinned; a pinned file that changes must have its digest recomputed by that
 * older code.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, validateDocuments, type ManifestFileInput, type ManifestSnapshot } from '../../src/manifests/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function yamlFiles(dir: string): ManifestFileInput[] {
  const absolute = path.join(ROOT, dir);
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => ({ path: `${dir}/${file}`, content: readFileSync(path.join(absolute, file), 'utf8') }));
}

const DIGESTS = JSON.parse(readFileSync(path.join(ROOT, 'test/manifests/fixtures/pre-environments/digests.json'), 'utf8')) as Record<string, string>;

const SHELL_ESCAPES = 'test/manifests/fixtures/pre-environments/shell-escapes.yaml';

/** Per source file: the hash of its records' kinds, keys and content hashes, in snapshot order. */
function digests(snapshot: ManifestSnapshot): Record<string, string> {
  const records = [
    ...snapshot.services.map((r) => ['Service', r.key, r.contentHash, r.source.file]),
    ...snapshot.clusters.map((r) => ['Cluster', r.key, r.contentHash, r.source.file]),
    ...(snapshot.capacityProviders ?? []).map((r) => ['CapacityProvider', r.key, r.contentHash, r.source.file]),
    ...(snapshot.scheduledTasks ?? []).map((r) => ['ScheduledTask', r.key, r.contentHash, r.source.file]),
  ];
  const byFile: Record<string, string[][]> = {};
  for (const [kind, key, hash, file] of records as string[][]) (byFile[file as string] ??= []).push([kind as string, key as string, hash as string]);
  return Object.fromEntries(Object.entries(byFile).map(([file, list]) => [file, createHash('sha256').update(JSON.stringify(list)).digest('hex')]));
}

describe('snapshots of manifests without environments are what they were', () => {
  it.each([
    ['the real-world corpus', () => yamlFiles('test/corpus/manifests')],
    ['the quick start manifests as they were, and shell `$${...}` and `${...}` in commands and values', () => yamlFiles('test/manifests/fixtures/pre-environments')],
  ])('%s', (_what, files) => {
    const snapshot = validateDocuments(files());
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    const computed = digests(snapshot);
    const pinned = Object.keys(computed).filter((file) => DIGESTS[file] !== undefined);
    expect(pinned.length).toBeGreaterThan(0);
    for (const file of pinned) expect(computed[file], file).toBe(DIGESTS[file]);
  });

  it('keeps a shell\'s `$${HOME}` exactly as written', () => {
    const snapshot = validateDocuments([{ path: SHELL_ESCAPES, content: readFileSync(path.join(ROOT, SHELL_ESCAPES), 'utf8') }]);
    const app = snapshot.services[0]?.manifest.spec.taskDefinition.containerDefinitions?.[0];
    expect(app?.command).toEqual(['sh', '-c', 'echo $${HOME} ${HOME} $HOME $$ $${ ${PORT:-80} $$${X} $${Var.x}']);
    expect(app?.environment).toEqual([{ name: 'TEMPLATE', value: '$${name}-${name}' }]);
  });
});
