/** Container images in ECR (sandbox): existence checks before deploying, pin-digest and follow-tag. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { parseEcrImage } from '../../src/ecs/image-resolver.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const key = (name: string) => `${REGION}/demo/${name}`;

describe('parseEcrImage', () => {
  it.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2', { registryId: '123456789012', region: 'eu-west-1', repository: 'web', tag: '1.4.2' }],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api', { repository: 'team/api', tag: 'latest' }],
    [`123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:${'a'.repeat(64)}`, { repository: 'web', digest: `sha256:${'a'.repeat(64)}` }],
    ['nginx:1.27', undefined],
    ['public.ecr.aws/nginx/nginx:1.27', undefined],
  ])('%s', (image, expected) => {
    if (expected === undefined) expect(parseEcrImage(image)).toBeUndefined();
    else expect(parseEcrImage(image)).toMatchObject(expected);
  });
});

describe('ECR images (sandbox)', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller | undefined;

  beforeEach(async () => {
    world = await sandboxWorld();
    world.pushImage('web', '1.0');
    dir = await ManifestDir.create();
  });
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    controller = undefined;
    await world.sandbox.close();
    await dir.dispose();
  });

  const digestOf = async (tag: string) =>
    (await world.ecr.send('DescribeImages', { repositoryName: 'web', imageIds: [{ imageTag: tag }] })).imageDetails?.[0]?.imageDigest;

  it('does not deploy an ECR image that does not exist, and deploys once it is fixed', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: `${world.repositoryUri('web')}:9.9.9` })]);
    const c = controllerFor(world.controllerApi, { ecr: world.ecr });
    controller = c;
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle();
    expect(c.status.get(key('web'))).toMatchObject({ lastApplySucceeded: false, lastAttemptedRevision: 'rev-1', health: 'Missing' });
    expect(c.status.get(key('web'))?.lastError?.code).toBe('CONTROLLER_IMAGE_NOT_FOUND');
    expect(c.status.get(key('web'))?.lastError?.message).toContain('web:9.9.9');
    expect(world.counter.mutatingCalls()).toBe(0);

    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: `${world.repositoryUri('web')}:1.0` })]);
    c.setSnapshot(await dir.load('rev-2'));
    await eventually(() => c.status.get(key('web'))?.health === 'Healthy', () => c.status.list());
    expect(c.status.get(key('web'))?.lastError).toBeUndefined();
  });

  it('pin-digest deploys the digest the tag points at, and a restart changes nothing', async () => {
    const doc = serviceManifest({ name: 'web', image: `${world.repositoryUri('web')}:1.0`, extra: { sync: { images: 'pin-digest' } } });
    await dir.write('svc.yaml', [doc]);
    const first = controllerFor(world.controllerApi, { ecr: world.ecr });
    controller = first;
    first.setSnapshot(await dir.load('rev-1'));
    await eventually(() => first.status.get(key('web'))?.health === 'Healthy', () => first.status.list());
    const td = await world.api.send('DescribeTaskDefinition', { taskDefinition: 'web' });
    expect(td.taskDefinition?.containerDefinitions?.[0]?.image).toBe(`${world.repositoryUri('web')}@${await digestOf('1.0')}`);
    await first.stop();

    world.counter.reset();
    const second = controllerFor(world.controllerApi, { ecr: world.ecr });
    controller = second;
    second.setSnapshot(await dir.load('rev-1'));
    await second.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(second.status.get(key('web'))?.sync).toBe('Synced');
  });

  it('follow-tag redeploys when the tag moves to a new digest', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: `${world.repositoryUri('web')}:1.0`, extra: { sync: { images: 'follow-tag' } } })]);
    const c = controllerFor(world.controllerApi, { ecr: world.ecr, imageCacheTtlMs: 0 });
    controller = c;
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => c.status.get(key('web'))?.health === 'Healthy', () => c.status.list());
    const before = await digestOf('1.0');

    world.pushImage('web', '1.0');
    const after = await digestOf('1.0');
    expect(after).not.toBe(before);
    world.counter.reset();
    await c.resync();
    await eventually(() => (c.status.get(key('web'))?.liveTaskDefinition ?? '').endsWith(':2') && c.status.get(key('web'))?.health === 'Healthy', () => c.status.list());
    const td = await world.api.send('DescribeTaskDefinition', { taskDefinition: 'web' });
    expect(td.taskDefinition?.containerDefinitions?.[0]?.image).toBe(`${world.repositoryUri('web')}@${after}`);
    expect(world.counter.count('UpdateService')).toBe(1);
  });
});
