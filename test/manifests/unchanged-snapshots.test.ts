/**
 * Manifests written before environments existed keep byte-identical
 * snapshots (docs/manifests.md, "Variables"): every document is now the
 * manifest it renders to, and only `$${var.`, `$${env.`, `$${ssm:` and
 * `$${cfn:` are escapes, so a document without them renders to itself: the
 * same keys and the same content hashes as before rendering applied to it.
 *
 * The digests below were computed by the code before that change (commit
 * 59165b2, where a document without environments was applied as written)
 * over the real-world corpus (test/corpus/manifests), the quick start's
 * manifests/ and SHELL_ESCAPES. A change of rendering that alters any key or
 * hash of those changes a digest.
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
    .map((file) => ({ path: file, content: readFileSync(path.join(absolute, file), 'utf8') }));
}

/** Shell and container `$` syntax as manifests wrote it before environments: none of it is an escape. */
const SHELL_ESCAPES = `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: shell
  cluster: main
spec:
  desiredCount: 1
  taskDefinition:
    family: shell
    containerDefinitions:
      - name: app
        image: busybox
        memory: 128
        command: [sh, -c, 'echo $\${HOME} \${HOME} $HOME $$ $\${ \${PORT:-80} $$\${X} $\${Var.x}']
        environment:
          - { name: TEMPLATE, value: '$\${name}-\${name}' }
`;

/** Every record's kind, key and content hash, in snapshot order, hashed. */
function digest(snapshot: ManifestSnapshot): string {
  const records = [
    ...snapshot.services.map((r) => ['Service', r.key, r.contentHash]),
    ...snapshot.clusters.map((r) => ['Cluster', r.key, r.contentHash]),
    ...(snapshot.capacityProviders ?? []).map((r) => ['CapacityProvider', r.key, r.contentHash]),
    ...(snapshot.scheduledTasks ?? []).map((r) => ['ScheduledTask', r.key, r.contentHash]),
  ];
  return createHash('sha256').update(JSON.stringify(records)).digest('hex');
}

describe('snapshots of manifests without environments are what they were', () => {
  it.each([
    ['the real-world corpus', () => yamlFiles('test/corpus/manifests'), '26fd00818f7802a26945bc30a7ab8b2a088fc9cf201bc57bb84cfcdfb694f388'],
    ['the quick start manifests', () => yamlFiles('manifests'), '9481bf51ee60d73d805bb8bb721c15c1f68efbd116e88786754d9e2f2db75a62'],
    ['shell `$${...}` and `${...}` in commands and values', () => [{ path: 'shell.yaml', content: SHELL_ESCAPES }], '60f800ccb58c4b47c8d1cd6b6655fcedb0c40ae9334ca6bd1e1cdc63700c4a3c'],
  ])('%s', (_what, files, expected) => {
    const snapshot = validateDocuments(files());
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    expect(snapshot.services.length + snapshot.clusters.length + (snapshot.scheduledTasks ?? []).length).toBeGreaterThan(0);
    expect(digest(snapshot)).toBe(expected);
  });

  it('keeps a shell\'s `$${HOME}` exactly as written', () => {
    const snapshot = validateDocuments([{ path: 'shell.yaml', content: SHELL_ESCAPES }]);
    const app = snapshot.services[0]?.manifest.spec.taskDefinition.containerDefinitions?.[0];
    expect(app?.command).toEqual(['sh', '-c', 'echo $${HOME} ${HOME} $HOME $$ $${ ${PORT:-80} $$${X} $${Var.x}']);
    expect(app?.environment).toEqual([{ name: 'TEMPLATE', value: '$${name}-${name}' }]);
  });
});
