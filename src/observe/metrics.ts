/**
 * Every Prometheus metric the controller exports (the public contract written
 * down in docs/observability.md), defined on one injected private registry.
 * Components receive the returned `Metrics` and call its typed recorders; they
 * never create metrics themselves, so names, labels and zero-initialisation
 * live in one place. Counters whose label values are known up front are
 * created at 0 so that `rate()` and `increase()` work from the first scrape.
 */
import { SCHEDULER_OPERATIONS } from '../scheduler/scheduler-api.js';
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import { APPLICATION_AUTOSCALING_OPERATIONS, CLOUDWATCH_OPERATIONS } from '../autoscaling/scaling-api.js';
import { AWS_APIS, AWS_OUTCOMES, ECS_OPERATIONS, type AwsApi, type AwsOutcome, type AwsRequestObserver } from '../ecs/ecs-api.js';
import { IMAGE_LOOKUP_RESULTS, type ImageLookupResult } from '../ecs/image-resolver.js';
import { RATE_CATEGORIES } from '../ecs/rate-limits.js';
import { LOOKUP_RESULTS, LOOKUP_SOURCES, type LookupResult, type LookupSource } from '../lookups/lookup-resolver.js';
import type { ManifestSnapshot } from '../manifests/types.js';
import { VERSION } from '../version.js';

export const METRIC_PREFIX = 'ecs_gitops_';

/**
 * `account` is the account an Environment (docs/environments.md) puts the
 * resource in, '' for the controller's own credentials' account: bounded by
 * the accounts the environments name.
 */
export const SERVICE_LABELS = ['account', 'region', 'cluster', 'service'] as const;
export const SERVICE_INFO_LABELS = [...SERVICE_LABELS, 'sync_status', 'health_status'] as const;
export type ServiceLabel = (typeof SERVICE_LABELS)[number];
export type ServiceInfoLabel = (typeof SERVICE_INFO_LABELS)[number];

export const RECONCILE_RESULTS = ['success', 'error', 'requeue'] as const;
export type ReconcileResult = (typeof RECONCILE_RESULTS)[number];

export const APPLY_ACTIONS = [
  'register_task_definition', 'create_service', 'update_service', 'delete_service', 'tag',
  // Service auto scaling (Application Auto Scaling and the CloudWatch alarms of step scaling policies).
  'register_scalable_target', 'deregister_scalable_target', 'put_scaling_policy', 'delete_scaling_policy',
  'put_scheduled_action', 'delete_scheduled_action', 'put_metric_alarm', 'delete_alarms',
  // kind: ScheduledTask (EventBridge Scheduler).
  'create_schedule_group', 'create_schedule', 'update_schedule', 'delete_schedule',
] as const;
export type ApplyAction = (typeof APPLY_ACTIONS)[number];
export const APPLY_RESULTS = ['success', 'error'] as const;
export type ApplyResult = (typeof APPLY_RESULTS)[number];

/** Why a prune the snapshot asked for was not carried out. */
export const PRUNE_BLOCKED_REASONS = ['pruning_disabled', 'snapshot_errors', 'snapshot_incomplete', 'guard_exceeded'] as const;
export type PruneBlockedReason = (typeof PRUNE_BLOCKED_REASONS)[number];

export const ROLLOUT_RESULTS = ['completed', 'failed', 'timed_out'] as const;
export type RolloutResult = (typeof ROLLOUT_RESULTS)[number];

/** How a followed rollout ended (status.rollout.result): the deployment_duration_seconds label. */
export const DEPLOYMENT_RESULTS = ['completed', 'failed', 'rolled_back', 'timed_out'] as const;
export type DeploymentResult = (typeof DEPLOYMENT_RESULTS)[number];

/** ECS's lifecycle stages (ServiceDeploymentLifecycleStage); on the rolloutState path a rollout reports `IN_PROGRESS`. */
export const ROLLOUT_STAGE_LABELS = [...SERVICE_LABELS, 'stage'] as const;

/** Deploy hooks (spec.hooks): the phase a hook ran in and how its task ended. */
export const DEPLOY_HOOK_PHASES = ['preDeploy', 'postDeploy'] as const;
export type DeployHookPhase = (typeof DEPLOY_HOOK_PHASES)[number];
export const DEPLOY_HOOK_RESULTS = ['succeeded', 'failed', 'timed_out'] as const;
export type DeployHookResult = (typeof DEPLOY_HOOK_RESULTS)[number];

/** Label values of `api` and `outcome`: the AWS layer's own (src/ecs/ecs-api.ts). */
export { AWS_APIS, AWS_OUTCOMES, type AwsApi, type AwsOutcome };

