import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePointer } from '../../src/manifests/json-pointer.js';
import type { EnvironmentManifest } from '../../src/manifests/types.js';
import { renderDocument } from '../../src/render/index.js';

function environment(name: string, spec: Partial<EnvironmentManifest['spec']> = {}): EnvironmentManifest {
  return { apiVersion: 'ecs-gitops/v1', kind: 'Environment', metadata: { name }, spec: { account: '111111111111', region: 'eu-west-1', ...spec } };
}

const PROD = environment('prod', { account: '222222222222', region: 'eu-central-1', cluster: 'prod-main', variables: { TAG: 'v2', SUBNET: 'subnet-prod' }, sync: { mode: 'detect' } });
const DECLARED = new Set(['dev', 'prod']);
/** `null` renders without an environment. */
const render = (document: Record<string, unknown>, env: EnvironmentManifest | null = PROD) =>
  renderDocument(document, { ...(env === null ? {} : { environment: env }), declaredEnvironments: DECLARED });

function service(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'ecs-gitops/v1',
    kind: 'Service',
    metadata: { name: 'api', environments: ['dev', 'prod'], ...metadata },
    spec: {
      desiredCount: 1,
      taskDefinition: {
        family: 'api',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image: 'repo/api:${var.TAG}', environment: [{ name: 'STAGE', value: '${env.name}' }] }],
      },
      ...spec,
    },
  };
}

