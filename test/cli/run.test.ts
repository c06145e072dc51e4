/**
 * `ecs-gitops run` in-process with --sandbox: ready once the first pass is
 * done, metrics served, a deleted manifest is not pruned without --prune,
 * and a signal drains and exits 0. Plus flag errors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { maskValue } from '../../src/diff/index.js';
import { ManifestDir, eventually, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { requireProgram } from '../support/programs.js';
import { runCliCaptured } from '../support/run-cli.js';


/** Polls /readyz until the controller answers 200; on timeout, shows the end of its output. */
async function waitUntilReady(url: string, cli: { stdout(): string }): Promise<void> {
  await eventually(async () => {
    try {
      return (await fetch(`${url}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, () => cli.stdout().slice(-2000));
}

describe('ecs-gitops run', () => {
  let dir: ManifestDir | undefined;
  afterEach(async () => {
    await dir?.dispose();
  });

  it('reconciles a watched directory against the sandbox, serves readiness and metrics, and drains on a signal', async () => {
    dir = await ManifestDir.create();
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
    const cli = startCliInProcess(['run', '--repo', dir.root, '--sandbox', '--listen', LISTEN_ANY_PORT, '--resync', '2s']);
    const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    try {
      await waitUntilReady(url, cli);
      const status = (await (await fetch(`${url}/api/v1/status`)).json()) as { services: Array<{ key: string; sync: string }> };
      expect(status.services).toEqual([expect.objectContaining({ key: 'eu-west-1/demo/web', sync: 'Synced' })]);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/ecs_gitops_reconcile_total\{result="(success|requeue)"\} [1-9]/);
      expect(metrics).toMatch(/ecs_gitops_aws_requests_total\{api="ecs",operation="CreateService",outcome="ok"\} 1/);
      expect(metrics).toContain('ecs_gitops_apply_actions_total{action="create_service",result="success"} 1');

      // Deleting the manifest without --prune keeps the service and counts the blocked prune.
      await dir.remove('svc.yaml');
      await dir.write('other.yaml', [serviceManifest({ name: 'api', desiredCount: 1 })]);
      await eventually(async () => /ecs_gitops_prune_blocked_total\{reason="pruning_disabled"\} [1-9]/.test(await (await fetch(`${url}/metrics`)).text()), () => cli.stdout().slice(-2000));
      const after = (await (await fetch(`${url}/api/v1/status`)).json()) as { prune?: { candidates: string[]; blocked?: { reason: string } } };
      expect(after.prune).toMatchObject({ candidates: ['eu-west-1/demo/web'], blocked: { reason: 'disabled' } });
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
    expect(cli.stdout()).toContain('"msg":"stopped"');
  }, 60_000);

  it('applies --rate-limits and the masking flags, and shows the watched checkout under source in the status', async () => {
    dir = await ManifestDir.create();
    const vault = serviceManifest({ name: 'vault', desiredCount: 1, mode: 'detect' }) as { spec: { taskDefinition: { containerDefinitions: Array<Record<string, unknown>> } } };
    (vault.spec.taskDefinition.containerDefinitions[0] as Record<string, unknown>).environment = [{ name: 'DOOR_PIN', value: '4711-door' }];
    await dir.write('svc.yaml', ['web', 'api', 'worker'].map((name) => serviceManifest({ name, desiredCount: 1 })));
    await dir.write('vault.yaml', [vault as unknown as Record<string, unknown>]);
    const keyFile = path.join(dir.root, '..', `${path.basename(dir.root)}.mask-key`);
    await writeFile(keyFile, 'installation-key\n');
    const cli = startCliInProcess([
      'run', '--repo', dir.root, '--sandbox', '--listen', LISTEN_ANY_PORT,
      '--rate-limits', '{"service-modify": {"burst": 1, "refillPerSecond": 4}}', '--mask-key-file', keyFile,
    ], { ECS_GITOPS_SECRET_PATTERN: '_pin$' });
    const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    try {
      await waitUntilReady(url, cli);
      const status = (await (await fetch(`${url}/api/v1/status`)).json()) as {
        revision: string; services: Array<{ key: string; diff: unknown[] }>; source: Record<string, unknown>;
      };
      const vaultDiff = JSON.stringify(status.services.find((s) => s.key === 'eu-west-1/demo/vault')?.diff);
      expect(vaultDiff).toContain(maskValue('4711-door', { maskKey: 'installation-key' }));
      expect(vaultDiff).not.toContain('4711-door');
      expect(status.source).toEqual({ kind: 'checkout', root: dir.root, revision: status.revision, consecutiveFailures: 0 });
      // Three CreateService calls through a bucket of one: the second and third had to wait.
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const waited = Number(/^ecs_gitops_rate_limiter_wait_seconds_sum\{bucket="service-modify"\} (\S+)$/m.exec(metrics)?.[1]);
      expect(waited).toBeGreaterThan(0);
    } finally {
      cli.stop();
      await rm(keyFile, { force: true });
    }
    expect(await cli.exit).toBe(0);
  }, 60_000);

  it('waits --debounce (here from ECS_GITOPS_DEBOUNCE) after a change before reading the checkout', async () => {
    dir = await ManifestDir.create();
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
    const cli = startCliInProcess(['run', '--repo', dir.root, '--sandbox', '--listen', LISTEN_ANY_PORT], { ECS_GITOPS_DEBOUNCE: '1h' });
    const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    const statusOf = async () => (await (await fetch(`${url}/api/v1/status`)).json()) as { snapshotLoadedAt: string; services: Array<{ key: string }> };
    try {
      await waitUntilReady(url, cli);
      const before = await statusOf();
      await dir.write('other.yaml', [serviceManifest({ name: 'api', desiredCount: 1 })]);
      // With the default 50 ms (and its 1 s cap on a burst) the change is read within a second or so.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const after = await statusOf();
      expect(after.snapshotLoadedAt).toBe(before.snapshotLoadedAt);
      expect(after.services.map((s) => s.key)).toEqual(['eu-west-1/demo/web']);
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
  }, 60_000);

  it.each([
    [[], 'error CLI_MISSING_ARGUMENT: give --repo DIR (a checkout to watch) or --git-url URL (a remote to fetch)'],
    [['--repo', '.', '--listen', 'nope'], 'error OBSERVE_BAD_LISTEN_ADDRESS: --listen: expected host:port such as 127.0.0.1:9400, got "nope"'],
    [['--repo', '.', '--workers', '0'], 'error CLI_BAD_FLAG_VALUE: --workers: must be 1 or more'],
    [['--repo', '.', '--mode', 'yolo'], 'error CLI_BAD_FLAG_VALUE: --mode: expected one of auto, detect, got "yolo"'],
    [['--repo', '.', '--debounce', 'soon'], 'error CLI_BAD_FLAG_VALUE: --debounce: expected a duration such as 500ms, 60s or 5m, got "soon"'],
    [['--repo', '.', '--secret-pattern', '[a-'], 'error CLI_BAD_FLAG_VALUE: --secret-pattern: not a valid regular expression: Invalid regular expression: /[a-/i: Unterminated character class'],
    [['--repo', '.', '--rate-limits', '[]'], 'error CLI_BAD_FLAG_VALUE: --rate-limits: expected a JSON object mapping rate categories to {"burst": n, "refillPerSecond": r}'],
  ])('rejects %j', async (argv, message) => {
    const result = await runCliCaptured(['run', ...argv]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${message}\n`);
  });

  it('fails with the source error when the repository does not exist', async () => {
    const missing = path.join(await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-missing-')), 'nope');
    const result = await runCliCaptured(['run', '--repo', missing, '--sandbox', '--listen', LISTEN_ANY_PORT]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error SOURCE_[A-Z_]+: .*nope/m);
    await rm(path.dirname(missing), { recursive: true, force: true });
  });
});

describe.skipIf(!requireProgram('git', 'apt-get install git'))('ecs-gitops run --git-url', () => {
  it('fetches a repository itself, and a push webhook makes it fetch a new commit at once', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-remote-'));
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
    git('init', '-q', '-b', 'main');
    const manifests = new ManifestDir(path.join(repo, 'deploy'));
    await manifests.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    const secretFile = path.join(repo, '..', `${path.basename(repo)}.secret`);
    await writeFile(secretFile, 'hook-secret\n');
    const cli = startCliInProcess([
      'run', '--git-url', repo, '--git-ref', 'main', '--path', 'deploy', '--git-poll', '1h', '--sandbox',
      '--listen', LISTEN_ANY_PORT, '--webhook-secret-file', secretFile,
    ]);
    const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    const statusOf = async () => ((await (await fetch(`${url}/api/v1/status`)).json()) as { revision: string; services: Array<{ key: string; sync: string; lastAppliedRevision?: string }> });
    try {
      await eventually(async () => {
        try {
          return (await statusOf()).services.some((s) => s.sync === 'Synced');
        } catch {
          return false;
        }
      }, () => cli.stdout().slice(-2000));
      const first = git('rev-parse', 'HEAD').toString().trim();
      expect((await statusOf()).revision).toBe(first);

      await manifests.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 }), serviceManifest({ name: 'api', desiredCount: 1 })]);
      git('add', '.');
      git('commit', '-q', '-m', 'second');
      const second = git('rev-parse', 'HEAD').toString().trim();
      const rejected = await fetch(`${url}/api/v1/webhook`, { method: 'POST', headers: { 'x-gitlab-token': 'wrong', 'x-gitlab-event': 'Push Hook', 'content-type': 'application/json' }, body: '{"ref":"refs/heads/main"}' });
      expect(rejected.status).toBe(401);
      const hook = await fetch(`${url}/api/v1/webhook`, {
        method: 'POST',
        headers: { 'x-gitlab-token': 'hook-secret', 'x-gitlab-event': 'Push Hook', 'content-type': 'application/json' },
        body: JSON.stringify({ ref: 'refs/heads/main', after: second }),
      });
      expect(hook.status).toBe(202);
      await eventually(async () => {
        const s = await statusOf();
        return s.revision === second && s.services.some((x) => x.key === 'eu-west-1/demo/api' && x.sync === 'Synced');
      }, () => cli.stdout().slice(-2000));
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
    await rm(repo, { recursive: true, force: true });
    await rm(secretFile, { force: true });
  }, 60_000);

  it('shows a failed fetch under source in the status while the last good revision stays, until a fetch succeeds again', async () => {
    const repo = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-remote-'));
    const moved = `${repo}-moved`;
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } });
    git('init', '-q', '-b', 'main');
    await new ManifestDir(repo).write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    const first = git('rev-parse', 'HEAD').toString().trim();
    const secretFile = `${repo}.secret`;
    await writeFile(secretFile, 'hook-secret\n');
    // Polling is off in practice (1 h): each fetch below is the webhook's, so the test decides when they happen.
    const cli = startCliInProcess([
      'run', '--git-url', repo, '--git-poll', '1h', '--sandbox', '--listen', LISTEN_ANY_PORT, '--webhook-secret-file', secretFile,
    ]);
    const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    interface Source { kind: string; url: string; ref: string; revision?: string; lastFetchAt?: string; lastSuccessfulFetchAt?: string; lastError?: { code: string; message: string; at: string }; consecutiveFailures: number }
    const statusOf = async () => (await (await fetch(`${url}/api/v1/status`)).json()) as { revision: string; source: Source };
    const push = async () => {
      const hook = await fetch(`${url}/api/v1/webhook`, {
        method: 'POST', headers: { 'x-gitlab-token': 'hook-secret', 'x-gitlab-event': 'Push Hook', 'content-type': 'application/json' }, body: '{"ref":"refs/heads/main"}',
      });
      expect(hook.status).toBe(202);
    };
    try {
      await waitUntilReady(url, cli);
      const healthy = (await statusOf()).source;
      expect(healthy).toEqual({
        kind: 'git', url: repo, ref: 'main', revision: first, consecutiveFailures: 0,
        lastFetchAt: expect.any(String), lastSuccessfulFetchAt: healthy.lastFetchAt,
      });

      await rename(repo, moved);
      await push();
      await eventually(async () => (await statusOf()).source.consecutiveFailures === 1, () => cli.stdout().slice(-2000));
      const broken = await statusOf();
      expect(broken.revision).toBe(first);
      expect(broken.source).toMatchObject({ revision: first, lastSuccessfulFetchAt: healthy.lastSuccessfulFetchAt, lastError: { code: 'SOURCE_FETCH_FAILED' } });
      expect(broken.source.lastError?.message).toContain(repo);
      expect(broken.source.lastFetchAt).not.toBe(healthy.lastFetchAt);
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^ecs_gitops_source_fetch_errors_total 1$/m);
      await push();
      await eventually(async () => (await statusOf()).source.consecutiveFailures === 2, () => cli.stdout().slice(-2000));

      await rename(moved, repo);
      await push();
      await eventually(async () => (await statusOf()).source.consecutiveFailures === 0, () => cli.stdout().slice(-2000));
      const recovered = (await statusOf()).source;
      expect(recovered.lastError).toBeUndefined();
      expect(recovered).toMatchObject({ revision: first, lastSuccessfulFetchAt: recovered.lastFetchAt });
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
    await rm(repo, { recursive: true, force: true });
    await rm(moved, { recursive: true, force: true });
    await rm(secretFile, { force: true });
  }, 60_000);
});