/**
 * Operations created at 0 for every outcome from the start (the ECS list is
 * the EcsApi's own). Others are still recorded (and can be pre-created with
 * `initAwsOperation`): the set is bounded by the code, never by input.
 */
export const KNOWN_AWS_OPERATIONS: Readonly<Record<AwsApi, readonly string[]>> = Object.freeze({
  ecs: ECS_OPERATIONS,
  ecr: ['DescribeImages', 'BatchGetImage'],
  'application-autoscaling': APPLICATION_AUTOSCALING_OPERATIONS,
  cloudwatch: CLOUDWATCH_OPERATIONS,
  scheduler: SCHEDULER_OPERATIONS,
  // The lookups' reads (src/lookups/lookup-sdk-adapter.ts).
  ssm: ['GetParameter'],
  cloudformation: ['DescribeStacks'],
});

/** Label values of image_checks_total: the image resolver's answers (src/ecs/image-resolver.ts). */
export { IMAGE_LOOKUP_RESULTS as IMAGE_CHECK_RESULTS, type ImageLookupResult as ImageCheckResult };

/** Label values of lookups_total: the lookup resolver's own (src/lookups/lookup-resolver.ts). */
export { LOOKUP_RESULTS, LOOKUP_SOURCES, type LookupResult, type LookupSource };

export interface ServiceIdentity {
  /** '' = the controller's own credentials' account. */
  readonly account: string;
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
}

/** The work-queue's instrumentation, shaped like client-go's workqueue metrics provider. */
export interface WorkqueueMetrics {
  setDepth(depth: number): void;
  add(): void;
  retry(): void;
  /** Time a key waited in the queue before a worker took it. */
  observeQueueDuration(seconds: number): void;
  /** Time a worker spent on one key. */
  observeWorkDuration(seconds: number): void;
  /** Age of the oldest key still being processed (0 when idle). */
  setLongestRunningProcessor(seconds: number): void;
}

export interface Metrics {
  readonly registry: Registry;

  // Per service (kept in step with the StatusStore by bindServiceStatusMetrics).
  readonly serviceInfo: Gauge<ServiceInfoLabel>;
  readonly serviceDrift: Gauge<ServiceLabel>;
  readonly serviceLastApplySuccess: Gauge<ServiceLabel>;
  readonly serviceLastSyncTimestamp: Gauge<ServiceLabel>;
  /** `cause`: git (a commit changed what Git declares) or live (live was changed outside Git), status.driftCause. */
  readonly driftDetected: Counter<ServiceLabel | 'cause'>;
  readonly driftCorrected: Counter<ServiceLabel>;
  /** 1 while the controller holds back a change it applied again and again (a correction loop), else 0. */
  readonly serviceCorrectionLoop: Gauge<ServiceLabel>;
  /** min, max and desired task count of a service an autoscaler scales (status.autoScaling). */
  readonly serviceAutoScalingCapacity: Gauge<ServiceLabel | 'bound' | 'managed_by'>;
  readonly capacityProviderDrift: Gauge<CapacityProviderLabel>;
  readonly capacityProviderLastApplySuccess: Gauge<CapacityProviderLabel>;
  readonly scheduledTaskDrift: Gauge<ScheduledTaskLabel>;
  readonly scheduledTaskLastApplySuccess: Gauge<ScheduledTaskLabel>;
  readonly scheduledTaskNextFireTimestamp: Gauge<ScheduledTaskLabel>;
  readonly scheduledTaskLastRunSuccess: Gauge<ScheduledTaskLabel>;
  readonly correctionLoops: Counter<ServiceLabel>;
  /** 1 for the lifecycle stage a followed rollout is in; the series goes when the rollout ends. */
  readonly rolloutStage: Gauge<ServiceLabel | 'stage'>;
  /** Unix time a followed rollout started waiting on a lifecycle hook (ContinueServiceDeployment); absent when it is not waiting. */
  readonly rolloutWaitingForApprovalSince: Gauge<ServiceLabel>;

  // Controller.
  readonly reconcileTotal: Counter<'result'>;
  readonly reconcileDuration: Histogram<'result'>;
  readonly applyActions: Counter<'action' | 'result'>;
  readonly pruneBlocked: Counter<'reason'>;
  readonly rollouts: Counter<'result'>;
  /** Followed rollouts from start to end (ECS's startedAt..finishedAt where the deployments API gives them), by how they ended. */
  readonly deploymentDuration: Histogram<'result'>;
  readonly deployHookRuns: Counter<'phase' | 'result'>;
  readonly workqueueDepth: Gauge;
  readonly workqueueAdds: Counter;
  readonly workqueueRetries: Counter;
  readonly workqueueQueueDuration: Histogram;
  readonly workqueueWorkDuration: Histogram;
  readonly workqueueLongestRunningProcessor: Gauge;

