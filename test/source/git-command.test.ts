/**
 * runGit with a real git (and, for the output cap only, a fake `git` on PATH):
 * it trusts exactly one directory, ignores every inherited GIT_* variable,
 * runs no program a repository's config names, allows only the transports it
 * is given, keeps only the tail of a flood on stderr, and scrubs URL user
 * info in linear time.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GitopsError } from '../../src/errors/define.js';
import { runGit, scrubSecrets } from '../../src/source/git-command.js';
import { remoteTransports } from '../../src/source/git-fetch-source.js';
import { hasLocalChanges, readRevision } from '../../src/source/revision.js';
import { requireProgram } from '../support/programs.js';
import { commitAll, git, initRepo, removeTempDirs, tempDir, writeService } from './support/git-fixture.js';

const hasGit = requireProgram('git', 'apt-get install git');

const savedEnv = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  removeTempDirs();
});

/** A script that creates `marker` when run: proof that git ran a program it was told about. */
function markerScript(dir: string, marker: string): string {
  const script = path.join(dir, 'evil.sh');
  writeFileSync(script, `#!/bin/sh\ntouch '${marker}'\ncat\n`);
  chmodSync(script, 0o755);
  return script;
}

/** A committed checkout with one manifest. */
function checkout(): string {
  const repo = initRepo();
  writeService(repo, 'a.yaml', 'a', 'nginx:1');
  commitAll(repo);
  return repo;
}

describe.skipIf(!hasGit)('runGit trusts one directory', () => {
  // git treats the repository as another user's (as a git-sync sidecar's checkout would be).
  const otherOwner = { GIT_TEST_ASSUME_DIFFERENT_OWNER: '1' };

  it('reads a checkout another user owns when it is the trusted directory, from it or below it', async () => {
    const repo = checkout();
    mkdirSync(path.join(repo, 'sub'));
    const head = git(repo, 'rev-parse', 'HEAD');
    expect((await runGit(['rev-parse', 'HEAD'], { cwd: repo, env: otherOwner })).stdout.trim()).toBe(head);
    expect((await runGit(['rev-parse', 'HEAD'], { cwd: path.join(repo, 'sub'), trustedDir: repo, env: otherOwner })).stdout.trim()).toBe(head);
  });

  it('refuses another user\'s repository that is not the trusted directory (no safe.directory=*)', async () => {
    const repo = checkout();
    const error = (await runGit(['rev-parse', 'HEAD'], { cwd: repo, trustedDir: path.join(path.dirname(repo), 'elsewhere'), env: otherOwner }).catch((e: unknown) => e)) as GitopsError;
    expect(error.code).toBe('SOURCE_GIT_FAILED');
    expect(String(error.details.stderr)).toMatch(/dubious ownership/);
  });

  it('never uses a .git above the trusted directory', async () => {
    const repo = checkout();
    mkdirSync(path.join(repo, 'manifests'));
    const error = (await runGit(['rev-parse', 'HEAD'], { cwd: path.join(repo, 'manifests') }).catch((e: unknown) => e)) as GitopsError;
    expect(String(error.details.stderr)).toMatch(/not a git repository/);
    expect(await readRevision(path.join(repo, 'manifests'))).toBe('unversioned');
  });
});

