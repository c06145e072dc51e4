/**
 * Unit conversion for task cpu/memory, the spec hash's stability, service
 * references, and JSON pointer escaping.
 */
import { describe, expect, it } from 'vitest';
import { normalizeCpu, normalizeMemory, taskDefinitionRef, taskDefinitionSpecHash } from '../../src/diff/index.js';
import { escapePointerToken, pointerTokens, resolvePointer } from '../../src/diff/json-pointer.js';
import type { TaskDefinitionSpec } from '../../src/manifests/types.js';
import { baseSpec, liveTaskDefinition } from './fixtures.js';

describe('units', () => {
  it.each([
    ['0.25 vCPU', '256'],
    ['0.5 vCPU', '512'],
    ['1 vCPU', '1024'],
    ['2 vcpu', '2048'],
    ['4vCPU', '4096'],
    ['256', '256'],
    [512, '512'],
    [' 1024 ', '1024'],
    ['lots', 'lots'],
  ])('cpu %j -> %j', (input, expected) => expect(normalizeCpu(input)).toBe(expected));

  it.each([
    ['1 GB', '1024'],
    ['2GB', '2048'],
    ['0.5 GB', '512'],
    ['512 MiB', '512'],
    ['3 GiB', '3072'],
    ['512', '512'],
    [2048, '2048'],
  ])('memory %j -> %j', (input, expected) => expect(normalizeMemory(input)).toBe(expected));
});

describe('taskDefinitionSpecHash', () => {
  it('is 64 hex characters, equal for the manifest and what ECS returns for it', () => {
    const hash = taskDefinitionSpecHash(baseSpec().taskDefinition);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(taskDefinitionSpecHash(liveTaskDefinition())).toBe(hash);
  });

  it('ignores key order, units and tags; changes with content', () => {
    const td = baseSpec().taskDefinition as TaskDefinitionSpec;
    const reordered = Object.fromEntries(Object.entries(td).reverse()) as unknown as TaskDefinitionSpec;
    expect(taskDefinitionSpecHash(reordered)).toBe(taskDefinitionSpecHash(td));
    expect(taskDefinitionSpecHash({ ...td, cpu: '0.25 vCPU', tags: { team: 'x' } })).toBe(taskDefinitionSpecHash(td));
    expect(taskDefinitionSpecHash({ ...td, memory: '1024' })).not.toBe(taskDefinitionSpecHash(td));
  });
});

describe('references and pointers', () => {
  it.each([
    ['arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3', 'web:3'],
    ['web:3', 'web:3'],
    ['web', 'web'],
  ])('taskDefinitionRef(%s) = %s', (input, expected) => expect(taskDefinitionRef(input)).toBe(expected));

  it('escapes ~ and / in pointer tokens and reads them back', () => {
    expect(escapePointerToken('a/b~c')).toBe('a~1b~0c');
    expect(pointerTokens('/spec/tags/a~1b~0c')).toEqual(['spec', 'tags', 'a/b~c']);
  });

  it('indexes named entries by their manifest position; live-only entries follow the last one', () => {
    const root = { list: [{ name: 'a' }, { name: 'b' }] };
    expect(resolvePointer(root, ['list', { by: 'name', name: 'b' }, 'x'])).toBe('/list/1/x');
    expect(resolvePointer(root, ['list', { by: 'name', name: 'z', extra: 1 }])).toBe('/list/3');
  });
});
