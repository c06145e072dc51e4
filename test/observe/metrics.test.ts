import { Registry, register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ECS_OPERATIONS } from '../../src/ecs/ecs-api.js';
import {
  APPLY_ACTIONS,
  APPLY_RESULTS,
  AWS_OUTCOMES,
  IMAGE_CHECK_RESULTS,
  RECONCILE_RESULTS,
  createMetrics,
} from '../../src/observe/metrics.js';
import { seriesOf, valueOf } from './metric-values.js';

/** The public contract of docs/observability.md: name -> type and label names. */
const CONTRACT: ReadonlyArray<readonly [string, string, readonly string[]]> = [
  ['ecs_gitops_service_info', 'gauge', ['account', 'region', 'cluster', 'service', 'sync_status', 'health_status']],
  ['ecs_gitops_service_drift', 'gauge', ['account', 'region', 'cluster', 'service']],
  ['ecs_gitops_service_last_apply_success', 'gauge', ['account', 'region', 'cluster', 'service']],
  ['ecs_gitops_service_last_sync_timestamp_seconds', 'gauge', ['account', 'region', 'cluster', 'service']],
  ['ecs_gitops_drift_detected_total', 'counter', ['account', 'region', 'cluster', 'service', 'cause']],
  ['ecs_gitops_drift_corrected_total', 'counter', ['account', 'region', 'cluster', 'service']],
  ['ecs_gitops_service_correction_loop', 'gauge', ['account', 'region', 'cluster', 'service']],
  ['ecs_gitops_correction_loops_total', 'counter', ['account', 'region', 'cluster', 'service']],
  ['ecs_gitops_service_autoscaling_capacity', 'gauge', ['account', 'region', 'cluster', 'service', 'bound', 'managed_by']],
  ['ecs_gitops_capacity_provider_drift', 'gauge', ['account', 'region', 'capacity_provider']],
  ['ecs_gitops_capacity_provider_last_apply_success', 'gauge', ['account', 'region', 'capacity_provider']],
  ['ecs_gitops_scheduled_task_drift', 'gauge', ['account', 'region', 'cluster', 'scheduled_task']],
  ['ecs_gitops_scheduled_task_last_apply_success', 'gauge', ['account', 'region', 'cluster', 'scheduled_task']],
  ['ecs_gitops_scheduled_task_next_fire_timestamp_seconds', 'gauge', ['account', 'region', 'cluster', 'scheduled_task']],
  ['ecs_gitops_scheduled_task_last_run_success', 'gauge', ['account', 'region', 'cluster', 'scheduled_task']],
  ['ecs_gitops_reconcile_total', 'counter', ['result']],
  ['ecs_gitops_reconcile_duration_seconds', 'histogram', ['result']],
  ['ecs_gitops_apply_actions_total', 'counter', ['action', 'result']],
  ['ecs_gitops_prune_blocked_total', 'counter', ['reason']],
  ['ecs_gitops_rollouts_total', 'counter', ['result']],
  ['ecs_gitops_deployment_duration_seconds', 'histogram', ['result']],
  ['ecs_gitops_rollout_stage', 'gauge', ['account', 'region', 'cluster', 'service', 'stage']],
  ['ecs_gitops_rollout_waiting_for_approval_since_seconds', 'gauge', ['account', 'region', 'cluster', 'service']],
  ['ecs_gitops_deploy_hook_runs_total', 'counter', ['phase', 'result']],
  ['ecs_gitops_workqueue_depth', 'gauge', []],
  ['ecs_gitops_workqueue_adds_total', 'counter', []],
  ['ecs_gitops_workqueue_retries_total', 'counter', []],
  ['ecs_gitops_workqueue_queue_duration_seconds', 'histogram', []],
  ['ecs_gitops_workqueue_work_duration_seconds', 'histogram', []],
  ['ecs_gitops_workqueue_longest_running_processor_seconds', 'gauge', []],
  ['ecs_gitops_aws_requests_total', 'counter', ['api', 'operation', 'outcome']],
  ['ecs_gitops_aws_request_duration_seconds', 'histogram', ['api', 'operation']],
  ['ecs_gitops_rate_limiter_wait_seconds', 'histogram', ['bucket']],
  ['ecs_gitops_image_checks_total', 'counter', ['result']],
  ['ecs_gitops_lookups_total', 'counter', ['source', 'result']],
  ['ecs_gitops_account_access', 'gauge', ['account', 'region']],
  ['ecs_gitops_assume_role_total', 'counter', ['account', 'result']],
  ['ecs_gitops_source_revision_info', 'gauge', ['revision']],
  ['ecs_gitops_source_last_change_timestamp_seconds', 'gauge', []],
  ['ecs_gitops_source_last_successful_fetch_timestamp_seconds', 'gauge', []],
  ['ecs_gitops_source_fetch_errors_total', 'counter', []],
  ['ecs_gitops_manifest_errors', 'gauge', ['file']],
  ['ecs_gitops_manifests', 'gauge', []],
  ['ecs_gitops_build_info', 'gauge', ['version']],
];

