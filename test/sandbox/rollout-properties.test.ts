/**
 * Property tests of the rollout simulation (in-process, frozen clock): for any
 * desired count and deployment percentages that allow progress, a task
 * definition change never exceeds maximumPercent, never drops below
 * minimumHealthyPercent, and ends COMPLETED on the new revision.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, startSandbox, type JsonObject, type Sandbox } from '../../src/sandbox/index.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ listen: false, clockSpeed: 0, throttling: 'off' });
});
afterAll(async () => {
  await sandbox.close();
});

interface Deployment {
  rolloutState: string;
  taskDefinition: string;
}
interface ServiceView {
  runningCount: number;
  pendingCount: number;
  deployments: Deployment[];
}

let run = 0;

describe('rollout properties', () => {
  it('respects minimumHealthyPercent / maximumPercent and completes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 100, max: 200 }), (desired, min, max) => {
        const minHealthy = Math.ceil((desired * min) / 100);
        const maxTotal = Math.max(desired, Math.floor((desired * max) / 100));
        fc.pre(maxTotal > minHealthy); // otherwise no task can be stopped or started: ECS is stuck too
        const target = { accountId: String(100_000_000_000 + run++), region: 'eu-west-1' };
        const call = (op: string, input: JsonObject): JsonObject => sandbox.call(op, input, target);
        call('CreateCluster', { clusterName: 'c' });
        for (const image of ['app:1', 'app:2']) {
          call('RegisterTaskDefinition', { family: 'app', containerDefinitions: [{ name: 'a', image, memory: 64 }] });
        }
        call('CreateService', {
          cluster: 'c', serviceName: 's', taskDefinition: 'app:1', desiredCount: desired,
          deploymentConfiguration: { minimumHealthyPercent: min, maximumPercent: max },
        });
        sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + DEFAULT_TIMINGS.stepMs);
        call('UpdateService', { cluster: 'c', service: 's', taskDefinition: 'app:2' });
        for (let step = 0; step < 200; step++) {
          const svc = (call('DescribeServices', { cluster: 'c', services: ['s'] }).services as unknown as ServiceView[])[0] as ServiceView;
          expect(svc.runningCount + svc.pendingCount).toBeLessThanOrEqual(maxTotal);
          expect(svc.runningCount).toBeGreaterThanOrEqual(minHealthy);
          const primary = svc.deployments[0] as Deployment;
          if (primary.rolloutState === 'COMPLETED') {
            expect(primary.taskDefinition).toMatch(/app:2$/);
            expect(svc.deployments).toHaveLength(1);
            expect(svc.runningCount).toBe(desired);
            return;
          }
          expect(primary.rolloutState).toBe('IN_PROGRESS');
          sandbox.clock.advance(DEFAULT_TIMINGS.stepMs);
        }
        throw new Error(`no completion for desired=${desired} min=${min} max=${max}`);
      }),
      { numRuns: 60 },
    );
  });
});
