/**
 * The attack, end to end through the CLI: a manifest whose
 * `sync.ignoreDifferences` reaches Object.prototype (through `__proto__`,
 * `constructor` or `prototype`, or below a single value) is refused by
 * `validate` with file, line:column and the entry named, and a `sync` against
 * the sandbox never changes Object.prototype of the process running it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliSandbox, type CliSandbox } from '../cli/cli-sandbox.js';
import { serviceManifest } from '../controller/harness.js';
import { runCliCaptured } from '../support/run-cli.js';

const SENTINEL = 'ecsGitopsPrototypeSentinel';

function withIgnore(pointers: string[], options: { labels?: boolean; image?: string } = {}): Record<string, unknown> {
  const doc = serviceManifest({ name: 'web', image: options.image ?? 'nginx:1.27' });
  const spec = doc.spec as { taskDefinition: { containerDefinitions: Record<string, unknown>[] }; sync?: unknown };
  if (options.labels) (spec.taskDefinition.containerDefinitions[0] as Record<string, unknown>).dockerLabels = { team: 'a' };
  spec.sync = { ignoreDifferences: pointers };
  return doc;
}

describe('ignoreDifferences pointers into object machinery', () => {
  let cli: CliSandbox;
  beforeAll(async () => {
    cli = await startCliSandbox('310000000017');
  });
  afterAll(async () => {
    await cli?.close();
  });

  it('validate refuses each one, naming file, position and entry', async () => {
    const pointers = [
      `/taskDefinition/containerDefinitions/0/dockerLabels/__proto__/${SENTINEL}`,
      '/tags/constructor',
      '/taskDefinition/containerDefinitions/0/logConfiguration/options/prototype',
      '/taskDefinition/family/length',
      '/taskDefinition/containerDefinitions/0/image',
    ];
    await cli.dir.write('web.yaml', [withIgnore(pointers)]);
    const result = await runCliCaptured(['validate', cli.dir.root], { env: cli.env });
    expect(result.code).not.toBe(0);
    const lines = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.includes('MANIFEST_BAD_JSON_POINTER'));
    expect(lines).toHaveLength(4);
    for (const [i, token] of ['__proto__', 'constructor', 'prototype'].entries()) {
      expect(lines[i]).toMatch(new RegExp(`^web\\.yaml:\\d+:\\d+: MANIFEST_BAD_JSON_POINTER /spec/sync/ignoreDifferences/${i}: .*uses "${token}"`));
      expect(lines[i]).toContain(JSON.stringify(pointers[i]));
    }
    expect(lines[3]).toMatch(/^web\.yaml:\d+:\d+: .*ignoreDifferences\/3: "\/taskDefinition\/family\/length" .*\/taskDefinition\/family holds a single value/);
  });

  it('sync with a poisoned pointer leaves Object.prototype alone', async () => {
    Object.defineProperty(Object.prototype, SENTINEL, { value: 'still here', configurable: true, writable: true, enumerable: false });
    try {
      // A first revision without dockerLabels, so the live side has none to copy back.
      await cli.dir.write('web.yaml', [serviceManifest({ name: 'web' })]);
      expect((await runCliCaptured(['sync', cli.dir.root], { env: cli.env })).code).toBe(0);
      // The image changes, so a new revision is registered with the ignore rule applied.
      await cli.dir.write('web.yaml', [withIgnore([`/taskDefinition/containerDefinitions/0/dockerLabels/__proto__/${SENTINEL}`], { labels: true, image: 'nginx:1.28' })]);
      const result = await runCliCaptured(['sync', cli.dir.root], { env: cli.env });
      expect(Object.hasOwn(Object.prototype, SENTINEL)).toBe(true);
      expect(`${result.stdout}${result.stderr}`).toContain('MANIFEST_BAD_JSON_POINTER');
      expect(result.code).not.toBe(0);
    } finally {
      delete (Object.prototype as Record<string, unknown>)[SENTINEL];
    }
  });
});