describe('renderDocument for an environment', () => {
  it('merges the override, fills in the environment, substitutes variables', () => {
    const result = render(
      service({
        networkConfiguration: { awsvpcConfiguration: { subnets: ['${var.SUBNET}', '${ssm:/net/extra}'] } },
        environments: { prod: { desiredCount: 4, taskDefinition: { containerDefinitions: [{ name: 'web', environment: [{ name: 'DB', value: '${cfn:db-prod.Endpoint}' }] }] } } },
      }),
    );
    expect(result.problems).toEqual([]);
    expect(result.manifest).toEqual({
      apiVersion: 'ecs-gitops/v1',
      kind: 'Service',
      metadata: { name: 'api', cluster: 'prod-main', region: 'eu-central-1' },
      spec: {
        desiredCount: 4,
        taskDefinition: {
          family: 'api',
          cpu: '256',
          memory: '512',
          containerDefinitions: [{ name: 'web', image: 'repo/api:v2', environment: [{ name: 'STAGE', value: 'prod' }, { name: 'DB', value: '${cfn:db-prod.Endpoint}' }] }],
        },
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-prod', '${ssm:/net/extra}'] } },
        sync: { mode: 'detect' },
      },
    });
    expect(result.lookups).toEqual([
      { pointer: '/spec/taskDefinition/containerDefinitions/0/environment/1/value', lookup: { source: 'cfn', stack: 'db-prod', output: 'Endpoint', text: '${cfn:db-prod.Endpoint}' }, offset: 0 },
      { pointer: '/spec/networkConfiguration/awsvpcConfiguration/subnets/1', lookup: { source: 'ssm', parameter: '/net/extra', text: '${ssm:/net/extra}' }, offset: 0 },
    ]);
    expect(result.originOf('/spec/desiredCount')).toBe('/spec/environments/prod/desiredCount');
    expect(result.originOf('/spec/taskDefinition/containerDefinitions/0/image')).toBe('/spec/taskDefinition/containerDefinitions/0/image');
    expect(result.originOf('/spec/taskDefinition/containerDefinitions/0/environment/1/value')).toBe('/spec/environments/prod/taskDefinition/containerDefinitions/0/environment/0/value');
    expect(result.originOf('/metadata/region')).toBe('/metadata');
    expect(result.originOf('/metadata/cluster')).toBe('/metadata');
    expect(result.originOf('/metadata/name')).toBe('/metadata/name');
    expect(result.originOf('/spec/sync/mode')).toBe('/metadata');
    expect(result.originOf('/spec/sync')).toBe('/metadata');
    expect(result.originOf('/spec/taskDefinition/executionRoleArn')).toBe('/spec/taskDefinition');
    expect(result.originOf('/kind')).toBe('/kind');
  });

  it('renders a document with no override for this environment as its base', () => {
    const result = render(service({ environments: { dev: { desiredCount: 0 } } }));
    expect(result.problems).toEqual([]);
    expect((result.manifest?.spec as Record<string, unknown>).desiredCount).toBe(1);
    expect(result.originOf('/spec/desiredCount')).toBe('/spec/desiredCount');
  });

  it('keeps the document\'s own cluster and sync.mode', () => {
    const result = render(service({ sync: { mode: 'auto', images: 'pin-digest' } }, { cluster: 'own' }));
    expect(result.manifest?.metadata).toEqual({ name: 'api', cluster: 'own', region: 'eu-central-1' });
    expect((result.manifest?.spec as Record<string, unknown>).sync).toEqual({ mode: 'auto', images: 'pin-digest' });
    expect(result.originOf('/metadata/cluster')).toBe('/metadata/cluster');
  });

  it('fills sync.mode into a sync block without one', () => {
    const result = render(service({ sync: { images: 'pin-digest' } }));
    expect((result.manifest?.spec as Record<string, unknown>).sync).toEqual({ images: 'pin-digest', mode: 'detect' });
    expect(result.originOf('/spec/sync/images')).toBe('/spec/sync/images');
    expect(result.originOf('/spec/sync/mode')).toBe('/metadata');
  });

  it('a Cluster gets the region, no cluster and no sync', () => {
    const result = render({ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'prod-main', environments: ['prod'] }, spec: { settings: [{ name: 'containerInsights', value: 'enabled' }], environments: { prod: { settings: [{ name: 'containerInsights', value: 'enhanced' }] } } } });
    expect(result.problems).toEqual([]);
    expect(result.manifest).toEqual({ apiVersion: 'ecs-gitops/v1', kind: 'Cluster', metadata: { name: 'prod-main', region: 'eu-central-1' }, spec: { settings: [{ name: 'containerInsights', value: 'enhanced' }] } });
  });

  it('substitutes metadata strings, never mapping keys', () => {
    const result = render(service({ tags: { '${var.TAG}': '${var.TAG}' } }, { name: 'api-${env.name}' }));
    expect(result.problems).toEqual([]);
    expect((result.manifest?.metadata as Record<string, unknown>).name).toBe('api-prod');
    expect((result.manifest?.spec as Record<string, unknown>).tags).toEqual({ '${var.TAG}': 'v2' });
  });

  it('does not substitute what the environment fills in', () => {
    const result = render(service(), environment('prod', { cluster: '${var.X}', variables: { TAG: 't' } }));
    expect(result.problems).toEqual([]);
    expect((result.manifest?.metadata as Record<string, unknown>).cluster).toBe('${var.X}');
  });

  it('leaves the source document untouched', () => {
    const document = service({ environments: { prod: { taskDefinition: { containerDefinitions: [{ name: 'web', cpu: 1 }] } } } });
    const before = JSON.stringify(document);
    render(document);
    expect(JSON.stringify(document)).toBe(before);
  });
});

