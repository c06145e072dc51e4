/** The planner's public surface: pure functions from diffs to ECS actions. */
export type {
  Action,
  ActionKind,
  CreateServiceAction,
  DeleteServiceAction,
  LiveServiceState,
  OwnedLiveService,
  Plan,
  PlanBlock,
  PlanPruneInput,
  PlanServiceInput,
  PruneBlockReason,
  PruneDelete,
  PrunePlan,
  RegisterTaskDefinitionAction,
  TagResourceAction,
  UntagResourceAction,
  UpdateServiceAction,
} from './types.js';
export { REGISTERED_TASK_DEFINITION } from './types.js';
export { planService, withRegisteredTaskDefinition } from './plan-service.js';
export { planPrune } from './plan-prune.js';
export { planCluster, type ClusterAction, type ClusterPlan, type PlanClusterInput } from './plan-cluster.js';
export {
  buildTaskDefinitionRegistration,
  tagValue,
  type TaskDefinitionRegistration,
  type TaskDefinitionStamp,
} from './task-definition-input.js';
export { tagsToList, tagsToMap, userTags, isSystemTagKey } from '../diff/tags.js';
export { planScaling, type PlanScalingInput } from './plan-scaling.js';
