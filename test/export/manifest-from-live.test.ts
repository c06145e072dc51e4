/**
 * manifestFromLive, minimize and the key order, without IO: table cases from
 * the diff's DescribeServices/DescribeTaskDefinition fixtures, and properties
 * over generated services (an export always reads back in sync, is minimal and
 * is stable).
 */
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { diffService, normalizeService } from '../../src/diff/index.js';
import { manifestFromLive, minimize, orderManifestKeys, renderManifestYaml } from '../../src/export/index.js';
import { canonicalJson, validateDocuments } from '../../src/manifests/index.js';
import type { ServiceSpec } from '../../src/manifests/types.js';
import { serviceSpecArb } from '../diff/arbitraries.js';
import { liveService, liveTags, liveTaskDefinition, REGION } from '../diff/fixtures.js';

describe('minimize', () => {
  const cases: { name: string; input: Record<string, unknown>; keep?: string[]; expected: Record<string, unknown> }[] = [
    { name: 'drops fields the fingerprint ignores', input: { a: 1, b: 2 }, expected: { a: 1 } },
    { name: 'drops a field equal to its default', input: { a: 1, d: 'default' }, expected: { a: 1 } },
    { name: 'keeps a field that differs from its default', input: { a: 1, d: 'other' }, expected: { a: 1, d: 'other' } },
    { name: 'recurses into objects and arrays, never removing entries', input: { a: 1, list: [{ a: 1, b: 2 }, { b: 3 }] }, expected: { a: 1, list: [{ a: 1 }, {}] } },
    { name: 'honours keep pointers', input: { a: 1, b: 2 }, keep: ['/b'], expected: { a: 1, b: 2 } },
  ];
  // Fingerprint: `b` is ignored, `d` defaults to 'default', everything else counts.
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'b') out[k] = strip(x);
    if (out.d === undefined) out.d = 'default';
    return out;
  };
  it.each(cases)('$name', ({ input, keep, expected }) => {
    const out = minimize(input as never, (c) => JSON.stringify(strip(c)), keep ? { keep: new Set(keep) } : {});
    expect(out).toEqual(expected);
    expect(input).not.toBe(out);
  });
});

describe('minimize properties', () => {
  const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
  const tree = fc.letrec((tie) => ({
    node: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, fc.integer({ min: 0, max: 3 }), tie('node'), fc.array(tie('node'), { maxLength: 2 }))),
  })).node as fc.Arbitrary<Record<string, unknown>>;
  // A normalizer in the diff's style: drops some keys, fills a default, prunes empty objects.
  const normalize = (ignored: ReadonlySet<string>) => {
    const go = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(go);
      if (v === null || typeof v !== 'object') return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v).sort(([p], [q]) => (p < q ? -1 : 1))) {
        if (ignored.has(k)) continue;
        const n = go(x);
        if (n !== null && typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0) continue;
        out[k] = n;
      }
      if (out.d === 0) delete out.d;
      return out;
    };
    return (t: unknown) => JSON.stringify(go(t));
  };

  it('keeps the fingerprint, and no remaining field can be dropped without changing it', () => {
    fc.assert(fc.property(tree, fc.subarray(['a', 'b', 'c', 'd', 'e']), (input, ignoredKeys) => {
      const fingerprint = normalize(new Set(ignoredKeys));
      const out = minimize(input as never, fingerprint);
      expect(fingerprint(out)).toBe(fingerprint(input));
      // Try every single-field removal on a copy.
      const paths: (string | number)[][] = [];
      const collect = (node: unknown, at: (string | number)[]): void => {
        if (Array.isArray(node)) return node.forEach((c, i) => collect(c, [...at, i]));
        if (node === null || typeof node !== 'object') return;
        for (const [k, v] of Object.entries(node)) {
          paths.push([...at, k]);
          collect(v, [...at, k]);
        }
      };
      collect(out, []);
      for (const p of paths) {
        const copy = structuredClone(out) as Record<string | number, unknown>;
        let parent: Record<string | number, unknown> = copy;
        for (const step of p.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
        delete parent[p.at(-1) as string];
        expect(fingerprint(copy), JSON.stringify(p)).not.toBe(fingerprint(input));
      }
    }), { numRuns: 200 });
  });
});

describe('orderManifestKeys', () => {
  it('puts identity first, then what runs, then the rest alphabetically', () => {
    const ordered = orderManifestKeys({
      spec: { zeta: 1, tags: { b: '1', a: '2' }, taskDefinition: { volumes: [], family: 'x', containerDefinitions: [{ image: 'i', name: 'n', alpha: 1 }] }, desiredCount: 1 },
      metadata: { region: 'r', name: 'n', cluster: 'c' }, kind: 'Service', apiVersion: 'ecs-gitops/v1',
    });
    expect(stringify(ordered)).toBe([
      'apiVersion: ecs-gitops/v1', 'kind: Service', 'metadata:', '  name: n', '  cluster: c', '  region: r', 'spec:',
      '  desiredCount: 1', '  taskDefinition:', '    family: x', '    containerDefinitions:', '      - name: n', '        image: i',
      '        alpha: 1', '    volumes: []', '  tags:', '    a: "2"', '    b: "1"', '  zeta: 1', '',
    ].join('\n'));
  });
});