describe('renderDocument: problems located in the source', () => {
  it.each([
    {
      name: 'an unknown variable in the base',
      document: service({ taskDefinition: { family: 'api', containerDefinitions: [{ name: 'web', image: 'repo/api:${var.TGA}' }] } }),
      expected: [{ code: 'MANIFEST_UNKNOWN_VARIABLE', pointer: '/spec/taskDefinition/containerDefinitions/0/image', locateAt: '/spec/taskDefinition/containerDefinitions/0/image', message: "[environment prod] /spec/taskDefinition/containerDefinitions/0/image: ${var.TGA} is not defined in environment prod's spec.variables: it defines TAG, SUBNET (did you mean ${var.TAG}?)" }],
    },
    {
      name: 'an unknown variable in the override',
      document: service({ environments: { prod: { taskDefinition: { containerDefinitions: [{ name: 'side', image: 'side' }, { name: 'web', image: 'repo/api:${var.NOPE}' }] } } } }),
      expected: [{ code: 'MANIFEST_UNKNOWN_VARIABLE', pointer: '/spec/taskDefinition/containerDefinitions/0/image', locateAt: '/spec/environments/prod/taskDefinition/containerDefinitions/1/image', message: "[environment prod] /spec/taskDefinition/containerDefinitions/0/image: ${var.NOPE} is not defined in environment prod's spec.variables: it defines TAG, SUBNET" }],
    },
    {
      name: 'a malformed reference in the override',
      document: service({ environments: { prod: { taskDefinition: { executionRoleArn: 'arn:${env.account' } } } }),
      expected: [{ code: 'MANIFEST_BAD_SUBSTITUTION', pointer: '/spec/taskDefinition/executionRoleArn', locateAt: '/spec/environments/prod/taskDefinition/executionRoleArn', message: '[environment prod] /spec/taskDefinition/executionRoleArn: malformed reference "${env.account": write ${env.name}, ${env.account} or ${env.region}; write $${env. for a literal ${env.' }],
    },
    {
      name: 'a lookup in the task definition family',
      document: service({ taskDefinition: { family: '${ssm:/family}', containerDefinitions: [{ name: 'web', image: 'x' }] } }),
      expected: [{ code: 'MANIFEST_LOOKUP_IN_STATIC_FIELD', pointer: '/spec/taskDefinition/family', locateAt: '/spec/taskDefinition/family', message: '[environment prod] /spec/taskDefinition/family: ${ssm:/family} cannot be used here: this field must be known without calling AWS (identity, sync settings, names); write the value itself or a ${var.NAME}' }],
    },
    {
      name: 'a lookup in a container name written by the override',
      document: service({ environments: { prod: { taskDefinition: { containerDefinitions: [{ name: '${cfn:s.Name}', image: 'x' }] } } } }),
      expected: [{ code: 'MANIFEST_LOOKUP_IN_STATIC_FIELD', pointer: '/spec/taskDefinition/containerDefinitions/1/name', locateAt: '/spec/environments/prod/taskDefinition/containerDefinitions/0/name', message: '[environment prod] /spec/taskDefinition/containerDefinitions/1/name: ${cfn:s.Name} cannot be used here: this field must be known without calling AWS (identity, sync settings, names); write the value itself or a ${var.NAME}' }],
    },
    {
      name: 'a lookup in metadata.cluster',
      document: service({}, { cluster: '${ssm:/cluster}' }),
      expected: [{ code: 'MANIFEST_LOOKUP_IN_STATIC_FIELD', pointer: '/metadata/cluster', locateAt: '/metadata/cluster', message: '[environment prod] /metadata/cluster: ${ssm:/cluster} cannot be used here: this field must be known without calling AWS (identity, sync settings, names); write the value itself or a ${var.NAME}' }],
    },
    {
      name: 'metadata.region beside environments',
      document: service({}, { region: 'us-east-1' }),
      expected: [{ code: 'MANIFEST_ENVIRONMENT_CONFLICT', pointer: '/metadata/region', locateAt: '/metadata/region', message: '[environment prod] /metadata/region: metadata.region is set by each environment (here eu-central-1): remove it from a document with metadata.environments' }],
    },
    {
      name: 'a delete of a container the base lacks',
      document: service({ environments: { prod: { taskDefinition: { containerDefinitions: [{ name: 'wbe', $patch: 'delete' }] } } } }),
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec/taskDefinition/containerDefinitions', locateAt: '/spec/environments/prod/taskDefinition/containerDefinitions/0', message: '[environment prod] /spec/taskDefinition/containerDefinitions: $patch: delete names the item with name "wbe", which the base does not have (did you mean web? it has web)' }],
    },
    {
      name: 'an override that sets environments',
      document: service({ environments: { prod: { environments: { dev: {} }, desiredCount: 2 } } }),
      expected: [{ code: 'MANIFEST_INVALID_VALUE', pointer: '/spec', locateAt: '/spec/environments/prod/environments', target: 'key', message: '[environment prod] /spec: an override cannot set environments: overrides do not nest' }],
    },
  ])('$name', ({ document, expected }) => {
    const result = render(document);
    expect(result.problems).toEqual(expected);
    expect(result.manifest).toBeDefined();
    for (const problem of result.problems) expect(problem.locateAt).toBe(problem.code === 'MANIFEST_INVALID_VALUE' ? problem.locateAt : result.originOf(problem.pointer));
  });

  it('locates the environment\'s region at a metadata.region written beside environments', () => {
    const result = render(service({}, { region: 'us-east-1' }));
    expect((result.manifest?.metadata as Record<string, unknown>).region).toBe('eu-central-1');
    expect(result.originOf('/metadata/region')).toBe('/metadata/region');
  });

  it('refuses an override that is not a mapping', () => {
    const result = render(service({ environments: { prod: ['desiredCount: 2'] } }));
    expect(result.manifest).toBeUndefined();
    expect(result.problems).toEqual([{ code: 'MANIFEST_WRONG_TYPE', pointer: '/spec', locateAt: '/spec/environments/prod', message: '[environment prod] /spec: the override must be a mapping of spec fields, not a list' }]);
  });

  it('needs a cluster from the document or the environment', () => {
    const result = render(service(), environment('dev'));
    expect(result.manifest).toBeUndefined();
    expect(result.problems).toEqual([
      { code: 'MANIFEST_MISSING_FIELD', pointer: '/metadata/cluster', locateAt: '/metadata', message: '[environment dev] /metadata/cluster: metadata.cluster is missing, and environment dev has no spec.cluster to default it: write metadata.cluster, or give the Environment a cluster' },
    ]);
  });
});

