import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePointer } from '../../src/manifests/json-pointer.js';
import { mergeNamedPatch, sourcePointerOf } from '../../src/render/index.js';

const POINTERS = { base: '/spec', patch: '/spec/environments/prod', result: '/spec' } as const;
const merge = (base: unknown, patch: unknown) => mergeNamedPatch(base, patch, POINTERS);

interface MergeCase {
  readonly name: string;
  readonly base: unknown;
  readonly patch: unknown;
  readonly expected: unknown;
}

const container = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: `${name}:1`, ...extra });

const MERGE_BY_NAME: readonly MergeCase[] = [
  {
    name: 'a container patched by name keeps its other fields and its place',
    base: { taskDefinition: { containerDefinitions: [container('web'), container('log')] } },
    patch: { taskDefinition: { containerDefinitions: [{ name: 'log', image: 'log:2' }] } },
    expected: { taskDefinition: { containerDefinitions: [container('web'), { name: 'log', image: 'log:2' }] } },
  },
  {
    name: 'environment variables: one changed, one added, one deleted',
    base: { environment: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }] },
    patch: { environment: [{ name: 'D', value: '4' }, { name: 'B', $patch: 'delete' }, { name: 'A', value: 'one' }] },
    expected: { environment: [{ name: 'A', value: 'one' }, { name: 'C', value: '3' }, { name: 'D', value: '4' }] },
  },
  {
    name: 'secrets appended in patch order after the base ones',
    base: { secrets: [{ name: 'S1', valueFrom: 'arn:1' }] },
    patch: { secrets: [{ name: 'S3', valueFrom: 'arn:3' }, { name: 'S2', valueFrom: 'arn:2' }] },
    expected: { secrets: [{ name: 'S1', valueFrom: 'arn:1' }, { name: 'S3', valueFrom: 'arn:3' }, { name: 'S2', valueFrom: 'arn:2' }] },
  },
  {
    name: 'portMappings merge by containerPort',
    base: { portMappings: [{ containerPort: 80, protocol: 'tcp' }, { containerPort: 9090 }] },
    patch: { portMappings: [{ containerPort: 80, hostPort: 80 }, { containerPort: 443 }, { containerPort: 9090, $patch: 'delete' }] },
    expected: { portMappings: [{ containerPort: 80, protocol: 'tcp', hostPort: 80 }, { containerPort: 443 }] },
  },
  {
    name: 'portMappings with names still merge by containerPort',
    base: { portMappings: [{ name: 'http', containerPort: 80 }] },
    patch: { portMappings: [{ name: 'web', containerPort: 80 }] },
    expected: { portMappings: [{ name: 'web', containerPort: 80 }] },
  },
  {
    name: 'portMappings: a patch item without protocol means tcp, wherever the tcp item is',
    base: { portMappings: [{ containerPort: 53, protocol: 'udp' }, { containerPort: 53, protocol: 'tcp' }] },
    patch: { portMappings: [{ containerPort: 53, hostPort: 5353 }] },
    expected: { portMappings: [{ containerPort: 53, protocol: 'udp' }, { containerPort: 53, protocol: 'tcp', hostPort: 5353 }] },
  },
  {
    name: 'portMappings: a udp patch item merges into the udp item only',
    base: { portMappings: [{ containerPort: 53 }, { containerPort: 53, protocol: 'udp' }] },
    patch: { portMappings: [{ containerPort: 53, protocol: 'udp', hostPort: 5353 }] },
    expected: { portMappings: [{ containerPort: 53 }, { containerPort: 53, protocol: 'udp', hostPort: 5353 }] },
  },
  {
    name: 'portMappings: one port in both protocols in one patch is two items',
    base: { portMappings: [{ containerPort: 53, protocol: 'tcp' }] },
    patch: { portMappings: [{ containerPort: 53, hostPort: 53 }, { containerPort: 53, protocol: 'udp', hostPort: 53 }] },
    expected: { portMappings: [{ containerPort: 53, protocol: 'tcp', hostPort: 53 }, { containerPort: 53, protocol: 'udp', hostPort: 53 }] },
  },
  {
    name: 'portMappings: deleting 53/udp keeps 53/tcp',
    base: { portMappings: [{ containerPort: 53, protocol: 'tcp' }, { containerPort: 53, protocol: 'udp' }] },
    patch: { portMappings: [{ containerPort: 53, protocol: 'udp', $patch: 'delete' }] },
    expected: { portMappings: [{ containerPort: 53, protocol: 'tcp' }] },
  },
  {
    name: 'mountPoints have no name: a patch list replaces the base list whole',
    base: { mountPoints: [{ sourceVolume: 'data', containerPath: '/data' }, { sourceVolume: 'logs', containerPath: '/logs' }] },
    patch: { mountPoints: [{ sourceVolume: 'data', containerPath: '/srv' }] },
    expected: { mountPoints: [{ sourceVolume: 'data', containerPath: '/srv' }] },
  },
  {
    name: 'hooks: preDeploy patched by name, postDeploy added',
    base: { hooks: { preDeploy: [{ name: 'migrate', command: ['migrate', 'up'], timeout: 600 }] } },
    patch: { hooks: { preDeploy: [{ name: 'migrate', timeout: 1200 }], postDeploy: [{ name: 'smoke', command: ['smoke'] }] } },
    expected: { hooks: { preDeploy: [{ name: 'migrate', command: ['migrate', 'up'], timeout: 1200 }], postDeploy: [{ name: 'smoke', command: ['smoke'] }] } },
  },
  {
    name: 'auto scaling policies by name',
    base: { autoScaling: { minCapacity: 1, maxCapacity: 4, targetTracking: [{ name: 'cpu', targetValue: 50, predefinedMetric: 'ECSServiceAverageCPUUtilization' }] } },
    patch: { autoScaling: { maxCapacity: 40, targetTracking: [{ name: 'cpu', targetValue: 70 }] } },
    expected: { autoScaling: { minCapacity: 1, maxCapacity: 40, targetTracking: [{ name: 'cpu', targetValue: 70, predefinedMetric: 'ECSServiceAverageCPUUtilization' }] } },
  },
  {
    name: 'nested named arrays inside a named item merge by name too',
    base: { containerDefinitions: [container('web', { environment: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], portMappings: [{ containerPort: 80 }] })] },
    patch: { containerDefinitions: [{ name: 'web', environment: [{ name: 'B', value: 'two' }], portMappings: [{ containerPort: 81 }] }] },
    expected: { containerDefinitions: [container('web', { environment: [{ name: 'A', value: '1' }, { name: 'B', value: 'two' }], portMappings: [{ containerPort: 80 }, { containerPort: 81 }] })] },
  },
  {
    name: 'null deletes a member of a named item',
    base: { containerDefinitions: [container('web', { cpu: 256, memory: 512 })] },
    patch: { containerDefinitions: [{ name: 'web', cpu: null }] },
    expected: { containerDefinitions: [container('web', { memory: 512 })] },
  },
  {
    name: 'null deletes a whole named array',
    base: { secrets: [{ name: 'S', valueFrom: 'arn' }], cpu: '256' },
    patch: { secrets: null },
    expected: { cpu: '256' },
  },
  {
    name: 'arrays of scalars replace whole',
    base: { containerDefinitions: [container('web', { command: ['a', 'b'] })], subnets: ['s-1', 's-2'] },
    patch: { containerDefinitions: [{ name: 'web', command: ['c'] }], subnets: ['s-3'] },
    expected: { containerDefinitions: [container('web', { command: ['c'] })], subnets: ['s-3'] },
  },
  {
    name: 'arrays of mappings without names replace whole',
    base: { placementStrategy: [{ type: 'spread', field: 'az' }, { type: 'binpack', field: 'cpu' }] },
    patch: { placementStrategy: [{ type: 'random' }] },
    expected: { placementStrategy: [{ type: 'random' }] },
  },
  {
    name: 'a named patch over a base with an unnamed item replaces whole (its items applied to nothing)',
    base: { items: [{ name: 'a' }, { value: 1 }] },
    patch: { items: [{ name: 'b', gone: null }] },
    expected: { items: [{ name: 'b' }] },
  },
  {
    name: 'a named patch over a scalar replaces it (its items applied to nothing)',
    base: { items: 'none' },
    patch: { items: [{ name: 'b', gone: null }] },
    expected: { items: [{ name: 'b' }] },
  },
  {
    name: 'an empty patch array replaces (no secrets)',
    base: { secrets: [{ name: 'S', valueFrom: 'arn' }] },
    patch: { secrets: [] },
    expected: { secrets: [] },
  },
  {
    name: 'a named array the base lacks: nulls in its items are dropped',
    base: {},
    patch: { volumes: [{ name: 'data', host: null, efsVolumeConfiguration: { fileSystemId: 'fs-1', rootDirectory: null } }] },
    expected: { volumes: [{ name: 'data', efsVolumeConfiguration: { fileSystemId: 'fs-1' } }] },
  },
  {
    name: 'cluster settings by name',
    base: { settings: [{ name: 'containerInsights', value: 'disabled' }] },
    patch: { settings: [{ name: 'containerInsights', value: 'enhanced' }] },
    expected: { settings: [{ name: 'containerInsights', value: 'enhanced' }] },
  },
  {
    name: 'overrides.containerOverrides by name',
    base: { overrides: { containerOverrides: [{ name: 'job', command: ['run'] }, { name: 'side', cpu: 1 }] } },
    patch: { overrides: { containerOverrides: [{ name: 'job', command: ['run', '--prod'] }] } },
    expected: { overrides: { containerOverrides: [{ name: 'job', command: ['run', '--prod'] }, { name: 'side', cpu: 1 }] } },
  },
  {
    name: 'a __proto__ member is data, not a prototype',
    base: { tags: { team: 'a' } },
    patch: JSON.parse('{"tags": {"__proto__": "x"}}') as unknown,
    expected: JSON.parse('{"tags": {"team": "a", "__proto__": "x"}}') as unknown,
  },
];

