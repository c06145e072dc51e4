/**
 * A file under the size limit can still hold a list of 130,000 wrong values.
 * Reported one problem each, they overflowed the call stack and `validate`
 * (and every snapshot of the controller) died with "Maximum call stack size
 * exceeded"; now the file gets its first MAX_PROBLEMS_PER_DOCUMENT problems.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PROBLEMS_PER_DOCUMENT } from '../../src/manifests/validate-documents.js';
import { runCliCaptured } from '../support/run-cli.js';

describe('a document with a huge number of problems', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-problems-'));
    const list = `[${'0,'.repeat(130_000)}0]`;
    const text = `apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: web, cluster: demo}\nspec:\n  desiredCount: 1\n  placementConstraints: ${list}\n`;
    expect(text.length).toBeLessThan(256 * 1024);
    await writeFile(path.join(dir, 'web.yaml'), text);
    await writeFile(path.join(dir, 'ok.yaml'), 'apiVersion: ecs-gitops/v1\nkind: Cluster\nmetadata: {name: demo, region: eu-west-1}\n');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('in containerDefinitions is reported too (the semantic rules)', async () => {
    const many = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-problems-'));
    try {
      const containers = `[${'{},'.repeat(85_000)}{}]`;
      await writeFile(path.join(many, 'web.yaml'), `apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: web, cluster: demo}\nspec:\n  taskDefinition: {family: web, containerDefinitions: ${containers}}\n`);
      const result = await runCliCaptured(['validate', many], { env: { AWS_REGION: 'eu-west-1' } });
      expect(result.stderr).not.toContain('call stack');
      expect(result.code).toBe(1);
      expect(result.stdout.split('\n').filter((line) => line.startsWith('web.yaml:'))).toHaveLength(MAX_PROBLEMS_PER_DOCUMENT);
    } finally {
      await rm(many, { recursive: true, force: true });
    }
  });

  it('is reported with a bounded list of problems, and the other files still load', async () => {
    const result = await runCliCaptured(['validate', dir], { env: { AWS_REGION: 'eu-west-1' } });
    expect(result.stderr).not.toContain('call stack');
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n').filter((line) => line.startsWith('web.yaml:'));
    expect(lines).toHaveLength(MAX_PROBLEMS_PER_DOCUMENT);
    expect(lines).toContainEqual(expect.stringMatching(/^web\.yaml:6:\d+: MANIFEST_WRONG_TYPE \/spec\/placementConstraints\/0: /));
    expect(result.stdout).toContain('1 cluster');
  });
});
