/**
 * Fields ECS reports only on the PRIMARY deployment (volumeConfigurations,
 * serviceConnectConfiguration, vpcLatticeConfigurations) read back the way the
 * manifest wrote them: a second sync of such a service makes no mutating call
 * and `diff` is clean. The real CLI against the sandbox over HTTP (the real
 * SDK parses DescribeServices, so a field returned in the wrong place is lost
 * exactly as it would be against AWS); a real change is still drift.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runCliCaptured } from '../support/run-cli.js';

const REGION = 'eu-west-1';
const ACCOUNT = '456789012345';
const MUTATING = ['CreateCluster', 'UpdateCluster', 'PutClusterCapacityProviders', 'CreateService', 'UpdateService', 'DeleteService', 'RegisterTaskDefinition', 'TagResource', 'UntagResource'];

/** A Fargate service with an EBS volume configured at launch; the manifest omits filesystemType (ECS fills xfs). */
function ebsManifest(sizeInGiB: number, extra = ''): string {
  return `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: db
  cluster: demo
  region: ${REGION}
spec:
  desiredCount: 1
  launchType: FARGATE
  taskDefinition:
    family: db
    cpu: "512"
    memory: "1024"
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    containerDefinitions:
      - name: db
        image: postgres:16
        portMappings: [{ containerPort: 5432 }]
        mountPoints: [{ sourceVolume: data, containerPath: /var/lib/postgresql/data }]
    volumes:
      - name: data
        configuredAtLaunch: true
  networkConfiguration:
    awsvpcConfiguration:
      subnets: [subnet-0a1b2c3d4e5f60001]
      securityGroups: [sg-0a1b2c3d4e5f60003]
  volumeConfigurations:
    - name: data
      managedEBSVolume:
        roleArn: arn:aws:iam::${ACCOUNT}:role/ecsInfrastructureRole
        sizeInGiB: ${sizeInGiB}
        volumeType: gp3
${extra}`;
}

describe('services with deployment-level fields resync without writes (sandbox)', () => {
  let sandbox: Sandbox;
  let work: string;
  let env: Record<string, string>;
  const manifestFile = () => path.join(work, 'manifests', 'db.yaml');
  const cli = (...argv: string[]) => runCliCaptured(argv, { env, cwd: work });
  const mutatingCounts = () => Object.fromEntries(MUTATING.map((op) => [op, sandbox.callCounts(ACCOUNT)[op] ?? 0]).filter(([, n]) => n !== 0));

  beforeEach(async () => {
    sandbox = await startSandbox({ clockSpeed: 100, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo' }] }] });
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-deployment-fields-'));
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

  it('an EBS volume configured at launch: the second sync writes nothing, diff is clean, a resize is drift', async () => {
    await writeFile(manifestFile(), ebsManifest(20));
    const first = await cli('sync', 'manifests', '--adopt-clusters', 'demo');
    expect(first.code, first.stdout + first.stderr).toBe(0);

    sandbox.admin.resetCallCounts(ACCOUNT);
    const second = await cli('sync', 'manifests');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(mutatingCounts()).toEqual({});

    const clean = await cli('diff', 'manifests');
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);

    // ECS reports the volume on the PRIMARY deployment, with the filesystem type it filled in.
    const live = sandbox.call('DescribeServices', { cluster: 'demo', services: ['db'] }, { accountId: ACCOUNT, region: REGION });
    const [service] = live.services as Record<string, unknown>[];
    expect(service).not.toHaveProperty('volumeConfigurations');
    const [primary] = (service?.deployments ?? []) as Record<string, unknown>[];
    expect(primary?.volumeConfigurations).toEqual([{
      name: 'data',
      managedEBSVolume: { roleArn: `arn:aws:iam::${ACCOUNT}:role/ecsInfrastructureRole`, sizeInGiB: 20, volumeType: 'gp3', filesystemType: 'xfs' },
    }]);

    await writeFile(manifestFile(), ebsManifest(40));
    const resized = await cli('diff', 'manifests');
    expect(resized.code, resized.stdout + resized.stderr).toBe(2);
    expect(resized.stdout).toContain('/spec/volumeConfigurations/0/managedEBSVolume/sizeInGiB');
  });

  it('a manifest that writes every gp3 default ECS fills in is not drift against one that omits them', async () => {
    const explicit = '        filesystemType: xfs\n        iops: 3000\n        encrypted: true\n';
    await writeFile(manifestFile(), ebsManifest(20, explicit));
    expect((await cli('sync', 'manifests', '--adopt-clusters', 'demo')).code).toBe(0);
    await writeFile(manifestFile(), ebsManifest(20));
    sandbox.admin.resetCallCounts(ACCOUNT);
    const again = await cli('sync', 'manifests');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(mutatingCounts()).toEqual({});
  });
});
