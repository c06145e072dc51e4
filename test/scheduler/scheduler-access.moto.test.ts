/**
 * How the controller gets its Scheduler access: connection.schedulerFor(region)
 * finds the endpoint the way scalingFor does (AWS_ENDPOINT_URL_SCHEDULER, else
 * a local stand-in named by AWS_ENDPOINT_URL_ECS), and RegionAccessPool puts a
 * rate-limited SchedulerApi on each Region's access, one limiter per
 * distinct API, only when ControllerOptions.scheduler is given.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectEcs } from '../../src/app/runtime.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { RegionAccessPool } from '../../src/controller/regions.js';
import type { SchedulerApi, SchedulerOperation } from '../../src/scheduler/scheduler-api.js';
import { FakeClock, flushPromises } from '../../src/util/clock.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';

const endpoint = motoEndpoint();
const credentials = dummyCredentials();
const keys = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey };
/** Nothing listens there: a request sent to it fails with a network error. */
const DEAD_ENDPOINT = 'http://127.0.0.1:9';

describe.skipIf(endpoint === null)('connection.schedulerFor against moto', () => {
  // connectEcs sends no account header: moto's default account, so the group names are unique per run.
  const groupName = () => `ecs-gitops-runtime-${randomBytes(4).toString('hex')}`;

  it('talks to the stand-in AWS_ENDPOINT_URL_ECS names when no Scheduler endpoint is set', async () => {
    const connection = await connectEcs({ region: 'eu-west-1', env: { ...keys, AWS_ENDPOINT_URL_ECS: endpoint ?? '' } });
    try {
      const scheduler = connection.schedulerFor('eu-west-1');
      expect(connection.schedulerFor('eu-west-1')).toBe(scheduler);
      const name = groupName();
      await scheduler.send('CreateScheduleGroup', { Name: name });
      expect((await scheduler.send('GetScheduleGroup', { Name: name })).Name).toBe(name);
    } finally {
      await connection.close();
    }
  });

  it('prefers AWS_ENDPOINT_URL_SCHEDULER over the ECS endpoint', async () => {
    const connection = await connectEcs({
      region: 'eu-west-1', env: { ...keys, AWS_ENDPOINT_URL_ECS: DEAD_ENDPOINT, AWS_ENDPOINT_URL_SCHEDULER: endpoint ?? '' },
    });
    try {
      const name = groupName();
      await connection.schedulerFor('eu-west-1').send('CreateScheduleGroup', { Name: name });
      expect((await connection.schedulerFor('eu-west-1').send('GetScheduleGroup', { Name: name })).Name).toBe(name);
    } finally {
      await connection.close();
    }
  });
});

describe('RegionAccess.scheduler', () => {
  const ecs: EcsApi = { send: async () => ({}) as never };
  function fakeScheduler() {
    const calls: SchedulerOperation[] = [];
    const api: SchedulerApi = { send: async (operation) => { calls.push(operation); return {} as never; } };
    return { api, calls };
  }

  it('is absent without ControllerOptions.scheduler', () => {
    const pool = new RegionAccessPool({ ecs, clock: new FakeClock(), signal: new AbortController().signal });
    expect(pool.get('eu-west-1').scheduler).toBeUndefined();
  });

  it('wraps each Region\'s API in the scheduler buckets, one limiter per distinct API', async () => {
    const clock = new FakeClock();
    const perRegion = new Map([['eu-west-1', fakeScheduler()], ['us-east-1', fakeScheduler()]]);
    const waits: string[] = [];
    const pool = new RegionAccessPool({
      ecs, clock, signal: new AbortController().signal,
      scheduler: (region) => perRegion.get(region)?.api as SchedulerApi,
      rateLimits: { 'scheduler-modify': { burst: 2, refillPerSecond: 1 } },
      metrics: { recordRateLimiterWait: (bucket: string) => waits.push(bucket) } as never,
    });
    const eu = pool.get('eu-west-1').scheduler?.api as SchedulerApi;
    const input = { Name: 'n', ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' as const }, Target: { Arn: 'a', RoleArn: 'r' } };
    // burst 2 less the jitter margin (one token): the second write waits a second.
    const done: number[] = [];
    for (let i = 0; i < 2; i++) void eu.send('CreateSchedule', input).then(() => done.push(i));
    await flushPromises();
    expect(done).toEqual([0]);
    // Another Region has buckets of its own.
    await pool.get('us-east-1').scheduler?.api.send('CreateSchedule', input);
    expect(perRegion.get('us-east-1')?.calls).toEqual(['CreateSchedule']);
    await clock.advance(1100);
    expect(done).toEqual([0, 1]);
    expect(waits).toContain('scheduler-modify');
    expect(pool.get('eu-west-1').scheduler?.api).toBe(eu);
  });

  it('passes the API through unlimited with rateLimits false', () => {
    const raw = fakeScheduler().api;
    const pool = new RegionAccessPool({ ecs, clock: new FakeClock(), signal: new AbortController().signal, scheduler: raw, rateLimits: false });
    expect(pool.get('eu-west-1').scheduler?.api).toBe(raw);
  });
});