describe.skipIf(!hasGit)('runGit runs no program a checkout\'s config names', () => {
  it('core.fsmonitor: status reads the checkout without running the hook', async () => {
    const repo = checkout();
    const marker = path.join(tempDir(), 'fsmonitor-ran');
    git(repo, 'config', 'core.fsmonitor', markerScript(tempDir(), marker));
    writeService(repo, 'a.yaml', 'a', 'nginx:1'); // same content, fresh stat
    expect(await hasLocalChanges(repo)).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it('a filter driver: status compares a file without running its clean filter (even a name with = in it)', async () => {
    const repo = checkout();
    writeFileSync(path.join(repo, '.gitattributes'), '*.yaml filter=evil\n*.yml filter=a=b\n');
    writeService(repo, 'b.yml', 'b', 'nginx:1');
    commitAll(repo);
    const marker = path.join(tempDir(), 'filter-ran');
    const script = markerScript(tempDir(), marker);
    git(repo, 'config', 'filter.evil.clean', script);
    git(repo, 'config', 'filter.a=b.process', script);
    // Same content, fresh file times: status must compare contents, through the filter if it honoured it.
    writeService(repo, 'a.yaml', 'a', 'nginx:1');
    writeService(repo, 'b.yml', 'b', 'nginx:1');
    expect(await hasLocalChanges(repo)).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it('hooks: a post-checkout hook does not run', async () => {
    const repo = checkout();
    const marker = path.join(tempDir(), 'hook-ran');
    writeFileSync(path.join(repo, '.git', 'hooks', 'post-checkout'), `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
    await runGit(['checkout', '-q', '-b', 'other'], { cwd: repo });
    expect(existsSync(marker)).toBe(false);
  });
});

describe.skipIf(!hasGit)('runGit ignores the inherited environment', () => {
  it.each([
    ['GIT_CONFIG_GLOBAL', (file: string) => ({ GIT_CONFIG_GLOBAL: file })],
    ['GIT_CONFIG_SYSTEM', (file: string) => ({ GIT_CONFIG_SYSTEM: file, GIT_CONFIG_NOSYSTEM: '0' })],
    ['GIT_CONFIG (the file `git config` reads)', (file: string) => ({ GIT_CONFIG: file })],
  ])('%s pointing at a config file is not read', async (_name, variables) => {
    const repo = checkout();
    const file = path.join(tempDir(), 'inherited.gitconfig');
    writeFileSync(file, '[user]\n\tname = Inherited\n[core]\n\tfsmonitor = /bin/false\n');
    Object.assign(process.env, variables(file));
    const result = await runGit(['config', '--get', 'user.name'], { cwd: repo, okExitCodes: [1] });
    expect(result).toMatchObject({ exitCode: 1, stdout: '' });
  });

  it('GIT_OBJECT_DIRECTORY, GIT_DIR and GIT_EXEC_PATH do not redirect git', async () => {
    const repo = checkout();
    const head = git(repo, 'rev-parse', 'HEAD');
    const other = initRepo();
    Object.assign(process.env, { GIT_OBJECT_DIRECTORY: path.join(tempDir(), 'empty'), GIT_DIR: path.join(other, '.git'), GIT_EXEC_PATH: tempDir() });
    expect(await readRevision(repo)).toBe(head);
  });

  it('what the controller itself sets still reaches git', async () => {
    const repo = checkout();
    const result = await runGit(['config', '--get', 'user.name'], {
      cwd: repo, env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'user.name', GIT_CONFIG_VALUE_0: 'Controller' },
    });
    expect(result.stdout.trim()).toBe('Controller');
  });
});

describe.skipIf(!hasGit)('runGit allows only the transports it is given', () => {
  it('a fetch for an https or ssh remote cannot read a local repository', async () => {
    const remote = checkout();
    const mirror = path.join(tempDir(), 'mirror.git');
    await runGit(['init', '-q', '--bare', mirror]);
    const fetch = (transports: ReturnType<typeof remoteTransports>) =>
      runGit(['--git-dir', mirror, 'fetch', '-q', remote, 'main:refs/x'], { trustedDir: mirror, transports });
    await expect(fetch(remoteTransports('https://git.example.com/org/repo.git'))).rejects.toMatchObject({
      details: { stderr: expect.stringContaining("transport 'file' not allowed") },
    });
    await expect(fetch(remoteTransports('git@example.com:org/repo.git'))).rejects.toMatchObject({ code: 'SOURCE_GIT_FAILED' });
    // The source named by a local path or file:// URL may read it.
    await expect(fetch(remoteTransports(remote))).resolves.toMatchObject({ exitCode: 0 });
    await expect(fetch(remoteTransports(`file://${remote}`))).resolves.toMatchObject({ exitCode: 0 });
  });

  it('ext:: never runs its command, even with an inherited config that allows every protocol', async () => {
    const marker = path.join(tempDir(), 'ext-ran');
    const config = path.join(tempDir(), 'allow-all.gitconfig');
    writeFileSync(config, '[protocol]\n\tallow = always\n');
    process.env.GIT_CONFIG_GLOBAL = config;
    const mirror = path.join(tempDir(), 'mirror.git');
    await runGit(['init', '-q', '--bare', mirror]);
    const url = `ext::sh -c touch% ${marker}`;
    await expect(runGit(['--git-dir', mirror, 'fetch', '-q', url, 'main:refs/x'], { trustedDir: mirror, transports: remoteTransports(url) })).rejects.toMatchObject({
      details: { stderr: expect.stringContaining("transport 'ext' not allowed") },
    });
    expect(existsSync(marker)).toBe(false);
  });

  it.each([
    ['https://h/r.git', ['https', 'ssh']],
    ['http://h/r.git', ['https', 'ssh', 'http']],
    ['git@h:org/r.git', ['https', 'ssh']],
    ['ssh://git@h/r.git', ['https', 'ssh']],
    ['/srv/git/r.git', ['https', 'ssh', 'file']],
    ['../r', ['https', 'ssh', 'file']],
    ['file:///srv/r.git', ['https', 'ssh', 'file']],
    ['ext::sh -c x', ['https', 'ssh']],
    ['git://h/r.git', ['https', 'ssh']],
  ])('remoteTransports(%s) is %j', (url, expected) => {
    expect(remoteTransports(url)).toEqual(expected);
  });
});

describe('runGit keeps only the tail of a flood on stderr', () => {
  it('a git that writes megabytes to stderr leaves at most the limit in the error, ending with its fatal line', async () => {
    const bin = tempDir();
    // The narrow adapter test: a fake `git` that floods stderr, as a hostile remote's sideband text would.
    writeFileSync(path.join(bin, 'git'), "#!/bin/sh\nhead -c 8000000 /dev/zero | tr '\\0' '.' >&2\necho >&2\necho 'fatal: the real reason' >&2\nexit 128\n", { mode: 0o755 });
    process.env.PATH = `${bin}${path.delimiter}${process.env.PATH ?? ''}`;
    const error = (await runGit(['fetch', 'origin']).catch((e: unknown) => e)) as GitopsError;
    expect(error.code).toBe('SOURCE_GIT_FAILED');
    const stderr = String(error.details.stderr);
    expect(stderr.length).toBeLessThan(64 * 1024 + 200); // GIT_STDERR_LIMIT and the note on what was dropped
    expect(stderr).toMatch(/^\[\d+ earlier bytes of git output dropped\]/);
    expect(stderr.endsWith('fatal: the real reason')).toBe(true);
    expect(error.message).toContain('fatal: the real reason');
  });
});

describe('scrubSecrets', () => {
  it.each([
    ['https://user:tok@host/repo.git failed', [], 'https://***@host/repo.git failed'],
    ['https://tok@host/repo.git', [], 'https://***@host/repo.git'],
    ['a ssh://git@h/r and http://u:p@h2/x', [], 'a ssh://***@h/r and http://***@h2/x'],
    ['header Authorization: Basic QUJD', ['QUJD'], 'header Authorization: Basic ***'],
    ['no secrets here', ['absent'], 'no secrets here'],
    ['://user@host without a scheme', [], '://user@host without a scheme'],
    ['mail user@example.com', [], 'mail user@example.com'],
    ['https://host/path@v1', [], 'https://host/path@v1'],
    // A password holding an @: everything up to the last @ before the host is user info.
    ['https://user:p@ss@host/repo.git', [], 'https://***@host/repo.git'],
    ['https://u:p@ss@host?x=1@y', [], 'https://***@host?x=1@y'],
  ])('%s', (input, secrets, expected) => {
    expect(scrubSecrets(input, secrets)).toBe(expected);
  });

  it('finishes on 120 KB of word characters (a remote sideband flood) and still scrubs what follows', () => {
    // The former pattern took about 15 s on this input (quadratic); see docs/source.md.
    const hostile = `${'a'.repeat(120_000)} remote: https://token@host/x`;
    expect(scrubSecrets(hostile)).toBe(`${'a'.repeat(120_000)} remote: https://***@host/x`);
    const colons = `${'a://'.repeat(30_000)}x`;
    expect(scrubSecrets(colons)).toBe(colons);
  });
});
