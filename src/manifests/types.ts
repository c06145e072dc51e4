/**
 * The typed form of `ecs-gitops/v1` manifests (see README "Manifest
 * reference"). Field names inside `spec` are the ECS API's own, so the types
 * reuse the SDK's request shapes; only tags differ (a map in manifests, a
 * key/value list on the wire). Type-only imports: the pure core never loads
 * the SDK at run time.
 */
import type {
  AssignPublicIp,
  CapacityProviderStrategyItem,
  CreateCapacityProviderRequest,
  CreateClusterRequest,
  CreateServiceRequest,
  LaunchType,
  NetworkConfiguration,
  PlacementConstraint,
  PlacementStrategy,
  RegisterTaskDefinitionRequest,
  TaskOverride,
} from '@aws-sdk/client-ecs';
import type { ManifestErrorCode } from '../errors/index.js';

export const API_VERSION = 'ecs-gitops/v1';

export type TagMap = Readonly<Record<string, string>>;

/** `auto` applies the manifests and corrects drift; `detect` only reports differences. */
export const SYNC_MODES = ['auto', 'detect'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];
/** How container images are resolved (`spec.sync.images`). */
export const IMAGE_POLICIES = ['as-written', 'pin-digest', 'follow-tag'] as const;
export type ImagePolicy = (typeof IMAGE_POLICIES)[number];
/**
 * What an ECR image the controller may not read means (`spec.sync.imagePreflight`):
 * `permissive` deploys it and reports it unverified; `strict` does not deploy it.
 */
export const IMAGE_PREFLIGHTS = ['permissive', 'strict'] as const;
export type ImagePreflight = (typeof IMAGE_PREFLIGHTS)[number];

/** Controller behaviour for one service (`spec.sync`). */
export interface SyncPolicy {
  readonly mode?: SyncMode;
  /** JSON pointers relative to `spec` (e.g. `/desiredCount`) that are never compared. */
  readonly ignoreDifferences?: readonly string[];
  readonly images?: ImagePolicy;
  /** @default "permissive" */
  readonly imagePreflight?: ImagePreflight;
}

/** A RegisterTaskDefinition input, with tags as a map. `family` is required. */
export type TaskDefinitionSpec = Omit<RegisterTaskDefinitionRequest, 'tags'> & {
  readonly tags?: TagMap;
};

/** CreateService fields, minus those that `metadata` carries or the controller sets. */
export type ServiceSpec = Omit<
  CreateServiceRequest,
  'serviceName' | 'cluster' | 'taskDefinition' | 'tags' | 'clientToken'
> & {
  readonly taskDefinition: TaskDefinitionSpec;
  readonly tags?: TagMap;
  readonly sync?: SyncPolicy;
  readonly autoScaling?: AutoScalingSpec;
  readonly hooks?: DeployHooksSpec;
};

/**
 * `spec.hooks`: one-off tasks around a deploy (docs/scheduled-tasks.md,
 * "Deploy hooks"). A hook runs once per distinct hook content (the task
 * definition it runs, its overrides and its own fields), never on resync, and
 * is found again after a restart by its `startedBy` before another is started.
 */
export interface DeployHooksSpec {
  /** Run with the NEW task definition revision before UpdateService; every one must exit 0 for the deploy to proceed. */
  readonly preDeploy?: readonly DeployHookSpec[];
  /** Run after the rollout COMPLETED (smoke tests); a failure marks the deploy failed and Degraded. */
  readonly postDeploy?: readonly DeployHookSpec[];
  /** Roll the service back to the revision it ran before when a postDeploy hook fails. @default false */
  readonly rollbackOnPostDeployFailure?: boolean;
}

export interface DeployHookSpec {
  /** Unique among the service's hooks (pre and post together): `[A-Za-z0-9_-]{1,64}`. */
  readonly name: string;
  /** The command of `container` (default: the first essential container); exclusive with `overrides`. */
  readonly command?: readonly string[];
  /** Which container `command` replaces the command of. */
  readonly container?: string;
  /** RunTask's full `overrides` (containerOverrides, cpu, memory, taskRoleArn...); exclusive with `command`. */
  readonly overrides?: TaskOverride;
  /** Another task definition to run (embedded, registered like the service's); default: the service's new revision. */
  readonly taskDefinition?: TaskDefinitionSpec;
  /** Seconds the task may run before it is stopped (StopTask) and the hook reported timed out. @default 600 */
  readonly timeout?: number;
  /** Default: the service's networkConfiguration. */
  readonly networkConfiguration?: NetworkConfiguration;
  /** Default: the service's launchType / capacityProviderStrategy / platformVersion. */
  readonly launchType?: LaunchType;
  readonly capacityProviderStrategy?: readonly CapacityProviderStrategyItem[];
  readonly platformVersion?: string;
}

