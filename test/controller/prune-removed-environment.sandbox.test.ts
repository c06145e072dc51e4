/**
 * Removing an Environment (and its uses) takes its role away: the prune pass
 * still knows that location's clusters, and must not list or delete anything
 * there with the controller's own credentials (docs/controller.md, "Many
 * accounts and Regions"). Over the sandbox through the real SDK and STS: a
 * service declared in the controller's own account with the same name as an
 * orphan of the removed account survives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import { connectEcs, type EcsConnection } from '../../src/app/runtime.js';
import { createController, type Controller } from '../../src/controller/index.js';
import { manifestDirsForFile, serviceManifest } from './harness.js';

const OWN = '123456789012';
const DEV = '111111111111';
const PROD = '222222222222';
const dirs = manifestDirsForFile();

let world: { connection: EcsConnection; controller: Controller } | undefined;
afterEach(async () => {
  await world?.controller.stop({ graceMs: 100 });
  await world?.connection.close();
  world = undefined;
});

const environment = (name: string, account: string) => ({
  apiVersion: 'ecs-gitops/v1', kind: 'Environment', metadata: { name },
  spec: { account, region: 'eu-west-1', cluster: 'demo', roleArn: `arn:aws:iam::${account}:role/ecs-gitops-target` },
});

function live(connection: EcsConnection, account: string, name: string): boolean {
  const answer = connection.sandbox?.call('DescribeServices', { cluster: 'demo', services: [name] }, { accountId: account, region: 'eu-west-1' }) as { services?: { status?: string }[] };
  return answer.services?.[0] !== undefined && answer.services[0].status !== 'INACTIVE';
}

describe('prune after an Environment was removed', () => {
  it('never lists or deletes in the removed account\'s location with the own credentials: the own account\'s declared service survives', async () => {
    const accounts = new AccountDirectory();
    const connection = await connectEcs({ region: 'eu-west-1', env: {}, sandbox: { clockSpeed: 40 }, accounts, controllerId: 'ecs-gitops' });
    connection.sandbox?.admin.seed({
      accounts: [OWN, DEV, PROD].map((accountId) => ({ accountId, region: 'eu-west-1', clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] })),
    });
    const controller = createController({
      ecs: (location) => connection.ecsFor(location), accounts, prune: true,
      workers: 4, resyncMs: 0, rolloutPollMs: 25, backoffBaseMs: 50, backoffMaxMs: 200, followRollouts: false,
    });
    world = { connection, controller };
    const dir = dirs();
    const web = serviceManifest({ name: 'web', desiredCount: 1 });
    // `old` is a plain manifest: the controller's own account, cluster demo.
    const old = serviceManifest({ name: 'old', desiredCount: 1 });
    await dir.write('environments.yaml', [environment('dev', DEV), environment('prod', PROD)]);
    await dir.write('services.yaml', [{ ...web, metadata: { name: 'web', environments: ['dev', 'prod'] } }, old]);
    controller.setSnapshot(await dir.load('r1'));
    await controller.waitForIdle({ requeues: true });
    expect([live(connection, DEV, 'web'), live(connection, PROD, 'web'), live(connection, OWN, 'old')]).toEqual([true, true, true]);

    await dir.write('environments.yaml', [environment('dev', DEV)]);
    await dir.write('services.yaml', [{ ...web, metadata: { name: 'web', environments: ['dev'] } }, old]);
    const removed = await dir.load('r2');
    expect(removed.problems).toEqual([]);
    controller.setSnapshot(removed);
    await controller.waitForIdle({ requeues: true });
    // A second pass (resync) over the same knowledge.
    await controller.resync();
    await controller.waitForIdle({ requeues: true });

    expect(connection.sandbox?.admin.callLog({ operation: 'DeleteService' })).toEqual([]);
    expect(live(connection, OWN, 'old')).toBe(true);
    // Prod's orphan cannot be reached without its role: left alone, not looked for with other credentials.
    expect(live(connection, PROD, 'web')).toBe(true);
    expect(controller.lastPrune()?.candidates).toEqual([]);
  });
});
