import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANIFEST_ERROR_CODES } from '../../src/errors/index.js';
import { DEFAULT_MANIFEST_LIMITS } from '../../src/manifests/index.js';
import { runCliCaptured } from '../support/run-cli.js';

const doc = readFileSync(new URL('../../docs/manifests.md', import.meta.url), 'utf8');

describe('docs/manifests.md', () => {
  it('lists every manifest error code', () => {
    const missing = Object.keys(MANIFEST_ERROR_CODES).filter((code) => !doc.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });

  it('states the default limits the code uses', () => {
    expect(DEFAULT_MANIFEST_LIMITS).toEqual({ maxFileBytes: 256 * 1024, maxDocumentsPerFile: 200, maxAliasCount: 100, maxDepth: 32, maxFiles: 5000, maxTotalBytes: expect.any(Number) });
    for (const row of ['| file size | 256 KiB (about 80 services) |', '| documents per file | 200 |', '| YAML alias expansions per document | 100 |', '| nesting depth of mappings and lists | 32 |', '| manifest files under the root | 5000 |']) {
      expect(doc).toContain(row);
    }
  });

  it('shows example output that `ecs-gitops validate` really prints', async () => {
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
    const worker = readFileSync(new URL('../../manifests/services/worker.yaml', import.meta.url), 'utf8');
    const dir = mkdtempSync(path.join(tmpdir(), 'ecs-gitops-docs-'));
    try {
      const files: Record<string, string> = {
        'manifests/services/web.yaml': web,
        'manifests/services/worker.yaml': worker,
        'manifests/services/worker-copy.yaml': worker,
        'manifests/services/edge-proxy.yaml': readFileSync(new URL('../../manifests/services/edge-proxy.yaml', import.meta.url), 'utf8'),
        'manifests/clusters/demo.yaml': readFileSync(new URL('../../manifests/clusters/demo.yaml', import.meta.url), 'utf8'),
      };
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), content);
      }
      const result = await runCliCaptured(['validate', 'manifests/', '--region', 'eu-west-1'], { cwd: dir });
      expect(result.code).toBe(1);
      expect(doc).toContain(`$ ecs-gitops validate manifests/\n${result.stdout}\`\`\``);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
