/**
 * The world of the crash tests: one in-process sandbox (seeded with a
 * Fargate cluster `demo`) that outlives the controller child processes the
 * tests start and SIGKILL, a manifests folder, and a direct ECS client.
 * Registers its own beforeAll/afterAll; `current` is the controller process
 * a test started last, killed at the end if it is still running.
 */
import { afterAll, beforeAll } from 'vitest';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION } from '../controller/harness.js';
import type { ControllerProcess } from './controller-process.js';
import { directApi } from './world.js';

export interface CrashWorld {
  sandbox: Sandbox;
  dir: ManifestDir;
  api: EcsApi;
  current: ControllerProcess | undefined;
}

export function useCrashWorld(accountId: string): CrashWorld {
  // Filled in by beforeAll, before any test reads it.
  const world = { current: undefined } as CrashWorld;
  beforeAll(async () => {
    world.sandbox = await startSandbox({ clockSpeed: 50, throttling: 'off' });
    world.sandbox.admin.seed({ accounts: [{ accountId, region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    world.dir = await ManifestDir.create();
    world.api = directApi(world.sandbox, accountId, REGION);
  });
  afterAll(async () => {
    if (world.current && world.current.child.exitCode === null) world.current.child.kill('SIGKILL');
    await world.sandbox?.close();
    await world.dir?.dispose();
  });
  return world;
}
