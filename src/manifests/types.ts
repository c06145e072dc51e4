/**
 * The typed form of `ecs-gitops/v1` manifests (see README "Manifest
 * reference"). Field names inside `spec` are the ECS API's own, so the types
 * reuse the SDK's request shapes; only tags differ (a map in manifests, a
 * key/value list on the wire). Type-only imports: the pure core never loads
 * the SDK at run time.
 */
import type {
  CreateCapacityProviderRequest,
  CreateClusterRequest,
  CreateServiceRequest,
  RegisterTaskDefinitionRequest,
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
};

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

export type Manifest = ServiceManifest | ClusterManifest | CapacityProviderManifest;

/** Where a document came from: path relative to the manifests root, 1-based line/column. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface DesiredService {
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

export interface DesiredCluster {
  /** `region/cluster` */
  readonly key: string;
  readonly region: string;
  readonly name: string;
  readonly manifest: ClusterManifest;
  readonly source: SourceLocation;
  readonly contentHash: string;
}

export interface DesiredCapacityProvider {
  /** capacityProviderIdentity(region, name) from src/keys. */
  readonly key: string;
  readonly region: string;
  readonly name: string;
  readonly manifest: CapacityProviderManifest;
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
