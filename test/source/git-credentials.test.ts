/**
 * Credentials become environment for git only (never argv), tokens are
 * re-read from their file, SSH keys get a private 0600 copy; fetch failures
 * map to codes a user can act on; secrets are scrubbed from messages.
 */
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GitopsError } from '../../src/errors/define.js';
import { runGit, scrubSecrets } from '../../src/source/git-command.js';
import { resolveGitAuth } from '../../src/source/git-credentials.js';
import { classifyFetchError } from '../../src/source/git-fetch-errors.js';
import { removeTempDirs, tempDir } from './support/git-fixture.js';

afterEach(() => removeTempDirs());

describe('resolveGitAuth', () => {
  it('sends an HTTPS token as an Authorization header scoped to the remote origin, through the environment', async () => {
    const auth = await resolveGitAuth('https://git.example.com:8443/org/repo.git', { kind: 'https-token', token: 'tok', username: 'oauth2' }, tempDir());
    expect(auth.env).toEqual({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://git.example.com:8443/.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('oauth2:tok').toString('base64')}`,
    });
    expect(auth.secrets).toContain('tok');
  });

  it('re-reads the token file on every call (rotation without restart)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'token');
    writeFileSync(file, 'first\n');
    const credentials = { kind: 'https-token' as const, tokenFile: file };
    expect((await resolveGitAuth('https://h/r.git', credentials, dir)).secrets[0]).toBe('first');
    writeFileSync(file, 'second\n');
    expect((await resolveGitAuth('https://h/r.git', credentials, dir)).secrets[0]).toBe('second');
  });

  it('refuses an empty token file', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'token'), '\n');
    await expect(resolveGitAuth('https://h/r.git', { kind: 'https-token', tokenFile: path.join(dir, 'token') }, dir)).rejects.toMatchObject({ code: 'SOURCE_CREDENTIALS_INVALID' });
  });

  it('uses a private 0600 copy of the SSH key, strict host checking and the given known_hosts', async () => {
    const dir = tempDir();
    const key = path.join(dir, "mounted key's file");
    writeFileSync(key, 'KEY', { mode: 0o644 });
    const auth = await resolveGitAuth('git@example.com:org/repo.git', { kind: 'ssh', keyFile: key, knownHostsFile: '/etc/kh' }, path.join(dir, 'private'));
    const copy = path.join(dir, 'private', 'ssh', 'id');
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    expect(auth.env.GIT_SSH_COMMAND).toBe(`ssh -i '${copy}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -F /dev/null -o UserKnownHostsFile='/etc/kh'`);
  });
});

describe('classifyFetchError', () => {
  const gitFailure = (stderr: string) => new GitopsError('SOURCE_GIT_FAILED', 'git fetch failed', { stderr });
  it.each([
    ["fatal: could not read Username for 'https://h': terminal prompts disabled", 'SOURCE_FETCH_AUTH_FAILED'],
    ["remote: HTTP Basic: Access denied\nfatal: Authentication failed for 'https://gitlab.com/x.git/'", 'SOURCE_FETCH_AUTH_FAILED'],
    ['git@github.com: Permission denied (publickey).\nfatal: Could not read from remote repository.', 'SOURCE_FETCH_AUTH_FAILED'],
    ['Host key verification failed.\nfatal: Could not read from remote repository.', 'SOURCE_FETCH_HOST_KEY'],
    ["fatal: couldn't find remote ref nope", 'SOURCE_FETCH_REF_NOT_FOUND'],
    ["fatal: '/tmp/gone.git' does not appear to be a git repository", 'SOURCE_FETCH_FAILED'],
    ['fatal: unable to access ...: Could not resolve host: h', 'SOURCE_FETCH_FAILED'],
  ])('%s -> %s', (stderr, code) => {
    expect(classifyFetchError(gitFailure(stderr), { url: 'u', ref: 'main' }).code).toBe(code);
  });

  it('passes other source errors through unchanged', () => {
    const error = new GitopsError('SOURCE_CREDENTIALS_INVALID', 'x');
    expect(classifyFetchError(error, { url: 'u', ref: 'r' })).toBe(error);
  });
});

describe('scrubSecrets', () => {
  it.each([
    ['https://user:tok@host/repo.git failed', [], 'https://***@host/repo.git failed'],
    ['header Authorization: Basic QUJD', ['QUJD'], 'header Authorization: Basic ***'],
    ['no secrets here', ['absent'], 'no secrets here'],
  ])('%s', (input, secrets, expected) => {
    expect(scrubSecrets(input, secrets)).toBe(expected);
  });
});

describe('runGit', () => {
  it('reports a missing git program as SOURCE_GIT_NOT_FOUND and a missing directory as SOURCE_ROOT_NOT_FOUND', async () => {
    const dir = tempDir();
    await expect(runGit(['--version'], { cwd: path.join(dir, 'gone') })).rejects.toMatchObject({ code: 'SOURCE_ROOT_NOT_FOUND' });
    const saved = process.env.PATH;
    process.env.PATH = path.join(dir, 'empty-bin');
    try {
      await expect(runGit(['--version'], { cwd: dir })).rejects.toMatchObject({ code: 'SOURCE_GIT_NOT_FOUND' });
    } finally {
      process.env.PATH = saved;
    }
  });
});
