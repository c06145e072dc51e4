/**
 * STS, SSM Parameter Store and CloudFormation stack outputs: one contract
 * suite against the sandbox and moto_server with the real SDK clients
 * (@aws-sdk/client-sts, client-ssm, client-cloudformation). These are what the
 * controller's environments need: AssumeRole into another account (both tie
 * the returned credentials to the role's account), the caller's identity,
 * parameters to look up, and stack outputs. Each case runs in its own
 * account(s). Stacks are made the backend's own way: the sandbox's admin API,
 * or on moto a CreateStack whose template has only Outputs.
 */
import { randomInt } from 'node:crypto';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateClusterCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { addRequestHeaders } from '../../src/ecs/sdk-adapter.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';
import { testSandbox } from '../sandbox/sandbox-harness.js';
import { MOTO_KNOWN_GAPS, SANDBOX_KNOWN_GAPS, type BackendName } from './backends.js';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
interface StackOutput { readonly value: string; readonly description?: string; readonly exportName?: string }

/** One isolated account on a backend, with the clients these APIs need. */
interface LookupAccount {
  readonly accountId: string;
  readonly region: string;
  sts(): STSClient;
  ssm(): SSMClient;
  cloudFormation(): CloudFormationClient;
  /** ECS with these credentials alone (no account header): the backend decides the account from them. */
  ecsAs(credentials: Credentials): ECSClient;
  stsAs(credentials: Credentials): STSClient;
  /** ECS as another account's own caller, to look at what landed there. */
  ecsOf(accountId: string): ECSClient;
  createStack(name: string, outputs: Readonly<Record<string, StackOutput>>): Promise<void>;
}

interface LookupBackend {
  readonly name: BackendName;
  account(): LookupAccount;
}

const REGION = 'eu-west-1';
const freshAccount = (): string => String(randomInt(100_000_000_000, 999_999_999_999));

function sandboxBackend(getSandbox: () => Sandbox): LookupBackend {
  return {
    name: 'sandbox',
    account: () => {
      const accountId = freshAccount();
      const sandbox = getSandbox();
      const common = { endpoint: sandbox.endpoint, region: REGION, maxAttempts: 1 };
      const own = { ...sandbox.clientConfig({ accountId, region: REGION }), maxAttempts: 1 };
      return {
        accountId, region: REGION,
        sts: () => new STSClient(own),
        ssm: () => new SSMClient(own),
        cloudFormation: () => new CloudFormationClient(own),
        ecsAs: (credentials) => new ECSClient({ ...common, credentials }),
        stsAs: (credentials) => new STSClient({ ...common, credentials }),
        ecsOf: (other) => new ECSClient({ ...sandbox.clientConfig({ accountId: other, region: REGION }), maxAttempts: 1 }),
        createStack: (name, outputs) => {
          sandbox.admin.putStack({ accountId, region: REGION, stackName: name, outputs });
          return Promise.resolve();
        },
      };
    },
  };
}

function motoBackend(endpoint: string): LookupBackend {
  return {
    name: 'moto',
    account: () => {
      const accountId = freshAccount();
      const common = { endpoint, region: REGION, maxAttempts: 1 };
      const as = <C extends { readonly middlewareStack: unknown }>(client: C, account = accountId): C => addRequestHeaders(client, { 'x-moto-account-id': account });
      const cloudFormation = () => as(new CloudFormationClient({ ...common, credentials: dummyCredentials() }));
      return {
        accountId, region: REGION,
        sts: () => as(new STSClient({ ...common, credentials: dummyCredentials() })),
        ssm: () => as(new SSMClient({ ...common, credentials: dummyCredentials() })),
        cloudFormation,
        ecsAs: (credentials) => new ECSClient({ ...common, credentials }),
        stsAs: (credentials) => new STSClient({ ...common, credentials }),
        ecsOf: (other) => as(new ECSClient({ ...common, credentials: dummyCredentials() }), other),
        createStack: async (name, outputs) => {
          const Outputs = Object.fromEntries(Object.entries(outputs).map(([key, o]) => [key, {
            Value: o.value, ...(o.description ? { Description: o.description } : {}), ...(o.exportName ? { Export: { Name: o.exportName } } : {}),
          }]));
          await cloudFormation().send(new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify({ Resources: {}, Outputs }) }));
        },
      };
    },
  };
}

let sandbox: Sandbox | undefined;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});
const backends: LookupBackend[] = [sandboxBackend(() => {
  if (!sandbox) throw new Error('contract sandbox not started');
  return sandbox;
})];
const moto = motoEndpoint();
if (moto) backends.push(motoBackend(moto));

/** As contractCase (backends.ts): a documented gap runs as an expected failure on that backend. */
function lookupCase(backend: LookupBackend): (title: string, body: (a: LookupAccount) => Promise<void>) => void {
  return (title, body) => {
    const gap = (backend.name === 'moto' ? MOTO_KNOWN_GAPS : SANDBOX_KNOWN_GAPS)[title];
    if (gap) it.fails(`${title} [known ${backend.name} gap: ${gap}]`, () => body(backend.account()));
    else it(title, () => body(backend.account()));
  };
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  return { name: 'no error', message: '' };
}