/**
 * `spec.autoScaling`: Application Auto Scaling for the service's desired count
 * (docs/manifests.md, "Auto scaling"). Field names are the Application Auto
 * Scaling and CloudWatch APIs' own in camelCase; the wire form is PascalCase
 * (src/autoscaling/wire.ts converts). With this block declared the autoscaler
 * owns `desiredCount` once the service exists.
 */
export interface AutoScalingSpec {
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly suspendedState?: {
    readonly dynamicScalingInSuspended?: boolean;
    readonly dynamicScalingOutSuspended?: boolean;
    readonly scheduledScalingSuspended?: boolean;
  };
  readonly targetTracking?: readonly TargetTrackingPolicySpec[];
  readonly stepScaling?: readonly StepScalingPolicySpec[];
  readonly scheduled?: readonly ScheduledActionSpec[];
}

export const ECS_PREDEFINED_METRICS = ['ECSServiceAverageCPUUtilization', 'ECSServiceAverageMemoryUtilization', 'ALBRequestCountPerTarget'] as const;
export type EcsPredefinedMetric = (typeof ECS_PREDEFINED_METRICS)[number];

/** A metric dimension as CloudWatch and Application Auto Scaling take it. */
export interface MetricDimensionSpec {
  readonly name: string;
  readonly value: string;
}

export interface TargetTrackingPolicySpec {
  /** PolicyName: unique among the service's policies. */
  readonly name: string;
  readonly targetValue: number;
  /** PredefinedMetricSpecification.PredefinedMetricType; exactly one of predefinedMetric and customizedMetric. */
  readonly predefinedMetric?: EcsPredefinedMetric;
  /** PredefinedMetricSpecification.ResourceLabel: required with ALBRequestCountPerTarget, refused otherwise. */
  readonly resourceLabel?: string;
  /** CustomizedMetricSpecification, camelCase (metricName, namespace, dimensions, statistic, unit, metrics). */
  readonly customizedMetric?: Readonly<Record<string, unknown>>;
  readonly scaleInCooldown?: number;
  readonly scaleOutCooldown?: number;
  readonly disableScaleIn?: boolean;
}

export interface StepAdjustmentSpec {
  readonly metricIntervalLowerBound?: number;
  readonly metricIntervalUpperBound?: number;
  readonly scalingAdjustment: number;
}

/** The CloudWatch alarm the controller creates for a step scaling policy (PutMetricAlarm's fields). */
export interface StepScalingAlarmSpec {
  readonly metricName: string;
  readonly namespace: string;
  readonly dimensions?: readonly MetricDimensionSpec[];
  readonly statistic?: 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';
  readonly extendedStatistic?: string;
  readonly unit?: string;
  readonly period: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number;
  readonly threshold: number;
  readonly comparisonOperator: string;
  readonly treatMissingData?: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
}

export interface StepScalingPolicySpec {
  readonly name: string;
  readonly adjustmentType: 'ChangeInCapacity' | 'PercentChangeInCapacity' | 'ExactCapacity';
  readonly stepAdjustments: readonly StepAdjustmentSpec[];
  readonly cooldown?: number;
  readonly metricAggregationType?: 'Average' | 'Minimum' | 'Maximum';
  readonly minAdjustmentMagnitude?: number;
  readonly alarm: StepScalingAlarmSpec;
}

export interface ScheduledActionSpec {
  /** ScheduledActionName: unique among the service's scheduled actions. */
  readonly name: string;
  /** `at(yyyy-mm-ddThh:mm:ss)`, `rate(N unit)` or `cron(6 fields)`. */
  readonly schedule: string;
  /** IANA time zone; UTC when absent. */
  readonly timezone?: string;
  /** ISO 8601 date-times. */
  readonly startTime?: string;
  readonly endTime?: string;
  /** ScalableTargetAction; at least one of the two. */
  readonly minCapacity?: number;
  readonly maxCapacity?: number;
}


