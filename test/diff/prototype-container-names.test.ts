/**
 * Container names are the user's: `__proto__` and `constructor` are valid ECS
 * container names. The image policy keeps per-container digests in maps keyed
 * by name (reported in status as imageDigests); assigning `map['__proto__']`
 * changed the map's prototype instead, so that container's digest vanished.
 * Against the sandbox's ECR through the real SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyImagePolicy } from '../../src/controller/image-policy.js';
import { ImageResolver } from '../../src/ecs/image-resolver.js';
import type { DesiredService, ServiceManifest } from '../../src/manifests/types.js';
import { systemClock } from '../../src/util/clock.js';
import { REGION, sandboxWorld, type SandboxWorld } from '../controller/harness.js';

describe('image digests of containers named like object machinery', () => {
  let world: SandboxWorld;
  beforeAll(async () => {
    world = await sandboxWorld();
    world.pushImage('web', '1.0');
  });
  afterAll(async () => {
    await world?.sandbox.close();
  });

  it('are kept under their own names', async () => {
    const image = `${world.repositoryUri('web')}:1.0`;
    const names = ['__proto__', 'constructor', 'app'];
    const manifest: ServiceManifest = {
      apiVersion: 'ecs-gitops/v1',
      kind: 'Service',
      metadata: { name: 'web', cluster: 'demo', region: REGION },
      spec: {
        taskDefinition: { family: 'web', containerDefinitions: names.map((name) => ({ name, image })) },
        sync: { images: 'pin-digest' },
      },
    };
    const desired: DesiredService = {
      key: `${REGION}/demo/web`, region: REGION, cluster: 'demo', name: 'web', manifest,
      source: { file: 'web.yaml', line: 1, column: 1 }, contentHash: 'h',
    };
    const resolver = new ImageResolver({ ecr: () => world.ecr, clock: systemClock });
    const result = await applyImagePolicy(desired, {}, resolver, undefined, new AbortController().signal);
    expect(result.problem).toBeUndefined();
    const digest = result.targetDigests.app;
    expect(digest).toMatch(/^sha256:/);
    for (const digests of [result.imageDigests, result.targetDigests]) {
      expect(Object.keys(digests).sort()).toEqual([...names].sort());
      for (const name of names) expect(Object.getOwnPropertyDescriptor(digests, name)?.value).toBe(digest);
      expect(Object.getPrototypeOf(digests)).toBe(Object.prototype);
    }
  });
});
