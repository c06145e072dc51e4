/**
 * `ecs-gitops export` writes the capacity providers the exported cluster
 * attaches, the CLI in-process against the sandbox over HTTP: one
 * `kind: CapacityProvider` file per Auto Scaling group provider (never
 * FARGATE), in the text and JSON reports, read back by validate and diff with
 * nothing to change; the same no-overwrite rule as the service files (an
 * existing provider file stops the whole export before any file is written),
 * --force rewrites byte-identically, --service leaves providers out, and
 * export makes no write call.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runCliCaptured } from '../support/run-cli.js';

const REGION = 'eu-west-1';
const ACCOUNT = '356789012345';
const ASG = `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:0b2c9c5e-1111-2222-3333-444455556666:autoScalingGroupName/ec2-asg`;
const WRITES = ['CreateCluster', 'UpdateCluster', 'PutClusterCapacityProviders', 'CreateService', 'UpdateService', 'RegisterTaskDefinition',
  'CreateCapacityProvider', 'UpdateCapacityProvider', 'DeleteCapacityProvider', 'TagResource', 'UntagResource'];

describe('export of the capacity providers a cluster attaches (sandbox)', () => {
  let sandbox: Sandbox;
  let work: string;
  let env: Record<string, string>;
  const target = { accountId: ACCOUNT, region: REGION };
  const run = (argv: readonly string[]) => runCliCaptured(argv, { env, cwd: work });

  beforeEach(async () => {
    sandbox = await startSandbox({ clockSpeed: 40, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'ec2' }] }] });
    // Made the way a console user would: not by ecs-gitops, so untagged.
    sandbox.call('CreateCapacityProvider', {
      name: 'workers',
      autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { status: 'ENABLED', targetCapacity: 80 }, managedTerminationProtection: 'DISABLED' },
      tags: [{ key: 'team', value: 'infra' }],
    }, target);
    sandbox.call('PutClusterCapacityProviders', { cluster: 'ec2', capacityProviders: ['workers', 'FARGATE'], defaultCapacityProviderStrategy: [{ capacityProvider: 'workers', weight: 1 }] }, target);
    sandbox.call('RegisterTaskDefinition', { family: 'api', containerDefinitions: [{ name: 'api', image: 'nginx:1.27', memory: 256 }] }, target);
    sandbox.call('CreateService', { cluster: 'ec2', serviceName: 'api', taskDefinition: 'api', desiredCount: 1 }, target);
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-export-cp-'));
    env = { AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret' };
  });
  afterEach(async () => {
    await sandbox.close();
    await rm(work, { recursive: true, force: true });
  });

  it('writes each attached provider beside the services, reports it, and the files validate and diff clean', async () => {
    sandbox.admin.resetCallCounts(ACCOUNT);
    const exported = await run(['export', '--cluster', 'ec2', '--out', 'out']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`wrote ${path.join('out', 'ec2', 'api.yaml')}`);
    expect(exported.stdout).toContain(`wrote ${path.join('out', 'capacity-providers', 'workers.yaml')}`);
    expect(exported.stdout).toContain(`1 service(s) exported from ${REGION}/ec2, with 1 capacity provider(s) it attaches. Next: \`ecs-gitops diff out\``);
    for (const op of WRITES) expect(sandbox.callCounts(ACCOUNT)[op] ?? 0, op).toBe(0);
    expect(await readdir(path.join(work, 'out', 'capacity-providers'))).toEqual(['workers.yaml']);

    const manifest = parse(await readFile(path.join(work, 'out', 'capacity-providers', 'workers.yaml'), 'utf8')) as unknown;
    expect(manifest).toEqual({
      apiVersion: 'ecs-gitops/v1', kind: 'CapacityProvider', metadata: { name: 'workers', region: REGION },
      spec: { autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { status: 'ENABLED', targetCapacity: 80 } }, tags: { team: 'infra' } },
    });

    const validate = await run(['validate', 'out']);
    expect(validate.stdout).toBe('valid: 2 files, 1 service, 0 clusters, 1 capacity provider\n');
    const diff = await run(['diff', 'out', '--output', 'json']);
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({ summary: { services: 1, inSync: 1, capacityProviders: { total: 1, inSync: 1, outOfSync: 0, missing: 0 } } });
    // Untagged: a person still has to opt it in before sync applies it (docs/controller.md, Capacity providers).
    expect(diff.stderr).toContain('DIFF_ADOPTION_NOT_ALLOWED');
  });

  it('lists the providers in the JSON report', async () => {
    const exported = await run(['export', '--cluster', 'ec2', '--out', 'out', '--output', 'json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({
      cluster: 'ec2', files: [{ service: 'api', residualChanges: [] }],
      capacityProviders: [{ path: path.join(work, 'out', 'capacity-providers', 'workers.yaml'), capacityProvider: 'workers', residualChanges: [] }],
    });
  });

  it('refuses when a provider file exists, writing no file at all, and rewrites byte-identically with --force', async () => {
    expect((await run(['export', '--cluster', 'ec2', '--out', 'out'])).code).toBe(0);
    const providerFile = path.join(work, 'out', 'capacity-providers', 'workers.yaml');
    const serviceFile = path.join(work, 'out', 'ec2', 'api.yaml');
    const first = await readFile(providerFile, 'utf8');
    await writeFile(providerFile, '# my edits\n');
    await rm(serviceFile);

    const refused = await run(['export', '--cluster', 'ec2', '--out', 'out']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`error EXPORT_FILE_EXISTS: 1 file(s) already exist, nothing written (--force overwrites): ${providerFile}`);
    expect(await readFile(providerFile, 'utf8')).toBe('# my edits\n');
    // Nothing written means the service file too, although it did not exist.
    expect(await readdir(path.join(work, 'out', 'ec2'))).toEqual([]);

    const forced = await run(['export', '--cluster', 'ec2', '--out', 'out', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(providerFile, 'utf8')).toBe(first);
  });

  it('leaves providers out with --service', async () => {
    const one = await run(['export', '--cluster', 'ec2', '--service', 'api', '--out', 'one', '--output', 'json']);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ files: [{ service: 'api' }], capacityProviders: [] });
    expect(await readdir(path.join(work, 'one'))).toEqual(['ec2']);
  });
});
