/**
 * The SDK adapter's clients skip the SDK's per-response log filtering (their
 * logger is the SDK's no-op one). If an SDK upgrade renames the middleware,
 * removing it would silently do nothing: these tests say so instead.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { DirectAwsJson1_1Protocol } from '../../src/ecs/json-protocol.js';
import { createSdkEcsApi, dropSdkResponseLogging } from '../../src/ecs/sdk-adapter.js';

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
