/**
 * Rate limiting against the sandbox with ECS's throttling switched on. Both
 * the sandbox's buckets and the controller's are ECS's published ones scaled
 * by the same factor, so the test is quick but the pressure is real: 200
 * services need more CreateService calls than the burst allows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { DEFAULT_RATE_LIMITS, scaleRateLimits } from '../../src/ecs/rate-limits.js';
import { ManifestDir, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from './harness.js';

const SCALE = 3;
const SERVICES = 200;
const PER_FAMILY = 4;

async function manifests(dir: ManifestDir): Promise<void> {
  for (let file = 0; file < SERVICES / 20; file++) {
    await dir.write(`batch-${file}.yaml`, Array.from({ length: 20 }, (_, i) => {
      const n = file * 20 + i;
      return serviceManifest({ name: `svc-${n}`, family: `family-${Math.floor(n / PER_FAMILY)}`, desiredCount: 1 });
    }));
  }
}

describe('rate limiting', () => {
  let world: SandboxWorld | undefined;
  let dir: ManifestDir | undefined;
  let controller: Controller | undefined;

  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    controller = undefined;
    await world?.sandbox.close();
    await dir?.dispose();
  });

  it(`syncs ${SERVICES} services under ECS throttling without a ThrottlingException or a key worked twice at once`, async () => {
    world = await sandboxWorld({ throttling: { scale: SCALE }, clockSpeed: 100 });
    dir = await ManifestDir.create();
    await manifests(dir);
    const running = new Set<string>();
    const overlaps: string[] = [];
    controller = controllerFor(world.controllerApi, {
      workers: 8,
      rolloutPollMs: 1000,
      rateLimits: scaleRateLimits(DEFAULT_RATE_LIMITS, SCALE, { burst: true }),
      hooks: {
        beforeReconcile: (key) => {
          if (running.has(key)) overlaps.push(key);
          running.add(key);
        },
        afterReconcile: (key) => running.delete(key),
      },
    });
    const c = controller;
    const w = world;
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(
      () => c.status.list().filter((s) => s.sync === 'Synced').length === SERVICES,
      () => ({ synced: c.status.list().filter((s) => s.sync === 'Synced').length, errors: [...w.counter.errors.entries()] }),
      60_000,
    );
    expect([...w.counter.errorsByOperation.entries()]).toEqual([]);
    expect(w.counter.count('CreateService')).toBe(SERVICES);
    expect(w.counter.count('CreateService')).toBeGreaterThan(DEFAULT_RATE_LIMITS['service-modify'].burst * SCALE);
    expect(w.counter.count('RegisterTaskDefinition')).toBe(SERVICES / PER_FAMILY);
    expect(overlaps).toEqual([]);
    expect(c.status.list().every((s) => s.lastError === undefined)).toBe(true);
  }, 90_000);

  it('control: without the client-side limiter, ECS\'s real rates throttle this sync (so the test above can fail)', async () => {
    // Real rates (burst 50 CreateService, then 5/s): no machine is slow enough to stay under them unaided.
    world = await sandboxWorld({ throttling: 'real', clockSpeed: 100 });
    dir = await ManifestDir.create();
    await manifests(dir);
    controller = controllerFor(world.controllerApi, { workers: 8, rolloutPollMs: 1000, rateLimits: false });
    const w = world;
    controller.setSnapshot(await dir.load('rev-1'));
    await eventually(() => (w.counter.errors.get('ThrottlingException') ?? 0) > 0, () => [...w.counter.errors.entries()], 30_000);
  }, 60_000);
});
