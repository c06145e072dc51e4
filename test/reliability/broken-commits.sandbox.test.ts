/**
 * Bad commits against `ecs-gitops run --prune` watching a real Git checkout:
 * - a commit that breaks half the files (and changes the image everywhere):
 *   services in good files roll out and keep correcting drift; nothing
 *   declared by a broken file is changed or deleted;
 * - a commit deleting the manifests directory: the last good snapshot stays,
 *   SOURCE_ROOT_NOT_FOUND is logged, nothing deleted;
 * - a commit deleting every manifest: nothing deleted, the blocked prune is
 *   reported in /api/v1/status, metrics and logs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { REGION, eventually, serviceManifest, startCliInProcess } from '../controller/harness.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { requireProgram } from '../support/programs.js';
import { directApi, liveServices } from './world.js';

const ACCOUNT = '310000000003';
const names = Array.from({ length: 10 }, (_, i) => `bc-${i}`);
const good = names.slice(5);
const broken = names.slice(0, 5);

describe('bad commits never delete or change what they do not clearly declare', () => {
  let sandbox: Sandbox;
  let repo: string;
  let api: EcsApi;
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' }).toString();

  beforeAll(async () => {
    requireProgram('git', 'apt-get install git');
    sandbox = await startSandbox({ clockSpeed: 50, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    api = directApi(sandbox, ACCOUNT, REGION);
    repo = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-badcommit-'));
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 't');
  });
  afterAll(async () => {
    await sandbox?.close();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  const writeService = async (name: string, image: string) => {
    await mkdir(path.join(repo, 'manifests'), { recursive: true });
    await writeFile(path.join(repo, 'manifests', `${name}.yaml`), stringify(serviceManifest({ name, image, desiredCount: 1 })));
  };
  const imageOf = async (taskDefinition: string) => (await api.send('DescribeTaskDefinition', { taskDefinition })).taskDefinition?.containerDefinitions?.[0]?.image;

  it('half-broken commit, directory-deleting commit, every-manifest-deleting commit', async () => {
    for (const name of names) await writeService(name, 'nginx:1.27');
    git('add', '-A');
    git('commit', '-q', '-m', 'ten services');

    const cli = startCliInProcess(
      ['run', '--repo', repo, '--path', 'manifests', '--listen', LISTEN_ANY_PORT, '--resync', '1s', '--prune', '--max-prune', '20'],
      { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'dummy-secret', AWS_REGION: REGION },
    );
    const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    const statusJson = async () => (await (await fetch(`${url}/api/v1/status`)).json()) as {
      revision?: string; manifestProblems: number; services: Array<{ service: string; sync: string; health: string }>;
      prune?: { candidates: string[]; blocked?: { reason: string } };
    };
    const metrics = async () => (await fetch(`${url}/metrics`)).text();
    // Every prune pass (one per resync) that refuses logs a warning: count them.
    const blockedPrunes = () => cli.stdout().split('"msg":"prune blocked').length - 1;
    /** Waits until `n` more prune passes were blocked: the guard was consulted again and held. */
    const afterResyncs = async (n: number) => {
      const target = blockedPrunes() + n;
      await eventually(() => blockedPrunes() >= target, () => cli.stdout().slice(-2000), 30_000);
    };
    try {
      await eventually(async () => {
        try {
          const s = await statusJson();
          return s.services.length === 10 && s.services.every((x) => x.sync === 'Synced' && x.health === 'Healthy');
        } catch {
          return false;
        }
      }, () => cli.stdout().slice(-2000), 60_000);
      const before = await liveServices(api, 'demo');
      const tdBefore = new Map(before.map((s) => [s.name, s.taskDefinition]));

      // Commit 2: new image everywhere, but half the files are broken (syntax, schema, wrong type).
      for (const name of good) await writeService(name, 'nginx:1.28');
      const brokenBodies = [
        'apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: bc-0, cluster: demo\n  image: nginx:1.28 [\n',
        stringify(serviceManifest({ name: 'bc-1', image: 'nginx:1.28', desiredCount: 1 })).replace('desiredCount: 1', 'desiredCount: "three"'),
        stringify(serviceManifest({ name: 'bc-2', image: 'nginx:1.28', desiredCount: 1 })).replace('launchType: FARGATE', 'launchTyp: FARGATE'),
        '\u0000\u0001binary\u0002',
        stringify(serviceManifest({ name: 'bc-4', image: 'nginx:1.28', desiredCount: 0 })).slice(0, 200),
      ];
      for (const [i, body] of brokenBodies.entries()) await writeFile(path.join(repo, 'manifests', `${broken[i]}.yaml`), body);
      git('add', '-A');
      git('commit', '-q', '-m', 'half broken');
      const since = Date.now();
      // Console-style drift on a good service is still corrected while the commit is broken.
      sandbox.admin.scaleService({ accountId: ACCOUNT, region: REGION, cluster: 'demo', service: 'bc-9' }, 4);
      await eventually(async () => {
        const live = await liveServices(api, 'demo');
        const goods = live.filter((s) => good.includes(s.name));
        const images = await Promise.all(goods.map((s) => imageOf(s.taskDefinition)));
        const drifted = (await api.send('DescribeServices', { cluster: 'demo', services: ['bc-9'] })).services?.[0]?.desiredCount;
        return images.every((i) => i === 'nginx:1.28') && goods.every((s) => s.primary?.rolloutState === 'COMPLETED') && drifted === 1;
      }, () => cli.stdout().slice(-3000), 60_000);
      const mid = await liveServices(api, 'demo');
      expect(mid.map((s) => s.name)).toEqual([...names].sort());
      for (const name of broken) {
        expect(mid.find((s) => s.name === name)?.taskDefinition, name).toBe(tdBefore.get(name));
        expect(mid.find((s) => s.name === name)?.status).toBe('ACTIVE');
      }
      const touched = sandbox.admin.callLog({ accountId: ACCOUNT, since })
        .filter((r) => ['UpdateService', 'DeleteService', 'TagResource', 'UntagResource', 'CreateService'].includes(r.operation))
        .filter((r) => broken.some((b) => r.target === b || r.target?.endsWith(`/${b}`)));
      expect(touched).toEqual([]);
      const s2 = await statusJson();
      expect(s2.manifestProblems).toBeGreaterThanOrEqual(5);
      expect(await metrics()).toMatch(/ecs_gitops_prune_blocked_total\{reason="snapshot_errors"\} [1-9]/);

      // Commit 3: the manifests directory itself deleted: the last good snapshot stays, the error is logged.
      git('rm', '-q', '-r', 'manifests');
      git('commit', '-q', '-m', 'delete the directory');
      await eventually(() => cli.stdout().includes('"code":"SOURCE_ROOT_NOT_FOUND"'), () => cli.stdout().slice(-3000), 30_000);
      await afterResyncs(2);
      expect(sandbox.admin.callLog({ accountId: ACCOUNT, operation: 'DeleteService' })).toEqual([]);

      // Commit 4: the directory back with every manifest gone (a README stays). --prune, --max-prune 20: nothing deleted, reason reported.
      await mkdir(path.join(repo, 'manifests'), { recursive: true });
      await writeFile(path.join(repo, 'manifests', 'README.md'), 'moved to another repo\n');
      git('add', '-A');
      git('commit', '-q', '-m', 'every manifest deleted');
      await eventually(async () => /ecs_gitops_prune_blocked_total\{reason="snapshot_incomplete"\} [1-9]/.test(await metrics()), () => cli.stdout().slice(-3000), 30_000);
      await afterResyncs(2);
      expect(sandbox.admin.callLog({ accountId: ACCOUNT, operation: 'DeleteService' })).toEqual([]);
      expect((await liveServices(api, 'demo')).filter((s) => s.status === 'ACTIVE')).toHaveLength(10);
      const s4 = await statusJson();
      expect(s4.prune?.blocked?.reason, JSON.stringify(s4.prune)).toBeDefined();
      expect(s4.prune?.candidates).toHaveLength(10);
      expect(cli.stdout()).toMatch(/"reason":"empty_snapshot"/);

    } finally {
      if (process.env.RELIABILITY_DEBUG_LOG) await writeFile(process.env.RELIABILITY_DEBUG_LOG, cli.stdout());
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
  }, 180_000);
});
