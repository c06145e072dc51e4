/**
 * Issue 17, "A token in the URL leaks", through the real CLI in a child
 * process: `run --git-url https://TOKEN@host/...` (or user:password) is
 * refused before anything uses the URL, and a token (token file or
 * ECS_GITOPS_GIT_TOKEN) with a plain http:// URL is refused too; the token
 * appears nowhere in what the process prints. An SSH user name is not a
 * secret and is kept.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireProgram } from '../support/programs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'src', 'cli', 'bin.ts');
const TOKEN = 'ghp_TOKEN-MUST-NOT-LEAK-5678';
// Nothing listens on port 1: a URL that passes the checks fails at once when git connects.
const HOST = '127.0.0.1:1';

interface CliResult { code: number | null; output: string }

/** `ecs-gitops run --sandbox ARGS` as a separate process; it must stop by itself (refused or failed start). */
function run(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'run', '--sandbox', '--listen', '127.0.0.1:0', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe.skipIf(!requireProgram('git', 'apt-get install git'))('run --git-url never carries a credential', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ecs-gitops-urltoken-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['a token as the user name', `https://${TOKEN}@${HOST}/org/repo.git`],
    ['user:token', `https://x-access-token:${TOKEN}@${HOST}/org/repo.git`],
    ['a token in a plain http URL', `http://${TOKEN}@${HOST}/org/repo.git`],
  ])('--git-url with %s is refused, naming the flag and the token options, without showing the token', async (_name, url) => {
    const result = await run(['--git-url', url]);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('error SOURCE_GIT_URL_REFUSED: --git-url must not contain a user name, password or token');
    expect(result.output).toContain('--git-token-file or ECS_GITOPS_GIT_TOKEN');
    expect(result.output).not.toContain(TOKEN);
  }, 90_000);

  it('a token from ECS_GITOPS_GIT_TOKEN with an http:// URL is refused (it would travel in clear)', async () => {
    const result = await run(['--git-url', `http://${HOST}/org/repo.git`], { ECS_GITOPS_GIT_TOKEN: TOKEN });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain(`error SOURCE_GIT_URL_REFUSED: --git-url http://${HOST}/org/repo.git is plain http`);
    expect(result.output).not.toContain(TOKEN);
  }, 90_000);

  it('a token file with an http:// URL is refused', async () => {
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const result = await run(['--git-url', `http://${HOST}/org/repo.git`, '--git-token-file', tokenFile]);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('SOURCE_GIT_URL_REFUSED');
    expect(result.output).not.toContain(TOKEN);
  }, 90_000);

  it('a token with an https URL and an ssh URL with a user name pass the check (and fail only at the unreachable remote)', async () => {
    const https = await run(['--git-url', `https://${HOST}/org/repo.git`], { ECS_GITOPS_GIT_TOKEN: TOKEN });
    expect(https.code, https.output).toBe(1);
    expect(https.output).toContain('error SOURCE_FETCH_FAILED');
    expect(https.output).not.toContain(TOKEN);
    const ssh = await run(['--git-url', `ssh://git@${HOST}/org/repo.git`]);
    expect(ssh.code, ssh.output).toBe(1);
    expect(ssh.output).not.toContain('SOURCE_GIT_URL_REFUSED');
    expect(ssh.output).toMatch(/error SOURCE_FETCH_(FAILED|AUTH_FAILED|HOST_KEY)/);
  }, 90_000);
});
