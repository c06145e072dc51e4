/** The scaling rate limiter: its own buckets, waits, adaptive slow-down, and the error codes of the scaling APIs. */
import { describe, expect, it } from 'vitest';
import { SCALING_OPERATION_CATEGORY, ScalingRateLimiter } from '../../src/autoscaling/rate-limited-scaling.js';
import { SCALING_OPERATIONS, type ScalingApi, type ScalingOperation } from '../../src/autoscaling/scaling-api.js';
import { awsErrorCode, isPermanentAwsCode, toAwsCallError } from '../../src/ecs/aws-error.js';
import { DEFAULT_RATE_LIMITS, SCALING_RATE_CATEGORIES, type ScalingRateCategory } from '../../src/ecs/rate-limits.js';
import { FakeClock, flushPromises } from '../../src/util/clock.js';

const sdkError = (name: string, message = `${name} happened`, status = 400) =>
  Object.assign(new Error(message), { name, $fault: 'client' as const, $metadata: { httpStatusCode: status } });

/** A ScalingApi that records calls and fails them as told (the adapter maps errors the same way). */
function fakeScaling(fail: (operation: ScalingOperation, call: number) => unknown) {
  const calls: ScalingOperation[] = [];
  const api: ScalingApi = {
    async send(operation) {
      calls.push(operation);
      const err = fail(operation, calls.length);
      if (err) throw toAwsCallError(err, operation === 'DescribeAlarms' || operation === 'PutMetricAlarm' || operation === 'DeleteAlarms' ? 'cloudwatch' : 'application-autoscaling', operation);
      return {} as never;
    },
  };
  return { api, calls };
}

const target = { ServiceNamespace: 'ecs', ResourceId: 'service/c1/web', ScalableDimension: 'ecs:service:DesiredCount', MinCapacity: 1, MaxCapacity: 2 } as const;

describe('ScalingRateLimiter', () => {
  it('puts every scaling operation in one of its own categories, each with a default', () => {
    for (const op of SCALING_OPERATIONS) expect(SCALING_RATE_CATEGORIES, op).toContain(SCALING_OPERATION_CATEGORY[op]);
    expect(SCALING_OPERATION_CATEGORY.DescribeScalableTargets).toBe('autoscaling-read');
    expect(SCALING_OPERATION_CATEGORY.PutScalingPolicy).toBe('autoscaling-modify');
    expect(SCALING_OPERATION_CATEGORY.DescribeAlarms).toBe('cloudwatch-read');
    expect(SCALING_OPERATION_CATEGORY.PutMetricAlarm).toBe('cloudwatch-modify');
    for (const category of SCALING_RATE_CATEGORIES) expect(DEFAULT_RATE_LIMITS[category].burst).toBeGreaterThanOrEqual(1);
    const limiter = new ScalingRateLimiter({ clock: new FakeClock() });
    expect([...limiter.buckets.keys()]).toEqual(SCALING_RATE_CATEGORIES);
    // The ECS margins apply: 20 / 5 less a quarter second of refill, 2 % of the rate.
    expect(limiter.bucket('autoscaling-read').limits).toEqual({ burst: 18, refillPerSecond: 4.9 });
  });

  it('waits for a token once a category\'s burst is spent, without slowing the other categories', async () => {
    const clock = new FakeClock();
    const waits: [ScalingRateCategory, number][] = [];
    const limiter = new ScalingRateLimiter({
      clock, jitterSeconds: 0, rateHeadroom: 0,
      // ECS categories in the same --rate-limits object are not this limiter's business.
      limits: { 'autoscaling-modify': { burst: 2, refillPerSecond: 1 }, 'service-modify': { burst: 1, refillPerSecond: 0.1 } },
      onWait: (bucket, seconds) => waits.push([bucket, seconds]),
    });
    const fake = fakeScaling(() => undefined);
    const api = limiter.wrap(fake.api);
    const done: string[] = [];
    for (let i = 0; i < 3; i++) void api.send('RegisterScalableTarget', target).then(() => done.push(`register${i}`));
    void api.send('DescribeAlarms', {}).then(() => done.push('alarms'));
    await flushPromises();
    expect(done.sort()).toEqual(['alarms', 'register0', 'register1']);
    await clock.advance(999);
    expect(done).toHaveLength(3);
    await clock.advance(1);
    expect(done).toContain('register2');
    expect(waits.filter(([bucket]) => bucket === 'autoscaling-modify').map(([, s]) => s)).toEqual([0, 0, 1]);
    expect(waits).toContainEqual(['cloudwatch-read', 0]);
  });

  it('slows a category down when AWS throttles anyway, re-throws AWS_THROTTLED, and wins the rate back on success', async () => {
    const clock = new FakeClock();
    const limiter = new ScalingRateLimiter({ clock, jitterSeconds: 0, rateHeadroom: 0, limits: { 'autoscaling-read': { burst: 5, refillPerSecond: 4 } } });
    const fake = fakeScaling((_op, call) => (call <= 2 ? sdkError('ThrottlingException', 'Rate exceeded') : undefined));
    const api = limiter.wrap(fake.api);
    const bucket = limiter.bucket('autoscaling-read');
    await expect(api.send('DescribeScalableTargets', { ServiceNamespace: 'ecs' })).rejects.toMatchObject({ code: 'AWS_THROTTLED', outcome: 'throttled' });
    expect(bucket.rate).toBe(2);
    // The emptied bucket refills at the halved rate: half a second for the next token.
    const second = expect(api.send('DescribeScalingPolicies', { ServiceNamespace: 'ecs' })).rejects.toMatchObject({ code: 'AWS_THROTTLED' });
    await clock.advance(499);
    expect(fake.calls).toHaveLength(1);
    await clock.advance(1);
    await second;
    expect(bucket.rate).toBe(1);
    // The emptied bucket makes the next call wait for a token at the lowered rate.
    const next = api.send('DescribeScheduledActions', { ServiceNamespace: 'ecs' });
    await flushPromises();
    expect(fake.calls).toHaveLength(2);
    await clock.advance(1000);
    await next;
    expect(fake.calls).toHaveLength(3);
    expect(bucket.rate).toBeCloseTo(1.4);
    // The other buckets never noticed.
    expect(limiter.bucket('autoscaling-modify').rate).toBe(DEFAULT_RATE_LIMITS['autoscaling-modify'].refillPerSecond);
  });

  it('sends a read again after a reset connection, never a write', async () => {
    const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const limiter = new ScalingRateLimiter({ clock: new FakeClock() });
    const reads = fakeScaling((_op, call) => (call === 1 ? reset() : undefined));
    await limiter.wrap(reads.api).send('DescribeAlarms', {});
    expect(reads.calls).toEqual(['DescribeAlarms', 'DescribeAlarms']);
    const writes = fakeScaling((_op, call) => (call === 1 ? reset() : undefined));
    await expect(limiter.wrap(writes.api).send('PutScalingPolicy', { ...target, PolicyName: 'p' })).rejects.toMatchObject({ code: 'AWS_NETWORK_ERROR' });
    expect(writes.calls).toEqual(['PutScalingPolicy']);
  });
});