/** RFC 7386 Appendix A, each placed under a member `x` (a whole-document patch must be a mapping here). */
const RFC_7386_APPENDIX_A: readonly (readonly [unknown, unknown, unknown])[] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, undefined],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe('mergeNamedPatch: arrays of named items merge by name', () => {
  it.each(MERGE_BY_NAME.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = merge(c.base, c.patch);
    expect(result.problems).toEqual([]);
    expect(result.value).toEqual(c.expected);
    expect(JSON.stringify(result.value)).toBe(JSON.stringify(c.expected));
  });

  it('leaves the base untouched', () => {
    const base = { environment: [{ name: 'A', value: '1' }] };
    const before = JSON.stringify(base);
    merge(base, { environment: [{ name: 'A', value: '2' }, { name: 'B', value: '3' }] });
    expect(JSON.stringify(base)).toBe(before);
  });
});

describe('mergeNamedPatch: RFC 7386 appendix A', () => {
  it.each(RFC_7386_APPENDIX_A.map(([base, patch, result], index) => [index + 1, base, patch, result] as const))('example %i', (_index, base, patch, expected) => {
    const result = merge({ x: base }, { x: patch });
    expect(result.problems).toEqual([]);
    expect(result.value).toEqual(expected === undefined ? {} : { x: expected });
  });
});