describe('renderDocument without an environment', () => {
  const single = {
    apiVersion: 'ecs-gitops/v1',
    kind: 'Service',
    metadata: { name: 'api', cluster: 'main', region: 'eu-west-1' },
    spec: { taskDefinition: { family: 'api', containerDefinitions: [{ name: 'web', image: 'x', command: ['sh', '-c', 'echo $${HOME} ${HOME}'], environment: [{ name: 'A', value: '${ssm:/a}' }] }] } },
  };

  it('is the document as written (the same object, a shell\'s `$${HOME}` kept), lookups collected', () => {
    const result = render(single, null);
    expect(result.problems).toEqual([]);
    expect(result.manifest).toBe(single);
    expect(result.lookups).toEqual([{ pointer: '/spec/taskDefinition/containerDefinitions/0/environment/0/value', lookup: { source: 'ssm', parameter: '/a', text: '${ssm:/a}' }, offset: 0 }]);
    expect(result.originOf('/spec/taskDefinition/containerDefinitions/0/image')).toBe('/spec/taskDefinition/containerDefinitions/0/image');
    expect(result.originOf('/spec/taskDefinition/cpu')).toBe('/spec/taskDefinition');
  });

  it('undoes only the escapes `$${var.`, `$${env.`, `$${ssm:`, `$${cfn:`, copying only the path to what changed', () => {
    const escaped = {
      ...single,
      metadata: { ...single.metadata },
      spec: {
        taskDefinition: {
          ...single.spec.taskDefinition,
          containerDefinitions: [{ name: 'web', image: 'x', command: ['sh', '-c', 'echo $${HOME} $${var.TAG} ${HOME}'], environment: [{ name: 'A', value: '$${ssm:/a} ${ssm:/a}' }] }],
        },
        tags: { team: 'a' },
      },
    };
    const result = render(escaped, null);
    expect(result.problems).toEqual([]);
    expect(result.manifest).toEqual({
      ...escaped,
      spec: { ...escaped.spec, taskDefinition: { ...escaped.spec.taskDefinition, containerDefinitions: [{ name: 'web', image: 'x', command: ['sh', '-c', 'echo $${HOME} ${var.TAG} ${HOME}'], environment: [{ name: 'A', value: '${ssm:/a} ${ssm:/a}' }] }] } },
    });
    expect(result.manifest?.metadata).toBe(escaped.metadata);
    expect((result.manifest?.spec as { tags: unknown }).tags).toBe(escaped.spec.tags);
    // Only the real lookup, at its offset in the rendered string.
    expect(result.lookups).toEqual([{ pointer: '/spec/taskDefinition/containerDefinitions/0/environment/0/value', lookup: { source: 'ssm', parameter: '/a', text: '${ssm:/a}' }, offset: 10 }]);
  });

  it('reports a stray variable, unprefixed', () => {
    const result = render({ ...single, metadata: { ...single.metadata, name: 'api-${env.name}' } }, null);
    expect(result.problems).toEqual([
      { code: 'MANIFEST_UNKNOWN_VARIABLE', pointer: '/metadata/name', locateAt: '/metadata/name', message: '/metadata/name: ${env.name} needs an environment, and this document lists none in metadata.environments: write the value itself, or list the environments it is rendered for' },
    ]);
  });

  it('reports a lookup in a static field', () => {
    const result = render({ ...single, spec: { ...single.spec, sync: { mode: '${ssm:/mode}' } } }, null);
    expect(result.problems.map((p) => [p.code, p.pointer])).toEqual([['MANIFEST_LOOKUP_IN_STATIC_FIELD', '/spec/sync/mode']]);
    expect(result.lookups.map((l) => l.pointer)).toEqual(['/spec/taskDefinition/containerDefinitions/0/environment/0/value']);
  });
});

