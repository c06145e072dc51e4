/**
 * Per-test-file access to the shared moto_server. Each call to `motoAccount()`
 * returns a fresh 12-digit account, sent as `x-moto-account-id` on every
 * request, so test files never see each other's resources.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { inject } from 'vitest';
import { addScalingRequestHeaders } from '../../src/autoscaling/scaling-sdk-adapter.js';
import { addRequestHeaders } from '../../src/ecs/sdk-adapter.js';
import { createDynamoDbClient, DynamoLeaseTable } from '../../src/ha/lease-table.js';
import type { LeaseTable } from '../../src/ha/types.js';

// Not frozen: the SDK stamps feature flags onto the credentials object.
export const dummyCredentials = () => ({ accessKeyId: 'AKIDTESTTESTTEST', secretAccessKey: 'test-secret-not-real' });

export interface MotoAccount {
  readonly endpoint: string;
  readonly accountId: string;
  readonly region: string;
  ecs(): ECSClient;
  ecr(): ECRClient;
  autoScaling(): ApplicationAutoScalingClient;
  cloudWatch(): CloudWatchClient;
  scheduler(): SchedulerClient;
}

/** The moto endpoint, or null when moto_server is not installed (never null with CI=true). */
export function motoEndpoint(): string | null {
  return inject('motoEndpoint');
}

export function motoAccount(region = 'eu-west-1'): MotoAccount {
  const endpoint = motoEndpoint();
  if (!endpoint) throw new Error('moto_server is not running (install moto[server])');
  const accountId = String(randomInt(100_000_000_000, 999_999_999_999));
  const common = { endpoint, region, credentials: dummyCredentials(), maxAttempts: 1 };
  return {
    endpoint,
    accountId,
    region,
    ecs: () => addRequestHeaders(new ECSClient(common), { 'x-moto-account-id': accountId }),
    ecr: () => addRequestHeaders(new ECRClient(common), { 'x-moto-account-id': accountId }),
    autoScaling: () => addScalingRequestHeaders(new ApplicationAutoScalingClient(common), { 'x-moto-account-id': accountId }),
    cloudWatch: () => addScalingRequestHeaders(new CloudWatchClient(common), { 'x-moto-account-id': accountId }),
    scheduler: () => addRequestHeaders(new SchedulerClient(common), { 'x-moto-account-id': accountId }),
  };
}

/**
 * A lease table of its own (`ecs-gitops-<prefix>-<random>`) on the shared
 * moto_server's DynamoDB, created and ready: test files never share one.
 */
export async function motoLeaseTable(prefix: string, region = 'eu-west-1'): Promise<LeaseTable> {
  const endpoint = motoEndpoint();
  if (!endpoint) throw new Error('moto_server is not running (install moto[server])');
  const table = new DynamoLeaseTable({
    client: createDynamoDbClient({ region, endpoint, credentials: dummyCredentials() }),
    table: `ecs-gitops-${prefix}-${randomUUID().slice(0, 8)}`, createPollMs: 50,
  });
  await table.ensure({ create: true });
  return table;
}
