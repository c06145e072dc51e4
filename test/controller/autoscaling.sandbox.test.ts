/**
 * Issue 19, "never fight": a whole controller against the sandbox over HTTP
 * with the real SDK clients (ECS, Application Auto Scaling, CloudWatch). The
 * sandbox's simulated target tracking moves desiredCount while the controller
 * resyncs and deploys; every ECS and scaling call the controller sends is
 * recorded, so the test can say exactly which calls a Git change made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeregisterScalableTargetCommand, DescribeScalableTargetsCommand, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { createSdkScalingApi } from '../../src/autoscaling/scaling-sdk-adapter.js';
import type { ScalingApi, ScalingOperation } from '../../src/autoscaling/scaling-api.js';
import type { Controller } from '../../src/controller/index.js';
import type { EcsApi, EcsOperation } from '../../src/ecs/ecs-api.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';
import { recording, scalingSandbox, type Recorded } from './support/scaling-world.js';

const TARGET_TRACKING = { name: 'cpu', targetValue: 50, predefinedMetric: 'ECSServiceAverageCPUUtilization', scaleOutCooldown: 0, scaleInCooldown: 0 };

function scaledWeb(autoScaling: Record<string, unknown> | undefined, image = 'nginx:1.27'): Record<string, unknown> {
  return serviceManifest({ name: 'web', desiredCount: 2, image, ...(autoScaling ? { extra: { autoScaling } } : {}) });
}

describe('auto scaling: the controller and the autoscaler never fight (sandbox)', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller;
  let scalingClient: ReturnType<typeof createSdkScalingApi>;
  const ecsCalls: Recorded<EcsOperation>[] = [];
  const scalingCalls: Recorded<ScalingOperation>[] = [];
  let revision = 0;

  const admin = async (path: string, body: unknown) => {
    const response = await fetch(`${world.sandbox.endpoint}/_sandbox/${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect(response.status, await response.clone().text()).toBe(200);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const liveService = async (name: string) => (await world.api.send('DescribeServices', { cluster: 'demo', services: [name], include: ['TAGS'] })).services?.[0];
  const status = (name = 'web') => controller.status.get(`${REGION}/demo/${name}`);
  const apply = async (file: string, docs: Record<string, unknown>[]) => {
    await dir.write(file, docs);
    controller.setSnapshot(await dir.load(`r${++revision}`));
  };
  const writesSince = (from: number) => scalingCalls.slice(from).filter((c) => !c.op.startsWith('Describe')).map((c) => c.op);
  const mutatingFor = (service: string) => scalingCalls.filter((c) => !c.op.startsWith('Describe')
    && (c.input.ResourceId === `service/demo/${service}` || String(c.input.AlarmName ?? '').includes(`/demo/${service}/`)));

  beforeAll(async () => {
    world = await sandboxWorld();
    const config = world.sandbox.clientConfig({ accountId: world.accountId, region: REGION });
    scalingClient = createSdkScalingApi({ endpoint: config.endpoint, region: REGION, credentials: config.credentials });
    dir = await ManifestDir.create();
    const ecs: EcsApi = recording(world.controllerApi, ecsCalls);
    const scaling: ScalingApi = recording(scalingClient.api, scalingCalls);
    controller = controllerFor(ecs, { scaling, resyncMs: 200, resyncJitter: 0 });
    await dir.write('web.yaml', [scaledWeb({ minCapacity: 2, maxCapacity: 8, targetTracking: [TARGET_TRACKING] })]);
    controller.setSnapshot(await dir.load(`r${++revision}`));
    await controller.start();
    await eventually(() => status()?.sync === 'Synced' && status()?.health === 'Healthy' && status()?.autoScaling?.registered === true, () => status());
  }, 60_000);

  afterAll(async () => {
    await controller?.stop({ graceMs: 100 });
    scalingClient?.autoScaling.destroy();
    scalingClient?.cloudWatch.destroy();
    await world?.sandbox.close();
    await dir?.dispose();
  });

  it('registers the target and policy once the service exists, claimed by the service tag', async () => {
    const targets = await scalingClient.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/demo/web'] }));
    expect(targets.ScalableTargets?.map((t) => [t.MinCapacity, t.MaxCapacity])).toEqual([[2, 8]]);
    const tags = Object.fromEntries(((await liveService('web'))?.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags['ecs-gitops/autoscaling']).toBe('ecs-gitops');
    const create = ecsCalls.findIndex((c) => c.op === 'CreateService');
    expect(create).toBeGreaterThanOrEqual(0);
    expect(ecsCalls[create]?.input.desiredCount).toBe(2);
    expect(scalingCalls.filter((c) => c.op === 'RegisterScalableTarget')).toHaveLength(1);
    expect(scalingCalls.filter((c) => c.op === 'PutScalingPolicy').map((c) => c.input.PolicyName)).toEqual(['cpu']);
    expect(status()?.autoScaling).toMatchObject({ managedBy: 'git', minCapacity: 2, maxCapacity: 8, policies: ['cpu'] });
  });

  it('leaves the count the autoscaler sets alone through resyncs and a deployment', async () => {
    await admin('services/load', { accountId: world.accountId, region: REGION, cluster: 'demo', service: 'web', cpu: 100 });
    await eventually(async () => ((await liveService('web'))?.desiredCount ?? 0) > 2, async () => liveService('web'), 30_000);
    // A Git change while scaled out: a new image rolls out at the autoscaler's count.
    await apply('web.yaml', [scaledWeb({ minCapacity: 2, maxCapacity: 8, targetTracking: [TARGET_TRACKING] }, 'nginx:1.28')]);
    await eventually(() => status()?.lastAppliedRevision === `r${revision}` && status()?.health === 'Healthy' && status()?.sync === 'Synced', () => status(), 30_000);
    const scaled = (await liveService('web'))?.desiredCount ?? 0;
    expect(scaled).toBeGreaterThan(2);
    const updates = ecsCalls.filter((c) => c.op === 'UpdateService' && c.input.service === 'web');
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.filter((c) => 'desiredCount' in c.input)).toEqual([]);
    // Status explains the count: the autoscaler's, with its latest activity.
    await eventually(() => status()?.autoScaling?.desiredCount === scaled && status()?.autoScaling?.lastActivity !== undefined, () => status());
    expect(status()?.diff).toEqual([]);
  }, 60_000);

  it('applies exactly the matching call for each scaling change in Git, and removes what Git removes', async () => {
    const step = (autoScaling: Record<string, unknown>) => apply('web.yaml', [scaledWeb(autoScaling, 'nginx:1.28')]);
    const settled = async () => eventually(() => status()?.lastAppliedRevision === `r${revision}` && status()?.sync === 'Synced', () => status(), 30_000);

    let from = scalingCalls.length;
    await step({ minCapacity: 2, maxCapacity: 10, targetTracking: [TARGET_TRACKING] });
    await settled();
    expect(writesSince(from)).toEqual(['RegisterScalableTarget']);

    from = scalingCalls.length;
    await step({ minCapacity: 2, maxCapacity: 10, targetTracking: [{ ...TARGET_TRACKING, targetValue: 60 }] });
    await settled();
    expect(writesSince(from)).toEqual(['PutScalingPolicy']);

    from = scalingCalls.length;
    const scheduled = [{ name: 'night', schedule: 'cron(0 22 * * ? *)', timezone: 'Europe/Berlin', minCapacity: 2, maxCapacity: 4 }];
    await step({ minCapacity: 2, maxCapacity: 10, targetTracking: [{ ...TARGET_TRACKING, targetValue: 60 }], scheduled });
    await settled();
    expect(writesSince(from)).toEqual(['PutScheduledAction']);

    from = scalingCalls.length;
    await step({ minCapacity: 2, maxCapacity: 10, scheduled });
    await settled();
    expect(writesSince(from)).toEqual(['DeleteScalingPolicy']);

    from = scalingCalls.length;
    await apply('web.yaml', [scaledWeb(undefined, 'nginx:1.28')]);
    await eventually(() => status()?.lastAppliedRevision === `r${revision}` && status()?.autoScaling === undefined, () => status(), 30_000);
    expect(writesSince(from)).toEqual(['DeregisterScalableTarget']);
    const targets = await scalingClient.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/demo/web'] }));
    expect(targets.ScalableTargets).toEqual([]);
    const tags = ((await liveService('web'))?.tags ?? []).map((t) => t.key);
    expect(tags).not.toContain('ecs-gitops/autoscaling');
  }, 120_000);

  it('never touches a target registered outside Git, and does not enforce desiredCount against it', async () => {
    await apply('ext.yaml', [serviceManifest({ name: 'ext', desiredCount: 2 })]);
    await eventually(() => status('ext')?.sync === 'Synced' && status('ext')?.health === 'Healthy', () => status('ext'));
    await scalingClient.autoScaling.send(new RegisterScalableTargetCommand({
      ServiceNamespace: 'ecs', ResourceId: 'service/demo/ext', ScalableDimension: 'ecs:service:DesiredCount', MinCapacity: 1, MaxCapacity: 5,
    }));
    await admin('services/scale', { accountId: world.accountId, region: REGION, cluster: 'demo', service: 'ext', desiredCount: 4 });
    await eventually(() => status('ext')?.autoScaling?.managedBy === 'external', () => status('ext'), 30_000);
    // Several resyncs later: still 4, never an UpdateService, never a scaling write.
    const passes = ecsCalls.filter((c) => c.op === 'DescribeServices').length;
    await eventually(() => ecsCalls.filter((c) => c.op === 'DescribeServices').length > passes + 3, () => ecsCalls.length);
    expect((await liveService('ext'))?.desiredCount).toBe(4);
    expect(ecsCalls.filter((c) => c.op === 'UpdateService' && c.input.service === 'ext')).toEqual([]);
    expect(mutatingFor('ext')).toEqual([]);
    expect(status('ext')).toMatchObject({ sync: 'Synced', autoScaling: { managedBy: 'external', minCapacity: 1, maxCapacity: 5, desiredCount: 4 } });
    expect(status('ext')?.autoScaling?.note).toMatch(/not enforced/);


    // Declaring autoScaling for it does not take the target over: refused, nothing written.
    await apply('ext.yaml', [serviceManifest({ name: 'ext', desiredCount: 2, extra: { autoScaling: { minCapacity: 1, maxCapacity: 9 } } })]);
    await eventually(() => status('ext')?.lastError?.code === 'DIFF_SCALING_TARGET_NOT_OWNED', () => status('ext'), 30_000);
    expect(mutatingFor('ext')).toEqual([]);
    const targets = await scalingClient.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/demo/ext'] }));
    expect(targets.ScalableTargets?.map((t) => t.MaxCapacity)).toEqual([5]);
  }, 60_000);
});

describe('auto scaling in detect mode (sandbox)', () => {
  it('reports the scaling the manifest declares as differences and writes nothing to scaling', async () => {
    const { dir, calls, controller, status: statusOf, close } = await scalingSandbox();
    const status = () => statusOf('web');
    try {
      // The service exists (created by hand); its manifest adds scaling, in detect mode.
      await dir.write('web.yaml', [serviceManifest({ name: 'web', desiredCount: 2 })]);
      controller.setSnapshot(await dir.load('r1'));
      await controller.start();
      await eventually(() => status()?.sync === 'Synced', () => status());
      await dir.write('web.yaml', [serviceManifest({ name: 'web', desiredCount: 2, mode: 'detect', extra: { autoScaling: { minCapacity: 2, maxCapacity: 4, targetTracking: [TARGET_TRACKING] } } })]);
      controller.setSnapshot(await dir.load('r2'));
      await eventually(() => status()?.sync === 'OutOfSync', () => status());
      expect(status()?.diff.map((c) => [c.pointer, c.scope])).toEqual([['/spec/autoScaling', 'autoScaling']]);
      expect(status()?.autoScaling).toMatchObject({ managedBy: 'git', registered: false });
      expect(calls.filter((c) => !c.op.startsWith('Describe')).map((c) => c.op)).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});

describe('auto scaling: sync.ignoreDifferences on the target\'s own fields (sandbox)', () => {
  it('keeps a maxCapacity raised by hand (no drift, not reset), and sends the live value when Git changes minCapacity', async () => {
    const { scalingClient, dir, calls, controller, status: statusOf, close } = await scalingSandbox({ resyncMs: 100, resyncJitter: 0 });
    const status = () => statusOf('web');
    const web = (minCapacity: number) => serviceManifest({
      name: 'web', desiredCount: minCapacity,
      extra: { autoScaling: { minCapacity, maxCapacity: 4, targetTracking: [TARGET_TRACKING] }, sync: { ignoreDifferences: ['/autoScaling/maxCapacity'] } },
    });
    try {
      await dir.write('web.yaml', [web(2)]);
      controller.setSnapshot(await dir.load('r1'));
      await controller.start();
      await eventually(() => status()?.autoScaling?.registered === true && status()?.sync === 'Synced', () => status());
      // An incident: someone raises the ceiling by hand.
      await scalingClient.autoScaling.send(new RegisterScalableTargetCommand({
        ServiceNamespace: 'ecs', ResourceId: 'service/demo/web', ScalableDimension: 'ecs:service:DesiredCount', MaxCapacity: 12,
      }));
      const from = calls.length;
      await eventually(() => status()?.autoScaling?.maxCapacity === 12, () => status());
      await eventually(() => calls.slice(from).filter((c) => c.op === 'DescribeScalableTargets').length >= 3, () => calls.length);
      expect(calls.slice(from).filter((c) => !c.op.startsWith('Describe'))).toEqual([]);
      expect(status()).toMatchObject({ sync: 'Synced', diff: [] });

      // Git changes the floor: the registration carries the live ceiling, not the manifest's 4.
      await dir.write('web.yaml', [web(3)]);
      controller.setSnapshot(await dir.load('r2'));
      await eventually(() => calls.some((c) => c.op === 'RegisterScalableTarget' && c.input.MinCapacity === 3), () => [status(), calls.filter((c) => !c.op.startsWith('Describe'))]);
      const registered = calls.filter((c) => c.op === 'RegisterScalableTarget').at(-1);
      expect(registered?.input).toMatchObject({ MinCapacity: 3, MaxCapacity: 12 });
      const live = await scalingClient.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/demo/web'] }));
      expect(live.ScalableTargets?.map((t) => [t.MinCapacity, t.MaxCapacity])).toEqual([[3, 12]]);
    } finally {
      await close();
    }
  }, 60_000);
});

describe('auto scaling: claims that do not match a target (sandbox)', () => {
  it('releases a claim whose target is gone, so a target another tool registers later is left alone', async () => {
    const { world, scalingClient, dir, calls, controller, status, close } = await scalingSandbox({ resyncMs: 100, resyncJitter: 0 });
    const tagsOf = async (name: string) => ((await world.api.send('DescribeServices', { cluster: 'demo', services: [name], include: ['TAGS'] })).services?.[0]?.tags ?? []).map((t) => t.key);
    const target = (name: string) => ({ ServiceNamespace: 'ecs', ResourceId: `service/demo/${name}`, ScalableDimension: 'ecs:service:DesiredCount' }) as const;
    try {
      // 1. Our target deregistered by hand, then autoScaling removed from Git: the claim goes too,
      //    so a target another tool registers later is not taken for ours.
      await dir.write('a.yaml', [serviceManifest({ name: 'a', desiredCount: 2, extra: { autoScaling: { minCapacity: 2, maxCapacity: 4 } } })]);
      controller.setSnapshot(await dir.load('r1'));
      await controller.start();
      await eventually(() => status('a')?.autoScaling?.registered === true, () => status('a'));
      await scalingClient.autoScaling.send(new DeregisterScalableTargetCommand(target('a')));
      await dir.write('a.yaml', [serviceManifest({ name: 'a', desiredCount: 2 })]);
      controller.setSnapshot(await dir.load('r2'));
      await eventually(async () => !(await tagsOf('a')).includes('ecs-gitops/autoscaling'), async () => tagsOf('a'));
      const from = calls.length;
      await scalingClient.autoScaling.send(new RegisterScalableTargetCommand({ ...target('a'), MinCapacity: 1, MaxCapacity: 3 }));
      await eventually(() => status('a')?.autoScaling?.managedBy === 'external', () => status('a'));
      await eventually(() => calls.slice(from).filter((c) => c.op === 'DescribeScalableTargets').length >= 3, () => calls.length);
      expect(calls.slice(from).filter((c) => !c.op.startsWith('Describe'))).toEqual([]);

    } finally {
      await close();
    }
  }, 60_000);
});

describe('auto scaling: pruning an autoscaled service (sandbox)', () => {
  it('deregisters its target before scaling it to 0 and deleting it, so no autoscaler outlives it', async () => {
    const { scalingClient, dir, calls, controller, status, close } = await scalingSandbox({ prune: true, recordEcs: true });
    try {
      await dir.write('keep.yaml', [serviceManifest({ name: 'keep', desiredCount: 1 })]);
      await dir.write('gone.yaml', [serviceManifest({ name: 'gone', desiredCount: 2, extra: { autoScaling: { minCapacity: 2, maxCapacity: 4, targetTracking: [TARGET_TRACKING] } } })]);
      controller.setSnapshot(await dir.load('r1'));
      await controller.start();
      await eventually(() => status('gone')?.autoScaling?.registered === true && status('keep')?.health === 'Healthy', () => [status('gone'), status('keep')]);

      await dir.remove('gone.yaml');
      controller.setSnapshot(await dir.load('r2'));
      await eventually(() => calls.some((c) => c.op === 'DeleteService'), () => calls.map((c) => c.op));
      const ops = calls.map((c) => c.op);
      expect(ops.indexOf('DeregisterScalableTarget')).toBeGreaterThanOrEqual(0);
      const deregistered = ops.lastIndexOf('DeregisterScalableTarget');
      const scaledToZero = calls.findIndex((c) => c.op === 'UpdateService' && c.input.service === 'gone' && c.input.desiredCount === 0);
      expect(deregistered).toBeGreaterThanOrEqual(0);
      expect(deregistered).toBeLessThan(scaledToZero);
      expect(scaledToZero).toBeLessThan(ops.lastIndexOf('DeleteService'));
      const targets = await scalingClient.autoScaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: ['service/demo/gone'] }));
      expect(targets.ScalableTargets).toEqual([]);
    } finally {
      await close();
    }
  }, 60_000);
});