describe('renderDocument: properties', () => {
  const KEYS = ['desiredCount', 'image', 'environment', 'portMappings', 'a/b'] as const;
  const scalar = fc.oneof(fc.string({ maxLength: 4 }).filter((s) => !s.includes('$')), fc.integer({ min: 0, max: 9 }), fc.boolean());
  const tree = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(scalar, { maxLength: 3 }), tie('mapping'), tie('named')),
    mapping: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
    named: fc.array(fc.tuple(fc.constantFrom('p', 'q'), fc.constantFrom(80, 81), tie('mapping')).map(([name, containerPort, rest]) => ({ ...(rest as object), name, containerPort })), { maxLength: 3 }),
  }));
  const spec = tree.mapping as fc.Arbitrary<Record<string, unknown>>;

  function scalarLeaves(value: unknown, pointer = ''): [string, unknown][] {
    if (Array.isArray(value)) return value.flatMap((item, index) => scalarLeaves(item, `${pointer}/${index}`));
    if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, item]) => scalarLeaves(item, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`));
    return [[pointer, value]];
  }
  function at(document: unknown, pointer: string): unknown {
    let current = document;
    for (const segment of parsePointer(pointer) as string[]) current = (current as Record<string, unknown>)[segment];
    return current;
  }

  it('every scalar of the manifest comes from the source, or from the environment (located at /metadata)', () => {
    fc.assert(
      fc.property(spec, spec, fc.boolean(), (base, patch, ownCluster) => {
        const document = { apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name: 'api', environments: ['prod'], ...(ownCluster ? { cluster: 'c' } : {}) }, spec: { ...base, environments: { prod: patch } } };
        const result = render(document);
        expect(result.manifest).toBeDefined();
        for (const [pointer, value] of scalarLeaves(result.manifest)) {
          const origin = result.originOf(pointer);
          if (origin === '/metadata') expect(['/metadata/region', '/metadata/cluster', '/spec/sync/mode']).toContain(pointer);
          else expect(at(document, origin), `${pointer} -> ${origin}`).toEqual(value);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('renders a thousand services for three environments quickly', () => {
    const environments = ['dev', 'staging', 'prod'].map((name) => environment(name, { cluster: 'main', variables: { TAG: name } }));
    const documents = Array.from({ length: 1000 }, (_, index) =>
      service({ environments: { prod: { desiredCount: 3, taskDefinition: { containerDefinitions: [{ name: 'web', environment: [{ name: 'N', value: String(index) }] }] } } } }, { name: `api-${index}`, environments: ['dev', 'staging', 'prod'] }),
    );
    const started = performance.now();
    for (const document of documents) for (const env of environments) expect(render(document, env).problems).toEqual([]);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
