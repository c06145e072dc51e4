/**
 * spec.autoScaling and kind: CapacityProvider: every validation rule from a
 * table (code, pointer, line:col), the valid forms the rules must let
 * through, and what a clean document contributes to the snapshot.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MANIFEST_ERROR_CODES } from '../../src/errors/index.js';
import { formatProblem, validateDocuments, type ManifestSnapshot } from '../../src/manifests/index.js';
import { isTimeZone, parseInstant, scheduleProblem } from '../../src/manifests/schedule-expression.js';
import { changedKeys } from '../../src/source/changed-keys.js';
import { ASG_ARN, RULE_CASES, stepPolicy } from './autoscaling-rule-cases.js';

const full = readFileSync(new URL('./fixtures/autoscaling/full.yaml', import.meta.url), 'utf8');

function validate(content: string, file = 'svc.yaml'): ManifestSnapshot {
  return validateDocuments([{ path: file, content }], { defaultRegion: 'eu-west-1' });
}

const HEADER = 'apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: web, cluster: demo}\nspec:\n  taskDefinition: {family: web, containerDefinitions: [{name: web, image: nginx, memory: 128}]}\n';
const capacityProvider = (name: string, extra = ''): string =>
  `apiVersion: ecs-gitops/v1\nkind: CapacityProvider\nmetadata: {name: ${name}}\nspec:\n  autoScalingGroupProvider: {autoScalingGroupArn: "${ASG_ARN}"${extra}}\n`;

describe('spec.autoScaling and kind: CapacityProvider rules', () => {
  it.each(RULE_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const file = c.content.includes('kind: CapacityProvider') ? 'cp.yaml' : 'svc.yaml';
    const snapshot = validate(c.content, file);
    expect(snapshot.problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.pointer}`)).toEqual(c.expected);
    for (const problem of snapshot.problems) {
      expect(Object.keys(MANIFEST_ERROR_CODES)).toContain(problem.code);
      expect(problem.message.startsWith(`${problem.pointer}:`)).toBe(true);
    }
    // A file with a problem declares nothing, and its identity is blocked.
    expect(snapshot.services).toEqual([]);
    expect(snapshot.capacityProviders).toEqual([]);
    expect(snapshot.blockedKeys.size).toBeLessThanOrEqual(1);
  });

  it('covers every new code', () => {
    const codes = new Set(RULE_CASES.flatMap((c) => c.expected.map((e) => e.split(' ')[1])));
    for (const code of ['MANIFEST_SCALING_CAPACITY', 'MANIFEST_SCALING_LIMIT', 'MANIFEST_SCALING_NAME', 'MANIFEST_SCALING_METRIC', 'MANIFEST_SCALING_SCHEDULE', 'MANIFEST_STEP_ADJUSTMENTS', 'MANIFEST_SCALING_ALARM', 'MANIFEST_CAPACITY_PROVIDER']) {
      expect(codes).toContain(code);
    }
  });

  it('prints file:line:col with the message', () => {
    const [problem] = validate(`${HEADER}  autoScaling: {minCapacity: 3, maxCapacity: 2}\n`).problems;
    expect(problem && formatProblem(problem)).toBe('svc.yaml:6:30: MANIFEST_SCALING_CAPACITY /spec/autoScaling/minCapacity: 3 is above maxCapacity 2; minCapacity must be at most maxCapacity');
  });
});

describe('valid auto scaling and capacity providers', () => {
  it('a service using every field and a capacity provider load with no problems', () => {
    const snapshot = validate(full);
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    const [service] = snapshot.services;
    expect(service?.manifest.spec.autoScaling?.stepScaling?.[0]?.alarm.dimensions).toEqual([{ name: 'QueueName', value: 'jobs' }]);
    expect(service?.manifest.spec.autoScaling?.scheduled?.map((s) => s.name)).toEqual(['business-hours', 'nights']);
    expect(snapshot.capacityProviders?.map((c) => [c.key, c.region, c.name, c.source.line])).toEqual([['capacity-provider:eu-west-1/demo-asg', 'eu-west-1', 'demo-asg', 50]]);
    expect(snapshot.capacityProviders?.[0]?.manifest.spec.autoScalingGroupProvider?.managedScaling?.targetCapacity).toBe(90);
  });

  it('exactly 50 policies and 200 scheduled actions are allowed', () => {
    const policies = Array.from({ length: 25 }, (_, i) => `      - {name: t${i}, targetValue: 50, predefinedMetric: ECSServiceAverageMemoryUtilization}\n`).join('');
    const stepPolicies = Array.from({ length: 25 }, (_, i) => `      - ${stepPolicy(`s${i}`)}\n`).join('');
    const actions = Array.from({ length: 200 }, (_, i) => `      - {name: a${i}, schedule: rate(${i + 2} days), maxCapacity: 5}\n`).join('');
    const content = `${HEADER}  autoScaling:\n    minCapacity: 0\n    maxCapacity: 5\n    targetTracking:\n${policies}    stepScaling:\n${stepPolicies}    scheduled:\n${actions}`;
    expect(validate(content).problems.map(formatProblem)).toEqual([]);
  });

  it('step adjustments on both sides of the threshold, and PercentChangeInCapacity with minAdjustmentMagnitude', () => {
    const content = `${HEADER}  autoScaling:\n    minCapacity: 1\n    maxCapacity: 9\n    stepScaling:\n      - name: scale-in\n        adjustmentType: PercentChangeInCapacity\n        minAdjustmentMagnitude: 1\n        stepAdjustments:\n          - {metricIntervalUpperBound: -10, scalingAdjustment: -50}\n          - {metricIntervalLowerBound: -10, metricIntervalUpperBound: 0, scalingAdjustment: -10}\n        alarm: {metricName: m, namespace: n, extendedStatistic: p90, period: 10, evaluationPeriods: 3, datapointsToAlarm: 3, threshold: 20, comparisonOperator: LessThanThreshold}\n`;
    expect(validate(content).problems.map(formatProblem)).toEqual([]);
  });

  it('accepts the schedule forms Application Auto Scaling documents', () => {
    for (const schedule of [
      'at(2024-02-29T23:59:59)', 'rate(1 minute)', 'rate(1 hour)', 'rate(1 day)', 'rate(15 minutes)', 'rate(2 hours)', 'rate(7 days)',
      'cron(0 8 ? * MON-FRI *)', 'cron(0/15 * * * ? *)', 'cron(*/5 9-17 ? * 2-6 2025-2030)', 'cron(0 0 L * ? *)', 'cron(0 0 LW * ? *)',
      'cron(0 0 15W * ? *)', 'cron(0 0 ? * 6#3 *)', 'cron(0 0 ? * 2L *)', 'cron(30 12 1,15 JAN-MAR,DEC ? *)', 'cron(0 8 ? * sun *)',
    ]) {
      expect(scheduleProblem(schedule), schedule).toBeUndefined();
    }
  });

  it('accepts IANA zones, UTC and Etc/ zones, and ISO 8601 instants with an offset', () => {
    for (const zone of ['Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'UTC', 'Etc/UTC', 'Etc/GMT+5']) expect(isTimeZone(zone), zone).toBe(true);
    for (const zone of ['CET+1', 'Europe/Atlantis', 'Etc/Nowhere', 'utc ']) expect(isTimeZone(zone), zone).toBe(false);
    expect(parseInstant('2025-06-01T10:00:00+02:00')).toBe(Date.UTC(2025, 5, 1, 8));
    expect(parseInstant('2025-06-01T08:00:00.250Z')).toBe(Date.UTC(2025, 5, 1, 8, 0, 0, 250));
    for (const bad of ['2025-06-01', '2025-06-01T08:00Z', '2025-13-01T08:00:00Z', '2025-06-31T08:00:00Z', '2025-06-01T08:00:00+25:00']) expect(parseInstant(bad), bad).toBeUndefined();
  });

  it('sync.ignoreDifferences may name the target\'s own fields in autoScaling, and nothing below them', () => {
    const content = `${HEADER}  autoScaling: {minCapacity: 1, maxCapacity: 2}\n  sync: {ignoreDifferences: [/autoScaling/maxCapacity, /autoScaling/scheduled/0/schedule, /autoScaling/minCapcity, /autoScaling/suspendedState/dynamicScalingInSuspended, /autoScaling]}\n`;
    expect(validate(content).problems.map((p) => `${p.code} ${p.message}`)).toEqual([
      'MANIFEST_BAD_JSON_POINTER /spec/sync/ignoreDifferences/1: "/autoScaling/scheduled/0/schedule" names a part of autoScaling that cannot be ignored: only /autoScaling, /autoScaling/minCapacity, /autoScaling/maxCapacity, /autoScaling/suspendedState can (the live value is then kept; docs/autoscaling.md, "Ignoring differences")',
      'MANIFEST_BAD_JSON_POINTER /spec/sync/ignoreDifferences/2: "/autoScaling/minCapcity" does not point into spec: no field "minCapcity" under /autoScaling; did you mean "minCapacity"?',
    ]);
  });
});

