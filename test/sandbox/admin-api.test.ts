/** The /_sandbox/ admin API over HTTP, and the same functions in-process. */
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ListClustersCommand, ListTagsForResourceCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMINGS, type Sandbox } from '../../src/sandbox/index.js';
import { NETWORK, accountOn, clusterWithTaskDefinition, fargateTaskDefinition, testSandbox, type SandboxAccount } from './sandbox-harness.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function admin(method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.endpoint}/_sandbox/${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function runningService(account: SandboxAccount, desiredCount = 1): Promise<void> {
  const ecs = account.ecs();
  await clusterWithTaskDefinition(ecs, 'c', 'web');
  await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web', 'nginx:1.28')));
  await ecs.send(new CreateServiceCommand({ cluster: 'c', serviceName: 'web', taskDefinition: 'web:1', desiredCount, launchType: 'FARGATE', networkConfiguration: NETWORK }));
  sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs);
}

describe('admin API over HTTP', () => {
  it('reports and resets per-operation call counts of one account', async () => {
    const account = accountOn(sandbox);
    const ecs = account.ecs();
    await ecs.send(new ListClustersCommand({}));
    await ecs.send(new ListClustersCommand({}));
    await ecs.send(new CreateClusterCommand({ clusterName: 'x' }));
    const counts = await admin('GET', `calls?accountId=${account.accountId}`);
    expect(counts.json).toEqual({ counts: { ListClusters: 2, CreateCluster: 1 } });
    await admin('DELETE', `calls?accountId=${account.accountId}`);
    expect((await admin('GET', `calls?accountId=${account.accountId}`)).json).toEqual({ counts: {} });
  });

  it('resets one account without touching another', async () => {
    const a = accountOn(sandbox);
    const b = accountOn(sandbox);
    await a.ecs().send(new CreateClusterCommand({ clusterName: 'keep-or-not' }));
    await b.ecs().send(new CreateClusterCommand({ clusterName: 'kept' }));
    expect((await admin('POST', 'reset', { accountId: a.accountId })).status).toBe(200);
    expect((await a.ecs().send(new ListClustersCommand({}))).clusterArns).toEqual([]);
    expect((await b.ecs().send(new ListClustersCommand({}))).clusterArns).toHaveLength(1);
  });

  it('reads, speeds up and advances the clock', async () => {
    const before = (await admin('GET', 'clock')).json as { now: number; speed: number };
    expect(before.speed).toBe(0);
    const after = (await admin('POST', 'clock', { advanceMs: 60_000 })).json as { now: number };
    expect(after.now - before.now).toBe(60_000);
    expect((await admin('POST', 'clock', { speed: 5 })).json).toMatchObject({ speed: 5 });
    await admin('POST', 'clock', { speed: 0 });
    expect((await admin('POST', 'clock', { speed: -1 })).status).toBe(400);
  });

  it('scales a service, changes its task definition and any field the way the console would (drift)', async () => {
    const account = accountOn(sandbox);
    await runningService(account);
    const where = { accountId: account.accountId, region: account.region, cluster: 'c', service: 'web' };
    expect((await admin('POST', 'services/scale', { ...where, desiredCount: 3 })).status).toBe(200);
    const td = await admin('POST', 'services/task-definition', { ...where, taskDefinition: 'web:2' });
    expect((td.json.service as { taskDefinition: string }).taskDefinition).toMatch(/web:2$/);
    await admin('POST', 'services/update', { ...where, fields: { propagateTags: 'SERVICE', healthCheckGracePeriodSeconds: 42 } });
    const svc = (await account.ecs().send(new DescribeServicesCommand({ cluster: 'c', services: ['web'] }))).services?.[0];
    expect(svc).toMatchObject({ desiredCount: 3, propagateTags: 'SERVICE', healthCheckGracePeriodSeconds: 42 });
    expect(svc?.deployments?.[0]?.taskDefinition).toMatch(/web:2$/);
    expect((await admin('POST', 'services/scale', { ...where, service: 'ghost', desiredCount: 1 })).json).toMatchObject({ __type: 'ServiceNotFoundException' });
  });

  it('tags resources console-style and marks images crashing', async () => {
    const account = accountOn(sandbox);
    await account.ecs().send(new CreateClusterCommand({ clusterName: 'c' }));
    const arn = `arn:aws:ecs:${account.region}:${account.accountId}:cluster/c`;
    await admin('POST', 'tags', { accountId: account.accountId, region: account.region, resourceArn: arn, tags: { owner: 'someone-else' } });
    expect((await account.ecs().send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([{ key: 'owner', value: 'someone-else' }]);
    await admin('POST', 'tags', { accountId: account.accountId, region: account.region, resourceArn: arn, remove: ['owner'] });
    expect((await account.ecs().send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual([]);
    expect((await admin('POST', 'images/crashing', { image: 'nginx:9' })).json).toEqual({ image: 'nginx:9', crashing: true });
    expect((await admin('POST', 'images/crashing', {})).status).toBe(400);
  });

  it('seeds over HTTP and answers unknown routes with 404', async () => {
    const accountId = '210987654321';
    const seeded = await admin('POST', 'seed', { accounts: [{ accountId, region: 'eu-west-1', clusters: [{ name: 'seeded' }] }] });
    expect(seeded.status).toBe(200);
    const ecs = accountOn(sandbox, 'eu-west-1', accountId).ecs();
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([`arn:aws:ecs:eu-west-1:${accountId}:cluster/seeded`]);
    expect((await admin('POST', 'seed', { accounts: 'no' })).status).toBe(400);
    expect((await admin('GET', 'nope')).status).toBe(404);
    expect((await admin('GET', 'health')).json).toEqual({ ok: true });
  });
});

describe('admin functions in-process', () => {
  it('mutates, counts and resets through the Sandbox object', async () => {
    const account = accountOn(sandbox);
    await runningService(account, 2);
    const where = { accountId: account.accountId, region: account.region, cluster: 'c', service: 'web' };
    expect(sandbox.admin.scaleService(where, 0)).toMatchObject({ desiredCount: 0 });
    sandbox.clock.advance(DEFAULT_TIMINGS.stepMs);
    expect(sandbox.admin.setServiceTaskDefinition(where, 'web:2')).toMatchObject({ taskDefinition: expect.stringMatching(/web:2$/) });
    expect(sandbox.admin.mutateService(where, { customField: 'kept' })).toMatchObject({ customField: 'kept' });
    expect(sandbox.callCounts(account.accountId)).toMatchObject({ CreateService: 1, RegisterTaskDefinition: 2 });
    sandbox.admin.reset(account.accountId);
    expect(sandbox.callCounts(account.accountId)).toEqual({});
    expect(() => sandbox.admin.scaleService(where, 1)).toThrow('Cluster not found.');
  });
});