/**
 * What a source document may add to opt in to environments
 * (docs/environments.md): `metadata.environments` lists them and
 * `spec.environments.<name>` patches the spec for one. The manifest types
 * below are the rendered form (Desired*.manifest): neither field is left in
 * it, and its metadata.region (and metadata.cluster when the document leaves
 * it out) come from the environment.
 */
export interface EnvironmentOptIn {
  readonly environments?: readonly string[];
}

/** `spec.environments`: per-environment JSON Merge Patches over the rest of the spec. */
export interface EnvironmentOverrides {
  readonly environments?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface ServiceManifest {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'Service';
  readonly metadata: { readonly name: string; readonly cluster: string; readonly region?: string };
  readonly spec: ServiceSpec;
}

export type ClusterSpec = Omit<CreateClusterRequest, 'clusterName' | 'tags'> & { readonly tags?: TagMap };

export interface ClusterManifest {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'Cluster';
  readonly metadata: { readonly name: string; readonly region?: string };
  readonly spec: ClusterSpec;
}

/**
 * `kind: CapacityProvider`: an Auto Scaling group capacity provider
 * (CreateCapacityProvider's fields, camelCase as ECS's own API). Attached to
 * clusters through `kind: Cluster`'s `capacityProviders` and
 * `defaultCapacityProviderStrategy`.
 */
export type CapacityProviderSpec = Omit<CreateCapacityProviderRequest, 'name' | 'tags'> & { readonly tags?: TagMap };

export interface CapacityProviderManifest {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'CapacityProvider';
  readonly metadata: { readonly name: string; readonly region?: string };
  readonly spec: CapacityProviderSpec;
}

/**
 * `kind: ScheduledTask`: an ECS task run on a schedule by EventBridge
 * Scheduler (docs/scheduled-tasks.md). Field names are camelCase forms of
 * CreateSchedule's (schedule, timezone, flexibleTimeWindow, startDate,
 * endDate, state, description, kmsKeyArn, retryPolicy, deadLetterConfig,
 * roleArn) and of its EcsParameters (launchType ... tags); the task
 * definition is embedded exactly as in a Service.
 */
export interface ScheduledTaskSpec {
  /** `at(yyyy-mm-ddThh:mm:ss)`, `rate(N unit)` or `cron(6 fields)`: ScheduleExpression. */
  readonly schedule: string;
  /** IANA time zone: ScheduleExpressionTimezone. @default "UTC" */
  readonly timezone?: string;
  /** @default { mode: OFF } */
  readonly flexibleTimeWindow?: { readonly mode: 'OFF' | 'FLEXIBLE'; readonly maximumWindowInMinutes?: number };
  /** ISO 8601 date-times. */
  readonly startDate?: string;
  readonly endDate?: string;
  /** @default "ENABLED" */
  readonly state?: 'ENABLED' | 'DISABLED';
  readonly description?: string;
  readonly kmsKeyArn?: string;
  /** The IAM role EventBridge Scheduler assumes to call RunTask (Target.RoleArn). */
  readonly roleArn: string;
  /** @default { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 } */
  readonly retryPolicy?: { readonly maximumEventAgeInSeconds?: number; readonly maximumRetryAttempts?: number };
  /** An SQS queue ARN. */
  readonly deadLetterConfig?: { readonly arn: string };
  readonly taskDefinition: TaskDefinitionSpec;
  readonly launchType?: LaunchType;
  readonly capacityProviderStrategy?: readonly CapacityProviderStrategyItem[];
  readonly platformVersion?: string;
  readonly networkConfiguration?: {
    readonly awsvpcConfiguration: {
      readonly subnets: readonly string[];
      readonly securityGroups?: readonly string[];
      readonly assignPublicIp?: AssignPublicIp;
    };
  };
  /** 1 to 10. @default 1 */
  readonly taskCount?: number;
  readonly propagateTags?: 'TASK_DEFINITION';
  readonly enableECSManagedTags?: boolean;
  readonly enableExecuteCommand?: boolean;
  /** The task group; @default "scheduled-task:NAME" (how the controller finds the task's last runs). */
  readonly group?: string;
  readonly placementConstraints?: readonly PlacementConstraint[];
  readonly placementStrategy?: readonly PlacementStrategy[];
  readonly referenceId?: string;
  /** RunTask's overrides, sent as the target's Input (Scheduler passes it to RunTask). */
  readonly overrides?: TaskOverride;
  /** Tags for the tasks it starts (EcsParameters.Tags); schedules themselves take no tags. */
  readonly tags?: TagMap;
  readonly sync?: Pick<SyncPolicy, 'mode' | 'ignoreDifferences' | 'images' | 'imagePreflight'>;
}

export interface ScheduledTaskManifest {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'ScheduledTask';
  /** `name` is the schedule's name: `[0-9A-Za-z_.-]{1,64}`, unique per Region (one schedule group per controller and Region). */
  readonly metadata: { readonly name: string; readonly cluster: string; readonly region?: string };
  readonly spec: ScheduledTaskSpec;
}

/**
 * `kind: Environment` (docs/environments.md): a named target (dev, staging,
 * prod...) in one account and Region. Services, clusters and scheduled tasks
 * opt in with `metadata.environments: [names]` and are rendered once per
 * environment: `spec.environments.<name>` patched over the spec (a JSON Merge
 * Patch whose arrays of named items merge by name), then `${var.NAME}`,
 * `${env.name}`, `${env.account}` and `${env.region}` substituted.
 */
export interface EnvironmentSpec {
  /** 12 digits: the account the environment's resources live in. */
  readonly account: string;
  readonly region: string;
  /** The role to assume in `account` (STS AssumeRole); absent = the controller's own credentials, which must be in `account`. */
  readonly roleArn?: string;
  readonly externalId?: string;
  /** @default "ecs-gitops-<controller id>" */
  readonly sessionName?: string;
  /** metadata.cluster for documents that leave it out. */
  readonly cluster?: string;
  /** `${var.NAME}` values: names `[A-Za-z_][A-Za-z0-9_]*`. */
  readonly variables?: Readonly<Record<string, string>>;
  /** Client-side limits per rate category in this account and Region (raised ECS quotas); as --rate-limits. */
  readonly rateLimits?: Readonly<Record<string, { readonly burst?: number; readonly refillPerSecond?: number }>>;
  readonly sync?: {
    /** spec.sync.mode for rendered documents that do not set one (prod may be `detect`). */
    readonly mode?: SyncMode;
    /** false: nothing in this environment is pruned, even with --prune. @default true */
    readonly prune?: boolean;
  };
}

export interface EnvironmentManifest {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'Environment';
  /** `name`: `[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?`, unique among environments. */
  readonly metadata: { readonly name: string };
  readonly spec: EnvironmentSpec;
}

/**
 * `kind: Notifier` (docs/notifications.md): where the controller's events
 * (src/events/types.ts) are sent. Secrets (Slack's URL, a webhook's HMAC key,
 * a GitHub or GitLab token) are never written in the manifest: each is read
 * from a file (`…File`) or an environment variable (`…Env`) the manifest
 * names, when the notifier is loaded, and never logged or shown.
 */
export type NotifierSinkSpec =
  | SlackSinkSpec
  | WebhookSinkSpec
  | SnsSinkSpec
  | GitHubSinkSpec
  | GitLabSinkSpec;

export interface SinkCommonSpec {
  /** Unique within the notifier; shown in status and metrics (`notifier/sink`). @default the type, suffixed `-2`, `-3` when repeated */
  readonly name?: string;
  /** Most deliveries per second to this sink (a token bucket with `burst`). @default per type: slack 1, others 10 */
  readonly ratePerSecond?: number;
  readonly burst?: number;
}

/** A Slack incoming webhook: a Block Kit message per event. Its URL is a secret: urlFile or urlEnv (url for a test receiver only). */
export interface SlackSinkSpec extends SinkCommonSpec {
  readonly type: 'slack';
  readonly url?: string;
  readonly urlFile?: string;
  readonly urlEnv?: string;
}

/** A generic webhook: one JSON object per event, signed `X-Ecs-Gitops-Signature: sha256=<hex HMAC-SHA256 of the raw body>` when a secret is given. */
export interface WebhookSinkSpec extends SinkCommonSpec {
  readonly type: 'webhook';
  /** Exactly one of url, urlFile, urlEnv. */
  readonly url?: string;
  readonly urlFile?: string;
  readonly urlEnv?: string;
  /** The HMAC key: at most one of secretFile, secretEnv (none: unsigned). */
  readonly secretFile?: string;
  readonly secretEnv?: string;
}

/** An Amazon SNS topic (Publish), with message attributes type, severity, cluster, service, environment for subscription filters. */
export interface SnsSinkSpec extends SinkCommonSpec {
  readonly type: 'sns';
  /** arn:aws:sns:REGION:ACCOUNT:NAME (a `.fifo` topic gets MessageGroupId = service, MessageDeduplicationId = event id). */
  readonly topicArn: string;
}

/** GitHub commit statuses (POST /repos/{owner}/{repo}/statuses/{sha}): pending on apply, success on rollout completed, failure on failed. */
export interface GitHubSinkSpec extends SinkCommonSpec {
  readonly type: 'github';
  /** owner/repo */
  readonly repository: string;
  readonly tokenFile?: string;
  readonly tokenEnv?: string;
  /** @default https://api.github.com (GitHub Enterprise: https://HOST/api/v3) */
  readonly apiUrl?: string;
  /** The status context, `{cluster}`, `{service}`, `{environment}`, `{region}`, `{account}` substituted. @default ecs-gitops/{cluster}/{service} (with /{environment} when rendered for one) */
  readonly context?: string;
  /** target_url: `{service}` etc. substituted (a link to the controller's page for it). */
  readonly targetUrl?: string;
}

/** GitLab commit statuses (POST /api/v4/projects/:id/statuses/:sha), states pending, success, failed. */
export interface GitLabSinkSpec extends SinkCommonSpec {
  readonly type: 'gitlab';
  /** A numeric project id, or its path `group/project` (URL-encoded on the wire). */
  readonly project: string;
  readonly tokenFile?: string;
  readonly tokenEnv?: string;
  /** @default https://gitlab.com */
  readonly apiUrl?: string;
  /** The status `name`; placeholders as GitHub's context. */
  readonly context?: string;
  readonly targetUrl?: string;
}

export type NotifierSeverity = 'info' | 'warning' | 'error';

export interface NotifierSpec {
  /** Event types to send (src/events/types.ts EVENT_TYPES). @default all */
  readonly events?: readonly string[];
  /** Which events: every list is optional (absent = all); names are globs (`*`). */
  readonly selector?: {
    readonly clusters?: readonly string[];
    readonly services?: readonly string[];
    readonly environments?: readonly string[];
    /** @default info */
    readonly minSeverity?: NotifierSeverity;
  };
  readonly sinks: readonly NotifierSinkSpec[];
}

export interface NotifierManifest {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: 'Notifier';
  /** `name`: `[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?`, unique among notifiers. */
  readonly metadata: { readonly name: string };
  readonly spec: NotifierSpec;
}

export type Manifest = ServiceManifest | ClusterManifest | CapacityProviderManifest | ScheduledTaskManifest | EnvironmentManifest | NotifierManifest;

/**
 * A value the controller looks up at apply time, written in a string as
 * `${ssm:/path/to/param}` (SSM Parameter Store: String or StringList) or
 * `${cfn:STACK.OutputKey}` (a CloudFormation stack output), in the
 * document's own account and Region.
 */
export type LookupRef =
  | { readonly source: 'ssm'; readonly parameter: string; /** `${ssm:...}` as written */ readonly text: string }
  | { readonly source: 'cfn'; readonly stack: string; readonly output: string; readonly text: string };

/** A lookup and the string it sits in within the rendered manifest (JSON pointer into the manifest, e.g. `/spec/networkConfiguration/awsvpcConfiguration/subnets/0`). */
export interface LookupUse {
  readonly pointer: string;
  readonly lookup: LookupRef;
  /**
   * Index of the lookup's `${` in that string of the rendered manifest. Each
   * occurrence is its own use: an escaped `$${ssm:…}` beside a real
   * `${ssm:…}` renders to the same text, and only the offset tells them apart.
   */
  readonly offset: number;
}

/** What every rendered (or single-target) Desired record of an environment-aware kind carries besides its manifest. */
export interface RenderedFrom {
  /** The environment it was rendered for; absent for a document without metadata.environments. */
  readonly environment?: string;
  /** The environment's account (also the key's `account@`); absent = the controller's own account. */
  readonly account?: string;
  /** Lookups left in the manifest's strings for the controller to resolve before it plans; absent = none. */
  readonly lookups?: readonly LookupUse[];
}

/** Where a document came from: path relative to the manifests root, 1-based line/column. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface DesiredService extends RenderedFrom {
  /** `region/cluster/name`: the work-queue key. */
  readonly key: string;
  readonly region: string;
  readonly cluster: string;
  readonly name: string;
  /** With `metadata.region` filled in from the default region. */
  readonly manifest: ServiceManifest;
  readonly source: SourceLocation;
  /** Hash of the manifest's canonical JSON: lets the source enqueue only services that changed. */
  readonly contentHash: string;
}