describe('error codes of Application Auto Scaling and CloudWatch', () => {
  it.each([
    ['application-autoscaling', sdkError('ValidationException', 'Unsupported service namespace'), 'AWS_INVALID_REQUEST', true],
    ['application-autoscaling', sdkError('ObjectNotFoundException', 'No scalable target registered'), 'AWS_SCALING_OBJECT_NOT_FOUND', false],
    ['application-autoscaling', sdkError('ConcurrentUpdateException', 'Concurrent update'), 'AWS_SCALING_CONCURRENT_UPDATE', false],
    ['application-autoscaling', sdkError('LimitExceededException', 'Too many policies'), 'AWS_SCALING_LIMIT_EXCEEDED', true],
    ['application-autoscaling', sdkError('FailedResourceAccessException', 'Unable to describe ECS service'), 'AWS_SCALING_RESOURCE_ACCESS_FAILED', false],
    ['application-autoscaling', sdkError('AccessDeniedException', 'not authorized'), 'AWS_ACCESS_DENIED', true],
    ['application-autoscaling', sdkError('InternalServiceException', 'internal', 500), 'AWS_SERVER_ERROR', false],
    ['cloudwatch', sdkError('ResourceNotFound', 'alarm not found', 404), 'AWS_SCALING_OBJECT_NOT_FOUND', false],
    ['cloudwatch', sdkError('LimitExceededFault', 'too many alarms'), 'AWS_SCALING_LIMIT_EXCEEDED', true],
    ['cloudwatch', sdkError('InvalidParameterValueException', 'bad period'), 'AWS_INVALID_REQUEST', true],
    ['cloudwatch', sdkError('Throttling', 'Rate exceeded'), 'AWS_THROTTLED', false],
  ] as const)('%s %s -> %s (permanent: %s)', (api, err, code, permanent) => {
    const wrapped = toAwsCallError(err, api, 'Op');
    expect(wrapped.code).toBe(code);
    expect(awsErrorCode(wrapped)).toBe(code);
    expect(isPermanentAwsCode(code)).toBe(permanent);
  });

  it('keeps the ECS errors of the same names as they were', () => {
    expect(toAwsCallError(sdkError('LimitExceededException', 'limit'), 'ecs', 'UpdateService').code).toBe('AWS_INVALID_REQUEST');
    expect(toAwsCallError(sdkError('ResourceNotFoundException', 'nope'), 'ecs', 'ListTagsForResource').code).toBe('AWS_INVALID_REQUEST');
  });
});
