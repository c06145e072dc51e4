import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PromotionEditError, writePromotion } from '../../src/promote/write-promotion.js';

const SERVICE = `# the web service, in every environment
apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: web
  environments: [dev, prod]
spec:
  desiredCount: 2 # two in dev
  taskDefinition:
    family: web
    containerDefinitions:
      - name: app
        image: repo/web:1.0
      - name: sidecar
        image: repo/proxy:3
  environments:
    prod:
      desiredCount: 6
`;

const valuesOf = (text: string): unknown[] => parseAllDocuments(text as string).map((d) => d.toJS());

describe('writePromotion', () => {
  it('adds {name, image} to the target override and keeps comments and other fields', () => {
    const out = writePromotion(SERVICE, { documentIndex: 0, environment: 'prod', images: [{ container: 'app', image: 'repo/web@sha256:' + 'a'.repeat(64) }] });
    expect(out.changed).toBe(true);
    expect(out.text).toContain('# the web service, in every environment');
    expect(out.text).toContain('# two in dev');
    const [doc] = valuesOf(out.text) as [{ spec: { environments: { prod: unknown }; taskDefinition: unknown } }];
    expect(doc.spec.environments.prod).toEqual({
      desiredCount: 6,
      taskDefinition: { containerDefinitions: [{ name: 'app', image: 'repo/web@sha256:' + 'a'.repeat(64) }] },
    });
    // The base is untouched: only the override changes.
    expect(doc.spec.taskDefinition).toEqual((valuesOf(SERVICE)[0] as { spec: { taskDefinition: unknown } }).spec.taskDefinition);
  });

  it('creates spec.environments and the override when the document has none', () => {
    const text = SERVICE.replace(/ {2}environments:\n {4}prod:\n {6}desiredCount: 6\n/, '');
    const out = writePromotion(text, { documentIndex: 0, environment: 'prod', images: [{ container: 'app', image: 'repo/web:2.0' }] });
    const [doc] = valuesOf(out.text) as [{ spec: { environments: unknown } }];
    expect(doc.spec.environments).toEqual({ prod: { taskDefinition: { containerDefinitions: [{ name: 'app', image: 'repo/web:2.0' }] } } });
  });

  it('updates an existing item in place and reports no change when the image is already there', () => {
    const first = writePromotion(SERVICE, { documentIndex: 0, environment: 'prod', images: [{ container: 'app', image: 'repo/web:2.0' }] });
    const second = writePromotion(first.text, { documentIndex: 0, environment: 'prod', images: [{ container: 'app', image: 'repo/web:3.0' }] });
    const [doc] = valuesOf(second.text) as [{ spec: { environments: { prod: { taskDefinition: { containerDefinitions: unknown[] } } } } }];
    expect(doc.spec.environments.prod.taskDefinition.containerDefinitions).toEqual([{ name: 'app', image: 'repo/web:3.0' }]);
    const again = writePromotion(second.text, { documentIndex: 0, environment: 'prod', images: [{ container: 'app', image: 'repo/web:3.0' }] });
    expect(again).toEqual({ text: second.text, changed: false });
  });

  it('edits only the named document of a multi-document file', () => {
    const other = 'apiVersion: ecs-gitops/v1\nkind: Cluster\nmetadata:\n  name: demo\nspec: {}\n';
    const text = `${other}---\n${SERVICE}`;
    const out = writePromotion(text, { documentIndex: 1, environment: 'prod', images: [{ container: 'sidecar', image: 'repo/proxy:4' }] });
    const docs = valuesOf(out.text) as Record<string, unknown>[];
    expect(docs).toHaveLength(2);
    expect(docs[0]).toEqual(valuesOf(other)[0]);
    expect((docs[1] as { spec: { environments: { prod: { taskDefinition: unknown } } } }).spec.environments.prod.taskDefinition)
      .toEqual({ containerDefinitions: [{ name: 'sidecar', image: 'repo/proxy:4' }] });
  });

  it('refuses an override that is not a mapping, naming the path', () => {
    const text = SERVICE.replace('    prod:\n      desiredCount: 6\n', '    prod: [1]\n');
    expect(() => writePromotion(text, { documentIndex: 0, environment: 'prod', images: [{ container: 'app', image: 'x' }] }))
      .toThrow(new PromotionEditError('spec.environments.prod is not a mapping; promote writes a mapping there'));
  });
});