  // AWS.
  readonly awsRequests: Counter<'api' | 'operation' | 'outcome'>;
  readonly awsRequestDuration: Histogram<'api' | 'operation'>;
  readonly rateLimiterWait: Histogram<'bucket'>;
  readonly imageChecks: Counter<'result'>;
  /** `${ssm:…}`/`${cfn:…}` values the resolver needed, by source and result (hit: cached, miss: read, error). */
  readonly lookups: Counter<'source' | 'result'>;
  /** 1 while the last AssumeRole or call with an account's credentials in a Region worked, 0 after one failed. */
  readonly accountAccess: Gauge<'account' | 'region'>;
  readonly assumeRoleTotal: Counter<'account' | 'result'>;

  // Source.
  readonly sourceRevisionInfo: Gauge<'revision'>;
  readonly sourceLastChangeTimestamp: Gauge;
  readonly sourceLastSuccessfulFetchTimestamp: Gauge;
  readonly sourceFetchErrors: Counter;
  readonly manifestErrors: Gauge<'file'>;
  readonly manifests: Gauge;

  readonly buildInfo: Gauge<'version'>;
  readonly workqueue: WorkqueueMetrics;

  /** One finished reconcile of one key, as the controller loop decided it. */
  recordReconcile(result: ReconcileResult, seconds: number): void;
  recordApplyAction(action: ApplyAction, result: ApplyResult): void;
  recordPruneBlocked(reason: PruneBlockedReason): void;
  recordRollout(result: RolloutResult): void;
  /** One followed rollout ended (service-status-metrics.ts observes it once, when status.rollout gains its result). */
  recordDeploymentDuration(result: DeploymentResult, seconds: number): void;
  /** A deploy hook's task finished (once per hook task, whatever the number of passes that looked at it). */
  recordDeployHookRun(phase: DeployHookPhase, result: DeployHookResult): void;
  /** One AWS API call (after the SDK's own retries), e.g. ('ecs', 'UpdateService', 'throttled', 0.12). */
  recordAwsRequest(api: AwsApi, operation: string, outcome: AwsOutcome, seconds: number): void;
  /** The same, shaped as src/ecs's AwsRequestObserver: pass it to the SDK adapter. */
  readonly observeAwsRequest: AwsRequestObserver;
  /** Create every outcome series of an operation at 0 (for operations outside KNOWN_AWS_OPERATIONS). */
  initAwsOperation(api: AwsApi, operation: string): void;
  recordRateLimiterWait(bucket: string, seconds: number): void;
  /** Create a rate-limiter bucket's histogram series at 0. */
  initRateLimiterBucket(bucket: string): void;
  recordImageCheck(result: ImageLookupResult): void;
  /** One distinct value a lookup resolve needed (the resolver's onLookup, src/controller/lookups.ts). */
  recordLookup(source: LookupSource, result: LookupResult): void;
  /** One STS AssumeRole for an account's role (src/accounts/assume-role-credentials.ts). */
  recordAssumeRole(account: string, ok: boolean): void;
  /** An `account@` location's credentials started or stopped working (src/app/runtime.ts reports changes only). */
  recordAccountAccess(account: string, region: string, ok: boolean): void;
  /**
   * A new manifest snapshot was loaded at `nowSeconds` (Unix seconds): updates
   * the revision, last-change time, per-file error counts and manifest count.
   * Series of files that disappeared are removed.
   */
  recordSnapshot(snapshot: Pick<ManifestSnapshot, 'revision' | 'services' | 'clusters' | 'problems' | 'files'>, nowSeconds: number): void;
  /** Built-in fetch only: one fetch of the remote finished. */
  recordSourceFetch(ok: boolean, nowSeconds: number): void;
  /**
   * Where the capacity provider gauges read their records at scrape time (the
   * status store); `undefined` stops them. Read, not pushed: there are few
   * providers and no per-write bookkeeping to keep.
   */
  readCapacityProvidersFrom(source: (() => readonly CapacityProviderMetricRecord[]) | undefined): void;
  /** Where the scheduled task gauges read their records at scrape time (the status store); `undefined` stops them. */
  readScheduledTasksFrom(source: (() => readonly ScheduledTaskMetricRecord[]) | undefined): void;
}

