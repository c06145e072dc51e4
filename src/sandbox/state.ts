/**
 * The in-memory model of one account in one Region: clusters with their
 * services and tasks, task definition families, tags and ECR repositories.
 * Everything is keyed in Maps so that a request costs O(items it names), not
 * O(everything stored): benchmarks hold 10,000 services.
 */
import type { Json, JsonObject } from './json-input.js';
import { ScalingRegionState } from './scaling-state.js';
import { SchedulerRegionState } from './scheduler-state.js';
import { StepQueue } from './step-queue.js';
import { StsState } from './sts.js';

export type ServiceStatus = 'ACTIVE' | 'DRAINING' | 'INACTIVE';
export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
export type TaskStatus = 'PENDING' | 'RUNNING' | 'STOPPED';
export type ServiceDeploymentStatus =
  | 'PENDING' | 'IN_PROGRESS' | 'SUCCESSFUL' | 'STOPPED' | 'STOP_REQUESTED'
  | 'ROLLBACK_REQUESTED' | 'ROLLBACK_IN_PROGRESS' | 'ROLLBACK_SUCCESSFUL' | 'ROLLBACK_FAILED';
export type DeploymentStrategyName = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY';
export type LifecycleHookStatus = 'IN_PROGRESS' | 'AWAITING_ACTION' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
export type LifecycleHookAction = 'CONTINUE' | 'ROLLBACK';

export interface ClusterRecord {
  readonly name: string;
  readonly arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  settings: Json[];
  configuration?: JsonObject;
  serviceConnectDefaults?: JsonObject;
  capacityProviders: string[];
  defaultCapacityProviderStrategy: Json[];
  /** Services by name, in creation order (INACTIVE ones stay until purged). */
  readonly services: Map<string, ServiceRecord>;
  /** One-off tasks (RunTask, schedule firings) by id, in start order; created on first use. */
  standaloneTasks?: Map<string, StandaloneTaskRecord>;
}

export interface TaskDefinitionRecord {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  /** The normalized taskDefinition as DescribeTaskDefinition returns it (minus status/deregisteredAt). */
  readonly body: JsonObject;
  deregisteredAt?: number;
}

export interface FamilyRecord {
  readonly name: string;
  /** revisions[i] has revision i + 1. */
  readonly revisions: TaskDefinitionRecord[];
}

export interface DeploymentRecord {
  readonly id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinitionArn: string;
  desiredCount: number;
  failedTasks: number;
  readonly createdAt: number;
  updatedAt: number;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  launchType?: string;
  platformVersion?: string;
  platformFamily?: string;
  capacityProviderStrategy?: Json[];
  networkConfiguration?: JsonObject;
  /** serviceConnect/volume/vpcLattice configurations in force when it started (ECS reports them here, not on the service). */
  configurations?: JsonObject;
  /** Image -> digest resolved by the first launch that found it (ECS versionConsistency). */
  pinnedDigests?: Map<string, string>;
}

/** One service revision: what one DeploymentRecord runs (its id's digits name the revision). */
export interface ServiceRevisionRef {
  readonly arn: string;
  readonly deploymentId: string;
  readonly taskDefinitionArn: string;
}

/** One run of a lifecycle hook at one stage (a linear deployment runs PRODUCTION_TRAFFIC_SHIFT hooks once per step). */
export interface LifecycleHookRun {
  readonly hookId: string;
  readonly targetType: 'AWS_LAMBDA' | 'PAUSE';
  readonly targetArn?: string;
  readonly stage: string;
  /** The stage visit (ServiceDeploymentRecord.stageVisit) it belongs to. */
  readonly visit: number;
  status: LifecycleHookStatus;
  readonly expiresAt: number;
  readonly timeoutAction: LifecycleHookAction;
  /** AWS_LAMBDA answering IN_PROGRESS: when ECS invokes it again. */
  nextCheckAt: number;
}

/**
 * A service deployment as ListServiceDeployments / DescribeServiceDeployments
 * report it (service-deployments.ts); staged strategies are driven by
 * deployment-strategies.ts.
 */
