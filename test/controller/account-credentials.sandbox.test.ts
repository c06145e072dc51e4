/**
 * An `account@` location never acts with the wrong credentials
 * (docs/controller.md, "Many accounts and Regions"), over the sandbox through
 * the real SDK and STS: the environments' roles are taken from every
 * snapshot, also one whose other files have problems, and an account no
 * Environment gives a role to is reached only when it is the controller's own
 * (STS GetCallerIdentity); any other account's calls fail with
 * AWS_ACCOUNT_WITHOUT_ROLE and nothing is sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import { connectEcs, type EcsConnection } from '../../src/app/runtime.js';
import { createController, type Controller } from '../../src/controller/index.js';
import { manifestDirsForFile, serviceManifest } from './harness.js';

const OWN = '123456789012';
const DEV = '111111111111';
const roleOf = (account: string) => `arn:aws:iam::${account}:role/ecs-gitops-target`;
const dirs = manifestDirsForFile();

let world: { connection: EcsConnection; controller: Controller } | undefined;
afterEach(async () => {
  await world?.controller.stop({ graceMs: 100 });
  await world?.connection.close();
  world = undefined;
});

async function start(): Promise<{ connection: EcsConnection; controller: Controller }> {
  const accounts = new AccountDirectory();
  const connection = await connectEcs({ region: 'eu-west-1', env: {}, sandbox: { clockSpeed: 40 }, accounts, controllerId: 'ecs-gitops' });
  connection.sandbox?.admin.seed({
    accounts: [OWN, DEV].map((accountId) => ({ accountId, region: 'eu-west-1', clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] })),
  });
  const controller = createController({
    ecs: (location) => connection.ecsFor(location), accounts,
    workers: 4, resyncMs: 0, rolloutPollMs: 25, backoffBaseMs: 50, backoffMaxMs: 200, maxRetries: 2, followRollouts: false,
  });
  world = { connection, controller };
  return world;
}

function devEnvironment(spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'ecs-gitops/v1', kind: 'Environment', metadata: { name: 'dev' }, spec: { account: DEV, region: 'eu-west-1', cluster: 'demo', ...spec } };
}

/** `web` rendered for dev, and a broken file that has nothing to do with it. */
async function manifests(environment: Record<string, unknown>, broken: boolean) {
  const dir = dirs();
  await dir.write('environments.yaml', [environment]);
  await dir.write('services.yaml', [{ ...serviceManifest({ name: 'web', desiredCount: 1 }), metadata: { name: 'web', environments: ['dev'] } }]);
  if (broken) {
    await dir.write('broken.yaml', [{ apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name: 'x', region: 'eu-west-1', cluster: 'demo' }, spec: { desiredCount: 'many' } }]);
  }
  return dir.load('r1');
}

const creates = (connection: EcsConnection) => connection.sandbox?.admin.callLog({ operation: 'CreateService' }).map((c) => `${c.accountId}:${c.target}`);

describe('an account@ location acts only with its own account\'s credentials', () => {
  it('a first snapshot with a problem in an unrelated file still gives the environment its role: web is created in dev\'s account', async () => {
    const { connection, controller } = await start();
    const snapshot = await manifests(devEnvironment({ roleArn: roleOf(DEV) }), true);
    expect(snapshot.problems.length).toBeGreaterThan(0);
    expect(snapshot.services.map((s) => s.key)).toEqual([`${DEV}@eu-west-1/demo/web`]);
    controller.setSnapshot(snapshot);
    await controller.waitForIdle({ requeues: true });
    expect(creates(connection)).toEqual([`${DEV}:web`]);
    expect(controller.status.get(`${DEV}@eu-west-1/demo/web`)?.sync).toBe('Synced');
  });

  it('an Environment in another account without roleArn: every call fails with AWS_ACCOUNT_WITHOUT_ROLE naming both accounts, nothing is sent', async () => {
    const { connection, controller } = await start();
    controller.setSnapshot(await manifests(devEnvironment({}), false));
    await controller.waitForIdle({ requeues: true });
    expect(creates(connection)).toEqual([]);
    // Not one request left with the controller's own credentials for dev's key (the sandbox logs every call it got).
    expect(connection.sandbox?.admin.callLog({}).filter((c) => c.operation !== 'GetCallerIdentity')).toEqual([]);
    const record = controller.status.get(`${DEV}@eu-west-1/demo/web`);
    expect(record?.sync).not.toBe('Synced');
    expect(record?.lastError?.code).toBe('AWS_ACCOUNT_WITHOUT_ROLE');
    expect(record?.lastError?.message).toContain(`account ${DEV}`);
    expect(record?.lastError?.message).toContain(`own credentials are in account ${OWN}`);
  });

  it('an Environment in the controller\'s own account without roleArn acts there with the own credentials', async () => {
    const { connection, controller } = await start();
    const dir = dirs();
    await dir.write('environments.yaml', [{ apiVersion: 'ecs-gitops/v1', kind: 'Environment', metadata: { name: 'own' }, spec: { account: OWN, region: 'eu-west-1', cluster: 'demo' } }]);
    await dir.write('services.yaml', [{ ...serviceManifest({ name: 'web', desiredCount: 1 }), metadata: { name: 'web', environments: ['own'] } }]);
    controller.setSnapshot(await dir.load('r1'));
    await controller.waitForIdle({ requeues: true });
    expect(creates(connection)).toEqual([`${OWN}:web`]);
    expect(controller.status.get(`${OWN}@eu-west-1/demo/web`)?.sync).toBe('Synced');
    expect(connection.sandbox?.admin.callLog({ operation: 'GetCallerIdentity' }).length).toBe(1);
  });
});