describe('manifestFromLive on DescribeServices/DescribeTaskDefinition output', () => {
  const service = { ...liveService(), tags: liveTags([{ key: 'team', value: 'storefront' }, { key: 'aws:cloudformation:stack-name', value: 's' }]) } as Service;
  const taskDefinition = liveTaskDefinition() as TaskDefinition;
  const exported = manifestFromLive({
    region: REGION, cluster: 'prod', service, taskDefinition,
    taskDefinitionTags: [{ key: 'app', value: 'web' }, { key: 'ecs-gitops/spec-hash', value: 'abc' }],
    clusterDefaultCapacityProviderStrategy: [],
  });
  const spec = exported.manifest.spec as ServiceSpec & Record<string, unknown>;

  it('reads back in sync', () => {
    expect(exported.residualChanges).toEqual([]);
  });

  it.each([
    ['read-only task definition fields', ['taskDefinitionArn', 'revision', 'status', 'compatibilities', 'requiresAttributes', 'registeredAt', 'registeredBy']],
    ['empty lists', ['placementConstraints', 'volumes']],
  ])('drops %s', (_label, fields) => {
    for (const field of fields) expect(spec.taskDefinition, field).not.toHaveProperty(field);
  });

  it.each([
    'platformVersion', 'deploymentConfiguration', 'healthCheckGracePeriodSeconds', 'schedulingStrategy', 'deploymentController',
    'enableECSManagedTags', 'propagateTags', 'enableExecuteCommand', 'loadBalancers', 'placementStrategy', 'role',
  ])('drops the service field %s when ECS would set it anyway (or it is the service-linked role)', (field) => {
    expect(spec).not.toHaveProperty(field);
  });

  it('keeps what a person writes, with user tags only', () => {
    expect(spec.desiredCount).toBe(2);
    expect(spec.launchType).toBe('FARGATE');
    expect(spec.networkConfiguration).toEqual({ awsvpcConfiguration: { subnets: ['subnet-b', 'subnet-a'], securityGroups: ['sg-1'] } });
    expect(spec.tags).toEqual({ team: 'storefront' });
    expect(spec.taskDefinition.tags).toEqual({ app: 'web' });
    expect(spec.taskDefinition.containerDefinitions?.[0]).toEqual({
      name: 'web', image: taskDefinition.containerDefinitions?.[0]?.image,
      portMappings: [{ containerPort: 8080 }],
      environment: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'REGION', value: REGION }],
      secrets: [{ name: 'DB_PASSWORD', valueFrom: taskDefinition.containerDefinitions?.[0]?.secrets?.[0]?.valueFrom }],
    });
  });

  it('renders YAML that validates, with a secret-looking environment value flagged', () => {
    const withSecret = manifestFromLive({
      region: REGION, cluster: 'prod', service,
      taskDefinition: { ...taskDefinition, containerDefinitions: [{ ...taskDefinition.containerDefinitions?.[0], environment: [{ name: 'API_KEY', value: 'k' }, { name: 'MODE', value: 'x' }] }] },
    });
    const rendered = renderManifestYaml(withSecret.manifest);
    expect(rendered.flaggedSecrets).toEqual(['web/API_KEY']);
    expect(rendered.text).toMatch(/# ecs-gitops export: this name looks like a secret[^\n]*\n\s+- name: API_KEY/);
    expect(rendered.text.match(/looks like a secret/g)).toHaveLength(1);
    const snapshot = validateDocuments([{ path: 'prod/web.yaml', content: rendered.text }], { defaultRegion: REGION });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.services).toHaveLength(1);
  });
});

describe('manifestFromLive properties', () => {
  /** A generated spec as ECS would describe it after CreateService/RegisterTaskDefinition. */
  function asLive(spec: ServiceSpec): { service: Service; taskDefinition: TaskDefinition } {
    const { taskDefinition: td, tags: _tags, sync: _sync, ...rest } = spec;
    const { tags: _tdTags, ...tdRest } = td;
    const arn = `arn:aws:ecs:${REGION}:123456789012:task-definition/${td.family}:3`;
    return {
      service: { ...(rest as Service), serviceName: 'svc', status: 'ACTIVE', taskDefinition: arn, schedulingStrategy: 'REPLICA' },
      taskDefinition: { ...(tdRest as TaskDefinition), taskDefinitionArn: arn, revision: 3, status: 'ACTIVE', compatibilities: ['EC2', 'FARGATE'] },
    };
  }

  it('an export always diffs clean, keeps the full canonical service, and is stable', () => {
    fc.assert(fc.property(serviceSpecArb, (spec) => {
      const live = asLive(spec);
      const input = { region: REGION, cluster: 'prod', ...live, clusterDefaultCapacityProviderStrategy: [] };
      const exported = manifestFromLive(input);
      expect(exported.residualChanges).toEqual([]);
      // The task definition is compared whole by diffService (named lists by name); the service
      // only on owned fields there, so its full canonical form is checked here too.
      const svc = (s: ServiceSpec | Service) => {
        const n = { ...normalizeService(s, { clusterDefaultCapacityProviderStrategy: [] }) };
        delete n.taskDefinition;
        return canonicalJson(n);
      };
      expect(svc(exported.manifest.spec)).toBe(svc(live.service));
      expect(diffService(exported.manifest, { service: live.service, taskDefinition: live.taskDefinition }, { clusterDefaultCapacityProviderStrategy: [] })).toEqual([]);
      // Exporting the same state twice gives the same file.
      expect(renderManifestYaml(manifestFromLive(input).manifest).text).toBe(renderManifestYaml(exported.manifest).text);
    }), { numRuns: 150 });
  });
});
