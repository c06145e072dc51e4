import { describe, expect, it } from 'vitest';
import { FakeClock, flushPromises } from '../../src/controller/clock.js';
import { TokenBucket } from '../../src/ecs/token-bucket.js';
import { EcsRateLimiter } from '../../src/ecs/rate-limited-ecs.js';
import { DEFAULT_RATE_LIMITS, OPERATION_CATEGORY, scaleRateLimits } from '../../src/ecs/rate-limits.js';
import { AwsCallError } from '../../src/ecs/aws-error.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';

describe('TokenBucket', () => {
  it('serves the burst at once, then one call per refill interval', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket('service-modify', { burst: 3, refillPerSecond: 2 }, clock);
    const done: number[] = [];
    for (let i = 0; i < 5; i++) void bucket.take().then(() => done.push(i));
    await flushPromises();
    expect(done).toEqual([0, 1, 2]);
    await clock.advance(499);
    expect(done).toEqual([0, 1, 2]);
    await clock.advance(1);
    expect(done).toEqual([0, 1, 2, 3]);
    await clock.advance(500);
    expect(done).toEqual([0, 1, 2, 3, 4]);
  });

  it('halves its rate on throttling and wins it back on success', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket('b', { burst: 5, refillPerSecond: 10 }, clock);
    bucket.penalize();
    expect(bucket.rate).toBe(5);
    expect(bucket.tokens).toBeLessThanOrEqual(0);
    bucket.penalize();
    expect(bucket.rate).toBe(2.5);
    for (let i = 0; i < 100; i++) bucket.reward();
    expect(bucket.rate).toBe(10);
  });

  it('never drops below a sixteenth of the configured rate', () => {
    const bucket = new TokenBucket('b', { burst: 1, refillPerSecond: 16 }, new FakeClock());
    for (let i = 0; i < 20; i++) bucket.penalize();
    expect(bucket.rate).toBe(1);
  });

  it('rejects a waiting take when its signal aborts, and later waiters still proceed', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket('b', { burst: 1, refillPerSecond: 1 }, clock);
    await bucket.take();
    const controller = new AbortController();
    const aborted = bucket.take(controller.signal);
    const after = bucket.take();
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    await clock.advance(1000);
    await expect(after).resolves.toBeGreaterThanOrEqual(0);
  });

  it('quotes bad limits', () => {
    expect(() => new TokenBucket('x', { burst: 0, refillPerSecond: 1 }, new FakeClock())).toThrow('bucket x: burst must be >= 1');
  });
});

describe('EcsRateLimiter', () => {
  it('maps every operation to a category with ECS defaults', () => {
    expect(OPERATION_CATEGORY.UpdateService).toBe('service-modify');
    expect(DEFAULT_RATE_LIMITS['task-definition-modify']).toEqual({ burst: 20, refillPerSecond: 1 });
    expect(scaleRateLimits(DEFAULT_RATE_LIMITS, 10)['service-modify']).toEqual({ burst: 50, refillPerSecond: 50 });
  });

  it('slows a category down when AWS throttles anyway, and re-throws', async () => {
    const clock = new FakeClock();
    const limiter = new EcsRateLimiter({ clock, headroom: 0 });
    let throttle = true;
    const inner: EcsApi = {
      send: async () => {
        if (throttle) throw new AwsCallError('AWS_THROTTLED', 'Rate exceeded', 'ThrottlingException', 'UpdateService', 'throttled', null);
        return {};
      },
    };
    const api = limiter.wrap(inner);
    await expect(api.send('UpdateService', { service: 's' })).rejects.toMatchObject({ code: 'AWS_THROTTLED' });
    expect(limiter.bucket('service-modify').rate).toBe(2.5);
    expect(limiter.bucket('service-read').rate).toBe(20);
    throttle = false;
    const pending = api.send('UpdateService', { service: 's' });
    await clock.advance(1000);
    await pending;
    expect(limiter.bucket('service-modify').rate).toBe(3);
  });

  it('reports the wait of each call per bucket', async () => {
    const clock = new FakeClock();
    const waits: Array<[string, number]> = [];
    const limiter = new EcsRateLimiter({
      clock, headroom: 0, limits: { 'tag-modify': { burst: 1, refillPerSecond: 4 } }, onWait: (b, s) => waits.push([b, s]),
    });
    const api = limiter.wrap({ send: async () => ({}) });
    await api.send('TagResource', { resourceArn: 'a', tags: [] });
    const second = api.send('TagResource', { resourceArn: 'a', tags: [] });
    await clock.advance(250);
    await second;
    expect(waits).toEqual([['tag-modify', 0], ['tag-modify', 0.25]]);
  });
});

describe('EcsRateLimiter headroom', () => {
  it('keeps 10% of every bucket unused by default', () => {
    const limiter = new EcsRateLimiter({ clock: new FakeClock() });
    expect(limiter.bucket('service-modify').limits).toEqual({ burst: 45, refillPerSecond: 4.5 });
    expect(limiter.bucket('task-definition-modify').limits).toEqual({ burst: 18, refillPerSecond: 0.9 });
  });
});
