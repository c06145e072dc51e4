/**
 * Zero false drift: each row is something a user writes and what real ECS
 * returns for it, named after the ECS behaviour it covers. Every row must
 * produce no change at all.
 */
import type { Tag } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { diffService } from '../../src/diff/index.js';
import type { DiffOptions } from '../../src/diff/index.js';
import {
  baseSpec,
  container,
  liveContainer,
  liveService,
  liveTags,
  liveTaskDefinition,
  manifestOf,
  type SpecDraft,
} from './fixtures.js';

interface World {
  spec: SpecDraft;
  td: ReturnType<typeof liveTaskDefinition>;
  svc: ReturnType<typeof liveService>;
  tags: Tag[];
  options: DiffOptions;
}

type Row = readonly [behaviour: string, edit: (w: World) => void];

const tdOf = (w: World) => w.spec.taskDefinition as Record<string, unknown>;
const ec2 = (w: World) => {
  delete w.spec.launchType;
  w.spec.launchType = 'EC2';
  delete w.spec.networkConfiguration;
  tdOf(w).requiresCompatibilities = ['EC2'];
  w.td.requiresCompatibilities = ['EC2'];
  w.svc.launchType = 'EC2';
  delete w.svc.platformVersion;
  delete w.svc.platformFamily;
  delete w.svc.networkConfiguration;
};

