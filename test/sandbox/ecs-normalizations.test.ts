/**
 * ECS's normalizations as seen through the real SDK over HTTP: what a naive
 * comparer would report as false drift against real ECS must show up here too.
 */
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand,
  PutClusterCapacityProvidersCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { NETWORK, accountOn, fargateTaskDefinition, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

describe('task definition normalizations over the wire', () => {
  it('returns defaults, converted units, sorted env without empties, read-only fields and tags only on request', async () => {
    const ecs = accountOn(sandbox).ecs();
    const registered = await ecs.send(new RegisterTaskDefinitionCommand({
      family: 'norm',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '0.25 vCPU',
      memory: '1 GB',
      containerDefinitions: [{
        name: 'app', image: 'nginx:1.27', portMappings: [{ containerPort: 8080 }],
        environment: [{ name: 'ZED', value: 'z' }, { name: 'EMPTY', value: '' }, { name: 'ALPHA', value: 'a' }],
        healthCheck: { command: ['CMD-SHELL', 'true'] },
        dockerLabels: { 'Team.Name': 'Platform' },
      }],
      tags: [{ key: 'owner', value: 'platform' }],
    }));
    const td = registered.taskDefinition;
    expect(td?.taskDefinitionArn).toBe(`arn:aws:ecs:eu-west-1:${(await ecs.config.credentials()).accessKeyId}:task-definition/norm:1`);
    expect(td).toMatchObject({ cpu: '256', memory: '1024', revision: 1, status: 'ACTIVE', volumes: [], placementConstraints: [], compatibilities: ['EC2', 'FARGATE'] });
    expect(td?.registeredAt).toBeInstanceOf(Date);
    expect(td?.registeredBy).toMatch(/^arn:aws:iam::\d{12}:root$/);
    expect(td?.requiresAttributes?.map((a) => a.name)).toContain('ecs.capability.task-eni');
    const c = td?.containerDefinitions?.[0];
    expect(c).toMatchObject({ essential: true, cpu: 0, mountPoints: [], volumesFrom: [], dockerLabels: { 'Team.Name': 'Platform' } });
    expect(c?.portMappings).toEqual([{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }]);
    expect(c?.environment).toEqual([{ name: 'ALPHA', value: 'a' }, { name: 'ZED', value: 'z' }]);
    expect(c?.healthCheck).toEqual({ command: ['CMD-SHELL', 'true'], interval: 30, timeout: 5, retries: 3 });

    const plain = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'norm' }));
    expect(plain.tags).toBeUndefined();
    const withTags = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'norm:1', include: ['TAGS'] }));
    expect(withTags.tags).toEqual([{ key: 'owner', value: 'platform' }]);
  });

  it('describes a family alone as its latest ACTIVE revision', async () => {
    const ecs = accountOn(sandbox).ecs();
    for (let i = 0; i < 3; i++) await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('fam')));
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'fam' }));
    expect(latest.taskDefinition?.revision).toBe(3);
  });
});

describe('service defaults', () => {
  it('fills deploymentConfiguration, LATEST, DISABLED public IP, NONE propagateTags and a full task definition ARN', async () => {
    const ecs = accountOn(sandbox).ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web')));
    const { service } = await ecs.send(new CreateServiceCommand({
      cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 1, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
    }));
    expect(service?.taskDefinition).toMatch(/^arn:aws:ecs:eu-west-1:\d{12}:task-definition\/web:1$/);
    expect(service?.serviceArn).toMatch(/^arn:aws:ecs:eu-west-1:\d{12}:service\/c\/web$/);
    expect(service?.deploymentConfiguration).toEqual({ deploymentCircuitBreaker: { enable: false, rollback: false }, maximumPercent: 200, minimumHealthyPercent: 100 });
    expect(service?.platformVersion).toBe('LATEST');
    expect(service?.networkConfiguration?.awsvpcConfiguration?.assignPublicIp).toBe('DISABLED');
    expect(service).toMatchObject({ propagateTags: 'NONE', enableECSManagedTags: false, enableExecuteCommand: false, schedulingStrategy: 'REPLICA', loadBalancers: [], serviceRegistries: [], placementConstraints: [], placementStrategy: [] });
    expect(service?.deploymentController).toEqual({ type: 'ECS' });
  });

  it('returns subnets and security groups as sets (sorted, not in the order given)', async () => {
    const ecs = accountOn(sandbox).ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web')));
    const { service } = await ecs.send(new CreateServiceCommand({
      cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 0, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-2', 'sg-1'], assignPublicIp: 'ENABLED' } },
    }));
    expect(service?.networkConfiguration?.awsvpcConfiguration).toEqual({ subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1', 'sg-2'], assignPublicIp: 'ENABLED' });
  });

  it('uses DAEMON deployment defaults of 100 / 0', async () => {
    const ecs = accountOn(sandbox).ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'agent', containerDefinitions: [{ name: 'a', image: 'agent:1', memory: 64 }] }));
    const { service } = await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'agent', taskDefinition: 'agent', schedulingStrategy: 'DAEMON' }));
    expect(service?.deploymentConfiguration).toMatchObject({ maximumPercent: 100, minimumHealthyPercent: 0 });
    expect(service?.launchType).toBe('EC2');
  });

  it('shows the cluster default capacity provider strategy on services that set neither launchType nor strategy', async () => {
    const ecs = accountOn(sandbox).ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'cp' }));
    await ecs.send(new PutClusterCapacityProvidersCommand({
      cluster: 'cp', capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    }));
    await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web')));
    await ecs.send(new CreateServiceCommand({ cluster: 'cp', serviceName: 'web', taskDefinition: 'web', desiredCount: 0, networkConfiguration: NETWORK }));
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'cp', services: ['web'] }));
    expect(services?.[0]?.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    expect(services?.[0]?.launchType).toBeUndefined();
    expect(services?.[0]?.platformVersion).toBe('LATEST');
  });

  it('stores UpdateService taskDefinition given as family:revision as a full ARN', async () => {
    const ecs = accountOn(sandbox).ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web')));
    await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web', 'nginx:1.28')));
    await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 0, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    const { service } = await ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
    expect(service?.taskDefinition).toMatch(/task-definition\/web:2$/);
    expect(service?.taskDefinition?.startsWith('arn:aws:ecs:')).toBe(true);
  });
});
