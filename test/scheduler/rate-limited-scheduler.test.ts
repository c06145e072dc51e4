/**
 * The Scheduler rate limiter over a fake SchedulerApi (the narrowest adapter
 * test): its own two buckets, waits, the adaptive slow-down, a read's one
 * retry after a reset connection; Scheduler's error names and their codes;
 * and ECS's task calls in their task-read and task-launch buckets.
 */
import { describe, expect, it } from 'vitest';
import { awsErrorCode, isPermanentAwsCode, toAwsCallError } from '../../src/ecs/aws-error.js';
import type { EcsApi, EcsOperation } from '../../src/ecs/ecs-api.js';
import { EcsRateLimiter } from '../../src/ecs/rate-limited-ecs.js';
import { DEFAULT_RATE_LIMITS, OPERATION_CATEGORY, RATE_CATEGORIES, SCHEDULER_RATE_CATEGORIES, type SchedulerRateCategory } from '../../src/ecs/rate-limits.js';
import { SCHEDULER_OPERATION_CATEGORY, SchedulerRateLimiter } from '../../src/scheduler/rate-limited-scheduler.js';
import { MUTATING_SCHEDULER_OPERATIONS, SCHEDULER_OPERATIONS, type SchedulerApi, type SchedulerOperation } from '../../src/scheduler/scheduler-api.js';
import { FakeClock, flushPromises } from '../../src/util/clock.js';

const sdkError = (name: string, message = `${name} happened`, status = 400) =>
  Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' as const : 'client' as const, $metadata: { httpStatusCode: status } });
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/** A SchedulerApi that records calls and fails them as told, mapped as the adapter maps them. */
function fakeScheduler(fail: (operation: SchedulerOperation, call: number) => unknown) {
  const calls: SchedulerOperation[] = [];
  const api: SchedulerApi = {
    async send(operation) {
      calls.push(operation);
      const err = fail(operation, calls.length);
      if (err) throw toAwsCallError(err, 'scheduler', operation);
      return {} as never;
    },
  };
  return { api, calls };
}