export interface ServiceDeploymentRecord {
  readonly arn: string;
  readonly strategy: DeploymentStrategyName;
  /** The service's deploymentConfiguration when it started. */
  readonly deploymentConfiguration: JsonObject;
  readonly createdAt: number;
  readonly startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  stoppedAt?: number;
  readonly target: ServiceRevisionRef;
  readonly sources: readonly ServiceRevisionRef[];
  status: ServiceDeploymentStatus;
  statusReason?: string;
  lifecycleStage?: string;
  /** Staged strategies: how many times the current stage was entered (linear and canary repeat traffic shift stages). */
  stageVisit: number;
  /** Staged strategies: hooks of the current stage visit have been started. */
  stageHooksStarted: boolean;
  /** Staged strategies: the end of a bake wait in the current stage. */
  waitUntil?: number;
  hooks: LifecycleHookRun[];
  rollback?: { readonly reason: string; readonly startedAt: number; readonly serviceRevisionArn: string };
  /** The DeploymentRecord a rollback made PRIMARY: its completion is ROLLBACK_SUCCESSFUL. */
  rollbackDeploymentId?: string;
  circuitBreakerTriggered?: boolean;
  /** Staged strategies: the target revision's requested traffic weights (the sources share the rest). */
  productionWeight: number;
  testWeight: number;
}

export interface TaskRecord {
  readonly id: string;
  readonly arn: string;
  readonly deploymentId: string;
  readonly taskDefinitionArn: string;
  readonly createdAt: number;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  /** When PENDING becomes RUNNING (or fails to start). */
  readyAt: number;
  /** For a crashing image: when the running task exits. */
  exitAt?: number;
  /** Set when launched: why this task will fail, if it will. */
  failure?: { readonly kind: 'pull' | 'crash'; readonly reason: string };
  startedAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  stopCode?: string;
  exitCode?: number;
  /** Shared by every task of the same task definition: never mutate. */
  readonly containers: readonly { readonly name: string; readonly image: string }[];
  /** Per container, the digest the task runs (sandbox ECR images only). */
  imageDigests?: (string | undefined)[];
  cpu?: string;
  memory?: string;
  launchType?: string;
}

/** How one container of a one-off task ends once RUNNING: after `afterMs` with `exitCode`. */
export interface ContainerExitPlan {
  readonly afterMs: number;
  readonly exitCode: number;
}

/**
 * A task started by RunTask (or a schedule firing), not owned by a service.
 * `deploymentId` is '' (there is none); startedBy and group are its own.
 */
export interface StandaloneTaskRecord extends TaskRecord {
  readonly cluster: ClusterRecord;
  readonly group: string;
  readonly startedBy?: string;
  /** TaskOverride as DescribeTasks returns it (a containerOverrides entry per container). */
  readonly overrides: JsonObject;
  /** Per container (task definition order). */
  readonly essential: readonly boolean[];
  readonly exitPlans: readonly ContainerExitPlan[];
  /** Per container, once it exited or was stopped. */
  containerExitCodes?: (number | undefined)[];
  capacityProviderName?: string;
  platformVersion?: string;
  platformFamily?: string;
  networkConfiguration?: JsonObject;
  enableExecuteCommand: boolean;
  /** Simulated time of the next lifecycle step (start, exit, forgetting); Infinity when none. */
  nextStepAt: number;
}

/** Stored in wire form (createdAt in epoch seconds) so DescribeServices returns the list as is. */
export interface ServiceEvent {
  readonly id: string;
  readonly createdAt: number;
  readonly message: string;
  readonly [key: string]: string | number;
}

export interface ServiceRecord {
  readonly name: string;
  readonly arn: string;
  readonly cluster: ClusterRecord;
  status: ServiceStatus;
  desiredCount: number;
  taskDefinitionArn: string;
  launchType?: string;
  capacityProviderStrategy?: Json[];
  platformVersion?: string;
  platformFamily?: string;
  deploymentConfiguration: JsonObject;
  networkConfiguration?: JsonObject;
  schedulingStrategy: string;
  deploymentController: JsonObject;
  propagateTags: string;
  enableECSManagedTags: boolean;
  enableExecuteCommand: boolean;
  healthCheckGracePeriodSeconds: number;
  /** Fields the sandbox stores and returns as given (loadBalancers, placement, serviceConnect...). */
  passthrough: JsonObject;
  readonly createdAt: number;
  readonly createdBy: string;
  deployments: DeploymentRecord[];
  events: ServiceEvent[];
  /** Live tasks and recently stopped ones (bounded), by id. */
  readonly tasks: Map<string, TaskRecord>;
  /** Service deployments, newest first (bounded: service-deployments.ts). */
  serviceDeployments?: ServiceDeploymentRecord[];
  /** Task definition of the last COMPLETED deployment: the rollback target. */
  lastCompletedTaskDefinitionArn?: string;
  /** Simulated time of the next rollout step; Infinity when the service is steady. */
  nextStepAt: number;
  inactiveSince?: number;
}