describe('mergeNamedPatch: problems, located at the patch text', () => {
  it.each([
    {
      name: 'deleting a name the base lacks',
      base: { environment: [{ name: 'STAGE', value: '1' }] },
      patch: { environment: [{ name: 'LOG_LEVEL', $patch: 'delete' }] },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/environment', locateAt: '/spec/environments/prod/environment/0', message: '$patch: delete names the item with name "LOG_LEVEL", which the base does not have (it has STAGE)' }],
      value: { environment: [{ name: 'STAGE', value: '1' }] },
    },
    {
      name: 'deleting from an array the base does not have',
      base: {},
      patch: { secrets: [{ name: 'S', $patch: 'delete' }] },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/secrets', locateAt: '/spec/environments/prod/secrets/0', message: '$patch: delete names the item with name "S", which the base does not have (it has no items)' }],
      value: { secrets: [] },
    },
    {
      name: '$patch with another directive',
      base: { environment: [{ name: 'A', value: '1' }] },
      patch: { environment: [{ name: 'A', $patch: 'replace' }] },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/environment', locateAt: '/spec/environments/prod/environment/0/$patch', message: '$patch must be delete (the only directive), not "replace"' }],
      value: { environment: [{ name: 'A', value: '1' }] },
    },
    {
      name: '$patch in a mapping that is not an array item',
      base: { taskDefinition: { cpu: '256' } },
      patch: { taskDefinition: { $patch: 'delete' } },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/taskDefinition', locateAt: '/spec/environments/prod/taskDefinition/$patch', target: 'key', message: '$patch: delete works only on an item of an array of named items (to remove it); to delete a field, set it to null' }],
      value: { taskDefinition: { cpu: '256' } },
    },
    {
      name: '$patch in an array that is replaced whole',
      base: { placementStrategy: [{ type: 'spread' }] },
      patch: { placementStrategy: [{ type: 'spread', $patch: 'delete' }] },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/placementStrategy', locateAt: '/spec/environments/prod/placementStrategy/0/$patch', target: 'key', message: '$patch works only on an item of an array whose every item, in the base and the patch, has a string name: this array is replaced whole' }],
      value: { placementStrategy: [{ type: 'spread', $patch: 'delete' }] },
    },
    {
      name: 'one name twice in a patch array',
      base: { environment: [{ name: 'A', value: '1' }] },
      patch: { environment: [{ name: 'A', value: '2' }, { name: 'A', value: '3' }] },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/environment', locateAt: '/spec/environments/prod/environment/1', message: 'the patch names the item with name "A" twice: patch each item once' }],
      value: { environment: [{ name: 'A', value: '2' }] },
    },
    {
      name: 'one name twice in the base array a patch merges into',
      base: { environment: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'A', value: '3' }] },
      patch: { environment: [{ name: 'A', value: 'one' }] },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/environment', locateAt: '/spec/environment/2', message: 'item 2 has the same name "A" as item 0: a list merged by name needs each key once (the override merges into item 0)' }],
      value: { environment: [{ name: 'A', value: 'one' }, { name: 'B', value: '2' }, { name: 'A', value: '3' }] },
    },
    {
      name: 'one port twice in the base, once with the default protocol',
      base: { portMappings: [{ containerPort: 80 }, { containerPort: 80, protocol: 'tcp', hostPort: 8080 }] },
      patch: { portMappings: [{ containerPort: 80, hostPort: 80 }] },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/portMappings', locateAt: '/spec/portMappings/1', message: 'item 1 has the same containerPort 80 and protocol tcp as item 0: a list merged by containerPort and protocol needs each key once (the override merges into item 0)' }],
      value: { portMappings: [{ containerPort: 80, hostPort: 80 }, { containerPort: 80, protocol: 'tcp', hostPort: 8080 }] },
    },
    {
      name: 'one port and protocol twice in a patch array',
      base: { portMappings: [{ containerPort: 53, protocol: 'udp' }] },
      patch: { portMappings: [{ containerPort: 53, protocol: 'udp', hostPort: 1 }, { containerPort: 53, protocol: 'udp', hostPort: 2 }] },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/portMappings', locateAt: '/spec/environments/prod/portMappings/1', message: 'the patch names the item with containerPort 53 and protocol udp twice: patch each item once' }],
      value: { portMappings: [{ containerPort: 53, protocol: 'udp', hostPort: 1 }] },
    },
    {
      name: 'deleting a port mapping whose protocol the base lacks',
      base: { portMappings: [{ containerPort: 53 }] },
      patch: { portMappings: [{ containerPort: 53, protocol: 'udp', $patch: 'delete' }] },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/portMappings', locateAt: '/spec/environments/prod/portMappings/0', message: '$patch: delete names the item with containerPort 53 and protocol udp, which the base does not have (it has 53/tcp)' }],
      value: { portMappings: [{ containerPort: 53 }] },
    },
    {
      name: 'a nested problem points at the item where it lands in the result',
      base: { containerDefinitions: [container('a'), container('b')] },
      patch: { containerDefinitions: [{ name: 'a', $patch: 'delete' }, { name: 'b', environment: [{ name: 'X', $patch: 'delete' }] }] },
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/containerDefinitions/0/environment', locateAt: '/spec/environments/prod/containerDefinitions/1/environment/0', message: '$patch: delete names the item with name "X", which the base does not have (it has no items)' }],
      value: { containerDefinitions: [{ ...container('b'), environment: [] }] },
    },
  ])('$name', ({ base, patch, expected, value }) => {
    const result = merge(base, patch);
    expect(result.problems).toEqual(expected);
    expect(result.value).toEqual(value);
  });

  it.each([['a list', ['x']], ['the string "x"', 'x'], ['null', null]])('a patch that is %s is refused', (described, patch) => {
    const result = merge({ a: 1 }, patch);
    expect(result.value).toEqual({ a: 1 });
    expect(result.problems).toEqual([
      { code: 'MANIFEST_WRONG_TYPE', pointer: '/spec', locateAt: '/spec/environments/prod', message: `the override must be a mapping of spec fields, not ${described}` },
    ]);
  });
});

