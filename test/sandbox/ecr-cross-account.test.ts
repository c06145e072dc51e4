/**
 * ECR across accounts in the sandbox (issue 18 §2): a request that names
 * another account's registry is answered from that account's repositories,
 * denied (AccessDeniedException, as ECR words it) unless the repository
 * policy allows the caller the operation, whether or not the repository
 * exists; AWS's own registries as seeded let everyone pull and nobody
 * DescribeImages; tasks in any account still start with those images.
 */
import { BatchGetImageCommand, DescribeImagesCommand, GetRepositoryPolicyCommand, PutImageCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { AWS_OWNED_REGISTRIES, awsOwnedRegistriesSeed } from '../../src/sandbox/seed.js';
import { NETWORK, accountOn, fargateTaskDefinition, rejectionOf, testSandbox } from './sandbox-harness.js';

const REGION = 'eu-west-1';
const FLUENT_BIT = AWS_OWNED_REGISTRIES.fluentBit;

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await testSandbox();
  sandbox.admin.seed(awsOwnedRegistriesSeed(REGION));
});
afterEach(async () => {
  await sandbox.close();
});

const denial = (caller: string, owner: string, repository: string, operation: string, why = `because no resource-based policy allows the ecr:${operation} action`) =>
  `User: arn:aws:sts::${caller}:assumed-role/ecs-gitops/controller is not authorized to perform: ecr:${operation} on resource: arn:aws:ecr:${REGION}:${owner}:repository/${repository} ${why}`;

describe('ECR across accounts (sandbox)', () => {
  it('denies DescribeImages on AWS\'s fluent-bit registry to other accounts, existing or not, with ECR\'s message', async () => {
    const a = accountOn(sandbox, REGION);
    for (const repository of ['aws-for-fluent-bit', 'not-there']) {
      const error = await rejectionOf(a.ecr().send(new DescribeImagesCommand({ registryId: FLUENT_BIT, repositoryName: repository, imageIds: [{ imageTag: 'stable' }] })));
      expect(error.name).toBe('AccessDeniedException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
      expect(error.message).toBe(denial(a.accountId, FLUENT_BIT, repository, 'DescribeImages'));
    }
  });

  it('lets every account pull (BatchGetImage) an AWS-owned image, answering for the owner\'s registry', async () => {
    const a = accountOn(sandbox, REGION);
    const out = await a.ecr().send(new BatchGetImageCommand({ registryId: FLUENT_BIT, repositoryName: 'aws-for-fluent-bit', imageIds: [{ imageTag: 'stable' }] }));
    expect(out.images?.[0]).toMatchObject({ registryId: FLUENT_BIT, repositoryName: 'aws-for-fluent-bit', imageId: { imageTag: 'stable' } });
    expect(out.images?.[0]?.imageId?.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses PutImage into another account\'s registry', async () => {
    const a = accountOn(sandbox, REGION);
    const error = await rejectionOf(a.ecr().send(new PutImageCommand({ registryId: FLUENT_BIT, repositoryName: 'aws-for-fluent-bit', imageManifest: '{"schemaVersion":2}', imageTag: 'mine' })));
    expect(error.message).toBe(denial(a.accountId, FLUENT_BIT, 'aws-for-fluent-bit', 'PutImage'));
  });

  it('a repository policy the owner sets allows exactly the accounts and actions it names; an explicit Deny wins', async () => {
    const owner = accountOn(sandbox, REGION);
    const friend = accountOn(sandbox, REGION);
    const stranger = accountOn(sandbox, REGION);
    sandbox.admin.seed({ accounts: [{ accountId: owner.accountId, region: REGION, repositories: [{ name: 'team/api', images: [{ tags: ['1.0'] }] }] }] });
    const read = (who: typeof owner) => who.ecr().send(new DescribeImagesCommand({ registryId: owner.accountId, repositoryName: 'team/api', imageIds: [{ imageTag: '1.0' }] }));
    const policyText = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Friend', Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${friend.accountId}:role/deployer`] }, Action: 'ecr:Describe*' },
        { Sid: 'NoPulls', Effect: 'Deny', Principal: '*', Action: ['ecr:BatchGetImage'] },
      ],
    });
    await owner.ecr().send(new SetRepositoryPolicyCommand({ repositoryName: 'team/api', policyText }));
    expect((await owner.ecr().send(new GetRepositoryPolicyCommand({ repositoryName: 'team/api' }))).policyText).toBe(policyText);
    expect((await read(friend)).imageDetails?.[0]?.registryId).toBe(owner.accountId);
    expect((await rejectionOf(read(stranger))).name).toBe('AccessDeniedException');
    const pull = await rejectionOf(owner.ecr().send(new BatchGetImageCommand({ repositoryName: 'team/api', imageIds: [{ imageTag: '1.0' }] })));
    expect(pull.message).toBe(denial(owner.accountId, owner.accountId, 'team/api', 'BatchGetImage', 'with an explicit deny in a resource-based policy'));
    expect((await read(owner)).imageDetails).toHaveLength(1);
  });

  it('refuses a seed whose repository policy it cannot read, naming the field', () => {
    expect(() => sandbox.admin.seed({ accounts: [{ accountId: '111111111111', region: REGION, repositories: [{ name: 'x', policy: { Statement: [{ Effect: 'Allow' }] } }] }] }))
      .toThrow(/accounts\[0\]\.repositories\[0\]\.policy: .*Statement\[0\] has no Principal/);
  });

  it('starts tasks whose sidecar comes from AWS\'s registry (pulls are allowed even though DescribeImages is not)', async () => {
    const a = accountOn(sandbox, REGION);
    await a.ecs().send(new CreateClusterCommand({ clusterName: 'c', capacityProviders: ['FARGATE'] }));
    const td = fargateTaskDefinition('logs', 'nginx:1.27');
    td.containerDefinitions = [
      { name: 'log_router', image: `${FLUENT_BIT}.dkr.ecr.${REGION}.amazonaws.com/aws-for-fluent-bit:stable`, essential: true, firelensConfiguration: { type: 'fluentbit' } },
      { name: 'app', image: 'nginx:1.27', essential: true, logConfiguration: { logDriver: 'awsfirelens', options: { Name: 'cloudwatch' } } },
    ];
    await a.ecs().send(new RegisterTaskDefinitionCommand(td));
    await a.ecs().send(new CreateServiceCommand({ cluster: 'c', serviceName: 'logs', taskDefinition: 'logs', desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    let rolloutState: string | undefined;
    for (let i = 0; i < 200 && rolloutState !== 'COMPLETED' && rolloutState !== 'FAILED'; i++) {
      sandbox.clock.advance(5000);
      rolloutState = (await a.ecs().send(new DescribeServicesCommand({ cluster: 'c', services: ['logs'] }))).services?.[0]?.deployments?.[0]?.rolloutState;
    }
    expect(rolloutState).toBe('COMPLETED');
  });
});
