import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, loadManifests } from '../../src/manifests/index.js';

const VALID = `apiVersion: ecs-gitops/v1
kind: Service
metadata: {name: web, cluster: demo, region: eu-west-1}
spec:
  taskDefinition:
    family: web
    containerDefinitions: [{name: web, image: nginx, memory: 128}]
`;

let base: string;
let root: string;
beforeEach(() => {
  base = mkdtempSync(path.join(tmpdir(), 'ecs-gitops-load-'));
  root = path.join(base, 'manifests');
  mkdirSync(root);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function put(relative: string, content: string | Uint8Array): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

async function problemsOf(options: Parameters<typeof loadManifests>[1] = {}): Promise<string[]> {
  return (await loadManifests(root, options)).problems.map(formatProblem);
}

describe('loadManifests: walking the root', () => {
  it('reads *.yaml, *.yml and *.json in nested folders, skipping dot files, dot folders and other files', async () => {
    put('services/web.yaml', VALID);
    put('services/api.yml', VALID.replace(/web/g, 'api'));
    put('clusters/demo.json', '{"apiVersion": "ecs-gitops/v1", "kind": "Cluster", "metadata": {"name": "demo", "region": "eu-west-1"}}');
    put('.git/config.yaml', 'not: [valid');
    put('.hidden.yaml', 'not: [valid');
    put('README.md', '# not a manifest');
    put('notes.txt', 'anything');
    const snapshot = await loadManifests(root);
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.root).toBe(root);
    expect(snapshot.files).toEqual(['clusters/demo.json', 'services/api.yml', 'services/web.yaml']);
    expect(snapshot.services.map((s) => `${s.key}@${s.source.file}`)).toEqual([
      'eu-west-1/demo/api@services/api.yml',
      'eu-west-1/demo/web@services/web.yaml',
    ]);
    expect(snapshot.clusters.map((c) => c.key)).toEqual(['eu-west-1/demo']);
  });

  it('reads a folder reached through a symlink inside the root once, and does not loop on a link back up', async () => {
    put('real/web.yaml', VALID);
    symlinkSync(path.join(root, 'real'), path.join(root, 'linked'));
    symlinkSync(root, path.join(root, 'real', 'loop'));
    const snapshot = await loadManifests(root);
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.files).toEqual(['linked/web.yaml']);
    expect(snapshot.services.map((s) => s.key)).toEqual(['eu-west-1/demo/web']);
  });

  it('fails with a clear error when the root is missing or not a directory', async () => {
    await expect(loadManifests(path.join(base, 'nope'))).rejects.toMatchObject({
      code: 'MANIFEST_ROOT_UNREADABLE',
      message: `cannot read manifests root ${path.join(base, 'nope')}: it does not exist`,
    });
    writeFileSync(path.join(base, 'file.yaml'), VALID);
    await expect(loadManifests(path.join(base, 'file.yaml'))).rejects.toMatchObject({ code: 'MANIFEST_ROOT_UNREADABLE' });
  });

  it('stops when the signal is aborted', async () => {
    put('web.yaml', VALID);
    const controller = new AbortController();
    controller.abort();
    await expect(loadManifests(root, { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});

describe('loadManifests: hostile and broken input never crashes or hangs', () => {
  it.each([
    ['empty file', 'empty.yaml', '', 'empty.yaml:1:1: MANIFEST_EMPTY_FILE the file has no manifest documents; add one (apiVersion: ecs-gitops/v1, kind: Service, Cluster, CapacityProvider, ScheduledTask, Environment or Notifier) or delete the file'],
    ['whitespace-only JSON', 'blank.json', '\n  \n', 'blank.json:1:1: MANIFEST_EMPTY_FILE the file has no manifest documents; add one (apiVersion: ecs-gitops/v1, kind: Service, Cluster, CapacityProvider, ScheduledTask, Environment or Notifier) or delete the file'],
    ['invalid UTF-8', 'latin1.yaml', Buffer.from('apiVersion: ecs-gitops/v1\nkind: Caf\xe9\n', 'latin1'), 'latin1.yaml:2:10: MANIFEST_NOT_UTF8 invalid UTF-8 byte 0xe9 at byte offset 35; save the file as UTF-8'],
    ['UTF-16', 'utf16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kind: Service', 'utf16le')]), 'utf16.yaml:1:1: MANIFEST_NOT_UTF8 the file is UTF-16 encoded; save it as UTF-8'],
    ['binary', 'image.yaml', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]), 'image.yaml:1:1: MANIFEST_BINARY_FILE the file contains NUL bytes: it looks binary, not YAML or JSON text'],
    ['deep flow nesting', 'deep.yaml', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'deep.yaml:1:128: MANIFEST_TOO_DEEP nesting is deeper than the limit of 32 levels'],
    ['deep nesting under the estimate', 'deep2.yaml', `a: ${'['.repeat(40)}${']'.repeat(40)}\n`, 'deep2.yaml:1:1: MANIFEST_TOO_DEEP nesting is deeper than the limit of 32 levels'],
    ['alias bomb', 'bomb.yaml', ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]', 'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]', ''].join('\n'), 'bomb.yaml:1:1: MANIFEST_ALIAS_LIMIT YAML aliases expand beyond the limit of 100; write the values out instead of using *aliases'],
    ['garbage that is nothing but errors', 'garbage.yaml', '[]'.repeat(100_000), 'garbage.yaml:1:4: MANIFEST_YAML_SYNTAX Unexpected flow-seq-end token in YAML stream (and more than 50 errors after it: is this really a YAML file?)'],
    ['unclosed quote', 'quote.yaml', 'apiVersion: "ecs-gitops/v1\nkind: Service\n', 'quote.yaml:3:1: MANIFEST_YAML_SYNTAX Missing closing "quote'],
  ] as const)('%s', async (_name, file, content, expected) => {
    put(file, content);
    put('ok.yaml', VALID);
    const snapshot = await loadManifests(root);
    expect(snapshot.problems.map(formatProblem)).toEqual([expected]);
    // The healthy file next to it still loads.
    expect(snapshot.services.map((s) => s.source.file)).toEqual(['ok.yaml']);
    expect([...snapshot.filesWithProblems]).toEqual([file]);
  });

  it('refuses a file over the size limit without reading it all', async () => {
    put('big.yaml', `${VALID}# ${'x'.repeat(4096)}\n`);
    expect(await problemsOf({ limits: { maxFileBytes: 1024 } })).toEqual([
      'big.yaml:1:1: MANIFEST_FILE_TOO_LARGE the file is over the size limit of 1024 bytes; split it into smaller files',
    ]);
  });

  it('refuses a file with too many documents, at the first document over the limit', async () => {
    const docs = [1, 2, 3, 4, 5].map((i) => VALID.replace(/web/g, `web${i}`)).join('---\n');
    put('many.yaml', docs);
    expect(await problemsOf({ limits: { maxDocumentsPerFile: 3 } })).toEqual([
      'many.yaml:25:1: MANIFEST_TOO_MANY_DOCUMENTS the file has more than 3 documents; split it into several files',
    ]);
  });

  it('refuses symlinks that resolve outside the root, for files and folders', async () => {
    const outside = path.join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret.yaml'), VALID);
    symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, 'escape.yaml'));
    symlinkSync(outside, path.join(root, 'escape-dir'));
    symlinkSync('/etc/passwd', path.join(root, 'passwd.yaml'));
    expect(await problemsOf()).toEqual([
      `escape-dir:1:1: MANIFEST_SYMLINK_OUTSIDE_ROOT the symlink resolves to ${outside}, outside the manifests root ${root}; it is not read`,
      `escape.yaml:1:1: MANIFEST_SYMLINK_OUTSIDE_ROOT the symlink resolves to ${path.join(outside, 'secret.yaml')}, outside the manifests root ${root}; it is not read`,
      `passwd.yaml:1:1: MANIFEST_SYMLINK_OUTSIDE_ROOT the symlink resolves to /etc/passwd, outside the manifests root ${root}; it is not read`,
    ]);
  });

  it('reports a dangling symlink', async () => {
    symlinkSync(path.join(root, 'gone.yaml'), path.join(root, 'dangling.yaml'));
    expect(await problemsOf()).toEqual(['dangling.yaml:1:1: MANIFEST_UNREADABLE cannot follow the symlink: it does not exist']);
  });

  it('never opens a FIFO (which would block forever)', async () => {
    const made = spawnSync('mkfifo', [path.join(root, 'pipe.yaml')]);
    expect(made.status).toBe(0);
    expect(await problemsOf()).toEqual(['pipe.yaml:1:1: MANIFEST_UNREADABLE not a regular file (a FIFO, socket or device?); it is not read']);
  });

  it('stops at the file-count limit with one problem', async () => {
    for (const name of ['a', 'b', 'c']) put(`${name}.yaml`, VALID.replace(/web/g, name));
    expect(await problemsOf({ limits: { maxFiles: 2 } })).toEqual([
      'c.yaml:1:1: MANIFEST_TOO_MANY_FILES more than 2 manifest files under the root; the rest are not read',
    ]);
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file (permissions do not stop root, so skipped as root)', async () => {
    put('locked.yaml', VALID);
    chmodSync(path.join(root, 'locked.yaml'), 0o000);
    expect(await problemsOf()).toEqual(['locked.yaml:1:1: MANIFEST_UNREADABLE cannot read the file: permission denied']);
  });
});