describe('mergeNamedPatch: provenance', () => {
  const base = {
    desiredCount: 1,
    taskDefinition: {
      family: 'api',
      containerDefinitions: [
        container('web', { environment: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }),
        container('log'),
        container('side'),
      ],
    },
  };
  const patch = {
    desiredCount: 3,
    taskDefinition: {
      containerDefinitions: [
        { name: 'log', $patch: 'delete' },
        { name: 'extra', image: 'extra:1', command: ['run'] },
        { name: 'side', image: 'side:2' },
        { name: 'web', environment: [{ name: 'B', value: 'two' }] },
      ],
    },
  };
  const result = merge(base, patch);
  const originOf = (pointer: string) => sourcePointerOf(result.origin, result.value, (parsePointer(pointer) as string[]).slice(1));

  it.each([
    ['/spec/desiredCount', '/spec/environments/prod/desiredCount'],
    ['/spec/taskDefinition/family', '/spec/taskDefinition/family'],
    ['/spec/taskDefinition', '/spec/taskDefinition'],
    ['/spec/taskDefinition/containerDefinitions/0/image', '/spec/taskDefinition/containerDefinitions/0/image'],
    ['/spec/taskDefinition/containerDefinitions/0/environment/0/value', '/spec/taskDefinition/containerDefinitions/0/environment/0/value'],
    ['/spec/taskDefinition/containerDefinitions/0/environment/1/value', '/spec/environments/prod/taskDefinition/containerDefinitions/3/environment/0/value'],
    ['/spec/taskDefinition/containerDefinitions/1/image', '/spec/environments/prod/taskDefinition/containerDefinitions/2/image'],
    // The patch writes the key it merges by, so the name is the patch's.
    ['/spec/taskDefinition/containerDefinitions/1/name', '/spec/environments/prod/taskDefinition/containerDefinitions/2/name'],
    ['/spec/taskDefinition/containerDefinitions/1', '/spec/taskDefinition/containerDefinitions/2'],
    ['/spec/taskDefinition/containerDefinitions/2/command/0', '/spec/environments/prod/taskDefinition/containerDefinitions/1/command/0'],
    // Not written by either side: the nearest written ancestor.
    ['/spec/taskDefinition/containerDefinitions/2/cpu', '/spec/environments/prod/taskDefinition/containerDefinitions/1'],
    ['/spec/taskDefinition/cpu', '/spec/taskDefinition'],
    ['/spec/taskDefinition/containerDefinitions/9', '/spec/taskDefinition/containerDefinitions'],
  ])('%s comes from %s', (rendered, source) => {
    expect(result.problems).toEqual([]);
    expect(originOf(rendered)).toBe(source);
  });
});