export interface DesiredCluster extends RenderedFrom {
  /** `region/cluster` */
  readonly key: string;
  readonly region: string;
  readonly name: string;
  readonly manifest: ClusterManifest;
  readonly source: SourceLocation;
  readonly contentHash: string;
}

export interface DesiredCapacityProvider extends RenderedFrom {
  /** capacityProviderIdentity(region, name) from src/keys. */
  readonly key: string;
  readonly region: string;
  readonly name: string;
  readonly manifest: CapacityProviderManifest;
  readonly source: SourceLocation;
  readonly contentHash: string;
}

export interface DesiredScheduledTask extends RenderedFrom {
  /** scheduledTaskIdentity(region, cluster, name) from src/keys: `scheduled-task:[account@]region/cluster/name`. */
  readonly key: string;
  readonly region: string;
  readonly cluster: string;
  readonly name: string;
  readonly manifest: ScheduledTaskManifest;
  readonly source: SourceLocation;
  readonly contentHash: string;
}

export interface DesiredEnvironment {
  /** `environment:<name>` */
  readonly key: string;
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly manifest: EnvironmentManifest;
  readonly source: SourceLocation;
  readonly contentHash: string;
}

export interface DesiredNotifier {
  /** `notifier:<name>` */
  readonly key: string;
  readonly name: string;
  readonly manifest: NotifierManifest;
  readonly source: SourceLocation;
  readonly contentHash: string;
}

