/**
 * The sandbox's SSM Parameter Store (JSON 1.1) and CloudFormation stack
 * outputs (query protocol) over HTTP with the real SDK clients: types,
 * versions, SecureString decryption, the errors AWS names, account and Region
 * isolation, stacks from the admin API and from a seed, and both APIs through
 * the aws CLI.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeleteParameterCommand, GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { Sandbox, SeedDocument } from '../../src/sandbox/index.js';
import { requireProgram } from '../support/programs.js';
import { freshAccountId, rejectionOf, testSandbox } from './sandbox-harness.js';

const run = promisify(execFile);
const hasAws = requireProgram('aws', 'pip install awscli');
const REGION = 'eu-west-1';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const config = (accountId: string, region = REGION) => ({ ...sandbox.clientConfig({ accountId, region }), maxAttempts: 1 });
const ssm = (accountId: string, region = REGION) => new SSMClient(config(accountId, region));
const cfn = (accountId: string, region = REGION) => new CloudFormationClient(config(accountId, region));

describe('SSM Parameter Store', () => {
  it('String, StringList and SecureString round-trip; SecureString is decrypted only WithDecryption', async () => {
    const account = freshAccountId();
    const client = ssm(account);
    expect(await client.send(new PutParameterCommand({ Name: '/dev/db/host', Type: 'String', Value: 'db.internal' }))).toMatchObject({ Version: 1, Tier: 'Standard' });
    await client.send(new PutParameterCommand({ Name: '/dev/subnets', Type: 'StringList', Value: 'subnet-1,subnet-2' }));
    await client.send(new PutParameterCommand({ Name: '/dev/db/password', Type: 'SecureString', Value: 's3cret' }));
    const host = await client.send(new GetParameterCommand({ Name: '/dev/db/host' }));
    expect(host.Parameter).toMatchObject({
      Name: '/dev/db/host', Type: 'String', Value: 'db.internal', Version: 1, DataType: 'text', ARN: `arn:aws:ssm:${REGION}:${account}:parameter/dev/db/host`,
    });
    expect(host.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    expect((await client.send(new GetParameterCommand({ Name: '/dev/subnets' }))).Parameter).toMatchObject({ Type: 'StringList', Value: 'subnet-1,subnet-2' });
    const hidden = (await client.send(new GetParameterCommand({ Name: '/dev/db/password' }))).Parameter;
    expect(hidden?.Type).toBe('SecureString');
    expect(hidden?.Value).not.toContain('s3cret');
    expect(hidden?.Value).toMatch(/^AQICAH/);
    expect((await client.send(new GetParameterCommand({ Name: '/dev/db/password', WithDecryption: true }))).Parameter?.Value).toBe('s3cret');
  });

  it('a second put needs Overwrite and makes version 2; name:1 still reads version 1', async () => {
    const client = ssm(freshAccountId());
    await client.send(new PutParameterCommand({ Name: 'image-tag', Type: 'String', Value: '1.0' }));
    const again = await rejectionOf(client.send(new PutParameterCommand({ Name: 'image-tag', Type: 'String', Value: '1.1' })));
    expect([again.name, again.message]).toEqual(['ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.']);
    expect(await client.send(new PutParameterCommand({ Name: 'image-tag', Value: '1.1', Overwrite: true }))).toMatchObject({ Version: 2 });
    expect((await client.send(new GetParameterCommand({ Name: 'image-tag' }))).Parameter).toMatchObject({ Value: '1.1', Version: 2, Type: 'String' });
    expect((await client.send(new GetParameterCommand({ Name: 'image-tag:1' }))).Parameter).toMatchObject({ Value: '1.0', Version: 1, Selector: ':1' });
    expect((await rejectionOf(client.send(new GetParameterCommand({ Name: 'image-tag:9' })))).name).toBe('ParameterVersionNotFound');
  });

  it('GetParameters lists the unknown names in InvalidParameters; DeleteParameter removes; unknown names are ParameterNotFound', async () => {
    const client = ssm(freshAccountId());
    await client.send(new PutParameterCommand({ Name: '/a', Type: 'String', Value: 'A' }));
    await client.send(new PutParameterCommand({ Name: '/s', Type: 'SecureString', Value: 'S' }));
    const both = await client.send(new GetParametersCommand({ Names: ['/a', '/s', '/missing'], WithDecryption: true }));
    expect(both.Parameters?.map((p) => [p.Name, p.Value])).toEqual([['/a', 'A'], ['/s', 'S']]);
    expect(both.InvalidParameters).toEqual(['/missing']);
    await client.send(new DeleteParameterCommand({ Name: '/a' }));
    const gone = await rejectionOf(client.send(new GetParameterCommand({ Name: '/a' })));
    expect([gone.name, gone.message, gone.$metadata?.httpStatusCode]).toEqual(['ParameterNotFound', 'Parameter /a not found.', 400]);
    expect((await rejectionOf(client.send(new DeleteParameterCommand({ Name: '/a' })))).name).toBe('ParameterNotFound');
  });

  it.each([
    ['no Type on a new parameter', { Name: '/x', Value: 'v' }, /A parameter type is required/],
    ['an unknown Type', { Name: '/x', Value: 'v', Type: 'Json' as never }, /Member must satisfy enum value set: \[SecureString, StringList, String\]/],
    ['an empty value', { Name: '/x', Value: '', Type: 'String' as const }, /at 'value'/],
    ['a path without a leading slash', { Name: 'a/b', Value: 'v', Type: 'String' as const }, /fully qualified name/],
    ['a name prefixed with aws', { Name: '/aws/x', Value: 'v', Type: 'String' as const }, /can't be prefixed with "aws" or "ssm"/],
    ['a name with a space', { Name: '/a b', Value: 'v', Type: 'String' as const }, /only a mix of letters, numbers/],
  ])('PutParameter with %s is a ValidationException', async (_title, input, message) => {
    const err = await rejectionOf(ssm(freshAccountId()).send(new PutParameterCommand(input)));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toMatch(message);
  });

  it('parameters are per account and Region', async () => {
    const [a, b] = [freshAccountId(), freshAccountId()];
    await ssm(a).send(new PutParameterCommand({ Name: '/p', Type: 'String', Value: 'a' }));
    expect((await rejectionOf(ssm(b).send(new GetParameterCommand({ Name: '/p' })))).name).toBe('ParameterNotFound');
    expect((await rejectionOf(ssm(a, 'us-west-2').send(new GetParameterCommand({ Name: '/p' })))).name).toBe('ParameterNotFound');
  });

  it('the admin API puts parameters (String by default) and counts calls by operation', async () => {
    const account = freshAccountId();
    const res = await fetch(`${sandbox.endpoint}/_sandbox/ssm/parameters`, { method: 'POST', body: JSON.stringify({ accountId: account, region: REGION, name: '/from/admin', value: 'v1' }) });
    expect(await res.json()).toEqual({ name: '/from/admin', version: 1 });
    expect(sandbox.admin.putParameter({ accountId: account, region: REGION, name: '/from/admin', value: 'v2' })).toEqual({ version: 2 });
    expect((await ssm(account).send(new GetParameterCommand({ Name: '/from/admin' }))).Parameter).toMatchObject({ Type: 'String', Value: 'v2', Version: 2 });
    expect(sandbox.callCounts(account)).toEqual({ GetParameter: 1 });
  });
});

describe('CloudFormation DescribeStacks outputs', () => {
  it('a stack from the admin API is CREATE_COMPLETE with its outputs, by name and by stack id', async () => {
    const account = freshAccountId();
    const res = await fetch(`${sandbox.endpoint}/_sandbox/cloudformation/stacks`, {
      method: 'POST',
      body: JSON.stringify({ accountId: account, region: REGION, stackName: 'network', outputs: { Subnets: 'subnet-1,subnet-2', Sg: { value: 'sg-1', description: 'service SG', exportName: 'network-sg' } } }),
    });
    const { stackId } = await res.json() as { stackId: string };
    expect(stackId).toMatch(new RegExp(`^arn:aws:cloudformation:${REGION}:${account}:stack/network/[0-9a-f-]{36}$`));
    const byName = await cfn(account).send(new DescribeStacksCommand({ StackName: 'network' }));
    expect(byName.Stacks).toHaveLength(1);
    expect(byName.Stacks?.[0]).toMatchObject({
      StackName: 'network', StackId: stackId, StackStatus: 'CREATE_COMPLETE',
      Outputs: [
        { OutputKey: 'Subnets', OutputValue: 'subnet-1,subnet-2' },
        { OutputKey: 'Sg', OutputValue: 'sg-1', Description: 'service SG', ExportName: 'network-sg' },
      ],
    });
    expect(byName.Stacks?.[0]?.CreationTime).toBeInstanceOf(Date);
    expect((await cfn(account).send(new DescribeStacksCommand({ StackName: stackId }))).Stacks?.[0]?.StackName).toBe('network');
    expect((await cfn(account).send(new DescribeStacksCommand({}))).Stacks?.map((s) => s.StackName)).toEqual(['network']);
  });

  it('an unknown stack is a ValidationError "Stack with id X does not exist"; stacks are per account', async () => {
    const [a, b] = [freshAccountId(), freshAccountId()];
    sandbox.admin.putStack({ accountId: a, region: REGION, stackName: 'app', outputs: { Url: 'https://x' } });
    const err = await rejectionOf(cfn(b).send(new DescribeStacksCommand({ StackName: 'app' })));
    expect([err.name, err.message, err.$metadata?.httpStatusCode]).toEqual(['ValidationError', 'Stack with id app does not exist', 400]);
  });

  it('putting a stack again replaces its outputs and keeps its id', async () => {
    const account = freshAccountId();
    const first = sandbox.admin.putStack({ accountId: account, region: REGION, stackName: 'app', outputs: { A: '1' } });
    const second = sandbox.admin.putStack({ accountId: account, region: REGION, stackName: 'app', outputs: { B: '2' } });
    expect(second.stackId).toBe(first.stackId);
    expect((await cfn(account).send(new DescribeStacksCommand({ StackName: 'app' }))).Stacks?.[0]?.Outputs).toEqual([{ OutputKey: 'B', OutputValue: '2' }]);
  });

  it('admin stacks reject a bad name or output', async () => {
    const post = async (body: object) => {
      const res = await fetch(`${sandbox.endpoint}/_sandbox/cloudformation/stacks`, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() as { message: string } };
    };
    expect(await post({ outputs: {} })).toMatchObject({ status: 400, body: { message: 'stackName is required' } });
    expect(await post({ stackName: '1bad' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/stackName "1bad" must start with a letter/) } });
    expect(await post({ stackName: 'ok', outputs: { K: 3 } })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/outputs.K must be a string/) } });
  });
});

describe('seed: parameters and stacks', () => {
  it('seeds parameters and stacks per account; seeding again with the same value adds no version', async () => {
    const account = freshAccountId();
    const doc: SeedDocument = {
      accounts: [{
        accountId: account, region: REGION,
        parameters: [{ name: '/prod/subnets', value: 'subnet-a,subnet-b', type: 'StringList' }, { name: '/prod/url', value: 'https://prod' }],
        stacks: [{ name: 'network', outputs: { VpcId: 'vpc-1', Sg: { value: 'sg-9', exportName: 'net-sg' } } }],
      }],
    };
    sandbox.admin.seed(doc);
    sandbox.admin.seed(doc);
    expect((await ssm(account).send(new GetParameterCommand({ Name: '/prod/subnets' }))).Parameter).toMatchObject({ Type: 'StringList', Value: 'subnet-a,subnet-b', Version: 1 });
    expect((await ssm(account).send(new GetParameterCommand({ Name: '/prod/url' }))).Parameter).toMatchObject({ Type: 'String', Version: 1 });
    expect((await cfn(account).send(new DescribeStacksCommand({ StackName: 'network' }))).Stacks?.[0]?.Outputs).toEqual([
      { OutputKey: 'VpcId', OutputValue: 'vpc-1' }, { OutputKey: 'Sg', OutputValue: 'sg-9', ExportName: 'net-sg' },
    ]);
  });

  it.each([
    ['a parameter without value', { parameters: [{ name: '/x' }] }, /accounts\[0\]\.parameters\[0\]\.value: is required/],
    ['a parameter of an unknown type', { parameters: [{ name: '/x', value: 'v', type: 'Json' }] }, /accounts\[0\]\.parameters\[0\]\.type: must be one of String, StringList, SecureString/],
    ['a parameter with a bad name', { parameters: [{ name: 'a/b', value: 'v' }] }, /fully qualified name/],
    ['a stack without name', { stacks: [{ outputs: {} }] }, /accounts\[0\]\.stacks\[0\]\.name: is required/],
    ['a stack output that is a number', { stacks: [{ name: 's', outputs: { K: 1 } }] }, /accounts\[0\]\.stacks\[0\]\.outputs\.K: must be a string/],
    ['parameters that are not a list', { parameters: { name: '/x' } }, /accounts\[0\]\.parameters: must be a list/],
  ])('a seed with %s is refused naming the field', (_title, extra, message) => {
    expect(() => sandbox.admin.seed({ accounts: [{ accountId: freshAccountId(), ...extra }] } as unknown as SeedDocument)).toThrow(message);
  });
});

describe.runIf(hasAws)('SSM and CloudFormation driven by the aws CLI', () => {
  it('ssm put-parameter / get-parameter and cloudformation describe-stacks', async () => {
    const account = freshAccountId();
    const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
      const { stdout } = await run('aws', ['--endpoint-url', sandbox.endpoint, '--region', REGION, '--output', 'json', ...args], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: account, AWS_SECRET_ACCESS_KEY: 'x', AWS_PAGER: '' },
      });
      return JSON.parse(stdout) as Record<string, unknown>;
    };
    expect(await aws('ssm', 'put-parameter', '--name', '/cli/secret', '--type', 'SecureString', '--value', 'hunter2')).toEqual({ Version: 1, Tier: 'Standard' });
    expect(await aws('ssm', 'get-parameter', '--name', '/cli/secret', '--with-decryption')).toMatchObject({ Parameter: { Value: 'hunter2', Type: 'SecureString' } });
    sandbox.admin.putStack({ accountId: account, region: REGION, stackName: 'cli-stack', outputs: { TargetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/tg/1' } });
    expect(await aws('cloudformation', 'describe-stacks', '--stack-name', 'cli-stack')).toMatchObject({
      Stacks: [{ StackName: 'cli-stack', StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'TargetGroupArn', OutputValue: 'arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/tg/1' }] }],
    });
  }, 30_000);
});
