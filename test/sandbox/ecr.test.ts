/** ECR: repositories, content digests, tag moves and tag -> digest lookups over the real SDK. */
import { createHash } from 'node:crypto';
import {
  BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, DescribeRepositoriesCommand, PutImageCommand,
} from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { accountOn, rejectionOf, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const manifest = (n: number): string => JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { size: n, digest: `sha256:${String(n).padStart(64, '0')}` }, layers: [] });
const sha = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('ECR', () => {
  it('creates and describes repositories with realistic ARNs and URIs', async () => {
    const account = accountOn(sandbox);
    const ecr = account.ecr();
    const created = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/web' }));
    expect(created.repository).toMatchObject({
      repositoryArn: `arn:aws:ecr:eu-west-1:${account.accountId}:repository/team/web`,
      repositoryUri: `${account.accountId}.dkr.ecr.eu-west-1.amazonaws.com/team/web`,
      registryId: account.accountId, imageTagMutability: 'MUTABLE',
    });
    const again = await rejectionOf(ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/web' })));
    expect(again.name).toBe('RepositoryAlreadyExistsException');
    const missing = await rejectionOf(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['ghost'] })));
    expect(missing.name).toBe('RepositoryNotFoundException');
    expect((await ecr.send(new DescribeRepositoriesCommand({}))).repositories?.map((r) => r.repositoryName)).toEqual(['team/web']);
  });

  it('PutImage digests are sha256 of the manifest; a pushed tag moves to the new image', async () => {
    const ecr = accountOn(sandbox).ecr();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const first = await ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: manifest(1), imageTag: 'latest' }));
    expect(first.image?.imageId).toEqual({ imageDigest: sha(manifest(1)), imageTag: 'latest' });
    const dup = await rejectionOf(ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: manifest(1), imageTag: 'latest' })));
    expect(dup.name).toBe('ImageAlreadyExistsException');
    await ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: manifest(1), imageTag: '1.0' }));
    await ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: manifest(2), imageTag: 'latest' }));

    const byTag = await ecr.send(new DescribeImagesCommand({ repositoryName: 'web', imageIds: [{ imageTag: 'latest' }] }));
    expect(byTag.imageDetails?.[0]?.imageDigest).toBe(sha(manifest(2)));
    const all = await ecr.send(new DescribeImagesCommand({ repositoryName: 'web' }));
    const tagsByDigest = Object.fromEntries((all.imageDetails ?? []).map((d) => [d.imageDigest, d.imageTags ?? []]));
    expect(tagsByDigest).toEqual({ [sha(manifest(1))]: ['1.0'], [sha(manifest(2))]: ['latest'] });
    const notFound = await rejectionOf(ecr.send(new DescribeImagesCommand({ repositoryName: 'web', imageIds: [{ imageTag: 'nope' }] })));
    expect(notFound.name).toBe('ImageNotFoundException');
  });

  it('BatchGetImage resolves tags to digests and reports missing tags as ImageNotFound failures', async () => {
    const ecr = accountOn(sandbox).ecr();
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    await ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: manifest(7), imageTag: '7' }));
    const out = await ecr.send(new BatchGetImageCommand({ repositoryName: 'web', imageIds: [{ imageTag: '7' }, { imageTag: 'missing' }] }));
    expect(out.images?.map((i) => i.imageId)).toEqual([{ imageDigest: sha(manifest(7)), imageTag: '7' }]);
    expect(out.images?.[0]?.imageManifest).toBe(manifest(7));
    expect(out.failures).toEqual([{ imageId: { imageTag: 'missing' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }]);
  });

  it('pages DescribeImages and DescribeRepositories', async () => {
    const ecr = accountOn(sandbox).ecr();
    for (const name of ['a1', 'a2', 'a3']) await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    for (let i = 0; i < 3; i++) await ecr.send(new PutImageCommand({ repositoryName: 'a1', imageManifest: manifest(i), imageTag: `t${i}` }));
    const repos = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2 }));
    expect(repos.repositories).toHaveLength(2);
    const rest = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken: repos.nextToken }));
    expect(rest.repositories?.map((r) => r.repositoryName)).toEqual(['a3']);
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'a1', maxResults: 2 }));
    expect(images.imageDetails).toHaveLength(2);
    expect(images.nextToken).toBeTypeOf('string');
  });
});
