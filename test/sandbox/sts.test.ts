/**
 * The sandbox's STS over HTTP with the real @aws-sdk/client-sts (query
 * protocol): AssumeRole issues credentials that act in the role's account
 * (an ECS CreateCluster with them lands there), GetCallerIdentity, expiry on
 * the wall clock (injected here), unknown sessions, denied roles and external
 * IDs, validation, the admin routes, and the aws CLI.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, type AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { CreateClusterCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import type { Sandbox } from '../../src/sandbox/index.js';
import { requireProgram } from '../support/programs.js';
import { freshAccountId, rejectionOf, testSandbox } from './sandbox-harness.js';

const run = promisify(execFile);
const hasAws = requireProgram('aws', 'pip install awscli');
const REGION = 'eu-west-1';

/** The wall clock the sandbox's STS expires sessions by; tests move it. */
let wallNow = Date.parse('2030-01-01T00:00:00Z');
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox({ realNow: () => wallNow });
});
afterAll(async () => {
  await sandbox.close();
});

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const keysOf = (accountId: string): Credentials => ({ accessKeyId: accountId, secretAccessKey: 'x' });
const sts = (credentials: Credentials) => new STSClient({ endpoint: sandbox.endpoint, region: REGION, credentials, maxAttempts: 1 });
const ecs = (credentials: Credentials) => new ECSClient({ endpoint: sandbox.endpoint, region: REGION, credentials, maxAttempts: 1 });

async function assume(callerAccount: string, input: Partial<AssumeRoleCommandInput> & { RoleArn: string }): Promise<Credentials & { expiration: Date }> {
  const out = await sts(keysOf(callerAccount)).send(new AssumeRoleCommand({ RoleSessionName: 'ecs-gitops', ...input }));
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new Error('AssumeRole returned no credentials');
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
}

async function adminPost(route: string, body: object): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sandbox.endpoint}/_sandbox/${route}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