const schedule = { Name: 'nightly', GroupName: 'ecs-gitops', ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' as const }, Target: { Arn: 'a', RoleArn: 'r' } };

describe('SchedulerRateLimiter', () => {
  it('puts every Scheduler operation in its own read or modify bucket, writes in modify', () => {
    for (const op of SCHEDULER_OPERATIONS) {
      expect(SCHEDULER_OPERATION_CATEGORY[op], op).toBe(MUTATING_SCHEDULER_OPERATIONS.has(op) ? 'scheduler-modify' : 'scheduler-read');
    }
    // Both buckets are --rate-limits categories with defaults under Scheduler's lowest published rate (CreateScheduleGroup's 10/s).
    for (const category of SCHEDULER_RATE_CATEGORIES) {
      expect(RATE_CATEGORIES).toContain(category);
      expect(DEFAULT_RATE_LIMITS[category].refillPerSecond).toBeLessThanOrEqual(10);
    }
    const limiter = new SchedulerRateLimiter({ clock: new FakeClock() });
    expect([...limiter.buckets.keys()]).toEqual(['scheduler-read', 'scheduler-modify']);
    // The ECS margins apply: 20 / 10 less a quarter second of refill (3 tokens), 2 % of the rate.
    expect(limiter.bucket('scheduler-read').limits).toEqual({ burst: 17, refillPerSecond: 9.8 });
  });

  it('waits for a token once a bucket\'s burst is spent, without slowing the other bucket', async () => {
    const clock = new FakeClock();
    const waits: [SchedulerRateCategory, number][] = [];
    const limiter = new SchedulerRateLimiter({
      clock, jitterSeconds: 0, rateHeadroom: 0,
      // Other categories in the same --rate-limits object are not this limiter's business.
      limits: { 'scheduler-modify': { burst: 2, refillPerSecond: 1 }, 'service-modify': { burst: 1, refillPerSecond: 0.1 } },
      onWait: (bucket, seconds) => waits.push([bucket, seconds]),
    });
    const fake = fakeScheduler(() => undefined);
    const api = limiter.wrap(fake.api);
    const done: string[] = [];
    for (let i = 0; i < 3; i++) void api.send('UpdateSchedule', schedule).then(() => done.push(`update${i}`));
    void api.send('GetSchedule', { Name: 'nightly', GroupName: 'ecs-gitops' }).then(() => done.push('get'));
    await flushPromises();
    expect(done.sort()).toEqual(['get', 'update0', 'update1']);
    await clock.advance(999);
    expect(done).toHaveLength(3);
    await clock.advance(1);
    expect(done).toContain('update2');
    expect(waits.filter(([bucket]) => bucket === 'scheduler-modify').map(([, s]) => s)).toEqual([0, 0, 1]);
    expect(waits).toContainEqual(['scheduler-read', 0]);
  });

  it('slows a bucket down when Scheduler throttles anyway, re-throws AWS_THROTTLED, and leaves the other bucket alone', async () => {
    const clock = new FakeClock();
    const limiter = new SchedulerRateLimiter({ clock, jitterSeconds: 0, rateHeadroom: 0, limits: { 'scheduler-read': { burst: 5, refillPerSecond: 4 } } });
    const fake = fakeScheduler((_op, call) => (call === 1 ? sdkError('ThrottlingException', 'Rate exceeded', 429) : undefined));
    const api = limiter.wrap(fake.api);
    await expect(api.send('ListSchedules', { GroupName: 'ecs-gitops' })).rejects.toMatchObject({ code: 'AWS_THROTTLED', outcome: 'throttled' });
    expect(limiter.bucket('scheduler-read').rate).toBe(2);
    expect(limiter.bucket('scheduler-modify').rate).toBe(DEFAULT_RATE_LIMITS['scheduler-modify'].refillPerSecond);
    // The emptied bucket refills at the halved rate: half a second for the next token.
    const next = api.send('GetSchedule', { Name: 'nightly', GroupName: 'ecs-gitops' });
    await clock.advance(499);
    expect(fake.calls).toHaveLength(1);
    await clock.advance(1);
    await next;
    expect(fake.calls).toHaveLength(2);
    expect(limiter.bucket('scheduler-read').rate).toBeGreaterThan(2);
  });

  it('sends a read again after a reset connection, never a write', async () => {
    const limiter = new SchedulerRateLimiter({ clock: new FakeClock() });
    const reads = fakeScheduler((_op, call) => (call === 1 ? reset() : undefined));
    await limiter.wrap(reads.api).send('GetScheduleGroup', { Name: 'ecs-gitops' });
    expect(reads.calls).toEqual(['GetScheduleGroup', 'GetScheduleGroup']);
    for (const op of ['CreateSchedule', 'UpdateSchedule'] as const) {
      const writes = fakeScheduler((_o, call) => (call === 1 ? reset() : undefined));
      await expect(limiter.wrap(writes.api).send(op, schedule)).rejects.toMatchObject({ code: 'AWS_NETWORK_ERROR' });
      expect(writes.calls).toEqual([op]);
    }
  });
});

describe('error codes of EventBridge Scheduler', () => {
  it.each([
    [sdkError('ResourceNotFoundException', 'Schedule nightly does not exist.', 404), 'AWS_SCHEDULER_NOT_FOUND', false],
    [sdkError('ConflictException', 'Schedule nightly already exists.', 409), 'AWS_SCHEDULER_CONFLICT', false],
    [sdkError('ServiceQuotaExceededException', 'too many schedules', 402), 'AWS_SCHEDULER_QUOTA_EXCEEDED', true],
    [sdkError('ValidationException', 'Invalid Schedule Expression'), 'AWS_INVALID_REQUEST', true],
    [sdkError('AccessDeniedException', 'not authorized to perform: iam:PassRole', 403), 'AWS_ACCESS_DENIED', true],
    [sdkError('ThrottlingException', 'Rate exceeded', 429), 'AWS_THROTTLED', false],
    [sdkError('InternalServerException', 'internal', 500), 'AWS_SERVER_ERROR', false],
  ] as const)('%s -> %s (permanent: %s)', (err, code, permanent) => {
    const wrapped = toAwsCallError(err, 'scheduler', 'CreateSchedule');
    expect(wrapped.code).toBe(code);
    expect(awsErrorCode(wrapped)).toBe(code);
    expect(isPermanentAwsCode(code)).toBe(permanent);
  });

  it('keeps the ECS and scaling errors of the same names as they were', () => {
    expect(toAwsCallError(sdkError('ResourceNotFoundException', 'nope'), 'ecs', 'ListTagsForResource').code).toBe('AWS_INVALID_REQUEST');
    expect(toAwsCallError(sdkError('ResourceNotFoundException', 'nope'), 'application-autoscaling', 'TagResource').code).toBe('AWS_SCALING_OBJECT_NOT_FOUND');
  });
});

describe('ECS task calls behind the ECS limiter', () => {
  function fakeEcs(fail: (operation: EcsOperation, call: number) => unknown) {
    const calls: EcsOperation[] = [];
    const api: EcsApi = {
      async send(operation) {
        calls.push(operation);
        const err = fail(operation, calls.length);
        if (err) throw toAwsCallError(err, 'ecs', operation);
        return {} as never;
      },
    };
    return { api, calls };
  }

  it('takes RunTask and StopTask from task-launch, DescribeTasks and ListTasks from task-read', async () => {
    expect([OPERATION_CATEGORY.RunTask, OPERATION_CATEGORY.StopTask, OPERATION_CATEGORY.DescribeTasks, OPERATION_CATEGORY.ListTasks])
      .toEqual(['task-launch', 'task-launch', 'task-read', 'task-read']);
    const clock = new FakeClock();
    const limiter = new EcsRateLimiter({
      clock, jitterSeconds: 0, rateHeadroom: 0,
      limits: { 'task-launch': { burst: 1, refillPerSecond: 1 }, 'task-read': { burst: 1, refillPerSecond: 1 } },
    });
    const api = limiter.wrap(fakeEcs(() => undefined).api);
    const done: string[] = [];
    void api.send('RunTask', { taskDefinition: 'td:1' }).then(() => done.push('run'));
    void api.send('StopTask', { task: 't' }).then(() => done.push('stop'));
    void api.send('ListTasks', { family: 'td' }).then(() => done.push('list'));
    void api.send('DescribeTasks', { tasks: ['t'] }).then(() => done.push('describe'));
    await flushPromises();
    expect(done.sort()).toEqual(['list', 'run']);
    await clock.advance(1000);
    expect(done.sort()).toEqual(['describe', 'list', 'run', 'stop']);
  });

  it('never sends RunTask twice after a reset connection (it may have started a task), but does re-send DescribeTasks', async () => {
    const limiter = new EcsRateLimiter({ clock: new FakeClock() });
    const run = fakeEcs((_op, call) => (call === 1 ? reset() : undefined));
    await expect(limiter.wrap(run.api).send('RunTask', { taskDefinition: 'td:1' })).rejects.toMatchObject({ code: 'AWS_NETWORK_ERROR' });
    expect(run.calls).toEqual(['RunTask']);
    const describe = fakeEcs((_op, call) => (call === 1 ? reset() : undefined));
    await limiter.wrap(describe.api).send('DescribeTasks', { tasks: ['t'] });
    expect(describe.calls).toEqual(['DescribeTasks', 'DescribeTasks']);
  });
});
