/**
 * The parts of scenario 3's follow measurement (issue 22) that decide its
 * figures: the recording proxy (real SDK -> proxy -> sandbox over HTTP, the
 * services each request named, answers passed through unchanged), the
 * attribution of polls and DescribeServiceDeployments to rollouts, the
 * Prometheus sum, and the fleet's BLUE_GREEN services (a quarter of each
 * cluster; `ecs-gitops validate` accepts them).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServiceDeploymentsCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseFollow, isRead, metricSum } from '../../bench/scenarios/blue-green-follow.js';
import { BLUE_GREEN_BAKE_MINUTES, Fleet, REGION } from '../../bench/lib/fixture.js';
import { RecordingProxy, servicesNamed, type NamedCall } from '../../bench/lib/recording-proxy.js';
import { readSnapshot } from '../../src/app/runtime.js';
import { serviceConstraintProblems } from '../../src/manifests/ecs-constraint-rules.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { fargateTaskDefinition, freshAccountId, NETWORK, testSandbox } from '../sandbox/sandbox-harness.js';
import { requireProgram } from '../support/programs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasGit = requireProgram('git', 'apt-get install git');

const call = (at: number, operation: string, services: string[], status = 200): NamedCall => ({ at, operation, services, status });

describe('servicesNamed', () => {
  it('names every service a request names, by name or ARN, and the service of each service deployment ARN', () => {
    expect(servicesNamed('DescribeServices', { cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/c1', services: ['a', 'arn:aws:ecs:eu-west-1:123456789012:service/c1/b'] }))
      .toEqual(['c1/a', 'c1/b']);
    expect(servicesNamed('DescribeServiceDeployments', {
      serviceDeploymentArns: ['arn:aws:ecs:eu-west-1:123456789012:service-deployment/c1/a/r9i43YFjvgF', 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/c2/b/x1', 'not-an-arn'],
    })).toEqual(['c1/a', 'c2/b']);
    expect(servicesNamed('UpdateService', { cluster: 'c1', service: 'a' })).toEqual(['c1/a']);
    expect(servicesNamed('CreateService', { serviceName: 'a' })).toEqual(['default/a']);
    expect(servicesNamed('ListServices', { cluster: 'c1' })).toEqual([]);
    expect(servicesNamed('DescribeServices', undefined)).toEqual([]);
  });
});

describe('analyseFollow', () => {
  it('counts a poll per DescribeServices naming a service after its UpdateService, and the deployment reads against them', () => {
    const updatedAt = new Map([['c1/a', 100], ['c1/b', 150], ['c2/c', 100]]);
    const calls = [
      call(90, 'DescribeServices', ['c1/a', 'c1/b']), // the apply's read: before either update
      call(200, 'DescribeServices', ['c1/a', 'c1/b']), // one call, two polls
      call(201, 'DescribeServiceDeployments', ['c1/a']),
      call(202, 'DescribeServiceDeployments', ['c1/b']),
      call(300, 'DescribeServices', ['c2/c', 'c2/other']), // c2/other is not followed
      call(301, 'DescribeServiceDeployments', ['c2/c']),
      call(302, 'DescribeServiceDeployments', ['c2/c']), // a second read for the same poll
      call(400, 'DescribeServices', ['c1/a']),
      call(401, 'DescribeServiceDeployments', ['c1/a']),
      call(900, 'DescribeServices', ['c1/a']), // after the end
      call(901, 'DescribeServiceDeployments', ['c1/a']),
    ];
    const r = analyseFollow(calls, updatedAt, 500);
    expect(r).toMatchObject({ rollouts: 3, polls: 4, deploymentReads: 5, deploymentReadCalls: 5, idealDeploymentReadCalls: 1, serviceReadCalls: 3, maxReadsPerPoll: 2 });
    expect(r.ratio).toBeCloseTo(5 / 4, 9);
    // c1: 3 polls -> 1 call; c2: 1 poll -> 1 call.
    expect(r.idealServiceReadCalls).toBe(2);
    // First polls: a at 200 (100 after its update), b at 200 (50), c at 300 (200).
    expect(r.firstPollDelayMs).toEqual({ p50: 100, max: 200 });
    const one = analyseFollow(calls.filter((c) => c.at !== 302), updatedAt, 500);
    expect(one.ratio).toBe(1);
    expect(one.maxReadsPerPoll).toBe(1);
    expect(analyseFollow([call(10, 'DescribeServiceDeployments', ['c1/a'])], new Map([['c1/a', 0]]), 100).ratio).toBe(Infinity);
    expect(analyseFollow([], new Map(), 100)).toMatchObject({ polls: 0, deploymentReads: 0, ratio: 0, idealServiceReadCalls: 0, firstPollDelayMs: { p50: 0, max: 0 } });
  });

  it('counts a DescribeServiceDeployments that carried several rollouts once as a call, once per rollout as a look-up', () => {
    const updatedAt = new Map([['c1/a', 0], ['c2/b', 0], ['c1/c', 0]]);
    const calls = [
      call(10, 'DescribeServices', ['c1/a', 'c1/c']), call(10, 'DescribeServices', ['c2/b']),
      call(11, 'DescribeServiceDeployments', ['c1/a', 'c2/b', 'c1/c', 'c9/not-followed']),
    ];
    const r = analyseFollow(calls, updatedAt, 100);
    expect(r).toMatchObject({ polls: 3, deploymentReads: 3, deploymentReadCalls: 1, idealDeploymentReadCalls: 1, ratio: 1, maxReadsPerPoll: 1 });
  });

  it('asks for 10 services per DescribeServices per cluster in the ideal', () => {
    const updatedAt = new Map(Array.from({ length: 25 }, (_, i) => [`c${i % 2}/s${i}`, 0] as [string, number]));
    const calls = [...updatedAt.keys()].map((s, i) => call(10 + i, 'DescribeServices', [s]));
    const r = analyseFollow(calls, updatedAt, 1_000);
    expect(r).toMatchObject({ polls: 25, serviceReadCalls: 25, idealServiceReadCalls: 2 + 2 });
  });

  it('batches in the ideal only the polls of one poll interval (a pass not yet due cannot be read)', () => {
    const updatedAt = new Map([['c1/a', 0], ['c1/b', 0]]);
    const calls = [
      call(100, 'DescribeServices', ['c1/a', 'c1/b']), call(101, 'DescribeServiceDeployments', ['c1/a', 'c1/b']),
      call(3_100, 'DescribeServices', ['c1/a']), call(3_101, 'DescribeServiceDeployments', ['c1/a']),
    ];
    expect(analyseFollow(calls, updatedAt, 10_000)).toMatchObject({ polls: 3, serviceReadCalls: 2, idealServiceReadCalls: 2, deploymentReadCalls: 2, idealDeploymentReadCalls: 2 });
    expect(analyseFollow(calls, updatedAt, 10_000, 10_000)).toMatchObject({ idealServiceReadCalls: 1, idealDeploymentReadCalls: 1 });
  });
});

describe('metricSum and isRead', () => {
  it('sums a metric over its label sets and not over metrics whose name only starts the same', () => {
    const text = [
      '# HELP ecs_gitops_deployment_duration_seconds x',
      'ecs_gitops_deployment_duration_seconds_bucket{le="1",result="completed"} 3',
      'ecs_gitops_deployment_duration_seconds_count{result="completed"} 18',
      'ecs_gitops_deployment_duration_seconds_count{result="failed"} 2',
      'ecs_gitops_deployment_duration_seconds_count_extra 100',
    ].join('\n');
    expect(metricSum(text, 'ecs_gitops_deployment_duration_seconds_count')).toBe(20);
    expect(metricSum(text, 'ecs_gitops_rollout_stage')).toBeUndefined();
    expect(['DescribeServices', 'ListServices', 'DescribeServiceDeployments'].every(isRead)).toBe(true);
    expect(['UpdateService', 'RegisterTaskDefinition', 'TagResource'].some(isRead)).toBe(false);
  });
});

describe('RecordingProxy in front of the sandbox', () => {
  let sandbox: Sandbox;
  let proxy: RecordingProxy;
  let viaProxy: ECSClient;
  let direct: ECSClient;
  beforeAll(async () => {
    sandbox = await testSandbox();
    proxy = await RecordingProxy.start(sandbox.endpoint);
    const config = { ...sandbox.clientConfig({ accountId: freshAccountId(), region: REGION }), maxAttempts: 1 };
    viaProxy = new ECSClient({ ...config, endpoint: proxy.endpoint });
    direct = new ECSClient(config);
  });
  afterAll(async () => {
    viaProxy.destroy();
    direct.destroy();
    await proxy.close();
    await sandbox.close();
  });

  it('records the services each ECS request named and passes the answers through unchanged', async () => {
    await viaProxy.send(new CreateClusterCommand({ clusterName: 'px' }));
    const td = await viaProxy.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('px-td')));
    const arn = td.taskDefinition?.taskDefinitionArn;
    for (const name of ['px-a', 'px-b']) {
      await viaProxy.send(new CreateServiceCommand({ cluster: 'px', serviceName: name, taskDefinition: arn, desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    }
    const updated = await viaProxy.send(new UpdateServiceCommand({ cluster: 'px', service: 'px-a', forceNewDeployment: true }));
    const deploymentArn = updated.service?.currentServiceDeployment;
    expect(deploymentArn).toMatch(/:service-deployment\/px\/px-a\//);
    const since = Date.now();
    const described = await viaProxy.send(new DescribeServicesCommand({ cluster: 'px', services: ['px-a', 'px-b', 'px-missing'] }));
    const deployments = await viaProxy.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [deploymentArn ?? ''] }));
    await expect(viaProxy.send(new DescribeServicesCommand({ cluster: 'nope', services: ['x'] }))).rejects.toThrow(/Cluster not found/i);

    // The clock is frozen: the same reads straight at the sandbox answer the same.
    expect(described.services).toEqual((await direct.send(new DescribeServicesCommand({ cluster: 'px', services: ['px-a', 'px-b', 'px-missing'] }))).services);
    expect(described.failures).toEqual([expect.objectContaining({ reason: 'MISSING' })]);
    expect(deployments.serviceDeployments?.[0]?.serviceDeploymentArn).toBe(deploymentArn);

    const calls = proxy.calls();
    expect(calls.map((c) => c.operation)).toEqual([
      'CreateCluster', 'RegisterTaskDefinition', 'CreateService', 'CreateService', 'UpdateService', 'DescribeServices', 'DescribeServiceDeployments', 'DescribeServices',
    ]);
    expect(calls.filter((c) => c.operation === 'CreateService').map((c) => c.services)).toEqual([['px/px-a'], ['px/px-b']]);
    expect(proxy.calls(since).map((c) => [c.operation, c.services, c.status])).toEqual([
      ['DescribeServices', ['px/px-a', 'px/px-b', 'px/px-missing'], 200],
      ['DescribeServiceDeployments', ['px/px-a'], 200],
      ['DescribeServices', ['nope/x'], 400],
    ]);
    // Every call the proxy recorded reached the sandbox: its own log has the same operations.
    const log = sandbox.admin.callLog({}).filter((c) => c.at >= since).map((c) => c.operation);
    expect(log).toEqual(['DescribeServices', 'DescribeServiceDeployments', 'DescribeServices', 'DescribeServices']);
    proxy.reset();
    expect(proxy.calls()).toEqual([]);
  });
});

describe.skipIf(!hasGit)('Fleet with blueGreenEvery', () => {
  it('deploys a quarter of every cluster BLUE_GREEN with a load balancer validate accepts', async () => {
    const fleet = new Fleet({ services: 40, clusters: 4, prefix: 'bg', blueGreenEvery: 4 });
    try {
      fleet.init();
      expect(fleet.blueGreenRefs).toHaveLength(12);
      const perCluster = new Map<string, number>();
      for (const ref of fleet.blueGreenRefs) perCluster.set(ref.cluster, (perCluster.get(ref.cluster) ?? 0) + 1);
      expect([...perCluster.values()]).toEqual([3, 3, 3, 3]);
      const snapshot = await readSnapshot(fleet.root, REGION, new AbortController().signal);
      expect(snapshot.problems).toEqual([]);
      const blueGreen = snapshot.services.filter((s) => s.manifest.spec.deploymentConfiguration?.strategy === 'BLUE_GREEN');
      expect(blueGreen.map((s) => s.name).sort()).toEqual(fleet.blueGreenRefs.map((r) => r.name).sort());
      for (const s of blueGreen) {
        expect(s.manifest.spec.deploymentConfiguration?.bakeTimeInMinutes).toBe(BLUE_GREEN_BAKE_MINUTES);
        const advanced = s.manifest.spec.loadBalancers?.[0]?.advancedConfiguration;
        expect(advanced?.alternateTargetGroupArn).not.toBe(s.manifest.spec.loadBalancers?.[0]?.targetGroupArn);
        expect(advanced?.testListenerRule).toBeDefined();
        // ECS's server-side rules: no error and no warning.
        expect(serviceConstraintProblems(s.manifest.spec as Record<string, unknown>)).toEqual([]);
      }
      // The CLI as a user runs it.
      const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'bin.ts'), 'validate', fleet.root], { cwd: ROOT, encoding: 'utf8' });
      expect(out).toMatch(/valid: 40 files, 40 services/);
    } finally {
      fleet.remove();
    }
  }, 60_000);
});
