/**
 * The controller's own account has two spellings of one location: an
 * Environment in that account (no roleArn needed) names `OWN@eu-west-1`, a
 * plain manifest `eu-west-1`. With --prune, a service or schedule declared
 * under either spelling is declared, and each real location is listed once:
 * pass after pass nothing is deleted (docs/controller.md, "Many accounts and
 * Regions"). Over the sandbox through the real SDK; the sandbox's call log
 * says what was deleted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import { connectEcs, type EcsConnection } from '../../src/app/runtime.js';
import { createController, type Controller } from '../../src/controller/index.js';
import { manifestDirsForFile, serviceManifest } from './harness.js';

const OWN = '123456789012';
const IMAGE = 'public.ecr.aws/docker/library/busybox:1.36';
const dirs = manifestDirsForFile();

let world: { connection: EcsConnection; controller: Controller } | undefined;
afterEach(async () => {
  await world?.controller.stop({ graceMs: 100 });
  await world?.connection.close();
  world = undefined;
});

function job(name: string, metadata: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'ecs-gitops/v1', kind: 'ScheduledTask', metadata: { name, ...metadata },
    spec: {
      schedule: 'rate(1 hour)',
      roleArn: `arn:aws:iam::${OWN}:role/ecs-scheduler/report`,
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'] } },
      taskDefinition: {
        family: name, cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'app', image: IMAGE, command: ['run'] }],
      },
    },
  };
}

describe('prune with an Environment in the controller\'s own account', () => {
  it('keeps services and schedules declared under OWN@eu-west-1 and under eu-west-1 in one cluster, pass after pass', async () => {
    const accounts = new AccountDirectory();
    const connection = await connectEcs({ region: 'eu-west-1', env: {}, sandbox: { clockSpeed: 40 }, accounts, controllerId: 'ecs-gitops' });
    connection.sandbox?.admin.seed({ accounts: [{ accountId: OWN, region: 'eu-west-1', clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    const controller = createController({
      defaultRegion: 'eu-west-1',
      ecs: (location) => connection.ecsFor(location), scheduler: (location) => connection.schedulerFor(location), accounts, prune: true,
      workers: 4, resyncMs: 0, rolloutPollMs: 25, backoffBaseMs: 50, backoffMaxMs: 200, followRollouts: false,
    });
    world = { connection, controller };
    const dir = dirs();
    await dir.write('environments.yaml', [{ apiVersion: 'ecs-gitops/v1', kind: 'Environment', metadata: { name: 'own' }, spec: { account: OWN, region: 'eu-west-1', cluster: 'demo' } }]);
    await dir.write('services.yaml', [
      { ...serviceManifest({ name: 'web', desiredCount: 1 }), metadata: { name: 'web', environments: ['own'] } },
      serviceManifest({ name: 'plain', desiredCount: 1 }),
    ]);
    await dir.write('jobs.yaml', [job('nightly', { environments: ['own'] }), job('report', { region: 'eu-west-1', cluster: 'demo' })]);
    const snapshot = await dir.load('r1');
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.services.map((s) => s.key).sort()).toEqual([`${OWN}@eu-west-1/demo/web`, 'eu-west-1/demo/plain']);
    controller.setSnapshot(snapshot);
    await controller.waitForIdle({ requeues: true });
    expect(connection.sandbox?.admin.callLog({ operation: 'CreateService' }).map((c) => c.accountId)).toEqual([OWN, OWN]);
    expect(connection.sandbox?.admin.callLog({ operation: 'CreateSchedule' }).length).toBe(2);

    // More passes over the same manifests: a new revision, then two resyncs.
    controller.setSnapshot(await dir.load('r2'));
    await controller.waitForIdle({ requeues: true });
    const listings = () => connection.sandbox?.admin.callLog({ operation: 'ListServices' }).length ?? 0;
    const scans = () => connection.sandbox?.admin.callLog({ operation: 'ListSchedules' }).length ?? 0;
    for (let i = 0; i < 2; i++) {
      const [listed, scanned] = [listings(), scans()];
      await controller.resync();
      await controller.waitForIdle({ requeues: true });
      // One real cluster and one real location: listed once per pass, not once per spelling.
      expect([listings() - listed, scans() - scanned]).toEqual([1, 1]);
    }

    expect(connection.sandbox?.admin.callLog({ operation: 'DeleteService' })).toEqual([]);
    expect(connection.sandbox?.admin.callLog({ operation: 'DeleteSchedule' })).toEqual([]);
    expect(controller.lastPrune()?.candidates).toEqual([]);
    const services = connection.sandbox?.call('ListServices', { cluster: 'demo' }, { accountId: OWN, region: 'eu-west-1' }) as { serviceArns?: string[] };
    expect((services.serviceArns ?? []).map((arn) => arn.split('/').pop()).sort()).toEqual(['plain', 'web']);
    // Every service is created once and never again: no flapping between the spellings.
    expect(connection.sandbox?.admin.callLog({ operation: 'CreateService' }).length).toBe(2);
    expect(connection.sandbox?.admin.callLog({ operation: 'CreateSchedule' }).length).toBe(2);
  });
});
