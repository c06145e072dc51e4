import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MANIFEST_ERROR_CODES } from '../../src/errors/index.js';
import { validateDocuments } from '../../src/manifests/index.js';

const CODES = new Set(Object.keys(MANIFEST_ERROR_CODES));
const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,30}$/);
const tagKey = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:/=+@-]{0,40}$/).filter((k) => !/^(aws:|ecs-gitops\/)/i.test(k));
// Any text, including what YAML would otherwise read as a number, boolean or null.
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('true', 'no', '123', '0x1F', 'null', '~', '- a', 'a: b', '#x', '"q"'));

const container = (containerName: string) =>
  fc.record({
    name: fc.constant(containerName),
    image: fc.constantFrom('nginx:1.27', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2', 'busybox@sha256:' + 'a'.repeat(64)),
    memory: fc.integer({ min: 6, max: 4096 }),
    essential: fc.constant(true),
    environment: fc.uniqueArray(fc.record({ name: name, value: text }), { maxLength: 4, selector: (e) => e.name }),
    portMappings: fc.uniqueArray(fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 3, selector: (p) => p.containerPort }),
  }, { requiredKeys: ['name', 'image', 'memory'] });

const serviceManifest = fc
  .record({
    name,
    cluster: name,
    region: fc.constantFrom('eu-west-1', 'us-east-1', 'ap-southeast-2'),
    containerNames: fc.uniqueArray(name, { minLength: 1, maxLength: 3 }),
    desiredCount: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    tags: fc.dictionary(tagKey, text, { maxKeys: 5 }),
    mode: fc.constantFrom('auto', 'detect'),
    images: fc.constantFrom('as-written', 'pin-digest', 'follow-tag'),
    ignore: fc.subarray(['/desiredCount', '/taskDefinition/containerDefinitions/0/image', '/tags/team', '/deploymentConfiguration']),
  })
  .chain((r) =>
    fc.tuple(fc.constant(r), fc.tuple(...r.containerNames.map((n) => container(n)))),
  )
  .map(([r, containers]) => ({
    apiVersion: 'ecs-gitops/v1',
    kind: 'Service',
    metadata: { name: r.name, cluster: r.cluster, region: r.region },
    spec: {
      ...(r.desiredCount === undefined ? {} : { desiredCount: r.desiredCount }),
      launchType: 'EC2',
      taskDefinition: { family: r.name, networkMode: 'bridge', containerDefinitions: containers },
      tags: r.tags,
      sync: { mode: r.mode, images: r.images, ignoreDifferences: r.ignore },
    },
  }));

describe('manifest properties', () => {
  it('generated valid manifests validate, as YAML and as JSON, and survive the round trip unchanged', () => {
    fc.assert(
      fc.property(serviceManifest, (manifest) => {
        const yamlForm = validateDocuments([{ path: 'svc.yaml', content: stringify(manifest) }]);
        const jsonForm = validateDocuments([{ path: 'svc.json', content: JSON.stringify(manifest) }]);
        expect(yamlForm.problems).toEqual([]);
        expect(jsonForm.problems).toEqual([]);
        expect(yamlForm.services[0]?.manifest).toEqual(manifest);
        expect(yamlForm.services[0]?.contentHash).toBe(jsonForm.services[0]?.contentHash);
        expect(yamlForm.services[0]?.key).toBe(`${manifest.metadata.region}/${manifest.metadata.cluster}/${manifest.metadata.name}`);
      }),
      { numRuns: 100 },
    );
  });

  it('random mutations of a valid file only ever produce reported problems, with positions inside the file', () => {
    const valid = `apiVersion: ecs-gitops/v1
kind: Service
metadata: {name: web, cluster: demo}
spec:
  desiredCount: 2
  launchType: FARGATE
  taskDefinition:
    family: web
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    containerDefinitions:
      - name: web
        image: nginx:1.27
        portMappings: [{ containerPort: 8080 }]
        environment: [{ name: A, value: "1" }]
  networkConfiguration: { awsvpcConfiguration: { subnets: [subnet-1] } }
  tags: { team: payments }
  sync: { mode: auto, ignoreDifferences: [/desiredCount] }
---
apiVersion: ecs-gitops/v1
kind: Cluster
metadata: { name: demo }
spec: { capacityProviders: [FARGATE] }
`;
    expect(validateDocuments([{ path: 'v.yaml', content: valid }]).problems).toEqual([]);
    const bytes = Buffer.from(valid, 'utf8');
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(bytes.length), length: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(bytes.length), insert: fc.constantFrom('-', ':', ' ', '\n', '[', ']', '{', '}', '"', "'", '&a', '*a', '!!str', '---\n', '\t', '#', '<<: *a\n', 'x', '0', '\u00e9', '\uFEFF') }),
      fc.record({ kind: fc.constant('byte' as const), at: fc.nat(bytes.length - 1), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(bytes.length) }),
    );
    let withProblems = 0;
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let current = Buffer.from(bytes);
        for (const m of mutations) {
          const at = Math.min(m.at, current.length);
          if (m.kind === 'delete') current = Buffer.concat([current.subarray(0, at), current.subarray(at + m.length)]);
          else if (m.kind === 'insert') current = Buffer.concat([current.subarray(0, at), Buffer.from(m.insert, 'utf8'), current.subarray(at)]);
          else if (m.kind === 'byte' && at < current.length) current[at] = m.value;
          else if (m.kind === 'truncate') current = current.subarray(0, at);
        }
        const lines = current.toString('latin1').split('\n').length;
        const snapshot = validateDocuments([{ path: 'm.yaml', content: current }]);
        for (const p of snapshot.problems) {
          expect(CODES.has(p.code), p.code).toBe(true);
          expect(p.file).toBe('m.yaml');
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.line).toBeLessThanOrEqual(lines);
          expect(p.column).toBeGreaterThanOrEqual(1);
          expect(p.message.length).toBeGreaterThan(0);
        }
        // Either valid, or nothing from the file is applied.
        if (snapshot.problems.length > 0) {
          withProblems++;
          expect(snapshot.services).toEqual([]);
          expect(snapshot.clusters).toEqual([]);
        }
      }),
      { numRuns: 400 },
    );
    // The mutations really do break files (the property is not vacuous).
    expect(withProblems).toBeGreaterThan(100);
  });
});
