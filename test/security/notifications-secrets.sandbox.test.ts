/**
 * Notifier secrets stay secret in a running controller: a real `run` child
 * process with a Slack URL token, an HMAC key and a GitHub token planted
 * through the environment, and a GitHub sink whose token file is missing.
 * None of the three appears in any log line, in /api/v1/status, in
 * /api/v1/events, or in anything a receiver got; the sink without its token
 * file is a status error naming the file, and the controller goes on.
 * `validate` refuses a bad sink URL naming the file and the field.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, eventually, serviceManifest } from '../controller/harness.js';
import { LISTEN_ANY_PORT, waitForListenUrl } from '../support/listen-url.js';
import { startGitHubReceiver, type GitHostReceiver } from '../support/git-host-receivers.js';
import { runCliCaptured } from '../support/run-cli.js';
import { useCrashWorld } from '../reliability/crash-world.js';
import { startControllerProcess, within } from '../reliability/controller-process.js';

const ACCOUNT = '310000000024';
const SLACK_TOKEN = 'xoxSECRETslackPath7f3a9c1e';
const HMAC_KEY = 'hmacSECRETkey5b2d8e4f';
const GITHUB_TOKEN = 'ghp_SECRETgithubToken9a8b7c6d5e4f';
const SECRETS = [SLACK_TOKEN, HMAC_KEY, GITHUB_TOKEN];

async function startSink(): Promise<{ url: string; raw: string[]; close(): Promise<void> }> {
  const raw: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      raw.push(`${JSON.stringify(req.headers)}\n${Buffer.concat(chunks).toString('utf8')}`);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, raw,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('notifier secrets in a running controller', () => {
  const world = useCrashWorld(ACCOUNT);
  let repo: string;
  let sink: Awaited<ReturnType<typeof startSink>>;
  let github: GitHostReceiver;

  beforeAll(async () => {
    repo = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-notify-secrets-'));
    sink = await startSink();
    github = await startGitHubReceiver({ token: GITHUB_TOKEN });
  });
  afterAll(async () => {
    await Promise.all([sink?.close(), github?.close()]);
    await rm(repo, { recursive: true, force: true });
    await rm(`${repo}-state`, { recursive: true, force: true });
  });

  it('never shows a planted secret; a missing token file is a status error, not a crash', async () => {
    await mkdir(path.join(repo, 'notifiers'));
    await writeFile(path.join(repo, 'web.yaml'), stringify(serviceManifest({ name: 'web', image: 'nginx:1.27' })));
    await writeFile(path.join(repo, 'notifiers', 'team.yaml'), stringify({
      apiVersion: 'ecs-gitops/v1', kind: 'Notifier', metadata: { name: 'team' },
      spec: {
        sinks: [
          { type: 'slack', urlEnv: 'T_SLACK_URL' },
          { type: 'webhook', url: `${sink.url}/hook`, secretEnv: 'T_HOOK_KEY' },
          { type: 'github', repository: 'acme/shop', tokenEnv: 'T_GITHUB_TOKEN', apiUrl: github.url },
          { type: 'github', name: 'github-missing', repository: 'acme/shop', tokenFile: path.join(repo, 'no-such-token'), apiUrl: github.url },
        ],
      },
    }));
    // A commit, so the GitHub sink has a revision to set a status on.
    const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'web']]) execFileSync('git', args, { cwd: repo, env: gitEnv });
    const proc = startControllerProcess({
      endpoint: world.sandbox.endpoint, accountId: ACCOUNT, region: REGION,
      args: ['--repo', repo, '--listen', LISTEN_ANY_PORT, '--resync', '2s', '--state-dir', `${repo}-state`, '--log-level', 'debug'],
      env: { T_SLACK_URL: `${sink.url}/services/${SLACK_TOKEN}`, T_HOOK_KEY: HMAC_KEY, T_GITHUB_TOKEN: GITHUB_TOKEN },
    });
    world.current = proc;
    const url = await waitForListenUrl(proc.output, { stopped: () => proc.child.exitCode !== null });
    // The webhook got the completion (Slack's messages arrive at the same receiver under /services/...).
    await eventually(() => sink.raw.some((r) => r.includes('"type":"RolloutCompleted"') && r.includes('x-ecs-gitops-signature')), () => proc.output().slice(-3000), 60_000);

    const status = await (await fetch(`${url}/api/v1/status`)).text();
    const events = await (await fetch(`${url}/api/v1/events?limit=1000`)).text();
    const parsed = JSON.parse(status) as { notifiers?: Array<{ sinks: Array<{ id: string; lastError?: { code: string; message: string } }> }> };
    const missing = parsed.notifiers?.[0]?.sinks.find((s) => s.id === 'team/github-missing');
    expect(missing?.lastError?.code).toBe('NOTIFY_SECRET_MISSING');
    expect(missing?.lastError?.message).toContain('no-such-token');
    expect(proc.child.exitCode).toBeNull();

    const places: Array<[string, string]> = [
      ['log', proc.output()], ['status', status], ['events', events],
      ['webhook/slack receiver', sink.raw.join('\n').replace(`/services/${SLACK_TOKEN}`, '')],
      ['github receiver', JSON.stringify(github.requests.map((r) => ({ ...r, headers: { ...r.headers, authorization: '' } })))],
    ];
    for (const [where, text] of places) {
      for (const secret of SECRETS) expect(text.includes(secret), `${where} holds a planted secret`).toBe(false);
    }
    // The GitHub token reached GitHub, in its header only.
    expect(github.requests.some((r) => r.headers.authorization === `Bearer ${GITHUB_TOKEN}`)).toBe(true);

    proc.child.kill('SIGTERM');
    expect((await within(proc.exited, 30_000, 'SIGTERMed controller')).code).toBe(0);
  }, 120_000);

  it('validate refuses a sink URL that is not http(s), naming the file and field', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-notify-bad-url-'));
    try {
      await writeFile(path.join(dir, 'team.yaml'), stringify({
        apiVersion: 'ecs-gitops/v1', kind: 'Notifier', metadata: { name: 'team' },
        spec: { sinks: [{ type: 'webhook', url: 'ftp://hooks.example.com/x', secretEnv: 'K' }] },
      }));
      const result = await runCliCaptured(['validate', dir]);
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).toMatch(/team\.yaml:\d+:\d+: MANIFEST_INVALID_VALUE \/spec\/sinks\/0\/url/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
