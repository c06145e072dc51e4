/**
 * MemoryEcs against the embedded sandbox: the same calls, built by the
 * product's own planner and applier from a manifest, sent to both (the
 * sandbox through the real SDK, frozen clock), and the fields the controller
 * reads compared after each step. Both use the same account id, so ARNs
 * match; only deployment ids, event ids and timestamps differ. Then the
 * fake's own test controls and hooks.
 */
import type * as ECS from '@aws-sdk/client-ecs';
import { ECSServiceException } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Applier } from '../../../src/controller/applier.js';
import type { Controller } from '../../../src/controller/index.js';
import { assessRollout, type WatchedRollout } from '../../../src/controller/rollout.js';
import { diffService } from '../../../src/diff/index.js';
import { AwsCallError } from '../../../src/ecs/aws-error.js';
import type { EcsApi } from '../../../src/ecs/ecs-api.js';
import { EcsReader } from '../../../src/ecs/ecs-reader.js';
import { createSdkEcsApi } from '../../../src/ecs/sdk-adapter.js';
import type { DesiredService } from '../../../src/manifests/types.js';
import { planService } from '../../../src/plan/index.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { systemClock } from '../../../src/util/clock.js';
import { freshAccountId } from '../../sandbox/sandbox-harness.js';
import { ManifestDir, REGION, controllerFor, eventually, serviceManifest } from '../harness.js';
import { MemoryEcs } from './memory-ecs.js';

const CLUSTER = 'demo';

interface Side {
  readonly name: 'memory' | 'sandbox';
  readonly api: EcsApi;
  readonly reader: EcsReader;
  readonly applier: Applier;
  /** Lets rollouts in progress finish (fake: completeAllRollouts; sandbox: time passes). */
  settle(): void;
}

function side(name: Side['name'], api: EcsApi, settle: () => void): Side {
  const reader = new EcsReader({ ecs: api, clock: systemClock, prefetchTtlMs: 0 });
  return { name, api, reader, applier: new Applier({ ecs: api, reader }), settle };
}

const strip = (id: string | undefined, text: string | undefined): string | undefined =>
  text === undefined || id === undefined ? text : text.split(id).join('<id>');

function stripIds<T extends { reason?: string }>(s: ECS.Service, value: T): T {
  let reason = value.reason;
  for (const d of s.deployments ?? []) reason = strip(d.id, reason);
  return reason === undefined ? value : { ...value, reason };
}

/** ECS announces a finished rollout among its latest events (the sandbox may log stopped tasks in the same step). */
function steadyEvent(s: ECS.Service | undefined): boolean {
  return (s?.events ?? []).slice(0, 3).some((e) => e.message === `(service ${s?.serviceName ?? ''}) has reached a steady state.`);
}

/** Drops the SDK's response metadata (the fake has none). */
function body(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('$metadata' in value)) return value;
  const { $metadata: _m, ...rest } = value as Record<string, unknown>;
  return rest;
}

/** The service fields the controller reads (diff, rollout, prune, status), ids and times left out. */
function view(s: ECS.Service | undefined): unknown {
  if (!s) return undefined;
  return {
    serviceArn: s.serviceArn, serviceName: s.serviceName, clusterArn: s.clusterArn, status: s.status,
    desiredCount: s.desiredCount, runningCount: s.runningCount, pendingCount: s.pendingCount,
    launchType: s.launchType, capacityProviderStrategy: s.capacityProviderStrategy, platformVersion: s.platformVersion,
    platformFamily: s.platformFamily, taskDefinition: s.taskDefinition, deploymentConfiguration: s.deploymentConfiguration,
    networkConfiguration: s.networkConfiguration, loadBalancers: s.loadBalancers, serviceRegistries: s.serviceRegistries,
    placementConstraints: s.placementConstraints, placementStrategy: s.placementStrategy,
    healthCheckGracePeriodSeconds: s.healthCheckGracePeriodSeconds, schedulingStrategy: s.schedulingStrategy,
    deploymentController: s.deploymentController, enableECSManagedTags: s.enableECSManagedTags, propagateTags: s.propagateTags,
    enableExecuteCommand: s.enableExecuteCommand, roleArn: s.roleArn, tags: s.tags, createdBy: s.createdBy,
    deployments: s.deployments?.map((d) => ({
      status: d.status, taskDefinition: d.taskDefinition, desiredCount: d.desiredCount, runningCount: d.runningCount,
      pendingCount: d.pendingCount, rolloutState: d.rolloutState, rolloutStateReason: strip(d.id, d.rolloutStateReason),
      launchType: d.launchType, platformVersion: d.platformVersion, platformFamily: d.platformFamily,
      networkConfiguration: d.networkConfiguration, capacityProviderStrategy: d.capacityProviderStrategy,
    })),
    assessed: stripIds(s, assessRollout(s)),
  };
}

