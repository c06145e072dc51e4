/** ECS token buckets per account, Region and category, on an injected wall clock (no sleeps). */
import { DescribeServicesCommand, ListClustersCommand, CreateClusterCommand } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { ECS_THROTTLE_CATEGORIES, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { Throttler } from '../../src/sandbox/throttle.js';
import { accountOn, rejectionOf, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

function takeUntilThrottled(throttler: Throttler, scope: string, operation: string, limit = 10_000): number {
  for (let i = 0; i < limit; i++) {
    try {
      throttler.take(scope, operation);
    } catch {
      return i;
    }
  }
  return limit;
}

describe('Throttler', () => {
  it.each(Object.entries({
    ListClusters: 'cluster-read', CreateCluster: 'cluster-modify', DescribeTaskDefinition: 'task-definition-read',
    RegisterTaskDefinition: 'task-definition-modify', DescribeServices: 'service-read', UpdateService: 'service-modify',
    ListTagsForResource: 'tag-read', TagResource: 'tag-modify',
  }))('%s allows its burst of the %s bucket, then refills at the sustained rate', (operation, category) => {
    let now = 0;
    const throttler = new Throttler('real', () => now);
    const { burst, perSecond } = ECS_THROTTLE_CATEGORIES[category as keyof typeof ECS_THROTTLE_CATEGORIES];
    expect(takeUntilThrottled(throttler, 'acct/eu-west-1', operation)).toBe(burst);
    now += 1000;
    expect(takeUntilThrottled(throttler, 'acct/eu-west-1', operation)).toBe(perSecond);
  });

  it('keeps buckets separate per scope and per category, and scales both burst and rate', () => {
    let now = 0;
    const throttler = new Throttler({ scale: 2 }, () => now);
    expect(takeUntilThrottled(throttler, 'a/r', 'CreateService')).toBe(100);
    expect(takeUntilThrottled(throttler, 'b/r', 'CreateService')).toBe(100);
    expect(takeUntilThrottled(throttler, 'a/r', 'DescribeServices')).toBe(200);
    now += 500;
    expect(takeUntilThrottled(throttler, 'a/r', 'CreateService')).toBe(5);
  });

  it('never throttles when off', () => {
    const throttler = new Throttler('off', () => 0);
    expect(takeUntilThrottled(throttler, 'a/r', 'CreateCluster', 500)).toBe(500);
  });
});

describe('throttling over the wire', () => {
  it('is on by default at ECS rates and answers ThrottlingException with HTTP 400', async () => {
    let now = 1_000_000;
    // No throttling option: the default must be ECS's real rates.
    sandbox = await startSandbox({ clockSpeed: 0, realNow: () => now });
    const ecs = accountOn(sandbox).ecs();
    for (let i = 0; i < 20; i++) await ecs.send(new CreateClusterCommand({ clusterName: `c${i}` }));
    const err = await rejectionOf(ecs.send(new CreateClusterCommand({ clusterName: 'one-too-many' })));
    expect(err.name).toBe('ThrottlingException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    // Another account has its own buckets.
    await accountOn(sandbox).ecs().send(new CreateClusterCommand({ clusterName: 'other' }));
    // Reads are a different category and still have their burst.
    await ecs.send(new ListClustersCommand({}));
    now += 1000;
    await ecs.send(new CreateClusterCommand({ clusterName: 'after-refill' }));
    expect(sandbox.callCounts()).toMatchObject({ CreateCluster: 23 });
  });

  it('describe calls beyond the service-read burst are throttled', async () => {
    const now = 5_000;
    sandbox = await testSandbox({ throttling: 'real', realNow: () => now });
    const ecs = accountOn(sandbox).ecs();
    await ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    let ok = 0;
    let throttled = 0;
    for (let i = 0; i < 105; i++) {
      try {
        await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['x'] }));
        ok++;
      } catch (err) {
        expect((err as Error).name).toBe('ThrottlingException');
        throttled++;
      }
    }
    expect({ ok, throttled }).toEqual({ ok: 100, throttled: 5 });
  });
});
