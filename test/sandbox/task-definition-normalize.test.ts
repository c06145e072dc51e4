/** The pure normalization ECS applies to RegisterTaskDefinition (no IO). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeCpu, normalizeMemory, normalizeTaskDefinition } from '../../src/sandbox/task-definition-normalize.js';
import type { JsonObject } from '../../src/sandbox/json-input.js';

const meta = { arn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1', revision: 1, registeredAt: 1_700_000_000, registeredBy: 'arn:aws:iam::123456789012:root' };

function container(body: JsonObject, index = 0): JsonObject {
  return (body.containerDefinitions as JsonObject[])[index] as JsonObject;
}

describe('cpu and memory units', () => {
  it.each([
    ['0.25 vCPU', '256'], ['0.5 vcpu', '512'], ['1 vCPU', '1024'], ['2vCPU', '2048'], ['256', '256'], ['lots', undefined],
  ])('cpu %s -> %s', (raw, expected) => expect(normalizeCpu(raw)).toBe(expected));
  it.each([
    ['1 GB', '1024'], ['0.5GB', '512'], ['2 GiB', '2048'], ['512 MiB', '512'], ['512', '512'], ['huge', undefined],
  ])('memory %s -> %s', (raw, expected) => expect(normalizeMemory(raw)).toBe(expected));
});

describe('normalizeTaskDefinition', () => {
  const base = (over: JsonObject = {}): JsonObject => ({
    family: 'web',
    containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 256, portMappings: [{ containerPort: 80 }] }],
    ...over,
  });

  it.each([
    ['bridge (default)', {}, 0],
    ['host', { networkMode: 'host' }, 80],
    ['awsvpc', { networkMode: 'awsvpc' }, 80],
  ])('hostPort under %s is %d, protocol tcp', (_name, over, hostPort) => {
    const body = normalizeTaskDefinition(base(over as JsonObject), meta);
    expect(container(body).portMappings).toEqual([{ containerPort: 80, hostPort, protocol: 'tcp' }]);
  });

  it('fills defaults, empty lists and read-only fields', () => {
    const body = normalizeTaskDefinition(base(), meta);
    expect(body).toMatchObject({
      taskDefinitionArn: meta.arn, revision: 1, networkMode: 'bridge', volumes: [], placementConstraints: [],
      compatibilities: ['EC2'], registeredAt: meta.registeredAt, registeredBy: meta.registeredBy, requiresAttributes: [],
    });
    expect(container(body)).toMatchObject({ essential: true, cpu: 0, environment: [], mountPoints: [], volumesFrom: [] });
  });

  it('fills healthCheck defaults but keeps given values', () => {
    const body = normalizeTaskDefinition(base({
      containerDefinitions: [{ name: 'app', image: 'x', memory: 64, healthCheck: { command: ['CMD', 'true'], retries: 5 } }],
    }), meta);
    expect(container(body).healthCheck).toEqual({ command: ['CMD', 'true'], interval: 30, timeout: 5, retries: 5 });
  });

  it.each([
    ['missing family', { family: '' }, 'Family can not be blank.'],
    ['bad family', { family: 'a b' }, 'Family contains invalid characters'],
    ['no containers', { containerDefinitions: [] }, 'Container list cannot be empty.'],
    ['no image', { containerDefinitions: [{ name: 'a', memory: 5 }] }, 'Container.image should not be null or empty.'],
    ['no memory', { containerDefinitions: [{ name: 'a', image: 'x' }] }, "At least one of 'memory' or 'memoryReservation'"],
    ['fargate bridge', { requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512' }, "Fargate only supports network mode 'awsvpc'."],
    ['fargate no cpu', { requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', memory: '512' }, "Fargate requires that 'cpu'"],
    ['fargate bad size', { requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '4096' }, 'No Fargate configuration exists for given values: 256 CPU, 4096 memory'],
    ['awsvpc hostPort mismatch', { networkMode: 'awsvpc', containerDefinitions: [{ name: 'a', image: 'x', memory: 5, portMappings: [{ containerPort: 80, hostPort: 81 }] }] }, 'containerPort and hostPort must be the same'],
  ])('rejects %s with ClientException', (_name, over, message) => {
    let thrown: unknown;
    try {
      normalizeTaskDefinition(base(over as JsonObject), meta);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ type: 'ClientException' });
    expect((thrown as Error).message).toContain(message);
  });

  it('property: environment is the non-empty variables, sorted by name, whatever the input order', () => {
    const envVar = fc.record({ name: fc.stringMatching(/^[A-Z_]{1,6}$/), value: fc.oneof(fc.constant(''), fc.string({ maxLength: 5 })) });
    fc.assert(fc.property(fc.uniqueArray(envVar, { selector: (e) => e.name, maxLength: 12 }), (environment) => {
      const shuffled = [...environment].reverse();
      const a = container(normalizeTaskDefinition(base({ containerDefinitions: [{ name: 'a', image: 'x', memory: 5, environment }] }), meta));
      const b = container(normalizeTaskDefinition(base({ containerDefinitions: [{ name: 'a', image: 'x', memory: 5, environment: shuffled }] }), meta));
      const expected = environment.filter((e) => e.value !== '').sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      expect(a.environment).toEqual(expected);
      expect(b.environment).toEqual(a.environment);
    }));
  });

  it('property: normalizing never changes the caller\'s input', () => {
    fc.assert(fc.property(fc.constantFrom('bridge', 'host', 'awsvpc'), fc.integer({ min: 1, max: 65535 }), (networkMode, port) => {
      const input = base({ networkMode, containerDefinitions: [{ name: 'a', image: 'x', memory: 5, portMappings: [{ containerPort: port }] }] });
      const before = JSON.stringify(input);
      normalizeTaskDefinition(input, meta);
      expect(JSON.stringify(input)).toBe(before);
    }));
  });
});
