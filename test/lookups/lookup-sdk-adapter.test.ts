/**
 * The lookup SDK adapter and the resolver over it, against a small local HTTP
 * server that answers as SSM (JSON 1.1) and CloudFormation (query, XML) do
 * when AWS refuses or throttles, or holds an answer back: the narrow adapter
 * test for what moto_server cannot produce (AccessDenied, throttling, a slow
 * answer). The real SDK clients parse every answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRequestEvent } from '../../src/ecs/ecs-api.js';
import { AwsCallError } from '../../src/ecs/aws-error.js';
import { GitopsError } from '../../src/errors/index.js';
import { CachingLookupResolver } from '../../src/lookups/lookup-resolver.js';
import { createSdkLookupApi, type SdkLookupApi } from '../../src/lookups/lookup-sdk-adapter.js';
import { LookupRateLimiter } from '../../src/lookups/rate-limited-lookups.js';
import type { LookupRef, LookupUse } from '../../src/manifests/types.js';
import { FakeClock, systemClock } from '../../src/util/clock.js';
import { dummyCredentials } from '../support/moto.js';

const ssm = (parameter: string): LookupRef => ({ source: 'ssm', parameter, text: `\${ssm:${parameter}}` });
const cfn = (stack: string, output: string): LookupRef => ({ source: 'cfn', stack, output, text: `\${cfn:${stack}.${output}}` });
const use = (pointer: string, lookup: LookupRef, offset = 0): LookupUse => ({ pointer, lookup, offset });

/** The error a promise rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<GitopsError> {
  return promise.then(() => expect.fail('expected the resolve to fail'), (e: unknown) => e as GitopsError);
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const ssmError = (res: ServerResponse, status: number, type: string, message: string) => {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify({ __type: type, message }));
};
const cfnError = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(`<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>${code}</Code>`
    + `<Message>${message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>`);
};
const ssmValue = (res: ServerResponse, name: string, value: string) => {
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify({ Parameter: { Name: name, Type: 'String', Value: value, Version: 1 } }));
};

describe('lookup SDK adapter (local HTTP stand-in for SSM and CloudFormation)', () => {
  let server: Server;
  let handler: Handler = () => undefined;
  const requests: { target: string; body: string }[] = [];
  const events: AwsRequestEvent[] = [];
  let adapter: SdkLookupApi;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        requests.push({ target: String(req.headers['x-amz-target'] ?? new URLSearchParams(body).get('Action')), body });
        handler(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    adapter = createSdkLookupApi({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, credentials: dummyCredentials(), observer: (e) => events.push(e) });
  });

  afterEach(() => {
    requests.length = 0;
    events.length = 0;
  });

  afterAll(async () => {
    adapter.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends GetParameter without decryption and DescribeStacks by name, reporting each request as ssm or cloudformation', async () => {
    handler = (req, body, res) => {
      if (req.headers['x-amz-target'] === 'AmazonSSM.GetParameter') return ssmValue(res, '/a', 'x');
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>'
        + '<StackName>net</StackName><StackStatus>UPDATE_COMPLETE</StackStatus><Outputs><member><OutputKey>Vpc</OutputKey><OutputValue>vpc-1</OutputValue></member></Outputs>'
        + '</member></Stacks></DescribeStacksResult></DescribeStacksResponse>');
    };
    const resolver = new CachingLookupResolver({ api: () => adapter.api, clock: new FakeClock() });
    const out = await resolver.resolve({ a: '${ssm:/a}', b: '${cfn:net.Vpc}' }, [use('/a', ssm('/a')), use('/b', cfn('net', 'Vpc'))], 'eu-west-1', new AbortController().signal);
    expect(out).toEqual({ a: 'x', b: 'vpc-1' });
    const bySource = Object.fromEntries(requests.map((r) => [r.target, r.body]));
    expect(JSON.parse(bySource['AmazonSSM.GetParameter'] as string)).toEqual({ Name: '/a', WithDecryption: false });
    expect(new URLSearchParams(bySource.DescribeStacks).get('StackName')).toBe('net');
    expect(events.map((e) => `${e.api}:${e.operation}:${e.outcome}`).sort()).toEqual(['cloudformation:DescribeStacks:ok', 'ssm:GetParameter:ok']);
  });

  it.each([
    ['SSM', use('/a', ssm('/a')), 'AccessDeniedException',
      'lookup ${ssm:/a} in account 222222222222, Region eu-west-1: parameter /a could not be read (AccessDeniedException: User: arn:aws:sts::222222222222:assumed-role/target/x is not authorized to perform: ssm:GetParameter)'],
    ['CloudFormation', use('/a', cfn('net', 'Vpc')), 'AccessDenied',
      'lookup ${cfn:net.Vpc} in account 222222222222, Region eu-west-1: stack net could not be read (AccessDenied: User: arn:aws:sts::222222222222:assumed-role/target/x is not authorized to perform: cloudformation:DescribeStacks)'],
  ])('turns %s AccessDenied into CONTROLLER_LOOKUP_FAILED naming the lookup, the account and Region, and AWS\'s code', async (_api, lookup, awsName, message) => {
    handler = (req, _body, res) => {
      if (req.headers['x-amz-target']) ssmError(res, 400, 'AccessDeniedException', 'User: arn:aws:sts::222222222222:assumed-role/target/x is not authorized to perform: ssm:GetParameter');
      else cfnError(res, 403, 'AccessDenied', 'User: arn:aws:sts::222222222222:assumed-role/target/x is not authorized to perform: cloudformation:DescribeStacks');
    };
    const resolver = new CachingLookupResolver({ api: () => adapter.api, clock: new FakeClock() });
    const err = await resolver.resolve({ a: lookup.lookup.text }, [lookup], '222222222222@eu-west-1', new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitopsError);
    expect(err).toMatchObject({ code: 'CONTROLLER_LOOKUP_FAILED', message, details: { lookup: lookup.lookup.text, location: '222222222222@eu-west-1', awsError: awsName } });
    expect((err as GitopsError).cause).toBeInstanceOf(AwsCallError);
    expect(events.map((e) => [e.outcome, e.errorName])).toEqual([['client_error', awsName]]);
  });

  it('lets a throttled read slow down the ssm-read bucket of its location', async () => {
    handler = (_req, _body, res) => ssmError(res, 400, 'ThrottlingException', 'Rate exceeded');
    const limiter = new LookupRateLimiter({ clock: systemClock, limits: { 'ssm-read': { burst: 20, refillPerSecond: 8 } }, rateHeadroom: 0 });
    const resolver = new CachingLookupResolver({ api: () => limiter.wrap(adapter.api), clock: new FakeClock() });
    const err = await rejection(resolver.resolve({ a: '${ssm:/a}' }, [use('/a', ssm('/a'))], 'eu-west-1', new AbortController().signal));
    expect(err.message).toBe('lookup ${ssm:/a} in Region eu-west-1 (the controller\'s own account): parameter /a could not be read (ThrottlingException: Rate exceeded)');
    expect(events.map((e) => e.outcome)).toEqual(['throttled']);
    expect(limiter.bucket('ssm-read').rate).toBe(4);
    expect(limiter.bucket('cloudformation-read').rate).toBe(5);
  });

  it('keeps a shared read going while one caller still waits, and aborts it once every caller has given up', async () => {
    const held: ServerResponse[] = [];
    const closed: boolean[] = [];
    handler = (req, _body, res) => {
      held.push(res);
      const index = closed.push(false) - 1;
      res.on('close', () => (closed[index] = true));
      void req;
    };
    const resolver = new CachingLookupResolver({ api: () => adapter.api, clock: new FakeClock() });
    const lookup = [use('/a', ssm('/slow'))];
    const first = new AbortController();
    const second = new AbortController();
    const a = resolver.resolve({ a: '${ssm:/slow}' }, lookup, 'eu-west-1', first.signal).catch((e: unknown) => e);
    const b = resolver.resolve({ a: '${ssm:/slow}' }, lookup, 'eu-west-1', second.signal);
    await expect.poll(() => held.length).toBe(1);
    first.abort(new Error('first caller stopped'));
    expect(await a).toMatchObject({ message: 'first caller stopped' });
    ssmValue(held[0] as ServerResponse, '/slow', 'v1');
    expect(await b).toEqual({ a: 'v1' });
    expect(requests).toHaveLength(1);

    // Every waiter gone: the request itself is aborted (the server sees the connection close), and nothing is cached.
    const third = new AbortController();
    const c = resolver.resolve({ a: '${ssm:/other}' }, [use('/a', ssm('/other'))], 'eu-west-1', third.signal).catch((e: unknown) => e);
    await expect.poll(() => held.length).toBe(2);
    third.abort(new Error('reconcile cancelled'));
    expect(await c).toMatchObject({ message: 'reconcile cancelled' });
    await expect.poll(() => closed[1]).toBe(true);
    handler = (_req, _body, res) => ssmValue(res, '/other', 'v2');
    expect(await resolver.resolve({ a: '${ssm:/other}' }, [use('/a', ssm('/other'))], 'eu-west-1', new AbortController().signal)).toEqual({ a: 'v2' });
    expect(requests).toHaveLength(3);
  });
});