const rows: Row[] = [
  ['read-only task definition fields (arn, revision, status, requiresAttributes, compatibilities, registeredAt/By) are not content', () => {}],
  ['essential defaults to true', (w) => {
    expect(container(w.spec).essential).toBeUndefined();
    liveContainer(w.td).essential = true;
  }],
  ['essential written as true', (w) => {
    container(w.spec).essential = true;
  }],
  ['container cpu comes back as 0 when not set', (w) => {
    liveContainer(w.td).cpu = 0;
  }],
  ['portMappings protocol defaults to tcp', (w) => {
    container(w.spec).portMappings = [{ containerPort: 8080, hostPort: 8080 }];
  }],
  ['hostPort equals containerPort under awsvpc', (w) => {
    container(w.spec).portMappings = [{ containerPort: 8080, protocol: 'tcp' }];
  }],
  ['hostPort equals containerPort under host network mode', (w) => {
    ec2(w);
    tdOf(w).networkMode = 'host';
    w.td.networkMode = 'host';
  }],
  ['hostPort 0 under bridge means dynamic, same as not written', (w) => {
    ec2(w);
    tdOf(w).networkMode = 'bridge';
    w.td.networkMode = 'bridge';
    liveContainer(w.td).portMappings = [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }];
  }],
  ['hostPort absent under bridge on both sides', (w) => {
    ec2(w);
    tdOf(w).networkMode = 'bridge';
    w.td.networkMode = 'bridge';
    liveContainer(w.td).portMappings = [{ containerPort: 8080, protocol: 'tcp' }];
  }],
  ['networkMode not written on EC2 comes back as bridge', (w) => {
    ec2(w);
    delete tdOf(w).networkMode;
    w.td.networkMode = 'bridge';
    liveContainer(w.td).portMappings = [{ containerPort: 8080, protocol: 'tcp' }];
  }],
  ['environment order is not preserved (compared by name)', (w) => {
    liveContainer(w.td).environment = [
      { name: 'REGION', value: 'eu-west-1' },
      { name: 'LOG_LEVEL', value: 'info' },
    ];
  }],
  ['environment variables with an empty value are dropped', (w) => {
    (container(w.spec).environment as unknown[]).push({ name: 'EMPTY', value: '' });
  }],
  ['secrets order is not preserved', (w) => {
    container(w.spec).secrets = [
      { name: 'A_TOKEN', valueFrom: 'arn:aws:ssm:eu-west-1:123456789012:parameter/a' },
      { name: 'B_KEY', valueFrom: 'arn:aws:ssm:eu-west-1:123456789012:parameter/b' },
    ];
    liveContainer(w.td).secrets = [
      { name: 'B_KEY', valueFrom: 'arn:aws:ssm:eu-west-1:123456789012:parameter/b' },
      { name: 'A_TOKEN', valueFrom: 'arn:aws:ssm:eu-west-1:123456789012:parameter/a' },
    ];
  }],
  ['healthCheck gains interval 30, timeout 5, retries 3', (w) => {
    container(w.spec).healthCheck = { command: ['CMD-SHELL', 'curl -f http://localhost:8080/ || exit 1'] };
    liveContainer(w.td).healthCheck = {
      command: ['CMD-SHELL', 'curl -f http://localhost:8080/ || exit 1'],
      interval: 30,
      timeout: 5,
      retries: 3,
    };
  }],
  ['task cpu "0.25 vCPU" is stored as "256"', (w) => {
    tdOf(w).cpu = '0.25 vCPU';
  }],
  ['task memory "1 GB" is stored as "1024"', (w) => {
    tdOf(w).memory = '1 GB';
    w.td.memory = '1024';
  }],
  ['task cpu and memory written as numbers come back as strings', (w) => {
    tdOf(w).cpu = 256 as unknown as string;
    tdOf(w).memory = 512 as unknown as string;
  }],
  ['"1 vCPU" and "2GB" (no space) convert too', (w) => {
    tdOf(w).cpu = '1 vCPU';
    tdOf(w).memory = '2GB';
    w.td.cpu = '1024';
    w.td.memory = '2048';
  }],
  ['requiresCompatibilities compare as a set', (w) => {
    tdOf(w).requiresCompatibilities = ['FARGATE', 'EC2'];
    w.td.requiresCompatibilities = ['EC2', 'FARGATE'];
  }],
  ['dockerLabels keep key case; key order does not matter', (w) => {
    container(w.spec).dockerLabels = { 'com.Example.Team': 'payments', Version: '1' };
    liveContainer(w.td).dockerLabels = { Version: '1', 'com.Example.Team': 'payments' };
  }],
  ['logConfiguration options keep key case; empty secretOptions come back', (w) => {
    container(w.spec).logConfiguration = { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'web' } };
    liveContainer(w.td).logConfiguration = {
      logDriver: 'awslogs',
      options: { 'awslogs-stream-prefix': 'web', 'awslogs-region': 'eu-west-1', 'awslogs-group': '/ecs/web' },
      secretOptions: [],
    };
  }],
  ['mountPoints readOnly false equals not written; empty volumes lists come back', (w) => {
    tdOf(w).volumes = [{ name: 'data' }];
    container(w.spec).mountPoints = [{ sourceVolume: 'data', containerPath: '/data' }];
    w.td.volumes = [{ name: 'data', host: {} }];
    liveContainer(w.td).mountPoints = [{ sourceVolume: 'data', containerPath: '/data', readOnly: false }];
  }],
  ['enableFaultInjection false and versionConsistency enabled are defaults', (w) => {
    (w.td as Record<string, unknown>).enableFaultInjection = false;
    liveContainer(w.td).versionConsistency = 'enabled';
  }],
  ['linuxParameters with empty capability lists', (w) => {
    container(w.spec).linuxParameters = { initProcessEnabled: true };
    liveContainer(w.td).linuxParameters = { initProcessEnabled: true, capabilities: { add: [], drop: [] }, devices: [], tmpfs: [] };
  }],
  ['deploymentConfiguration defaults for REPLICA: 200/100, circuit breaker off', (w) => {
    delete w.spec.deploymentConfiguration;
  }],
  ['circuit breaker written without percentages', (w) => {
    w.spec.deploymentConfiguration = { deploymentCircuitBreaker: { enable: true, rollback: true } };
    w.svc.deploymentConfiguration = { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 };
  }],
  ['deployment alarms reported disabled with no alarms', (w) => {
    w.svc.deploymentConfiguration = {
      ...w.svc.deploymentConfiguration,
      alarms: { alarmNames: [], enable: false, rollback: false },
      strategy: 'ROLLING',
    };
  }],
  ['lifecycle hooks written without targetType or timeoutConfiguration: ECS\'s defaults AWS_LAMBDA and 1440 minutes / ROLLBACK', (w) => {
    const lambda = { hookTargetArn: 'arn:aws:lambda:eu-west-1:123456789012:function:smoke', roleArn: 'arn:aws:iam::123456789012:role/hooks', lifecycleStages: ['POST_SCALE_UP' as const] };
    w.spec.deploymentConfiguration = { strategy: 'BLUE_GREEN', lifecycleHooks: [lambda, { targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 60 } }] };
    w.svc.deploymentConfiguration = {
      ...w.svc.deploymentConfiguration,
      strategy: 'BLUE_GREEN',
      lifecycleHooks: [
        { ...lambda, targetType: 'AWS_LAMBDA', timeoutConfiguration: { timeoutInMinutes: 1440, action: 'ROLLBACK' } },
        { targetType: 'PAUSE' as const, lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT' as const], timeoutConfiguration: { timeoutInMinutes: 60, action: 'ROLLBACK' as const } },
      ],
    };
  }],
  ['DAEMON: 100/0 deployment defaults and a count ECS computes', (w) => {
    ec2(w);
    w.spec.schedulingStrategy = 'DAEMON';
    delete w.spec.desiredCount;
    w.svc.schedulingStrategy = 'DAEMON';
    w.svc.desiredCount = 5;
    w.svc.deploymentConfiguration = { maximumPercent: 100, minimumHealthyPercent: 0, deploymentCircuitBreaker: { enable: false, rollback: false } };
  }],
  ['Fargate without platformVersion reports LATEST', (w) => {
    delete w.spec.platformVersion;
    w.svc.platformVersion = 'LATEST';
  }],
  ['platformVersion LATEST written explicitly', (w) => {
    w.spec.platformVersion = 'LATEST';
  }],
  ['assignPublicIp defaults to DISABLED', (w) => {
    w.spec.networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'] } };
  }],
  ['subnets and security groups compare as sets', (w) => {
    w.spec.networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-2', 'sg-1'], assignPublicIp: 'DISABLED' } };
    w.svc.networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1', 'sg-2'], assignPublicIp: 'DISABLED' } };
  }],
  ['security groups not written: ECS uses the VPC default group', (w) => {
    w.spec.networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'] } };
    w.svc.networkConfiguration = { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-default'], assignPublicIp: 'DISABLED' } };
  }],
  ['propagateTags NONE equals unset', (w) => {
    w.spec.propagateTags = 'NONE';
    delete w.svc.propagateTags;
  }],
  ['cluster default capacity provider strategy shows up on a service that sets neither', (w) => {
    delete w.spec.launchType;
    delete w.svc.launchType;
    w.svc.capacityProviderStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 }];
    w.options = { clusterDefaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] };
  }],
  ['cluster without a default strategy: a service that sets neither runs on EC2', (w) => {
    ec2(w);
    delete w.spec.launchType;
    w.options = { clusterDefaultCapacityProviderStrategy: [] };
  }],
  ['capacity provider strategy: base 0 filled in, entry order irrelevant', (w) => {
    delete w.spec.launchType;
    w.spec.capacityProviderStrategy = [{ capacityProvider: 'FARGATE', weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }];
    delete w.svc.launchType;
    w.svc.capacityProviderStrategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 }, { capacityProvider: 'FARGATE', weight: 1, base: 0 }];
  }],
  ['taskDefinition is a full ARN in responses (any revision with the same content)', (w) => {
    w.svc.taskDefinition = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:42';
  }],
  ['role written as a name comes back as an ARN', (w) => {
    ec2(w);
    w.spec.role = 'ecsServiceRole';
    w.svc.roleArn = 'arn:aws:iam::123456789012:role/ecsServiceRole';
  }],
  ['desiredCount omitted: autoscaling owns it', (w) => {
    delete w.spec.desiredCount;
    w.svc.desiredCount = 17;
  }],
  ['sync.ignoreDifferences hides an image that CI bumps out of band', (w) => {
    w.spec.sync = { ignoreDifferences: ['/taskDefinition/containerDefinitions/0/image'] };
    liveContainer(w.td).image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:9.9.9';
  }],
  ["the controller's own ecs-gitops/* tags and aws:* tags are not the manifest's", (w) => {
    w.spec.tags = { team: 'payments' };
    w.tags = liveTags([{ key: 'team', value: 'payments' }, { key: 'aws:cloudformation:stack-name', value: 'x' }]);
  }],
  ['enableExecuteCommand / enableECSManagedTags false equal not written', (w) => {
    w.spec.enableExecuteCommand = false;
    delete w.svc.enableECSManagedTags;
  }],
  ['healthCheckGracePeriodSeconds 0 equals not written', (w) => {
    delete w.svc.healthCheckGracePeriodSeconds;
    w.spec.healthCheckGracePeriodSeconds = 0;
  }],
  ['status fields (events, deployments, counts, availabilityZoneRebalancing) are not spec', (w) => {
    w.svc.runningCount = 0;
    w.svc.pendingCount = 2;
    w.svc.availabilityZoneRebalancing = 'DISABLED';
  }],
  ['load balancers and service registries equal as written', (w) => {
    w.spec.loadBalancers = [{ targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/1', containerName: 'web', containerPort: 8080 }];
    w.svc.loadBalancers = [{ targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/1', containerName: 'web', containerPort: 8080 }];
  }],
  ['volumes report configuredAtLaunch false (EBS era); EFS root directory and transit encryption defaults', (w) => {
    tdOf(w).volumes = [{ name: 'shared', efsVolumeConfiguration: { fileSystemId: 'fs-1' } }];
    w.td.volumes = [{ name: 'shared', configuredAtLaunch: false, efsVolumeConfiguration: { fileSystemId: 'fs-1', rootDirectory: '/', transitEncryption: 'DISABLED' } }];
  }],
  ['a disabled restart policy equals none', (w) => {
    liveContainer(w.td).restartPolicy = { enabled: false };
  }],
  ['deploymentController ECS is the default', (w) => {
    w.spec.deploymentController = { type: 'ECS' };
    delete w.svc.deploymentController;
  }],
];

describe('diffService: no false drift', () => {
  it('has at least 30 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
  });

  it.each(rows)('%s', (_behaviour, edit) => {
    const world: World = { spec: baseSpec(), td: liveTaskDefinition(), svc: liveService(), tags: liveTags(), options: {} };
    edit(world);
    const changes = diffService(manifestOf(world.spec), { service: world.svc, taskDefinition: world.td, tags: world.tags }, world.options);
    expect(changes).toEqual([]);
  });
});
