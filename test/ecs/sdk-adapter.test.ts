/**
 * The SDK adapter's clients skip the SDK's per-response log filtering (their
 * logger is the SDK's no-op one). If an SDK upgrade renames the middleware,
 * removing it would silently do nothing: these tests say so instead.
 */
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { DirectAwsJson1_1Protocol } from '../../src/ecs/json-protocol.js';
import { addRequestHeaders, createSdkEcsApi, dropSdkResponseLogging } from '../../src/ecs/sdk-adapter.js';

describe('SDK response logging', () => {
  it('a plain ECSClient has the logger middleware that dropSdkResponseLogging removes', () => {
    const client = new ECSClient({ region: 'eu-west-1' });
    expect(client.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'))).toBe(true);
    expect(dropSdkResponseLogging(client)).toBe(true);
    expect(client.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'))).toBe(false);
  });

  it('createSdkEcsApi builds its client without it', () => {
    const { client } = createSdkEcsApi({ region: 'eu-west-1' });
    expect(client.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'))).toBe(false);
  });
});

describe('SDK protocol', () => {
  it('createSdkEcsApi parses responses with the reviver-free protocol (json-protocol.test.ts shows the answers are the same)', () => {
    const { client } = createSdkEcsApi({ region: 'eu-west-1' });
    expect(client.config.protocol).toBeInstanceOf(DirectAwsJson1_1Protocol);
  });
});

describe('addRequestHeaders', () => {
  it('sends the headers on every request, and adding the same header again replaces it', async () => {
    const seen: Record<string, string>[] = [];
    const client = new ECSClient({
      region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret-not-real' },
      // The narrowest adapter test: a request handler that records headers instead of sending.
      requestHandler: {
        handle: async (request: { headers: Record<string, string> }) => {
          seen.push({ ...request.headers });
          return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: new TextEncoder().encode('{"clusterArns":[]}') } };
        },
      } as never,
    });
    addRequestHeaders(client, { 'x-moto-account-id': '111111111111' });
    addRequestHeaders(client, { 'x-sandbox-account-id': '222222222222' });
    addRequestHeaders(client, { 'x-moto-account-id': '333333333333' });
    await client.send(new ListClustersCommand({}));
    await client.send(new ListClustersCommand({}));
    expect(seen).toHaveLength(2);
    for (const headers of seen) {
      expect(headers).toMatchObject({ 'x-moto-account-id': '333333333333', 'x-sandbox-account-id': '222222222222' });
    }
  });
});