export interface ManifestProblem {
  /** Stable code from MANIFEST_ERROR_CODES. */
  readonly code: ManifestErrorCode;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** JSON pointer into the document ('' for the whole document). */
  readonly pointer: string;
  /** Index of the document in a multi-document file (0-based). */
  readonly documentIndex?: number;
  readonly message: string;
}

/** One consistent read of the manifests root. Immutable. */
export interface ManifestSnapshot {
  readonly root: string;
  /** Git commit, or `unversioned` (set by the source; loadManifests leaves it undefined). */
  readonly revision?: string;
  readonly services: readonly DesiredService[];
  readonly clusters: readonly DesiredCluster[];
  /** `kind: CapacityProvider` documents; absent in snapshots built before the kind existed (treated as none). */
  readonly capacityProviders?: readonly DesiredCapacityProvider[];
  /** `kind: ScheduledTask` documents; absent in snapshots built before the kind existed (treated as none). */
  readonly scheduledTasks?: readonly DesiredScheduledTask[];
  /** `kind: Environment` documents; absent = none. */
  readonly environments?: readonly DesiredEnvironment[];
  /** `kind: Notifier` documents; absent = none. */
  readonly notifiers?: readonly DesiredNotifier[];
  readonly problems: readonly ManifestProblem[];
  /**
   * Things worth saying that do not make a file broken (read-only fields
   * pasted from describe-task-definition, which are ignored): printed, never
   * counted as problems, never blocking. Absent means none.
   */
  readonly warnings?: readonly ManifestProblem[];
  /** Every manifest file read (relative paths), with or without problems. */
  readonly files: readonly string[];
  /** Files that had at least one problem: nothing they declare may be applied or pruned. */
  readonly filesWithProblems: ReadonlySet<string>;
  /** Identities that were declared in a file with problems (or twice), so must be left alone. */
  readonly blockedKeys: ReadonlySet<string>;
}
