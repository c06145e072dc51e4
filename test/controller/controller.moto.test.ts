/**
 * The same CRUD flows against moto_server: proves the controller speaks the
 * real AWS wire protocol to an implementation nobody here wrote. moto never
 * progresses deployments, so these tests judge sync and calls, not health.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import type { EcsCallCounter } from '../../src/ecs/call-counter.js';
import { motoEndpoint } from '../support/moto.js';
import { ManifestDir, REGION, controllerFor, motoWorld, serviceManifest, type ServiceDoc } from './harness.js';

const svc = (doc: ServiceDoc) => serviceManifest({ moto: true, ...doc });

describe.skipIf(motoEndpoint() === null)('controller against moto_server', () => {
  let api: EcsApi;
  let counter: EcsCallCounter;
  let controllerApi: EcsApi;
  let dir: ManifestDir;
  const controllers: Controller[] = [];

  beforeEach(async () => {
    ({ api, counter, controllerApi } = motoWorld());
    dir = await ManifestDir.create();
    await dir.write('cluster.yaml', [{ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'demo', region: REGION }, spec: { tags: { env: 'test' } } }]);
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop({ graceMs: 100 });
    await dir.dispose();
  });

  function start(overrides: Parameters<typeof controllerFor>[1] = {}): Controller {
    const c = controllerFor(controllerApi, { followRollouts: false, ...overrides });
    controllers.push(c);
    return c;
  }
  const describeService = async (name: string) =>
    (await api.send('DescribeServices', { cluster: 'demo', services: [name], include: ['TAGS'] })).services?.[0];

  it('creates the cluster and services, updates an image with one revision and one UpdateService, changes tags', async () => {
    await dir.write('svc.yaml', [svc({ name: 'web', image: 'nginx:1.27', extra: { tags: { team: 'a' } } }), svc({ name: 'worker' })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle();
    expect(counter.count('CreateCluster')).toBe(1);
    expect(counter.count('CreateService')).toBe(2);
    expect(c.status.list().map((s) => [s.service, s.sync, s.lastApplySucceeded])).toEqual([['web', 'Synced', true], ['worker', 'Synced', true]]);
    const web = await describeService('web');
    expect(web?.tags).toEqual(expect.arrayContaining([{ key: 'team', value: 'a' }, { key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }]));

    counter.reset();
    await dir.write('svc.yaml', [svc({ name: 'web', image: 'nginx:1.28', extra: { tags: { team: 'b' } } }), svc({ name: 'worker' })]);
    c.setSnapshot(await dir.load('rev-2'));
    await c.waitForIdle();
    expect(counter.count('RegisterTaskDefinition')).toBe(1);
    expect(counter.count('UpdateService')).toBe(1);
    expect(counter.count('CreateService')).toBe(0);
    const updated = await describeService('web');
    expect(updated?.taskDefinition).toMatch(/task-definition\/web:2$/);
    expect(updated?.tags).toEqual(expect.arrayContaining([{ key: 'team', value: 'b' }, { key: 'ecs-gitops/revision', value: 'rev-2' }]));
    expect(c.status.get(`${REGION}/demo/web`)).toMatchObject({ sync: 'Synced', lastAppliedRevision: 'rev-2', lastApplySucceeded: true });
    expect(c.status.get(`${REGION}/demo/worker`)?.lastAppliedRevision).toBe('rev-1');
  });

  it('restarting on a synced state makes zero mutating calls', async () => {
    await dir.write('svc.yaml', [svc({ name: 'a' }), svc({ name: 'b', family: 'a' })]);
    const first = start();
    first.setSnapshot(await dir.load('rev-1'));
    await first.waitForIdle();
    expect(counter.count('RegisterTaskDefinition')).toBe(1);
    await first.stop();
    counter.reset();
    const second = start();
    second.setSnapshot(await dir.load('rev-1'));
    await second.waitForIdle();
    expect(counter.mutatingCalls()).toBe(0);
    expect(second.status.list().every((s) => s.sync === 'Synced')).toBe(true);
  });

  it('reports drift in detect mode and corrects it in auto mode', async () => {
    await dir.write('svc.yaml', [svc({ name: 'web', desiredCount: 2 })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle();
    await api.send('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 7 });

    const detect = start({ mode: 'detect' });
    counter.reset();
    detect.setSnapshot(await dir.load('rev-1'));
    await detect.waitForIdle();
    expect(counter.mutatingCalls()).toBe(0);
    expect(detect.status.get(`${REGION}/demo/web`)).toMatchObject({ sync: 'OutOfSync', diff: [expect.objectContaining({ pointer: '/spec/desiredCount', live: 7 })] });

    await c.resync();
    await c.waitForIdle();
    expect((await describeService('web'))?.desiredCount).toBe(2);
    expect(c.status.get(`${REGION}/demo/web`)?.sync).toBe('Synced');
  });

  it('prunes only owned services, only with --prune and within the guard', async () => {
    await dir.write('a.yaml', [svc({ name: 'a' })]);
    await dir.write('b.yaml', [svc({ name: 'b' })]);
    const c = start({ prune: true, maxPrune: 1 });
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle();
    const td = await api.send('RegisterTaskDefinition', { family: 'manual', containerDefinitions: [{ name: 'm', image: 'nginx', memory: 64 }] });
    await api.send('CreateService', { cluster: 'demo', serviceName: 'manual', taskDefinition: td.taskDefinition?.taskDefinitionArn, desiredCount: 1 });

    await dir.remove('a.yaml');
    c.setSnapshot(await dir.load('rev-2'));
    await c.waitForIdle();
    await c.waitForIdle();
    expect((await describeService('a'))?.status).toBe('INACTIVE');
    expect((await describeService('b'))?.status).toBe('ACTIVE');
    expect((await describeService('manual'))?.status).toBe('ACTIVE');
    expect(c.lastPrune()?.deleted).toEqual([`${REGION}/demo/a`]);
  });
});
