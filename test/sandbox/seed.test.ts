/** Seeding from documents, files and folders, including the quick start's seed. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import { DescribeClustersCommand, ListClustersCommand } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { QUICKSTART_SEED, QUICKSTART_SEED_PATH, type Sandbox } from '../../src/sandbox/index.js';
import { sha256Digest } from '../../src/sandbox/ecr.js';
import { generatedManifest } from '../../src/sandbox/seed.js';
import { accountOn, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sandbox-seed-'));
  dirs.push(dir);
  return dir;
}

describe('seed', () => {
  it('the quick start seed creates cluster demo and images web:1.4.2, worker:2.0.1 in 123456789012 / eu-west-1', async () => {
    sandbox = await testSandbox({ seed: QUICKSTART_SEED_PATH });
    const account = accountOn(sandbox, 'eu-west-1', '123456789012');
    expect((await account.ecs().send(new ListClustersCommand({}))).clusterArns).toEqual(['arn:aws:ecs:eu-west-1:123456789012:cluster/demo']);
    const demo = (await account.ecs().send(new DescribeClustersCommand({ clusters: ['demo'] }))).clusters?.[0];
    expect(demo?.capacityProviders).toEqual(['FARGATE', 'FARGATE_SPOT']);
    for (const [repo, tag] of [['web', '1.4.2'], ['worker', '2.0.1']] as const) {
      const images = await account.ecr().send(new DescribeImagesCommand({ repositoryName: repo, imageIds: [{ imageTag: tag }] }));
      expect(images.imageDetails?.[0]?.imageDigest).toBe(sha256Digest(generatedManifest(repo, tag)));
    }
  });

  it('QUICKSTART_SEED equals quickstart-seed.yaml', async () => {
    expect(parseYaml(await readFile(QUICKSTART_SEED_PATH, 'utf8'))).toEqual(QUICKSTART_SEED);
  });

  it('loads every YAML/JSON file of a folder, in name order, and is idempotent', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.yaml'), 'accounts:\n  - accountId: "222233334444"\n    region: us-east-2\n    clusters: [{name: one}]\n');
    await writeFile(path.join(dir, 'b.json'), JSON.stringify({ accounts: [{ accountId: '222233334444', region: 'us-east-2', clusters: [{ name: 'one' }, { name: 'two', tags: { env: 'dev' } }] }] }));
    await writeFile(path.join(dir, 'ignored.txt'), 'not a seed');
    sandbox = await testSandbox({ seed: dir });
    const ecs = accountOn(sandbox, 'us-east-2', '222233334444').ecs();
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns?.map((a) => a.split('/')[1])).toEqual(['one', 'two']);
    const two = await ecs.send(new DescribeClustersCommand({ clusters: ['two'], include: ['TAGS'] }));
    expect(two.clusters?.[0]?.tags).toEqual([{ key: 'env', value: 'dev' }]);
  });

  it.each([
    ['not a mapping', '- just a list', 'expected a mapping'],
    ['bad account id', 'accounts: [{accountId: 12}]', 'accounts[0].accountId'],
    ['cluster without name', 'accounts: [{clusters: [{}]}]', 'accounts[0].clusters[0].name'],
    ['image tags not a list', 'accounts: [{repositories: [{name: web, images: [{tags: latest}]}]}]', 'images[0].tags'],
    ['bad YAML', 'accounts: [', 'not valid YAML'],
  ])('rejects %s naming the file and field', async (_name, text, fragment) => {
    const dir = await tempDir();
    const file = path.join(dir, 'seed.yaml');
    await writeFile(file, text);
    await expect(testSandbox({ seed: file })).rejects.toMatchObject({ code: 'CLI_BAD_FLAG_VALUE', message: expect.stringContaining(fragment) });
    await expect(testSandbox({ seed: file })).rejects.toThrow(file);
  });

  it('reports an unreadable seed path as IO_READ_FAILED', async () => {
    await expect(testSandbox({ seed: '/nonexistent/seed-dir' })).rejects.toMatchObject({ code: 'IO_READ_FAILED' });
  });
});
