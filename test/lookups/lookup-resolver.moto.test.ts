/**
 * CachingLookupResolver over the real SDK adapter against moto_server:
 * parameters (String, StringList, SecureString) put with the SSM client and a
 * CloudFormation stack with outputs created from a template, each test file in
 * its own account (x-moto-account-id). Calls are counted through the
 * adapter's observer; the cache's time is a FakeClock.
 */
import { randomInt } from 'node:crypto';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRequestEvent } from '../../src/ecs/ecs-api.js';
import { addRequestHeaders } from '../../src/ecs/sdk-adapter.js';
import { GitopsError } from '../../src/errors/index.js';
import { CachingLookupResolver, type LookupResult, type LookupSource } from '../../src/lookups/lookup-resolver.js';
import { createSdkLookupApi, type SdkLookupApi } from '../../src/lookups/lookup-sdk-adapter.js';
import type { LookupRef, LookupUse } from '../../src/manifests/types.js';
import { FakeClock } from '../../src/util/clock.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';

const ssm = (parameter: string): LookupRef => ({ source: 'ssm', parameter, text: `\${ssm:${parameter}}` });
const cfn = (stack: string, output: string): LookupRef => ({ source: 'cfn', stack, output, text: `\${cfn:${stack}.${output}}` });
const use = (pointer: string, lookup: LookupRef, offset = 0): LookupUse => ({ pointer, lookup, offset });

/** The error a promise rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<GitopsError> {
  return promise.then(() => expect.fail('expected the resolve to fail'), (e: unknown) => e as GitopsError);
}

const REGION = 'eu-west-1';
const endpoint = motoEndpoint();
const account = String(randomInt(100_000_000_000, 999_999_999_999));
const location = `${account}@${REGION}`;

/** A service-shaped manifest using every kind of lookup. */
const manifest = Object.freeze({
  kind: 'Service',
  metadata: Object.freeze({ name: 'web' }),
  spec: Object.freeze({
    networkConfiguration: { awsvpcConfiguration: { subnets: ['${ssm:/net/private-subnets}'], securityGroups: ['${cfn:net.WebSecurityGroup}'] } },
    loadBalancers: [{ targetGroupArn: '${cfn:net.TargetGroupArn}', containerName: 'app', containerPort: 80 }],
    env: 'level=${ssm:/app/level}',
  }),
});
const lookups: LookupUse[] = [
  use('/spec/networkConfiguration/awsvpcConfiguration/subnets/0', ssm('/net/private-subnets')),
  use('/spec/networkConfiguration/awsvpcConfiguration/securityGroups/0', cfn('net', 'WebSecurityGroup')),
  use('/spec/loadBalancers/0/targetGroupArn', cfn('net', 'TargetGroupArn')),
  use('/spec/env', ssm('/app/level'), 'level='.length),
];

