/**
 * Issue 7's end-to-end test: the controller exactly as `ecs-gitops run
 * --sandbox` wires it (serveController: in-process sandbox, checkout source on
 * a temp manifests directory, metrics on a private registry, the HTTP server)
 * scraped by a real Prometheus evaluating the shipped rules and notifying a
 * real Alertmanager.
 *
 * - A manifest whose image the sandbox marks as crashing: the rollout fails and
 *   RolloutDegraded and ReconcileFailing reach Alertmanager; the fixed
 *   manifest resolves both.
 * - A console-style change to a detect-mode service: DriftPersisting fires.
 * - Another tool reverting every correction of a service (the sandbox's
 *   fighter): after three corrections the controller stops writing,
 *   CorrectionLoop (and DriftPersisting) fire, and once the tool is gone the
 *   slow retry (a minute later) ends the loop and resolves them.
 * - A secret planted in the manifests never appears in the logs, /metrics or
 *   the status API.
 *
 * `for:` values are shortened to 2s in the loaded copy of the rules only (see
 * test/support/prometheus-stack.ts); production values are covered by promtool.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { serveController, type ServeInfo } from '../../src/app/serve.js';
import { createLogger } from '../../src/observe/logger.js';
import { QUICKSTART_SEED_PATH, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION, eventually, serviceManifest } from '../controller/harness.js';
import { canRunPrometheusStack, startPrometheusStack, type PrometheusStack } from '../support/prometheus-stack.js';

const runStack = canRunPrometheusStack();
const PLANTED = 'planted-e2e-secret-7d41c0';
const CRASHING_IMAGE = 'nginx:9.9-crash';

const WEB = { region: REGION, cluster: 'demo', service: 'web' };
const WORKER = { region: REGION, cluster: 'demo', service: 'worker' };
const FOUGHT = { region: REGION, cluster: 'demo', service: 'fought' };
const key = (service: string) => `${REGION}/demo/${service}`;

function webManifest(image: string): Record<string, unknown> {
  const doc = serviceManifest({ name: 'web', image });
  const spec = doc.spec as { taskDefinition: { containerDefinitions: Record<string, unknown>[] } };
  const container = spec.taskDefinition.containerDefinitions[0] as Record<string, unknown>;
  container.environment = [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'DB_PASSWORD', value: PLANTED }];
  return doc;
}

describe.runIf(runStack)('controller alerts end to end (sandbox, controller, Prometheus, Alertmanager)', () => {
  let dir: ManifestDir;
  let info: ServeInfo;
  let controller: Controller;
  let sandbox: Sandbox;
  let stack: PrometheusStack;
  let serving: Promise<void> | undefined;
  const stop = new AbortController();
  const logLines: string[] = [];
  const served: string[] = [];

  const status = (service: string) => controller.status.get(key(service));

  beforeAll(async () => {
    dir = await ManifestDir.create();
    await dir.write('web.yaml', [webManifest('nginx:1.27')]);
    await dir.write('worker.yaml', [serviceManifest({ name: 'worker', image: 'nginx:1.27', desiredCount: 1 })]);

    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
    const started = new Promise<ServeInfo>((resolve, reject) => {
      serving = serveController(
        {
          repo: dir.root,
          region: REGION,
          sandbox: { seed: QUICKSTART_SEED_PATH, clockSpeed: 40 },
          listen: { host: '127.0.0.1', port: 0 },
          resyncMs: 1000,
          prune: false,
          maxPrune: 5,
          mode: 'auto',
          workers: 4,
          controllerId: 'ecs-gitops',
          debounceMs: 50,
          shutdownGraceMs: 100,
          env: {},
          logger: createLogger({ level: 'debug', destination: sink }),
          signal: stop.signal,
        },
        resolve,
      );
      serving.catch(reject);
    });
    info = await started;
    controller = info.controller;
    if (!info.connection.sandbox) throw new Error('serveController did not start the sandbox');
    sandbox = info.connection.sandbox;
    await eventually(
      () => status('web')?.health === 'Healthy' && status('worker')?.health === 'Healthy',
      () => controller.status.list(),
      30_000,
    );
    stack = await startPrometheusStack({ targets: [new URL(info.url).host], maxFor: '2s' });
    await stack.waitForTargetsUp();
  }, 90_000);

  // On failure, show what the controller logged: the only way to tell a lost
  // source event from a controller or alerting problem after the fact.
  beforeEach(() => {
    onTestFailed(() => {
      console.error(`controller log (last 60 lines):\n${logLines.join('').split('\n').slice(-60).join('\n')}`);
      console.error(`current snapshot revision: ${controller?.snapshot()?.revision}`);
    });
  });

  afterAll(async () => {
    await stack?.stop();
    stop.abort();
    await serving;
    await dir?.dispose();
  }, 30_000);

  it('is ready and exports both services as Synced and Healthy', async () => {
    expect((await fetch(`${info.url}/readyz`)).status).toBe(200);
    const series = await stack.query('ecs_gitops_service_info');
    expect(series.map((r) => `${r.metric.service}:${r.metric.sync_status}:${r.metric.health_status}`).sort()).toEqual([
      'web:Synced:Healthy',
      'worker:Synced:Healthy',
    ]);
  });

  it('a crashing image fires RolloutDegraded and ReconcileFailing; the fixed manifest resolves both', async () => {
    sandbox.admin.markImageCrashing(CRASHING_IMAGE);
    await dir.write('web.yaml', [webManifest(CRASHING_IMAGE)]);
    // Health and the apply result may be recorded in separate status writes: wait for both.
    await eventually(
      () => status('web')?.health === 'Degraded' && status('web')?.lastApplySucceeded === false,
      () => status('web'),
      60_000,
    );
    expect(status('web')?.lastError?.code).toBe('CONTROLLER_ROLLOUT_FAILED');

    const degraded = await stack.waitForAlert('RolloutDegraded', WEB, 60_000);
    expect(degraded.labels.severity).toBe('critical');
    await stack.waitForAlert('ReconcileFailing', WEB, 60_000);
    await stack.waitForNotification('firing', 'RolloutDegraded', WEB);

    await dir.write('web.yaml', [webManifest('nginx:1.28')]);
    await eventually(() => status('web')?.health === 'Healthy' && status('web')?.lastApplySucceeded === true, () => status('web'), 60_000);
    await stack.waitForAlertGone('RolloutDegraded', WEB, 60_000);
    await stack.waitForAlertGone('ReconcileFailing', WEB, 60_000);
    await stack.waitForNotification('resolved', 'RolloutDegraded', WEB);
    await stack.waitForNotification('resolved', 'ReconcileFailing', WEB);
    expect(status('web')).toMatchObject({ sync: 'Synced', health: 'Healthy', diff: [] });

    // The rollout and AWS series behind the dashboard moved, as scraped by Prometheus.
    await eventually(async () => {
      const failed = await stack.query('sum(ecs_gitops_rollouts_total{result!="completed"})');
      const updates = await stack.query('sum(ecs_gitops_aws_requests_total{api="ecs",operation="UpdateService",outcome="ok"})');
      return Number(failed[0]?.value[1] ?? 0) >= 1 && Number(updates[0]?.value[1] ?? 0) >= 2;
    }, () => 'rollout and AWS request counters in Prometheus', 30_000);
  }, 180_000);

  it('drift created in the console on a detect-mode service fires DriftPersisting', async () => {
    await dir.write('worker.yaml', [serviceManifest({ name: 'worker', image: 'nginx:1.27', desiredCount: 1, mode: 'detect' })]);
    await eventually(() => status('worker')?.mode === 'detect', () => status('worker'), 30_000);
    sandbox.admin.scaleService({ region: REGION, cluster: 'demo', service: 'worker' }, 4);
    await eventually(() => status('worker')?.sync === 'OutOfSync', () => status('worker'), 30_000);
    expect(status('worker')?.diff.map((c) => c.pointer)).toContain('/spec/desiredCount');

    const drift = await stack.waitForAlert('DriftPersisting', WORKER, 60_000);
    expect(drift.annotations.summary).toBe('eu-west-1/demo/worker has drifted from Git for 15 minutes');
    // Detect mode never corrects it, and reports nothing else for it.
    const workerAlerts = (await stack.alerts()).filter((a) => a.labels.service === 'worker').map((a) => a.labels.alertname);
    expect(workerAlerts).toEqual(['DriftPersisting']);
    // Rewriting worker.yaml left web's manifest (and its health) alone.
    expect(status('web')).toMatchObject({ sync: 'Synced', health: 'Healthy' });
  }, 120_000);

  it('another tool reverting every correction fires CorrectionLoop instead of endless writes; the slow retry resolves it once the tool is gone', async () => {
    await dir.write('fought.yaml', [serviceManifest({ name: 'fought', image: 'nginx:1.27', desiredCount: 1 })]);
    await eventually(() => status('fought')?.health === 'Healthy' && status('fought')?.sync === 'Synced', () => status('fought'), 60_000);
    const updates = () => sandbox.admin.callLog({ operation: 'UpdateService' }).filter((c) => c.target === 'fought' && c.outcome === 'ok').length;
    const before = updates();

    sandbox.admin.fightService(FOUGHT, { desiredCount: 3 });
    sandbox.admin.scaleService(FOUGHT, 3);
    await eventually(() => status('fought')?.correctionLoop !== undefined, () => status('fought'), 30_000);
    expect(status('fought')).toMatchObject({ sync: 'OutOfSync', lastError: { code: 'CONTROLLER_CORRECTION_LOOP' } });
    expect(status('fought')?.diff.map((c) => c.pointer)).toEqual(['/spec/desiredCount']);

    const loop = await stack.waitForAlert('CorrectionLoop', FOUGHT, 60_000);
    expect(loop.labels.severity).toBe('warning');
    expect(loop.annotations.runbook).toBe('docs/observability.md#correctionloop');
    await stack.waitForNotification('firing', 'CorrectionLoop', FOUGHT);
    await stack.waitForAlert('DriftPersisting', FOUGHT, 60_000);
    // Resyncs every second meanwhile, and still three corrections only.
    expect(updates() - before).toBe(3);
    const looping = (await stack.alerts()).filter((a) => a.labels.service === 'fought').map((a) => a.labels.alertname).sort();
    expect(looping).toEqual(['CorrectionLoop', 'DriftPersisting']);

    // The other tool goes away; the first slow retry comes a minute after the loop was found.
    sandbox.admin.fightService(FOUGHT, undefined);
    await eventually(() => status('fought')?.sync === 'Synced' && status('fought')?.correctionLoop === undefined, () => status('fought'), 90_000);
    expect(updates() - before).toBe(4);
    await stack.waitForAlertGone('CorrectionLoop', FOUGHT, 60_000);
    await stack.waitForNotification('resolved', 'CorrectionLoop', FOUGHT);
  }, 240_000);

  it('never lets the planted secret out through logs, /metrics or the status API', async () => {
    for (const path of ['/metrics', '/api/v1/status', '/api/v1/services/eu-west-1/demo/web']) {
      served.push(await (await fetch(`${info.url}${path}`)).text());
    }
    // The secret did flow through the controller: ECS received it in the task definition.
    const live = await info.connection.ecs.send('DescribeServices', { cluster: 'demo', services: ['web'] });
    const taskDefinition = live.services?.[0]?.taskDefinition ?? '';
    const registered = await info.connection.ecs.send('DescribeTaskDefinition', { taskDefinition });
    expect(JSON.stringify(registered.taskDefinition?.containerDefinitions)).toContain(PLANTED);

    const everything = [...logLines, ...served].join('\n');
    expect(logLines.length).toBeGreaterThan(5);
    expect(everything).not.toContain(PLANTED);
  });

  it('raised no alert beyond the ones provoked', () => {
    const names = new Set(stack.notifications().flatMap((n) => n.alerts).map((a) => a.labels.alertname));
    expect([...names].sort()).toEqual(['CorrectionLoop', 'DriftPersisting', 'ReconcileFailing', 'RolloutDegraded']);
  });
});