export const SCHEDULED_TASK_LABELS = ['account', 'region', 'cluster', 'scheduled_task'] as const;
export type ScheduledTaskLabel = (typeof SCHEDULED_TASK_LABELS)[number];

/** What the scheduled task gauges need of a status record. */
export interface ScheduledTaskMetricRecord {
  /** Absent = the controller's own credentials' account (label ''). */
  readonly account?: string;
  readonly region: string;
  readonly cluster: string;
  readonly name: string;
  readonly sync: 'Synced' | 'OutOfSync' | 'Unknown';
  readonly lastApplySucceeded?: boolean;
  /** ISO time. */
  readonly nextFireAt?: string;
  /** Newest first; the first stopped run with `succeeded` set decides last_run_success. */
  readonly lastRuns?: readonly { readonly succeeded?: boolean }[];
  /** A schedule no manifest declares: no series (labels stay bounded by the manifests). */
  readonly orphan?: boolean;
}

/** What the capacity provider gauges need of a status record. */
export const CAPACITY_PROVIDER_LABELS = ['account', 'region', 'capacity_provider'] as const;
export type CapacityProviderLabel = (typeof CAPACITY_PROVIDER_LABELS)[number];

export const ASSUME_ROLE_RESULTS = ['success', 'error'] as const;

export interface CapacityProviderMetricRecord {
  /** Absent = the controller's own credentials' account (label ''). */
  readonly account?: string;
  readonly region: string;
  readonly name: string;
  readonly sync: 'Synced' | 'OutOfSync' | 'Unknown';
  readonly lastApplySucceeded?: boolean;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const AWS_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const QUEUE_BUCKETS = [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900];
const WAIT_BUCKETS = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Rollouts take minutes (a rolling update) to hours (bake times, approvals): 10 s to 4 h. */
const DEPLOYMENT_BUCKETS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400];

export interface CreateMetricsOptions {
  /** Reported as build_info{version}. @default package.json version */
  readonly version?: string;
  /** Register Node's default process metrics (process_*, nodejs_*). @default true */
  readonly defaultMetrics?: boolean;
}

