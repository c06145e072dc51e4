/**
 * `ecs-gitops run` in-process with --sandbox: ready once the first pass is
 * done, metrics served, a deleted manifest is not pruned without --prune,
 * and a signal drains and exits 0. Plus flag errors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManifestDir, eventually, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { freePort } from '../support/free-port.js';
import { requireProgram } from '../support/programs.js';
import { runCliCaptured } from '../support/run-cli.js';

describe('ecs-gitops run', () => {
  let dir: ManifestDir | undefined;
  afterEach(async () => {
    await dir?.dispose();
  });

  it('reconciles a watched directory against the sandbox, serves readiness and metrics, and drains on a signal', async () => {
    dir = await ManifestDir.create();
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const cli = startCliInProcess(['run', '--repo', dir.root, '--sandbox', '--listen', `127.0.0.1:${port}`, '--resync', '2s']);
    try {
      await eventually(async () => {
        try {
          return (await fetch(`${url}/readyz`)).status === 200;
        } catch {
          return false;
        }
      }, () => cli.stdout().slice(-2000));
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

  it.each([
    [[], 'error CLI_MISSING_ARGUMENT: give --repo DIR (a checkout to watch) or --git-url URL (a remote to fetch)'],
    [['--repo', '.', '--listen', 'nope'], 'error OBSERVE_BAD_LISTEN_ADDRESS: --listen: expected host:port such as 127.0.0.1:9400, got "nope"'],
    [['--repo', '.', '--workers', '0'], 'error CLI_BAD_FLAG_VALUE: --workers: must be 1 or more'],
    [['--repo', '.', '--mode', 'yolo'], 'error CLI_BAD_FLAG_VALUE: --mode: expected one of auto, detect, got "yolo"'],
  ])('rejects %j', async (argv, message) => {
    const result = await runCliCaptured(['run', ...argv]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${message}\n`);
  });

  it('fails with the source error when the repository does not exist', async () => {
    const missing = path.join(await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-missing-')), 'nope');
    const result = await runCliCaptured(['run', '--repo', missing, '--sandbox', '--listen', `127.0.0.1:${await freePort()}`]);
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
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const cli = startCliInProcess([
      'run', '--git-url', repo, '--git-ref', 'main', '--path', 'deploy', '--git-poll', '1h', '--sandbox',
      '--listen', `127.0.0.1:${port}`, '--webhook-secret-file', secretFile,
    ]);
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
});
