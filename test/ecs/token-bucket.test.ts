import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock, flushPromises } from '../../src/util/clock.js';
import { TokenBucket } from '../../src/ecs/token-bucket.js';
import { clientSideLimits, EcsRateLimiter } from '../../src/ecs/rate-limited-ecs.js';
import { DEFAULT_RATE_LIMITS, OPERATION_CATEGORY, RATE_CATEGORIES, scaleRateLimits } from '../../src/ecs/rate-limits.js';
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

describe('TokenBucket and abort signals', () => {
  it('leaves no abort listener on a signal shared by many calls', async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket('t', { burst: 2, refillPerSecond: 10 }, clock);
    const signal = new AbortController().signal;
    const takes = Array.from({ length: 20 }, () => bucket.take(signal));
    for (let i = 0; i < 20; i += 1) await clock.advance(100);
    await Promise.all(takes);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
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
    const limiter = new EcsRateLimiter({ clock, rateHeadroom: 0, jitterSeconds: 0 });
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
      clock, rateHeadroom: 0, jitterSeconds: 0, limits: { 'tag-modify': { burst: 1, refillPerSecond: 4 } }, onWait: (b, s) => waits.push([b, s]),
    });
    const api = limiter.wrap({ send: async () => ({}) });
    await api.send('TagResource', { resourceArn: 'a', tags: [] });
    const second = api.send('TagResource', { resourceArn: 'a', tags: [] });
    await clock.advance(250);
    await second;
    expect(waits).toEqual([['tag-modify', 0], ['tag-modify', 0.25]]);
  });
});

describe('EcsRateLimiter margins', () => {
  it('by default lowers each burst by a quarter second of refill (at least one token) and each rate by 2 %', () => {
    const limiter = new EcsRateLimiter({ clock: new FakeClock() });
    expect(limiter.bucket('service-modify').limits).toEqual({ burst: 48, refillPerSecond: 4.9 });
    expect(limiter.bucket('task-definition-modify').limits).toEqual({ burst: 19, refillPerSecond: 0.98 });
    expect(limiter.bucket('service-read').limits).toEqual({ burst: 95, refillPerSecond: 19.6 });
  });

  it('never leaves a bucket empty', () => {
    expect(clientSideLimits({ burst: 1, refillPerSecond: 100 }, 0.02, 1)).toEqual({ burst: 1, refillPerSecond: 98 });
  });

  it('refuses margins that make no sense', () => {
    expect(() => new EcsRateLimiter({ clock: new FakeClock(), rateHeadroom: 1 })).toThrow(/rateHeadroom/);
    expect(() => new EcsRateLimiter({ clock: new FakeClock(), jitterSeconds: -1 })).toThrow(/jitterSeconds/);
  });

  // Send times of `count` calls made as fast as our bucket allows after `gapsMs` pauses.
  function sendTimes(ours: { burst: number; refillPerSecond: number }, gapsMs: readonly number[]): number[] {
    let tokens = ours.burst;
    let t = 0;
    let last = 0;
    const sends: number[] = [];
    for (const gap of gapsMs) {
      t += gap;
      tokens = Math.min(ours.burst, tokens + ((t - last) / 1000) * ours.refillPerSecond);
      last = t;
      if (tokens < 1) {
        t += ((1 - tokens) / ours.refillPerSecond) * 1000;
        tokens = 1;
        last = t;
      }
      tokens -= 1;
      sends.push(t);
    }
    return sends;
  }

  // Whether AWS's bucket (starting full) admits every call at these arrival times.
  function awsAdmits(published: { burst: number; refillPerSecond: number }, arrivals: readonly number[]): boolean {
    let tokens = published.burst;
    let last = 0;
    for (const at of [...arrivals].sort((x, y) => x - y)) {
      tokens = Math.min(published.burst, tokens + ((at - last) / 1000) * published.refillPerSecond);
      last = at;
      if (tokens < 1 - 1e-9) return false;
      tokens -= 1;
    }
    return true;
  }

  it('absorbs the worst bunching that 250 ms of jitter can cause, which a limiter at exactly the burst does not', () => {
    const backToBack = Array.from({ length: 200 }, () => 0);
    // Every call sent in the first 250 ms is delayed to arrive at 250 ms, together.
    const bunched = (sends: number[]) => sends.map((t) => Math.max(t, 250));
    for (const category of RATE_CATEGORIES) {
      const published = DEFAULT_RATE_LIMITS[category];
      expect(awsAdmits(published, bunched(sendTimes(clientSideLimits(published, 0.02, 0.25), backToBack))), category).toBe(true);
    }
    const reads = DEFAULT_RATE_LIMITS['service-read'];
    expect(awsAdmits(reads, bunched(sendTimes(clientSideLimits(reads, 0.02, 0), backToBack)))).toBe(false);
  });

  it('keeps AWS\'s bucket ahead of ours for any pattern of calls and any jitter up to 250 ms', () => {
    fc.assert(fc.property(
      fc.constantFrom(...RATE_CATEGORIES),
      // Mostly back-to-back calls, so our bucket runs dry and the margins are what is left.
      fc.array(fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 400 }), weight: 1 }), { minLength: 1, maxLength: 300 }),
      fc.array(fc.integer({ min: 0, max: 250 }), { minLength: 300, maxLength: 300 }),
      (category, gapsMs, jitterMs) => {
        const published = DEFAULT_RATE_LIMITS[category];
        const sends = sendTimes(clientSideLimits(published, 0.02, 0.25), gapsMs);
        return awsAdmits(published, sends.map((t, i) => t + (jitterMs[i] ?? 0)));
      },
    ), { numRuns: 300 });
  });
});
