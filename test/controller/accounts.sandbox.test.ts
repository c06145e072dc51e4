/**
 * One controller, many accounts and Regions (docs/controller.md, "Many
 * accounts and Regions"), over the sandbox through the real SDK: manifests
 * with two Environments in two accounts and two Regions, rendered by
 * loadManifests, reconciled by one controller whose connection assumes each
 * account's role through the sandbox's STS. The sandbox's per-account API
 * says where each service landed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import { connectEcs, type EcsConnection } from '../../src/app/runtime.js';
import { createController, type Controller, type ControllerOptions } from '../../src/controller/index.js';
import { CachingLookupResolver, LocationLookupLimiters } from '../../src/lookups/index.js';
import type { ManifestSnapshot } from '../../src/manifests/types.js';
import { systemClock } from '../../src/util/clock.js';
import { manifestDirsForFile, serviceManifest } from './harness.js';

const DEV = '111111111111';
const PROD = '222222222222';
const OWN = '123456789012';
const roleOf = (account: string) => `arn:aws:iam::${account}:role/ecs-gitops-target`;
const DEV_KEY = `${DEV}@eu-west-1/demo/web`;
const PROD_KEY = `${PROD}@us-east-1/demo/web`;

const dirs = manifestDirsForFile();

function environmentDoc(name: string, account: string, region: string, sync: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'ecs-gitops/v1', kind: 'Environment', metadata: { name },
    spec: { account, region, roleArn: roleOf(account), cluster: 'demo', ...(Object.keys(sync).length > 0 ? { sync } : {}) },
  };
}

/** A Fargate service rendered in both environments (region and cluster from the environment). */
function serviceDoc(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const doc = serviceManifest({ name, desiredCount: 1, extra });
  return { ...doc, metadata: { name, environments: ['dev', 'prod'] } };
}

interface World {
  connection: EcsConnection;
  controller: Controller;
  accounts: AccountDirectory;
}

let world: World | undefined;
afterEach(async () => {
  await world?.controller.stop({ graceMs: 100 });
  await world?.connection.close();
  world = undefined;
});

async function start(overrides: Partial<ControllerOptions> = {}, lookups = true): Promise<World> {
  const accounts = new AccountDirectory();
  const connection = await connectEcs({ region: 'eu-west-1', env: {}, sandbox: { clockSpeed: 40 }, accounts, controllerId: 'ecs-gitops' });
  // The tests poll the sandbox every 25 ms to see where services landed; those reads are not what is measured.
  connection.sandbox?.admin.setThrottling('off');
  connection.sandbox?.admin.seed({
    accounts: [
      { accountId: DEV, region: 'eu-west-1', clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] },
      { accountId: PROD, region: 'us-east-1', clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] },
    ],
  });
  const limiters = new LocationLookupLimiters({ clock: systemClock });
  const controller = createController({
    ecs: (location) => connection.ecsFor(location),
    scheduler: (location) => connection.schedulerFor(location),
    accounts,
    ...(lookups ? { lookups: new CachingLookupResolver({ api: (location) => limiters.wrap(location, connection.lookupFor(location)), clock: systemClock }) } : {}),
    workers: 4, resyncMs: 0, rolloutPollMs: 25, backoffBaseMs: 50, backoffMaxMs: 200, followRollouts: false,
    ...overrides,
  });
  world = { connection, controller, accounts };
  return world;
}

async function load(docs: Record<string, unknown>[], revision: string): Promise<ManifestSnapshot> {
  const dir = dirs();
  await dir.write('environments.yaml', [environmentDoc('dev', DEV, 'eu-west-1'), environmentDoc('prod', PROD, 'us-east-1', { prune: false })]);
  await dir.write('services.yaml', docs);
  const snapshot = await dir.load(revision);
  expect(snapshot.problems).toEqual([]);
  return snapshot;
}

