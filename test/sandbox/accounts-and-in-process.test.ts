/** Account and Region isolation, and the socket-free modes (raw handle() and the SDK requestHandler). */
import { CreateClusterCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { addRequestHeaders } from '../../src/ecs/sdk-adapter.js';
import { identify } from '../../src/sandbox/request-identity.js';
import { dummyCredentials } from '../support/moto.js';
import { rejectionOf, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const auth = (key: string, region: string): string =>
  `AWS4-HMAC-SHA256 Credential=${key}/20260101/${region}/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`;

describe('request identity', () => {
  it.each([
    ['12-digit access key', { authorization: auth('111122223333', 'eu-west-1') }, { account: '111122223333', region: 'eu-west-1' }],
    ['other access key -> default account', { authorization: auth('AKIDTESTTESTTEST', 'us-west-2') }, { account: '123456789012', region: 'us-west-2' }],
    ['header wins', { authorization: auth('111122223333', 'eu-west-1'), 'x-sandbox-account-id': '444455556666' }, { account: '444455556666', region: 'eu-west-1' }],
  ])('%s', (_name, headers, expected) => {
    expect(identify(headers)).toEqual(expected);
  });

  it.each([
    ['no Authorization', {}, 'MissingAuthenticationTokenException'],
    ['not SigV4', { authorization: 'Basic abc' }, 'IncompleteSignatureException'],
    ['bad account header', { authorization: auth('x', 'eu-west-1'), 'x-sandbox-account-id': '12' }, 'InvalidParameterException'],
  ])('rejects %s', (_name, headers, type) => {
    expect(() => identify(headers)).toThrow(expect.objectContaining({ type }));
  });

  it('isolates accounts and Regions over the SDK (x-sandbox-account-id via middleware, Region from the signature)', async () => {
    const client = (region: string, account?: string): ECSClient => {
      const ecs = new ECSClient({ endpoint: sandbox.endpoint, region, credentials: dummyCredentials(), maxAttempts: 1 });
      return account ? addRequestHeaders(ecs, { 'x-sandbox-account-id': account }) : ecs;
    };
    await client('ap-south-1', '999988887777').send(new CreateClusterCommand({ clusterName: 'iso' }));
    expect((await client('ap-south-1', '999988887777').send(new ListClustersCommand({}))).clusterArns)
      .toEqual(['arn:aws:ecs:ap-south-1:999988887777:cluster/iso']);
    expect((await client('ap-southeast-1', '999988887777').send(new ListClustersCommand({}))).clusterArns).toEqual([]);
    expect((await client('ap-south-1', '999988887776').send(new ListClustersCommand({}))).clusterArns).toEqual([]);
  });
});

describe('in-process', () => {
  it('the SDK runs unmodified on the in-memory requestHandler', async () => {
    const ecs = new ECSClient({ region: 'eu-central-1', credentials: { accessKeyId: '555566667777', secretAccessKey: 'x' }, requestHandler: sandbox.requestHandler, maxAttempts: 1 });
    await ecs.send(new CreateClusterCommand({ clusterName: 'mem' }));
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual(['arn:aws:ecs:eu-central-1:555566667777:cluster/mem']);
    const err = await rejectionOf(ecs.send(new CreateClusterCommand({ clusterName: 'bad name!' })));
    expect(err.name).toBe('InvalidParameterException');
  });

  it('handle() answers the raw wire format without a socket', () => {
    const out = sandbox.handle({
      target: 'AmazonEC2ContainerServiceV20141113.ListClusters',
      body: '{}',
      headers: { authorization: auth('777788889999', 'eu-west-1') },
    });
    expect(out.status).toBe(200);
    expect(out.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(out.body)).toEqual({ clusterArns: [] });
    const bad = sandbox.handle({ target: 'AmazonEC2ContainerServiceV20141113.ListClusters', body: '{not json', headers: { authorization: auth('777788889999', 'eu-west-1') } });
    expect(JSON.parse(bad.body)).toMatchObject({ __type: 'SerializationException' });
  });

  it('call() runs an operation directly and throws the AWS error', () => {
    expect(sandbox.call('CreateCluster', { clusterName: 'direct' }, { accountId: '101010101010' })).toMatchObject({ cluster: { clusterName: 'direct' } });
    expect(() => sandbox.call('DescribeServices', { cluster: 'nope', services: ['x'] }, { accountId: '101010101010' })).toThrow('Cluster not found.');
    expect(() => sandbox.call('StartTask', {})).toThrow(expect.objectContaining({ type: 'UnknownOperationException' }));
  });
});