describe.skipIf(endpoint === null)('CachingLookupResolver against moto_server', () => {
  const calls: AwsRequestEvent[] = [];
  let adapter: SdkLookupApi;
  let ssmClient: SSMClient;

  beforeAll(async () => {
    const headers = { 'x-moto-account-id': account };
    const common = { endpoint: endpoint as string, region: REGION, credentials: dummyCredentials(), maxAttempts: 1 };
    ssmClient = addRequestHeaders(new SSMClient(common), headers);
    const cloudFormation = addRequestHeaders(new CloudFormationClient(common), headers);
    await ssmClient.send(new PutParameterCommand({ Name: '/net/private-subnets', Type: 'StringList', Value: 'subnet-0a,subnet-0b,subnet-0c' }));
    await ssmClient.send(new PutParameterCommand({ Name: '/app/level', Type: 'String', Value: 'warn' }));
    await ssmClient.send(new PutParameterCommand({ Name: '/db/password', Type: 'SecureString', Value: 'hunter2-not-real' }));
    await cloudFormation.send(new CreateStackCommand({
      StackName: 'net',
      TemplateBody: JSON.stringify({
        Resources: {},
        Outputs: {
          WebSecurityGroup: { Value: 'sg-0123' },
          TargetGroupArn: { Value: `arn:aws:elasticloadbalancing:${REGION}:${account}:targetgroup/web/0123456789abcdef` },
        },
      }),
    }));
    cloudFormation.destroy();
    adapter = createSdkLookupApi({ region: REGION, endpoint: endpoint as string, credentials: dummyCredentials(), headers, observer: (e) => calls.push(e) });
  });

  afterAll(() => {
    adapter?.destroy();
    ssmClient?.destroy();
  });

  function resolver(options: { clock?: FakeClock; ttlMs?: number } = {}) {
    const counted: [LookupSource, LookupResult][] = [];
    const clock = options.clock ?? new FakeClock();
    const r = new CachingLookupResolver({
      api: (at) => {
        expect(at).toBe(location);
        return adapter.api;
      },
      clock, ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
      onLookup: (source, result) => counted.push([source, result]),
    });
    return { r, clock, counted };
  }

  const since = (start: number) => calls.slice(start).map((c) => `${c.api}:${c.operation}:${c.outcome}`);

  it('resolves parameters and stack outputs: a StringList in an array becomes its items, one DescribeStacks for two outputs', async () => {
    const { r, counted } = resolver();
    const start = calls.length;
    const out = await r.resolve(manifest, lookups, location, new AbortController().signal);
    expect(out.spec).toEqual({
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a', 'subnet-0b', 'subnet-0c'], securityGroups: ['sg-0123'] } },
      loadBalancers: [{ targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${account}:targetgroup/web/0123456789abcdef`, containerName: 'app', containerPort: 80 }],
      env: 'level=warn',
    });
    expect(out.metadata).toBe(manifest.metadata);
    expect(since(start).sort()).toEqual(['cloudformation:DescribeStacks:ok', 'ssm:GetParameter:ok', 'ssm:GetParameter:ok']);
    expect(counted.sort()).toEqual([['cloudformation', 'miss'], ['ssm', 'miss'], ['ssm', 'miss']]);
  });

  it('answers from its cache until the TTL passes, then reads AWS again and sees a changed value', async () => {
    const { r, clock, counted } = resolver({ ttlMs: 60_000 });
    const signal = new AbortController().signal;
    const level = [use('/spec/env', ssm('/app/level'), 'level='.length)];
    await r.resolve(manifest, level, location, signal);
    const start = calls.length;
    await ssmClient.send(new PutParameterCommand({ Name: '/app/level', Type: 'String', Value: 'debug', Overwrite: true }));
    await clock.advance(59_999);
    expect((await r.resolve(manifest, level, location, signal)).spec.env).toBe('level=warn');
    expect(since(start)).toEqual([]);
    await clock.advance(1);
    expect((await r.resolve(manifest, level, location, signal)).spec.env).toBe('level=debug');
    expect(since(start)).toEqual(['ssm:GetParameter:ok']);
    expect(counted).toEqual([['ssm', 'miss'], ['ssm', 'hit'], ['ssm', 'miss']]);
    await ssmClient.send(new PutParameterCommand({ Name: '/app/level', Type: 'String', Value: 'warn', Overwrite: true }));
  });

  it('keeps one cache per location: the same parameter in another location is read there', async () => {
    const other = `${account}@us-east-1`;
    const seen: string[] = [];
    const r = new CachingLookupResolver({
      api: (at) => {
        seen.push(at);
        return adapter.api;
      },
      clock: new FakeClock(),
    });
    const level = [use('/spec/env', ssm('/app/level'), 'level='.length)];
    const signal = new AbortController().signal;
    await r.resolve(manifest, level, location, signal);
    await r.resolve(manifest, level, other, signal);
    await r.resolve(manifest, level, location, signal);
    expect(seen).toEqual([location, other]);
  });

  it('shares one call between concurrent resolves of the same values', async () => {
    const { r, counted } = resolver();
    const start = calls.length;
    const signal = new AbortController().signal;
    const results = await Promise.all(Array.from({ length: 5 }, () => r.resolve(manifest, lookups, location, signal)));
    for (const result of results) expect(result).toEqual(results[0]);
    expect(since(start).sort()).toEqual(['cloudformation:DescribeStacks:ok', 'ssm:GetParameter:ok', 'ssm:GetParameter:ok']);
    expect(counted.filter(([, result]) => result === 'miss')).toHaveLength(3);
    expect(counted.filter(([, result]) => result === 'hit')).toHaveLength(12);
  });

  async function failure(lookup: LookupUse[]): Promise<GitopsError> {
    const { r, counted } = resolver();
    const err = await r.resolve({ spec: { a: lookup[0]?.lookup.text } }, lookup, location, new AbortController().signal).then(
      () => expect.fail('resolve should have failed'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GitopsError);
    expect((err as GitopsError).code).toBe('CONTROLLER_LOOKUP_FAILED');
    expect(counted.map(([, result]) => result)).toEqual(['error']);
    return err as GitopsError;
  }

  it('refuses a SecureString, pointing at secrets, and never shows its value', async () => {
    const err = await failure([use('/spec/a', ssm('/db/password'))]);
    expect(err.message).toBe(`lookup \${ssm:/db/password} in account ${account}, Region ${REGION}: parameter /db/password is a SecureString; `
      + 'secrets belong in the task definition\'s secrets (valueFrom), which ECS injects at run time');
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain('hunter2');
  });

  it('names a parameter that does not exist, with AWS\'s code, and does not cache the failure', async () => {
    const { r } = resolver();
    const missing = [use('/spec/a', ssm('/app/new'))];
    const err = await rejection(r.resolve({ spec: { a: '${ssm:/app/new}' } }, missing, location, new AbortController().signal));
    expect(err.code).toBe('CONTROLLER_LOOKUP_FAILED');
    expect(err.message).toMatch(new RegExp(`^lookup \\$\\{ssm:/app/new\\} in account ${account}, Region ${REGION}: parameter /app/new does not exist \\(ParameterNotFound: `));
    expect(err.details).toMatchObject({ lookup: '${ssm:/app/new}', location, awsError: 'ParameterNotFound' });
    // Created now: the next reconcile finds it, as nothing was cached.
    await ssmClient.send(new PutParameterCommand({ Name: '/app/new', Type: 'String', Value: 'here' }));
    expect(await r.resolve({ spec: { a: '${ssm:/app/new}' } }, missing, location, new AbortController().signal)).toEqual({ spec: { a: 'here' } });
  });

  it('names a stack that does not exist and an output the stack lacks (listing the ones it has)', async () => {
    const noStack = await failure([use('/spec/a', cfn('gone', 'Vpc'))]);
    expect(noStack.message).toBe(`lookup \${cfn:gone.Vpc} in account ${account}, Region ${REGION}: stack gone does not exist (ValidationError: Stack with id gone does not exist)`);
    const noOutput = await failure([use('/spec/a', cfn('net', 'Vpc'))]);
    expect(noOutput.message).toBe(`lookup \${cfn:net.Vpc} in account ${account}, Region ${REGION}: stack net (CREATE_COMPLETE) has no output Vpc; its outputs: TargetGroupArn, WebSecurityGroup`);
  });

  it('reports every failed lookup of a manifest in one error, and applies nothing', async () => {
    const { r } = resolver();
    const err = await rejection(r.resolve({ a: '${ssm:/x1}', b: '${ssm:/x2}' }, [use('/a', ssm('/x1')), use('/b', ssm('/x2'))], location, new AbortController().signal));
    expect(err.code).toBe('CONTROLLER_LOOKUP_FAILED');
    expect(err.message).toMatch(/^lookup \$\{ssm:\/x1\} .* \(and 1 more: \$\{ssm:\/x2\}\)$/);
  });
});
