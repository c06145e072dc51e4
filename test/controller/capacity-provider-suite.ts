/**
 * The kind: CapacityProvider cases, run through the whole controller on each
 * backend that models capacity providers (capacity-provider.moto.test.ts,
 * capacity-provider.sandbox.test.ts): create (tagged as ours), update of
 * managed scaling with exactly one call, no drift on a second pass, a change
 * of Auto Scaling group refused, detect mode, adoption, the cluster that
 * attaches a provider waiting for it, and pruning (only with --prune, only
 * owned providers, never while a cluster attaches one). Snapshots are built
 * directly (DesiredCapacityProvider), so the cases do not depend on how
 * manifests are loaded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as ECS from '@aws-sdk/client-ecs';
import type { Controller } from '../../src/controller/index.js';
import type { EcsApi, EcsInput, EcsOperation, EcsOutput } from '../../src/ecs/ecs-api.js';
import { MUTATING_OPERATIONS } from '../../src/ecs/ecs-api.js';
import { capacityProviderIdentity, clusterIdentity } from '../../src/keys/index.js';
import type { CapacityProviderSpec, ClusterSpec, DesiredCapacityProvider, DesiredCluster, ManifestSnapshot } from '../../src/manifests/types.js';
import { REGION, controllerFor } from './harness.js';

export const ASG = `arn:aws:autoscaling:${REGION}:123456789012:autoScalingGroup:0b2c9c5e-1111-2222-3333-444455556666:autoScalingGroupName/ec2-asg`;

export function provider(name: string, spec: CapacityProviderSpec): DesiredCapacityProvider {
  return {
    key: capacityProviderIdentity(REGION, name), region: REGION, name,
    manifest: { apiVersion: 'ecs-gitops/v1', kind: 'CapacityProvider', metadata: { name, region: REGION }, spec },
    source: { file: `providers/${name}.yaml`, line: 1, column: 1 }, contentHash: JSON.stringify(spec),
  };
}

export function cluster(name: string, spec: ClusterSpec): DesiredCluster {
  return {
    key: clusterIdentity(REGION, name), region: REGION, name,
    manifest: { apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name, region: REGION }, spec },
    source: { file: `clusters/${name}.yaml`, line: 1, column: 1 }, contentHash: JSON.stringify(spec),
  };
}

export function snapshot(revision: string, parts: { providers?: DesiredCapacityProvider[]; clusters?: DesiredCluster[] }): ManifestSnapshot {
  return {
    root: '/manifests', revision, services: [], clusters: parts.clusters ?? [], capacityProviders: parts.providers ?? [],
    problems: [], files: [], filesWithProblems: new Set(), blockedKeys: new Set(),
  };
}

/** Every call in order, so a test can say which came first; `slow` operations answer 300 ms late. */
function recording(inner: EcsApi, slow: ReadonlySet<EcsOperation> = new Set()): { api: EcsApi; calls: EcsOperation[]; mutating: () => EcsOperation[] } {
  const calls: EcsOperation[] = [];
  return {
    calls,
    mutating: () => calls.filter((op) => MUTATING_OPERATIONS.has(op)),
    api: {
      async send<Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>> {
        calls.push(operation);
        if (slow.has(operation)) await new Promise((resolve) => setTimeout(resolve, 300));
        return inner.send(operation, input, signal);
      },
    },
  };
}

const SCALING = { status: 'ENABLED', targetCapacity: 80, maximumScalingStepSize: 5 } as const;

export interface CapacityProviderBackend {
  readonly name: string;
  readonly skip: boolean;
  /** A fresh, isolated account. */
  world(): Promise<{ api: EcsApi; dispose(): Promise<void> }>;
  /** DescribeCapacityProviders without names lists every provider (moto 5 answers a server error). */
  readonly listsProviders: boolean;
}

