/**
 * Through the real SDK against the sandbox: placementStrategy comes back the
 * way ECS stores it (binpack MEMORY/CPU upper case, spread host as
 * instanceId), a manifest in any of those spellings syncs once and then
 * writes nothing while a real change is still drift; and CreateService /
 * UpdateService refuse a load balancer or service registry that names a
 * container the task definition lacks, or a port that container does not
 * map, with ECS's messages (docs/ecs-facts.md).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, type ECSClient,
} from '@aws-sdk/client-ecs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runCliCaptured } from '../support/run-cli.js';
import { accountOn, rejectionOf, testSandbox } from './sandbox-harness.js';

const TG = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef';
const REGISTRY = 'arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-0123456789abcdef';

describe('placementStrategy as ECS stores it', () => {
  const REGION = 'eu-west-1';
  const ACCOUNT = '567890123456';
  const MUTATING = ['CreateService', 'UpdateService', 'DeleteService', 'RegisterTaskDefinition', 'TagResource', 'UntagResource'];
  let sandbox: Sandbox;
  let work: string;
  let env: Record<string, string>;
  const cli = (...argv: string[]) => runCliCaptured(argv, { env, cwd: work });
  const manifest = (strategy: string) => `apiVersion: ecs-gitops/v1
kind: Service
metadata: { name: packed, cluster: demo, region: ${REGION} }
spec:
  desiredCount: 1
  launchType: EC2
  taskDefinition:
    family: packed
    containerDefinitions:
      - { name: app, image: "nginx:1.27", memory: 256, portMappings: [{ containerPort: 80 }] }
  placementStrategy:
${strategy}`;
  const write = (strategy: string) => writeFile(path.join(work, 'manifests', 'packed.yaml'), manifest(strategy));
  const mutating = () => Object.fromEntries(MUTATING.map((op) => [op, sandbox.callCounts(ACCOUNT)[op] ?? 0]).filter(([, n]) => n !== 0));

  beforeEach(async () => {
    sandbox = await startSandbox({ clockSpeed: 100, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo' }] }] });
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-placement-'));
    await mkdir(path.join(work, 'manifests'));
    env = {
      AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint, AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret',
    };
  });
  afterEach(async () => {
    await sandbox.close();
    await rm(work, { recursive: true, force: true });
  });

  it('binpack memory and spread host: stored as MEMORY and instanceId, no write on resync, any spelling is clean, cpu is drift', async () => {
    await write('    - { type: spread, field: host }\n    - { type: binpack, field: memory }\n');
    const first = await cli('sync', 'manifests', '--adopt-clusters', 'demo');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const live = sandbox.call('DescribeServices', { cluster: 'demo', services: ['packed'] }, { accountId: ACCOUNT, region: REGION });
    expect((live.services as Record<string, unknown>[])[0]?.placementStrategy).toEqual([
      { type: 'spread', field: 'instanceId' }, { type: 'binpack', field: 'MEMORY' },
    ]);

    sandbox.admin.resetCallCounts(ACCOUNT);
    const second = await cli('sync', 'manifests');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(mutating()).toEqual({});

    for (const spelling of [
      '    - { type: spread, field: host }\n    - { type: binpack, field: MEMORY }\n',
      '    - { type: spread, field: instanceId }\n    - { type: binpack, field: Memory }\n',
    ]) {
      await write(spelling);
      const diff = await cli('diff', 'manifests');
      expect(diff.code, spelling + diff.stdout + diff.stderr).toBe(0);
    }

    await write('    - { type: spread, field: host }\n    - { type: binpack, field: cpu }\n');
    const changed = await cli('diff', 'manifests');
    expect(changed.code, changed.stdout).toBe(2);
    expect(changed.stdout).toContain('/spec/placementStrategy/1/field');
  });
});

describe('load balancer and service registry container references', () => {
  let sandbox: Sandbox;
  let ecs: ECSClient;
  beforeAll(async () => {
    sandbox = await testSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(async () => {
    ecs = accountOn(sandbox).ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    for (const port of [8080, 9090]) {
      await ecs.send(new RegisterTaskDefinitionCommand({
        family: `web-${port}`, networkMode: 'bridge', requiresCompatibilities: ['EC2'], memory: '512',
        containerDefinitions: [
          { name: 'app', image: 'nginx:1.27', portMappings: [{ containerPort: port }] },
          { name: 'sidecar', image: 'busybox:1.36' },
        ],
      }));
    }
  });

  const create = (extra: Record<string, unknown>) =>
    ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web-8080', desiredCount: 0, launchType: 'EC2', ...extra }));

  const rejected: [what: string, extra: Record<string, unknown>, message: string][] = [
    ['a load balancer naming an unknown container', { loadBalancers: [{ targetGroupArn: TG, containerName: 'ghost', containerPort: 8080 }] },
      'The container ghost does not exist in the task definition.'],
    ['a load balancer on a port the container does not map', { loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 80 }] },
      'The container app did not have a container port 80 defined.'],
    ['a load balancer on a container without port mappings', { loadBalancers: [{ targetGroupArn: TG, containerName: 'sidecar', containerPort: 8080 }] },
      'The container sidecar did not have a container port 8080 defined.'],
    ['a service registry naming an unknown container', { serviceRegistries: [{ registryArn: REGISTRY, containerName: 'ghost', containerPort: 8080 }] },
      `The container ghost is not valid. The value for 'containerName' must already be specified in the task definition. Registry: ${REGISTRY}`],
    ['a service registry on a port the container does not map', { serviceRegistries: [{ registryArn: REGISTRY, containerName: 'app', containerPort: 81 }] },
      `The container app did not have a container port 81 defined. Registry: ${REGISTRY}`],
  ];
  it.each(rejected)('CreateService refuses %s', async (_what, extra, message) => {
    const err = await rejectionOf(create(extra));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe(message);
    const described = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }));
    expect(described.services).toEqual([]);
  });

  it('accepts references that exist, then refuses an UpdateService whose new task definition lacks the port, keeping the old one', async () => {
    await create({
      loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }],
      serviceRegistries: [{ registryArn: REGISTRY, containerName: 'app', containerPort: 8080 }],
    });
    const err = await rejectionOf(ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web-9090' })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('The container app did not have a container port 8080 defined.');
    const live = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }));
    expect(live.services?.[0]?.taskDefinition).toMatch(/:task-definition\/web-8080:1$/);

    // Moving the load balancer and the registry with the task definition is accepted.
    await ecs.send(new UpdateServiceCommand({
      cluster: 'c', service: 'web', taskDefinition: 'web-9090',
      loadBalancers: [{ targetGroupArn: TG, containerName: 'app', containerPort: 9090 }],
      serviceRegistries: [{ registryArn: REGISTRY, containerName: 'app', containerPort: 9090 }],
    }));
    const wrongLb = await rejectionOf(ecs.send(new UpdateServiceCommand({
      cluster: 'c', service: 'web', loadBalancers: [{ targetGroupArn: TG, containerName: 'nope', containerPort: 9090 }],
    })));
    expect(wrongLb.message).toBe('The container nope does not exist in the task definition.');
  });
});
