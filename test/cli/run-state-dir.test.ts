/**
 * `run`'s state dir (the notification journal and the deploys under way):
 * --state-dir, else ECS_GITOPS_STATE_DIR, else $XDG_STATE_HOME/ecs-gitops/
 * <controller-id>; created (mode 0700) when missing, and a path that cannot
 * be created or written stops the start with CLI_BAD_FLAG_VALUE naming where
 * it came from and the path, before any AWS call. Against a sandbox in this
 * process, the way a deployed controller reaches ECS.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { runCliCaptured } from '../support/run-cli.js';

const ACCOUNT = '310000000025';

describe('run --state-dir', () => {
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let tmp: string;
  /** A regular file: nothing can be created under it. */
  let blocker: string;
  const awsEnv = (): Record<string, string> => ({
    AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint,
    AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'dummy-secret-key-for-tests', AWS_REGION: REGION,
  });

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 50, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    dir = await ManifestDir.create();
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 })]);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-state-dir-test-'));
    blocker = path.join(tmp, 'a-file');
    await writeFile(blocker, 'not a directory');
  });
  afterAll(async () => {
    await sandbox?.close();
    await dir?.dispose();
    await rm(tmp, { recursive: true, force: true });
  });

  /** Starts `run`, waits until it listens, stops it; its "state dir" log line's path, and whether it exited 0. */
  async function stateDirOfRun(args: readonly string[], env: Record<string, string>): Promise<{ stateDir: string; code: number }> {
    const cli = startCliInProcess(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT, '--resync', '2s', ...args], { ...awsEnv(), ...env });
    try {
      await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    } finally {
      cli.stop();
    }
    const code = await cli.exit;
    const line = cli.stdout().split('\n').find((l) => l.includes('"msg":"state dir"'));
    return { stateDir: (JSON.parse(line ?? '{}') as { stateDir?: string }).stateDir ?? `(no state dir line in ${cli.stdout().slice(0, 2000)})`, code };
  }

  it('takes --state-dir over ECS_GITOPS_STATE_DIR over $XDG_STATE_HOME/ecs-gitops/<controller-id>, creates it 0700 and keeps it', async () => {
    const flag = path.join(tmp, 'flag', 'nested');
    const fromEnv = path.join(tmp, 'env');
    const xdg = path.join(tmp, 'xdg');
    expect(await stateDirOfRun(['--state-dir', flag], { ECS_GITOPS_STATE_DIR: fromEnv, XDG_STATE_HOME: xdg })).toEqual({ stateDir: flag, code: 0 });
    expect(await stateDirOfRun([], { ECS_GITOPS_STATE_DIR: fromEnv, XDG_STATE_HOME: xdg })).toEqual({ stateDir: fromEnv, code: 0 });
    expect(await stateDirOfRun(['--controller-id', 'blue'], { XDG_STATE_HOME: xdg })).toEqual({ stateDir: path.join(xdg, 'ecs-gitops', 'blue'), code: 0 });
    for (const d of [flag, fromEnv, path.join(xdg, 'ecs-gitops', 'blue')]) {
      // Kept after a clean exit (unlike the sandbox's temporary one), owner-only.
      expect(((await stat(d)).mode & 0o777).toString(8), d).toBe('700');
    }
  }, 60_000);

  it('refuses a state dir it cannot create, naming the flag or variable and the path', async () => {
    const since = Date.now();
    const bad = path.join(blocker, 'state');
    const viaFlag = await runCliCaptured(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT, '--state-dir', bad], { env: awsEnv() });
    expect(viaFlag.code).not.toBe(0);
    expect(viaFlag.stderr).toContain('CLI_BAD_FLAG_VALUE');
    expect(viaFlag.stderr).toContain(`--state-dir: the state dir ${bad} cannot be created or written (ENOTDIR)`);

    const viaEnv = await runCliCaptured(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT], { env: { ...awsEnv(), ECS_GITOPS_STATE_DIR: bad } });
    expect(viaEnv.code).not.toBe(0);
    expect(viaEnv.stderr).toContain(`the state dir ${bad} cannot be created or written (ENOTDIR)`);

    // The default one says it is the default and how to choose another.
    const viaDefault = await runCliCaptured(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT], { env: { ...awsEnv(), XDG_STATE_HOME: blocker } });
    expect(viaDefault.code).not.toBe(0);
    expect(viaDefault.stderr).toContain(`the state dir ${path.join(blocker, 'ecs-gitops', 'ecs-gitops')} cannot be created or written (ENOTDIR): it is the default one; set --state-dir (or ECS_GITOPS_STATE_DIR)`);
    // Refused before any AWS call.
    expect(sandbox.admin.callLog({ accountId: ACCOUNT, since }).map((c) => c.operation)).toEqual([]);
  }, 60_000);

  // The flag parser fills a flag from its ECS_GITOPS_* twin and says so (ParsedArgs.fromEnv): the error names what the user set.
  it('names ECS_GITOPS_STATE_DIR, not --state-dir, when the variable gave the bad path', async () => {
    const bad = path.join(blocker, 'state');
    const viaEnv = await runCliCaptured(['run', '--repo', dir.root, '--listen', LISTEN_ANY_PORT], { env: { ...awsEnv(), ECS_GITOPS_STATE_DIR: bad } });
    expect(viaEnv.stderr).toContain(`ECS_GITOPS_STATE_DIR (--state-dir): the state dir ${bad} cannot be created or written (ENOTDIR)`);
  });
});
