import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MANIFEST_ERROR_CODES } from '../../src/errors/index.js';
import { DEFAULT_MANIFEST_LIMITS, formatProblem, validateDocuments } from '../../src/manifests/index.js';

const doc = readFileSync(new URL('../../docs/manifests.md', import.meta.url), 'utf8');

describe('docs/manifests.md', () => {
  it('lists every manifest error code', () => {
    const missing = Object.keys(MANIFEST_ERROR_CODES).filter((code) => !doc.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });

  it('states the default limits the code uses', () => {
    expect(DEFAULT_MANIFEST_LIMITS).toEqual({ maxFileBytes: 256 * 1024, maxDocumentsPerFile: 200, maxAliasCount: 100, maxDepth: 32, maxFiles: 5000 });
    for (const row of ['| file size | 256 KiB (about 80 services) |', '| documents per file | 200 |', '| YAML alias expansions per document | 100 |', '| nesting depth of mappings and lists | 32 |', '| manifest files under the root | 5000 |']) {
      expect(doc).toContain(row);
    }
  });

  it('shows example output that the validator really prints', () => {
    const web = `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: web
  cluster: demo
spec:
  desiredcount: 3
  launchType: FARGTE
  taskDefinition:
    family: web
    cpu: 256
    memory: "512"
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    containerDefinitions:
      - { name: web, image: nginx }
    tags: { "aws:team": x }
  networkConfiguration: { awsvpcConfiguration: { subnets: [subnet-1] } }
`;
    const lines = validateDocuments([{ path: 'services/web.yaml', content: web }]).problems.map(formatProblem);
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(doc).toContain(line);
  });
});