function clusterView(c: ECS.Cluster | undefined): unknown {
  if (!c) return undefined;
  const { statistics: _s, ...rest } = c;
  return rest;
}

function taskDefinitionView(td: ECS.TaskDefinition | undefined): unknown {
  if (!td) return undefined;
  const { registeredAt: _at, requiresAttributes: _attributes, ...rest } = td;
  return rest;
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    const cause = (err as { cause?: { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } } }).cause;
    return {
      class: (err as Error).constructor.name,
      code: (err as AwsCallError).code,
      awsName: (err as AwsCallError).awsName,
      outcome: (err as AwsCallError).outcome,
      message: (err as Error).message,
      cause: { name: cause?.name, fault: cause?.$fault, status: cause?.$metadata?.httpStatusCode },
    };
  }
  throw new Error('expected the call to fail');
}

describe('MemoryEcs answers as the sandbox does', () => {
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let accountId: string;
  let sides: Side[];
  const manifests = new Map<string, DesiredService>();

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 0, throttling: 'off' });
    accountId = freshAccountId();
    const config = sandbox.clientConfig({ accountId, region: REGION });
    const { api } = createSdkEcsApi({ endpoint: config.endpoint, region: config.region, credentials: config.credentials });
    const fake = new MemoryEcs({ account: accountId, region: REGION });
    sides = [
      side('memory', fake, () => fake.completeAllRollouts()),
      side('sandbox', api, () => sandbox.clock.advance(30_000)),
    ];
    dir = await ManifestDir.create();
    await dir.write('web.yaml', [
      serviceManifest({ name: 'web', extra: { tags: { team: 'core' }, enableExecuteCommand: true } }),
      serviceManifest({ name: 'web-v2', family: 'web', image: 'nginx:1.28' }),
      serviceManifest({ name: 'crash', family: 'web', image: 'nginx:crash' }),
      serviceManifest({ name: 'ec2', moto: true, desiredCount: 1 }),
      serviceManifest({ name: 'worker', extra: { launchType: undefined, desiredCount: 1 } }),
    ]);
    const snapshot = await dir.load('r1');
    expect(snapshot.problems).toEqual([]);
    for (const s of snapshot.services) manifests.set(s.name, s);
  });
  afterAll(async () => {
    await sandbox?.close();
    await dir?.dispose();
  });

  /** Runs `step` on both sides and expects equal answers. */
  async function same<T>(step: (s: Side) => Promise<T>, project: (value: T) => unknown = (v) => v): Promise<T[]> {
    const results: T[] = [];
    for (const s of sides) results.push(await step(s));
    expect(body(project(results[0] as T)), 'memory vs sandbox').toEqual(body(project(results[1] as T)));
    return results;
  }

  const desired = (name: string): DesiredService => {
    const d = manifests.get(name);
    if (!d) throw new Error(`no manifest ${name}`);
    return d;
  };

  /** What the reconciler does: read live state, diff, plan, apply. Returns the changes found before applying. */
  async function reconcileOnce(s: Side, name: string, as = name): Promise<{ changes: unknown[] }> {
    const d = desired(as);
    const target: DesiredService = { ...d, name, key: `${REGION}/${CLUSTER}/${name}` };
    const live = await readLive(s, name);
    const changes = diffService(target.manifest, live.live, live.options);
    const plan = planService({ desired: target, live: live.live, changes, controllerId: 'test', revision: 'r1' }, live.options);
    if (plan.blocked) throw new Error(plan.blocked.message);
    await s.applier.apply(plan.actions, AbortSignal.timeout(10_000));
    s.reader.invalidateService(CLUSTER, name);
    return { changes };
  }

  async function readLive(s: Side, name: string) {
    const lookup = await s.reader.describeService(CLUSTER, name);
    const service = lookup.service && lookup.service.status === 'ACTIVE' ? lookup.service : undefined;
    const taskDefinition = service?.taskDefinition ? (await s.reader.taskDefinition(service.taskDefinition)).taskDefinition : undefined;
    const cluster = await s.reader.describeCluster(CLUSTER);
    return {
      lookup,
      live: { ...(service ? { service, tags: service.tags ?? [] } : {}), ...(taskDefinition ? { taskDefinition } : {}) },
      options: { clusterDefaultCapacityProviderStrategy: cluster?.defaultCapacityProviderStrategy ?? [] },
    };
  }

  const describeOne = (s: Side, name: string) =>
    s.api.send('DescribeServices', { cluster: CLUSTER, services: [name], include: ['TAGS'] });

  it('clusters: create, describe (with a missing one), update, capacity providers, tags', async () => {
    await same((s) => s.api.send('CreateCluster', {
      clusterName: CLUSTER, capacityProviders: ['FARGATE', 'FARGATE_SPOT'], tags: [{ key: 'env', value: 'test' }],
    }), (out) => clusterView(out.cluster));
    await same((s) => s.api.send('CreateCluster', { clusterName: CLUSTER }), (out) => clusterView(out.cluster));
    await same((s) => s.api.send('DescribeClusters', { clusters: [CLUSTER, 'nope'], include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS'] }),
      (out) => ({ clusters: out.clusters?.map(clusterView), failures: out.failures }));
    await same((s) => s.api.send('UpdateCluster', {
      cluster: CLUSTER, settings: [{ name: 'containerInsights', value: 'enabled' }],
      configuration: { executeCommandConfiguration: { logging: 'DEFAULT' } },
    }), (out) => clusterView(out.cluster));
    await same((s) => s.api.send('PutClusterCapacityProviders', {
      cluster: CLUSTER, capacityProviders: ['FARGATE', 'FARGATE_SPOT'], defaultCapacityProviderStrategy: [],
    }), (out) => clusterView(out.cluster));
    await same((s) => s.reader.describeCluster(CLUSTER), clusterView);
    await same((s) => errorOf(s.api.send('PutClusterCapacityProviders', {
      cluster: CLUSTER, capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [{ capacityProvider: 'EC2-ASG' }],
    })));
    await same((s) => errorOf(s.api.send('UpdateCluster', { cluster: 'nope', settings: [] })));
  });

  it('a service created from a manifest (as the controller plans it) is in sync on both', async () => {
    const created = await same((s) => reconcileOnce(s, 'web'));
    expect(created[0]?.changes).toHaveLength(1); // MISSING
    // What the controller registered and created, read back.
    const live = await same(async (s) => (await readLive(s, 'web')).live, (l) => ({
      service: view(l.service), taskDefinition: taskDefinitionView(l.taskDefinition), tags: l.tags,
    }));
    expect(live[0]?.service?.deployments?.[0]?.rolloutState).toBe('IN_PROGRESS');
    const diffs = await same(async (s) => {
      const l = await readLive(s, 'web');
      return diffService(desired('web').manifest, l.live, l.options);
    });
    expect(diffs).toEqual([[], []]);

    await same((s) => s.api.send('DescribeTaskDefinition', { taskDefinition: 'web', include: ['TAGS'] }),
      (out) => ({ td: taskDefinitionView(out.taskDefinition), tags: out.tags }));
    await same((s) => s.api.send('DescribeTaskDefinition', { taskDefinition: 'web:1' }), (out) => ({ td: taskDefinitionView(out.taskDefinition), tags: out.tags }));

    for (const s of sides) s.settle();
    const done = await same((s) => describeOne(s, 'web'), (out) => ({
      services: out.services?.map(view), failures: out.failures, steady: steadyEvent(out.services?.[0]),
    }));
    expect(done[0]?.services?.[0]?.deployments?.[0]?.rolloutState).toBe('COMPLETED');
    expect(steadyEvent(done[0]?.services?.[0])).toBe(true);
    // In sync: a second pass plans nothing.
    expect(await same(async (s) => (await reconcileOnce(s, 'web')).changes)).toEqual([[], []]);
  });

  it('EC2 (bridge) and cluster-default launch: what ECS fills in is diffed as in sync', async () => {
    await same((s) => reconcileOnce(s, 'ec2'));
    await same((s) => reconcileOnce(s, 'worker'), (r) => r.changes.length);
    for (const s of sides) s.settle();
    await same((s) => s.api.send('DescribeServices', { cluster: CLUSTER, services: ['ec2', 'worker'], include: ['TAGS'] }),
      (out) => out.services?.map(view));
    await same((s) => s.api.send('DescribeTaskDefinition', { taskDefinition: 'ec2' }), (out) => taskDefinitionView(out.taskDefinition));
    const again = await same(async (s) => [(await reconcileOnce(s, 'ec2')).changes, (await reconcileOnce(s, 'worker')).changes]);
    expect(again[0]).toEqual([[], []]);
  });

  it('desiredCount alone does not start a deployment; a new task definition does', async () => {
    await same((s) => s.api.send('UpdateService', { cluster: CLUSTER, service: 'web', desiredCount: 3 }),
      (out) => ({ deployments: out.service?.deployments?.length, desired: out.service?.desiredCount }));
    for (const s of sides) s.settle();
    const scaled = await same((s) => describeOne(s, 'web'), (out) => out.services?.map(view));
    expect(scaled[0]?.services?.[0]?.deployments?.map((d) => [d.status, d.rolloutState, d.desiredCount])).toEqual([['PRIMARY', 'COMPLETED', 3]]);

    // The manifest's image changes (as the controller applies it: register revision 2, UpdateService).
    const applied = await same((s) => reconcileOnce(s, 'web', 'web-v2'), (r) => r.changes);
    expect(applied[0]?.changes.length).toBeGreaterThan(0);
    const rolling = await same((s) => describeOne(s, 'web'), (out) => out.services?.map(view));
    expect(rolling[0]?.services?.[0]?.deployments?.map((d) => [d.status, d.rolloutState, d.taskDefinition?.split('/').pop()])).toEqual([
      ['PRIMARY', 'IN_PROGRESS', 'web:2'], ['ACTIVE', 'COMPLETED', 'web:1'],
    ]);
    expect(await same(async (s) => (await reconcileOnce(s, 'web', 'web-v2')).changes)).toEqual([[], []]);
    const watched: WatchedRollout = { taskDefinitionArn: rolling[0]?.services?.[0]?.taskDefinition ?? '', revision: 'r2', contentHash: 'h', startedAt: 0 };
    const assess = async (s: Side) => {
      const svc = (await describeOne(s, 'web')).services?.[0];
      return svc ? stripIds(svc, assessRollout(svc, watched)) : undefined;
    };
    await same(assess);
    for (const s of sides) s.settle();
    await same(assess);
    await same((s) => describeOne(s, 'web'), (out) => ({
      services: out.services?.map(view), steady: steadyEvent(out.services?.[0]),
    }));
    // forceNewDeployment starts one too.
    await same((s) => s.api.send('UpdateService', { cluster: CLUSTER, service: 'web', forceNewDeployment: true }),
      (out) => out.service?.deployments?.map((d) => [d.status, d.rolloutState]));
    for (const s of sides) s.settle();
  });

  it('a failed rollout rolled back by the circuit breaker reads the same to assessRollout', async () => {
    sandbox.admin.markImageCrashing('nginx:crash');
    await same((s) => reconcileOnce(s, 'web', 'crash'), (r) => r.changes.length);
    const arn = (await describeOne(sides[0] as Side, 'web')).services?.[0]?.taskDefinition ?? '';
    expect(arn).toMatch(/task-definition\/web:3$/);
    (sides[0]?.api as MemoryEcs).failRollout(CLUSTER, 'web', { rollback: true, reason: 'tasks failed to start' });
    sandbox.clock.advance(120_000);
    const watched: WatchedRollout = { taskDefinitionArn: arn, revision: 'r3', contentHash: 'h', startedAt: 0 };
    await same(async (s) => {
      const svc = (await describeOne(s, 'web')).services?.[0];
      const a = assessRollout(svc, watched);
      const primary = svc?.deployments?.find((d) => d.status === 'PRIMARY');
      return { health: a.health, outcome: a.outcome, taskDefinition: svc?.taskDefinition, primary: [primary?.taskDefinition, primary?.rolloutState] };
    });
    // Back on the old revision, which the manifest of web-v2 declares: in sync again.
    expect(await same(async (s) => (await reconcileOnce(s, 'web', 'web-v2')).changes)).toEqual([[], []]);
  });

  it('tags on service, cluster and task definition ARNs', async () => {
    const arns = {
      service: `arn:aws:ecs:${REGION}:${accountId}:service/${CLUSTER}/web`,
      cluster: `arn:aws:ecs:${REGION}:${accountId}:cluster/${CLUSTER}`,
      taskDefinition: `arn:aws:ecs:${REGION}:${accountId}:task-definition/web:1`,
    };
    for (const arn of Object.values(arns)) {
      await same((s) => s.api.send('TagResource', { resourceArn: arn, tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] }));
      await same((s) => s.api.send('UntagResource', { resourceArn: arn, tagKeys: ['a', 'not-there'] }));
      await same((s) => s.api.send('ListTagsForResource', { resourceArn: arn }));
    }
    await same((s) => describeOne(s, 'web'), (out) => out.services?.[0]?.tags);
    await same((s) => errorOf(s.api.send('TagResource', { resourceArn: `${arns.service}-nope`, tags: [{ key: 'a', value: '1' }] })));
    await same((s) => errorOf(s.api.send('TagResource', { resourceArn: arns.service, tags: [] })));
    await same((s) => errorOf(s.api.send('TagResource', { resourceArn: arns.service, tags: [{ key: 'aws:x', value: '1' }] })));
  });

  it('lists page with maxResults and nextToken', async () => {
    const pages = async (s: Side) => {
      const all: string[][] = [];
      let nextToken: string | undefined;
      do {
        const out = await s.api.send('ListServices', { cluster: CLUSTER, maxResults: 2, ...(nextToken ? { nextToken } : {}) });
        all.push(out.serviceArns ?? []);
        nextToken = out.nextToken;
      } while (nextToken);
      return all;
    };
    const listed = await same(pages);
    expect(listed[0]?.flat()).toHaveLength(3);
    await same((s) => s.api.send('ListServices', { cluster: CLUSTER }), (out) => out.serviceArns);
    await same((s) => s.reader.listServiceArns(CLUSTER));
    await same((s) => s.api.send('ListTaskDefinitions', { familyPrefix: 'web', sort: 'DESC', maxResults: 2 }), (out) => out.taskDefinitionArns);
    await same((s) => s.api.send('ListTaskDefinitions', {}), (out) => out.taskDefinitionArns);
    await same((s) => s.reader.listActiveRevisions('web', 10));
    await same((s) => errorOf(s.api.send('ListServices', { cluster: CLUSTER, maxResults: 101 })));
  });

  it('errors: the same AwsCallError codes, names and classes', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `s${i}`);
    await same((s) => errorOf(s.api.send('DescribeServices', { cluster: CLUSTER, services: eleven })));
    await same((s) => errorOf(s.api.send('DescribeServices', { cluster: 'nope', services: ['web'] })));
    await same((s) => errorOf(s.api.send('UpdateService', { cluster: CLUSTER, service: 'nope', desiredCount: 1 })));
    await same((s) => errorOf(s.api.send('DeleteService', { cluster: CLUSTER, service: 'nope' })));
    await same((s) => errorOf(s.api.send('ListServices', { cluster: 'nope' })));
    await same((s) => errorOf(s.api.send('CreateService', { cluster: 'nope', serviceName: 'x', taskDefinition: 'web' })));
    await same((s) => errorOf(s.api.send('CreateService', { cluster: CLUSTER, serviceName: 'web', taskDefinition: 'web', launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'] } } })));
    await same((s) => errorOf(s.api.send('CreateService', { cluster: CLUSTER, serviceName: 'x', taskDefinition: 'web', launchType: 'FARGATE' })));
    await same((s) => errorOf(s.api.send('CreateService', { cluster: CLUSTER, serviceName: 'x', taskDefinition: 'nope:9' })));
    await same((s) => errorOf(s.api.send('DescribeTaskDefinition', { taskDefinition: 'nope' })));
    await same((s) => errorOf(s.api.send('RegisterTaskDefinition', { family: 'x', containerDefinitions: [] })));
    await same((s) => s.api.send('DescribeServices', { cluster: CLUSTER, services: ['web', 'missing'] }),
      (out) => ({ names: out.services?.map((x) => x.serviceName), failures: out.failures }));
  });

  it('delete: refused while scaled up, then DRAINING, gone for the controller, off the list', async () => {
    await same((s) => errorOf(s.api.send('DeleteService', { cluster: CLUSTER, service: 'worker' })));
    await same((s) => s.api.send('DeleteService', { cluster: CLUSTER, service: 'worker', force: true }),
      (out) => ({ status: out.service?.status, desiredCount: out.service?.desiredCount }));
    await same(async (s) => {
      const svc = (await describeOne(s, 'worker')).services?.[0];
      return { gone: svc?.status === 'DRAINING' || svc?.status === 'INACTIVE', health: assessRollout(svc).health };
    });
    await same((s) => s.reader.listServiceArns(CLUSTER));
    await same((s) => errorOf(s.api.send('UpdateService', { cluster: CLUSTER, service: 'worker', desiredCount: 1 })));
    // Once ECS has removed it, the controller creates it again.
    (sides[0]?.api as MemoryEcs).finishDraining(CLUSTER, 'worker');
    sandbox.clock.advance(30_000);
    await same((s) => describeOne(s, 'worker'), (out) => out.services?.map((x) => [x.status, x.desiredCount]));
    await same((s) => reconcileOnce(s, 'worker'), (r) => r.changes.length);
    await same((s) => describeOne(s, 'worker'), (out) => out.services?.map(view));
  });
});

describe('MemoryEcs test controls', () => {
  const td = { family: 'app', containerDefinitions: [{ name: 'app', image: 'nginx:1', memory: 128 }] };

  it('records calls, callsOf and writes in order', async () => {
    const ecs = new MemoryEcs();
    ecs.seedCluster('c');
    await ecs.send('RegisterTaskDefinition', td);
    await ecs.send('CreateService', { cluster: 'c', serviceName: 's', taskDefinition: 'app', desiredCount: 1 });
    await ecs.send('DescribeServices', { cluster: 'c', services: ['s'] });
    expect(ecs.calls.map((c) => c.operation)).toEqual(['RegisterTaskDefinition', 'CreateService', 'DescribeServices']);
    expect(ecs.writes().map((c) => c.operation)).toEqual(['RegisterTaskDefinition', 'CreateService']);
    expect(ecs.callsOf('CreateService')[0]?.input.serviceName).toBe('s');
    const service = ecs.describe('c', 's');
    expect(service?.serviceArn).toBe('arn:aws:ecs:eu-west-1:123456789012:service/c/s');
    expect(service?.taskDefinition).toBe('arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1');
    expect(service?.launchType).toBe('EC2');
    expect(service?.deploymentConfiguration).toEqual({ deploymentCircuitBreaker: { enable: false, rollback: false }, maximumPercent: 200, minimumHealthyPercent: 100 });
  });

  it('rollouts: complete, fail without and with rollback; draining', async () => {
    const ecs = new MemoryEcs();
    const seeded = ecs.seedService({ cluster: 'c', serviceName: 's', desiredCount: 2 });
    expect(assessRollout(seeded).health).toBe('Healthy');
    const v2 = ecs.seedTaskDefinition({ ...td, family: 's' }).taskDefinitionArn ?? '';
    await ecs.send('UpdateService', { cluster: 'c', service: 's', taskDefinition: v2 });
    const watched: WatchedRollout = { taskDefinitionArn: v2, revision: 'r', contentHash: 'h', startedAt: 0 };
    expect(assessRollout(ecs.describe('c', 's'), watched).outcome).toBe('in_progress');
    ecs.failRollout('c', 's', { rollback: false, reason: 'boom' });
    expect(assessRollout(ecs.describe('c', 's'), watched)).toMatchObject({ health: 'Degraded', outcome: 'failed', reason: 'boom' });

    const v3 = ecs.seedTaskDefinition({ ...td, family: 's' }).taskDefinitionArn ?? '';
    await ecs.send('UpdateService', { cluster: 'c', service: 's', taskDefinition: v3 });
    ecs.failRollout('c', 's', { rollback: true, reason: 'tasks failed to start' });
    const rolledBack = ecs.describe('c', 's');
    expect(rolledBack?.taskDefinition).toMatch(/task-definition\/s:1$/);
    expect(rolledBack?.deployments?.map((d) => [d.status, d.rolloutState, d.taskDefinition?.split('/').pop()])).toEqual([
      ['PRIMARY', 'COMPLETED', 's:1'], ['ACTIVE', 'FAILED', 's:3'],
    ]);
    expect(assessRollout(rolledBack, { ...watched, taskDefinitionArn: v3 })).toMatchObject({
      health: 'Degraded', outcome: 'rolled_back', reason: 'rolled back: tasks failed to start',
    });

    await ecs.send('DeleteService', { cluster: 'c', service: 's', force: true });
    expect(ecs.describe('c', 's')?.status).toBe('DRAINING');
    await expect(ecs.send('CreateService', { cluster: 'c', serviceName: 's', taskDefinition: 's' })).rejects.toMatchObject({ awsName: 'InvalidParameterException' });
    ecs.finishDraining('c', 's');
    expect(assessRollout(ecs.describe('c', 's')).health).toBe('Missing');
    const recreated = await ecs.send('CreateService', { cluster: 'c', serviceName: 's', taskDefinition: 's', desiredCount: 1 });
    expect(recreated.service?.status).toBe('ACTIVE');
    expect(recreated.service?.deployments).toHaveLength(1);
  });

  it('failNext throws once, wrapped as the SDK adapter wraps it', async () => {
    const ecs = new MemoryEcs();
    ecs.seedCluster('c');
    ecs.failNext('DescribeClusters', new ECSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
    const err = await ecs.send('DescribeClusters', { clusters: ['c'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).toMatchObject({ code: 'AWS_THROTTLED', outcome: 'throttled', awsName: 'ThrottlingException' });
    expect((await ecs.send('DescribeClusters', { clusters: ['c'] })).clusters).toHaveLength(1);
    expect(ecs.callsOf('DescribeClusters')).toHaveLength(2);
  });

  it('hold keeps calls until release; delay; an aborted signal rejects with its reason', async () => {
    const ecs = new MemoryEcs();
    ecs.seedService({ cluster: 'c', serviceName: 's', desiredCount: 1 });
    const gate = ecs.hold('DescribeServices');
    let answered = 0;
    const calls = [1, 2].map(() => ecs.send('DescribeServices', { cluster: 'c', services: ['s'] }).then((out) => {
      answered++;
      return out;
    }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(answered).toBe(0);
    expect(gate.waiting).toBe(2);
    gate.release();
    expect((await Promise.all(calls)).map((o) => o.services?.[0]?.serviceName)).toEqual(['s', 's']);
    await ecs.send('DescribeServices', { cluster: 'c', services: ['s'] }); // released gates stay open

    const held = ecs.hold('UpdateService');
    const controller = new AbortController();
    const aborted = ecs.send('UpdateService', { cluster: 'c', service: 's', desiredCount: 5 }, controller.signal);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    held.release();
    expect(ecs.describe('c', 's')?.desiredCount).toBe(1);
    await expect(ecs.send('ListServices', { cluster: 'c' }, AbortSignal.abort(new Error('already')))).rejects.toThrow('already');

    let open!: () => void;
    ecs.delay('ListServices', new Promise<void>((resolve) => (open = resolve)));
    let listed = false;
    const list = ecs.send('ListServices', { cluster: 'c' }).then(() => (listed = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(listed).toBe(false);
    open();
    await list;
    ecs.delay('ListServices', 0);
  });

  it('drives the real controller: create, Progressing until the rollout completes, then no writes on resync', async () => {
    const dir = await ManifestDir.create();
    const controllers: Controller[] = [];
    try {
      const ecs = new MemoryEcs();
      ecs.seedCluster('demo', { capacityProviders: ['FARGATE'] });
      await dir.write('svc.yaml', [serviceManifest({ name: 'a' }), serviceManifest({ name: 'b', extra: { tags: { team: 'x' } } })]);
      const controller = controllerFor(ecs);
      controllers.push(controller);
      controller.setSnapshot(await dir.load('r1'));
      await eventually(() => controller.status.list().length === 2 && controller.status.list().every((s) => s.health === 'Progressing'), () => controller.status.list());
      ecs.completeAllRollouts();
      await eventually(() => controller.status.list().every((s) => s.health === 'Healthy' && s.sync === 'Synced'), () => controller.status.list());
      await controller.waitForIdle({ requeues: true });
      ecs.clearCalls();
      await controller.resync();
      await controller.waitForIdle({ requeues: true });
      expect(ecs.writes()).toEqual([]);
      expect(ecs.callsOf('DescribeServices').length).toBeGreaterThan(0);
    } finally {
      for (const c of controllers) await c.stop({ graceMs: 100 });
      await dir.dispose();
    }
  });
});
