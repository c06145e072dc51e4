/**
 * The planner's output: ordered ECS actions for one service (or for pruning),
 * or a reason why nothing may be done. Pure data; the controller's applier
 * executes actions in order through the rate-limited EcsApi.
 */
import type {
  CreateServiceRequest,
  DeleteServiceRequest,
  RegisterTaskDefinitionRequest,
  Service,
  Tag,
  TaskDefinition,
  UpdateServiceRequest,
} from '@aws-sdk/client-ecs';
import type { Change } from '../diff/types.js';
import type { DiffErrorCode } from '../errors/index.js';
import type { DesiredService } from '../manifests/types.js';
import type { AdoptionPolicy } from './ownership.js';

/**
 * Placeholder in `createService.input.taskDefinition` / `updateService.input.taskDefinition`
 * meaning "the ARN returned by the registerTaskDefinition action earlier in this
 * plan". The applier replaces it with `withRegisteredTaskDefinition(action, arn)`.
 */
export const REGISTERED_TASK_DEFINITION = '<registered-task-definition>';

export interface RegisterTaskDefinitionAction {
  readonly kind: 'registerTaskDefinition';
  /** Includes tags: the spec's own plus ecs-gitops/spec-hash, managed-by, source, revision. */
  readonly input: RegisterTaskDefinitionRequest;
  /** taskDefinitionSpecHash of `input` (also in the ecs-gitops/spec-hash tag). */
  readonly specHash: string;
}

export interface CreateServiceAction {
  readonly kind: 'createService';
  /** `taskDefinition` is an ARN (reused revision) or REGISTERED_TASK_DEFINITION. */
  readonly input: CreateServiceRequest;
}

export interface UpdateServiceAction {
  readonly kind: 'updateService';
  /**
   * Only changed fields; `taskDefinition` only when it changes (an ARN or
   * REGISTERED_TASK_DEFINITION).
   */
  readonly input: UpdateServiceRequest;
}

export interface TagResourceAction {
  readonly kind: 'tagResource';
  readonly resourceArn: string;
  readonly tags: Tag[];
}

export interface UntagResourceAction {
  readonly kind: 'untagResource';
  readonly resourceArn: string;
  readonly tagKeys: string[];
}

export interface DeleteServiceAction {
  readonly kind: 'deleteService';
  readonly input: DeleteServiceRequest;
}

export type Action =
  | RegisterTaskDefinitionAction
  | CreateServiceAction
  | UpdateServiceAction
  | TagResourceAction
  | UntagResourceAction
  | DeleteServiceAction;

export type ActionKind = Action['kind'];

export interface PlanBlock {
  readonly code: DiffErrorCode;
  readonly message: string;
}

/** `actions` empty and no `blocked` = in sync, nothing to do. */
export interface Plan {
  readonly actions: readonly Action[];
  readonly blocked?: PlanBlock;
}

export interface LiveServiceState {
  readonly service?: Service;
  readonly taskDefinition?: TaskDefinition;
  readonly tags?: Tag[];
}

export interface PlanServiceInput {
  readonly desired: DesiredService;
  readonly live: LiveServiceState;
  /** diffService(desired.manifest, live, ...) for the same live state. */
  readonly changes: readonly Change[];
  /** Written to ecs-gitops/managed-by; a live service managed by another id is left alone. */
  readonly controllerId: string;
  /** Git revision being applied (ecs-gitops/revision). */
  readonly revision: string;
  /** ARN of an ACTIVE revision whose ecs-gitops/spec-hash tag equals the desired spec hash: reused instead of registering. */
  readonly existingRevisionForHash?: string;
  /** Which untagged live services may be adopted; absent: only those tagged ecs-gitops/adopt=<controllerId>. */
  readonly adoption?: AdoptionPolicy;
  /**
   * A scalable target already exists for the service's resource id (one left
   * behind by a deleted service, or registered ahead by another tool): a new
   * service does not claim it (no ecs-gitops/autoscaling tag on create).
   */
  readonly scalingTargetExists?: boolean;
}

export interface OwnedLiveService {
  /** `region/cluster/name` */
  readonly key: string;
  readonly arn: string;
  readonly desiredCount: number;
}

export interface PlanPruneInput {
  /** Live services carrying this controller's ecs-gitops/managed-by tag. */
  readonly ownedLive: readonly OwnedLiveService[];
  /** Keys of every service in the current snapshot (including blocked ones). */
  readonly desiredKeys: ReadonlySet<string>;
  readonly snapshotHasProblems: boolean;
  readonly pruneEnabled: boolean;
  readonly maxDeletes: number;
}

export type PruneBlockReason = 'disabled' | 'snapshot_errors' | 'too_many' | 'empty_snapshot';

export interface PruneDelete {
  readonly key: string;
  readonly arn: string;
  /** Scale to 0 (skipped when already 0), then DeleteService. */
  readonly actions: readonly Action[];
}

export interface PrunePlan {
  /** Empty when blocked. */
  readonly deletes: readonly PruneDelete[];
  /** Services that would be deleted were it not for the guard (for logs/metrics). */
  readonly candidates: readonly OwnedLiveService[];
  readonly blocked?: { readonly reason: PruneBlockReason; readonly code: 'DIFF_PRUNE_BLOCKED'; readonly message: string };
}
