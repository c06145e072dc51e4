/**
 * buildTaskDefinitionRegistration: the RegisterTaskDefinition input for a
 * manifest, with controller tags and the live values of ignored fields.
 */
import { describe, expect, it } from 'vitest';
import { taskDefinitionSpecHash } from '../../src/diff/index.js';
import { buildTaskDefinitionRegistration, tagValue } from '../../src/plan/index.js';
import { baseSpec, container, liveContainer, liveTaskDefinition, manifestOf } from '../diff/fixtures.js';

const stamp = { controllerId: 'c1', revision: 'abc', sourceFile: 'services/web.yaml' };

describe('buildTaskDefinitionRegistration', () => {
  it('sends the spec as written with its own tags first, then the controller tags', () => {
    const spec = baseSpec();
    spec.taskDefinition = { ...spec.taskDefinition, cpu: '0.25 vCPU', tags: { app: 'web', 'ecs-gitops/spoof': 'x' } };
    const { input, specHash } = buildTaskDefinitionRegistration(manifestOf(spec), undefined, stamp);
    expect(input.cpu).toBe('0.25 vCPU');
    expect(input.tags).toEqual([
      { key: 'app', value: 'web' },
      { key: 'ecs-gitops/spec-hash', value: specHash },
      { key: 'ecs-gitops/managed-by', value: 'c1' },
      { key: 'ecs-gitops/source', value: 'services/web.yaml' },
      { key: 'ecs-gitops/revision', value: 'abc' },
    ]);
    expect(specHash).toBe(taskDefinitionSpecHash(liveTaskDefinition()));
  });

  it.each([
    ['a field of a container (matched by name)', '/taskDefinition/containerDefinitions/0/image', (r: Record<string, unknown>) => (r.containerDefinitions as { image: string }[])[0]?.image, 'web:live'],
    ['a whole environment entry', '/taskDefinition/containerDefinitions/0/environment/0', (r: Record<string, unknown>) => (r.containerDefinitions as { environment: unknown[] }[])[0]?.environment[0], { name: 'LOG_LEVEL', value: 'trace' }],
    ['a task-level field', '/taskDefinition/memory', (r: Record<string, unknown>) => r.memory, '2048'],
    ['a field live does not have (removed from the input)', '/taskDefinition/executionRoleArn', (r: Record<string, unknown>) => r.executionRoleArn, undefined],
  ])('ignored %s keeps the live value', (_what, pointer, read, expected) => {
    const spec = baseSpec();
    spec.sync = { ignoreDifferences: [pointer] };
    const live = liveTaskDefinition();
    liveContainer(live).image = 'web:live';
    liveContainer(live).environment = [{ name: 'REGION', value: 'eu-west-1' }, { name: 'LOG_LEVEL', value: 'trace' }];
    live.memory = '2048';
    delete live.executionRoleArn;
    const { input } = buildTaskDefinitionRegistration(manifestOf(spec), live, stamp);
    expect(read(input as unknown as Record<string, unknown>)).toEqual(expected);
    // The manifest itself is never modified.
    expect(container(spec).image).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2');
  });

  it('tag values are cut to the 256 characters ECS allows, keeping the end of a long path', () => {
    const long = `${'d/'.repeat(200)}web.yaml`;
    expect(tagValue(long)).toHaveLength(256);
    expect(tagValue(long.slice(0, 10))).toBe(long.slice(0, 10));
    expect(tagValue(long).endsWith('web.yaml')).toBe(true);
  });
});
