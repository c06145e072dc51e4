/**
 * The built-in fetch against a real bare repository as the remote (a file
 * path), a loopback HTTP server that refuses credentials, and SSH-signed
 * commits. Poll timing runs on a FakeClock; git itself runs for real.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/util/clock.js';
import type { GitopsError } from '../../src/errors/define.js';
import { createGitFetchSource, type FetchResult, type GitFetchSource, type GitFetchSourceOptions } from '../../src/source/git-fetch-source.js';
import { runGit } from '../../src/source/git-command.js';
import { resolveGitAuth } from '../../src/source/git-credentials.js';
import { classifyFetchError } from '../../src/source/git-fetch-errors.js';
import { createWebhookHandler } from '../../src/source/webhook.js';
import { requireProgram } from '../support/programs.js';
import { commitAll, git, initRepo, key, removeTempDirs, tempDir, writeFile, writeService } from './support/git-fixture.js';
import { SnapshotRecorder } from './support/snapshot-recorder.js';
import { yamlLoad } from './support/yaml-load.js';

const hasGit = requireProgram('git', 'apt-get install git');

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  removeTempDirs();
});

/** A bare remote with one commit, and a working clone to push from. */
function makeRemote(): { remote: string; work: string; push: (edit: (work: string) => void) => string } {
  const base = tempDir();
  const remote = path.join(base, 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const work = initRepo(path.join(base, 'work'));
  writeService(work, 'deploy/a.yaml', 'a', 'nginx:1');
  commitAll(work, 'first');
  git(work, 'remote', 'add', 'origin', remote);
  git(work, 'push', '-q', 'origin', 'main');
  return {
    remote,
    work,
    push(edit) {
      edit(work);
      const sha = commitAll(work);
      git(work, 'push', '-q', 'origin', 'main');
      return sha;
    },
  };
}

class FetchLog {
  readonly results: FetchResult[] = [];
  readonly errors: GitopsError[] = [];
  #waiters: Array<{ count: number; resolve: () => void }> = [];
  readonly onFetch = (result: FetchResult) => {
    this.results.push(result);
    this.#waiters = this.#waiters.filter((w) => (this.results.length >= w.count ? (w.resolve(), false) : true));
  };
  readonly onError = (error: GitopsError) => void this.errors.push(error);
  /** Resolves once `count` fetches have been reported. */
  waitForFetches(count: number): Promise<void> {
    if (this.results.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

/** Waits until the source has scheduled its next poll, and returns the delay. */
async function scheduled(source: GitFetchSource): Promise<number> {
  await expect.poll(() => source.nextFetchInMs(), { timeout: 15_000 }).toBeDefined();
  return source.nextFetchInMs() ?? -1;
}

function create(overrides: Partial<GitFetchSourceOptions> & Pick<GitFetchSourceOptions, 'url'>): { source: GitFetchSource; log: FetchLog; clock: FakeClock } {
  const log = new FetchLog();
  const clock = new FakeClock();
  const source = createGitFetchSource({
    ref: 'main',
    path: 'deploy',
    workdir: path.join(tempDir(), 'work'),
    pollMs: 1000,
    jitter: 0,
    load: yamlLoad,
    clock,
    onFetch: log.onFetch,
    onError: log.onError,
    ...overrides,
  });
  cleanups.push(() => source.close());
  return { source, log, clock };
}

describe.skipIf(!hasGit)('git fetch source', () => {
  it('clones the ref, then picks up new commits on each poll', async () => {
    const { remote, push, work } = makeRemote();
    const first = git(work, 'rev-parse', 'HEAD');
    const { source, log, clock } = create({ url: remote });
    const rec = new SnapshotRecorder();
    await source.start(rec.listener);
    expect(rec.deliveries[0]?.snapshot.revision).toBe(first);
    expect(rec.deliveries[0]?.changes.added).toEqual([key('a')]);
    expect(source.nextFetchInMs()).toBe(1000);

    const second = push((w) => writeService(w, 'deploy/b.yaml', 'b', 'nginx:1'));
    await clock.advance(1000);
    const got = await rec.waitForRevision(second);
    expect(got.changes).toMatchObject({ added: [key('b')], changed: [], removed: [] });
    expect(log.results.every((r) => r.ok)).toBe(true);

    // Nothing new: a poll fetches but delivers nothing.
    const fetches = log.results.length;
    expect(await scheduled(source)).toBe(1000);
    await clock.advance(1000);
    await log.waitForFetches(fetches + 1);
    expect(rec.deliveries).toHaveLength(2);
  });

  it('follows a force-push back to an older commit (the remote decides; delivery order is observation order)', async () => {
    const { remote, push, work } = makeRemote();
    const first = git(work, 'rev-parse', 'HEAD');
    const { source } = create({ url: remote, pollMs: 3_600_000 });
    const rec = new SnapshotRecorder();
    await source.start(rec.listener);
    const second = push((w) => writeService(w, 'deploy/a.yaml', 'a', 'nginx:2'));
    source.refresh();
    await rec.waitForRevision(second);
    git(work, 'push', '-q', '--force', 'origin', `${first}:refs/heads/main`);
    const from = rec.deliveries.length;
    source.refresh();
    const back = await rec.waitForRevision(first, from);
    expect(back.changes.changed).toEqual([key('a')]);
  });

  it('fetches at once on a signed webhook push', async () => {
    const { remote, push } = makeRemote();
    const { source } = create({ url: remote, pollMs: 3_600_000 });
    const rec = new SnapshotRecorder();
    await source.start(rec.listener);
    const handler = createWebhookHandler({ secret: 's3cret', ref: 'main', onPush: () => source.refresh() });
    const next = push((w) => writeService(w, 'deploy/a.yaml', 'a', 'nginx:2'));
    const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: next }));
    const headers: IncomingHttpHeaders = {
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`,
    };
    expect((await handler({ headers, body })).status).toBe(202);
    const got = await rec.waitForRevision(next);
    expect(got.changes.changed).toEqual([key('a')]);
  });

  it('keeps serving the last good revision when the remote goes away, backs off, and recovers', async () => {
    const { remote, push, work } = makeRemote();
    const first = git(work, 'rev-parse', 'HEAD');
    const { source, log, clock } = create({ url: remote });
    const rec = new SnapshotRecorder();
    await source.start(rec.listener);

    renameSync(remote, `${remote}.moved`);
    for (const [attempt, expectedDelay] of [[1, 1000], [2, 2000], [3, 4000]] as const) {
      const before = log.results.length;
      await clock.advance(await scheduled(source));
      await log.waitForFetches(before + 1);
      expect(log.results.at(-1)).toMatchObject({ ok: false, consecutiveFailures: attempt, error: { code: 'SOURCE_FETCH_FAILED' } });
      expect(await scheduled(source)).toBe(expectedDelay);
      expect(source.current()?.revision).toBe(first);
    }
    expect(log.errors.map((e) => e.code)).toEqual(['SOURCE_FETCH_FAILED', 'SOURCE_FETCH_FAILED', 'SOURCE_FETCH_FAILED']);

    renameSync(`${remote}.moved`, remote);
    const second = push((w) => writeService(w, 'deploy/a.yaml', 'a', 'nginx:3'));
    await clock.advance(await scheduled(source));
    await rec.waitForRevision(second);
    expect(source.lastFetch()).toMatchObject({ ok: true, revision: second, consecutiveFailures: 0 });
    expect(await scheduled(source)).toBe(1000);
  });

  it('keeps the last good revision when a new commit removes the manifests path', async () => {
    const { remote, push, work } = makeRemote();
    const first = git(work, 'rev-parse', 'HEAD');
    const { source, log } = create({ url: remote });
    await source.start(() => undefined);
    push((w) => rmSync(path.join(w, 'deploy'), { recursive: true }));
    source.refresh();
    await log.waitForFetches(2);
    await expect.poll(() => log.errors.map((e) => e.code)).toEqual(['SOURCE_ROOT_NOT_FOUND']);
    expect(source.current()?.revision).toBe(first);
  });

  it('fails to start with SOURCE_FETCH_REF_NOT_FOUND for a ref the remote does not have', async () => {
    const { remote } = makeRemote();
    const { source } = create({ url: remote, ref: 'no-such-branch' });
    await expect(source.start(() => undefined)).rejects.toMatchObject({
      code: 'SOURCE_FETCH_REF_NOT_FOUND',
      message: expect.stringContaining('no-such-branch'),
    });
  });

  it('fails with SOURCE_FETCH_AUTH_FAILED when the server refuses the token, without leaking it on any command line or message', async () => {
    const seen: Array<string | undefined> = [];
    const server: Server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('denied');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const token = 'tok-THIS-MUST-NOT-LEAK-1234';
    // The source refuses a token over plain http (and this test has no TLS server), so the fetch it
    // runs is run here directly: the same environment from resolveGitAuth, the same runGit.
    const url = `http://127.0.0.1:${port}/org/repo.git`;
    const mirror = path.join(tempDir(), 'mirror.git');
    await runGit(['init', '--quiet', '--bare', mirror], { trustedDir: mirror });
    const auth = await resolveGitAuth(url, { kind: 'https-token', token }, tempDir());
    // GIT_TRACE records every command line git and its helpers run: the token must not be on any.
    const traceFile = path.join(tempDir(), 'git-trace.log');
    const error = await runGit(['--git-dir', mirror, 'fetch', '--quiet', '--', url, 'main:refs/ecs-gitops/target'], {
      trustedDir: mirror, env: { ...auth.env, GIT_TRACE: traceFile }, secrets: auth.secrets, transports: ['http'],
    }).then(() => undefined, (e: unknown) => classifyFetchError(e, { url, ref: 'main' }));
    const trace = readFileSync(traceFile, 'utf8');
    expect(trace).toContain('git-remote-http');
    expect(trace).not.toContain(token);
    expect(trace).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'));
    expect(error).toMatchObject({ code: 'SOURCE_FETCH_AUTH_FAILED' });
    expect(seen[0]).toBe(`Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`);
    const everything = JSON.stringify({ message: error?.message, details: error?.details });
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'));
  });

  it('abandons a fetch that stalls and reports it as SOURCE_FETCH_FAILED', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer(() => undefined); // accepts, never answers
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const { source } = create({ url: `http://127.0.0.1:${port}/repo.git`, fetchTimeoutMs: 300 });
    await expect(source.start(() => undefined)).rejects.toMatchObject({ code: 'SOURCE_FETCH_FAILED', message: expect.stringContaining('longer than 300 ms') });
  });

  it.each([
    ['a URL with a password', { url: 'https://user:secret@example.invalid/repo.git' }],
    ['a URL with a token as user name', { url: 'https://secret@example.invalid/repo.git' }],
    ['a token with a plain http URL', { url: 'http://example.invalid/repo.git', credentials: { kind: 'https-token' as const, token: 'secret' } }],
  ])('refuses %s with SOURCE_GIT_URL_REFUSED when the source is created', (_name, overrides) => {
    let error: GitopsError | undefined;
    try {
      create(overrides);
    } catch (e) {
      error = e as GitopsError;
    }
    expect(error?.code).toBe('SOURCE_GIT_URL_REFUSED');
    expect(error?.message).toContain('--git-url');
    expect(error?.message).not.toContain('secret');
  });

  it.each([
    ['a missing token file', { url: 'https://example.invalid/repo.git', credentials: { kind: 'https-token' as const, tokenFile: '/nonexistent/token' } }],
    ['a missing SSH key file', { url: 'ssh://git@example.invalid/repo.git', credentials: { kind: 'ssh' as const, keyFile: '/nonexistent/id_ed25519' } }],
  ])('refuses %s with SOURCE_CREDENTIALS_INVALID', async (_name, overrides) => {
    const { source } = create(overrides);
    const error = (await source.start(() => undefined).catch((e: unknown) => e)) as GitopsError;
    expect(error.code).toBe('SOURCE_CREDENTIALS_INVALID');
    expect(error.message).not.toContain('secret');
  });

  it.skipIf(!requireProgram('ssh-keygen', 'apt-get install openssh-client'))('with signature verification, refuses unsigned commits and accepts signed ones', async () => {
    const { remote, push, work } = makeRemote();
    const keys = tempDir();
    const keyFile = path.join(keys, 'signer');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'signer', '-f', keyFile]);
    const publicKey = execFileSync('cat', [`${keyFile}.pub`], { encoding: 'utf8' }).trim();
    writeFile(keys, 'allowed_signers', `test@example.com ${publicKey}\n`);
    const verifySignatures = { allowedSignersFile: path.join(keys, 'allowed_signers') };

    const unsigned = create({ url: remote, verifySignatures });
    await expect(unsigned.source.start(() => undefined)).rejects.toMatchObject({ code: 'SOURCE_UNSIGNED_REVISION' });

    git(work, 'config', 'gpg.format', 'ssh');
    git(work, 'config', 'user.signingkey', keyFile);
    git(work, 'config', 'commit.gpgsign', 'true');
    const signed = push((w) => writeService(w, 'deploy/a.yaml', 'a', 'nginx:signed'));
    const { source } = create({ url: remote, verifySignatures });
    const rec = new SnapshotRecorder();
    await source.start(rec.listener);
    expect(source.current()?.revision).toBe(signed);
  });
});
