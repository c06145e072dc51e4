/** The programmatic API promised in docs/cli.md#programmatic-api stays exported and works on a real manifest. */
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

describe('public API', () => {
  it('exports the functions docs/cli.md documents', () => {
    for (const name of [
      'loadManifests', 'validateDocuments', 'normalizeTaskDefinition', 'normalizeService',
      'diffService', 'planService', 'createController', 'startSandbox',
    ] as const) {
      expect(typeof api[name], name).toBe('function');
    }
  });

  it('validates and diffs a document end to end through the exports', () => {
    const snapshot = api.validateDocuments([{
      path: 'web.yaml',
      content: [
        'apiVersion: ecs-gitops/v1',
        'kind: Service',
        'metadata: { name: web, cluster: prod, region: eu-west-1 }',
        'spec:',
        '  desiredCount: 2',
        '  launchType: EC2',
        '  taskDefinition:',
        '    family: web',
        '    containerDefinitions: [{ name: web, image: "nginx:1.27", memory: 256 }]',
      ].join('\n'),
    }]);
    expect(snapshot.problems).toEqual([]);
    const service = snapshot.services[0];
    expect(service?.key).toBe('eu-west-1/prod/web');
    const changes = api.diffService(service!.manifest, {});
    expect(changes).toEqual([expect.objectContaining({ pointer: '/spec', kind: 'added' })]);
  });
});
