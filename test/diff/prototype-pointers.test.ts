/**
 * A `sync.ignoreDifferences` pointer is walked over the task definition when
 * a new revision is registered (the live value of an ignored field is kept).
 * The pointer comes from a manifest, so however it is written, the walk must
 * never reach Object.prototype: a pointer through `__proto__` once deleted a
 * property of Object.prototype for the whole process. These call the walker
 * directly, without validation in front, as a manifest that skipped it would.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceManifest } from '../../src/manifests/types.js';
import { buildTaskDefinitionRegistration } from '../../src/plan/task-definition-input.js';

const SENTINEL = 'ecsGitopsPrototypeSentinel';
const stamp = { controllerId: 'ecs-gitops', revision: 'r1', sourceFile: 'web.yaml' };

function manifest(ignoreDifferences: string[]): ServiceManifest {
  return {
    apiVersion: 'ecs-gitops/v1',
    kind: 'Service',
    metadata: { name: 'web', cluster: 'demo' },
    spec: {
      taskDefinition: {
        family: 'web',
        containerDefinitions: [{ name: 'app', image: 'nginx:1.28', dockerLabels: { team: 'a' }, environment: [{ name: 'A', value: '1' }] }],
      },
      sync: { ignoreDifferences },
    },
  };
}

// Live revision without dockerLabels: the walk then finds no live value and deletes the desired one.
const live: TaskDefinition = { family: 'web', containerDefinitions: [{ name: 'app', image: 'nginx:1.27', environment: [{ name: 'A', value: '0' }] }] };

// The first two reached Object.prototype before the walk followed own fields
// only; the others are shapes (through a function, below a string, an
// inherited member, a non-index into a list) it must keep refusing.
const POISONED = [
  `/taskDefinition/containerDefinitions/0/dockerLabels/__proto__/${SENTINEL}`,
  `/taskDefinition/__proto__/${SENTINEL}`,
  `/taskDefinition/containerDefinitions/__proto__/${SENTINEL}`,
  `/taskDefinition/containerDefinitions/0/constructor/prototype/${SENTINEL}`,
  `/taskDefinition/family/${SENTINEL}`,
  `/taskDefinition/containerDefinitions/0/image/length`,
  '/taskDefinition/containerDefinitions/0/dockerLabels/toString',
  '/taskDefinition/containerDefinitions/0/environment/__proto__',
];

describe('ignoreDifferences pointers never reach Object.prototype', () => {
  // An accessor, so a write through Object.prototype is seen even when it
  // writes back the value that was there (what a walk through `__proto__`
  // on both sides does), and a delete shows as the property gone.
  let writes: unknown[] = [];
  beforeEach(() => {
    writes = [];
    Object.defineProperty(Object.prototype, SENTINEL, {
      get: () => 'still here',
      set: (value: unknown) => {
        writes.push(value);
      },
      configurable: true,
      enumerable: false,
    });
  });
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>)[SENTINEL];
  });

  it.each(POISONED)('%s leaves Object.prototype as it was', (pointer) => {
    const toString = Object.prototype.toString;
    const registration = buildTaskDefinitionRegistration(manifest([pointer]), live, stamp);
    expect(Object.hasOwn(Object.prototype, SENTINEL)).toBe(true);
    expect(writes).toEqual([]);
    expect(Object.prototype.toString).toBe(toString);
    expect(Object.getPrototypeOf(registration.input)).toBe(Object.prototype);
    // Nothing the manifest wrote was touched either.
    expect(registration.input.containerDefinitions?.[0]?.dockerLabels).toEqual({ team: 'a' });
    expect(registration.input.family).toBe('web');
  });

  it('ordinary pointers still keep the live value', () => {
    const registration = buildTaskDefinitionRegistration(
      manifest(['/taskDefinition/containerDefinitions/0/image', '/taskDefinition/containerDefinitions/0/environment/0']),
      live,
      stamp,
    );
    expect(registration.input.containerDefinitions?.[0]?.image).toBe('nginx:1.27');
    expect(registration.input.containerDefinitions?.[0]?.environment).toEqual([{ name: 'A', value: '0' }]);
  });
});
