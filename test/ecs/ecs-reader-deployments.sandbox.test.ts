/**
 * The batched reader's service deployment look-ups against the sandbox (real
 * SDK over HTTP): the passes over rollouts followed on one poll tick share
 * DescribeServiceDeployments calls of up to 20 ARNs; an unknown ARN answers
 * undefined; a failed call fails every look-up it carried.
 */
import { CreateServiceCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { EcsCallCounter } from '../../src/ecs/call-counter.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { EcsReader } from '../../src/ecs/ecs-reader.js';
import { ecsApiFromClient } from '../../src/ecs/sdk-adapter.js';
import { systemClock } from '../../src/util/clock.js';
import { accountOn, clusterWithTaskDefinition, NETWORK, testSandbox } from '../sandbox/sandbox-harness.js';

describe('EcsReader.describeServiceDeployment', () => {
  let sandbox: Sandbox;
  let api: EcsApi;
  let counter: EcsCallCounter;
  const arns: string[] = [];

  beforeAll(async () => {
    sandbox = await testSandbox();
    const account = accountOn(sandbox);
    const ecs = account.ecs();
    const td = await clusterWithTaskDefinition(ecs, 'c1', 'web');
    for (let i = 0; i < 25; i++) {
      const out = await ecs.send(new CreateServiceCommand({
        cluster: 'c1', serviceName: `s${i}`, taskDefinition: td, desiredCount: 1, launchType: 'FARGATE', networkConfiguration: NETWORK,
      }));
      arns.push(out.service?.currentServiceDeployment ?? '');
    }
    counter = new EcsCallCounter();
    api = counter.wrap(ecsApiFromClient(ecs));
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('coalesces the look-ups of one turn into one call per 20 ARNs', async () => {
    expect(arns.every((a) => a.includes(':service-deployment/c1/'))).toBe(true);
    const reader = new EcsReader({ ecs: api, clock: systemClock });
    counter.reset();
    const found = await Promise.all(arns.map((arn) => reader.describeServiceDeployment(arn)));
    expect(counter.count('DescribeServiceDeployments')).toBe(2);
    expect(found.map((d) => d?.serviceDeploymentArn)).toEqual(arns);
    // Look-ups of different turns are separate calls.
    await reader.describeServiceDeployment(arns[0] ?? '');
    await reader.describeServiceDeployment(arns[1] ?? '');
    expect(counter.count('DescribeServiceDeployments')).toBe(4);
  });

  it('answers undefined for a deployment ECS reports MISSING, and shares one look-up of the same ARN', async () => {
    const reader = new EcsReader({ ecs: api, clock: systemClock });
    counter.reset();
    const missing = `${(arns[0] ?? '').slice(0, (arns[0] ?? '').lastIndexOf('/'))}/nosuchdeployment`;
    const [gone, first, again] = await Promise.all([
      reader.describeServiceDeployment(missing), reader.describeServiceDeployment(arns[0] ?? ''), reader.describeServiceDeployment(arns[0] ?? ''),
    ]);
    expect(gone).toBeUndefined();
    expect(first?.serviceDeploymentArn).toBe(arns[0]);
    expect(again).toBe(first);
    expect(counter.count('DescribeServiceDeployments')).toBe(1);
  });

  it('fails every look-up a failed call carried', async () => {
    // The sandbox answers any ARN it does not know as MISSING: the failure (a throttle, a reset) is injected here.
    const failing: EcsApi = {
      send: (operation, input, signal) => (operation === 'DescribeServiceDeployments'
        ? Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
        : api.send(operation, input, signal)),
    };
    const reader = new EcsReader({ ecs: failing, clock: systemClock });
    const results = await Promise.allSettled([reader.describeServiceDeployment(arns[1] ?? ''), reader.describeServiceDeployment(arns[2] ?? '')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : ''))).toEqual(['ThrottlingException', 'ThrottlingException']);
  });
});
