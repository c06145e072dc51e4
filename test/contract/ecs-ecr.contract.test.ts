/**
 * One contract suite, run against the sandbox and moto_server: cluster, task
 * definition, service and tag CRUD, error names, ECR tag -> digest lookups.
 * Cases listed in MOTO_KNOWN_GAPS (backends.ts) are expected to fail on moto only.
 */
import { createHash } from 'node:crypto';
import {
  BatchGetImageCommand, CreateRepositoryCommand, DescribeImagesCommand, DescribeRepositoriesCommand, PutImageCommand, SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DeregisterTaskDefinitionCommand, DescribeClustersCommand,
  DescribeServicesCommand, DescribeTaskDefinitionCommand, ListClustersCommand, ListServicesCommand, ListTagsForResourceCommand,
  ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand, TagResourceCommand, UntagResourceCommand, UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import {type Backend, type ContractAccount, MOTO_KNOWN_GAPS, contractBackends } from './backends.js';

const backends: Backend[] = contractBackends();

const MANIFEST = (n: number): string => JSON.stringify({
  schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 100 + n, digest: `sha256:${String(n).padStart(64, 'a')}` }, layers: [],
});

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).name;
  }
  return 'no error';
}

// Bridge mode on EC2: moto (like real ECS) checks that awsvpc subnets exist in EC2, which neither backend here models.
async function taskDefinition(ecs: ECSClient, family = 'web', image = 'nginx:1.27'): Promise<string> {
  const out = await ecs.send(new RegisterTaskDefinitionCommand({
    family, networkMode: 'bridge', requiresCompatibilities: ['EC2'], memory: '512',
    containerDefinitions: [{ name: 'app', image, essential: true, portMappings: [{ containerPort: 8080 }] }],
  }));
  return out.taskDefinition?.taskDefinitionArn ?? '';
}

async function service(ecs: ECSClient, cluster: string, name: string, desiredCount = 0): Promise<void> {
  await ecs.send(new CreateServiceCommand({ cluster, serviceName: name, taskDefinition: 'web', desiredCount, launchType: 'EC2' }));
}

async function clusterAndTaskDefinition(a: ContractAccount, cluster = 'c'): Promise<void> {
  await a.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  await taskDefinition(a.ecs);
}

