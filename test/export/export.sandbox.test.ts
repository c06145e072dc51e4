/**
 * Adoption end to end against the sandbox over HTTP: services created the way
 * a console user would (not by ecs-gitops) are exported with the CLI; the
 * files validate, `diff` reports no changes, and `sync` over them makes no
 * mutating call except adding ownership tags.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runCliCaptured } from '../support/run-cli.js';

const REGION = 'eu-west-1';
const ACCOUNT = '345678901234';
const MUTATING = ['CreateCluster', 'UpdateCluster', 'PutClusterCapacityProviders', 'CreateService', 'UpdateService', 'DeleteService', 'RegisterTaskDefinition', 'UntagResource'];

function createConsoleServices(sandbox: Sandbox): void {
  const target = { accountId: ACCOUNT, region: REGION };
  sandbox.call('RegisterTaskDefinition', {
    family: 'web',
    cpu: '512',
    memory: '1024',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
    containerDefinitions: [{
      name: 'web',
      image: 'nginx:1.27',
      essential: true,
      cpu: 0,
      portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
      environment: [{ name: 'DB_PASSWORD', value: 'hunter2-planted' }, { name: 'LOG_LEVEL', value: 'info' }],
      healthCheck: { command: ['CMD-SHELL', 'true'], interval: 30, timeout: 5, retries: 3 },
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'web' } },
      privileged: false,
    }],
    tags: [{ key: 'app', value: 'web' }],
  }, target);
  sandbox.call('CreateService', {
    cluster: 'demo',
    serviceName: 'web',
    taskDefinition: 'web',
    desiredCount: 2,
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-2', 'subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' } },
    deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 200, deploymentCircuitBreaker: { enable: true, rollback: true } },
    propagateTags: 'SERVICE',
    tags: [{ key: 'team', value: 'storefront' }, { key: 'ecs-gitops/source', value: 'spoofed' }],
  }, target);
  sandbox.call('RegisterTaskDefinition', {
    family: 'edge-proxy',
    containerDefinitions: [{ name: 'nginx', image: 'nginx:1.27', memory: 256, cpu: 128, portMappings: [{ containerPort: 80 }] }],
  }, target);
  sandbox.call('CreateService', {
    cluster: 'demo', serviceName: 'edge-proxy', taskDefinition: 'edge-proxy', desiredCount: 1, launchType: 'EC2',
    placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }],
  }, target);
}

describe('export (sandbox)', () => {
  let sandbox: Sandbox;
  let work: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    sandbox = await startSandbox({ clockSpeed: 40, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo' }] }] });
    createConsoleServices(sandbox);
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-export-'));
    env = {
      AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret',
    };
  });
  afterEach(async () => {
    await sandbox.close();
    await rm(work, { recursive: true, force: true });
  });

  it('writes short manifests that validate, diff clean, and sync with ownership tags only', async () => {
    const exported = await runCliCaptured(['export', '--cluster', 'demo', '--out', 'out'], { env, cwd: work });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`wrote ${path.join('out', 'demo', 'web.yaml')}`);
    expect(exported.stdout).toContain('2 service(s) exported');
    expect(exported.stderr).toContain('environment web/DB_PASSWORD looks like a secret');
    expect((await readdir(path.join(work, 'out', 'demo'))).sort()).toEqual(['edge-proxy.yaml', 'web.yaml']);

    const text = await readFile(path.join(work, 'out', 'demo', 'web.yaml'), 'utf8');
    const web = parse(text) as { metadata: unknown; spec: Record<string, unknown> & { taskDefinition: Record<string, unknown> } };
    expect(web.metadata).toEqual({ name: 'web', cluster: 'demo', region: REGION });
    // Read-only and defaulted fields are gone; what a person writes stays.
    for (const gone of ['taskDefinitionArn', 'revision', 'status', 'registeredAt', 'compatibilities', 'requiresAttributes']) {
      expect(web.spec.taskDefinition, gone).not.toHaveProperty(gone);
    }
    expect(web.spec).toMatchObject({
      desiredCount: 2, launchType: 'FARGATE', propagateTags: 'SERVICE',
      networkConfiguration: { awsvpcConfiguration: { subnets: expect.arrayContaining(['subnet-1', 'subnet-2']) as unknown, securityGroups: ['sg-1'] } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      tags: { team: 'storefront' },
    });
    expect(web.spec.networkConfiguration).not.toHaveProperty('awsvpcConfiguration.assignPublicIp');
    expect(web.spec.deploymentConfiguration).not.toHaveProperty('minimumHealthyPercent');
    expect(web.spec).not.toHaveProperty('platformVersion');
    expect(web.spec).not.toHaveProperty('enableExecuteCommand');
    const container = (web.spec.taskDefinition.containerDefinitions as Record<string, unknown>[])[0];
    expect(container).toEqual({
      name: 'web', image: 'nginx:1.27',
      portMappings: [{ containerPort: 8080 }],
      environment: [{ name: 'DB_PASSWORD', value: 'hunter2-planted' }, { name: 'LOG_LEVEL', value: 'info' }],
      healthCheck: { command: ['CMD-SHELL', 'true'] },
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'web' } },
    });
    expect(web.spec.taskDefinition.tags).toEqual({ app: 'web' });
    // Stable key order: apiVersion first, family first in the task definition, name before image.
    expect(text).toMatch(/^# Exported by `ecs-gitops export`[^\n]*\n#[^\n]*\n\napiVersion: ecs-gitops\/v1\nkind: Service\nmetadata:\n {2}name: web\n/);
    expect(text).toMatch(/taskDefinition:\n {4}family: web\n/);
    expect(text).toMatch(/# ecs-gitops export: this name looks like a secret[^\n]*\n\s+- name: DB_PASSWORD/);
    expect(text).not.toContain('ecs-gitops/source');

    const validate = await runCliCaptured(['validate', 'out'], { env, cwd: work });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);

    const diff = await runCliCaptured(['diff', 'out', '--output', 'json'], { env, cwd: work });
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({ summary: { services: 2, inSync: 2, outOfSync: 0, missing: 0 } });

    // A manifest alone never hands an existing service over: without a person's
    // opt-in, sync fails with the reason and writes nothing, not even a tag.
    sandbox.admin.resetCallCounts(ACCOUNT);
    const refused = await runCliCaptured(['sync', 'out'], { env, cwd: work });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain('DIFF_ADOPTION_NOT_ALLOWED');
    expect(refused.stdout + refused.stderr).toContain('ecs-gitops/adopt=ecs-gitops');
    for (const op of [...MUTATING, 'TagResource']) expect(sandbox.callCounts(ACCOUNT)[op] ?? 0, op).toBe(0);

    sandbox.admin.resetCallCounts(ACCOUNT);
    const sync = await runCliCaptured(['sync', 'out', '--adopt-clusters', 'demo'], { env, cwd: work });
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    const counts = sandbox.callCounts(ACCOUNT);
    for (const op of MUTATING) expect(counts[op] ?? 0, op).toBe(0);
    // Adoption: the only writes are the ownership tags, one TagResource per service;
    // the user's tags are exactly what they were.
    expect(counts.TagResource ?? 0).toBe(2);
    const tags = sandbox.call('ListTagsForResource', {
      resourceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/demo/web`,
    }, { accountId: ACCOUNT, region: REGION }).tags as { key: string; value: string }[];
    expect(tags.filter((t) => !t.key.startsWith('ecs-gitops/'))).toEqual([{ key: 'team', value: 'storefront' }]);
    expect(tags).toContainEqual({ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' });

    // Once adopted, another sync writes nothing at all.
    sandbox.admin.resetCallCounts(ACCOUNT);
    const again = await runCliCaptured(['sync', 'out'], { env, cwd: work });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    const secondCounts = sandbox.callCounts(ACCOUNT);
    for (const op of [...MUTATING, 'TagResource']) expect(secondCounts[op] ?? 0, op).toBe(0);

    const after = await runCliCaptured(['diff', 'out'], { env, cwd: work });
    expect(after.code, after.stdout).toBe(0);
  });

  it('exports a service\'s scaling as spec.autoScaling, which diffs clean and comes along when the service is adopted', async () => {
    const target = { accountId: ACCOUNT, region: REGION, api: 'application-autoscaling' as const };
    const resource = { ServiceNamespace: 'ecs', ResourceId: 'service/demo/web', ScalableDimension: 'ecs:service:DesiredCount' };
    sandbox.call('RegisterScalableTarget', { ...resource, MinCapacity: 2, MaxCapacity: 6 }, target);
    sandbox.call('PutScalingPolicy', {
      ...resource, PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 55, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' }, ScaleOutCooldown: 60 },
    }, target);
    sandbox.call('PutScheduledAction', {
      ...resource, ScheduledActionName: 'nightly', Schedule: 'cron(0 22 * * ? *)', Timezone: 'Europe/Paris', ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 3 },
    }, target);

    const exported = await runCliCaptured(['export', '--cluster', 'demo', '--service', 'web', '--out', 'out', '--output', 'json'], { env, cwd: work });
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ files: [{ service: 'web', residualChanges: [] }] });
    const text = await readFile(path.join(work, 'out', 'demo', 'web.yaml'), 'utf8');
    const web = parse(text) as { spec: Record<string, unknown> };
    expect(web.spec.autoScaling).toEqual({
      minCapacity: 2, maxCapacity: 6,
      targetTracking: [{ name: 'cpu', targetValue: 55, predefinedMetric: 'ECSServiceAverageCPUUtilization', scaleOutCooldown: 60 }],
      scheduled: [{ name: 'nightly', schedule: 'cron(0 22 * * ? *)', timezone: 'Europe/Paris', minCapacity: 2, maxCapacity: 3 }],
    });
    expect(text).toContain('spec.autoScaling owns it afterwards');
    expect((await runCliCaptured(['validate', 'out'], { env, cwd: work })).code).toBe(0);
    const diff = await runCliCaptured(['diff', 'out', '--output', 'json'], { env, cwd: work });
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);

    // Adopting the service (a person's opt-in) claims its target too: only tags are written, no scaling call.
    sandbox.admin.resetCallCounts(ACCOUNT);
    const sync = await runCliCaptured(['sync', 'out', '--adopt-clusters', 'demo'], { env, cwd: work });
    expect(sync.code, sync.stdout + sync.stderr).toBe(0);
    const counts = sandbox.callCounts(ACCOUNT);
    for (const op of [...MUTATING, 'RegisterScalableTarget', 'PutScalingPolicy', 'PutScheduledAction', 'DeregisterScalableTarget']) expect(counts[op] ?? 0, op).toBe(0);
    const tags = sandbox.call('ListTagsForResource', { resourceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/demo/web` }, { accountId: ACCOUNT, region: REGION }).tags as { key: string; value: string }[];
    expect(tags).toContainEqual({ key: 'ecs-gitops/autoscaling', value: 'ecs-gitops' });
    // The target itself carries the ownership tag the IAM policy's conditions read.
    const [claimed] = (sandbox.call('DescribeScalableTargets', { ServiceNamespace: 'ecs', ResourceIds: ['service/demo/web'] }, target) as { ScalableTargets: { ScalableTargetARN: string }[] }).ScalableTargets;
    const targetTags = sandbox.call('ListTagsForResource', { ResourceARN: claimed?.ScalableTargetARN ?? '' }, target) as { Tags: Record<string, string> };
    expect(targetTags.Tags['ecs-gitops/managed-by']).toBe('ecs-gitops');

    // From now on Git owns the scaling: a change in the file is applied.
    await writeFile(path.join(work, 'out', 'demo', 'web.yaml'), text.replace('maxCapacity: 6', 'maxCapacity: 9'));
    const changed = await runCliCaptured(['sync', 'out'], { env, cwd: work });
    expect(changed.code, changed.stdout + changed.stderr).toBe(0);
    const targets = sandbox.call('DescribeScalableTargets', { ServiceNamespace: 'ecs', ResourceIds: ['service/demo/web'] }, target) as { ScalableTargets: { MaxCapacity: number }[] };
    expect(targets.ScalableTargets.map((t) => t.MaxCapacity)).toEqual([9]);
  });

  it('refuses to overwrite without --force, writing nothing, and re-exports byte-identically with it', async () => {
    expect((await runCliCaptured(['export', '--cluster', 'demo', '--out', 'out'], { env, cwd: work })).code).toBe(0);
    const file = path.join(work, 'out', 'demo', 'web.yaml');
    const first = await readFile(file, 'utf8');
    await writeFile(file, '# my edits\n');
    const refused = await runCliCaptured(['export', '--cluster', 'demo', '--out', 'out'], { env, cwd: work });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error EXPORT_FILE_EXISTS: 2 file\(s\) already exist, nothing written/);
    expect(await readFile(file, 'utf8')).toBe('# my edits\n');

    const forced = await runCliCaptured(['export', '--cluster', 'demo', '--out', 'out', '--force'], { env, cwd: work });
    expect(forced.code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(first);
  });

  it('exports one service with --service, and names the nearest one when it does not exist', async () => {
    const one = await runCliCaptured(['export', '--cluster', 'demo', '--service', 'edge-proxy', '--out', 'one', '--output', 'json'], { env, cwd: work });
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ cluster: 'demo', files: [{ service: 'edge-proxy', flaggedSecrets: [], residualChanges: [] }] });
    expect(await readdir(path.join(work, 'one', 'demo'))).toEqual(['edge-proxy.yaml']);
    const edge = parse(await readFile(path.join(work, 'one', 'demo', 'edge-proxy.yaml'), 'utf8')) as { spec: Record<string, unknown> };
    expect(edge.spec).toMatchObject({ desiredCount: 1, launchType: 'EC2', placementStrategy: [{ type: 'spread', field: 'attribute:ecs.availability-zone' }] });
    expect(edge.spec).not.toHaveProperty('tags');

    const missing = await runCliCaptured(['export', '--cluster', 'demo', '--service', 'edge-prox', '--out', 'x'], { env, cwd: work });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error EXPORT_SERVICE_NOT_FOUND: service "edge-prox" not found in cluster demo (--service); did you mean edge-proxy?');
  });

  it('fails with a clear error for an unknown cluster or a missing --cluster', async () => {
    const unknown = await runCliCaptured(['export', '--cluster', 'nope'], { env, cwd: work });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`error EXPORT_CLUSTER_NOT_FOUND: cluster "nope" not found in ${REGION} (--cluster)`);
    const noFlag = await runCliCaptured(['export'], { env, cwd: work });
    expect(noFlag.code).toBe(1);
    expect(noFlag.stderr).toContain('error CLI_MISSING_ARGUMENT: --cluster is required');
  });

  it('exports a large cluster with varied services (default capacity strategy, DAEMON, load balancers) that diffs clean', async () => {
    const target = { accountId: ACCOUNT, region: REGION };
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{
      name: 'big', capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2 }, { capacityProvider: 'FARGATE', weight: 1, base: 1 }],
    }] }] });
    sandbox.call('RegisterTaskDefinition', {
      family: 'api', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'api', image: 'nginx:1.27', portMappings: [{ containerPort: 80 }] }],
    }, target);
    const network = { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } };
    // 23 services: more than one DescribeServices batch (10) and several list pages of the reader.
    for (let i = 0; i < 23; i++) {
      sandbox.call('CreateService', {
        cluster: 'big', serviceName: `api-${String(i).padStart(2, '0')}`, taskDefinition: 'api', desiredCount: i % 3, networkConfiguration: network,
        ...(i === 0 ? { loadBalancers: [{ targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/api/0123456789abcdef`, containerName: 'api', containerPort: 80 }], healthCheckGracePeriodSeconds: 30 } : {}),
      }, target);
    }
    sandbox.call('RegisterTaskDefinition', { family: 'agent', containerDefinitions: [{ name: 'agent', image: 'busybox:1.36', memory: 64 }] }, target);
    sandbox.call('CreateService', { cluster: 'big', serviceName: 'agent', taskDefinition: 'agent', launchType: 'EC2', schedulingStrategy: 'DAEMON' }, target);

    const exported = await runCliCaptured(['export', '--cluster', 'big', '--out', 'big'], { env, cwd: work });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('24 service(s) exported');
    expect(await readdir(path.join(work, 'big', 'big'))).toHaveLength(24);

    const first = parse(await readFile(path.join(work, 'big', 'big', 'api-00.yaml'), 'utf8')) as { spec: Record<string, unknown> };
    expect(first.spec).toMatchObject({ healthCheckGracePeriodSeconds: 30, loadBalancers: [expect.objectContaining({ containerName: 'api', containerPort: 80 })] });
    expect(first.spec.capacityProviderStrategy).toBeDefined();
    const agent = parse(await readFile(path.join(work, 'big', 'big', 'agent.yaml'), 'utf8')) as { spec: Record<string, unknown> };
    expect(agent.spec).toMatchObject({ schedulingStrategy: 'DAEMON', launchType: 'EC2' });
    expect(agent.spec).not.toHaveProperty('desiredCount');
    expect(agent.spec).not.toHaveProperty('deploymentConfiguration');

    const diff = await runCliCaptured(['diff', 'big', '--output', 'json'], { env, cwd: work });
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({ summary: { services: 24, inSync: 24, outOfSync: 0, missing: 0 } });
  });

  it('never prints an environment value, only its name', async () => {
    const exported = await runCliCaptured(['export', '--cluster', 'demo', '--out', 'out', '--output', 'json'], { env, cwd: work });
    expect(exported.code).toBe(0);
    const text = await runCliCaptured(['export', '--cluster', 'demo', '--out', 'out2'], { env, cwd: work });
    for (const output of [exported.stdout, exported.stderr, text.stdout, text.stderr]) expect(output).not.toContain('hunter2-planted');
    expect(JSON.parse(exported.stdout)).toMatchObject({ files: expect.arrayContaining([expect.objectContaining({ service: 'web', flaggedSecrets: ['web/DB_PASSWORD'] })]) });
  });
});
