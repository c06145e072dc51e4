/**
 * The key image tests against moto_server (ECR DescribeImages/PutImage as moto
 * implements them; its digests are not content digests, which does not
 * matter here): a missing tag is not deployed until it is pushed, pin-digest
 * registers `repo@sha256:...`, images outside ECR are never looked up.
 * moto never progresses deployments: these judge calls and sync, not health.
 */
import { CreateRepositoryCommand, PutImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller, ControllerOptions } from '../../src/controller/index.js';
import { EcsCallCounter } from '../../src/ecs/call-counter.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { ecrApiFromClient, type EcrApi } from '../../src/ecs/ecr-api.js';
import { ecsApiFromClient } from '../../src/ecs/sdk-adapter.js';
import { motoAccount, motoEndpoint, type MotoAccount } from '../support/moto.js';
import { ManifestDir, REGION, controllerFor, serviceManifest, type ServiceDoc } from './harness.js';

const svc = (doc: ServiceDoc) => serviceManifest({ moto: true, ...doc });
const key = (name: string) => `${REGION}/demo/${name}`;

describe.skipIf(motoEndpoint() === null)('ECR images against moto_server', () => {
  let account: MotoAccount;
  let api: EcsApi;
  let counter: EcsCallCounter;
  let ecrClient: ECRClient;
  let ecr: EcrApi;
  let ecrCalls: string[];
  let dir: ManifestDir;
  let pushes: number;
  const controllers: Controller[] = [];

  beforeEach(async () => {
    account = motoAccount(REGION);
    api = ecsApiFromClient(account.ecs());
    counter = new EcsCallCounter();
    ecrClient = account.ecr();
    const raw = ecrApiFromClient(ecrClient);
    ecrCalls = [];
    ecr = {
      send: (operation, input, signal) => {
        ecrCalls.push(operation);
        return raw.send(operation, input, signal);
      },
    };
    pushes = 0;
    dir = await ManifestDir.create();
    await dir.write('cluster.yaml', [{ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'demo', region: REGION }, spec: {} }]);
    await ecrClient.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
  });
  afterEach(async () => {
    for (const c of controllers.splice(0)) await c.stop({ graceMs: 100 });
    await dir.dispose();
  });

  const uri = () => `${account.accountId}.dkr.ecr.${REGION}.amazonaws.com/web`;
  const push = async (tag: string): Promise<string> => {
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', layers: [{ digest: `sha256:${String(++pushes).padStart(64, '0')}` }] });
    const out = await ecrClient.send(new PutImageCommand({ repositoryName: 'web', imageManifest: manifest, imageTag: tag }));
    return out.image?.imageId?.imageDigest ?? '';
  };
  const start = (overrides: Partial<ControllerOptions> = {}): Controller => {
    const c = controllerFor(counter.wrap(api), { ecr, followRollouts: false, ...overrides });
    controllers.push(c);
    return c;
  };
  const liveImage = async () =>
    (await api.send('DescribeTaskDefinition', { taskDefinition: 'web' })).taskDefinition?.containerDefinitions?.[0]?.image;

  it('does not deploy a missing tag, and deploys it once pushed', async () => {
    await dir.write('svc.yaml', [svc({ name: 'web', image: `${uri()}:2.0` })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    expect(c.status.get(key('web'))).toMatchObject({ health: 'Degraded', lastApplySucceeded: false });
    expect(c.status.get(key('web'))?.lastError?.code).toBe('CONTROLLER_IMAGE_NOT_FOUND');
    expect(c.status.get(key('web'))?.lastError?.message).toContain(`image not found: ${uri()}:2.0`);
    expect(counter.count('RegisterTaskDefinition')).toBe(0);
    expect(counter.count('CreateService')).toBe(0);
    expect(ecrCalls).toEqual(['DescribeImages']);

    await push('2.0');
    await c.resync();
    await c.waitForIdle({ requeues: true });
    expect(c.status.get(key('web'))).toMatchObject({ sync: 'Synced', lastApplySucceeded: true });
    expect(counter.count('CreateService')).toBe(1);
    expect(await liveImage()).toBe(`${uri()}:2.0`);
  });

  it('pin-digest registers the digest the tag points at, and is in sync afterwards', async () => {
    const digest = await push('1.0');
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    await dir.write('svc.yaml', [svc({ name: 'web', image: `${uri()}:1.0`, extra: { sync: { images: 'pin-digest' } } })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    expect(await liveImage()).toBe(`${uri()}@${digest}`);
    expect(c.status.get(key('web'))).toMatchObject({ sync: 'Synced', imageDigests: { app: digest } });

    counter.reset();
    await c.resync();
    await c.waitForIdle({ requeues: true });
    expect(counter.mutatingCalls()).toBe(0);
    expect(c.status.get(key('web'))?.sync).toBe('Synced');
  });

  it('pin-digest: a re-pushed tag is drift naming both digests; auto mode deploys it with one revision and one UpdateService', async () => {
    const oldDigest = await push('1.0');
    await dir.write('svc.yaml', [svc({ name: 'web', image: `${uri()}:1.0`, extra: { sync: { images: 'pin-digest' } } })]);
    const first = start({ imageCacheTtlMs: 0 });
    first.setSnapshot(await dir.load('rev-1'));
    await first.waitForIdle({ requeues: true });
    expect(await liveImage()).toBe(`${uri()}@${oldDigest}`);
    await first.stop();

    const newDigest = await push('1.0');
    expect(newDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(newDigest).not.toBe(oldDigest);

    // Detect mode: drift naming both digests, nothing written.
    counter.reset();
    const detect = start({ mode: 'detect', imageCacheTtlMs: 0 });
    detect.setSnapshot(await dir.load('rev-1'));
    await detect.waitForIdle({ requeues: true });
    const drift = detect.status.get(key('web'));
    expect(drift?.sync).toBe('OutOfSync');
    expect(drift?.diff.map((d) => d.pointer)).toEqual(['/spec/taskDefinition/containerDefinitions/0/image']);
    expect(drift?.diff[0]).toMatchObject({ live: `${uri()}@${oldDigest}`, desired: `${uri()}@${newDigest}` });
    expect(counter.mutatingCalls()).toBe(0);
    await detect.stop();

    // Auto mode: exactly one new revision and one UpdateService, then quiet.
    counter.reset();
    const auto = start({ imageCacheTtlMs: 0 });
    auto.setSnapshot(await dir.load('rev-1'));
    await auto.waitForIdle({ requeues: true });
    await auto.resync();
    await auto.waitForIdle({ requeues: true });
    const calls = JSON.stringify(Object.fromEntries(counter.counts));
    expect(counter.count('RegisterTaskDefinition'), calls).toBe(1);
    expect(counter.count('UpdateService'), calls).toBe(1);
    expect(counter.count('CreateService'), calls).toBe(0);
    expect(await liveImage()).toBe(`${uri()}@${newDigest}`);
    const service = (await api.send('DescribeServices', { cluster: 'demo', services: ['web'] })).services?.[0];
    expect(service?.taskDefinition).toMatch(/task-definition\/web:2$/);
    expect(auto.status.get(key('web'))).toMatchObject({ sync: 'Synced', lastApplySucceeded: true, imageDigests: { app: newDigest } });
  });

  it('follow-tag: a re-pushed tag is one UpdateService with forceNewDeployment and no new revision', async () => {
    const before = await push('1.0');
    const image = `${uri()}:1.0`;
    // moto's deployments stay IN_PROGRESS forever, and follow-tag never starts a
    // deployment over one in progress: at desiredCount 0 the service is Suspended,
    // never Progressing, so the re-push is acted on.
    await dir.write('svc.yaml', [svc({ name: 'web', image, desiredCount: 0, extra: { sync: { images: 'follow-tag' } } })]);
    const updates: unknown[] = [];
    const c = controllerFor({
      send: (operation, input, signal) => {
        if (operation === 'UpdateService') updates.push(input);
        return counter.wrap(api).send(operation, input, signal);
      },
    }, { ecr, followRollouts: false, imageCacheTtlMs: 0 });
    controllers.push(c);
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    expect(c.status.get(key('web'))).toMatchObject({ sync: 'Synced', imageDigests: { app: before } });
    const revision = (await api.send('DescribeServices', { cluster: 'demo', services: ['web'] })).services?.[0]?.taskDefinition;
    expect(revision).toMatch(/task-definition\/web:1$/);

    const after = await push('1.0');
    expect(after).not.toBe(before);
    counter.reset();
    await c.resync();
    await c.waitForIdle({ requeues: true });
    await c.resync();
    await c.waitForIdle({ requeues: true });

    const calls = JSON.stringify({ calls: Object.fromEntries(counter.counts), status: c.status.get(key('web')) });
    expect(counter.count('UpdateService'), calls).toBe(1);
    expect(counter.count('RegisterTaskDefinition'), calls).toBe(0);
    expect(updates).toEqual([expect.objectContaining({ cluster: 'demo', service: 'web', forceNewDeployment: true })]);
    expect(updates[0]).not.toHaveProperty('taskDefinition');
    expect(await liveImage()).toBe(image);
    expect((await api.send('DescribeServices', { cluster: 'demo', services: ['web'] })).services?.[0]?.taskDefinition).toBe(revision);
    expect(c.status.get(key('web'))).toMatchObject({ sync: 'Synced', diff: [], imageDigests: { app: after } });
  });

  it('never looks up images outside ECR', async () => {
    await dir.write('svc.yaml', [
      svc({ name: 'hub', image: 'nginx:1.27', extra: { sync: { images: 'pin-digest' } } }),
      svc({ name: 'public', image: 'public.ecr.aws/nginx/nginx:1.27', extra: { sync: { images: 'follow-tag' } } }),
      svc({ name: 'ghcr', image: 'ghcr.io/acme/api:2.0' }),
    ]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    await c.resync();
    await c.waitForIdle({ requeues: true });
    expect(counter.count('CreateService')).toBe(3);
    expect(c.status.list().map((s) => s.sync)).toEqual(['Synced', 'Synced', 'Synced']);
    expect(ecrCalls).toEqual([]);
  });
});
