/**
 * Invariants of normalize and diff over generated manifests (bounded runs):
 * a manifest never drifts from itself, normalizing twice changes nothing, a
 * manifest never drifts from its own canonical form, and reordering what ECS
 * reorders never changes the diff or the spec hash.
 */
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  diffService,
  normalizeService,
  normalizeTaskDefinition,
  tagsToList,
  taskDefinitionSpecHash,
} from '../../src/diff/index.js';
import type { ServiceSpec, TaskDefinitionSpec } from '../../src/manifests/types.js';
import { manifestOf } from './fixtures.js';
import { serviceSpecArb, taskDefinitionArb } from './arbitraries.js';

const RUNS = { numRuns: 150 };

/** The manifest's own fields, read back as DescribeServices shapes (no ECS defaults added). */
function asLive(spec: ServiceSpec): { service: Service; taskDefinition: TaskDefinition; tags: ReturnType<typeof tagsToList> } {
  const { taskDefinition, tags, sync: _sync, ...fields } = spec;
  const { tags: _tdTags, ...td } = taskDefinition;
  return {
    service: { ...(fields as Service), status: 'ACTIVE', taskDefinition: `arn:aws:ecs:eu-west-1:1:task-definition/${td.family}:1` },
    taskDefinition: td as TaskDefinition,
    tags: tagsToList(tags),
  };
}

/** Shuffles every list ECS does not keep in order (environment, secrets, subnets, ...). */
function reorder(td: TaskDefinitionSpec, seed: number): TaskDefinitionSpec {
  const shuffle = <T>(items: readonly T[] | undefined): T[] | undefined => {
    if (!items) return undefined;
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = (seed * (i + 7)) % (i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  return {
    ...td,
    requiresCompatibilities: shuffle(td.requiresCompatibilities),
    containerDefinitions: shuffle(td.containerDefinitions)?.map((c) => ({ ...c, environment: shuffle(c.environment), secrets: shuffle(c.secrets) })),
  };
}

describe('normalize and diff invariants', () => {
  it('diff(x, x) is empty for generated services', () => {
    fc.assert(
      fc.property(serviceSpecArb, (spec) => {
        expect(diffService(manifestOf(spec), asLive(spec))).toEqual([]);
      }),
      RUNS,
    );
  });

  it('normalizeTaskDefinition is idempotent', () => {
    fc.assert(
      fc.property(taskDefinitionArb, (td) => {
        const once = normalizeTaskDefinition(td);
        expect(normalizeTaskDefinition(once as TaskDefinitionSpec)).toEqual(once);
      }),
      RUNS,
    );
  });

  it('normalizeService is idempotent', () => {
    fc.assert(
      fc.property(serviceSpecArb, (spec) => {
        const once = normalizeService(spec);
        expect(normalizeService(once as Service)).toEqual(once);
      }),
      RUNS,
    );
  });

  it('diff(x, normalize(x)) is empty', () => {
    fc.assert(
      fc.property(serviceSpecArb, (spec) => {
        const live = asLive(spec);
        const normalized = {
          service: { ...(normalizeService(spec) as Service), status: 'ACTIVE' },
          taskDefinition: normalizeTaskDefinition(spec.taskDefinition) as TaskDefinition,
          tags: live.tags,
        };
        expect(diffService(manifestOf(spec), normalized)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('reordering environment, secrets, containers and compatibilities changes neither the diff nor the spec hash', () => {
    fc.assert(
      fc.property(serviceSpecArb, fc.integer({ min: 1, max: 1000 }), (spec, seed) => {
        const live = asLive({ ...spec, taskDefinition: reorder(spec.taskDefinition, seed) });
        expect(diffService(manifestOf(spec), live)).toEqual([]);
        expect(taskDefinitionSpecHash(reorder(spec.taskDefinition, seed))).toBe(taskDefinitionSpecHash(spec.taskDefinition));
      }),
      RUNS,
    );
  });

  it('changing any container image is reported at that container', () => {
    fc.assert(
      fc.property(serviceSpecArb, fc.nat(), (spec, pick) => {
        const live = asLive(spec);
        const containers = live.taskDefinition.containerDefinitions ?? [];
        const index = pick % containers.length;
        const target = containers[index];
        if (!target) return;
        live.taskDefinition = {
          ...live.taskDefinition,
          containerDefinitions: containers.map((c, i) => (i === index ? { ...c, image: `${c.image}-changed` } : c)),
        };
        const changes = diffService(manifestOf(spec), live);
        expect(changes.map((c) => c.pointer)).toEqual([`/spec/taskDefinition/containerDefinitions/${index}/image`]);
      }),
      RUNS,
    );
  });

  it('dropping one non-empty environment variable live is reported at its manifest index, whatever the live order', () => {
    fc.assert(
      fc.property(serviceSpecArb, fc.nat(), fc.integer({ min: 1, max: 1000 }), (spec, pick, seed) => {
        const containers = spec.taskDefinition.containerDefinitions ?? [];
        const candidates = containers.flatMap((c, ci) => (c.environment ?? []).flatMap((e, ei) => (e.value ? [[ci, ei, e.name] as const] : [])));
        fc.pre(candidates.length > 0);
        const [ci, ei, name] = candidates[pick % candidates.length] as readonly [number, number, string | undefined];
        const live = asLive({ ...spec, taskDefinition: reorder(spec.taskDefinition, seed) });
        live.taskDefinition = {
          ...live.taskDefinition,
          containerDefinitions: live.taskDefinition.containerDefinitions?.map((c) =>
            c.name === containers[ci]?.name ? { ...c, environment: c.environment?.filter((e) => e.name !== name) } : c,
          ),
        };
        const changes = diffService(manifestOf(spec), live);
        expect(changes.map((c) => [c.pointer, c.kind])).toEqual([[`/spec/taskDefinition/containerDefinitions/${ci}/environment/${ei}`, 'added']]);
      }),
      RUNS,
    );
  });
});