/** Defines every metric on `registry` (which must be private to this controller instance). */
export function createMetrics(registry: Registry, options: CreateMetricsOptions = {}): Metrics {
  const registers = [registry];
  const name = (suffix: string): string => METRIC_PREFIX + suffix;

  const serviceInfo = new Gauge({
    name: name('service_info'),
    help: 'Current sync and health status of a managed service (value is always 1).',
    labelNames: SERVICE_INFO_LABELS,
    registers,
  });
  const serviceDrift = new Gauge({
    name: name('service_drift'),
    help: '1 when the live service differs from its manifest (OutOfSync), else 0.',
    labelNames: SERVICE_LABELS,
    registers,
  });
  const serviceLastApplySuccess = new Gauge({
    name: name('service_last_apply_success'),
    help: 'Result of the last apply attempt, rollout outcome included: 1 success, 0 failure. Absent before the first apply.',
    labelNames: SERVICE_LABELS,
    registers,
  });
  const serviceLastSyncTimestamp = new Gauge({
    name: name('service_last_sync_timestamp_seconds'),
    help: 'Unix time of the last completed comparison of the service with live state.',
    labelNames: SERVICE_LABELS,
    registers,
  });
  const driftDetected = new Counter({
    name: name('drift_detected_total'),
    help: 'Times the service went out of sync with its manifest, by cause: git (a commit) or live (a change outside Git).',
    labelNames: [...SERVICE_LABELS, 'cause'],
    registers,
  });
  const driftCorrected = new Counter({
    name: name('drift_corrected_total'),
    help: 'Times the service came back in sync after being out of sync.',
    labelNames: SERVICE_LABELS,
    registers,
  });

  const serviceCorrectionLoop = new Gauge({
    name: name('service_correction_loop'),
    help: '1 while the same change was applied on consecutive passes and the controller holds it back (a correction loop: something reverts it), else 0.',
    labelNames: SERVICE_LABELS,
    registers,
  });
  let capacityProviders: (() => readonly CapacityProviderMetricRecord[]) | undefined;
  const capacityProviderLabels = (p: CapacityProviderMetricRecord) => ({ account: p.account ?? '', region: p.region, capacity_provider: p.name });
  const capacityProviderDrift = new Gauge({
    name: name('capacity_provider_drift'),
    help: '1 when a kind: CapacityProvider differs from its manifest (OutOfSync), else 0.',
    labelNames: CAPACITY_PROVIDER_LABELS,
    registers,
    collect() {
      this.reset();
      for (const p of capacityProviders?.() ?? []) this.set(capacityProviderLabels(p), p.sync === 'OutOfSync' ? 1 : 0);
    },
  });
  const capacityProviderLastApplySuccess = new Gauge({
    name: name('capacity_provider_last_apply_success'),
    help: 'Result of the last apply to a kind: CapacityProvider: 1 success, 0 failure. Absent before the first apply.',
    labelNames: CAPACITY_PROVIDER_LABELS,
    registers,
    collect() {
      this.reset();
      for (const p of capacityProviders?.() ?? []) {
        if (p.lastApplySucceeded !== undefined) this.set(capacityProviderLabels(p), p.lastApplySucceeded ? 1 : 0);
      }
    },
  });
  let scheduledTasks: (() => readonly ScheduledTaskMetricRecord[]) | undefined;
  const declaredScheduledTasks = () => (scheduledTasks?.() ?? []).filter((t) => !t.orphan);
  const scheduledTaskLabels = (t: ScheduledTaskMetricRecord) => ({ account: t.account ?? '', region: t.region, cluster: t.cluster, scheduled_task: t.name });
  const scheduledTaskDrift = new Gauge({
    name: name('scheduled_task_drift'),
    help: '1 when a kind: ScheduledTask\'s schedule differs from its manifest (OutOfSync), else 0.',
    labelNames: SCHEDULED_TASK_LABELS,
    registers,
    collect() {
      this.reset();
      for (const t of declaredScheduledTasks()) this.set(scheduledTaskLabels(t), t.sync === 'OutOfSync' ? 1 : 0);
    },
  });
  const scheduledTaskLastApplySuccess = new Gauge({
    name: name('scheduled_task_last_apply_success'),
    help: 'Result of the last apply to a kind: ScheduledTask (its task definition and schedule): 1 success, 0 failure. Absent before the first apply.',
    labelNames: SCHEDULED_TASK_LABELS,
    registers,
    collect() {
      this.reset();
      for (const t of declaredScheduledTasks()) if (t.lastApplySucceeded !== undefined) this.set(scheduledTaskLabels(t), t.lastApplySucceeded ? 1 : 0);
    },
  });
  const scheduledTaskNextFireTimestamp = new Gauge({
    name: name('scheduled_task_next_fire_timestamp_seconds'),
    help: 'Unix time a kind: ScheduledTask fires next, where computable. Absent for a disabled or finished schedule.',
    labelNames: SCHEDULED_TASK_LABELS,
    registers,
    collect() {
      this.reset();
      for (const t of declaredScheduledTasks()) {
        const at = t.nextFireAt === undefined ? Number.NaN : Date.parse(t.nextFireAt);
        if (Number.isFinite(at)) this.set(scheduledTaskLabels(t), at / 1000);
      }
    },
  });
  const scheduledTaskLastRunSuccess = new Gauge({
    name: name('scheduled_task_last_run_success'),
    help: 'How the latest stopped run of a kind: ScheduledTask ended: 1 every essential container exited 0, 0 otherwise. Absent before a run stopped.',
    labelNames: SCHEDULED_TASK_LABELS,
    registers,
    collect() {
      this.reset();
      for (const t of declaredScheduledTasks()) {
        const latest = (t.lastRuns ?? []).find((r) => r.succeeded !== undefined);
        if (latest) this.set(scheduledTaskLabels(t), latest.succeeded ? 1 : 0);
      }
    },
  });
  const serviceAutoScalingCapacity = new Gauge({
    name: name('service_autoscaling_capacity'),
    help: 'Task counts of a service an autoscaler scales: bound="min"|"max" (the scalable target) and "desired" (the count the autoscaler set); managed_by="git" (spec.autoScaling) or "external" (a target registered outside Git). Absent for services nothing scales.',
    labelNames: [...SERVICE_LABELS, 'bound', 'managed_by'] as const,
    registers,
  });
  const correctionLoops = new Counter({
    name: name('correction_loops_total'),
    help: 'Times a correction loop was detected on the service.',
    labelNames: SERVICE_LABELS,
    registers,
  });

  const reconcileTotal = new Counter({
    name: name('reconcile_total'),
    help: 'Finished reconciles of one service key, by result.',
    labelNames: ['result'] as const,
    registers,
  });
  const reconcileDuration = new Histogram({
    name: name('reconcile_duration_seconds'),
    help: 'Time one reconcile of one key took, by result.',
    labelNames: ['result'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const applyActions = new Counter({
    name: name('apply_actions_total'),
    help: 'Actions applied to ECS, by action and result.',
    labelNames: ['action', 'result'] as const,
    registers,
  });
  const pruneBlocked = new Counter({
    name: name('prune_blocked_total'),
    help: 'Prunes of services no longer in the manifests that were held back, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const rollouts = new Counter({
    name: name('rollouts_total'),
    help: 'Finished rollouts the controller followed after an apply, by result.',
    labelNames: ['result'] as const,
    registers,
  });

  const deploymentDuration = new Histogram({
    name: name('deployment_duration_seconds'),
    help: 'Followed rollouts from start to end, by result (completed, failed, rolled_back, timed_out): ECS\'s startedAt..finishedAt where the deployments API gives them, else from the apply to the pass that saw the end.',
    labelNames: ['result'] as const,
    buckets: DEPLOYMENT_BUCKETS,
    registers,
  });
  for (const result of DEPLOYMENT_RESULTS) deploymentDuration.zero({ result });
  const rolloutStage = new Gauge({
    name: name('rollout_stage'),
    help: '1 for the lifecycle stage (ECS\'s lifecycleStage: SCALE_UP, TEST_TRAFFIC_SHIFT, BAKE_TIME, ...; IN_PROGRESS where only the rolloutState is known) of a rollout the controller follows. Absent when none is followed.',
    labelNames: ROLLOUT_STAGE_LABELS,
    registers,
  });
  const rolloutWaitingForApprovalSince = new Gauge({
    name: name('rollout_waiting_for_approval_since_seconds'),
    help: 'Unix time a followed rollout started waiting on a lifecycle hook for ContinueServiceDeployment (ecs-gitops continue). Absent when it is not waiting.',
    labelNames: SERVICE_LABELS,
    registers,
  });

  const deployHookRuns = new Counter({
    name: name('deploy_hook_runs_total'),
    help: 'Deploy hook tasks (spec.hooks) that finished, by phase (preDeploy, postDeploy) and result (succeeded, failed, timed_out).',
    labelNames: ['phase', 'result'] as const,
    registers,
  });
  for (const phase of DEPLOY_HOOK_PHASES) for (const result of DEPLOY_HOOK_RESULTS) deployHookRuns.inc({ phase, result }, 0);

  const workqueueDepth = new Gauge({ name: name('workqueue_depth'), help: 'Keys waiting in the work queue.', registers });
  const workqueueAdds = new Counter({ name: name('workqueue_adds_total'), help: 'Keys added to the work queue.', registers });
  const workqueueRetries = new Counter({
    name: name('workqueue_retries_total'),
    help: 'Keys re-added to the work queue with backoff after a failure or requeue.',
    registers,
  });
  const workqueueQueueDuration = new Histogram({
    name: name('workqueue_queue_duration_seconds'),
    help: 'Time a key waited in the work queue before a worker took it.',
    buckets: QUEUE_BUCKETS,
    registers,
  });
  const workqueueWorkDuration = new Histogram({
    name: name('workqueue_work_duration_seconds'),
    help: 'Time a worker spent processing one key.',
    buckets: QUEUE_BUCKETS,
    registers,
  });
  const workqueueLongestRunningProcessor = new Gauge({
    name: name('workqueue_longest_running_processor_seconds'),
    help: 'How long the longest-running worker has been on its current key.',
    registers,
  });

  const awsRequests = new Counter({
    name: name('aws_requests_total'),
    help: 'AWS API calls by API, operation and outcome.',
    labelNames: ['api', 'operation', 'outcome'] as const,
    registers,
  });
  const awsRequestDuration = new Histogram({
    name: name('aws_request_duration_seconds'),
    help: 'AWS API call latency by API and operation.',
    labelNames: ['api', 'operation'] as const,
    buckets: AWS_DURATION_BUCKETS,
    registers,
  });
  const rateLimiterWait = new Histogram({
    name: name('rate_limiter_wait_seconds'),
    help: 'Time a call waited for a token from a client-side rate-limiter bucket.',
    labelNames: ['bucket'] as const,
    buckets: WAIT_BUCKETS,
    registers,
  });
  const imageChecks = new Counter({
    name: name('image_checks_total'),
    help: 'Container image existence checks against ECR, by result.',
    labelNames: ['result'] as const,
    registers,
  });
  const lookups = new Counter({
    name: name('lookups_total'),
    help: 'Values the ${ssm:...} and ${cfn:...} lookups needed, by source (ssm, cloudformation) and result: hit (the cache, or a read already in flight), miss (read from AWS), error (failed or refused).',
    labelNames: ['source', 'result'] as const,
    registers,
  });
  const accountAccess = new Gauge({
    name: name('account_access'),
    help: 'Per account and Region an Environment names: 1 while the last STS AssumeRole or call with that account\'s credentials worked, 0 after one failed (role refused, credentials expired or not recognised). Absent until first used.',
    labelNames: ['account', 'region'] as const,
    registers,
  });
  const assumeRoleTotal = new Counter({
    name: name('assume_role_total'),
    help: 'STS AssumeRole calls for an account\'s role, by account and result (success, error).',
    labelNames: ['account', 'result'] as const,
    registers,
  });

  const sourceRevisionInfo = new Gauge({
    name: name('source_revision_info'),
    help: 'The Git revision of the current manifest snapshot (value is always 1).',
    labelNames: ['revision'] as const,
    registers,
  });
  const sourceLastChangeTimestamp = new Gauge({
    name: name('source_last_change_timestamp_seconds'),
    help: 'Unix time the current manifest snapshot was loaded.',
    registers,
  });
  const sourceLastSuccessfulFetchTimestamp = new Gauge({
    name: name('source_last_successful_fetch_timestamp_seconds'),
    help: 'Built-in fetch only: Unix time of the last successful fetch of the remote.',
    registers,
  });
  const sourceFetchErrors = new Counter({
    name: name('source_fetch_errors_total'),
    help: 'Built-in fetch only: failed fetches of the remote.',
    registers,
  });
  const manifestErrors = new Gauge({
    name: name('manifest_errors'),
    help: 'Problems found in each manifest file of the current snapshot.',
    labelNames: ['file'] as const,
    registers,
  });
  const manifests = new Gauge({
    name: name('manifests'),
    help: 'Service and cluster manifests in the current snapshot.',
    registers,
  });
  const buildInfo = new Gauge({
    name: name('build_info'),
    help: 'Build information (value is always 1).',
    labelNames: ['version'] as const,
    registers,
  });

  // Zero-initialise every series whose label values are known now.
  for (const result of RECONCILE_RESULTS) {
    reconcileTotal.inc({ result }, 0);
    reconcileDuration.zero({ result });
  }
  for (const action of APPLY_ACTIONS) for (const result of APPLY_RESULTS) applyActions.inc({ action, result }, 0);
  for (const reason of PRUNE_BLOCKED_REASONS) pruneBlocked.inc({ reason }, 0);
  for (const result of ROLLOUT_RESULTS) rollouts.inc({ result }, 0);
  for (const result of IMAGE_LOOKUP_RESULTS) imageChecks.inc({ result }, 0);
  for (const source of LOOKUP_SOURCES) for (const result of LOOKUP_RESULTS) lookups.inc({ source, result }, 0);
  const initAwsOperation = (api: AwsApi, operation: string): void => {
    for (const outcome of AWS_OUTCOMES) awsRequests.inc({ api, operation, outcome }, 0);
    awsRequestDuration.zero({ api, operation });
  };
  for (const api of AWS_APIS) for (const operation of KNOWN_AWS_OPERATIONS[api]) initAwsOperation(api, operation);
  for (const bucket of RATE_CATEGORIES) rateLimiterWait.zero({ bucket });
  const recordAwsRequest = (api: AwsApi, operation: string, outcome: AwsOutcome, seconds: number): void => {
    awsRequests.inc({ api, operation, outcome });
    awsRequestDuration.observe({ api, operation }, seconds);
  };
  workqueueDepth.set(0);
  workqueueAdds.inc(0);
  workqueueRetries.inc(0);
  workqueueLongestRunningProcessor.set(0);
  sourceFetchErrors.inc(0);
  // prom-client starts label-less gauges at 0. A timestamp of 0 would read as
  // "50 years stale" (SourceStale would fire for every controller without the
  // built-in fetch), so these stay absent until first set.
  sourceLastChangeTimestamp.remove();
  sourceLastSuccessfulFetchTimestamp.remove();
  manifests.set(0);
  buildInfo.set({ version: options.version ?? VERSION }, 1);
  // Event-loop lag sampled every 100 ms, not prom-client's 10 ms: each sample is a timer wake-up,
  // and 100 of them a second cost an idle controller ~0.5 CPU-s a minute on a 2-vCPU VM, most
  // of its idle CPU (BENCHMARKS.md, scenario 4). Lag worth alerting on is far above 100 ms anyway.
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });

  let currentRevision: string | undefined;
  let currentFiles = new Set<string>();

  const workqueue: WorkqueueMetrics = {
    setDepth: (depth) => workqueueDepth.set(depth),
    add: () => workqueueAdds.inc(),
    retry: () => workqueueRetries.inc(),
    observeQueueDuration: (seconds) => workqueueQueueDuration.observe(seconds),
    observeWorkDuration: (seconds) => workqueueWorkDuration.observe(seconds),
    setLongestRunningProcessor: (seconds) => workqueueLongestRunningProcessor.set(seconds),
  };

  return {
    registry,
    serviceInfo,
    serviceDrift,
    serviceLastApplySuccess,
    serviceLastSyncTimestamp,
    driftDetected,
    driftCorrected,
    serviceCorrectionLoop,
    serviceAutoScalingCapacity,
    capacityProviderDrift,
    capacityProviderLastApplySuccess,
    scheduledTaskDrift,
    scheduledTaskLastApplySuccess,
    scheduledTaskNextFireTimestamp,
    scheduledTaskLastRunSuccess,
    correctionLoops,
    rolloutStage,
    rolloutWaitingForApprovalSince,
    reconcileTotal,
    reconcileDuration,
    applyActions,
    pruneBlocked,
    rollouts,
    deploymentDuration,
    deployHookRuns,
    workqueueDepth,
    workqueueAdds,
    workqueueRetries,
    workqueueQueueDuration,
    workqueueWorkDuration,
    workqueueLongestRunningProcessor,
    awsRequests,
    awsRequestDuration,
    rateLimiterWait,
    imageChecks,
    lookups,
    accountAccess,
    assumeRoleTotal,
    sourceRevisionInfo,
    sourceLastChangeTimestamp,
    sourceLastSuccessfulFetchTimestamp,
    sourceFetchErrors,
    manifestErrors,
    manifests,
    buildInfo,
    workqueue,
    recordReconcile(result, seconds) {
      reconcileTotal.inc({ result });
      reconcileDuration.observe({ result }, seconds);
    },
    recordApplyAction(action, result) {
      applyActions.inc({ action, result });
    },
    recordPruneBlocked(reason) {
      pruneBlocked.inc({ reason });
    },
    recordRollout(result) {
      rollouts.inc({ result });
    },
    recordDeploymentDuration(result, seconds) {
      deploymentDuration.observe({ result }, seconds);
    },
    recordDeployHookRun(phase, result) {
      deployHookRuns.inc({ phase, result });
    },
    recordAwsRequest,
    initAwsOperation,
    observeAwsRequest: (event) => recordAwsRequest(event.api, event.operation, event.outcome, event.durationSeconds),
    recordRateLimiterWait(bucket, seconds) {
      rateLimiterWait.observe({ bucket }, seconds);
    },
    initRateLimiterBucket(bucket) {
      rateLimiterWait.zero({ bucket });
    },
    recordImageCheck(result) {
      imageChecks.inc({ result });
    },
    recordLookup(source, result) {
      lookups.inc({ source, result });
    },
    recordAssumeRole(account, ok) {
      // Both series of an account from its first attempt, so increase() sees the first error.
      for (const result of ASSUME_ROLE_RESULTS) assumeRoleTotal.inc({ account, result }, 0);
      assumeRoleTotal.inc({ account, result: ok ? 'success' : 'error' });
    },
    recordAccountAccess(account, region, ok) {
      accountAccess.set({ account, region }, ok ? 1 : 0);
    },
    readCapacityProvidersFrom(source) {
      capacityProviders = source;
    },
    readScheduledTasksFrom(source) {
      scheduledTasks = source;
    },
    recordSnapshot(snapshot, nowSeconds) {
      // Only the current revision has a series: cardinality never grows with history.
      const revision = snapshot.revision ?? 'unversioned';
      if (currentRevision !== undefined && currentRevision !== revision) sourceRevisionInfo.remove({ revision: currentRevision });
      sourceRevisionInfo.set({ revision }, 1);
      currentRevision = revision;
      sourceLastChangeTimestamp.set(nowSeconds);

      const perFile = new Map<string, number>(snapshot.files.map((file) => [file, 0]));
      for (const problem of snapshot.problems) perFile.set(problem.file, (perFile.get(problem.file) ?? 0) + 1);
      for (const file of currentFiles) if (!perFile.has(file)) manifestErrors.remove({ file });
      for (const [file, count] of perFile) manifestErrors.set({ file }, count);
      currentFiles = new Set(perFile.keys());
      manifests.set(snapshot.services.length + snapshot.clusters.length);
    },
    recordSourceFetch(ok, nowSeconds) {
      if (ok) sourceLastSuccessfulFetchTimestamp.set(nowSeconds);
      else sourceFetchErrors.inc();
    },
  };
}