describe('STS AssumeRole and GetCallerIdentity', () => {
  it('an account key is the account root', async () => {
    const account = freshAccountId();
    expect(await sts(keysOf(account)).send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: account, Arn: `arn:aws:iam::${account}:root`, UserId: account,
    });
  });

  it('AssumeRole returns ASIA credentials for an hour and the assumed-role user', async () => {
    const [caller, target] = [freshAccountId(), freshAccountId()];
    const out = await sts(keysOf(caller)).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${target}:role/deploy/ecs-gitops`, RoleSessionName: 'dev-session' }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(out.Credentials?.SecretAccessKey).toMatch(/.{30,}/);
    expect(out.Credentials?.SessionToken).toMatch(/.{30,}/);
    expect(out.Credentials?.Expiration?.getTime()).toBe(wallNow + 3600_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${target}:assumed-role/ecs-gitops/dev-session`);
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:dev-session$/);
  });

  it('issued credentials act in the role\'s account: GetCallerIdentity and an ECS CreateCluster land there', async () => {
    const [caller, target] = [freshAccountId(), freshAccountId()];
    const creds = await assume(caller, { RoleArn: `arn:aws:iam::${target}:role/ecs-gitops` });
    expect(await sts(creds).send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: target, Arn: `arn:aws:sts::${target}:assumed-role/ecs-gitops/ecs-gitops`,
    });
    const created = await ecs(creds).send(new CreateClusterCommand({ clusterName: 'prod' }));
    expect(created.cluster?.clusterArn).toBe(`arn:aws:ecs:${REGION}:${target}:cluster/prod`);
    expect((await ecs(keysOf(target)).send(new ListClustersCommand({}))).clusterArns).toEqual([`arn:aws:ecs:${REGION}:${target}:cluster/prod`]);
    expect((await ecs(keysOf(caller)).send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });

  it('DurationSeconds shortens a session; the admin session lifetime caps it', async () => {
    const role = `arn:aws:iam::${freshAccountId()}:role/r`;
    expect((await assume(freshAccountId(), { RoleArn: role, DurationSeconds: 900 })).expiration.getTime()).toBe(wallNow + 900_000);
    sandbox.admin.setSessionSeconds(5);
    try {
      expect((await assume(freshAccountId(), { RoleArn: role, DurationSeconds: 900 })).expiration.getTime()).toBe(wallNow + 5_000);
    } finally {
      sandbox.admin.setSessionSeconds(3600);
    }
  });

  it('expired credentials answer ExpiredTokenException on JSON APIs and ExpiredToken on STS; a new AssumeRole works', async () => {
    const [caller, target] = [freshAccountId(), freshAccountId()];
    const role = `arn:aws:iam::${target}:role/r`;
    sandbox.admin.setSessionSeconds(2);
    let creds;
    try {
      creds = await assume(caller, { RoleArn: role });
    } finally {
      sandbox.admin.setSessionSeconds(3600);
    }
    wallNow += 1_000;
    await ecs(creds).send(new ListClustersCommand({}));
    wallNow += 1_000;
    const raw = await fetch(sandbox.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters', 'x-amz-security-token': creds.sessionToken ?? '',
        authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/20300101/${REGION}/ecs/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: '{}',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ __type: 'ExpiredTokenException', message: 'The security token included in the request is expired' });
    expect((await rejectionOf(ecs(creds).send(new ListClustersCommand({})))).name).toBe('ExpiredTokenException');
    const viaSts = await rejectionOf(sts(creds).send(new GetCallerIdentityCommand({})));
    expect([viaSts.name, viaSts.$metadata?.httpStatusCode]).toEqual(['ExpiredToken', 400]);
    const fresh = await assume(caller, { RoleArn: role });
    expect((await ecs(fresh).send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });

  it('admin expire ends every issued session at once', async () => {
    const creds = await assume(freshAccountId(), { RoleArn: `arn:aws:iam::${freshAccountId()}:role/r` });
    await ecs(creds).send(new ListClustersCommand({}));
    const out = await adminPost('sts/expire', {});
    expect(out.status).toBe(200);
    expect((out.body as { expired: number }).expired).toBeGreaterThanOrEqual(1);
    expect((await rejectionOf(ecs(creds).send(new ListClustersCommand({})))).name).toBe('ExpiredTokenException');
  });

  it('an unknown ASIA key or a wrong session token is UnrecognizedClientException (JSON) and InvalidClientTokenId (STS)', async () => {
    const unknown = { accessKeyId: 'ASIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x', sessionToken: 'nope' };
    expect((await rejectionOf(ecs(unknown).send(new ListClustersCommand({})))).name).toBe('UnrecognizedClientException');
    const viaSts = await rejectionOf(sts(unknown).send(new GetCallerIdentityCommand({})));
    expect([viaSts.name, viaSts.$metadata?.httpStatusCode]).toEqual(['InvalidClientTokenId', 403]);
    const creds = await assume(freshAccountId(), { RoleArn: `arn:aws:iam::${freshAccountId()}:role/r` });
    expect((await rejectionOf(ecs({ ...creds, sessionToken: 'forged' }).send(new ListClustersCommand({})))).name).toBe('UnrecognizedClientException');
  });

  it('a denied role is AccessDenied (403) naming the caller and the role, until allowed again; calls are counted per role', async () => {
    const [caller, target] = [freshAccountId(), freshAccountId()];
    const role = `arn:aws:iam::${target}:role/ecs-gitops`;
    expect(await adminPost('sts/roles', { roleArn: role, denied: true })).toMatchObject({ status: 200 });
    const denied = await rejectionOf(assume(caller, { RoleArn: role }));
    expect([denied.name, denied.$metadata?.httpStatusCode, denied.message]).toEqual([
      'AccessDenied', 403, `User: arn:aws:iam::${caller}:root is not authorized to perform: sts:AssumeRole on resource: ${role}`,
    ]);
    await adminPost('sts/roles', { roleArn: role, denied: false });
    await assume(caller, { RoleArn: role });
    const calls = await (await fetch(`${sandbox.endpoint}/_sandbox/sts/calls`)).json() as { assumeRole: Record<string, number> };
    expect(calls.assumeRole[role]).toBe(2);
    expect(sandbox.admin.assumeRoleCalls()[role]).toBe(2);
    expect(sandbox.callCounts(caller)).toEqual({ AssumeRole: 2 });
  });

  it('a role with an external ID is AccessDenied without it or with another', async () => {
    const role = `arn:aws:iam::${freshAccountId()}:role/ecs-gitops`;
    sandbox.admin.setRole(role, { externalId: 'ext-123' });
    expect((await rejectionOf(assume(freshAccountId(), { RoleArn: role }))).name).toBe('AccessDenied');
    expect((await rejectionOf(assume(freshAccountId(), { RoleArn: role, ExternalId: 'ext-999' }))).name).toBe('AccessDenied');
    expect((await assume(freshAccountId(), { RoleArn: role, ExternalId: 'ext-123' })).accessKeyId).toMatch(/^ASIA/);
  });

  it.each([
    ['a user ARN', { RoleArn: 'arn:aws:iam::123456789012:user/alice' }, /RoleArn "arn:aws:iam::123456789012:user\/alice" is not an IAM role ARN/],
    ['an account that is not 12 digits', { RoleArn: 'arn:aws:iam::1234:role/r' }, /not an IAM role ARN/],
    ['a session name with a space', { RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 'a b' }, /at 'roleSessionName' failed to satisfy constraint/],
    ['a one-character session name', { RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 'a' }, /at 'roleSessionName'/],
    ['DurationSeconds below 900', { RoleArn: 'arn:aws:iam::123456789012:role/r', DurationSeconds: 60 }, /at 'durationSeconds'.*between 900 and 43200/],
    ['DurationSeconds above the role\'s 1 h maximum', { RoleArn: 'arn:aws:iam::123456789012:role/r', DurationSeconds: 7200 }, /exceeds the MaxSessionDuration/],
    ['an external ID with a space', { RoleArn: 'arn:aws:iam::123456789012:role/r', ExternalId: 'a b' }, /at 'externalId'/],
  ])('%s is a ValidationError', async (_title, input, message) => {
    const err = await rejectionOf(assume(freshAccountId(), input));
    expect([err.name, err.$metadata?.httpStatusCode]).toEqual(['ValidationError', 400]);
    expect(err.message).toMatch(message);
  });

  it('admin routes reject bad input with the field named', async () => {
    expect(await adminPost('sts/roles', { denied: true })).toMatchObject({ status: 400, body: { message: 'roleArn is required' } });
    expect(await adminPost('sts/roles', { roleArn: 'arn:aws:iam::1:role/x' })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/RoleArn/) } });
    expect(await adminPost('sts/session-seconds', { seconds: 0 })).toMatchObject({ status: 400, body: { message: expect.stringMatching(/seconds must be a whole number >= 1/) } });
    expect(await adminPost('sts/session-seconds', {})).toMatchObject({ status: 400 });
  });

  it('reset of the role\'s account forgets its sessions', async () => {
    const target = freshAccountId();
    const creds = await assume(freshAccountId(), { RoleArn: `arn:aws:iam::${target}:role/r` });
    sandbox.admin.reset(target);
    expect((await rejectionOf(ecs(creds).send(new ListClustersCommand({})))).name).toBe('UnrecognizedClientException');
  });

  it('the in-process request handler serves STS too', async () => {
    const target = freshAccountId();
    const client = new STSClient({ region: REGION, credentials: keysOf(freshAccountId()), requestHandler: sandbox.requestHandler, maxAttempts: 1 });
    const out = await client.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${target}:role/r`, RoleSessionName: 'in-process' }));
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${target}:assumed-role/r/in-process`);
  });
});

