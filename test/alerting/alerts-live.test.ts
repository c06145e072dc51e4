/**
 * The shipped alert rules against a real Prometheus and Alertmanager: the
 * target is our own HTTP server exporting a registry built by createMetrics
 * and kept in step with a StatusStore this test drives the way the controller
 * does. `for:` values are shortened to 2s (see test/support/prometheus-stack.ts
 * for why; promtool tests cover the production values).
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { StatusStore, type ServiceStatus } from '../../src/controller/status.js';
import { startHttpServer, type RunningHttpServer } from '../../src/observe/http-server.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { bindServiceStatusMetrics } from '../../src/observe/service-status-metrics.js';
import { canRunPrometheusStack, startPrometheusStack, templateRules, type PrometheusStack } from '../support/prometheus-stack.js';

const runStack = canRunPrometheusStack();

function initial(region: string, cluster: string, service: string, mode: 'auto' | 'detect' = 'auto'): ServiceStatus {
  return { key: `${region}/${cluster}/${service}`, region, cluster, service, sync: 'Synced', health: 'Healthy', mode, lastApplySucceeded: true, diff: [] };
}

const WEB = { region: 'eu-west-1', cluster: 'prod', service: 'web' };
const WORKER = { region: 'eu-west-1', cluster: 'prod', service: 'worker' };
const API = { region: 'eu-west-1', cluster: 'prod', service: 'api' };

describe('templateRules', () => {
  it('shortens only `for:` values above the limit and refuses nothing else', () => {
    const source = 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n      - alert: B\n        expr: up == 2\n        for: 1s\n      - alert: C\n        expr: up == 3\n';
    const out = templateRules(source, '2s');
    expect(out).toContain('for: 2s');
    expect(out).toContain('for: 1s');
    expect(out.match(/for:/g)).toHaveLength(2);
    expect(out).toContain('expr: up == 0');
  });

  it('cuts an alert named in `keep` to its own duration instead', () => {
    const source = 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 5m\n      - alert: B\n        expr: up == 2\n        for: 5m\n';
    const out = parse(templateRules(source, '2s', { A: '30s' })) as { groups: { rules: { alert: string; for: string }[] }[] };
    expect(out.groups[0]?.rules.map((r) => [r.alert, r.for])).toEqual([['A', '30s'], ['B', '2s']]);
  });
});

describe.runIf(runStack)('alert rules with live Prometheus and Alertmanager', () => {
  const store = new StatusStore();
  let target: RunningHttpServer;
  let stack: PrometheusStack;

  beforeAll(async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    bindServiceStatusMetrics(metrics, store);
    store.update('eu-west-1/prod/web', {}, initial('eu-west-1', 'prod', 'web'));
    store.update('eu-west-1/prod/worker', {}, initial('eu-west-1', 'prod', 'worker', 'detect'));
    store.update('eu-west-1/prod/api', {}, initial('eu-west-1', 'prod', 'api'));
    target = await startHttpServer({ host: '127.0.0.1', port: 0, registry, status: store, readiness: () => ({ ready: true, reasons: [] }) });
    stack = await startPrometheusStack({ targets: [new URL(target.url).host], maxFor: '2s' });
    await stack.waitForTargetsUp();
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await target?.close();
  }, 30_000);

  it('scrapes the controller metrics and keeps ControllerDown quiet while it is up', async () => {
    const info = await stack.query('ecs_gitops_service_info{service="web"}');
    expect(info.map((r) => [r.metric.sync_status, r.metric.health_status])).toEqual([['Synced', 'Healthy']]);
    const up = await stack.query('up{job="ecs-gitops"}');
    expect(up.map((r) => r.value[1])).toEqual(['1']);
    expect((await stack.alerts()).map((a) => a.labels.alertname)).not.toContain('ControllerDown');
  });

  it('fires RolloutDegraded and ReconcileFailing for a failed rollout, and resolves both when it is fixed', async () => {
    // What the controller records when ECS marks the deployment FAILED.
    store.update('eu-west-1/prod/web', {
      health: 'Degraded',
      lastApplySucceeded: false,
      lastError: { code: 'CONTROLLER_ROLLOUT_FAILED', message: 'deployment failed: tasks failed to start', at: new Date().toISOString() },
    });
    const degraded = await stack.waitForAlert('RolloutDegraded', WEB);
    expect(degraded.labels.severity).toBe('critical');
    expect(degraded.annotations.summary).toBe('Rollout of eu-west-1/prod/web failed');
    expect(degraded.annotations.runbook).toBe('docs/observability.md#rolloutdegraded');
    const failing = await stack.waitForAlert('ReconcileFailing', WEB);
    expect(failing.labels.severity).toBe('warning');
    await stack.waitForNotification('firing', 'RolloutDegraded', WEB);

    // Healthy services stay quiet meanwhile.
    const active = await stack.alerts();
    expect(active.filter((a) => a.labels.service === 'api')).toEqual([]);

    // A fixed manifest rolls out: the controller records success.
    store.update('eu-west-1/prod/web', { health: 'Healthy', lastApplySucceeded: true, lastError: undefined });
    await stack.waitForAlertGone('RolloutDegraded', WEB);
    await stack.waitForAlertGone('ReconcileFailing', WEB);
    await stack.waitForNotification('resolved', 'RolloutDegraded', WEB);
    await stack.waitForNotification('resolved', 'ReconcileFailing', WEB);
  }, 90_000);

  it('fires DriftPersisting for drift in a detect-mode service and resolves when it is back in sync', async () => {
    store.update('eu-west-1/prod/worker', {
      sync: 'OutOfSync',
      diff: [{ pointer: '/spec/desiredCount', kind: 'changed', scope: 'service', desired: 2, live: 5 }],
    });
    const drift = await stack.waitForAlert('DriftPersisting', WORKER);
    await stack.waitForNotification('firing', 'DriftPersisting', WORKER);
    expect(drift.annotations.description).toContain('/api/v1/services/eu-west-1/prod/worker');
    // Drift alone is not a reconcile failure nor a rollout problem.
    const others = (await stack.alerts()).filter((a) => a.labels.service === 'worker').map((a) => a.labels.alertname);
    expect(others).toEqual(['DriftPersisting']);

    store.update('eu-west-1/prod/worker', { sync: 'Synced', diff: [] });
    await stack.waitForAlertGone('DriftPersisting', WORKER);
  }, 90_000);

  it('never alerted on anything else: the healthy service, the source, manifests, AWS or the controller', () => {
    const alerts = stack.notifications().flatMap((n) => n.alerts);
    expect(alerts.filter((a) => a.labels.service === API.service)).toEqual([]);
    const names = new Set(alerts.map((a) => a.labels.alertname));
    expect([...names].sort()).toEqual(['DriftPersisting', 'ReconcileFailing', 'RolloutDegraded']);
  });
});
