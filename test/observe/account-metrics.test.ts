/**
 * The `account` label of the per-resource series and the per-account
 * metrics (docs/observability.md, "Per account"): the same service name in
 * two accounts is two series, the controller's own account is '', and the
 * access gauge and AssumeRole counter follow what they are told.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { StatusStore, type ServiceStatus } from '../../src/controller/status.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { bindServiceStatusMetrics } from '../../src/observe/service-status-metrics.js';
import { seriesOf, valueOf } from './metric-values.js';

const PROD = '222222222222';

function service(account: string | undefined): ServiceStatus {
  const key = `${account !== undefined ? `${account}@` : ''}eu-west-1/demo/web`;
  return {
    key, ...(account !== undefined ? { account } : {}), region: 'eu-west-1', cluster: 'demo', service: 'web',
    sync: 'OutOfSync', health: 'Healthy', mode: 'auto', diff: [],
  } as ServiceStatus;
}

describe('account label', () => {
  it('keeps a service of the same name in two accounts apart, the own account as \'\'', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    const store = new StatusStore();
    bindServiceStatusMetrics(metrics, store);
    store.update(service(PROD).key, { sync: 'OutOfSync' }, service(PROD));
    store.update(service(undefined).key, { sync: 'Synced' }, service(undefined));
    expect(await valueOf(registry, 'ecs_gitops_service_drift', { account: PROD, region: 'eu-west-1', cluster: 'demo', service: 'web' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_service_drift', { account: '', region: 'eu-west-1', cluster: 'demo', service: 'web' })).toBe(0);
    store.remove(service(PROD).key);
    expect((await seriesOf(registry, 'ecs_gitops_service_drift')).map((s) => s.labels.account)).toEqual(['']);
  });

  it('labels capacity providers and scheduled tasks with their account', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    metrics.readCapacityProvidersFrom(() => [{ account: PROD, region: 'eu-west-1', name: 'asg', sync: 'OutOfSync', lastApplySucceeded: false }]);
    metrics.readScheduledTasksFrom(() => [
      { account: PROD, region: 'eu-west-1', cluster: 'batch', name: 'nightly', sync: 'Synced', lastApplySucceeded: true },
      { region: 'eu-west-1', cluster: 'batch', name: 'nightly', sync: 'OutOfSync' },
    ]);
    expect(await valueOf(registry, 'ecs_gitops_capacity_provider_last_apply_success', { account: PROD, region: 'eu-west-1', capacity_provider: 'asg' })).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_scheduled_task_drift', { account: PROD, region: 'eu-west-1', cluster: 'batch', scheduled_task: 'nightly' })).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_scheduled_task_drift', { account: '', region: 'eu-west-1', cluster: 'batch', scheduled_task: 'nightly' })).toBe(1);
  });
});

describe('per-account metrics', () => {
  it('counts AssumeRole attempts by result from an account\'s first, and sets access per account and Region', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    metrics.recordAssumeRole(PROD, true);
    expect(await valueOf(registry, 'ecs_gitops_assume_role_total', { account: PROD, result: 'success' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_assume_role_total', { account: PROD, result: 'error' })).toBe(0);
    metrics.recordAssumeRole(PROD, false);
    expect(await valueOf(registry, 'ecs_gitops_assume_role_total', { account: PROD, result: 'error' })).toBe(1);
    expect(await seriesOf(registry, 'ecs_gitops_account_access')).toEqual([]);
    metrics.recordAccountAccess(PROD, 'eu-west-1', true);
    metrics.recordAccountAccess(PROD, 'us-east-1', false);
    expect(await valueOf(registry, 'ecs_gitops_account_access', { account: PROD, region: 'eu-west-1' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_account_access', { account: PROD, region: 'us-east-1' })).toBe(0);
  });
});
