/**
 * A connection reset under an idempotent read (a reused keep-alive socket the
 * peer had just closed) does not fail it: the read is sent once more, with a
 * token of its own from the rate limiter. A write whose connection is reset
 * is not sent again (ECS may have applied it). The real SDK talks HTTP to the
 * sandbox through the fault proxy, which destroys the socket after the
 * sandbox answered (so the sandbox did the work, the client never learns it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsCallError } from '../../src/ecs/aws-error.js';
import { createSdkEcrApi } from '../../src/ecs/ecr-api.js';
import { READ_OPERATIONS, type AwsRequestEvent, type EcsApi } from '../../src/ecs/ecs-api.js';
import { ImageResolver, parseEcrImage } from '../../src/ecs/image-resolver.js';
import { EcsRateLimiter, isConnectionReset } from '../../src/ecs/rate-limited-ecs.js';
import type { RateCategory } from '../../src/ecs/rate-limits.js';
import { createSdkEcsApi } from '../../src/ecs/sdk-adapter.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { FakeClock } from '../../src/util/clock.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

const ACCOUNT = '310000000042';
const REGION = 'eu-west-1';
/** Only the first call of each of these operations is reset. */
const RESET_FIRST = { rate: 1, kinds: ['reset'], max: 1 } as const;

describe('a reset connection', () => {
  let sandbox: Sandbox;
  let proxy: FaultProxy;
  const clients: Array<{ destroy(): void }> = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ throttling: 'off', clockSpeed: 0 });
    sandbox.admin.seed({ accounts: [{
      accountId: ACCOUNT, region: REGION,
      clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }],
      repositories: [{ name: 'web', images: [{ tags: ['1.0'] }] }],
    }] });
    const target = { accountId: ACCOUNT, region: REGION };
    sandbox.call('RegisterTaskDefinition', {
      family: 'web', cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{ name: 'web', image: 'nginx:1.27' }],
    }, target);
    sandbox.call('CreateService', {
      cluster: 'demo', serviceName: 'web', taskDefinition: 'web:1', desiredCount: 1, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'] } },
    }, target);
    proxy = await startFaultProxy({
      target: sandbox.endpoint, seed: 1,
      rules: { DescribeServices: RESET_FIRST, UpdateService: RESET_FIRST, DescribeImages: RESET_FIRST, ListServices: { rate: 1, kinds: ['reset'], max: 2 } },
    });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await proxy?.close();
    await sandbox?.close();
  });

  /** ECS through the proxy behind a limiter on a clock that stands still: tokens taken are exactly the tokens missing. */
  function limitedEcs({ observeWaits = true } = {}) {
    const events: AwsRequestEvent[] = [];
    const waits: RateCategory[] = [];
    const config = sandbox.clientConfig({ accountId: ACCOUNT, region: REGION });
    const { api: raw, client } = createSdkEcsApi({ endpoint: proxy.url, region: REGION, credentials: config.credentials, observer: (e) => events.push(e) });
    clients.push(client);
    const limiter = new EcsRateLimiter({ clock: new FakeClock(), ...(observeWaits ? { onWait: (bucket: RateCategory) => waits.push(bucket) } : {}) });
    const api: EcsApi = limiter.wrap(raw);
    const tokens = (category: RateCategory) => limiter.bucket(category).tokens;
    return { api, events, waits, tokens };
  }

  it('under DescribeServices: sent once more with a second token, and the reconcile gets its answer', async () => {
    const { api, events, waits, tokens } = limitedEcs();
    const before = tokens('service-read');
    const out = await api.send('DescribeServices', { cluster: 'demo', services: ['web'] });
    expect(out.services?.map((s) => s.serviceName)).toEqual(['web']);
    expect(proxy.injected().DescribeServices).toEqual({ reset: 1 });
    expect(proxy.calls().DescribeServices).toBe(2);
    expect(before - tokens('service-read')).toBe(2);
    expect(waits).toEqual(['service-read', 'service-read']);
    // Both attempts are in ecs_gitops_aws_requests_total: the reset one as a network error.
    expect(events.map((e) => [e.operation, e.outcome])).toEqual([['DescribeServices', 'network_error'], ['DescribeServices', 'ok']]);
  });

  it('under UpdateService: not sent again (ECS applied it), the error reaches the caller, one token taken', async () => {
    const { api, events, tokens } = limitedEcs();
    const before = tokens('service-modify');
    const error = await api.send('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 3 }).then(() => undefined, (err: unknown) => err as AwsCallError);
    expect(error?.code).toBe('AWS_NETWORK_ERROR');
    expect(isConnectionReset(error)).toBe(true);
    expect(proxy.injected().UpdateService).toEqual({ reset: 1 });
    expect(proxy.calls().UpdateService).toBe(1);
    expect(before - tokens('service-modify')).toBe(1);
    expect(events.map((e) => e.outcome)).toEqual(['network_error']);
    // Why: the sandbox did apply it before the socket was destroyed.
    const live = sandbox.call('DescribeServices', { cluster: 'demo', services: ['web'] }, { accountId: ACCOUNT, region: REGION }) as { services: Array<{ desiredCount: number }> };
    expect(live.services[0]?.desiredCount).toBe(3);
  });

  it('twice in a row under a read: retried only once, the second reset fails the call (a limiter without onWait takes its tokens too)', async () => {
    const { api, tokens } = limitedEcs({ observeWaits: false });
    const before = tokens('service-read');
    const error = await api.send('ListServices', { cluster: 'demo' }).then(() => undefined, (err: unknown) => err as AwsCallError);
    expect(error?.code).toBe('AWS_NETWORK_ERROR');
    expect(proxy.calls().ListServices).toBe(2);
    expect(before - tokens('service-read')).toBe(2);
  });

  it('under ECR DescribeImages: the image resolver sends it once more, after a token of its own bucket', async () => {
    const config = sandbox.clientConfig({ accountId: ACCOUNT, region: REGION });
    const { api: ecr, client } = createSdkEcrApi({ endpoint: proxy.url, region: REGION, credentials: config.credentials });
    clients.push(client);
    const clock = new FakeClock();
    // One token, one more a second later on a clock that only moves when told: the retry has to wait for it.
    const resolver = new ImageResolver({ ecr: () => ecr, clock, rateLimit: { burst: 1, refillPerSecond: 1 } });
    const ref = parseEcrImage(`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web:1.0`);
    if (!ref) throw new Error('not an ECR image');
    let settled = false;
    const lookup = resolver.lookup(ref).finally(() => (settled = true));
    for (let i = 0; i < 200 && proxy.injected().DescribeImages === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(proxy.injected().DescribeImages).toEqual({ reset: 1 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    expect(proxy.calls().DescribeImages).toBe(1);
    await clock.advance(1000);
    await expect(lookup).resolves.toMatchObject({ result: 'found', digest: expect.stringMatching(/^sha256:/) });
    expect(proxy.calls().DescribeImages).toBe(2);
  });

  it('retries only Describe* and List* operations', () => {
    expect([...READ_OPERATIONS].sort()).toEqual([
      'DescribeCapacityProviders', 'DescribeClusters', 'DescribeServiceDeployments', 'DescribeServices', 'DescribeTaskDefinition', 'DescribeTasks',
      'ListClusters', 'ListServiceDeployments', 'ListServices', 'ListTagsForResource', 'ListTaskDefinitions', 'ListTasks',
    ]);
    // The deployments API's actions change the deployment: a lost answer may mean ECS already stopped or continued it.
    expect(READ_OPERATIONS.has('StopServiceDeployment')).toBe(false);
    expect(READ_OPERATIONS.has('ContinueServiceDeployment')).toBe(false);
  });
});