// Generated documents: mappings over a few keys, named arrays (with and
// without portMappings' containerPort and protocol), scalar arrays; patches add nulls and
// deletions.
const KEYS = ['a', 'b', 'image', 'environment', 'portMappings', 'x~y/z'] as const;
// A port mapping's protocol: absent (tcp), tcp written out, or udp.
const protocol = fc.constantFrom({}, { protocol: 'tcp' }, { protocol: 'udp' });
const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 9 }), fc.boolean());
const documents = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(scalar, { maxLength: 3 }), tie('mapping'), tie('named')),
  mapping: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
  named: fc.array(
    fc
      .tuple(fc.constantFrom('p', 'q', 'r'), fc.constantFrom(80, 81, 82), protocol, tie('mapping'))
      .map(([name, containerPort, protocolField, rest]) => ({ ...(rest as object), name, containerPort, ...protocolField })),
    { maxLength: 4 },
  ),
}));
const patches = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, fc.constant(null), fc.array(scalar, { maxLength: 3 }), tie('mapping'), tie('named')),
  mapping: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
  named: fc.array(
    fc
      .tuple(fc.constantFrom('p', 'q', 'r', 's'), fc.constantFrom(80, 81, 82, 83), protocol, fc.oneof({ weight: 4, arbitrary: tie('mapping') }, { weight: 1, arbitrary: fc.constant('delete') }))
      .map(([name, containerPort, protocolField, rest]) => (rest === 'delete' ? { name, containerPort, ...protocolField, $patch: 'delete' } : { ...(rest as object), name, containerPort, ...protocolField })),
    { maxLength: 4 },
  ),
}));
const baseSpec = documents.mapping as fc.Arbitrary<Record<string, unknown>>;
const patchSpec = patches.mapping as fc.Arbitrary<Record<string, unknown>>;

