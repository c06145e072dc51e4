/** The mass-rollout yardstick: the fastest any client could make the calls under ECS's buckets. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { categoryBound, earliestNth, ECS_BUCKETS, rateLimitedMinimum, rolloutBound } from '../../bench/lib/rate-limit-ideal.js';

describe('earliestNth', () => {
  it.each([
    { n: 1, bucket: ECS_BUCKETS['service-modify'], scale: 1, expected: 0 },
    { n: 50, bucket: ECS_BUCKETS['service-modify'], scale: 1, expected: 0 },
    { n: 51, bucket: ECS_BUCKETS['service-modify'], scale: 1, expected: 0.2 },
    { n: 200, bucket: ECS_BUCKETS['service-modify'], scale: 1, expected: 30 },
    { n: 50, bucket: ECS_BUCKETS['task-definition-modify'], scale: 1, expected: 30 },
    // Scaling multiplies burst and rate: 0.9 of ECS's is what the controller's limiter uses.
    { n: 200, bucket: ECS_BUCKETS['service-modify'], scale: 0.9, expected: 155 / 4.5 },
  ])('call $n through burst $bucket.burst at $bucket.perSecond/s x$scale: $expected s', ({ n, bucket, scale, expected }) => {
    expect(earliestNth(n, bucket, scale)).toBeCloseTo(expected, 9);
  });
});

describe('rolloutBound', () => {
  it.each([
    { name: 'everything inside the bursts', perContent: [4, 4, 4, 4, 4], expected: 0 },
    // 50 contents: registration 50 at (50-20)/1 = 30 s; update 200 at (200-50)/5 = 30 s.
    { name: '200 services on 50 contents', perContent: new Array<number>(50).fill(4), expected: 30 },
    // 200 distinct contents: the last registration at 180 s gates its service's update.
    { name: '200 distinct contents', perContent: new Array<number>(200).fill(1), expected: 180 },
    // One content shared by 300 services: only the update bucket matters.
    { name: 'one content, 300 services', perContent: [300], expected: 50 },
  ])('$name: $expected s', ({ perContent, expected }) => {
    expect(rolloutBound(perContent)).toBeCloseTo(expected, 9);
  });

  it('is never below either bucket alone, and grows with work (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 120 }), (perContent) => {
      const bound = rolloutBound(perContent);
      const services = perContent.reduce((a, b) => a + b, 0);
      expect(bound).toBeGreaterThanOrEqual(earliestNth(perContent.length, ECS_BUCKETS['task-definition-modify']) - 1e-9);
      expect(bound).toBeGreaterThanOrEqual(earliestNth(services, ECS_BUCKETS['service-modify']) - 1e-9);
      expect(rolloutBound([...perContent, 1])).toBeGreaterThanOrEqual(bound - 1e-9);
    }));
  });
});

describe('categoryBound and rateLimitedMinimum', () => {
  it('sums operations of one category and names the binding one', () => {
    // 150 DescribeServices + 70 ListServices = 220 service reads: (220-100)/20 = 6 s.
    expect(categoryBound({ DescribeServices: 150, ListServices: 70, TagResource: 30 })).toEqual({ seconds: 6, category: 'service-read' });
    expect(categoryBound({})).toEqual({ seconds: 0 });
  });

  it('takes the larger of the rollout chain and any category', () => {
    const perContent = new Array<number>(50).fill(4);
    expect(rateLimitedMinimum(perContent, { RegisterTaskDefinition: 50, UpdateService: 200 })).toEqual({ seconds: 30, binding: 'RegisterTaskDefinition -> UpdateService' });
    // 700 tag writes: (700-20)/10 = 68 s beats the 30 s chain.
    expect(rateLimitedMinimum(perContent, { UpdateService: 200, TagResource: 700 })).toEqual({ seconds: 68, binding: 'tag-modify' });
  });
});
