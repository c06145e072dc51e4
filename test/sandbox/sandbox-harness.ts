/**
 * Test harness: a sandbox on a free loopback port with a frozen clock and
 * throttling off (unless asked), and real SDK clients for a fresh account.
 */
import { randomInt } from 'node:crypto';
import { ECSClient, RegisterTaskDefinitionCommand, CreateClusterCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';

export interface SandboxAccount {
  readonly accountId: string;
  readonly region: string;
  ecs(): ECSClient;
  ecr(): ECRClient;
  autoScaling(): ApplicationAutoScalingClient;
  cloudWatch(): CloudWatchClient;
  scheduler(): SchedulerClient;
}

export function freshAccountId(): string {
  return String(randomInt(100_000_000_000, 999_999_999_999));
}

export async function testSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ clockSpeed: 0, throttling: 'off', ...options });
}

export function accountOn(sandbox: Sandbox, region = 'eu-west-1', accountId = freshAccountId()): SandboxAccount {
  const config = { ...sandbox.clientConfig({ accountId, region }), maxAttempts: 1 };
  return {
    accountId, region,
    ecs: () => new ECSClient(config),
    ecr: () => new ECRClient(config),
    autoScaling: () => new ApplicationAutoScalingClient(config),
    cloudWatch: () => new CloudWatchClient(config),
    scheduler: () => new SchedulerClient(config),
  };
}

/** A Fargate task definition input with one container. */
export function fargateTaskDefinition(family: string, image = 'nginx:1.27', extra: Partial<RegisterTaskDefinitionCommandInput> = {}): RegisterTaskDefinitionCommandInput {
  return {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 8080 }] }],
    ...extra,
  };
}

export const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0123'] } };

/** Creates a cluster and registers a task definition; returns the task definition ARN. */
export async function clusterWithTaskDefinition(ecs: ECSClient, cluster: string, family: string, image?: string): Promise<string> {
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const td = await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition(family, image)));
  return td.taskDefinition?.taskDefinitionArn ?? '';
}

/** The rejection of a promise, or a failure if it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
