/**
 * connectEcs with accounts against moto_server: AWS_ENDPOINT_URL_ECS alone
 * names a local stand-in, so STS goes there too; moto ties the credentials
 * AssumeRole returns to the role's account, so the same cluster name in two
 * accounts is two clusters, each ARN naming its own account.
 */
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import { connectEcs } from '../../src/app/runtime.js';
import type { DesiredEnvironment } from '../../src/manifests/types.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';

const endpoint = motoEndpoint();

function environment(name: string, account: string, region: string): DesiredEnvironment {
  const spec = { account, region, roleArn: `arn:aws:iam::${account}:role/ecs-gitops-target`, externalId: 'ext' };
  return { name, account, region, manifest: { spec } } as unknown as DesiredEnvironment;
}

describe.skipIf(endpoint === null)('connectEcs with accounts against moto', () => {
  it('acts in each location\'s account through its role', async () => {
    const staging = String(randomInt(100_000_000_000, 999_999_999_999));
    const prod = String(randomInt(100_000_000_000, 999_999_999_999));
    const accounts = new AccountDirectory();
    accounts.update([environment('staging', staging, 'eu-west-1'), environment('prod', prod, 'eu-central-1')]);
    const credentials = dummyCredentials();
    const assumed: string[] = [];
    const connection = await connectEcs({
      region: 'eu-west-1', accounts,
      env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_ENDPOINT_URL_ECS: endpoint ?? '' },
      onAssumeRole: ({ account, ok }) => assumed.push(`${account}:${ok}`),
    });
    try {
      const a = await connection.ecsFor(`${staging}@eu-west-1`).send('CreateCluster', { clusterName: 'web' });
      const b = await connection.ecsFor(`${prod}@eu-central-1`).send('CreateCluster', { clusterName: 'web' });
      expect(a.cluster?.clusterArn).toBe(`arn:aws:ecs:eu-west-1:${staging}:cluster/web`);
      expect(b.cluster?.clusterArn).toBe(`arn:aws:ecs:eu-central-1:${prod}:cluster/web`);
      const listed = await connection.ecsFor(`${prod}@eu-central-1`).send('ListClusters', {});
      expect(listed.clusterArns).toEqual([`arn:aws:ecs:eu-central-1:${prod}:cluster/web`]);
      expect(assumed.sort()).toEqual([`${prod}:true`, `${staging}:true`].sort());
    } finally {
      await connection.close();
    }
  });
});