export interface EcrImageRecord {
  readonly digest: string;
  readonly manifest: string;
  readonly mediaType: string;
  readonly pushedAt: number;
  readonly sizeInBytes: number;
  readonly tags: Set<string>;
}

export interface EcrRepositoryRecord {
  readonly name: string;
  readonly arn: string;
  readonly uri: string;
  readonly createdAt: number;
  readonly imageTagMutability: string;
  readonly imageScanningConfiguration: JsonObject;
  readonly encryptionConfiguration: JsonObject;
  /** By digest, in push order. */
  readonly images: Map<string, EcrImageRecord>;
  readonly tags: Map<string, string>;
  /** Admin API: image reads answer AccessDeniedException, as for a repository policy that excludes the caller. */
  readDenied?: boolean;
}

/** One account in one Region. */
export class RegionState {
  readonly clusters = new Map<string, ClusterRecord>();
  readonly families = new Map<string, FamilyRecord>();
  readonly taskDefinitionsByArn = new Map<string, TaskDefinitionRecord>();
  /** Tags by resource ARN, in the order they were added. */
  readonly tags = new Map<string, Map<string, string>>();
  readonly repositories = new Map<string, EcrRepositoryRecord>();
  /** Services with a rollout step pending (the only ones the clock has to visit), by due time. */
  readonly steps = new StepQueue();
  /** Task ARN -> owning service, for DescribeTasks by ARN. */
  readonly taskIndex = new Map<string, ServiceRecord>();
  /** Service deployment ARN -> owning service (DescribeServiceDeployments, Stop, Continue). */
  readonly serviceDeploymentIndex = new Map<string, ServiceRecord>();
  /** One-off tasks by ARN (they also sit in their cluster's standaloneTasks). */
  readonly standaloneTaskIndex = new Map<string, StandaloneTaskRecord>();
  /** One-off tasks with a lifecycle step pending, by due time. */
  readonly taskSteps = new StepQueue<StandaloneTaskRecord>();
  /** EventBridge Scheduler's schedule groups and schedules (scheduler-state.ts). */
  readonly scheduler = new SchedulerRegionState();
  /** Application Auto Scaling, CloudWatch alarms and ECS capacity providers (scaling-state.ts). */
  readonly scaling = new ScalingRegionState();
  /** SSM Parameter Store parameters by name (ssm.ts). */
  readonly parameters = new Map<string, ParameterRecord>();
  /** CloudFormation stacks by name, outputs only (cloudformation.ts). */
  readonly stacks = new Map<string, StackRecord>();

  constructor(
    readonly account: string,
    readonly region: string,
  ) {}
}

/** One version of an SSM parameter. */
export interface ParameterVersion {
  readonly type: 'String' | 'StringList' | 'SecureString';
  readonly value: string;
  readonly version: number;
  /** Simulated epoch ms. */
  readonly lastModified: number;
  readonly description?: string;
}

export interface ParameterRecord {
  readonly name: string;
  /** Oldest first; the last is the current version. */
  readonly versions: ParameterVersion[];
}

export interface StackOutput {
  readonly OutputKey: string;
  readonly OutputValue: string;
  readonly Description?: string;
  readonly ExportName?: string;
}

export interface StackRecord {
  readonly name: string;
  readonly id: string;
  /** Simulated epoch ms. */
  readonly createdAt: number;
  outputs: StackOutput[];
}

/** All accounts and Regions the sandbox has seen, created on first use, and STS's sessions (which span accounts). */
export class SandboxState {
  readonly #accounts = new Map<string, Map<string, RegionState>>();
  readonly sts: StsState;

  /** `realNow`: the wall clock STS sessions expire by. */
  constructor(realNow: () => number = Date.now) {
    this.sts = new StsState(realNow);
  }

  region(account: string, region: string): RegionState {
    let regions = this.#accounts.get(account);
    if (!regions) {
      regions = new Map();
      this.#accounts.set(account, regions);
    }
    let state = regions.get(region);
    if (!state) {
      state = new RegionState(account, region);
      regions.set(region, state);
    }
    return state;
  }

  /** Existing state only (used to look up images in another account's ECR without creating it). */
  peek(account: string, region: string): RegionState | undefined {
    return this.#accounts.get(account)?.get(region);
  }

  regions(): RegionState[] {
    return [...this.#accounts.values()].flatMap((m) => [...m.values()]);
  }

  reset(account?: string): void {
    if (account === undefined) this.#accounts.clear();
    else this.#accounts.delete(account);
    this.sts.reset(account);
  }
}
