import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HEALTH_STATUSES, StatusStore, SYNC_STATUSES, type ServiceStatus } from '../../src/controller/status.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { bindServiceStatusMetrics } from '../../src/observe/service-status-metrics.js';
import { seriesOf, valueOf } from './metric-values.js';

function initial(key: string): ServiceStatus {
  const [region = '', cluster = '', service = ''] = key.split('/');
  return { key, region, cluster, service, sync: 'Unknown', health: 'Unknown', mode: 'auto', diff: [] };
}

function setup() {
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false });
  const store = new StatusStore();
  const unbind = bindServiceStatusMetrics(metrics, store);
  return { registry, store, unbind };
}

const WEB = { account: '', region: 'eu-west-1', cluster: 'prod', service: 'web' };
const KEY = 'eu-west-1/prod/web';
const GIT = { ...WEB, cause: 'git' };
const LIVE = { ...WEB, cause: 'live' };

describe('bindServiceStatusMetrics', () => {
  it('reads the capacity provider gauges from the store at scrape time, and stops when unbound', async () => {
    const { registry, store, unbind } = setup();
    const key = 'capacity-provider:eu-west-1/asg-a';
    const initialProvider = { key, region: 'eu-west-1', name: 'asg-a', sync: 'Unknown' as const, mode: 'auto' as const, diff: [] };
    store.apply(key, { kind: 'set-capacity-provider', patch: { sync: 'OutOfSync', diff: ['/autoScalingGroupProvider/managedScaling/targetCapacity'] }, initial: initialProvider });
    const labels = { account: '', region: 'eu-west-1', capacity_provider: 'asg-a' };
    expect(await valueOf(registry, 'ecs_gitops_capacity_provider_drift', labels)).toBe(1);
    expect(await seriesOf(registry, 'ecs_gitops_capacity_provider_last_apply_success')).toEqual([]);
    store.apply(key, { kind: 'set-capacity-provider', patch: { sync: 'Synced', diff: [], lastApplySucceeded: true }, initial: initialProvider });
    expect(await valueOf(registry, 'ecs_gitops_capacity_provider_drift', labels)).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_capacity_provider_last_apply_success', labels)).toBe(1);
    unbind();
    expect(await seriesOf(registry, 'ecs_gitops_capacity_provider_drift')).toEqual([]);
  });

  it('mirrors status.autoScaling in service_autoscaling_capacity, moving series when the owner changes and dropping them when scaling goes', async () => {
    const { registry, store } = setup();
    const scaling = { managedBy: 'git' as const, registered: true, minCapacity: 2, maxCapacity: 8, desiredCount: 5, note: 'n' };
    store.update(KEY, { sync: 'Synced', autoScaling: scaling }, initial(KEY));
    const series = async () => (await seriesOf(registry, 'ecs_gitops_service_autoscaling_capacity')).map((s) => [s.labels.bound, s.labels.managed_by, s.value]);
    expect(await series()).toEqual([['min', 'git', 2], ['max', 'git', 8], ['desired', 'git', 5]]);
    store.update(KEY, { autoScaling: { ...scaling, desiredCount: 7 } });
    expect(await series()).toEqual([['min', 'git', 2], ['max', 'git', 8], ['desired', 'git', 7]]);
    store.update(KEY, { autoScaling: { ...scaling, managedBy: 'external', minCapacity: 1 } });
    expect(await series()).toEqual([['min', 'external', 1], ['max', 'external', 8], ['desired', 'external', 5]]);
    store.update(KEY, { autoScaling: undefined });
    expect(await series()).toEqual([]);
    store.update(KEY, { autoScaling: scaling });
    store.remove(KEY);
    expect(await series()).toEqual([]);
  });

  it('keeps exactly one service_info series per service, with the current statuses', async () => {
    const { registry, store } = setup();
    store.update(KEY, { sync: 'OutOfSync', health: 'Progressing' }, initial(KEY));
    store.update(KEY, { sync: 'Synced', health: 'Healthy' });
    expect(await seriesOf(registry, 'ecs_gitops_service_info')).toEqual([
      { name: 'ecs_gitops_service_info', labels: { ...WEB, sync_status: 'Synced', health_status: 'Healthy' }, value: 1 },
    ]);
  });

  it.each([
    { patch: { sync: 'OutOfSync' }, drift: 1 },
    { patch: { sync: 'Synced' }, drift: 0 },
    { patch: { sync: 'Unknown' }, drift: 0 },
  ] as const)('sets service_drift to $drift for sync $patch.sync', async ({ patch, drift }) => {
    const { registry, store } = setup();
    store.update(KEY, patch, initial(KEY));
    expect(await valueOf(registry, 'ecs_gitops_service_drift', WEB)).toBe(drift);
  });

  it.each([
    { lastApplySucceeded: undefined, expected: undefined },
    { lastApplySucceeded: true, expected: 1 },
    { lastApplySucceeded: false, expected: 0 },
  ])('service_last_apply_success is $expected when lastApplySucceeded is $lastApplySucceeded', async ({ lastApplySucceeded, expected }) => {
    const { registry, store } = setup();
    store.update(KEY, { lastApplySucceeded }, initial(KEY));
    expect(await valueOf(registry, 'ecs_gitops_service_last_apply_success', WEB)).toBe(expected);
  });

  it('exports the last sync time in Unix seconds', async () => {
    const { registry, store } = setup();
    store.update(KEY, { lastSyncTime: '2026-01-02T03:04:05.500Z' }, initial(KEY));
    expect(await valueOf(registry, 'ecs_gitops_service_last_sync_timestamp_seconds', WEB)).toBe(Date.UTC(2026, 0, 2, 3, 4, 5, 500) / 1000);
  });

  it('counts drift detected on entering OutOfSync and corrected on returning to Synced', async () => {
    const { registry, store } = setup();
    store.update(KEY, { sync: 'Synced' }, initial(KEY));
    expect(await valueOf(registry, 'ecs_gitops_drift_detected_total', GIT)).toBe(0);
    for (const sync of ['OutOfSync', 'OutOfSync', 'Synced', 'OutOfSync', 'Unknown', 'Synced'] as const) store.update(KEY, { sync, driftCause: 'git' });
    expect(await valueOf(registry, 'ecs_gitops_drift_detected_total', GIT)).toBe(2);
    expect(await valueOf(registry, 'ecs_gitops_drift_corrected_total', WEB)).toBe(1);
  });

  it('labels drift detected with its cause (status.driftCause), both causes at 0 from the first status', async () => {
    const { registry, store } = setup();
    store.update(KEY, { sync: 'Synced' }, initial(KEY));
    expect(await valueOf(registry, 'ecs_gitops_drift_detected_total', GIT)).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_drift_detected_total', LIVE)).toBe(0);
    store.update(KEY, { sync: 'OutOfSync', driftCause: 'live' });
    // Still OutOfSync, now for a commit too: the same drift, not counted again.
    store.update(KEY, { sync: 'OutOfSync', driftCause: 'git' });
    store.update(KEY, { sync: 'Synced', driftCause: undefined });
    store.update(KEY, { sync: 'OutOfSync', driftCause: 'git' });
    // Found and corrected in one pass: the Synced write carries the cause it corrected.
    store.update(KEY, { sync: 'Synced', driftCause: undefined });
    store.apply(KEY, { kind: 'set', patch: { sync: 'Synced', driftCause: 'live' }, initial: initial(KEY), observedSync: 'OutOfSync' });
    expect(await valueOf(registry, 'ecs_gitops_drift_detected_total', LIVE)).toBe(2);
    expect(await valueOf(registry, 'ecs_gitops_drift_detected_total', GIT)).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_drift_corrected_total', WEB)).toBe(3);
    // A record that names no cause counts as git.
    store.update('eu-west-1/prod/api', { sync: 'OutOfSync' }, initial('eu-west-1/prod/api'));
    expect(await valueOf(registry, 'ecs_gitops_drift_detected_total', { ...WEB, service: 'api', cause: 'git' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_drift_detected_total', { ...WEB, service: 'api', cause: 'live' })).toBe(0);
  });

  it('counts drift found and corrected within one pass (one Synced write that observed OutOfSync) as detected and corrected', async () => {
    const { registry, store } = setup();
    store.update(KEY, { sync: 'Synced' }, initial(KEY));
    store.apply(KEY, { kind: 'set', patch: { sync: 'Synced' }, initial: initial(KEY), observedSync: 'OutOfSync' });
    expect(await valueOf(registry, 'ecs_gitops_drift_detected_total', GIT)).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_drift_corrected_total', WEB)).toBe(1);
    // Already counted as detected while OutOfSync: the correcting pass counts only the correction.
    store.update(KEY, { sync: 'OutOfSync' });
    store.apply(KEY, { kind: 'set', patch: { sync: 'Synced' }, initial: initial(KEY), observedSync: 'OutOfSync' });
    expect(await valueOf(registry, 'ecs_gitops_drift_detected_total', GIT)).toBe(2);
    expect(await valueOf(registry, 'ecs_gitops_drift_corrected_total', WEB)).toBe(2);
  });

  it('removes every series of a service the store forgets', async () => {
    const { registry, store } = setup();
    store.update(KEY, { sync: 'OutOfSync', lastApplySucceeded: false, lastSyncTime: '2026-01-01T00:00:00Z' }, initial(KEY));
    store.update('eu-west-1/prod/api', { sync: 'Synced' }, initial('eu-west-1/prod/api'));
    store.remove(KEY);
    const names = [
      'ecs_gitops_service_info', 'ecs_gitops_service_drift', 'ecs_gitops_service_last_apply_success',
      'ecs_gitops_service_last_sync_timestamp_seconds', 'ecs_gitops_drift_detected_total', 'ecs_gitops_drift_corrected_total',
    ];
    for (const name of names) {
      const services = (await seriesOf(registry, name)).map((s) => s.labels.service);
      expect(services, name).not.toContain('web');
    }
    expect((await seriesOf(registry, 'ecs_gitops_service_info')).map((s) => s.labels.service)).toEqual(['api']);
  });

  it('writes services already in the store when binding, and stops after unbinding', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    const store = new StatusStore();
    store.update(KEY, { sync: 'OutOfSync' }, initial(KEY));
    const unbind = bindServiceStatusMetrics(metrics, store);
    expect(await valueOf(registry, 'ecs_gitops_service_drift', WEB)).toBe(1);
    unbind();
    store.update(KEY, { sync: 'Synced' });
    expect(await valueOf(registry, 'ecs_gitops_service_drift', WEB)).toBe(1);
  });

  it('property: after any sequence of writes and removals the series mirror the store exactly', async () => {
    const keys = ['r1/c1/a', 'r1/c1/b', 'r2/c2/a'];
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('update' as const),
        key: fc.constantFrom(...keys),
        sync: fc.constantFrom(...SYNC_STATUSES),
        health: fc.constantFrom(...HEALTH_STATUSES),
        lastApplySucceeded: fc.option(fc.boolean(), { nil: undefined }),
        lastSyncTime: fc.option(fc.constantFrom('2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.500Z'), { nil: undefined }),
      }),
      fc.record({ kind: fc.constant('remove' as const), key: fc.constantFrom(...keys) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const { registry, store } = setup();
        for (const o of ops) {
          if (o.kind === 'remove') store.remove(o.key);
          else store.update(o.key, { sync: o.sync, health: o.health, lastApplySucceeded: o.lastApplySucceeded, lastSyncTime: o.lastSyncTime }, initial(o.key));
        }
        const expected = store.list().map((s) => `${s.region}/${s.cluster}/${s.service}|${s.sync}|${s.health}`).sort();
        const info = (await seriesOf(registry, 'ecs_gitops_service_info'))
          .map((s) => `${s.labels.region}/${s.labels.cluster}/${s.labels.service}|${s.labels.sync_status}|${s.labels.health_status}`)
          .sort();
        expect(info).toEqual(expected);
        const drift = (await seriesOf(registry, 'ecs_gitops_service_drift'))
          .map((s) => `${s.labels.region}/${s.labels.cluster}/${s.labels.service}=${s.value}`)
          .sort();
        expect(drift).toEqual(store.list().map((s) => `${s.key}=${s.sync === 'OutOfSync' ? 1 : 0}`).sort());
        const applied = (await seriesOf(registry, 'ecs_gitops_service_last_apply_success'))
          .map((s) => `${s.labels.region}/${s.labels.cluster}/${s.labels.service}=${s.value}`)
          .sort();
        expect(applied).toEqual(
          store.list().filter((s) => s.lastApplySucceeded !== undefined).map((s) => `${s.key}=${s.lastApplySucceeded ? 1 : 0}`).sort(),
        );
        const synced = (await seriesOf(registry, 'ecs_gitops_service_last_sync_timestamp_seconds'))
          .map((s) => `${s.labels.region}/${s.labels.cluster}/${s.labels.service}=${s.value}`)
          .sort();
        expect(synced).toEqual(
          store.list().filter((s) => s.lastSyncTime !== undefined).map((s) => `${s.key}=${Date.parse(s.lastSyncTime ?? '') / 1000}`).sort(),
        );
      }),
      { numRuns: 100 },
    );
  });
});
