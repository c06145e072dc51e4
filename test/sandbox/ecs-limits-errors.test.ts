/** Request limits, pagination, service lifecycle and the error names/status codes ECS uses. */
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DeregisterTaskDefinitionCommand,
  DescribeServicesCommand, DescribeTaskDefinitionCommand, ListClustersCommand, ListServicesCommand,
  ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand, ListTasksCommand, RegisterTaskDefinitionCommand, TagResourceCommand, UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { NETWORK, accountOn, clusterWithTaskDefinition, fargateTaskDefinition, rejectionOf, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function createServices(ecs: ECSClient, cluster: string, names: readonly string[], desiredCount = 0): Promise<void> {
  for (const name of names) {
    await ecs.send(new CreateServiceCommand({ cluster, serviceName: name, taskDefinition: 'web', desiredCount, launchType: 'FARGATE', networkConfiguration: NETWORK }));
  }
}

const names = (n: number, prefix = 's'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

describe('DescribeServices limits', () => {
  it('accepts 10 names, reports unknown ones as MISSING failures, and rejects 11', async () => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    await createServices(ecs, 'c', names(9));
    const ten = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: [...names(9), 'ghost'] }));
    expect(ten.services).toHaveLength(9);
    expect(ten.failures).toEqual([{ arn: expect.stringMatching(/:service\/c\/ghost$/), reason: 'MISSING' }]);
    const err = await rejectionOf(ecs.send(new DescribeServicesCommand({ cluster: 'c', services: names(11) })));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('service names can have at most 10 items.');
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('pagination', () => {
  async function collect(fetchPage: (token?: string) => Promise<{ items: string[]; next?: string }>): Promise<{ all: string[]; pages: number }> {
    const all: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await fetchPage(token);
      all.push(...page.items);
      token = page.next;
      pages++;
    } while (token);
    return { all, pages };
  }

  it('ListServices pages by 10 by default, honours maxResults, and rejects sizes outside 1-100', async () => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    await createServices(ecs, 'c', names(23));
    const first = await ecs.send(new ListServicesCommand({ cluster: 'c' }));
    expect(first.serviceArns).toHaveLength(10);
    expect(first.nextToken).toBeTypeOf('string');
    const byDefault = await collect(async (t) => {
      const r = await ecs.send(new ListServicesCommand({ cluster: 'c', nextToken: t }));
      return { items: r.serviceArns ?? [], next: r.nextToken };
    });
    expect(byDefault.pages).toBe(3);
    expect(new Set(byDefault.all).size).toBe(23);
    const big = await ecs.send(new ListServicesCommand({ cluster: 'c', maxResults: 100 }));
    expect(big.serviceArns).toHaveLength(23);
    expect(big.nextToken).toBeUndefined();
    for (const maxResults of [0, 101]) {
      const err = await rejectionOf(ecs.send(new ListServicesCommand({ cluster: 'c', maxResults })));
      expect(err.name).toBe('InvalidParameterException');
    }
    const bad = await rejectionOf(ecs.send(new ListServicesCommand({ cluster: 'c', nextToken: 'garbage' })));
    expect(bad.name).toBe('InvalidParameterException');
  });

  it.each([
    ['ListClusters', async (ecs: ECSClient, token?: string) => {
      const r = await ecs.send(new ListClustersCommand({ maxResults: 2, nextToken: token }));
      return { items: r.clusterArns ?? [], next: r.nextToken };
    }],
    ['ListTaskDefinitions', async (ecs: ECSClient, token?: string) => {
      const r = await ecs.send(new ListTaskDefinitionsCommand({ maxResults: 2, nextToken: token }));
      return { items: r.taskDefinitionArns ?? [], next: r.nextToken };
    }],
    ['ListTaskDefinitionFamilies', async (ecs: ECSClient, token?: string) => {
      const r = await ecs.send(new ListTaskDefinitionFamiliesCommand({ maxResults: 2, nextToken: token }));
      return { items: r.families ?? [], next: r.nextToken };
    }],
    ['ListTasks', async (ecs: ECSClient, token?: string) => {
      const r = await ecs.send(new ListTasksCommand({ cluster: 'x000', maxResults: 2, nextToken: token }));
      return { items: r.taskArns ?? [], next: r.nextToken };
    }],
  ])('%s pages with nextToken', async (_op, page) => {
    const ecs = accountOn(sandbox).ecs();
    for (const n of names(5, 'x')) {
      await ecs.send(new CreateClusterCommand({ clusterName: n }));
      await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition(n)));
    }
    // Five tasks for ListTasks: one service in the first cluster, its tasks started.
    await ecs.send(new CreateServiceCommand({ cluster: 'x000', serviceName: 'tasks', taskDefinition: 'x000', desiredCount: 5, launchType: 'FARGATE', networkConfiguration: NETWORK }));
    sandbox.clock.advance(10_000);
    const { all, pages } = await collect((t) => page(ecs, t));
    expect(all).toHaveLength(5);
    expect(new Set(all).size).toBe(5);
    expect(pages).toBe(3);
  });

  it('ListTasks pages by 100 by default, honours maxResults, and rejects sizes outside 1-100 and foreign tokens', async () => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    await createServices(ecs, 'c', ['many'], 101);
    sandbox.clock.advance(10_000);
    const first = await ecs.send(new ListTasksCommand({ cluster: 'c' }));
    expect(first.taskArns).toHaveLength(100);
    expect(first.nextToken).toBeTypeOf('string');
    const rest = await ecs.send(new ListTasksCommand({ cluster: 'c', nextToken: first.nextToken }));
    expect(rest.taskArns).toHaveLength(1);
    expect(rest.nextToken).toBeUndefined();
    expect(new Set([...(first.taskArns ?? []), ...(rest.taskArns ?? [])]).size).toBe(101);
    const one = await ecs.send(new ListTasksCommand({ cluster: 'c', maxResults: 1 }));
    expect(one.taskArns).toHaveLength(1);
    expect((await ecs.send(new ListTasksCommand({ cluster: 'c', maxResults: 100 }))).taskArns).toHaveLength(100);
    for (const maxResults of [0, 101]) {
      const err = await rejectionOf(ecs.send(new ListTasksCommand({ cluster: 'c', maxResults })));
      expect(err.name).toBe('InvalidParameterException');
      expect(err.message).toBe('maxResults must be between 1 and 100.');
    }
    const bad = await rejectionOf(ecs.send(new ListTasksCommand({ cluster: 'c', nextToken: 'garbage' })));
    expect(bad.name).toBe('InvalidParameterException');
    // A token is bound to the operation that issued it.
    await createServices(ecs, 'c', names(11));
    const servicesToken = (await ecs.send(new ListServicesCommand({ cluster: 'c' }))).nextToken;
    expect(servicesToken).toBeTypeOf('string');
    const foreign = await rejectionOf(ecs.send(new ListTasksCommand({ cluster: 'c', nextToken: servicesToken })));
    expect(foreign.name).toBe('InvalidParameterException');
  });
});