describe('kind: CapacityProvider in the snapshot', () => {
  it('two documents with the same name and region are both refused and their identity blocked', () => {
    const snapshot = validateDocuments(
      [{ path: 'a.yaml', content: capacityProvider('workers') }, { path: 'b.yaml', content: capacityProvider('workers') }],
      { defaultRegion: 'eu-west-1' },
    );
    expect(snapshot.problems.map(formatProblem)).toEqual([
      'a.yaml:3:18: MANIFEST_DUPLICATE_IDENTITY /metadata/name: capacity provider capacity-provider:eu-west-1/workers is also declared at b.yaml:3:18; neither document is applied until one is removed',
      'b.yaml:3:18: MANIFEST_DUPLICATE_IDENTITY /metadata/name: capacity provider capacity-provider:eu-west-1/workers is also declared at a.yaml:3:18; neither document is applied until one is removed',
    ]);
    expect(snapshot.capacityProviders).toEqual([]);
    expect([...snapshot.blockedKeys]).toEqual(['capacity-provider:eu-west-1/workers']);
  });

  it('the same name in two regions, or as a cluster name, is no duplicate', () => {
    const snapshot = validateDocuments(
      [
        { path: 'a.yaml', content: capacityProvider('workers') },
        { path: 'b.yaml', content: capacityProvider('workers').replace('{name: workers}', '{name: workers, region: us-east-1}') },
        { path: 'c.yaml', content: 'apiVersion: ecs-gitops/v1\nkind: Cluster\nmetadata: {name: workers}\n' },
      ],
      { defaultRegion: 'eu-west-1' },
    );
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.capacityProviders?.map((c) => c.key)).toEqual(['capacity-provider:eu-west-1/workers', 'capacity-provider:us-east-1/workers']);
    expect(snapshot.clusters.map((c) => c.key)).toEqual(['eu-west-1/workers']);
  });

  it('a capacity provider in a file with a problem is blocked, not removed', () => {
    const broken = `${capacityProvider('workers')}---\napiVersion: ecs-gitops/v1\nkind: Cluster\nmetadata: {name: demo}\nspec: {clusterName: demo}\n`;
    const before = validate(capacityProvider('workers'), 'cp.yaml');
    const after = validate(broken, 'cp.yaml');
    expect([...after.blockedKeys].sort()).toEqual(['capacity-provider:eu-west-1/workers', 'eu-west-1/demo']);
    expect(changedKeys(before, after).capacityProviders).toEqual({ changed: ['capacity-provider:eu-west-1/workers'], added: [], removed: [] });
  });

  it('changedKeys reports capacity providers added, changed and removed, apart from services and clusters', () => {
    const load = (files: Record<string, string>): ManifestSnapshot =>
      validateDocuments(Object.entries(files).map(([path, content]) => ({ path, content })), { defaultRegion: 'eu-west-1' });
    const first = load({ 'a.yaml': capacityProvider('a'), 'b.yaml': capacityProvider('b') });
    expect(changedKeys(undefined, first).capacityProviders.added).toEqual(['capacity-provider:eu-west-1/a', 'capacity-provider:eu-west-1/b']);
    const second = load({ 'a.yaml': capacityProvider('a', ', managedDraining: ENABLED'), 'c.yaml': capacityProvider('c') });
    const changes = changedKeys(first, second);
    expect(changes.capacityProviders).toEqual({
      changed: ['capacity-provider:eu-west-1/a'],
      added: ['capacity-provider:eu-west-1/c'],
      removed: ['capacity-provider:eu-west-1/b'],
    });
    expect([changes.changed, changes.added, changes.removed, changes.clusters]).toEqual([[], [], [], { changed: [], added: [], removed: [] }]);
  });
});
