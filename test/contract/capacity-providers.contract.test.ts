/**
 * ECS Auto Scaling group capacity providers, one contract suite against the
 * sandbox and moto_server with the real SDK client: create with ECS's
 * defaults filled in, describe, update, delete, attachment to a cluster and
 * the refusals around it. Neither backend models Auto Scaling groups, so the
 * group ARNs are made up (real ECS checks the group exists). Cases listed in
 * MOTO_KNOWN_GAPS / SANDBOX_KNOWN_GAPS (backends.ts) are expected to fail on
 * that backend only.
 */
import {
  CreateCapacityProviderCommand, CreateClusterCommand, DeleteCapacityProviderCommand, DescribeCapacityProvidersCommand, DescribeClustersCommand,
  PutClusterCapacityProvidersCommand, UpdateCapacityProviderCommand, type CreateCapacityProviderCommandInput,
} from '@aws-sdk/client-ecs';
import { describe, expect } from 'vitest';
import {type Backend, type ContractAccount, contractBackends, contractCase } from './backends.js';

const backends: Backend[] = contractBackends();

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).name;
  }
  return 'no error';
}

const groupArn = (a: ContractAccount, group: string) =>
  `arn:aws:autoscaling:${a.region}:${a.accountId}:autoScalingGroup:0b1c2d3e-0000-4000-8000-000000000000:autoScalingGroupName/${group}`;

const create = (a: ContractAccount, name: string, group = name, extra: Partial<CreateCapacityProviderCommandInput> = {}) =>
  a.ecs.send(new CreateCapacityProviderCommand({
    name, autoScalingGroupProvider: { autoScalingGroupArn: groupArn(a, group), managedScaling: { status: 'ENABLED', targetCapacity: 80 } }, ...extra,
  }));

const describeOne = async (a: ContractAccount, name: string) =>
  (await a.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: [name], include: ['TAGS'] }))).capacityProviders?.[0];

describe.each(backends)('contract (capacity providers): $name', (backend) => {
  const contract = contractCase(backend);

  contract('capacity provider: create with an Auto Scaling group and managedScaling; ECS fills the other managedScaling fields', async (a) => {
    const out = await create(a, 'workers', 'workers', { tags: [{ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }] });
    const arn = `arn:aws:ecs:${a.region}:${a.accountId}:capacity-provider/workers`;
    const expected = {
      capacityProviderArn: arn, name: 'workers', status: 'ACTIVE',
      autoScalingGroupProvider: {
        autoScalingGroupArn: groupArn(a, 'workers'),
        managedScaling: { status: 'ENABLED', targetCapacity: 80, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300 },
        managedTerminationProtection: 'DISABLED',
      },
    };
    expect(out.capacityProvider).toMatchObject(expected);
    expect(await describeOne(a, 'workers')).toMatchObject({ ...expected, tags: [{ key: 'ecs-gitops/managed-by', value: 'ecs-gitops' }] });
    // By ARN as well as by name.
    expect((await describeOne(a, arn))?.name).toBe('workers');
  });

  contract('capacity provider: managedDraining defaults to ENABLED', async (a) => {
    await create(a, 'workers');
    expect((await describeOne(a, 'workers'))?.autoScalingGroupProvider?.managedDraining).toBe('ENABLED');
  });

  contract('capacity provider: DescribeCapacityProviders names a missing one as a MISSING failure', async (a) => {
    await create(a, 'workers');
    const out = await a.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['workers', 'ghost'] }));
    expect(out.capacityProviders?.map((p) => p.name)).toEqual(['workers']);
    expect(out.failures?.map((f) => f.reason)).toEqual(['MISSING']);
  });

  contract('capacity provider: UpdateCapacityProvider changes managed scaling and termination protection and keeps the rest', async (a) => {
    await create(a, 'workers');
    const out = await a.ecs.send(new UpdateCapacityProviderCommand({
      name: 'workers',
      autoScalingGroupProvider: { managedScaling: { status: 'ENABLED', targetCapacity: 95, maximumScalingStepSize: 5 }, managedTerminationProtection: 'ENABLED' },
    }));
    expect(out.capacityProvider?.name).toBe('workers');
    expect((await describeOne(a, 'workers'))?.autoScalingGroupProvider).toMatchObject({
      autoScalingGroupArn: groupArn(a, 'workers'),
      managedScaling: { status: 'ENABLED', targetCapacity: 95, minimumScalingStepSize: 1, maximumScalingStepSize: 5, instanceWarmupPeriod: 300 },
      managedTerminationProtection: 'ENABLED',
    });
  });

  contract('capacity provider: delete one no cluster uses', async (a) => {
    await create(a, 'workers');
    const out = await a.ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'workers' }));
    expect(out.capacityProvider?.name).toBe('workers');
    const after = await a.ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['workers'] }));
    // ECS may still show it INACTIVE for a while, or not at all: either way it is no longer ACTIVE.
    expect(after.capacityProviders?.filter((p) => p.status === 'ACTIVE')).toEqual([]);
  });

  contract('capacity provider: deleting one a cluster lists ends DELETE_FAILED with the reason and keeps it ACTIVE', async (a) => {
    await create(a, 'workers');
    await a.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    await a.ecs.send(new PutClusterCapacityProvidersCommand({ cluster: 'c', capacityProviders: ['workers'], defaultCapacityProviderStrategy: [] }));
    const out = await a.ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'workers' }));
    expect(out.capacityProvider).toMatchObject({ name: 'workers', status: 'ACTIVE', updateStatus: 'DELETE_FAILED' });
    expect(out.capacityProvider?.updateStatusReason).toContain('associated with cluster: c');
    expect((await describeOne(a, 'workers'))?.status).toBe('ACTIVE');
  });

  contract('capacity provider: PutClusterCapacityProviders attaches it and DescribeClusters lists it with the default strategy', async (a) => {
    await create(a, 'workers');
    await a.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    const strategy = [{ capacityProvider: 'workers', weight: 1, base: 1 }];
    await a.ecs.send(new PutClusterCapacityProvidersCommand({ cluster: 'c', capacityProviders: ['workers', 'FARGATE'], defaultCapacityProviderStrategy: strategy }));
    const cluster = (await a.ecs.send(new DescribeClustersCommand({ clusters: ['c'] }))).clusters?.[0];
    expect(cluster?.capacityProviders).toEqual(['workers', 'FARGATE']);
    expect(cluster?.defaultCapacityProviderStrategy).toEqual(strategy);
  });

  contract('capacity provider: PutClusterCapacityProviders with an unknown provider is an InvalidParameterException', async (a) => {
    await a.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    const put = a.ecs.send(new PutClusterCapacityProvidersCommand({ cluster: 'c', capacityProviders: ['ghost'], defaultCapacityProviderStrategy: [] }));
    expect(await errorName(put)).toBe('InvalidParameterException');
    expect((await a.ecs.send(new DescribeClustersCommand({ clusters: ['c'] }))).clusters?.[0]?.capacityProviders ?? []).toEqual([]);
  });

  contract('capacity provider: a second provider for the same Auto Scaling group is a ClientException', async (a) => {
    await create(a, 'first', 'shared');
    expect(await errorName(create(a, 'second', 'shared'))).toBe('ClientException');
  });

  contract('capacity provider: creating one with a name that exists is a ClientException', async (a) => {
    await create(a, 'workers', 'one');
    expect(await errorName(create(a, 'workers', 'two'))).toBe('ClientException');
    expect((await describeOne(a, 'workers'))?.autoScalingGroupProvider?.autoScalingGroupArn).toBe(groupArn(a, 'one'));
  });
});
