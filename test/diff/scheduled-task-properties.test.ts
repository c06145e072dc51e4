/**
 * No false drift for scheduled tasks, over generated specs: whatever
 * EventBridge Scheduler stores for the CreateSchedule input the controller
 * sends (asSchedulerWouldStore: defaults filled in, dates as Dates to the
 * second, Input re-serialized, lists reordered, empty lists and false
 * switches spelled out) diffs to nothing and plans no action; the export of
 * it reads back in sync; and a field changed in the manifest is always
 * reported, at its pointer and nowhere else.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffScheduledTask } from '../../src/diff/diff-scheduled-task.js';
import { pointerWithin } from '../../src/diff/json-pointer.js';
import { normalizeDesiredScheduledTask, parseScheduleDate } from '../../src/diff/scheduled-task-normalize.js';
import { scheduledTaskManifestFromLive } from '../../src/export/scheduled-task-from-live.js';
import type { ScheduledTaskSpec } from '../../src/manifests/types.js';
import { planScheduledTask, scheduleInputFromManifest } from '../../src/plan/plan-scheduled-task.js';
import { scheduledTaskSpecArb, storeStyleArb } from './scheduled-task-arbitraries.js';
import {
  asSchedulerWouldStore, CLUSTER_ARN, desiredScheduled, GROUP, LIVE_TD_ARN, REGION, registeredTaskDefinition, scheduledManifest,
  type ScheduledSpecDraft, type StoreStyle,
} from './scheduled-task-fixtures.js';

const RUNS = { numRuns: 300 };

function liveFor(spec: ScheduledTaskSpec, style: StoreStyle) {
  const manifest = scheduledManifest(spec);
  return asSchedulerWouldStore(scheduleInputFromManifest(manifest, { groupName: GROUP, clusterArn: CLUSTER_ARN, taskDefinitionArn: LIVE_TD_ARN }), style);
}

type Mutation = readonly [name: string, pointer: string, change: (spec: ScheduledSpecDraft) => void];

const MUTATIONS: readonly Mutation[] = [
  ['schedule', '/schedule', (s) => { s.schedule = s.schedule === 'rate(777 minutes)' ? 'rate(778 minutes)' : 'rate(777 minutes)'; }],
  ['timezone', '/timezone', (s) => { s.timezone = 'Pacific/Auckland'; }],
  ['state', '/state', (s) => { s.state = (s.state ?? 'ENABLED') === 'ENABLED' ? 'DISABLED' : 'ENABLED'; }],
  ['taskCount', '/taskCount', (s) => { s.taskCount = ((s.taskCount ?? 1) % 10) + 1; }],
  ['roleArn', '/roleArn', (s) => { s.roleArn = `${s.roleArn}x`; }],
  ['group', '/group', (s) => { s.group = `${s.group ?? 'scheduled-task:nightly-report'}-x`; }],
  ['a tag', '/tags', (s) => { s.tags = { ...s.tags, 'zz-new': 'v' }; }],
  ['a subnet', '/networkConfiguration', (s) => {
    const vpc = s.networkConfiguration?.awsvpcConfiguration;
    s.networkConfiguration = { awsvpcConfiguration: { ...vpc, subnets: [...(vpc?.subnets ?? []), 'subnet-new'] } };
  }],
  ['retry attempts', '/retryPolicy', (s) => {
    s.retryPolicy = { ...s.retryPolicy, maximumRetryAttempts: ((s.retryPolicy?.maximumRetryAttempts ?? 185) + 1) % 186 };
  }],
  ['startDate', '/startDate', (s) => {
    const start = s.startDate === undefined ? undefined : parseScheduleDate(s.startDate);
    s.startDate = start === undefined ? '2031-01-01T00:00:00Z' : new Date(start.getTime() + 3_600_000).toISOString();
  }],
  ['description', '/description', (s) => { s.description = `${s.description ?? ''}x`; }],
  ['overrides', '/overrides', (s) => { s.overrides = { ...s.overrides, cpu: s.overrides?.cpu === '1024' ? '2048' : '1024' }; }],
  ['flexible window', '/flexibleTimeWindow', (s) => {
    s.flexibleTimeWindow = s.flexibleTimeWindow?.mode === 'FLEXIBLE' ? { mode: 'OFF' } : { mode: 'FLEXIBLE', maximumWindowInMinutes: 5 };
  }],
  ['execute command', '/enableExecuteCommand', (s) => { s.enableExecuteCommand = !(s.enableExecuteCommand ?? false); }],
  ['a container image', '/taskDefinition', (s) => {
    const [first, ...rest] = s.taskDefinition.containerDefinitions ?? [];
    s.taskDefinition = { ...s.taskDefinition, containerDefinitions: [{ ...first, image: `${first?.image ?? 'x'}-changed` }, ...rest] };
  }],
];

describe('scheduled task normalize and diff invariants', () => {
  // A date written without an offset must mean UTC wherever the controller runs.
  const tz = process.env.TZ;
  beforeAll(() => { process.env.TZ = 'America/Los_Angeles'; });
  afterAll(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('what Scheduler stores for a generated spec diffs to zero changes (by spec hash and field by field)', () => {
    fc.assert(
      fc.property(scheduledTaskSpecArb, storeStyleArb, (spec, style) => {
        const manifest = scheduledManifest(spec);
        const live = liveFor(spec, style);
        expect(diffScheduledTask(manifest, live, registeredTaskDefinition(manifest), { clusterArn: CLUSTER_ARN })).toEqual([]);
        expect(diffScheduledTask(manifest, live, registeredTaskDefinition(manifest, false), { clusterArn: CLUSTER_ARN })).toEqual([]);
      }),
      RUNS,
    );
  });

  it('and plans no action', () => {
    fc.assert(
      fc.property(scheduledTaskSpecArb, storeStyleArb, (spec, style) => {
        const manifest = scheduledManifest(spec);
        const plan = planScheduledTask({
          desired: desiredScheduled(manifest), live: liveFor(spec, style), liveTaskDefinition: registeredTaskDefinition(manifest),
          group: { name: GROUP, state: 'owned' }, clusterArn: CLUSTER_ARN, controllerId: 'c1', revision: 'r',
        });
        expect(plan).toEqual({ changes: [], actions: [] });
      }),
      RUNS,
    );
  });

  it('its export reads back in sync', () => {
    fc.assert(
      fc.property(scheduledTaskSpecArb, storeStyleArb, (spec, style) => {
        const manifest = scheduledManifest(spec);
        const td = registeredTaskDefinition(manifest);
        const exported = scheduledTaskManifestFromLive({ region: REGION, schedule: liveFor(spec, style), taskDefinition: td.taskDefinition, taskDefinitionTags: td.tags });
        expect(exported?.residualChanges).toEqual([]);
        // The exported manifest is the same scheduled task, spelled minimally.
        expect(normalizeDesiredScheduledTask(exported!.manifest.spec, { name: 'nightly-report' }))
          .toEqual(normalizeDesiredScheduledTask(spec, { name: 'nightly-report' }));
      }),
      RUNS,
    );
  });

  it('a field changed in the manifest is always reported, at its pointer and nowhere else', () => {
    fc.assert(
      fc.property(scheduledTaskSpecArb, storeStyleArb, fc.constantFrom(...MUTATIONS), (spec, style, [, pointer, change]) => {
        const original = scheduledManifest(spec);
        const edited = structuredClone(spec) as ScheduledSpecDraft;
        change(edited);
        const changes = diffScheduledTask(scheduledManifest(edited), liveFor(spec, style), registeredTaskDefinition(original), { clusterArn: CLUSTER_ARN });
        expect(changes.length).toBeGreaterThan(0);
        for (const c of changes) expect(pointerWithin(c.pointer, pointer) || c.pointer.startsWith(`${pointer}/`)).toBe(true);
      }),
      RUNS,
    );
  });

  it('normalizing a desired spec is deterministic and JSON-stable', () => {
    fc.assert(
      fc.property(scheduledTaskSpecArb, (spec) => {
        const canonical = normalizeDesiredScheduledTask(spec, { name: 'n' });
        expect(JSON.parse(JSON.stringify(canonical))).toEqual(canonical);
        expect(normalizeDesiredScheduledTask(structuredClone(spec), { name: 'n' })).toEqual(canonical);
      }),
      RUNS,
    );
  });
});
