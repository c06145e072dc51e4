/**
 * Shared fixtures for diff and plan tests: a small Fargate service manifest and
 * what real ECS returns for it (DescribeServices / DescribeTaskDefinition
 * shapes, read-only fields, empty lists and defaults included).
 */
import type { Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import type { DesiredService, ServiceManifest, ServiceSpec } from '../../src/manifests/types.js';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const TD_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:7`;
export const SERVICE_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/prod/web`;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type SpecDraft = Mutable<ServiceSpec> & Record<string, unknown>;

export function baseSpec(): SpecDraft {
  return {
    desiredCount: 2,
    launchType: 'FARGATE',
    taskDefinition: {
      family: 'web',
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
      containerDefinitions: [
        {
          name: 'web',
          image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web:1.4.2`,
          portMappings: [{ containerPort: 8080 }],
          environment: [
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'REGION', value: REGION },
          ],
          secrets: [{ name: 'DB_PASSWORD', valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/db` }],
        },
      ],
    },
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a', 'subnet-b'], securityGroups: ['sg-1'] } },
  } as SpecDraft;
}

export function manifestOf(spec: SpecDraft | ServiceSpec, name = 'web'): ServiceManifest {
  return { apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name, cluster: 'prod', region: REGION }, spec: spec as ServiceSpec };
}

export function desiredOf(manifest: ServiceManifest, file = 'services/web.yaml'): DesiredService {
  const { name, cluster } = manifest.metadata;
  return { key: `${REGION}/${cluster}/${name}`, region: REGION, cluster, name, manifest, source: { file, line: 1, column: 1 }, contentHash: 'test' };
}

/** What DescribeTaskDefinition returns after registering baseSpec().taskDefinition. */
export function liveTaskDefinition(): Mutable<TaskDefinition> & Record<string, unknown> {
  return {
    taskDefinitionArn: TD_ARN,
    family: 'web',
    revision: 7,
    status: 'ACTIVE',
    taskRoleArn: undefined,
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    requiresCompatibilities: ['FARGATE'],
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.ecr-auth' }, { name: 'ecs.capability.task-eni' }],
    placementConstraints: [],
    volumes: [],
    registeredAt: new Date('2026-01-01T00:00:00Z'),
    registeredBy: `arn:aws:iam::${ACCOUNT}:user/ci`,
    containerDefinitions: [
      {
        name: 'web',
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web:1.4.2`,
        cpu: 0,
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
        // ECS does not keep the order of environment and secrets.
        environment: [
          { name: 'REGION', value: REGION },
          { name: 'LOG_LEVEL', value: 'info' },
        ],
        mountPoints: [],
        volumesFrom: [],
        systemControls: [],
        secrets: [{ name: 'DB_PASSWORD', valueFrom: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/web/db` }],
      },
    ],
  };
}

/** What DescribeServices returns for baseSpec() (include: TAGS). */
export function liveService(): Mutable<Service> & Record<string, unknown> {
  return {
    serviceArn: SERVICE_ARN,
    serviceName: 'web',
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`,
    status: 'ACTIVE',
    desiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    launchType: 'FARGATE',
    platformVersion: 'LATEST',
    platformFamily: 'Linux',
    taskDefinition: TD_ARN,
    loadBalancers: [],
    serviceRegistries: [],
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: false, rollback: false },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deployments: [
      {
        id: 'ecs-svc/1',
        status: 'PRIMARY',
        taskDefinition: TD_ARN,
        desiredCount: 2,
        runningCount: 2,
        pendingCount: 0,
        failedTasks: 0,
        launchType: 'FARGATE',
        platformVersion: '1.4.0',
        rolloutState: 'COMPLETED',
      },
    ],
    roleArn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
    events: [{ id: 'e1', message: '(service web) has reached a steady state.', createdAt: new Date('2026-01-01T00:00:00Z') }],
    createdAt: new Date('2026-01-01T00:00:00Z'),
    placementConstraints: [],
    placementStrategy: [],
    networkConfiguration: {
      awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
    },
    healthCheckGracePeriodSeconds: 0,
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: 'ECS' },
    createdBy: `arn:aws:iam::${ACCOUNT}:role/ci`,
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
    availabilityZoneRebalancing: 'ENABLED',
  };
}

export function liveTags(extra: Tag[] = []): Tag[] {
  return [
    { key: 'ecs-gitops/managed-by', value: 'controller-1' },
    { key: 'ecs-gitops/source', value: 'services/web.yaml' },
    { key: 'ecs-gitops/revision', value: 'abc123' },
    ...extra,
  ];
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The single container of a draft spec, for tests that tweak it. */
export function container(spec: SpecDraft, index = 0): Record<string, unknown> {
  return (spec.taskDefinition.containerDefinitions as Record<string, unknown>[])[index] as Record<string, unknown>;
}

export function liveContainer(td: TaskDefinition, index = 0): Record<string, unknown> {
  return (td.containerDefinitions as Record<string, unknown>[])[index] as Record<string, unknown>;
}