describe.each(backends)('contract: $name', (backend) => {
  /**
   * A case. For moto, a documented gap runs as `it.fails`: the case must still
   * fail there, so a moto upgrade that closes the gap is noticed (remove the entry then).
   */
  const contract = (title: string, body: (a: ContractAccount) => Promise<void>): void => {
    const gap = backend.name === 'moto' ? MOTO_KNOWN_GAPS[title] : undefined;
    if (gap) it.fails(`${title} [known moto gap: ${gap}]`, () => body(backend.account()));
    else it(title, () => body(backend.account()));
  };

  // ---- clusters ----
  contract('cluster: create, describe, list, and MISSING failures', async (a) => {
    const created = await a.ecs.send(new CreateClusterCommand({ clusterName: 'alpha' }));
    const arn = `arn:aws:ecs:${a.region}:${a.accountId}:cluster/alpha`;
    expect(created.cluster).toMatchObject({ clusterArn: arn, clusterName: 'alpha', status: 'ACTIVE' });
    const described = await a.ecs.send(new DescribeClustersCommand({ clusters: ['alpha', 'ghost'] }));
    expect(described.clusters?.map((c) => c.clusterArn)).toEqual([arn]);
    expect(described.failures?.map((f) => f.reason)).toEqual(['MISSING']);
    expect((await a.ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([arn]);
  });

  contract('cluster: CreateCluster with an existing name returns the same cluster', async (a) => {
    const first = await a.ecs.send(new CreateClusterCommand({ clusterName: 'same' }));
    const second = await a.ecs.send(new CreateClusterCommand({ clusterName: 'same' }));
    expect(second.cluster?.clusterArn).toBe(first.cluster?.clusterArn);
    expect((await a.ecs.send(new ListClustersCommand({}))).clusterArns).toHaveLength(1);
  });

  // ---- task definitions ----
  contract('task definition: revisions, family resolves to the latest, ARN format', async (a) => {
    const first = await taskDefinition(a.ecs, 'api');
    const second = await taskDefinition(a.ecs, 'api', 'nginx:1.28');
    expect(first).toBe(`arn:aws:ecs:${a.region}:${a.accountId}:task-definition/api:1`);
    expect(second).toBe(`arn:aws:ecs:${a.region}:${a.accountId}:task-definition/api:2`);
    expect((await a.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api' }))).taskDefinition?.revision).toBe(2);
    const one = (await a.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api:1' }))).taskDefinition;
    expect(one?.containerDefinitions?.[0]?.image).toBe('nginx:1.27');
    expect(one?.status).toBe('ACTIVE');
    expect((await a.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'api' }))).taskDefinitionArns).toEqual([first, second]);
  });

  contract('task definition: deregister makes a revision INACTIVE', async (a) => {
    await taskDefinition(a.ecs, 'old');
    const out = await a.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'old:1' }));
    expect(out.taskDefinition?.status).toBe('INACTIVE');
  });

  contract('task definition: describing an unknown one is a ClientException', async (a) => {
    expect(await errorName(a.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'ghost:1' })))).toBe('ClientException');
  });

  contract('task definition: ECS fills protocol, hostPort and registeredAt', async (a) => {
    await taskDefinition(a.ecs, 'filled');
    const td = (await a.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'filled' }))).taskDefinition;
    expect(td?.containerDefinitions?.[0]?.portMappings).toEqual([{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }]);
    expect(td?.registeredAt).toBeInstanceOf(Date);
  });

  // ---- services ----
  contract('service: create, describe with MISSING failures, update desiredCount', async (a) => {
    await clusterAndTaskDefinition(a);
    await service(a.ecs, 'c', 'web', 1);
    const out = await a.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web', 'ghost'] }));
    expect(out.services?.[0]).toMatchObject({
      serviceArn: `arn:aws:ecs:${a.region}:${a.accountId}:service/c/web`, serviceName: 'web', status: 'ACTIVE', desiredCount: 1, launchType: 'EC2',
    });
    expect(out.services?.[0]?.taskDefinition).toBe(`arn:aws:ecs:${a.region}:${a.accountId}:task-definition/web:1`);
    expect(out.failures?.map((f) => f.reason)).toEqual(['MISSING']);
    await a.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 3 }));
    expect((await a.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))).services?.[0]?.desiredCount).toBe(3);
    expect((await a.ecs.send(new ListServicesCommand({ cluster: 'c' }))).serviceArns).toEqual([`arn:aws:ecs:${a.region}:${a.accountId}:service/c/web`]);
  });

  contract('service: UpdateService stores taskDefinition as a full ARN', async (a) => {
    await clusterAndTaskDefinition(a);
    await taskDefinition(a.ecs, 'web', 'nginx:1.28');
    await service(a.ecs, 'c', 'web');
    await a.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', taskDefinition: 'web:2' }));
    const svc = (await a.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))).services?.[0];
    expect(svc?.taskDefinition).toBe(`arn:aws:ecs:${a.region}:${a.accountId}:task-definition/web:2`);
  });

  contract('service: CreateService on an existing ACTIVE name is not idempotent', async (a) => {
    await clusterAndTaskDefinition(a);
    await service(a.ecs, 'c', 'web');
    expect(await errorName(service(a.ecs, 'c', 'web'))).toBe('InvalidParameterException');
  });

  contract('service: CreateService fills the default deploymentConfiguration', async (a) => {
    await clusterAndTaskDefinition(a);
    await service(a.ecs, 'c', 'web');
    const svc = (await a.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))).services?.[0];
    expect(svc?.deploymentConfiguration).toMatchObject({ maximumPercent: 200, minimumHealthyPercent: 100 });
  });

  contract('service: DeleteService with running tasks needs force', async (a) => {
    await clusterAndTaskDefinition(a);
    await service(a.ecs, 'c', 'web', 2);
    expect(await errorName(a.ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'web' })))).toBe('InvalidParameterException');
  });

  contract('service: DeleteService with force', async (a) => {
    await clusterAndTaskDefinition(a);
    await service(a.ecs, 'c', 'web', 2);
    const out = await a.ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'web', force: true }));
    expect(out.service?.serviceName).toBe('web');
    expect(['DRAINING', 'INACTIVE']).toContain(out.service?.status);
  });

  contract('service: a deleted service is no longer listed and refuses updates with ServiceNotActiveException', async (a) => {
    await clusterAndTaskDefinition(a);
    await service(a.ecs, 'c', 'web');
    await a.ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'web' }));
    expect((await a.ecs.send(new ListServicesCommand({ cluster: 'c' }))).serviceArns).toEqual([]);
    expect(await errorName(a.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'web', desiredCount: 1 })))).toBe('ServiceNotActiveException');
  });

  contract('service: DescribeServices accepts at most 10 names', async (a) => {
    await clusterAndTaskDefinition(a);
    const names = Array.from({ length: 11 }, (_, i) => `s${i}`);
    expect(await errorName(a.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: names })))).toBe('InvalidParameterException');
  });

  contract('service: ListServices pages with nextToken', async (a) => {
    await clusterAndTaskDefinition(a);
    for (let i = 0; i < 3; i++) await service(a.ecs, 'c', `s${i}`);
    const page = await a.ecs.send(new ListServicesCommand({ cluster: 'c', maxResults: 2 }));
    expect(page.serviceArns).toHaveLength(2);
    const rest = await a.ecs.send(new ListServicesCommand({ cluster: 'c', maxResults: 2, nextToken: page.nextToken }));
    expect(rest.serviceArns).toHaveLength(1);
  });

  contract('errors: unknown cluster and unknown service', async (a) => {
    await clusterAndTaskDefinition(a);
    expect(await errorName(service(a.ecs, 'ghost', 'web'))).toBe('ClusterNotFoundException');
    expect(await errorName(a.ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'ghost', desiredCount: 1 })))).toBe('ServiceNotFoundException');
    expect(await errorName(a.ecs.send(new DescribeServicesCommand({ cluster: 'ghost', services: ['web'] })))).toBe('ClusterNotFoundException');
  });

  contract('service: volumeConfigurations come back on the PRIMARY deployment with filesystemType xfs filled in', async (a) => {
    await a.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    await a.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'db', networkMode: 'bridge', requiresCompatibilities: ['EC2'], memory: '512',
      containerDefinitions: [{ name: 'db', image: 'postgres:16', mountPoints: [{ sourceVolume: 'data', containerPath: '/data' }] }],
      volumes: [{ name: 'data', configuredAtLaunch: true }],
    }));
    const roleArn = `arn:aws:iam::${a.accountId}:role/ecsInfrastructureRole`;
    await a.ecs.send(new CreateServiceCommand({
      cluster: 'c', serviceName: 'db', taskDefinition: 'db', desiredCount: 0, launchType: 'EC2',
      volumeConfigurations: [{ name: 'data', managedEBSVolume: { roleArn, sizeInGiB: 20, volumeType: 'gp3' } }],
    }));
    const live = (await a.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['db'] }))).services?.[0];
    const primary = live?.deployments?.find((d) => d.status === 'PRIMARY');
    expect(primary?.volumeConfigurations).toEqual([{ name: 'data', managedEBSVolume: { roleArn, sizeInGiB: 20, volumeType: 'gp3', filesystemType: 'xfs' } }]);
  });

  contract('service: placementStrategy binpack memory comes back as MEMORY and spread host as instanceId', async (a) => {
    await clusterAndTaskDefinition(a);
    await a.ecs.send(new CreateServiceCommand({
      cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 0, launchType: 'EC2',
      placementStrategy: [{ type: 'spread', field: 'host' }, { type: 'binpack', field: 'memory' }],
    }));
    const live = (await a.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))).services?.[0];
    expect(live?.placementStrategy).toEqual([{ type: 'spread', field: 'instanceId' }, { type: 'binpack', field: 'MEMORY' }]);
  });

  contract('service: a load balancer naming a container or port the task definition lacks is an InvalidParameterException', async (a) => {
    await clusterAndTaskDefinition(a);
    const targetGroupArn = `arn:aws:elasticloadbalancing:${a.region}:${a.accountId}:targetgroup/web/0123456789abcdef`;
    const create = (containerName: string, containerPort: number) => a.ecs.send(new CreateServiceCommand({
      cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 0, launchType: 'EC2',
      loadBalancers: [{ targetGroupArn, containerName, containerPort }],
    }));
    expect(await errorName(create('ghost', 8080))).toBe('InvalidParameterException');
    expect(await errorName(create('app', 80))).toBe('InvalidParameterException');
  });

  // ---- tags ----
  contract('tags: tag, list and untag a cluster, a service and a task definition', async (a) => {
    await clusterAndTaskDefinition(a);
    await service(a.ecs, 'c', 'web');
    const arns = [
      `arn:aws:ecs:${a.region}:${a.accountId}:cluster/c`,
      `arn:aws:ecs:${a.region}:${a.accountId}:service/c/web`,
      `arn:aws:ecs:${a.region}:${a.accountId}:task-definition/web:1`,
    ];
    for (const resourceArn of arns) {
      await a.ecs.send(new TagResourceCommand({ resourceArn, tags: [{ key: 'team', value: 'platform' }, { key: 'env', value: 'dev' }] }));
      const listed = await a.ecs.send(new ListTagsForResourceCommand({ resourceArn }));
      expect(listed.tags).toEqual(expect.arrayContaining([{ key: 'team', value: 'platform' }, { key: 'env', value: 'dev' }]));
      await a.ecs.send(new UntagResourceCommand({ resourceArn, tagKeys: ['env'] }));
      expect((await a.ecs.send(new ListTagsForResourceCommand({ resourceArn }))).tags).toEqual([{ key: 'team', value: 'platform' }]);
    }
  });

  contract('tags: tags given at creation come back with include TAGS', async (a) => {
    await a.ecs.send(new CreateClusterCommand({ clusterName: 'tagged', tags: [{ key: 'owner', value: 'me' }] }));
    const c = await a.ecs.send(new DescribeClustersCommand({ clusters: ['tagged'], include: ['TAGS'] }));
    expect(c.clusters?.[0]?.tags).toEqual([{ key: 'owner', value: 'me' }]);
    await a.ecs.send(new CreateClusterCommand({ clusterName: 'c' }));
    await a.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'web', memory: '512', containerDefinitions: [{ name: 'app', image: 'nginx:1.27' }], tags: [{ key: 'svc', value: 'web' }],
    }));
    await a.ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web', desiredCount: 0, launchType: 'EC2', tags: [{ key: 'tier', value: 'front' }] }));
    const s = await a.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['web'], include: ['TAGS'] }));
    expect(s.services?.[0]?.tags).toEqual([{ key: 'tier', value: 'front' }]);
    const td = await a.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web', include: ['TAGS'] }));
    expect(td.tags).toEqual([{ key: 'svc', value: 'web' }]);
  });

  // ---- ECR ----
  contract('ecr: tag -> digest lookups with DescribeImages and BatchGetImage', async (a) => {
    await a.ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const put = await a.ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: MANIFEST(1), imageTag: '1.0' }));
    const digest = put.image?.imageId?.imageDigest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const described = await a.ecr.send(new DescribeImagesCommand({ repositoryName: 'web', imageIds: [{ imageTag: '1.0' }] }));
    expect(described.imageDetails?.[0]?.imageDigest).toBe(digest);
    const batch = await a.ecr.send(new BatchGetImageCommand({ repositoryName: 'web', imageIds: [{ imageTag: '1.0' }, { imageTag: 'nope' }] }));
    expect(batch.images?.[0]?.imageId?.imageDigest).toBe(digest);
    expect(batch.failures?.map((f) => f.failureCode)).toEqual(['ImageNotFound']);
  });

  contract('ecr: pushing a tag again moves it to the new image', async (a) => {
    await a.ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    await a.ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: MANIFEST(1), imageTag: 'latest' }));
    const second = await a.ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: MANIFEST(2), imageTag: 'latest' }));
    const batch = await a.ecr.send(new BatchGetImageCommand({ repositoryName: 'web', imageIds: [{ imageTag: 'latest' }] }));
    expect(batch.images?.[0]?.imageId?.imageDigest).toBe(second.image?.imageId?.imageDigest);
  });

  contract('ecr: PutImage digest is the sha256 of the manifest', async (a) => {
    await a.ecr.send(new CreateRepositoryCommand({ repositoryName: 'web' }));
    const put = await a.ecr.send(new PutImageCommand({ repositoryName: 'web', imageManifest: MANIFEST(3), imageTag: 'x' }));
    expect(put.image?.imageId?.imageDigest).toBe(`sha256:${createHash('sha256').update(MANIFEST(3)).digest('hex')}`);
  });

  contract('ecr: another account\'s repository answers AccessDeniedException until its repository policy allows the caller', async (a) => {
    const owner = backend.account();
    await owner.ecr.send(new CreateRepositoryCommand({ repositoryName: 'shared' }));
    const put = await owner.ecr.send(new PutImageCommand({ repositoryName: 'shared', imageManifest: MANIFEST(4), imageTag: '1.0' }));
    const read = (repositoryName: string) => a.ecr.send(new DescribeImagesCommand({ registryId: owner.accountId, repositoryName, imageIds: [{ imageTag: '1.0' }] }));
    // ECR authorizes before it looks: a repository that does not exist is denied the same way.
    for (const name of ['shared', 'ghost']) {
      const error = await read(name).then(() => undefined, (err: unknown) => err as Error & { $metadata?: { httpStatusCode?: number } });
      expect(error?.name).toBe('AccessDeniedException');
      expect(error?.$metadata?.httpStatusCode).toBe(400);
      expect(error?.message).toContain(`is not authorized to perform: ecr:DescribeImages on resource: arn:aws:ecr:${a.region}:${owner.accountId}:repository/${name} because no resource-based policy allows the ecr:DescribeImages action`);
    }
    await owner.ecr.send(new SetRepositoryPolicyCommand({
      repositoryName: 'shared',
      policyText: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${a.accountId}:root` }, Action: ['ecr:DescribeImages'] }] }),
    }));
    const allowed = await read('shared');
    expect(allowed.imageDetails?.[0]).toMatchObject({ registryId: owner.accountId, repositoryName: 'shared', imageDigest: put.image?.imageId?.imageDigest });
  });

  contract('ecr: unknown repository is RepositoryNotFoundException', async (a) => {
    expect(await errorName(a.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['ghost'] })))).toBe('RepositoryNotFoundException');
    expect(await errorName(a.ecr.send(new DescribeImagesCommand({ repositoryName: 'ghost' })))).toBe('RepositoryNotFoundException');
  });
});
