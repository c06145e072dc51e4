/**
 * Issue 17, "Git runs configuration from a checkout it does not own", through
 * the real CLI in a child process and a real git: a checkout's config, a .git
 * in a folder above the manifests, or an inherited GIT_* variable must never
 * make the controller run a program; a --git-url transport helper (ext::)
 * never runs its command. Each case leaves a marker file if git ran the
 * program it was pointed at.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { REGION, serviceManifest } from '../controller/harness.js';
import { requireProgram } from '../support/programs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'src', 'cli', 'bin.ts');
const ACCOUNT = '123456789012';
const hasGit = requireProgram('git', 'apt-get install git');

interface CliResult { code: number | null; stdout: string; stderr: string }

/** `ecs-gitops ARGS` as a separate process with exactly `env` (plus PATH and HOME). */
function cli(args: readonly string[], env: Record<string, string>, cwd = ROOT): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // tsx by absolute URL: the working directory may be a repository of the test's own.
    const child = spawn(process.execPath, ['--import', pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const gitIn = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();

describe.skipIf(!hasGit)('git never runs a program a checkout or the environment names', () => {
  let sandbox: Sandbox;
  let aws: Record<string, string>;
  let base: string;
  let marker: string;
  let evil: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 40, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo' }] }] });
    aws = { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret' };
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  beforeEach(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'ecs-gitops-githard-'));
    marker = path.join(base, 'PWNED');
    evil = path.join(base, 'evil.sh');
    // Works as an fsmonitor hook, a clean filter and a shell command alike.
    writeFileSync(evil, `#!/bin/sh\ntouch '${marker}'\ncat\n`);
    chmodSync(evil, 0o755);
  });
  afterEach(() => {
    rmSync(base, { recursive: true, force: true });
  });

  /** A committed repository at `dir` with one manifest in `sub`, whose config names `evil` as fsmonitor and clean filter. */
  function hostileRepo(dir: string, sub = ''): string {
    mkdirSync(path.join(dir, sub), { recursive: true });
    writeFileSync(path.join(dir, sub, 'web.yaml'), stringify(serviceManifest({ name: 'web' })));
    writeFileSync(path.join(dir, '.gitattributes'), '*.yaml filter=evil\n');
    gitIn(dir, 'init', '-q', '-b', 'main');
    gitIn(dir, 'add', '-A');
    gitIn(dir, 'commit', '-q', '-m', 'init');
    gitIn(dir, 'config', 'core.fsmonitor', evil);
    gitIn(dir, 'config', 'filter.evil.clean', evil);
    // Same content, fresh file times: status has to look at the file, through the filter if it honoured it.
    writeFileSync(path.join(dir, sub, 'web.yaml'), stringify(serviceManifest({ name: 'web' })));
    return gitIn(dir, 'rev-parse', 'HEAD');
  }

  const revisionOf = (result: CliResult): string => (JSON.parse(result.stdout) as { revision: string }).revision;

  it('diff DIR on a checkout whose .git/config names core.fsmonitor and a filter driver: read at its HEAD, nothing run', async () => {
    const repo = path.join(base, 'repo');
    const head = hostileRepo(repo);
    const result = await cli(['diff', repo, '--output', 'json'], aws);
    expect(existsSync(marker)).toBe(false);
    expect([0, 2], result.stderr).toContain(result.code);
    expect(revisionOf(result)).toBe(head);
  }, 90_000);

  it.skipIf(process.getuid?.() !== 0)('a checkout owned by another user (a git-sync sidecar) is still read at its HEAD, nothing run', async () => {
    const repo = path.join(base, 'repo');
    const head = hostileRepo(repo);
    execFileSync('chown', ['-R', '4242:4242', repo]);
    const result = await cli(['diff', repo, '--output', 'json'], aws);
    expect(existsSync(marker)).toBe(false);
    expect([0, 2], result.stderr).toContain(result.code);
    expect(revisionOf(result)).toBe(head);
  }, 90_000);

  it('diff DIR on a plain folder inside a repository whose .git names core.fsmonitor: unversioned, nothing run', async () => {
    const parent = path.join(base, 'parent');
    hostileRepo(parent, 'manifests');
    const result = await cli(['diff', path.join(parent, 'manifests'), '--output', 'json'], aws);
    expect(existsSync(marker)).toBe(false);
    expect([0, 2], result.stderr).toContain(result.code);
    expect(revisionOf(result)).toMatch(/^unversioned:[0-9a-f]{12}$/);
  }, 90_000);

  it('diff DIR from the checkout root (sync manifests in CI): the commit is the revision, the working directory the trusted root, nothing run', async () => {
    const repo = path.join(base, 'repo');
    const head = hostileRepo(repo, 'manifests');
    const result = await cli(['diff', 'manifests', '--output', 'json'], aws, repo);
    expect(existsSync(marker)).toBe(false);
    expect([0, 2], result.stderr).toContain(result.code);
    expect(revisionOf(result)).toBe(head);
    // From inside the manifests folder, the folder is the root: git does not look above it.
    const inside = await cli(['diff', '.', '--output', 'json'], aws, path.join(repo, 'manifests'));
    expect(revisionOf(inside)).toMatch(/^unversioned:[0-9a-f]{12}$/);
    expect(existsSync(marker)).toBe(false);
  }, 90_000);

  it('inherited GIT_CONFIG_GLOBAL, GIT_DIR and GIT_OBJECT_DIRECTORY are not honoured', async () => {
    const repo = path.join(base, 'repo');
    mkdirSync(repo);
    writeFileSync(path.join(repo, 'web.yaml'), stringify(serviceManifest({ name: 'web' })));
    gitIn(repo, 'init', '-q', '-b', 'main');
    gitIn(repo, 'add', '-A');
    gitIn(repo, 'commit', '-q', '-m', 'init');
    const head = gitIn(repo, 'rev-parse', 'HEAD');
    const other = path.join(base, 'other');
    gitIn(base, 'init', '-q', other);
    const globalConfig = path.join(base, 'global.gitconfig');
    writeFileSync(globalConfig, `[core]\n\tfsmonitor = ${evil}\n`);
    const result = await cli(['diff', repo, '--output', 'json'], {
      ...aws, GIT_CONFIG_GLOBAL: globalConfig, GIT_DIR: path.join(other, '.git'), GIT_OBJECT_DIRECTORY: path.join(base, 'no-objects'),
    });
    expect(existsSync(marker)).toBe(false);
    expect([0, 2], result.stderr).toContain(result.code);
    expect(revisionOf(result)).toBe(head);
  }, 90_000);

  it('run --git-url ext::COMMAND is refused by git and never runs the command, whatever an inherited config allows', async () => {
    const allowAll = path.join(base, 'allow-all.gitconfig');
    writeFileSync(allowAll, '[protocol]\n\tallow = always\n');
    const result = await cli(['run', '--git-url', `ext::sh -c touch% ${marker}`, '--sandbox', '--listen', '127.0.0.1:0'], { GIT_CONFIG_GLOBAL: allowAll });
    expect(existsSync(marker)).toBe(false);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain("transport 'ext' not allowed");
  }, 90_000);
});