describe('service lifecycle', () => {
  it('goes ACTIVE -> DRAINING -> INACTIVE on delete; ListServices stops listing it; updates raise ServiceNotActiveException', async () => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    await createServices(ecs, 'c', ['doomed'], 2);
    sandbox.clock.advance(10_000);
    const refused = await rejectionOf(ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'doomed' })));
    expect(refused.name).toBe('InvalidParameterException');
    expect(refused.message).toBe('The service cannot be stopped while it is scaled above 0.');

    const deleted = await ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'doomed', force: true }));
    expect(deleted.service?.status).toBe('DRAINING');
    expect((await ecs.send(new ListServicesCommand({ cluster: 'c' }))).serviceArns).toEqual([]);
    const notActive = await rejectionOf(ecs.send(new UpdateServiceCommand({ cluster: 'c', service: 'doomed', desiredCount: 1 })));
    expect(notActive.name).toBe('ServiceNotActiveException');
    expect(notActive.message).toBe('Service was not ACTIVE.');

    sandbox.clock.advance(5_000);
    const after = await ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['doomed'] }));
    expect(after.services?.[0]).toMatchObject({ status: 'INACTIVE', runningCount: 0, desiredCount: 0 });
    expect((await rejectionOf(ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'doomed' })))).name).toBe('ServiceNotActiveException');

    // An INACTIVE name can be created again.
    await createServices(ecs, 'c', ['doomed']);
    expect((await ecs.send(new ListServicesCommand({ cluster: 'c' }))).serviceArns).toHaveLength(1);
  });

  it('deletes a service at desiredCount 0 without force', async () => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    await createServices(ecs, 'c', ['idle'], 0);
    const deleted = await ecs.send(new DeleteServiceCommand({ cluster: 'c', service: 'idle' }));
    expect(deleted.service?.status).toBe('DRAINING');
  });

  it('refuses a second CreateService with the same name (not idempotent)', async () => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    await createServices(ecs, 'c', ['twice']);
    const err = await rejectionOf(createServices(ecs, 'c', ['twice']));
    expect(err.name).toBe('InvalidParameterException');
    expect(err.message).toBe('Creation of service was not idempotent.');
  });

  it('keeps deregistered revisions describable as INACTIVE and stops listing them as ACTIVE', async () => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    const out = await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:1' }));
    expect(out.taskDefinition?.status).toBe('INACTIVE');
    expect(out.taskDefinition?.deregisteredAt).toBeInstanceOf(Date);
    expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' }))).taskDefinition?.status).toBe('INACTIVE');
    expect((await ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns).toEqual([]);
    expect((await ecs.send(new ListTaskDefinitionsCommand({ status: 'INACTIVE' }))).taskDefinitionArns).toHaveLength(1);
    expect((await rejectionOf(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' })))).name).toBe('ClientException');
  });
});

describe('errors', () => {
  it.each([
    ['unknown cluster', (e: ECSClient) => e.send(new DescribeServicesCommand({ cluster: 'nope', services: ['a'] })), 'ClusterNotFoundException', 'Cluster not found.'],
    ['unknown service', (e: ECSClient) => e.send(new UpdateServiceCommand({ cluster: 'c', service: 'nope', desiredCount: 1 })), 'ServiceNotFoundException', 'Service not found.'],
    ['unknown task definition', (e: ECSClient) => e.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'x', taskDefinition: 'ghost:7', desiredCount: 1 })), 'ClientException', 'TaskDefinition not found.'],
    ['describe unknown task definition', (e: ECSClient) => e.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'ghost' })), 'ClientException', 'Unable to describe task definition.'],
    ['launch type and strategy together', (e: ECSClient) => e.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'x', taskDefinition: 'web', launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }], networkConfiguration: NETWORK })), 'InvalidParameterException', 'Specifying both a launch type and capacity provider strategy is not supported'],
    ['awsvpc without networkConfiguration', (e: ECSClient) => e.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'x', taskDefinition: 'web', launchType: 'FARGATE', desiredCount: 1 })), 'InvalidParameterException', "Network Configuration must be provided when networkMode 'awsvpc' is specified."],
    ['Fargate with a bridge task definition', (e: ECSClient) => e.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'x', taskDefinition: 'bridge', launchType: 'FARGATE', desiredCount: 1 })), 'InvalidParameterException', 'Task definition does not support launch_type FARGATE.'],
    ['DAEMON on Fargate', (e: ECSClient) => e.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'd', taskDefinition: 'web', schedulingStrategy: 'DAEMON', launchType: 'FARGATE', networkConfiguration: NETWORK })), 'InvalidParameterException', 'Fargate does not support the DAEMON scheduling strategy.'],
    ['bad service name', (e: ECSClient) => e.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'no spaces', taskDefinition: 'web', launchType: 'FARGATE', networkConfiguration: NETWORK })), 'InvalidParameterException', 'Service name must be'],
    ['negative desiredCount', (e: ECSClient) => e.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'neg', taskDefinition: 'web', desiredCount: -1, launchType: 'FARGATE', networkConfiguration: NETWORK })), 'InvalidParameterException', 'desiredCount'],
    ['invalid task definition', (e: ECSClient) => e.send(new RegisterTaskDefinitionCommand({ family: 'broken', containerDefinitions: [{ name: 'a', image: 'x' }] })), 'ClientException', "At least one of 'memory' or 'memoryReservation' must be specified."],
    ['tag on an unknown service ARN', (e: ECSClient) => e.config.credentials().then((c) => e.send(new TagResourceCommand({ resourceArn: `arn:aws:ecs:eu-west-1:${c.accessKeyId}:service/c/ghost`, tags: [{ key: 'a', value: 'b' }] }))), 'ResourceNotFoundException', 'The specified resource could not be found.'],
    ['reserved tag prefix', (e: ECSClient) => e.config.credentials().then((c) => e.send(new TagResourceCommand({ resourceArn: `arn:aws:ecs:eu-west-1:${c.accessKeyId}:cluster/c`, tags: [{ key: 'aws:owner', value: 'b' }] }))), 'InvalidParameterException', "Tag keys beginning with 'aws:' are reserved"],
  ])('%s', async (_name, call, errorName, message) => {
    const ecs = accountOn(sandbox).ecs();
    await clusterWithTaskDefinition(ecs, 'c', 'web');
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'bridge', containerDefinitions: [{ name: 'a', image: 'x', memory: 64 }] }));
    const err = await rejectionOf(call(ecs));
    expect(err.name).toBe(errorName);
    expect(err.message).toContain(message);
    expect(err.$metadata?.httpStatusCode).toBe(400);
  });

  it('answers unknown operations with UnknownOperationException and a missing Authorization header with 403', async () => {
    const base = { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1' } };
    const unknown = await fetch(sandbox.endpoint, {
      ...base,
      headers: { ...base.headers, 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.StartTask', authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/ecs/aws4_request, SignedHeaders=host, Signature=abc' },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
    const anonymous = await fetch(sandbox.endpoint, { ...base, headers: { ...base.headers, 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters' }, body: '{}' });
    expect(anonymous.status).toBe(403);
    expect(await anonymous.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});
