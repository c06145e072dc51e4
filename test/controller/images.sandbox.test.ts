/**
 * Container images in ECR against the sandbox (real SDK over HTTP): the
 * preflight (a missing image never starts a rollout; error status, metric and
 * the ReconcileFailing expression), repositories the controller may not read
 * with imagePreflight: strict (the permissive default: images-unverified.sandbox.test.ts),
 * pin-digest drift and correction, follow-tag redeploys, batching per
 * repository, and images outside ECR never looked up.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Controller, ControllerOptions } from '../../src/controller/index.js';
import { parseEcrImage } from '../../src/ecs/image-resolver.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics, type Metrics } from '../../src/observe/metrics.js';
import { valueOf } from '../observe/metric-values.js';
import { requireProgram } from '../support/programs.js';
import { runCliCaptured } from '../support/run-cli.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const key = (name: string) => `${REGION}/demo/${name}`;
const ECR_OPERATIONS = ['DescribeImages', 'BatchGetImage', 'DescribeRepositories'];
const hasPromtool = requireProgram('promtool', 'apt-get install prometheus');
const RULES = fileURLToPath(new URL('../../deploy/prometheus/ecs-gitops.rules.yaml', import.meta.url));

describe('parseEcrImage', () => {
  it.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2', { registryId: '123456789012', region: 'eu-west-1', repository: 'web', tag: '1.4.2' }],
    ['123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api', { repository: 'team/api', tag: 'latest' }],
    [`123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:${'a'.repeat(64)}`, { repository: 'web', digest: `sha256:${'a'.repeat(64)}` }],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/web:1', { region: 'us-gov-west-1', tag: '1' }],
    ['nginx:1.27', undefined],
    ['docker.io/library/nginx:1.27', undefined],
    ['public.ecr.aws/nginx/nginx:1.27', undefined],
    ['ghcr.io/acme/api:2.0', undefined],
  ])('%s', (image, expected) => {
    if (expected === undefined) expect(parseEcrImage(image)).toBeUndefined();
    else expect(parseEcrImage(image)).toMatchObject(expected);
  });
});

/** Evaluates the shipped ReconcileFailing expression with promtool over the series the registry (/metrics) exposes now. */
async function reconcileFailingSamples(registry: Registry): Promise<{ status: number | null; output: string; expr: string }> {
  const rules = parse(await readFile(RULES, 'utf8')) as { groups: { rules: { alert?: string; expr: string }[] }[] };
  const expr = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'ReconcileFailing')?.expr ?? '';
  const exposition = await registry.metrics();
  const series = exposition.split('\n')
    .filter((l) => /^ecs_gitops_service_(last_apply_success|info)\{/.test(l))
    .map((l) => {
      const at = l.lastIndexOf(' ');
      return { series: l.slice(0, at), values: `${l.slice(at + 1)}x10` };
    });
  const dir = mkdtempSync(path.join(tmpdir(), 'ecs-gitops-promtool-'));
  try {
    writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups: [] }));
    writeFileSync(path.join(dir, 'test.yaml'), stringify({
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: series,
        promql_expr_test: [{
          expr, eval_time: '6m',
          exp_samples: [{ labels: `{cluster="demo", region="${REGION}", service="web"}`, value: 0 }],
        }],
      }],
    }));
    const result = spawnSync('promtool', ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}`, expr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('ECR images (sandbox)', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller | undefined;
  let metrics: Metrics;
  let logLines: Record<string, unknown>[];

  beforeEach(async () => {
    world = await sandboxWorld();
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
  const target = () => ({ accountId: world.accountId, region: REGION, api: 'ecr' as const });
  /** Asked through the sandbox directly; call counts are reset after set-up, before anything is measured. */
  const digestOf = (tag: string, repository = 'web') => {
    const out = world.sandbox.call('DescribeImages', { repositoryName: repository, imageIds: [{ imageTag: tag }] }, target()) as { imageDetails: { imageDigest: string }[] };
    return out.imageDetails[0]?.imageDigest ?? '';
  };
  const ecrCalls = () => {
    const counts = world.sandbox.callCounts(world.accountId);
    return Object.fromEntries(ECR_OPERATIONS.filter((op) => counts[op]).map((op) => [op, counts[op]]));
  };
  const liveImage = async (family = 'web') =>
    (await world.api.send('DescribeTaskDefinition', { taskDefinition: family })).taskDefinition?.containerDefinitions?.[0]?.image;
  const liveService = async (name = 'web') =>
    (await world.api.send('DescribeServices', { cluster: 'demo', services: [name] })).services?.[0];
  const cliEnv = () => ({
    AWS_ENDPOINT_URL_ECS: world.sandbox.endpoint, AWS_ENDPOINT_URL_ECR: world.sandbox.endpoint, AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: world.accountId, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret', NO_COLOR: '1',
  });
  /** The image of the revision the service runs (liveImage() reads the family's newest, registered before the update). */
  const runningImage = async (name = 'web') => {
    const arn = (await liveService(name))?.taskDefinition;
    return arn ? (await world.api.send('DescribeTaskDefinition', { taskDefinition: arn })).taskDefinition?.containerDefinitions?.[0]?.image : undefined;
  };
  const settled = (c: Controller, name = 'web') => c.status.get(key(name))?.health === 'Healthy' && c.status.get(key(name))?.sync === 'Synced';
  const healthy = (c: Controller, name = 'web') => eventually(() => c.status.get(key(name))?.health === 'Healthy', () => c.status.list());

  it('does not deploy a missing ECR image: Degraded, metric, ReconcileFailing true; deploys after PutImage', async () => {
    const image = `${world.repositoryUri('web')}:9.9.9`;
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    const status = c.status.get(key('web'));
    expect(status).toMatchObject({ lastApplySucceeded: false, lastAttemptedRevision: 'rev-1', health: 'Degraded', sync: 'OutOfSync' });
    expect(status?.lastError?.code).toBe('CONTROLLER_IMAGE_NOT_FOUND');
    expect(status?.lastError?.message).toContain(`image not found: ${image}`);
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(world.counter.count('RegisterTaskDefinition')).toBe(0);
    expect(await valueOf(metrics.registry, 'ecs_gitops_image_checks_total', { result: 'missing' })).toBe(1);
    expect(await valueOf(metrics.registry, 'ecs_gitops_service_last_apply_success', { account: '', region: REGION, cluster: 'demo', service: 'web' })).toBe(0);
    expect(logLines.some((l) => l.msg === 'reconcile blocked')).toBe(true);
    if (hasPromtool) {
      const evaluated = await reconcileFailingSamples(metrics.registry);
      expect(evaluated.expr).toContain('ecs_gitops_service_last_apply_success');
      expect(evaluated.output).toContain('SUCCESS');
      expect(evaluated.status).toBe(0);
    }

    world.pushImage('web', '9.9.9');
    await c.resync();
    await healthy(c);
    expect(c.status.get(key('web'))?.lastError).toBeUndefined();
    expect(c.status.get(key('web'))?.lastApplySucceeded).toBe(true);
    expect(await liveImage()).toBe(image);
    // One log line per apply action.
    const applied = logLines.filter((l) => l.msg === 'applied').map((l) => l.action);
    expect(applied).toEqual(['registerTaskDefinition', 'createService']);
    expect(applied.length).toBe(world.counter.mutatingCalls());
    // The tag as deployed: ECS resolves it to this digest when the deployment starts.
    expect(c.status.get(key('web'))?.imageDigests).toEqual({ app: digestOf('9.9.9') });
    expect(await valueOf(metrics.registry, 'ecs_gitops_image_checks_total', { result: 'found' })).toBeGreaterThanOrEqual(1);
    if (hasPromtool) {
      // Now the expression returns nothing, so expecting a 0 sample fails.
      const evaluated = await reconcileFailingSamples(metrics.registry);
      expect(evaluated.status).not.toBe(0);
    }
  });

  it('leaves the running version untouched when a new manifest names a missing tag', async () => {
    const good = `${world.repositoryUri('web')}:1.0`;
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: good })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await healthy(c);
    const running = (await liveService())?.taskDefinition;

    world.counter.reset();
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: `${world.repositoryUri('web')}:1.1` })]);
    c.setSnapshot(await dir.load('rev-2'));
    await c.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls()).toBe(0);
    expect((await liveService())?.taskDefinition).toBe(running);
    expect(await liveImage()).toBe(good);
    expect(c.status.get(key('web'))).toMatchObject({ health: 'Degraded', lastAttemptedRevision: 'rev-2', lastAppliedRevision: 'rev-1' });
    expect(c.status.get(key('web'))?.lastError?.message).toContain(`image not found: ${world.repositoryUri('web')}:1.1`);
  });

  it('reports a repository missing from the controller\'s own registry as a missing image', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: `${world.repositoryUri('nope')}:1.0` })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    const error = c.status.get(key('web'))?.lastError;
    expect(error?.code).toBe('CONTROLLER_IMAGE_NOT_FOUND');
    expect(error?.message).toContain(`repository nope does not exist in registry ${world.accountId}`);
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(await valueOf(metrics.registry, 'ecs_gitops_image_checks_total', { result: 'missing' })).toBe(1);
    expect(await valueOf(metrics.registry, 'ecs_gitops_image_checks_total', { result: 'unverified' })).toBe(0);
  });

  it('with imagePreflight: strict, blocks on AccessDeniedException (a repository policy that excludes the controller); deploys once allowed', async () => {
    const image = `${world.repositoryUri('web')}:1.0`;
    const denied = await fetch(`${world.sandbox.endpoint}/_sandbox/images/deny-reads`, {
      method: 'POST', body: JSON.stringify({ accountId: world.accountId, region: REGION, repository: 'web' }),
    });
    expect(denied.status).toBe(200);
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image, extra: { sync: { imagePreflight: 'strict' } } })]);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await c.waitForIdle({ requeues: true });
    const error = c.status.get(key('web'))?.lastError;
    expect(error?.code).toBe('CONTROLLER_IMAGE_ACCESS_DENIED');
    expect(error?.message).toContain('AccessDeniedException');
    expect(c.status.get(key('web'))?.health).toBe('Degraded');
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(await valueOf(metrics.registry, 'ecs_gitops_image_checks_total', { result: 'unverified' })).toBe(1);

    world.sandbox.admin.denyImageReads({ accountId: world.accountId, region: REGION, repository: 'web' }, false);
    await c.resync();
    await healthy(c);
    expect(await liveImage()).toBe(image);
    expect(c.status.get(key('web'))?.unverifiedImages).toBeUndefined();
  });

  it.each(['as-written', 'pin-digest', 'follow-tag'])('never looks up images outside ECR (%s)', async (policy) => {
    const images = ['nginx:1.27', 'public.ecr.aws/nginx/nginx:1.27', 'ghcr.io/acme/api:2.0', 'docker.io/library/redis:7'];
    await dir.write('svc.yaml', images.map((image, i) => serviceManifest({ name: `svc${i}`, image, extra: { sync: { images: policy } } })));
    world.sandbox.admin.resetCallCounts(world.accountId);
    const c = start({ imageCacheTtlMs: 0 });
    c.setSnapshot(await dir.load('rev-1'));
    for (let i = 0; i < images.length; i++) await healthy(c, `svc${i}`);
    await c.resync();
    await c.waitForIdle({ requeues: true });
    expect(ecrCalls()).toEqual({});
    expect(world.sandbox.callCounts(world.accountId).CreateService).toBe(images.length);
    expect(await liveImage('svc1')).toBe('public.ecr.aws/nginx/nginx:1.27');
    expect(await valueOf(metrics.registry, 'ecs_gitops_image_checks_total', { result: 'found' })).toBe(0);
  });

  it('looks up many services sharing one repository with one DescribeImages per pass', async () => {
    world.pushImage('web', '2.0');
    world.pushImage('api', '3.0');
    const docs = [
      ...Array.from({ length: 8 }, (_, i) => serviceManifest({
        name: `web${i}`, image: `${world.repositoryUri('web')}:${i % 2 === 0 ? '1.0' : '2.0'}`,
        extra: { sync: { images: i % 3 === 0 ? 'as-written' : i % 3 === 1 ? 'pin-digest' : 'follow-tag' } },
      })),
      serviceManifest({ name: 'api', image: `${world.repositoryUri('api')}:3.0`, extra: { sync: { images: 'pin-digest' } } }),
    ];
    await dir.write('svc.yaml', docs);
    world.sandbox.admin.resetCallCounts(world.accountId);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => c.status.list().filter((s) => s.health === 'Healthy').length === 9, () => c.status.list());
    // First pass: one batched look-up per repository (web, api).
    expect(ecrCalls()).toEqual({ DescribeImages: 2 });

    // Every later pass (resync): again one per repository, and nothing else changes.
    for (let pass = 0; pass < 2; pass++) {
      world.sandbox.admin.resetCallCounts(world.accountId);
      await c.resync();
      await c.waitForIdle({ requeues: true });
      expect(ecrCalls()).toEqual({ DescribeImages: 2 });
      expect(world.sandbox.callCounts(world.accountId).RegisterTaskDefinition).toBeUndefined();
    }
  });

  it('finds which of several tags is missing in one pass (batch, then one listing)', async () => {
    await dir.write('svc.yaml', [
      serviceManifest({ name: 'ok', image: `${world.repositoryUri('web')}:1.0` }),
      serviceManifest({ name: 'bad', image: `${world.repositoryUri('web')}:7.7` }),
    ]);
    world.sandbox.admin.resetCallCounts(world.accountId);
    const c = start();
    c.setSnapshot(await dir.load('rev-1'));
    await healthy(c, 'ok');
    await c.waitForIdle({ requeues: true });
    expect(c.status.get(key('bad'))?.lastError?.code).toBe('CONTROLLER_IMAGE_NOT_FOUND');
    expect(c.status.get(key('bad'))?.lastError?.message).toContain(':7.7');
    expect(ecrCalls()).toEqual({ DescribeImages: 2 });
  });

  it('pin-digest deploys the digest the tag points at, and a restart changes nothing', async () => {
    const doc = serviceManifest({ name: 'web', image: `${world.repositoryUri('web')}:1.0`, extra: { sync: { images: 'pin-digest' } } });
    await dir.write('svc.yaml', [doc]);
    const first = start();
    first.setSnapshot(await dir.load('rev-1'));
    await healthy(first);
    const digest = digestOf('1.0');
    expect(await liveImage()).toBe(`${world.repositoryUri('web')}@${digest}`);
    expect(first.status.get(key('web'))?.imageDigests).toEqual({ app: digest });
    await first.stop();

    world.counter.reset();
    const second = controllerFor(world.controllerApi, { ecr: world.ecr });
    controller = second;
    second.setSnapshot(await dir.load('rev-1'));
    await second.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(second.status.get(key('web'))?.sync).toBe('Synced');
    expect(second.status.get(key('web'))?.imageDigests).toEqual({ app: digest });
  });

  it('pin-digest: a re-pushed tag is drift naming both digests (status, `ecs-gitops diff`); detect reports, auto deploys it once', async () => {
    const uri = world.repositoryUri('web');
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: `${uri}:1.0`, extra: { sync: { images: 'pin-digest' } } })]);
    const auto = start({ imageCacheTtlMs: 0 });
    auto.setSnapshot(await dir.load('rev-1'));
    await healthy(auto);
    await auto.stop();
    const oldDigest = digestOf('1.0');
    world.pushImage('web', '1.0');
    const newDigest = digestOf('1.0');
    expect(newDigest).not.toBe(oldDigest);

    // Detect mode: drift with both digests, nothing written.
    world.counter.reset();
    const detect = controllerFor(world.controllerApi, { ecr: world.ecr, mode: 'detect', imageCacheTtlMs: 0 });
    controller = detect;
    detect.setSnapshot(await dir.load('rev-1'));
    await detect.waitForIdle({ requeues: true });
    const drift = detect.status.get(key('web'));
    expect(drift?.sync).toBe('OutOfSync');
    const change = drift?.diff.find((d) => d.pointer.endsWith('/image'));
    expect(change).toMatchObject({ desired: `${uri}@${newDigest}`, live: `${uri}@${oldDigest}` });
    expect(drift?.imageDigests).toEqual({ app: oldDigest });
    expect(world.counter.mutatingCalls()).toBe(0);
    await detect.stop();

    const env = cliEnv();
    const text = await runCliCaptured(['diff', dir.root], { env });
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(oldDigest);
    expect(text.stdout).toContain(newDigest);
    expect(text.stdout).toContain(`image ${key('web')} (pin-digest): container app: ${uri}:1.0 -> ${newDigest}`);
    const json = await runCliCaptured(['diff', dir.root, '--output', 'json'], { env });
    expect(json.stdout).toContain(`${uri}@${oldDigest}`);
    expect(json.stdout).toContain(`${uri}@${newDigest}`);
    expect(world.counter.mutatingCalls()).toBe(0);

    // Auto mode: exactly one new revision and one UpdateService, then quiet.
    const fixer = controllerFor(world.controllerApi, { ecr: world.ecr, imageCacheTtlMs: 0 });
    controller = fixer;
    fixer.setSnapshot(await dir.load('rev-1'));
    await eventually(async () => (await runningImage()) === `${uri}@${newDigest}` && settled(fixer), () => fixer.status.list());
    await fixer.resync();
    await fixer.waitForIdle({ requeues: true });
    expect(world.counter.count('RegisterTaskDefinition')).toBe(1);
    expect(world.counter.count('UpdateService')).toBe(1);
    expect(fixer.status.get(key('web'))).toMatchObject({ sync: 'Synced', imageDigests: { app: newDigest } });
  });

  it('pin-digest: a digest whose rollout failed is held, and pushing a fixed image to the tag releases it', async () => {
    const uri = world.repositoryUri('web');
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image: `${uri}:1.0`, extra: { sync: { images: 'pin-digest' } } })]);
    const c = start({ imageCacheTtlMs: 0 });
    c.setSnapshot(await dir.load('rev-1'));
    await healthy(c);

    world.pushImage('web', '1.0');
    const broken = digestOf('1.0');
    world.sandbox.admin.markImageCrashing(`${uri}@${broken}`);
    world.counter.reset();
    await c.resync();
    await eventually(() => c.status.get(key('web'))?.lastError?.code === 'CONTROLLER_ROLLOUT_FAILED', () => c.status.list(), 30_000);
    const why = () => JSON.stringify({ calls: Object.fromEntries(world.counter.counts), status: c.status.get(key('web')) });
    expect(world.counter.count('RegisterTaskDefinition'), why()).toBe(1);
    // Held: the same digest is not deployed again on the next pass.
    await c.resync();
    await c.waitForIdle({ requeues: true });
    expect(world.counter.count('RegisterTaskDefinition'), why()).toBe(1);
    expect(world.counter.count('UpdateService'), why()).toBe(1);

    world.pushImage('web', '1.0');
    const fixed = digestOf('1.0');
    await c.resync();
    await eventually(async () => (await runningImage()) === `${uri}@${fixed}` && settled(c), () => c.status.list(), 30_000);
    await c.waitForIdle({ requeues: true });
    expect(world.counter.count('RegisterTaskDefinition'), why()).toBe(2);
    expect(c.status.get(key('web'))).toMatchObject({ sync: 'Synced', imageDigests: { app: fixed } });
  });

  it('follow-tag: a re-pushed tag starts exactly one new deployment of the same revision, logged as an image update', async () => {
    const image = `${world.repositoryUri('web')}:1.0`;
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image, extra: { sync: { images: 'follow-tag' } } })]);
    const c = start({ imageCacheTtlMs: 0 });
    c.setSnapshot(await dir.load('rev-1'));
    await healthy(c);
    const before = digestOf('1.0');
    expect(c.status.get(key('web'))?.imageDigests).toEqual({ app: before });
    const revision = (await liveService())?.taskDefinition;

    world.pushImage('web', '1.0');
    const after = digestOf('1.0');
    expect(after).not.toBe(before);
    world.counter.reset();
    await c.resync();
    await eventually(() => c.status.get(key('web'))?.imageDigests?.app === after && c.status.get(key('web'))?.health === 'Healthy', () => c.status.list());
    await c.resync();
    await c.waitForIdle({ requeues: true });

    expect(world.counter.count('UpdateService')).toBe(1);
    expect(world.counter.count('RegisterTaskDefinition')).toBe(0);
    const service = await liveService();
    expect(service?.taskDefinition).toBe(revision);
    expect(await liveImage()).toBe(image);
    expect(c.status.get(key('web'))).toMatchObject({ sync: 'Synced', diff: [] });
    const updates = logLines.filter((l) => l.msg === 'image updated');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ container: 'app', oldDigest: before, newDigest: after, key: key('web') });
    expect(logLines.some((l) => l.msg === 'drift detected (detect mode: not applied)')).toBe(false);

    // The PRIMARY deployment's tasks run the new digest.
    const ecs = { accountId: world.accountId, region: REGION };
    const arns = (world.sandbox.call('ListTasks', { cluster: 'demo', serviceName: 'web' }, ecs) as { taskArns: string[] }).taskArns;
    const tasks = (world.sandbox.call('DescribeTasks', { cluster: 'demo', tasks: arns }, ecs) as { tasks: { containers: { imageDigest?: string }[] }[] }).tasks;
    expect(tasks.length).toBeGreaterThan(0);
    for (const t of tasks) expect(t.containers[0]?.imageDigest).toBe(after);
  });

  it('follow-tag after a restart: an image pushed after the PRIMARY deployment started is deployed once; otherwise nothing', async () => {
    const image = `${world.repositoryUri('web')}:1.0`;
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image, extra: { sync: { images: 'follow-tag' } } })]);
    const first = start({ imageCacheTtlMs: 0 });
    first.setSnapshot(await dir.load('rev-1'));
    await healthy(first);
    await first.stop();

    // Restart with nothing pushed: nothing to do.
    world.counter.reset();
    const quiet = start({ imageCacheTtlMs: 0 });
    quiet.setSnapshot(await dir.load('rev-1'));
    await quiet.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(quiet.status.get(key('web'))?.imageDigests).toEqual({ app: digestOf('1.0') });
    await quiet.stop();

    // Pushed while no controller ran: the next one deploys it, once.
    world.sandbox.clock.advance(5000);
    world.pushImage('web', '1.0');
    const after = digestOf('1.0');
    world.counter.reset();
    const c = start({ imageCacheTtlMs: 0 });
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => c.status.get(key('web'))?.imageDigests?.app === after && c.status.get(key('web'))?.health === 'Healthy', () => c.status.list());
    await c.resync();
    await c.waitForIdle({ requeues: true });
    expect(world.counter.count('UpdateService')).toBe(1);
    expect(world.counter.count('RegisterTaskDefinition')).toBe(0);
    const updates = logLines.filter((l) => l.msg === 'image updated');
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ container: 'app', newDigest: after, oldDigest: 'unknown (deployed before this controller started)' });
  });

  it('follow-tag in detect mode reports the image update and deploys nothing', async () => {
    const image = `${world.repositoryUri('web')}:1.0`;
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image, extra: { sync: { images: 'follow-tag' } } })]);
    const c = start({ imageCacheTtlMs: 0 });
    c.setSnapshot(await dir.load('rev-1'));
    await healthy(c);
    await c.stop();
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', image, extra: { sync: { images: 'follow-tag', mode: 'detect' } } })]);
    const detect = start({ imageCacheTtlMs: 0 });
    detect.setSnapshot(await dir.load('rev-2'));
    await detect.waitForIdle({ requeues: true });
    const before = digestOf('1.0');
    world.pushImage('web', '1.0');
    world.counter.reset();
    await detect.resync();
    await detect.waitForIdle({ requeues: true });
    expect(world.counter.mutatingCalls()).toBe(0);
    expect(detect.status.get(key('web'))).toMatchObject({ sync: 'Synced', imageDigests: { app: before } });
    const available = logLines.filter((l) => l.msg === 'image update available (detect mode: not deployed)');
    expect(available[0]).toMatchObject({ container: 'app', oldDigest: before, newDigest: digestOf('1.0') });

    // `ecs-gitops diff`: not drift (exit 0), but the digest the tag resolves to now is shown.
    const text = await runCliCaptured(['diff', dir.root], { env: cliEnv() });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`image ${key('web')} (follow-tag): container app: ${image} -> ${digestOf('1.0')} (pushed after the running deployment started`);
    const json = JSON.parse((await runCliCaptured(['diff', dir.root, '--output', 'json'], { env: cliEnv() })).stdout) as { images: unknown };
    expect(json.images).toEqual([{ key: key('web'), policy: 'follow-tag', containers: { app: { image, digest: digestOf('1.0'), pending: true } } }]);
    expect(world.counter.mutatingCalls()).toBe(0);
  });
});