function scalarLeaves(value: unknown, pointer = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => scalarLeaves(item, `${pointer}/${index}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => scalarLeaves(item, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  }
  return [[pointer, value]];
}

function at(document: unknown, pointer: string): { found: boolean; value?: unknown } {
  let current = document;
  for (const segment of parsePointer(pointer) as string[]) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return { found: false };
    current = (current as Record<string, unknown>)[segment];
  }
  return { found: true, value: current };
}

describe('mergeNamedPatch: properties', () => {
  it('an empty patch is the identity', () => {
    fc.assert(
      fc.property(baseSpec, (base) => {
        const result = merge(base, {});
        expect(result.problems).toEqual([]);
        expect(result.value).toEqual(base);
      }),
    );
  });

  it('applying a patch twice equals applying it once', () => {
    let checked = 0;
    fc.assert(
      fc.property(baseSpec, patchSpec, (base, patch) => {
        const once = merge(base, patch);
        if (once.problems.length > 0) return;
        checked++;
        expect(merge(once.value, patch).value).toEqual(once.value);
      }),
      { numRuns: 300 },
    );
    expect(checked).toBeGreaterThan(100);
  });

  it('every scalar of the result maps to a source pointer that holds the same value', () => {
    fc.assert(
      fc.property(baseSpec, patchSpec, (base, patch) => {
        const source = { spec: { ...base, environments: { prod: patch } } };
        const result = merge(base, patch);
        for (const [pointer, value] of scalarLeaves(result.value)) {
          const origin = sourcePointerOf(result.origin, result.value, (parsePointer(pointer) as string[]));
          const found = at(source, origin);
          expect(found, `${pointer} -> ${origin}`).toEqual({ found: true, value });
        }
      }),
      { numRuns: 300 },
    );
  });
});
