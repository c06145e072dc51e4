/**
 * Runs Prometheus's own checker and rule unit tests over the shipped rules
 * file, so a broken expression or a changed threshold fails the suite.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { requireProgram } from '../support/programs.js';

const dir = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url));
const hasPromtool = requireProgram('promtool', 'apt-get install prometheus');

function promtool(...args: string[]) {
  const result = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

interface RuleFile {
  groups: { rules: { alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}
interface RuleTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

const readYaml = async <T>(name: string): Promise<T> => {
  const { readFile } = await import('node:fs/promises');
  return parse(await readFile(`${dir}${name}`, 'utf8')) as T;
};

const ALERTS = ['AccountAccessFailing', 'ReconcileFailing', 'RolloutDegraded', 'RolloutPaused', 'DriftPersisting', 'CorrectionLoop', 'CapacityProviderFailing', 'ScheduledTaskFailing', 'ScheduledTaskRunFailed', 'DeployHookFailed', 'ManifestsInvalid', 'AwsThrottlingSustained', 'SourceStale', 'ControllerDown',
  'NotificationsGivenUp', 'NotifierSinkMisconfigured', 'NotificationBacklog', 'ShardWithoutHolder', 'FencingStops'];

describe('deploy/prometheus rules', () => {
  it('define exactly the documented alerts, each with severity, summary, description and runbook', async () => {
    const rules = (await readYaml<RuleFile>('ecs-gitops.rules.yaml')).groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert).sort()).toEqual([...ALERTS].sort());
    for (const rule of rules) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      for (const key of ['summary', 'description', 'runbook', 'runbook_url']) expect(rule.annotations?.[key], `${rule.alert} ${key}`).toBeTruthy();
      expect(rule.annotations?.runbook).toBe(`docs/observability.md#${rule.alert?.toLowerCase()}`);
    }
  });

  it('unit-test every alert both firing and staying quiet', async () => {
    const cases = (await readYaml<RuleTestFile>('ecs-gitops.rules.test.yaml')).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of ALERTS) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${alert} fires somewhere`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${alert} is quiet somewhere`).toBe(true);
    }
  });

  it.runIf(hasPromtool)('pass `promtool check rules`', () => {
    const result = promtool('check', 'rules', 'ecs-gitops.rules.yaml');
    expect(result.output).toContain(`SUCCESS: ${ALERTS.length} rules found`);
    expect(result.status).toBe(0);
  });

  it.runIf(hasPromtool)('pass `promtool test rules`', () => {
    const result = promtool('test', 'rules', 'ecs-gitops.rules.test.yaml');
    expect(result.output).toContain('SUCCESS');
    expect(result.output).not.toContain('FAILED');
    expect(result.status).toBe(0);
  });

  it.runIf(hasPromtool)('dashboard queries are valid PromQL (checked by promtool as recording rules)', () => {
    const dashboard = readFileSync(fileURLToPath(new URL('../../deploy/grafana/ecs-gitops.dashboard.json', import.meta.url)), 'utf8');
    const exprs = [...dashboard.matchAll(/"expr": ("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1] as string) as string);
    expect(exprs.length).toBeGreaterThan(30);
    // Grafana variables are substituted the way Grafana would before sending the query.
    const concrete = exprs.map((e) => e.replaceAll('$__rate_interval', '2m').replaceAll('$region', '.*').replaceAll('$cluster', '.*'));
    const scratch = mkdtempSync(path.join(tmpdir(), 'ecs-gitops-dash-'));
    try {
      const file = path.join(scratch, 'dashboard-queries.yaml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: concrete.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] }));
      const result = promtool('check', 'rules', file);
      expect(result.output).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(result.status).toBe(0);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
