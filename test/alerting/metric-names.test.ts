/**
 * Every metric the alert rules and the Grafana dashboard query must exist in
 * what the controller serves on /metrics: a renamed metric would otherwise
 * silently turn an alert into one that can never fire.
 */
import { readFile } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { StatusStore } from '../../src/controller/status.js';
import { startHttpServer, type RunningHttpServer } from '../../src/observe/http-server.js';
import { registerHaMetrics } from '../../src/ha/ha-metrics.js';
import { createNotifyMetrics } from '../../src/notify/notify-metrics.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { bindServiceStatusMetrics } from '../../src/observe/service-status-metrics.js';
import { SYNTHETIC_METRICS, metricNames } from './promql-metric-names.js';

const root = new URL('../../', import.meta.url);

describe('metricNames', () => {
  it.each([
    ['up{job="ecs-gitops"} == 0 or absent(up{job="ecs-gitops"})', ['up']],
    ['max by (region, cluster, service) (ecs_gitops_service_drift) == 1', ['ecs_gitops_service_drift']],
    ['sum by (api) (rate(a_total{outcome="throttled"}[5m])) / sum by (api) (rate(a_total[5m])) > 0.1', ['a_total']],
    ['histogram_quantile(0.95, sum by (le) (rate(x_bucket[$__rate_interval])))', ['x_bucket']],
    ['time() - max(ts_seconds) > 600 or (max(err_total) > 0 unless max(ts_seconds))', ['err_total', 'ts_seconds']],
    ['a * on (instance) group_left (version) b offset 5m', ['a', 'b']],
    ['sum(x{l=~"$region", m="by (x)"}) or vector(0)', ['x']],
    ['count(y == 0) > 1e3', ['y']],
    ['rate(z[5m:1m]) > bool 0', ['z']],
  ])('finds the metrics in %s', (expr, expected) => {
    expect(metricNames(expr)).toEqual(expected);
  });
});

/** Every PromQL string in the dashboard: panel targets, annotations, and variable queries. */
function dashboardExpressions(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) dashboardExpressions(item, out);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'expr' && typeof value === 'string') out.push(value);
      else if (key === 'definition' && typeof value === 'string') {
        const inner = /^label_values\((.+),\s*[a-zA-Z_]+\)$/.exec(value);
        if (inner?.[1]) out.push(inner[1]);
      } else dashboardExpressions(value, out);
    }
  }
  return out;
}

describe('metrics used by the rules and the dashboard', () => {
  let server: RunningHttpServer;
  let served: Set<string>;

  beforeAll(async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const status = new StatusStore();
    bindServiceStatusMetrics(metrics, status);
    status.update('eu-west-1/prod/web', {}, {
      key: 'eu-west-1/prod/web', region: 'eu-west-1', cluster: 'prod', service: 'web', sync: 'OutOfSync', health: 'Healthy',
      mode: 'auto', lastApplySucceeded: true, lastSyncTime: '2026-01-01T00:00:00Z', diff: [],
      // A rollout waiting on a lifecycle hook: rollout_stage and rollout_waiting_for_approval_since_seconds have a series.
      rollout: { strategy: 'BLUE_GREEN', source: 'service-deployment', state: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', startedAt: '2026-01-01T00:00:00Z',
        waitingForApproval: { stage: 'POST_TEST_TRAFFIC_SHIFT', since: '2026-01-01T00:01:00Z' } },
    });
    const provider = 'capacity-provider:eu-west-1/asg-a';
    status.apply(provider, {
      kind: 'set-capacity-provider', patch: { lastApplySucceeded: true },
      initial: { key: provider, region: 'eu-west-1', name: 'asg-a', sync: 'Synced', mode: 'auto', diff: [] },
    });
    const scheduled = 'scheduled-task:eu-west-1/prod/nightly';
    status.apply(scheduled, {
      kind: 'set-scheduled-task', patch: { lastApplySucceeded: true, nextFireAt: '2026-01-02T03:00:00Z', lastRuns: [{ taskArn: 't', lastStatus: 'STOPPED', succeeded: true }] },
      initial: { key: scheduled, region: 'eu-west-1', cluster: 'prod', name: 'nightly', group: 'ecs-gitops', sync: 'Synced', mode: 'auto', diff: [] },
    });
    metrics.readScheduledTasksFrom(() => status.listScheduledTasks());
    metrics.recordSnapshot({ revision: 'abc', services: [], clusters: [], files: ['web.yaml'], problems: [] }, 1);
    metrics.recordSourceFetch(true, 1);
    metrics.recordAccountAccess('222222222222', 'eu-west-1', true);
    // A configured notifier sink: the notification series exist from its first scrape (src/notify/notify-metrics.ts).
    const notify = createNotifyMetrics(registry);
    notify.initSink({ notifier: 'payments', sink: 'slack' }, ['RolloutCompleted', 'RolloutFailed'], true);
    notify.deliverySeconds({ notifier: 'payments', sink: 'slack' }, 0.2);
    // A replica of run --ha-table (src/ha): the shard and lease series exist once it knows a shard.
    registerHaMetrics(registry, () => ({
      transitions: { acquired: 1, renewed_failed: 0, lost: 0, fenced: 0, released: 0, handed_over: 0 },
      fencingStops: 0, tableErrors: 0, shards: new Map([['eu-west-1', true]]),
    }));
    server = await startHttpServer({ host: '127.0.0.1', port: 0, registry, status, readiness: () => ({ ready: true, reasons: [] }) });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    served = new Set(
      text.split('\n').filter((line) => line.length > 0 && !line.startsWith('#')).map((line) => line.split(/[{ ]/)[0] as string),
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  it('alert rules query only served metrics', async () => {
    const rules = parse(await readFile(new URL('deploy/prometheus/ecs-gitops.rules.yaml', root), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const exprs = rules.groups.flatMap((g) => g.rules);
    expect(exprs.length).toBe(19);
    for (const rule of exprs) {
      const names = metricNames(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      // A name with a colon is a recording rule the user may load (RolloutPaused's threshold), never a served metric.
      const USER_RECORDING_RULES = new Set(['ecs_gitops:rollout_paused_alert_after_seconds']);
      for (const name of names) {
        expect(served.has(name) || SYNTHETIC_METRICS.has(name) || USER_RECORDING_RULES.has(name), `${rule.alert} uses ${name}`).toBe(true);
      }
    }
  });

  it('the dashboard queries only served metrics', async () => {
    const dashboard = JSON.parse(await readFile(new URL('deploy/grafana/ecs-gitops.dashboard.json', root), 'utf8')) as unknown;
    const exprs = dashboardExpressions(dashboard);
    expect(exprs.length).toBeGreaterThan(30);
    const used = new Set<string>();
    for (const expr of exprs) {
      const names = metricNames(expr);
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) {
        used.add(name);
        expect(served.has(name) || SYNTHETIC_METRICS.has(name), `dashboard query ${expr} uses ${name}`).toBe(true);
      }
    }
    // The dashboard covers what the issue asks for.
    for (const name of [
      'ecs_gitops_service_info', 'ecs_gitops_service_drift', 'ecs_gitops_reconcile_total', 'ecs_gitops_aws_requests_total',
      'ecs_gitops_workqueue_depth', 'ecs_gitops_rollouts_total',
    ]) expect(used.has(name), name).toBe(true);
  });
});
