/**
 * The lookup rate limiter over a LookupApi that records calls (the narrowest
 * adapter test, as test/scheduler/rate-limited-scheduler.test.ts): the two
 * buckets and their defaults, waits on a FakeClock, one bucket set per
 * location with a location's own limits, a read's retry after a reset
 * connection.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, LOOKUP_RATE_CATEGORIES, RATE_CATEGORIES } from '../../src/ecs/rate-limits.js';
import type { LookupApi, LookupOperation } from '../../src/lookups/lookup-api.js';
import { LOOKUP_OPERATION_CATEGORY, LocationLookupLimiters, LookupRateLimiter } from '../../src/lookups/rate-limited-lookups.js';
import { FakeClock, flushPromises } from '../../src/util/clock.js';

function recordingApi(fail: (call: number) => unknown = () => undefined) {
  const calls: LookupOperation[] = [];
  const api: LookupApi = {
    async send(operation) {
      calls.push(operation);
      const err = fail(calls.length);
      if (err) throw err;
      return {};
    },
  };
  return { api, calls };
}

describe('lookup rate limits', () => {
  it('puts GetParameter in ssm-read and DescribeStacks in cloudformation-read, both --rate-limits categories with conservative defaults', () => {
    expect(LOOKUP_OPERATION_CATEGORY).toEqual({ GetParameter: 'ssm-read', DescribeStacks: 'cloudformation-read' });
    for (const category of LOOKUP_RATE_CATEGORIES) expect(RATE_CATEGORIES).toContain(category);
    // A quarter of Parameter Store's default 40 TPS (docs/ecs-facts.md); DescribeStacks at our 5/s.
    expect(DEFAULT_RATE_LIMITS['ssm-read']).toEqual({ burst: 20, refillPerSecond: 10 });
    expect(DEFAULT_RATE_LIMITS['cloudformation-read']).toEqual({ burst: 10, refillPerSecond: 5 });
    const limiter = new LookupRateLimiter({ clock: new FakeClock() });
    expect([...limiter.buckets.keys()]).toEqual(['ssm-read', 'cloudformation-read']);
    // The ECS margins: 20 / 10 less a quarter second of refill (3 tokens), 2 % of the rate.
    expect(limiter.bucket('ssm-read').limits).toEqual({ burst: 17, refillPerSecond: 9.8 });
  });

  it('gives every location its own buckets, with the location\'s own limits over the controller\'s', async () => {
    const clock = new FakeClock();
    const asked: string[] = [];
    const limiters = new LocationLookupLimiters({
      clock, jitterSeconds: 0, rateHeadroom: 0,
      limits: { 'ssm-read': { burst: 1, refillPerSecond: 1 }, 'service-read': { burst: 1, refillPerSecond: 0.1 } },
      limitsFor: (location) => {
        asked.push(location);
        return location === '222222222222@eu-west-1' ? { 'ssm-read': { burst: 3, refillPerSecond: 1 } } : undefined;
      },
    });
    const fake = recordingApi();
    const dev = limiters.wrap('111111111111@eu-west-1', fake.api);
    const prod = limiters.wrap('222222222222@eu-west-1', fake.api);
    const done: string[] = [];
    for (let i = 0; i < 2; i++) void dev.send('GetParameter', { Name: '/a' }).then(() => done.push(`dev${i}`));
    for (let i = 0; i < 3; i++) void prod.send('GetParameter', { Name: '/a' }).then(() => done.push(`prod${i}`));
    await flushPromises();
    // dev's one token is spent; prod's three are its own, untouched by dev's wait.
    expect(done.sort()).toEqual(['dev0', 'prod0', 'prod1', 'prod2']);
    await clock.advance(1000);
    expect(done).toContain('dev1');
    expect(limiters.for('111111111111@eu-west-1')).toBe(limiters.for('111111111111@eu-west-1'));
    expect(asked).toEqual(['111111111111@eu-west-1', '222222222222@eu-west-1']);
  });

  it('sends a read again once after a reset connection', async () => {
    const limiter = new LookupRateLimiter({ clock: new FakeClock() });
    const fake = recordingApi((call) => (call === 1 ? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) : undefined));
    await limiter.wrap(fake.api).send('DescribeStacks', { StackName: 'net' });
    expect(fake.calls).toEqual(['DescribeStacks', 'DescribeStacks']);
  });
});
