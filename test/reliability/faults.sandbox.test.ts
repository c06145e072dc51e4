/**
 * 20% AWS faults (throttles, 500/503, resets, truncated bodies, latency,
 * timeouts) on every ECS call while 200 services are created and then all
 * change image: every service converges, task definition revisions equal the
 * distinct contents (a register whose answer was lost is never repeated as a
 * new revision), nothing is deleted, no unhandled rejection, and the faults
 * show up in ecs_gitops_aws_requests_total by outcome.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/controller/index.js';
import { DEFAULT_RATE_LIMITS, scaleRateLimits } from '../../src/ecs/rate-limits.js';
import { createSdkEcsApi } from '../../src/ecs/sdk-adapter.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION, eventually, serviceManifest } from '../controller/harness.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { allTaskDefinitions, directApi, liveServices, reportFigures, revisionsPerFamily } from './world.js';

const SERVICES = 200;
const ACCOUNT = '310000000001';
const FAULTS = { rate: 0.2 } as const;

describe('20% AWS faults during initial sync of 200 services and a mass image change', () => {
  let sandbox: Sandbox;
  let proxy: FaultProxy;
  let dir: ManifestDir;
  let controller: Controller | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    sandbox = await startSandbox({ clockSpeed: 200, throttling: 'off' });
    sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
    proxy = await startFaultProxy({ target: sandbox.endpoint, seed: 20_261_122, defaultRule: FAULTS, latencyMs: 150, timeoutMs: 800 });
    dir = await ManifestDir.create();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await controller?.stop({ graceMs: 1000 });
    await proxy?.close();
    await sandbox?.close();
    await dir?.dispose();
  });

  it('converges with no duplicate revisions, deletes nothing and counts every fault by outcome', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const config = sandbox.clientConfig({ accountId: ACCOUNT, region: REGION });
    const { api } = createSdkEcsApi({ endpoint: proxy.url, region: REGION, credentials: config.credentials, observer: metrics.observeAwsRequest });
    const direct = directApi(sandbox, ACCOUNT, REGION);
    controller = createController({
      ecs: api, metrics, workers: 8, resyncMs: 0, rolloutPollMs: 50, backoffBaseMs: 20, backoffMaxMs: 400, prune: true,
      reconcileTimeoutMs: 20_000, random: () => 0.5,
      // ECS's limits x20: the shape of client-side rate limiting stays, the wall time fits CI.
      rateLimits: scaleRateLimits(DEFAULT_RATE_LIMITS, 20),
    });
    const names = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
    const write = async (image: string) => {
      // 20 files of 10 services each.
      for (let f = 0; f < SERVICES / 10; f++) {
        await dir.write(`f${f}.yaml`, names.slice(f * 10, f * 10 + 10).map((name) => serviceManifest({ name, desiredCount: 1, image })));
      }
    };
    const convergedOn = async (image: string) => {
      const live = await liveServices(direct, 'demo');
      if (live.length !== SERVICES) return false;
      const statuses = controller!.status.list();
      return statuses.length === SERVICES && statuses.every((s) => s.sync === 'Synced' && s.health === 'Healthy')
        && live.every((s) => s.status === 'ACTIVE' && s.primary?.rolloutState === 'COMPLETED' && s.taskDefinition === s.primary.taskDefinition)
        && image !== '';
    };

    // Phase 1: initial sync.
    await write('nginx:1.27');
    controller.setSnapshot(await dir.load('rev-1'));
    await eventually(() => convergedOn('nginx:1.27'), () => ({ injected: proxy.injectedByKind(), notSynced: controller!.status.list().filter((s) => s.sync !== 'Synced' || s.health !== 'Healthy').slice(0, 5) }), 150_000);
    const afterInitial = proxy.injectedByKind();

    // Phase 2: every service changes image.
    await write('nginx:1.28');
    controller.setSnapshot(await dir.load('rev-2'));
    await eventually(async () => {
      if (!(await convergedOn('nginx:1.28'))) return false;
      const tds = await allTaskDefinitions(direct);
      const live = await liveServices(direct, 'demo');
      return live.every((s) => tds.includes(s.taskDefinition) && s.taskDefinition.endsWith(':2'));
    }, () => ({ injected: proxy.injectedByKind(), notSynced: controller!.status.list().filter((s) => s.sync !== 'Synced' || s.health !== 'Healthy').slice(0, 5) }), 150_000);
    await controller.waitForIdle({ requeues: true });

    // Every service runs revision 2 of its own family (the nginx:1.28 content), and each family has
    // exactly two revisions: one per distinct content, none from a retried RegisterTaskDefinition.
    const live = await liveServices(direct, 'demo');
    expect(live).toHaveLength(SERVICES);
    for (const s of live) expect(s.taskDefinition).toMatch(new RegExp(`task-definition/${s.name}:2$`));
    const families = revisionsPerFamily(await allTaskDefinitions(direct));
    expect(Object.keys(families)).toHaveLength(SERVICES);
    expect(Object.values(families).every((n) => n === 2)).toBe(true);
    const described = await direct.send('DescribeTaskDefinition', { taskDefinition: `${names[7]}:2` });
    expect(described.taskDefinition?.containerDefinitions?.[0]?.image).toBe('nginx:1.28');

    // Nothing deleted: DeleteService never reached the sandbox, every service is ACTIVE.
    expect(sandbox.admin.callLog({ accountId: ACCOUNT, operation: 'DeleteService' })).toHaveLength(0);
    expect(live.every((s) => s.status === 'ACTIVE')).toBe(true);
    expect(unhandled).toEqual([]);

    // Faults really were injected, of every kind, in both phases, including after-forward ones on writes.
    const total = proxy.injectedByKind();
    for (const kind of ['throttle', 'http500', 'http503', 'reset', 'truncate', 'latency', 'timeout'] as const) {
      expect(total[kind], kind).toBeGreaterThan(0);
    }
    const sum = (k: Partial<Record<string, number>>): number => Object.values(k).reduce<number>((a, b) => a + (b ?? 0), 0);
    expect(sum(afterInitial)).toBeGreaterThan(0);
    expect(sum(total)).toBeGreaterThan(sum(afterInitial));
    const registerFaults = proxy.injected().RegisterTaskDefinition ?? {};
    expect((registerFaults.reset ?? 0) + (registerFaults.truncate ?? 0) + (registerFaults.timeout ?? 0)).toBeGreaterThan(0);

    // Metrics: faults counted by outcome. Throttles alone are a lower bound of `throttled`.
    const text = await registry.metrics();
    const outcomeTotal = (outcome: string) => [...text.matchAll(new RegExp(`^ecs_gitops_aws_requests_total\\{api="ecs",operation="[A-Za-z]+",outcome="${outcome}"\\} (\\d+)`, 'gm'))]
      .reduce((a, m) => a + Number(m[1]), 0);
    expect(outcomeTotal('throttled')).toBe(total.throttle ?? 0);
    expect(outcomeTotal('server_error')).toBeGreaterThanOrEqual((total.http500 ?? 0) + (total.http503 ?? 0));
    expect(outcomeTotal('network_error')).toBeGreaterThanOrEqual(total.reset ?? 0);
    expect(outcomeTotal('ok')).toBeGreaterThan(0);
    // Every injected fault except latency ends the call in error; errors seen >= faults injected.
    const failedFaults = sum(total) - (total.latency ?? 0);
    expect(outcomeTotal('throttled') + outcomeTotal('server_error') + outcomeTotal('network_error') + outcomeTotal('client_error')).toBeGreaterThanOrEqual(failedFaults);

    // Reported for docs/reliability.md.
    reportFigures('faults-200', { calls: proxy.calls(), injected: total, outcomes: {
      ok: outcomeTotal('ok'), throttled: outcomeTotal('throttled'), server_error: outcomeTotal('server_error'),
      network_error: outcomeTotal('network_error'), client_error: outcomeTotal('client_error'),
    } });
  }, 320_000);
});