describe.each(backends)('contract (sts, ssm, cloudformation): $name', (backend) => {
  const contract = lookupCase(backend);

  contract('sts: GetCallerIdentity names the caller\'s account', async (a) => {
    expect((await a.sts().send(new GetCallerIdentityCommand({}))).Account).toBe(a.accountId);
  });

  contract('sts: AssumeRole returns temporary credentials that act in the role\'s account', async (a) => {
    const target = freshAccount();
    const out = await a.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${target}:role/ecs-gitops-deployer`, RoleSessionName: 'ecs-gitops', ExternalId: 'ext-1' }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(out.Credentials?.Expiration?.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${target}:assumed-role/ecs-gitops-deployer/ecs-gitops`);
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]+:ecs-gitops$/);
    const credentials = { accessKeyId: out.Credentials?.AccessKeyId ?? '', secretAccessKey: out.Credentials?.SecretAccessKey ?? '', sessionToken: out.Credentials?.SessionToken ?? '' };
    expect(await a.stsAs(credentials).send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: target, Arn: `arn:aws:sts::${target}:assumed-role/ecs-gitops-deployer/ecs-gitops`,
    });
    const cluster = await a.ecsAs(credentials).send(new CreateClusterCommand({ clusterName: 'prod' }));
    expect(cluster.cluster?.clusterArn).toBe(`arn:aws:ecs:${REGION}:${target}:cluster/prod`);
    expect((await a.ecsOf(target).send(new ListClustersCommand({}))).clusterArns).toEqual([`arn:aws:ecs:${REGION}:${target}:cluster/prod`]);
  });

  contract('ssm: a String parameter reads back with its version and ARN', async (a) => {
    expect((await a.ssm().send(new PutParameterCommand({ Name: '/app/db-host', Type: 'String', Value: 'db.internal' }))).Version).toBe(1);
    expect((await a.ssm().send(new GetParameterCommand({ Name: '/app/db-host' }))).Parameter).toMatchObject({
      Name: '/app/db-host', Type: 'String', Value: 'db.internal', Version: 1, ARN: `arn:aws:ssm:${REGION}:${a.accountId}:parameter/app/db-host`,
    });
  });

  contract('ssm: a StringList parameter reads back as its comma-separated value', async (a) => {
    await a.ssm().send(new PutParameterCommand({ Name: '/app/subnets', Type: 'StringList', Value: 'subnet-1,subnet-2' }));
    expect((await a.ssm().send(new GetParameterCommand({ Name: '/app/subnets' }))).Parameter).toMatchObject({ Type: 'StringList', Value: 'subnet-1,subnet-2' });
  });

  contract('ssm: a SecureString is returned decrypted only WithDecryption', async (a) => {
    await a.ssm().send(new PutParameterCommand({ Name: '/app/password', Type: 'SecureString', Value: 's3cret' }));
    const hidden = (await a.ssm().send(new GetParameterCommand({ Name: '/app/password' }))).Parameter;
    expect(hidden?.Type).toBe('SecureString');
    expect(hidden?.Value).not.toBe('s3cret');
    expect((await a.ssm().send(new GetParameterCommand({ Name: '/app/password', WithDecryption: true }))).Parameter?.Value).toBe('s3cret');
  });

  contract('ssm: a second put without Overwrite is ParameterAlreadyExists; with it, version 2', async (a) => {
    await a.ssm().send(new PutParameterCommand({ Name: '/app/tag', Type: 'String', Value: '1' }));
    expect((await errorOf(a.ssm().send(new PutParameterCommand({ Name: '/app/tag', Type: 'String', Value: '2' })))).name).toBe('ParameterAlreadyExists');
    expect((await a.ssm().send(new PutParameterCommand({ Name: '/app/tag', Type: 'String', Value: '2', Overwrite: true }))).Version).toBe(2);
    expect((await a.ssm().send(new GetParameterCommand({ Name: '/app/tag' }))).Parameter).toMatchObject({ Value: '2', Version: 2 });
  });

  contract('ssm: an unknown parameter is ParameterNotFound, and GetParameters lists it as invalid', async (a) => {
    expect((await errorOf(a.ssm().send(new GetParameterCommand({ Name: '/app/missing' })))).name).toBe('ParameterNotFound');
    await a.ssm().send(new PutParameterCommand({ Name: '/app/there', Type: 'String', Value: 'x' }));
    const out = await a.ssm().send(new GetParametersCommand({ Names: ['/app/there', '/app/missing'] }));
    expect(out.Parameters?.map((p) => p.Name)).toEqual(['/app/there']);
    expect(out.InvalidParameters).toEqual(['/app/missing']);
  });

  contract('cloudformation: DescribeStacks returns the stack\'s outputs with description and export name', async (a) => {
    await a.createStack('network', {
      Subnets: { value: 'subnet-1,subnet-2' },
      TargetGroupArn: { value: `arn:aws:elasticloadbalancing:${REGION}:${a.accountId}:targetgroup/web/0123456789abcdef`, description: 'web target group', exportName: 'network-web-tg' },
    });
    const stack = (await a.cloudFormation().send(new DescribeStacksCommand({ StackName: 'network' }))).Stacks?.[0];
    expect(stack).toMatchObject({ StackName: 'network', StackStatus: 'CREATE_COMPLETE' });
    expect(stack?.StackId).toMatch(new RegExp(`^arn:aws:cloudformation:${REGION}:${a.accountId}:stack/network/`));
    expect(stack?.Outputs).toEqual([
      { OutputKey: 'Subnets', OutputValue: 'subnet-1,subnet-2' },
      { OutputKey: 'TargetGroupArn', OutputValue: `arn:aws:elasticloadbalancing:${REGION}:${a.accountId}:targetgroup/web/0123456789abcdef`, Description: 'web target group', ExportName: 'network-web-tg' },
    ]);
  });

  contract('cloudformation: an unknown stack is a ValidationError "Stack with id X does not exist"', async (a) => {
    expect(await errorOf(a.cloudFormation().send(new DescribeStacksCommand({ StackName: 'missing' })))).toEqual({
      name: 'ValidationError', message: 'Stack with id missing does not exist',
    });
  });
});
