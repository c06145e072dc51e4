/** The SDK adapter and batched reader against moto_server (real SDK over HTTP). */
import { beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/util/clock.js';
import { EcsCallCounter } from '../../src/ecs/call-counter.js';
import type { AwsRequestEvent, EcsApi } from '../../src/ecs/ecs-api.js';
import { EcsReader } from '../../src/ecs/ecs-reader.js';
import { ecsApiFromClient } from '../../src/ecs/sdk-adapter.js';
import { motoAccount, motoEndpoint } from '../support/moto.js';

const hasMoto = motoEndpoint() !== null;

describe.skipIf(!hasMoto)('ECS access layer against moto', () => {
  let api: EcsApi;
  let counter: EcsCallCounter;
  const events: AwsRequestEvent[] = [];

  beforeAll(async () => {
    const account = motoAccount();
    counter = new EcsCallCounter();
    api = counter.wrap(ecsApiFromClient(account.ecs(), (e) => events.push(e)));
    await api.send('CreateCluster', { clusterName: 'c1' });
    const td = await api.send('RegisterTaskDefinition', {
      family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx:1.27', memory: 128 }],
      tags: [{ key: 'ecs-gitops/spec-hash', value: 'h1' }],
    });
    await api.send('RegisterTaskDefinition', { family: 'web-api', containerDefinitions: [{ name: 'a', image: 'nginx:1.27', memory: 128 }] });
    for (let i = 0; i < 23; i++) {
      await api.send('CreateService', {
        cluster: 'c1', serviceName: `s${i}`, taskDefinition: td.taskDefinition?.taskDefinitionArn, desiredCount: 1,
        tags: [{ key: 'team', value: 'x' }],
      });
    }
  });

  it('records the outcome of each request for metrics', async () => {
    await expect(api.send('DescribeServices', { cluster: 'nope', services: ['x'] })).rejects.toMatchObject({
      code: 'AWS_CLUSTER_NOT_FOUND', outcome: 'client_error',
    });
    expect(events.some((e) => e.operation === 'CreateCluster' && e.outcome === 'ok')).toBe(true);
    expect(events.at(-1)).toMatchObject({ api: 'ecs', operation: 'DescribeServices', outcome: 'client_error', errorName: 'ClusterNotFoundException' });
  });

  it('coalesces concurrent look-ups into one DescribeServices per 10 names, with tags', async () => {
    const reader = new EcsReader({ ecs: api, clock: systemClock });
    counter.reset();
    const names = [...Array.from({ length: 23 }, (_, i) => `s${i}`), 'absent'];
    const results = await Promise.all(names.map((n) => reader.describeService('c1', n)));
    expect(counter.count('DescribeServices')).toBe(3);
    expect(results.slice(0, 23).every((r) => r.service?.status === 'ACTIVE')).toBe(true);
    expect(results[0]?.service?.tags).toEqual([{ key: 'team', value: 'x' }]);
    expect(results[23]).toEqual({});
  });

  it('reads a planned group on its first look-up and serves the others from that read, once', async () => {
    const reader = new EcsReader({ ecs: api, clock: systemClock });
    reader.planBatch('c1', ['s1', 's2']);
    counter.reset();
    expect((await reader.describeService('c1', 's1')).service?.serviceName).toBe('s1');
    expect(counter.count('DescribeServices')).toBe(1);
    expect((await reader.describeService('c1', 's2')).service?.serviceName).toBe('s2');
    expect(counter.count('DescribeServices')).toBe(1);
    await reader.describeService('c1', 's2');
    expect(counter.count('DescribeServices')).toBe(2);
  });

  it('caches task definitions by ARN and finds a revision by its spec-hash tag', async () => {
    const reader = new EcsReader({ ecs: api, clock: systemClock });
    counter.reset();
    const found = await reader.findRevisionByTag('web', 'ecs-gitops/spec-hash', 'h1', 5);
    expect(found?.taskDefinition.family).toBe('web');
    expect(await reader.findRevisionByTag('web', 'ecs-gitops/spec-hash', 'other', 5)).toBeUndefined();
    expect(counter.count('DescribeTaskDefinition')).toBe(1);
    const arns = await reader.listActiveRevisions('web', 10);
    expect(arns.every((a) => a.includes(':task-definition/web:'))).toBe(true);
  });

  it('lists every service of a cluster', async () => {
    const reader = new EcsReader({ ecs: api, clock: systemClock });
    expect((await reader.listServiceArns('c1')).length).toBe(23);
  });
});
