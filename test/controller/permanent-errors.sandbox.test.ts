/**
 * The long-running controller does not hot-retry a write ECS rejects as
 * invalid: one attempt, the status says why, and the key leaves the queue
 * until a new revision or a resync asks again (each one attempt). Transient
 * failures keep their backoff (test/cli/sync-permanent-errors.sandbox.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { controllerFor, ManifestDir, REGION, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

/**
 * Valid for `validate` and refused by ECS: AwsVpcConfiguration takes at most 16
 * subnets, a limit validate does not check. Minimum above maximum percent was
 * the example until validate learnt that rule; the case needs an error only
 * ECS can answer, so the test first checks that validate lets it through.
 */
const SUBNETS_OVER_THE_LIMIT = Array.from({ length: 17 }, (_, i) => `subnet-${String(i).padStart(2, '0')}`);

describe('a permanent ECS error in the long-running controller', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller | undefined;
  beforeAll(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
  });
  afterAll(async () => {
    await controller?.stop({ graceMs: 100 });
    await world.sandbox.close();
    await dir.dispose();
  });

  const idle = (c: Controller) => c.waitForIdle({ requeues: true, signal: AbortSignal.timeout(5000) }).catch(() => undefined);

  it('is tried once per revision or resync, not retried with backoff', async () => {
    const key = `${REGION}/demo/web`;
    controller = controllerFor(world.controllerApi, { backoffBaseMs: 20, backoffMaxMs: 100 });
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', extra: { networkConfiguration: { awsvpcConfiguration: { subnets: SUBNETS_OVER_THE_LIMIT, securityGroups: ['sg-1'] } } } })]);
    const invalidForEcs = await dir.load('r1');
    // If validate learns this limit too, pick another error only ECS can see (live state, IAM).
    expect(invalidForEcs.problems).toEqual([]);
    controller.setSnapshot(invalidForEcs);
    await idle(controller);
    expect(world.counter.count('CreateService')).toBe(1);
    expect(controller.queue.scheduled).toEqual([]);
    expect(controller.status.get(key)).toMatchObject({
      lastApplySucceeded: false,
      lastError: { code: 'AWS_INVALID_REQUEST', message: expect.stringContaining('InvalidParameterException: subnets can have at most 16 items') },
    });

    // The normal resync looks again: one more attempt, no more.
    await controller.resync();
    await idle(controller);
    expect(world.counter.count('CreateService')).toBe(2);

    // A new revision with the fix is applied at once.
    await dir.write('svc.yaml', [serviceManifest({ name: 'web' })]);
    controller.setSnapshot(await dir.load('r2'));
    await idle(controller);
    expect(world.counter.count('CreateService')).toBe(3);
    expect(controller.status.get(key)).toMatchObject({ sync: 'Synced', lastError: undefined });
  });
});