/** The service as the sandbox holds it in one account and Region (its own API, not the controller's clients). */
function liveService(w: World, account: string, region: string, name: string): Record<string, unknown> | undefined {
  let answer: { services?: Record<string, unknown>[] };
  try {
    answer = w.connection.sandbox?.call('DescribeServices', { cluster: 'demo', services: [name] }, { accountId: account, region }) as typeof answer;
  } catch (err) {
    // No cluster there: no service either.
    if ((err as Error).name === 'ClusterNotFoundException') return undefined;
    throw err;
  }
  const service = answer.services?.[0];
  return service && service.status !== 'INACTIVE' ? service : undefined;
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('one controller, two accounts and two Regions (sandbox, real SDK and STS)', () => {
  it('puts each environment\'s service in its own account and Region: one name, two keys, two status records', async () => {
    const w = await start();
    w.controller.setSnapshot(await load([serviceDoc('web')], 'r1'));
    await w.controller.waitForIdle();
    expect(liveService(w, DEV, 'eu-west-1', 'web')?.serviceArn).toBe(`arn:aws:ecs:eu-west-1:${DEV}:service/demo/web`);
    expect(liveService(w, PROD, 'us-east-1', 'web')?.serviceArn).toBe(`arn:aws:ecs:us-east-1:${PROD}:service/demo/web`);
    // Nowhere else: not crossed over, not in the controller's own account.
    expect(liveService(w, DEV, 'us-east-1', 'web')).toBeUndefined();
    expect(liveService(w, PROD, 'eu-west-1', 'web')).toBeUndefined();
    expect(liveService(w, OWN, 'eu-west-1', 'web')).toBeUndefined();
    const creates = w.connection.sandbox?.admin.callLog({ operation: 'CreateService' }) ?? [];
    expect(creates.map((c) => `${c.accountId}@${c.region}`).sort()).toEqual([`${DEV}@eu-west-1`, `${PROD}@us-east-1`]);
    const records = w.controller.status.list();
    expect(records.map((s) => s.key).sort()).toEqual([DEV_KEY, PROD_KEY]);
    expect(w.controller.status.get(DEV_KEY)).toMatchObject({ account: DEV, environment: 'dev', region: 'eu-west-1', service: 'web', sync: 'Synced' });
    expect(w.controller.status.get(PROD_KEY)).toMatchObject({ account: PROD, environment: 'prod', region: 'us-east-1', service: 'web', sync: 'Synced' });
    expect(w.controller.ready()).toBe(true);
  });

  it('an account whose role cannot be assumed fails only its own keys (AWS_ASSUME_ROLE_FAILED, retried); the other is fully reconciled', async () => {
    const w = await start();
    w.connection.sandbox?.admin.setRole(roleOf(PROD), { denied: true });
    w.controller.setSnapshot(await load([serviceDoc('web'), serviceDoc('api')], 'r1'));
    await w.controller.waitForIdle();
    for (const name of ['web', 'api']) {
      expect(liveService(w, DEV, 'eu-west-1', name)).toBeDefined();
      expect(w.controller.status.get(`${DEV}@eu-west-1/demo/${name}`)).toMatchObject({ sync: 'Synced' });
      expect(w.controller.status.get(`${DEV}@eu-west-1/demo/${name}`)?.lastError).toBeUndefined();
      expect(w.controller.status.get(`${PROD}@us-east-1/demo/${name}`)?.lastError?.code).toBe('AWS_ASSUME_ROLE_FAILED');
    }
    // Nothing reached prod's account; the first pass over every key is done (readiness waits on no account).
    expect(w.connection.sandbox?.admin.callLog({ accountId: PROD })).toEqual([]);
    expect(w.controller.ready()).toBe(true);
    // The prod keys wait in backoff: once the role may be assumed again, they are reconciled without a new revision.
    expect(w.controller.queue.scheduled.length).toBeGreaterThan(0);
    w.connection.sandbox?.admin.setRole(roleOf(PROD), { denied: false });
    await until(() => liveService(w, PROD, 'us-east-1', 'web') !== undefined && liveService(w, PROD, 'us-east-1', 'api') !== undefined, 'prod services');
    await until(() => w.controller.status.get(PROD_KEY)?.lastError === undefined, 'prod status to clear');
  });

  it('prunes an orphan in an environment that allows it and keeps the one in a `sync.prune: false` environment, saying so', async () => {
    const w = await start({ prune: true });
    w.controller.setSnapshot(await load([serviceDoc('web'), serviceDoc('api')], 'r1'));
    await w.controller.waitForIdle();
    expect(liveService(w, DEV, 'eu-west-1', 'web')).toBeDefined();
    expect(liveService(w, PROD, 'us-east-1', 'web')).toBeDefined();
    w.controller.setSnapshot(await load([serviceDoc('api')], 'r2'));
    await w.controller.waitForIdle({ requeues: true });
    await until(() => liveService(w, DEV, 'eu-west-1', 'web') === undefined, 'dev web to be deleted');
    expect(liveService(w, PROD, 'us-east-1', 'web')).toBeDefined();
    expect(w.connection.sandbox?.admin.callLog({ operation: 'DeleteService' }).map((c) => c.accountId)).toEqual([DEV]);
    const report = w.controller.lastPrune();
    expect(report?.deleted).toEqual([DEV_KEY]);
    expect(report?.candidates).toContain(PROD_KEY);
    expect(report?.blocked?.reason).toBe('disabled');
    expect(report?.blocked?.message).toContain(`${PROD}@us-east-1`);
    expect(report?.blocked?.message).toContain('sync.prune: false');
  });

  it('resolves lookups in each key\'s own account and Region before applying; a lookup that fails applies nothing there', async () => {
    const w = await start();
    w.connection.sandbox?.admin.putParameter({ accountId: DEV, region: 'eu-west-1', name: '/network/subnets', value: 'subnet-dev1,subnet-dev2', type: 'StringList' });
    const network = { networkConfiguration: { awsvpcConfiguration: { subnets: ['${ssm:/network/subnets}'], securityGroups: ['sg-1'] } } };
    w.controller.setSnapshot(await load([serviceDoc('web', network)], 'r1'));
    await w.controller.waitForIdle();
    const dev = liveService(w, DEV, 'eu-west-1', 'web') as { networkConfiguration?: { awsvpcConfiguration?: { subnets?: string[] } } } | undefined;
    expect(dev?.networkConfiguration?.awsvpcConfiguration?.subnets).toEqual(['subnet-dev1', 'subnet-dev2']);
    expect(w.controller.status.get(DEV_KEY)).toMatchObject({ sync: 'Synced' });
    // Prod's account has no such parameter: its key fails, nothing is created there.
    const prod = w.controller.status.get(PROD_KEY);
    expect(prod?.lastError?.code).toBe('CONTROLLER_LOOKUP_FAILED');
    expect(prod?.lastError?.message).toContain('/network/subnets');
    expect(liveService(w, PROD, 'us-east-1', 'web')).toBeUndefined();
    expect(w.connection.sandbox?.admin.callLog({ accountId: PROD }).filter((c) => /^(CreateService|UpdateService|RegisterTaskDefinition)$/.test(c.operation))).toEqual([]);
  });

  it('a record with lookups in a controller without lookup access is that key\'s error, nothing applied', async () => {
    const w = await start({}, false);
    const network = { networkConfiguration: { awsvpcConfiguration: { subnets: ['${ssm:/network/subnets}'] } } };
    w.controller.setSnapshot(await load([serviceDoc('web', network), serviceDoc('api')], 'r1'));
    await w.controller.waitForIdle();
    expect(w.controller.status.get(DEV_KEY)?.lastError).toMatchObject({ code: 'CONTROLLER_LOOKUP_FAILED' });
    expect(w.controller.status.get(DEV_KEY)?.lastError?.message).toContain('without lookup access');
    expect(liveService(w, DEV, 'eu-west-1', 'web')).toBeUndefined();
    // The keys without lookups are applied all the same.
    expect(liveService(w, DEV, 'eu-west-1', 'api')).toBeDefined();
  });
});