export function capacityProviderSuite(backend: CapacityProviderBackend): void {
  describe.skipIf(backend.skip)(`kind: CapacityProvider against ${backend.name}`, () => {
    let api: EcsApi;
    let dispose: () => Promise<void>;
    let rec: ReturnType<typeof recording>;
    const controllers: Controller[] = [];

    beforeEach(async () => {
      ({ api, dispose } = await backend.world());
      rec = recording(api);
    });
    afterEach(async () => {
      for (const c of controllers.splice(0)) await c.stop({ graceMs: 100 });
      await dispose();
    });

    function start(overrides: Parameters<typeof controllerFor>[1] = {}): Controller {
      const c = controllerFor(rec.api, overrides);
      controllers.push(c);
      return c;
    }
    const describeProvider = async (name: string): Promise<ECS.CapacityProvider | undefined> =>
      (await api.send('DescribeCapacityProviders', { capacityProviders: [name], include: ['TAGS'] })).capacityProviders?.[0];
    const statusOf = (c: Controller, name: string) => c.status.getCapacityProvider(capacityProviderIdentity(REGION, name));

    it('creates a provider tagged as ours, and a second pass finds no drift (ECS defaults filled in on both sides)', async () => {
      const c = start();
      c.setSnapshot(snapshot('rev-1', { providers: [provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: SCALING, managedDraining: 'ENABLED' }, tags: { team: 'a' } })] }));
      await c.waitForIdle();
      expect(rec.mutating()).toEqual(['CreateCapacityProvider']);
      const live = await describeProvider('ec2');
      expect(live?.autoScalingGroupProvider?.managedScaling).toMatchObject({ ...SCALING, minimumScalingStepSize: 1, instanceWarmupPeriod: 300 });
      expect(live?.tags).toEqual(expect.arrayContaining([
        { key: 'team', value: 'a' }, { key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }, { key: 'ecs-gitops/revision', value: 'rev-1' },
      ]));
      expect(statusOf(c, 'ec2')).toMatchObject({ sync: 'Synced', lastAppliedRevision: 'rev-1', lastApplySucceeded: true, arn: live?.capacityProviderArn, diff: [] });
      expect(c.status.snapshot().capacityProviders?.map((p) => p.name)).toEqual(['ec2']);

      rec.calls.length = 0;
      await c.resync();
      await c.waitForIdle();
      expect(rec.calls).toEqual(['DescribeCapacityProviders']);
      // A restarted controller on a new revision that changes nothing: no write either.
      const again = start();
      again.setSnapshot(snapshot('rev-2', { providers: [provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: SCALING, managedDraining: 'ENABLED' }, tags: { team: 'a' } })] }));
      await again.waitForIdle();
      expect(rec.mutating()).toEqual([]);
      expect(statusOf(again, 'ec2')?.sync).toBe('Synced');
    });

    it('a managed scaling change is one UpdateCapacityProvider (plus the revision tag), keeping the settings the manifest leaves out', async () => {
      const c = start();
      c.setSnapshot(snapshot('rev-1', { providers: [provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: SCALING } })] }));
      await c.waitForIdle();
      rec.calls.length = 0;
      c.setSnapshot(snapshot('rev-2', { providers: [provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { targetCapacity: 60 }, managedTerminationProtection: 'ENABLED' } })] }));
      await c.waitForIdle();
      expect(rec.mutating()).toEqual(['UpdateCapacityProvider', 'TagResource']);
      const live = await describeProvider('ec2');
      expect(live?.autoScalingGroupProvider).toMatchObject({
        managedScaling: { status: 'ENABLED', targetCapacity: 60, maximumScalingStepSize: 5 }, managedTerminationProtection: 'ENABLED',
      });
      expect(statusOf(c, 'ec2')).toMatchObject({ sync: 'Synced', lastAppliedRevision: 'rev-2' });
    });

    it('detect mode reports what differs and writes nothing', async () => {
      await api.send('CreateCapacityProvider', {
        name: 'ec2', autoScalingGroupProvider: { autoScalingGroupArn: ASG }, tags: [{ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }],
      });
      const c = start({ mode: 'detect' });
      c.setSnapshot(snapshot('rev-1', { providers: [provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { targetCapacity: 50 } } }), provider('new', { autoScalingGroupProvider: { autoScalingGroupArn: ASG } })] }));
      await c.waitForIdle();
      expect(rec.mutating()).toEqual([]);
      expect(statusOf(c, 'ec2')).toMatchObject({ sync: 'OutOfSync', mode: 'detect', diff: ['/autoScalingGroupProvider/managedScaling/targetCapacity'] });
      expect(statusOf(c, 'new')).toMatchObject({ sync: 'OutOfSync', diff: [''] });
    });

    it('refuses a change of Auto Scaling group without touching the provider', async () => {
      const c = start();
      c.setSnapshot(snapshot('rev-1', { providers: [provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG } })] }));
      await c.waitForIdle();
      rec.calls.length = 0;
      c.setSnapshot(snapshot('rev-2', { providers: [provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG.replace('ec2-asg', 'other-asg'), managedScaling: { targetCapacity: 10 } } })] }));
      await c.waitForIdle();
      expect(rec.mutating()).toEqual([]);
      expect(statusOf(c, 'ec2')).toMatchObject({ sync: 'OutOfSync', lastError: { code: 'DIFF_REQUIRES_REPLACEMENT' } });
      expect((await describeProvider('ec2'))?.autoScalingGroupProvider?.autoScalingGroupArn).toBe(ASG);
    });

    it('adopts an existing provider only when a person tagged it ecs-gitops/adopt', async () => {
      await api.send('CreateCapacityProvider', { name: 'ec2', autoScalingGroupProvider: { autoScalingGroupArn: ASG } });
      const declared = provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedDraining: 'DISABLED' } });
      const c = start();
      c.setSnapshot(snapshot('rev-1', { providers: [declared] }));
      await c.waitForIdle();
      expect(rec.mutating()).toEqual([]);
      expect(statusOf(c, 'ec2')?.lastError?.code).toBe('DIFF_ADOPTION_NOT_ALLOWED');

      const arn = (await describeProvider('ec2'))?.capacityProviderArn ?? '';
      await api.send('TagResource', { resourceArn: arn, tags: [{ key: 'ecs-gitops/adopt', value: 'ecs-gitops' }] });
      c.setSnapshot(snapshot('rev-2', { providers: [{ ...declared, contentHash: 'changed' }] }));
      await c.waitForIdle();
      expect(rec.mutating()).toEqual(['TagResource', 'UpdateCapacityProvider']);
      expect(statusOf(c, 'ec2')).toMatchObject({ sync: 'Synced', lastError: undefined });
      expect((await describeProvider('ec2'))?.tags).toEqual(expect.arrayContaining([{ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }]));
    });

    it('a cluster attaching a declared provider is reconciled after the provider exists', async () => {
      // The provider's read answers late: without the wait, the cluster would be created first.
      rec = recording(api, new Set(['DescribeCapacityProviders']));
      const c = start({ workers: 8 });
      c.setSnapshot(snapshot('rev-1', {
        clusters: [cluster('ec2-cluster', { capacityProviders: ['ec2'], defaultCapacityProviderStrategy: [{ capacityProvider: 'ec2', weight: 1 }] })],
        providers: [provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG } })],
      }));
      await c.waitForIdle();
      expect(rec.mutating()).toEqual(['CreateCapacityProvider', 'CreateCluster']);
      const live = (await api.send('DescribeClusters', { clusters: ['ec2-cluster'] })).clusters?.[0];
      expect(live?.capacityProviders).toEqual(['ec2']);
    });

    describe('pruning', () => {
      const declared = provider('ec2', { autoScalingGroupProvider: { autoScalingGroupArn: ASG } });
      const keep = cluster('keep', {});

      async function removedFromManifests(c: Controller): Promise<void> {
        c.setSnapshot(snapshot('rev-1', { providers: [declared], clusters: [keep] }));
        await c.waitForIdle();
        rec.calls.length = 0;
        c.setSnapshot(snapshot('rev-2', { clusters: [keep] }));
        await c.waitForIdle();
      }

      it('without --prune an owned provider that left the manifests is kept', async () => {
        const c = start();
        await removedFromManifests(c);
        expect(rec.mutating()).toEqual([]);
        expect(await describeProvider('ec2')).toBeDefined();
        expect(statusOf(c, 'ec2')).toBeUndefined();
      });

      it('with --prune it is deleted when no cluster attaches it', async () => {
        const c = start({ prune: true });
        await removedFromManifests(c);
        expect(rec.mutating()).toEqual(['DeleteCapacityProvider']);
        expect(await describeProvider('ec2')).toBeUndefined();
        expect(statusOf(c, 'ec2')).toBeUndefined();
      });

      it('is blocked while a live cluster attaches it, and goes once detached', async () => {
        await api.send('CreateCluster', { clusterName: 'elsewhere' });
        const c = start({ prune: true });
        c.setSnapshot(snapshot('rev-1', { providers: [declared], clusters: [keep] }));
        await c.waitForIdle();
        await api.send('PutClusterCapacityProviders', { cluster: 'elsewhere', capacityProviders: ['ec2'], defaultCapacityProviderStrategy: [] });
        rec.calls.length = 0;
        c.setSnapshot(snapshot('rev-2', { clusters: [keep] }));
        await c.waitForIdle();
        expect(rec.mutating()).toEqual([]);
        expect(statusOf(c, 'ec2')).toMatchObject({ sync: 'OutOfSync', lastError: { code: 'DIFF_PRUNE_BLOCKED' } });
        expect(statusOf(c, 'ec2')?.lastError?.message).toContain('cluster elsewhere still uses it');

        await api.send('PutClusterCapacityProviders', { cluster: 'elsewhere', capacityProviders: [], defaultCapacityProviderStrategy: [] });
        // What a resync's scan queues (moto cannot list providers: see the last case).
        c.queue.add(capacityProviderIdentity(REGION, 'ec2'));
        await c.waitForIdle();
        expect(rec.mutating()).toEqual(['DeleteCapacityProvider']);
        expect(statusOf(c, 'ec2')).toBeUndefined();
      });

      it('is blocked while a cluster manifest still lists it', async () => {
        const c = start({ prune: true });
        c.setSnapshot(snapshot('rev-1', { providers: [declared], clusters: [cluster('keep', { capacityProviders: ['ec2'], defaultCapacityProviderStrategy: [] })] }));
        await c.waitForIdle();
        rec.calls.length = 0;
        c.setSnapshot(snapshot('rev-2', { clusters: [cluster('keep', { capacityProviders: ['ec2'], defaultCapacityProviderStrategy: [] })] }));
        await c.waitForIdle();
        expect(rec.mutating()).toEqual([]);
        expect(statusOf(c, 'ec2')?.lastError?.message).toContain('manifest of cluster keep still lists it');
      });

      it('never deletes a provider it does not own', async () => {
        await api.send('CreateCapacityProvider', { name: 'theirs', autoScalingGroupProvider: { autoScalingGroupArn: ASG } });
        // ECS refuses two providers on one group: each gets its own.
        await api.send('CreateCapacityProvider', {
          name: 'other-controller', autoScalingGroupProvider: { autoScalingGroupArn: ASG.replace('ec2-asg', 'other-asg') }, tags: [{ key: 'ecs-gitops/managed-by', value: 'team-b' }],
        });
        const c = start({ prune: true });
        c.setSnapshot(snapshot('rev-1', { clusters: [keep] }));
        await c.waitForIdle();
        rec.calls.length = 0;
        c.queue.add(capacityProviderIdentity(REGION, 'theirs'));
        c.queue.add(capacityProviderIdentity(REGION, 'other-controller'));
        await c.waitForIdle();
        expect(rec.mutating()).toEqual([]);
        expect(await describeProvider('theirs')).toBeDefined();
        expect(await describeProvider('other-controller')).toBeDefined();
      });

      // moto gap: DescribeCapacityProviders without names (the listing the scan pages through) is a server error in moto 5.
      (backend.listsProviders ? it : it.fails)('a provider removed while the controller was down is found by the --prune scan and deleted', async () => {
        const first = start();
        first.setSnapshot(snapshot('rev-1', { providers: [declared], clusters: [keep] }));
        await first.waitForIdle();
        await first.stop();
        rec.calls.length = 0;
        const second = start({ prune: true });
        second.setSnapshot(snapshot('rev-2', { clusters: [keep] }));
        await second.waitForIdle();
        expect(rec.mutating()).toEqual(['DeleteCapacityProvider']);
      });
    });
  });
}
