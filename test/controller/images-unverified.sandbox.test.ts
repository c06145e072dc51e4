/**
 * Issue 18 §2, against the sandbox over HTTP with the real SDK: images in
 * AWS's own registries (other accounts that let everyone pull and nobody
 * DescribeImages) are deployed and reported unverified (status, metric, one
 * warning), `spec.sync.imagePreflight: strict` blocks them, pin-digest on an
 * unreadable tag is a clear error, and an image proven missing in a readable
 * repository still blocks. The sandbox answers for the account in the image's
 * registry host and honours repository policies from the seed.
 */
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller, ControllerOptions } from '../../src/controller/index.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics, type Metrics } from '../../src/observe/metrics.js';
import { AWS_OWNED_REGISTRIES, awsOwnedRegistriesSeed } from '../../src/sandbox/seed.js';
import { valueOf } from '../observe/metric-values.js';
import { runCliCaptured } from '../support/run-cli.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const key = (name: string) => `${REGION}/demo/${name}`;
const FLUENT_BIT = `${AWS_OWNED_REGISTRIES.fluentBit}.dkr.ecr.${REGION}.amazonaws.com/aws-for-fluent-bit`;
const ENVOY = `${AWS_OWNED_REGISTRIES.appMeshEnvoy}.dkr.ecr.${REGION}.amazonaws.com/aws-appmesh-envoy:v1.29.12.1-prod`;

/** A Fargate service whose app logs through a FireLens sidecar (the shape of AWS's published FireLens examples). */
function fireLensService(name: string, appImage: string, routerImage: string, sync?: Record<string, unknown>): Record<string, unknown> {
  const doc = serviceManifest({ name, image: appImage, ...(sync ? { extra: { sync } } : {}) }) as { spec: { taskDefinition: Record<string, unknown> } };
  doc.spec.taskDefinition.containerDefinitions = [
    {
      name: 'log_router', image: routerImage, essential: true, memoryReservation: 50,
      firelensConfiguration: { type: 'fluentbit', options: { 'enable-ecs-log-metadata': 'true' } },
    },
    {
      name: 'app', image: appImage, essential: true, portMappings: [{ containerPort: 80 }],
      dependsOn: [{ containerName: 'log_router', condition: 'START' }],
      logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'cloudwatch', region: REGION, log_group_name: '/ecs/app', log_stream_prefix: 'app-' } },
    },
  ];
  return doc;
}

