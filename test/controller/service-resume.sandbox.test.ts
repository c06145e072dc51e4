/**
 * A restarted controller finishes the deploys an earlier process began
 * (ServiceReconciler.resume, issue 23), and the reconciler announces an apply
 * before it writes anything to ECS (onApplyStarting). Against the sandbox
 * over HTTP with the real SDK; the sandbox's clock stands still (clockSpeed 0)
 * so a rollout ends, or rolls back, only when the test moves it: "while the
 * controller was down" is a clock move between two reconcilers' passes. One
 * reconciler and StatusStore stand for one process.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPlanner } from '../../src/controller/planner.js';
import { RegionAccessPool } from '../../src/controller/regions.js';
import { ServiceReconciler, type ApplyStartingInfo, type ServiceReconcilerOptions } from '../../src/controller/service/reconciler.js';
import { StatusStore } from '../../src/controller/status.js';
import type { OpenDeploy } from '../../src/events/types.js';
import type { DesiredService } from '../../src/manifests/types.js';
import { systemClock } from '../../src/util/clock.js';
import { servicePass } from './support/service-pass.js';
import { ManifestDir, REGION, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const KEY = `${REGION}/demo/web`;
const WRITES = new Set(['RegisterTaskDefinition', 'CreateService', 'UpdateService', 'TagResource', 'UntagResource']);

describe('ServiceReconciler.resume and onApplyStarting (sandbox)', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;

  beforeEach(async () => {
    world = await sandboxWorld({ clockSpeed: 0 });
    dir = await ManifestDir.create();
  });
  afterEach(async () => {
    await world.sandbox.close();
    await dir.dispose();
  });

  /** One controller process: its reconciler, its status, one pass at a time. */
  function process(options: Partial<ServiceReconcilerOptions> = {}) {
    const region = new RegionAccessPool({ ecs: world.controllerApi, clock: systemClock, signal: new AbortController().signal, rateLimits: false }).get(REGION);
    const status = new StatusStore();
    const reconciler = new ServiceReconciler({ clock: systemClock, planner: defaultPlanner, controllerId: 'ecs-gitops', mode: 'auto', rolloutPollMs: 25, ...options });
    return { reconciler, status, pass: servicePass(reconciler, region, status) };
  }

  async function manifest(image: string, revision: string): Promise<DesiredService> {
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image, desiredCount: 1 })]);
    return (await dir.load(revision)).services[0] as DesiredService;
  }

  const writes = () => world.sandbox.admin.callLog({ accountId: world.accountId }).filter((c) => WRITES.has(c.operation)).map((c) => c.operation);
  const liveService = async (): Promise<ECS.Service | undefined> => (await world.api.send('DescribeServices', { cluster: 'demo', services: ['web'] })).services?.[0];
  const deployment = async (arn: string) => (await world.api.send('DescribeServiceDeployments', { serviceDeploymentArns: [arn] })).serviceDeployments?.[0];

  /** Moves the sandbox's clock a minute at a time until `done` (a rollout ends only when the clock moves). */
  async function advanceUntil(done: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 60; i++) {
      if (await done()) return;
      world.sandbox.clock.advance(60_000);
    }
    throw new Error('the sandbox never got there');
  }

  /** v1 created and settled by a first process. */
  async function settledV1() {
    const first = process();
    const v1 = await manifest('nginx:1.27', 'rev-1');
    await first.pass(v1, 'rev-1');
    world.sandbox.clock.advance(600_000);
    await first.pass(v1, 'rev-1');
    expect(first.status.get(KEY)).toMatchObject({ sync: 'Synced', health: 'Healthy' });
    return first;
  }

  /** The first process applies `image` at rev-2 and "dies" with the rollout under way; what it had recorded as the open deploy. */
  async function appliedThenDown(image: string): Promise<{ deploy: OpenDeploy; v2: DesiredService }> {
    const first = await settledV1();
    const v2 = await manifest(image, 'rev-2');
    const startedAt = new Date().toISOString();
    const outcome = await first.pass(v2, 'rev-2');
    expect(outcome.applied).toContain('updateService');
    const rollout = first.status.get(KEY)?.rollout;
    expect(rollout?.serviceDeploymentArn).toBeDefined();
    const deploy: OpenDeploy = {
      service: KEY, revision: 'rev-2', contentHash: v2.contentHash, startedAt, applied: true,
      serviceDeploymentArn: rollout?.serviceDeploymentArn as string, taskDefinitionArn: first.status.get(KEY)?.liveTaskDefinition as string,
    };
    return { deploy, v2 };
  }

  it('resume of a running rollout follows it to completed, without applying again', async () => {
    const { deploy, v2 } = await appliedThenDown('nginx:1.28');
    const next = process();
    next.reconciler.resume(KEY, deploy);
    const before = writes().length;
    const first = await next.pass(v2, 'rev-2');
    expect(first.applied).toBeUndefined();
    expect(first.result).toBe('requeue');
    expect(next.status.get(KEY)?.rollout).toMatchObject({ serviceDeploymentArn: deploy.serviceDeploymentArn, revision: 'rev-2' });
    expect(next.status.get(KEY)?.rollout?.result).toBeUndefined();
    expect(next.status.get(KEY)?.rollout?.deploymentId).toMatch(/^ecs-svc\//);
    world.sandbox.clock.advance(600_000);
    const done = await next.pass(v2, 'rev-2');
    expect(done.rollout).toBe('completed');
    expect(next.status.get(KEY)).toMatchObject({ health: 'Healthy', lastAppliedRevision: 'rev-2', rollout: { result: 'completed', state: 'SUCCESSFUL', revision: 'rev-2' } });
    expect(writes().length).toBe(before);
  });

  it('resume of a rollout that finished SUCCESSFUL while the controller was down yields completed once', async () => {
    const { deploy, v2 } = await appliedThenDown('nginx:1.28');
    await advanceUntil(async () => (await deployment(deploy.serviceDeploymentArn as string))?.status === 'SUCCESSFUL');
    const next = process();
    next.reconciler.resume(KEY, deploy);
    const outcomes = [await next.pass(v2, 'rev-2'), await next.pass(v2, 'rev-2'), await next.pass(v2, 'rev-2')];
    expect(outcomes.map((o) => o.rollout)).toEqual(['completed', undefined, undefined]);
    expect(next.status.get(KEY)).toMatchObject({ sync: 'Synced', health: 'Healthy', rollout: { result: 'completed', serviceDeploymentArn: deploy.serviceDeploymentArn, revision: 'rev-2' } });
  });

  it('resume of a rollout that rolled back while the controller was down yields failed, and the content is held', async () => {
    world.sandbox.admin.markImageCrashing('nginx:9.9-crash');
    const { deploy, v2 } = await appliedThenDown('nginx:9.9-crash');
    await advanceUntil(async () => (await deployment(deploy.serviceDeploymentArn as string))?.status === 'ROLLBACK_SUCCESSFUL');
    const next = process();
    next.reconciler.resume(KEY, deploy);
    const before = writes().length;
    const failed = await next.pass(v2, 'rev-2');
    expect(failed.rollout).toBe('failed');
    expect(next.status.get(KEY)).toMatchObject({ health: 'Degraded', lastApplySucceeded: false, lastError: { code: 'CONTROLLER_ROLLOUT_FAILED' } });
    expect(next.status.get(KEY)?.rollout?.result).toBe('rolled_back');
    // Held like a failure this process had seen: not applied again.
    const again = await next.pass(v2, 'rev-2');
    expect(again.rollout).toBeUndefined();
    expect(writes().length).toBe(before);
  });

  it('a deploy not recorded as applied that live already runs is followed and marked resumedDeploy; one live does not run is applied', async () => {
    const { deploy, v2 } = await appliedThenDown('nginx:1.28');
    const unapplied: OpenDeploy = { service: KEY, revision: 'rev-2', contentHash: v2.contentHash, startedAt: deploy.startedAt, applied: false };
    const next = process();
    next.reconciler.resume(KEY, unapplied);
    const taken = await next.pass(v2, 'rev-2');
    expect(taken).toMatchObject({ resumedDeploy: true, result: 'requeue' });
    expect(taken.applied).toBeUndefined();
    world.sandbox.clock.advance(600_000);
    expect((await next.pass(v2, 'rev-2')).rollout).toBe('completed');

    // Crashed before its first write: live runs v1, so the normal apply happens.
    const third = process();
    const v3 = await manifest('nginx:1.29', 'rev-3');
    third.reconciler.resume(KEY, { service: KEY, revision: 'rev-3', contentHash: v3.contentHash, startedAt: new Date().toISOString(), applied: false });
    const applied = await third.pass(v3, 'rev-3');
    expect(applied.applied).toContain('updateService');
    expect((applied as { resumedDeploy?: boolean }).resumedDeploy).toBeUndefined();
  });

  it('a deploy whose content Git replaced meanwhile is dropped: the new content is applied', async () => {
    const { deploy } = await appliedThenDown('nginx:1.28');
    const next = process();
    next.reconciler.resume(KEY, deploy);
    const v3 = await manifest('nginx:1.29', 'rev-3');
    const outcome = await next.pass(v3, 'rev-3');
    expect(outcome.applied).toContain('updateService');
    expect(next.status.get(KEY)?.rollout).toMatchObject({ revision: 'rev-3' });
    expect(next.status.get(KEY)?.rollout?.result).toBeUndefined();
  });

  it('with no memory and nothing handed over, a PRIMARY deployment IN_PROGRESS running the desired task definition is followed', async () => {
    const { v2 } = await appliedThenDown('nginx:1.28');
    const next = process();
    const first = await next.pass(v2, 'rev-2');
    expect(first.applied).toBeUndefined();
    expect(next.status.get(KEY)?.rollout).toMatchObject({ revision: 'rev-2' });
    expect(next.status.get(KEY)?.rollout?.deploymentId).toBe((await liveService())?.deployments?.find((d) => d.status === 'PRIMARY')?.id);
    world.sandbox.clock.advance(600_000);
    expect((await next.pass(v2, 'rev-2')).rollout).toBe('completed');
  });

  describe('onApplyStarting', () => {
    it('is awaited before the pass\'s first write, with the key, revision, content and cause', async () => {
      const seen: { info: ApplyStartingInfo; writesAtCall: number; writesAtEnd: number }[] = [];
      const p = process({
        onApplyStarting: async (info) => {
          const writesAtCall = writes().length;
          // Anything written while the announcement is still under way would show here.
          await new Promise((resolve) => setTimeout(resolve, 50));
          seen.push({ info, writesAtCall, writesAtEnd: writes().length });
        },
      });
      const v1 = await manifest('nginx:1.27', 'rev-1');
      await p.pass(v1, 'rev-1');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ writesAtCall: 0, writesAtEnd: 0, info: { key: KEY, revision: 'rev-1', contentHash: v1.contentHash, cause: 'git', status: undefined } });
      expect(writes()[0]).toBe('RegisterTaskDefinition');
      world.sandbox.clock.advance(600_000);
      // In sync: nothing applied, nothing announced.
      await p.pass(v1, 'rev-1');
      expect(seen).toHaveLength(1);
      // A change made outside Git is corrected: announced with cause live, before the UpdateService.
      await world.api.send('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 3 });
      const count = writes().length;
      await p.pass(v1, 'rev-1');
      expect(seen).toHaveLength(2);
      expect(seen[1]).toMatchObject({ writesAtCall: count, writesAtEnd: count, info: { cause: 'live', revision: 'rev-1' } });
      expect(writes().slice(count)[0]).toBe('UpdateService');
    });

    it('a rejection fails the pass before anything is written, as a transient error', async () => {
      let fail = true;
      const p = process({
        onApplyStarting: async () => {
          if (fail) throw new Error('the event journal is not writable');
        },
      });
      const v1 = await manifest('nginx:1.27', 'rev-1');
      const outcome = await p.pass(v1, 'rev-1');
      expect(outcome).toMatchObject({ result: 'error', retry: true });
      expect(outcome.error?.message).toContain('the event journal is not writable');
      expect(writes()).toEqual([]);
      expect(await liveService()).toBeUndefined();
      fail = false;
      expect((await p.pass(v1, 'rev-1')).applied).toContain('createService');
    });
  });
});
