/**
 * CachingLookupResolver over the real SDK adapter against the sandbox over
 * HTTP (src/sandbox: SSM Parameter Store and CloudFormation outputs per
 * account and Region): one resolver serving two accounts and two Regions
 * reads each value in its own location, through per-location buckets, and
 * refuses a SecureString and names what is missing there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRequestEvent } from '../../src/ecs/ecs-api.js';
import { GitopsError } from '../../src/errors/index.js';
import { parseLocation } from '../../src/keys/index.js';
import { CachingLookupResolver } from '../../src/lookups/lookup-resolver.js';
import { createSdkLookupApi, type SdkLookupApi } from '../../src/lookups/lookup-sdk-adapter.js';
import { LocationLookupLimiters } from '../../src/lookups/rate-limited-lookups.js';
import type { LookupRef, LookupUse } from '../../src/manifests/types.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { FakeClock, systemClock } from '../../src/util/clock.js';
import { freshAccountId, testSandbox } from '../sandbox/sandbox-harness.js';

const ssm = (parameter: string): LookupRef => ({ source: 'ssm', parameter, text: `\${ssm:${parameter}}` });
const cfn = (stack: string, output: string): LookupRef => ({ source: 'cfn', stack, output, text: `\${cfn:${stack}.${output}}` });
const use = (pointer: string, lookup: LookupRef, offset = 0): LookupUse => ({ pointer, lookup, offset });

const manifest = Object.freeze({
  spec: Object.freeze({
    subnets: ['${ssm:/net/private-subnets}'],
    targetGroupArn: '${cfn:net.TargetGroupArn}',
  }),
});
const lookups = [use('/spec/subnets/0', ssm('/net/private-subnets')), use('/spec/targetGroupArn', cfn('net', 'TargetGroupArn'))];

describe('CachingLookupResolver against the sandbox', () => {
  let sandbox: Sandbox;
  const dev = freshAccountId();
  const prod = freshAccountId();
  const adapters = new Map<string, SdkLookupApi>();
  const events: AwsRequestEvent[] = [];

  /** The location's adapter, acting in its account (the sandbox reads the account from the access key). */
  function apiFor(location: string): SdkLookupApi {
    let adapter = adapters.get(location);
    if (!adapter) {
      const { account, region } = parseLocation(location);
      adapter = createSdkLookupApi({ ...sandbox.clientConfig({ accountId: account as string, region }), observer: (e) => events.push(e) });
      adapters.set(location, adapter);
    }
    return adapter;
  }

  beforeAll(async () => {
    sandbox = await testSandbox();
    for (const [accountId, region, subnets] of [[dev, 'eu-west-1', 'subnet-d1,subnet-d2'], [prod, 'eu-west-1', 'subnet-p1,subnet-p2,subnet-p3'], [prod, 'us-east-1', 'subnet-u1']] as const) {
      sandbox.admin.putParameter({ accountId, region, name: '/net/private-subnets', value: subnets, type: 'StringList' });
      sandbox.admin.putStack({ accountId, region, stackName: 'net', outputs: { TargetGroupArn: `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/web/1` } });
    }
    sandbox.admin.putParameter({ accountId: prod, region: 'eu-west-1', name: '/db/password', value: 'not-a-real-password', type: 'SecureString' });
    sandbox.admin.putParameter({ accountId: dev, region: 'eu-west-1', name: '/dev-only', value: 'x' });
    sandbox.admin.putStack({ accountId: prod, region: 'us-east-1', stackName: 'other', outputs: { X: 'x' } });
  });

  afterAll(async () => {
    for (const adapter of adapters.values()) adapter.destroy();
    await sandbox?.close();
  });

  it('reads each location\'s own values, once per value, behind that location\'s buckets', async () => {
    const limiters = new LocationLookupLimiters({ clock: systemClock });
    const resolver = new CachingLookupResolver({ api: (location) => limiters.wrap(location, apiFor(location).api), clock: new FakeClock() });
    const signal = new AbortController().signal;
    const [d, p, u] = await Promise.all([`${dev}@eu-west-1`, `${prod}@eu-west-1`, `${prod}@us-east-1`].map((at) => resolver.resolve(manifest, lookups, at, signal)));
    expect(d?.spec).toEqual({ subnets: ['subnet-d1', 'subnet-d2'], targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:${dev}:targetgroup/web/1` });
    expect(p?.spec).toEqual({ subnets: ['subnet-p1', 'subnet-p2', 'subnet-p3'], targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:${prod}:targetgroup/web/1` });
    expect(u?.spec).toEqual({ subnets: ['subnet-u1'], targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:${prod}:targetgroup/web/1` });
    const before = events.length;
    await resolver.resolve(manifest, lookups, `${prod}@eu-west-1`, signal);
    expect(events.length).toBe(before);
    expect(events.map((e) => `${e.api}:${e.operation}:${e.outcome}`).sort()).toEqual([
      ...Array<string>(3).fill('cloudformation:DescribeStacks:ok'), ...Array<string>(3).fill('ssm:GetParameter:ok'),
    ]);
    // Three locations, three bucket sets.
    expect(new Set([dev, prod].flatMap((a) => ['eu-west-1', 'us-east-1'].map((r) => limiters.for(`${a}@${r}`)))).size).toBe(4);
  });

  it.each([
    ['a SecureString', use('/a', ssm('/db/password')), /: parameter \/db\/password is a SecureString; secrets belong in the task definition's secrets \(valueFrom\)/],
    ['a parameter that exists only in another account', use('/a', ssm('/dev-only')), /: parameter \/dev-only does not exist \(ParameterNotFound: /],
    ['a stack of another Region', use('/a', cfn('other', 'X')), /: stack other does not exist \(ValidationError: Stack with id other does not exist\)/],
    ['an output the stack lacks', use('/a', cfn('net', 'Vpc')), /: stack net \(CREATE_COMPLETE\) has no output Vpc; its outputs: TargetGroupArn$/],
  ])('refuses %s with CONTROLLER_LOOKUP_FAILED naming the account and Region', async (_what, lookup, why) => {
    const resolver = new CachingLookupResolver({ api: (location) => apiFor(location).api, clock: new FakeClock() });
    const err = await resolver.resolve({ a: lookup.lookup.text }, [lookup], `${prod}@eu-west-1`, new AbortController().signal).then(
      () => expect.fail('resolve should have failed'),
      (e: unknown) => e as GitopsError,
    );
    expect(err).toBeInstanceOf(GitopsError);
    expect(err.code).toBe('CONTROLLER_LOOKUP_FAILED');
    expect(err.message.startsWith(`lookup ${lookup.lookup.text} in account ${prod}, Region eu-west-1: `)).toBe(true);
    expect(err.message).toMatch(why);
    expect(err.message).not.toContain('not-a-real-password');
  });
});