describe('images the controller cannot read (sandbox)', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller | undefined;
  let metrics: Metrics;
  let logLines: Record<string, unknown>[];

  beforeEach(async () => {
    world = await sandboxWorld();
    world.sandbox.admin.seed(awsOwnedRegistriesSeed(REGION));
    world.pushImage('web', '1.0');
    dir = await ManifestDir.create();
    metrics = createMetrics(new Registry(), { defaultMetrics: false });
    logLines = [];
  });
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    controller = undefined;
    await world.sandbox.close();
    await dir.dispose();
  });

  const start = (overrides: Partial<ControllerOptions> = {}): Controller => {
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
    });
    controller = controllerFor(world.controllerApi, {
      ecr: world.ecr, metrics, logger: createLogger({ level: 'info', destination: sink }), ...overrides,
    });
    return controller;
  };
  const healthy = (c: Controller, name = 'web') =>
    eventually(() => c.status.get(key(name))?.health === 'Healthy' && c.status.get(key(name))?.sync === 'Synced', () => c.status.list());
  const checks = (result: string) => valueOf(metrics.registry, 'ecs_gitops_image_checks_total', { result });
  const unverifiedWarnings = () => logLines.filter((l) => l.msg === 'image unverified: the controller cannot read its repository');
  const runningTasks = (name = 'web') => {
    const ecs = { accountId: world.accountId, region: REGION };
    const arns = (world.sandbox.call('ListTasks', { cluster: 'demo', serviceName: name }, ecs) as { taskArns: string[] }).taskArns;
    if (arns.length === 0) return [];
    return (world.sandbox.call('DescribeTasks', { cluster: 'demo', tasks: arns }, ecs) as { tasks: { lastStatus: string }[] }).tasks
      .filter((t) => t.lastStatus === 'RUNNING');
  };

  it('deploys a FireLens sidecar from AWS\'s fluent-bit registry: unverified in status and metrics, warned once, tasks run', async () => {
    const router = `${FLUENT_BIT}:stable`;
    await dir.write('svc.yaml', [fireLensService('web', `${world.repositoryUri('web')}:1.0`, router)]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await healthy(c);
    const status = c.status.get(key('web'));
    expect(status).toMatchObject({ lastApplySucceeded: true, lastAppliedRevision: 'rev-1' });
    expect(status?.lastError).toBeUndefined();
    expect(status?.unverifiedImages).toHaveLength(1);
    const entry = status?.unverifiedImages?.[0];
    expect(entry).toMatchObject({ container: 'log_router', image: router });
    expect(entry?.reason).toContain(`repository ${FLUENT_BIT} cannot be read by the controller (AccessDeniedException`);
    expect(entry?.reason).toContain(`arn:aws:ecr:${REGION}:${AWS_OWNED_REGISTRIES.fluentBit}:repository/aws-for-fluent-bit because no resource-based policy allows the ecr:DescribeImages action`);
    // The app image in the controller's own registry was checked and found.
    expect(status?.imageDigests?.app).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await checks('unverified')).toBeGreaterThanOrEqual(1);
    expect(await checks('found')).toBeGreaterThanOrEqual(1);
    expect(runningTasks().length).toBe(2);
    expect(unverifiedWarnings()).toHaveLength(1);
    expect(unverifiedWarnings()[0]).toMatchObject({ level: 'warn', key: key('web'), container: 'log_router', image: router });

    // Steady state: nothing written again, still listed, not warned again.
    world.counter.reset();
    await c.resync();
    await c.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(c.status.get(key('web'))?.unverifiedImages?.[0]).toMatchObject({ container: 'log_router', image: router });
    expect(unverifiedWarnings()).toHaveLength(1);
  });

  it('deploys the App Mesh Envoy image unverified with `sync`, whose JSON status lists it', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'mesh', image: ENVOY })]);
    const env = {
      AWS_ENDPOINT_URL_ECS: world.sandbox.endpoint, AWS_ENDPOINT_URL_ECR: world.sandbox.endpoint, AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: world.accountId, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret', NO_COLOR: '1',
    };
    const out = await runCliCaptured(['sync', dir.root, '--output', 'json'], { env });
    const json = JSON.parse(out.stdout) as { services: { service: string; lastError?: unknown; unverifiedImages?: { container: string; image: string; reason: string }[] }[] };
    const mesh = json.services.find((s) => s.service === 'mesh');
    expect(mesh?.lastError, out.stdout).toBeUndefined();
    expect(mesh?.unverifiedImages).toEqual([{ container: 'app', image: ENVOY, reason: expect.stringContaining('AccessDeniedException') as string }]);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    const live = (await world.api.send('DescribeServices', { cluster: 'demo', services: ['mesh'] })).services?.[0];
    expect(live?.status).toBe('ACTIVE');
    // diff says so too, without failing: in sync, with the unverified image named (text on stderr, and in the JSON).
    const text = await runCliCaptured(['diff', dir.root], { env });
    expect(text.code, text.stdout + text.stderr).toBe(0);
    expect(text.stderr).toContain(`warning ${REGION}/demo/mesh: container app image ${ENVOY} cannot be verified and would be deployed as written`);
    const diffJson = JSON.parse((await runCliCaptured(['diff', dir.root, '--output', 'json'], { env })).stdout) as { unverifiedImages?: unknown[] };
    expect(diffJson.unverifiedImages).toEqual([{ key: `${REGION}/demo/mesh`, container: 'app', image: ENVOY, reason: expect.stringContaining('AccessDeniedException') as string }]);
  });

  it('imagePreflight: strict blocks an image it cannot read with CONTROLLER_IMAGE_ACCESS_DENIED and a hint that can be followed', async () => {
    await dir.write('svc.yaml', [fireLensService('web', `${world.repositoryUri('web')}:1.0`, `${FLUENT_BIT}:stable`, { imagePreflight: 'strict' })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    const status = c.status.get(key('web'));
    expect(status).toMatchObject({ lastApplySucceeded: false, health: 'Degraded' });
    expect(status?.lastError?.code).toBe('CONTROLLER_IMAGE_ACCESS_DENIED');
    expect(status?.lastError?.message).toContain('AccessDeniedException');
    expect(status?.lastError?.message).toContain('spec.sync.imagePreflight is strict');
    expect(status?.lastError?.message).toContain('imagePreflight: permissive');
    expect(status?.lastError?.message).toContain(`container log_router of ${key('web')}`);
    expect(status?.unverifiedImages).toBeUndefined();
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(await checks('unverified')).toBeGreaterThanOrEqual(1);
    expect(logLines.some((l) => l.msg === 'not applied')).toBe(true);
  });

  it('pin-digest on an unreadable tag is CONTROLLER_IMAGE_DIGEST_UNREADABLE; with the digest written in the manifest it deploys', async () => {
    const uri = world.repositoryUri('web');
    await dir.write('svc.yaml', [fireLensService('web', `${uri}:1.0`, `${FLUENT_BIT}:stable`, { images: 'pin-digest' })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    const error = c.status.get(key('web'))?.lastError;
    expect(error?.code).toBe('CONTROLLER_IMAGE_DIGEST_UNREADABLE');
    expect(error?.message).toContain(`pin-digest needs the digest of ${FLUENT_BIT}:stable, and it cannot be read`);
    expect(error?.message).toContain(`Write the digest in the manifest (${FLUENT_BIT}@sha256:...)`);
    expect(world.counter.mutatingCalls()).toBe(0);

    // The digest as its owner sees it (AWS publishes its images' digests); the controller's account could not read it.
    const owner = { accountId: AWS_OWNED_REGISTRIES.fluentBit, region: REGION, api: 'ecr' as const };
    const digest = (world.sandbox.call('DescribeImages', { repositoryName: 'aws-for-fluent-bit', imageIds: [{ imageTag: 'stable' }] }, owner) as { imageDetails: { imageDigest: string }[] })
      .imageDetails[0]?.imageDigest ?? '';
    await dir.write('svc.yaml', [fireLensService('web', `${uri}:1.0`, `${FLUENT_BIT}@${digest}`, { images: 'pin-digest' })]);
    c.setSnapshot(await dir.load('rev-2'));
    await healthy(c);
    const status = c.status.get(key('web'));
    expect(status?.lastError).toBeUndefined();
    expect(status?.unverifiedImages?.[0]).toMatchObject({ container: 'log_router', image: `${FLUENT_BIT}@${digest}` });
    expect(world.counter.count('RegisterTaskDefinition')).toBe(1);
    const registered = (await world.api.send('DescribeTaskDefinition', { taskDefinition: 'web' })).taskDefinition?.containerDefinitions ?? [];
    expect(registered.find((d) => d.name === 'log_router')?.image).toBe(`${FLUENT_BIT}@${digest}`);
    expect(registered.find((d) => d.name === 'app')?.image).toMatch(new RegExp(`^${uri}@sha256:[0-9a-f]{64}$`));
  });

  it('follow-tag deploys an unreadable tag as written and says it cannot follow it', async () => {
    await dir.write('svc.yaml', [fireLensService('web', `${world.repositoryUri('web')}:1.0`, `${FLUENT_BIT}:stable`, { images: 'follow-tag' })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await healthy(c);
    const entry = c.status.get(key('web'))?.unverifiedImages?.[0];
    expect(entry).toMatchObject({ container: 'log_router', image: `${FLUENT_BIT}:stable` });
    expect(entry?.reason).toContain('follow-tag cannot tell when this tag moves');
  });

  it('still blocks an image proven missing in a readable repository, beside an unverified sidecar', async () => {
    const missing = `${world.repositoryUri('web')}:9.9.9`;
    await dir.write('svc.yaml', [fireLensService('web', missing, `${FLUENT_BIT}:stable`)]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    const status = c.status.get(key('web'));
    expect(status?.lastError?.code).toBe('CONTROLLER_IMAGE_NOT_FOUND');
    expect(status?.lastError?.message).toContain(`image not found: ${missing}`);
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(await checks('missing')).toBe(1);
  });

  it('still blocks an image whose repository does not exist in the controller\'s own registry (proven missing, not unverified)', async () => {
    const image = `${world.repositoryUri('nope')}:1.0`;
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    const error = c.status.get(key('web'))?.lastError;
    expect(error?.code).toBe('CONTROLLER_IMAGE_NOT_FOUND');
    expect(error?.message).toContain(`repository nope does not exist in registry ${world.accountId}`);
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(await checks('missing')).toBe(1);
    expect(await checks('unverified')).toBe(0);
  });

  it('checks images in another account whose repository policy (seeded) lets the controller read them: found, or proven missing', async () => {
    const shared = '777777777777';
    world.sandbox.admin.seed({
      accounts: [{
        accountId: shared, region: REGION,
        repositories: [{
          name: 'platform/base', images: [{ tags: ['1.0'] }],
          policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${world.accountId}:root` }, Action: ['ecr:DescribeImages', 'ecr:BatchGetImage'] }] },
        }],
      }],
    });
    const registry = `${shared}.dkr.ecr.${REGION}.amazonaws.com/platform/base`;
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: `${registry}:1.0` }), serviceManifest({ name: 'typo', image: `${registry}:1.1` })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await healthy(c);
    await c.waitForIdle({ requeues: true });
    const web = c.status.get(key('web'));
    expect(web?.unverifiedImages).toBeUndefined();
    expect(web?.imageDigests?.app).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(c.status.get(key('typo'))?.lastError?.code).toBe('CONTROLLER_IMAGE_NOT_FOUND');
    expect(await checks('unverified')).toBe(0);
  });
});