describe('createMetrics', () => {
  it.each(CONTRACT)('defines %s as a %s with labels %j', (name, type, labels) => {
    const registry = new Registry();
    createMetrics(registry);
    const metric = registry.getSingleMetric(name) as unknown as { type: string; labelNames: string[] } | undefined;
    expect(metric, name).toBeDefined();
    expect(metric?.type).toBe(type);
    expect([...(metric?.labelNames ?? [])].sort()).toEqual([...labels].sort());
  });

  it('defines nothing beyond the contract under the ecs_gitops_ prefix, and adds the default process metrics', async () => {
    const registry = new Registry();
    createMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.filter((n) => n.startsWith('ecs_gitops_')).sort()).toEqual(CONTRACT.map(([n]) => n).sort());
    expect(names).toContain('process_cpu_user_seconds_total');
    expect(names).toContain('nodejs_heap_size_used_bytes');
    // Sampled every 100 ms instead of 10 (idle CPU), but still exported.
    expect(names).toContain('nodejs_eventloop_lag_p99_seconds');
  });

  it('uses only the injected registry, never the global one, so two controllers can coexist', () => {
    const a = new Registry();
    const b = new Registry();
    createMetrics(a);
    createMetrics(b, { defaultMetrics: false });
    expect(globalRegistry.getSingleMetric('ecs_gitops_reconcile_total')).toBeUndefined();
    expect(b.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
  });

  it('creates every known-result series at 0 before any event', async () => {
    const registry = new Registry();
    createMetrics(registry);
    for (const result of RECONCILE_RESULTS) {
      expect(await valueOf(registry, 'ecs_gitops_reconcile_total', { result })).toBe(0);
      expect(await valueOf(registry, 'ecs_gitops_reconcile_duration_seconds_count', { result })).toBe(0);
    }
    for (const action of APPLY_ACTIONS) {
      for (const result of APPLY_RESULTS) expect(await valueOf(registry, 'ecs_gitops_apply_actions_total', { action, result })).toBe(0);
    }
    for (const result of IMAGE_CHECK_RESULTS) expect(await valueOf(registry, 'ecs_gitops_image_checks_total', { result })).toBe(0);
    for (const operation of ECS_OPERATIONS) {
      for (const outcome of AWS_OUTCOMES) {
        expect(await valueOf(registry, 'ecs_gitops_aws_requests_total', { api: 'ecs', operation, outcome }), operation).toBe(0);
      }
    }
    expect(await valueOf(registry, 'ecs_gitops_aws_requests_total', { api: 'ecr', operation: 'DescribeImages', outcome: 'throttled' })).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_prune_blocked_total', { reason: 'guard_exceeded' })).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_rollouts_total', { result: 'failed' })).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_deploy_hook_runs_total', { phase: 'postDeploy', result: 'timed_out' })).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_rate_limiter_wait_seconds_count', { bucket: 'service-modify' })).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_workqueue_depth')).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_source_fetch_errors_total')).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_build_info', { version: '9.9.9-test' })).toBeUndefined();
  });

  it('leaves timestamps absent until known, so staleness alerts never see a 0 timestamp', async () => {
    const registry = new Registry();
    createMetrics(registry, { defaultMetrics: false });
    const text = await registry.metrics();
    expect(text).not.toMatch(/^ecs_gitops_source_last_successful_fetch_timestamp_seconds /m);
    expect(text).not.toMatch(/^ecs_gitops_source_last_change_timestamp_seconds /m);
    expect(text).toMatch(/^ecs_gitops_manifests 0$/m);
  });

  it('reports the build version', async () => {
    const registry = new Registry();
    createMetrics(registry, { version: '9.9.9-test', defaultMetrics: false });
    expect(await valueOf(registry, 'ecs_gitops_build_info', { version: '9.9.9-test' })).toBe(1);
  });

  it('records reconciles, apply actions, rollouts, prune blocks and image checks', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    metrics.recordReconcile('error', 0.2);
    metrics.recordReconcile('error', 0.3);
    metrics.recordReconcile('success', 1);
    metrics.recordApplyAction('update_service', 'error');
    metrics.recordRollout('failed');
    metrics.recordDeployHookRun('preDeploy', 'failed');
    metrics.recordPruneBlocked('snapshot_errors');
    metrics.recordImageCheck('missing');
    expect(await valueOf(registry, 'ecs_gitops_reconcile_total', { result: 'error' })).toBe(2);
    expect(await valueOf(registry, 'ecs_gitops_reconcile_total', { result: 'success' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_reconcile_duration_seconds_sum', { result: 'error' })).toBeCloseTo(0.5);
    expect(await valueOf(registry, 'ecs_gitops_apply_actions_total', { action: 'update_service', result: 'error' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_rollouts_total', { result: 'failed' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_deploy_hook_runs_total', { phase: 'preDeploy', result: 'failed' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_prune_blocked_total', { reason: 'snapshot_errors' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_image_checks_total', { result: 'missing' })).toBe(1);
  });

  it('records AWS requests from the SDK adapter observer and operations outside the known list', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    metrics.observeAwsRequest({ api: 'ecs', operation: 'UpdateService', outcome: 'throttled', durationSeconds: 0.05, errorName: 'ThrottlingException' });
    metrics.recordAwsRequest('ecr', 'GetAuthorizationToken', 'ok', 0.01);
    expect(await valueOf(registry, 'ecs_gitops_aws_requests_total', { api: 'ecs', operation: 'UpdateService', outcome: 'throttled' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_aws_request_duration_seconds_count', { api: 'ecs', operation: 'UpdateService' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_aws_requests_total', { api: 'ecr', operation: 'GetAuthorizationToken', outcome: 'ok' })).toBe(1);
    metrics.initAwsOperation('ecr', 'ListImages');
    expect(await valueOf(registry, 'ecs_gitops_aws_requests_total', { api: 'ecr', operation: 'ListImages', outcome: 'network_error' })).toBe(0);
    metrics.recordRateLimiterWait('service-modify', 0.25);
    expect(await valueOf(registry, 'ecs_gitops_rate_limiter_wait_seconds_sum', { bucket: 'service-modify' })).toBe(0.25);
  });

  it('drives the work-queue series', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    metrics.workqueue.add();
    metrics.workqueue.add();
    metrics.workqueue.retry();
    metrics.workqueue.setDepth(2);
    metrics.workqueue.observeQueueDuration(0.5);
    metrics.workqueue.observeWorkDuration(1.5);
    metrics.workqueue.setLongestRunningProcessor(3);
    expect(await valueOf(registry, 'ecs_gitops_workqueue_adds_total')).toBe(2);
    expect(await valueOf(registry, 'ecs_gitops_workqueue_retries_total')).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_workqueue_depth')).toBe(2);
    expect(await valueOf(registry, 'ecs_gitops_workqueue_queue_duration_seconds_sum')).toBe(0.5);
    expect(await valueOf(registry, 'ecs_gitops_workqueue_work_duration_seconds_sum')).toBe(1.5);
    expect(await valueOf(registry, 'ecs_gitops_workqueue_longest_running_processor_seconds')).toBe(3);
  });

  it('keeps one revision series and one series per current manifest file', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    const problem = (file: string) => ({ code: 'MANIFEST_YAML_SYNTAX' as const, file, line: 1, column: 1, pointer: '', message: 'bad' });
    metrics.recordSnapshot({ revision: 'aaa', services: [], clusters: [], files: ['a.yaml', 'b.yaml'], problems: [problem('b.yaml'), problem('b.yaml')] }, 100);
    expect(await seriesOf(registry, 'ecs_gitops_source_revision_info')).toEqual([{ name: 'ecs_gitops_source_revision_info', labels: { revision: 'aaa' }, value: 1 }]);
    expect(await valueOf(registry, 'ecs_gitops_manifest_errors', { file: 'a.yaml' })).toBe(0);
    expect(await valueOf(registry, 'ecs_gitops_manifest_errors', { file: 'b.yaml' })).toBe(2);
    expect(await valueOf(registry, 'ecs_gitops_source_last_change_timestamp_seconds')).toBe(100);

    metrics.recordSnapshot({ revision: 'bbb', services: [], clusters: [], files: ['a.yaml'], problems: [] }, 200);
    expect((await seriesOf(registry, 'ecs_gitops_source_revision_info')).map((s) => s.labels.revision)).toEqual(['bbb']);
    expect((await seriesOf(registry, 'ecs_gitops_manifest_errors')).map((s) => s.labels.file)).toEqual(['a.yaml']);
    expect(await valueOf(registry, 'ecs_gitops_source_last_change_timestamp_seconds')).toBe(200);

    metrics.recordSnapshot({ revision: undefined, services: [], clusters: [], files: [], problems: [] }, 300);
    expect((await seriesOf(registry, 'ecs_gitops_source_revision_info')).map((s) => s.labels.revision)).toEqual(['unversioned']);
  });

  it('records built-in fetch results', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    metrics.recordSourceFetch(false, 10);
    metrics.recordSourceFetch(true, 20);
    expect(await valueOf(registry, 'ecs_gitops_source_fetch_errors_total')).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_source_last_successful_fetch_timestamp_seconds')).toBe(20);
  });
});
