/**
 * The repository's example manifests (manifests/), applied to the sandbox with
 * the planner's actions, read back with no drift; a console-style change made
 * through the sandbox's admin API shows up as exactly that field, with the
 * example's secrets masked in the rendering.
 */
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateServiceCommand,
  type Tag,
} from '@aws-sdk/client-ecs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffService, renderDiffJson, renderDiffText, serviceDiffResult } from '../../src/diff/index.js';
import { loadManifests, type DesiredService } from '../../src/manifests/index.js';
import { planService, withRegisteredTaskDefinition } from '../../src/plan/index.js';
import { QUICKSTART_SEED_PATH, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const ROOT = fileURLToPath(new URL('../../manifests', import.meta.url));

let sandbox: Sandbox;
let ecs: ECSClient;
let services: readonly DesiredService[] = [];

async function readLive(svc: DesiredService) {
  const described = await ecs.send(new DescribeServicesCommand({ cluster: svc.cluster, services: [svc.name], include: ['TAGS'] }));
  const service = described.services?.[0];
  if (!service?.taskDefinition) return { service };
  const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service.taskDefinition }));
  return { service, taskDefinition: td.taskDefinition, tags: service.tags as Tag[] | undefined };
}

async function syncOnce(svc: DesiredService): Promise<void> {
  const live = await readLive(svc);
  const changes = diffService(svc.manifest, live);
  const plan = planService({ desired: svc, live, changes, controllerId: 'examples', revision: 'HEAD' });
  expect(plan.blocked).toBeUndefined();
  let registered: string | undefined;
  for (const raw of plan.actions) {
    const action = registered === undefined ? raw : withRegisteredTaskDefinition(raw, registered);
    if (action.kind === 'registerTaskDefinition') {
      registered = (await ecs.send(new RegisterTaskDefinitionCommand(action.input))).taskDefinition?.taskDefinitionArn;
    } else if (action.kind === 'createService') {
      await ecs.send(new CreateServiceCommand(action.input));
    } else if (action.kind === 'updateService') {
      await ecs.send(new UpdateServiceCommand(action.input));
    } else if (action.kind === 'tagResource') {
      await ecs.send(new TagResourceCommand({ resourceArn: action.resourceArn, tags: action.tags }));
    } else {
      throw new Error(`unexpected action ${action.kind}`);
    }
  }
}

beforeAll(async () => {
  sandbox = await startSandbox({ clockSpeed: 0, throttling: 'off', seed: QUICKSTART_SEED_PATH });
  ecs = new ECSClient({ ...sandbox.clientConfig({ region: 'eu-west-1' }), maxAttempts: 1 });
  const snapshot = await loadManifests(ROOT, { defaultRegion: 'eu-west-1' });
  expect(snapshot.problems).toEqual([]);
  // The services of the controller's own account: the environments' instances (other accounts, looked-up
  // subnets) go through the controller in test/cli/start-environments.test.ts.
  services = snapshot.services.filter((s) => s.account === undefined);
  for (const svc of services) await syncOnce(svc);
});

afterAll(async () => {
  ecs?.destroy();
  await sandbox?.close();
});

describe('example manifests against the sandbox', () => {
  it('every example service reads back in sync', async () => {
    expect(services.length).toBeGreaterThanOrEqual(3);
    for (const svc of services) {
      expect({ key: svc.key, changes: diffService(svc.manifest, await readLive(svc)) }).toEqual({ key: svc.key, changes: [] });
    }
  });

  it.each([
    ['ECS Exec switched on', { enableExecuteCommand: true }, ['/spec/enableExecuteCommand']],
    ['health check grace period raised', { healthCheckGracePeriodSeconds: 300 }, ['/spec/healthCheckGracePeriodSeconds']],
    [
      'circuit breaker switched off',
      { deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100, deploymentCircuitBreaker: { enable: false, rollback: false } } },
      ['/spec/deploymentConfiguration/deploymentCircuitBreaker/enable', '/spec/deploymentConfiguration/deploymentCircuitBreaker/rollback'],
    ],
    ['desired count scaled by hand', { desiredCount: 9 }, ['/spec/desiredCount']],
  ])('console change on web (%s) shows exactly that field, then heals', async (_name, fields, pointers) => {
    const web = services.find((s) => s.name === 'web') as DesiredService;
    sandbox.admin.mutateService({ region: 'eu-west-1', cluster: 'demo', service: 'web' }, fields);
    const changes = diffService(web.manifest, await readLive(web));
    expect(changes.map((c) => c.pointer)).toEqual(pointers);
    await syncOnce(web);
    expect(diffService(web.manifest, await readLive(web))).toEqual([]);
  });

  it('a changed secret reference of the example is masked in every rendering', async () => {
    const web = services.find((s) => s.name === 'web') as DesiredService;
    const live = await readLive(web);
    const td = live.taskDefinition;
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        ...(td as object),
        family: td?.family,
        containerDefinitions: td?.containerDefinitions?.map((c) => ({
          ...c,
          secrets: c.secrets?.map((s) => (s.name === 'DB_PASSWORD' ? { ...s, valueFrom: `${s.valueFrom}-rotated-by-hand` } : s)),
        })),
      } as ConstructorParameters<typeof RegisterTaskDefinitionCommand>[0]),
    );
    sandbox.admin.setServiceTaskDefinition({ region: 'eu-west-1', cluster: 'demo', service: 'web' }, registered.taskDefinition?.taskDefinitionArn as string);
    const changes = diffService(web.manifest, await readLive(web));
    expect(changes.map((c) => c.pointer)).toEqual(['/spec/taskDefinition/containerDefinitions/0/secrets/0']);
    const results = [serviceDiffResult(web.key, changes)];
    for (const output of [renderDiffText(results, { colour: false }), renderDiffJson(results)]) {
      expect(output).not.toContain('parameter/web/db-password');
      expect(output).not.toContain('rotated-by-hand');
      expect(output).toContain('***sha256:');
    }
  });
});
