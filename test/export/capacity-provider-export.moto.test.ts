/**
 * Exporting `kind: CapacityProvider` manifests: the pure conversion (ECS's
 * defaults left out, controller and AWS tags dropped) and the round trip
 * against moto_server: the providers a cluster attaches are written (owned or
 * not, FARGATE never), each file reads back with nothing for the controller to
 * change, nothing is overwritten without force, and export makes no write call.
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as ECS from '@aws-sdk/client-ecs';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcsCallCounter } from '../../src/ecs/call-counter.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { ecsApiFromClient } from '../../src/ecs/index.js';
import { capacityProviderManifestFromLive, exportCapacityProviders } from '../../src/export/index.js';
import { capacityProviderIdentity } from '../../src/keys/index.js';
import type { CapacityProviderManifest } from '../../src/manifests/types.js';
import { planCapacityProvider } from '../../src/plan/plan-capacity-provider.js';
import { motoAccount, motoEndpoint } from '../support/moto.js';

const REGION = 'eu-west-1';
const ASG = `arn:aws:autoscaling:${REGION}:123456789012:autoScalingGroup:0b2c9c5e-1111-2222-3333-444455556666:autoScalingGroupName/ec2-asg`;

describe('capacityProviderManifestFromLive', () => {
  it('leaves out what ECS fills in by default and the controller/AWS tags', () => {
    const live: ECS.CapacityProvider = {
      name: 'ec2', status: 'ACTIVE', capacityProviderArn: `arn:aws:ecs:${REGION}:123456789012:capacity-provider/ec2`,
      autoScalingGroupProvider: {
        autoScalingGroupArn: ASG,
        managedScaling: { status: 'ENABLED', targetCapacity: 100, minimumScalingStepSize: 2, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300 },
        managedTerminationProtection: 'DISABLED', managedDraining: 'ENABLED',
      },
      tags: [{ key: 'team', value: 'a' }, { key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }, { key: 'aws:cloudformation:stack-name', value: 's' }],
    };
    const { manifest, residualChanges } = capacityProviderManifestFromLive(REGION, live);
    expect(manifest).toEqual({
      apiVersion: 'ecs-gitops/v1', kind: 'CapacityProvider', metadata: { name: 'ec2', region: REGION },
      spec: { autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { status: 'ENABLED', minimumScalingStepSize: 2 } }, tags: { team: 'a' } },
    });
    expect(residualChanges).toEqual([]);
  });
});

describe.skipIf(motoEndpoint() === null)('export of capacity providers (moto)', () => {
  let api: EcsApi;
  let counter: EcsCallCounter;
  let work: string;

  beforeAll(async () => {
    const account = motoAccount(REGION);
    api = ecsApiFromClient(account.ecs());
    counter = new EcsCallCounter();
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-export-cp-'));
    await api.send('CreateCapacityProvider', {
      name: 'ec2-owned',
      autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { status: 'ENABLED', targetCapacity: 75, maximumScalingStepSize: 4 }, managedTerminationProtection: 'ENABLED' },
      tags: [{ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }, { key: 'team', value: 'core' }],
    });
    await api.send('CreateCapacityProvider', { name: 'ec2-theirs', autoScalingGroupProvider: { autoScalingGroupArn: ASG.replace('ec2-asg', 'other-asg') } });
    await api.send('CreateCapacityProvider', { name: 'not-attached', autoScalingGroupProvider: { autoScalingGroupArn: ASG } });
    await api.send('CreateCluster', { clusterName: 'prod' });
    await api.send('PutClusterCapacityProviders', { cluster: 'prod', capacityProviders: ['ec2-owned', 'ec2-theirs', 'FARGATE'], defaultCapacityProviderStrategy: [] });
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('writes every attached provider, owned or not, that reads back with nothing to change', async () => {
    const files = await exportCapacityProviders({ ecs: counter.wrap(api), region: REGION, cluster: 'prod', outDir: work });
    expect(files.map((f) => [path.relative(work, f.path), f.residualChanges])).toEqual([
      ['capacity-providers/ec2-owned.yaml', []],
      ['capacity-providers/ec2-theirs.yaml', []],
    ]);
    expect(counter.mutatingCalls()).toBe(0);

    for (const file of files) {
      const manifest = parse(await readFile(file.path, 'utf8')) as CapacityProviderManifest;
      const name = manifest.metadata.name;
      const live = (await api.send('DescribeCapacityProviders', { capacityProviders: [name], include: ['TAGS'] })).capacityProviders?.[0];
      // Read back as the controller would (as if already ours: only the ownership stamp may be missing).
      const owned = { ...live, tags: [...(live?.tags ?? []).filter((t) => t.key !== 'ecs-gitops/managed-by'), { key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }, { key: 'ecs-gitops/source', value: path.relative(work, file.path) }] };
      const plan = planCapacityProvider({
        desired: { key: capacityProviderIdentity(REGION, name), region: REGION, name, manifest, source: { file: path.relative(work, file.path), line: 1, column: 1 }, contentHash: 'h' },
        live: owned, controllerId: 'ecs-gitops', revision: 'r1',
      });
      expect(plan, name).toEqual({ actions: [], changes: [] });
    }
    const owned = parse(await readFile(path.join(work, 'capacity-providers/ec2-owned.yaml'), 'utf8')) as CapacityProviderManifest;
    expect(owned.spec).toEqual({
      autoScalingGroupProvider: { autoScalingGroupArn: ASG, managedScaling: { status: 'ENABLED', targetCapacity: 75, maximumScalingStepSize: 4 }, managedTerminationProtection: 'ENABLED' },
      tags: { team: 'core' },
    });
  });

  it('overwrites nothing without force, and writes nothing at all when one file exists', async () => {
    const out = path.join(work, 'again');
    await mkdir(path.join(out, 'capacity-providers'), { recursive: true });
    await writeFile(path.join(out, 'capacity-providers/ec2-theirs.yaml'), 'mine\n');
    await expect(exportCapacityProviders({ ecs: api, region: REGION, cluster: 'prod', outDir: out })).rejects.toMatchObject({ code: 'EXPORT_FILE_EXISTS' });
    await expect(readFile(path.join(out, 'capacity-providers/ec2-owned.yaml'), 'utf8')).rejects.toThrow();
    expect(await readFile(path.join(out, 'capacity-providers/ec2-theirs.yaml'), 'utf8')).toBe('mine\n');
    const forced = await exportCapacityProviders({ ecs: api, region: REGION, cluster: 'prod', outDir: out, force: true });
    expect(forced).toHaveLength(2);
  });

  it('a missing cluster is EXPORT_CLUSTER_NOT_FOUND', async () => {
    await expect(exportCapacityProviders({ ecs: api, region: REGION, cluster: 'nope', outDir: work })).rejects.toMatchObject({ code: 'EXPORT_CLUSTER_NOT_FOUND' });
  });
});
