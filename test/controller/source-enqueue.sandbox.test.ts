/**
 * What the controller reconciles when a watched Git checkout changes (issue
 * 6): an edit, an addition, a deletion and a rename each reconcile exactly the
 * services they touch, with the commit's revision; 50 rapid commits converge
 * on the last one without reconciling untouched services. The source, the
 * loader, the controller and the sandbox are all real; the count comes from
 * the controller's own reconcile hook.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { loadManifests } from '../../src/manifests/index.js';
import { createCheckoutSource } from '../../src/source/checkout-source.js';
import { requireProgram } from '../support/programs.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const hasGit = requireProgram('git', 'apt-get install git');
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1', HOME: process.env.HOME ?? '/tmp',
};
const key = (name: string) => `${REGION}/demo/${name}`;

describe.skipIf(!hasGit)('controller fed by a watched checkout', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller | undefined;
  let reconciled: string[];

  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir.root, env: GIT_ENV, encoding: 'utf8' }).trim();
  const commit = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  const liveImage = async (name: string) => {
    const service = (await world.api.send('DescribeServices', { cluster: 'demo', services: [name] })).services?.[0];
    if (!service?.taskDefinition || service.status !== 'ACTIVE') return undefined;
    const td = await world.api.send('DescribeTaskDefinition', { taskDefinition: service.taskDefinition });
    return td.taskDefinition?.containerDefinitions?.[0]?.image;
  };

  beforeEach(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
    git('init', '-q', '-b', 'main');
    for (const name of ['a', 'b', 'c']) await dir.write(`services/${name}.yaml`, [serviceManifest({ name, desiredCount: 1 })]);
    commit('three services');
    reconciled = [];
    const source = createCheckoutSource({
      root: dir.root, debounceMs: 50,
      load: (root, signal) => loadManifests(root, { defaultRegion: REGION, signal }),
    });
    controller = controllerFor(world.controllerApi, {
      source, followRollouts: false,
      hooks: { beforeReconcile: (k) => reconciled.push(k) },
    });
    await controller.start();
    await eventually(() => controller!.status.list().filter((s) => s.sync === 'Synced').length === 3, () => controller!.status.list());
    await controller.waitForIdle({ requeues: true });
  });

  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    await world.sandbox.close();
    await dir.dispose();
  });

  /** Waits until the controller has applied `revision` and gone idle; returns the keys reconciled since `from`. */
  async function reconciledFor(revision: string, from: number): Promise<string[]> {
    await eventually(() => controller!.status.snapshot().revision === revision, () => controller!.status.snapshot());
    await controller!.waitForIdle({ requeues: true });
    return [...new Set(reconciled.slice(from))].sort();
  }

  it('reconciles exactly the services an edit, an addition, a deletion and a rename touch', async () => {
    let from = reconciled.length;
    await dir.write('services/b.yaml', [serviceManifest({ name: 'b', desiredCount: 1, image: 'nginx:1.28' })]);
    let revision = commit('edit b');
    expect(await reconciledFor(revision, from)).toEqual([key('b')]);
    expect(await liveImage('b')).toBe('nginx:1.28');
    expect(controller!.status.get(key('b'))).toMatchObject({ sync: 'Synced', lastAppliedRevision: revision });

    from = reconciled.length;
    await dir.write('services/d.yaml', [serviceManifest({ name: 'd', desiredCount: 1 })]);
    revision = commit('add d');
    expect(await reconciledFor(revision, from)).toEqual([key('d')]);
    expect(await liveImage('d')).toBe('nginx:1.27');

    // Without --prune a deleted manifest only stops being managed: its key is reconciled once (to forget it), nothing is deleted.
    from = reconciled.length;
    await dir.remove('services/c.yaml');
    revision = commit('delete c');
    expect(await reconciledFor(revision, from)).toEqual([key('c')]);
    expect(controller!.status.get(key('c'))).toBeUndefined();
    expect(world.counter.count('DeleteService')).toBe(0);

    // A rename of the file (same identity, same content) changes nothing to reconcile.
    from = reconciled.length;
    git('mv', 'services/a.yaml', 'services/renamed-a.yaml');
    revision = commit('rename a');
    expect(await reconciledFor(revision, from)).toEqual([]);
    expect(controller!.status.get(key('a'))?.sync).toBe('Synced');
  });

  it('converges on the last of 50 rapid commits to one service without reconciling the others', async () => {
    const from = reconciled.length;
    const mutatingBefore = world.counter.mutatingCalls();
    let revision = '';
    for (let i = 1; i <= 50; i++) {
      await dir.write('services/b.yaml', [serviceManifest({ name: 'b', desiredCount: 1, image: `nginx:1.${i}` })]);
      revision = commit(`b to 1.${i}`);
    }
    const keys = await reconciledFor(revision, from);
    expect(keys).toEqual([key('b')]);
    expect(await liveImage('b')).toBe('nginx:1.50');
    expect(controller!.status.get(key('b'))).toMatchObject({ sync: 'Synced', lastAppliedRevision: revision });
    // Debounced and coalesced: far fewer applies than commits (each apply is a registration and an update).
    expect(world.counter.count('RegisterTaskDefinition')).toBeLessThan(50);
    expect(world.counter.mutatingCalls() - mutatingBefore).toBeGreaterThan(0);
    // 50 commits are 100+ git processes: a hang guard with room for a loaded machine (it took 22 s at load 11), not a timing threshold.
  }, 90_000);
});