describe.runIf(hasAws)('STS driven by the aws CLI', () => {
  it('assume-role, then get-caller-identity and ecs create-cluster with the issued credentials', async () => {
    const [caller, target] = [freshAccountId(), freshAccountId()];
    const aws = async (env: Record<string, string>, ...args: string[]): Promise<Record<string, Record<string, string>>> => {
      const { stdout } = await run('aws', ['--endpoint-url', sandbox.endpoint, '--region', REGION, '--output', 'json', ...args], {
        env: { ...process.env, AWS_PAGER: '', ...env },
      });
      return JSON.parse(stdout) as Record<string, Record<string, string>>;
    };
    const out = await aws({ AWS_ACCESS_KEY_ID: caller, AWS_SECRET_ACCESS_KEY: 'x' },
      'sts', 'assume-role', '--role-arn', `arn:aws:iam::${target}:role/ecs-gitops`, '--role-session-name', 'cli', '--duration-seconds', '900');
    const c = out.Credentials as Record<string, string>;
    expect(c.AccessKeyId).toMatch(/^ASIA/);
    const env = { AWS_ACCESS_KEY_ID: c.AccessKeyId as string, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey as string, AWS_SESSION_TOKEN: c.SessionToken as string };
    expect(await aws(env, 'sts', 'get-caller-identity')).toMatchObject({ Account: target, Arn: `arn:aws:sts::${target}:assumed-role/ecs-gitops/cli` });
    expect((await aws(env, 'ecs', 'create-cluster', '--cluster-name', 'from-cli')).cluster?.clusterArn).toBe(`arn:aws:ecs:${REGION}:${target}:cluster/from-cli`);
  }, 30_000);
});
