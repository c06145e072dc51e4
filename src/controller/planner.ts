/**
 * The pure planners the reconcilers call (src/plan), as a dependency so the
 * controller's tests can also prove what happens when a plan is blocked.
 */
import type { CapacityProviderStrategyItem } from '@aws-sdk/client-ecs';
import { planCluster, planPrune, planService, type ClusterPlan, type PlanClusterInput } from '../plan/index.js';
import type { Plan, PlanPruneInput, PlanServiceInput, PrunePlan } from '../plan/types.js';

export interface Planner {
  planService(
    input: PlanServiceInput,
    options?: { clusterDefaultCapacityProviderStrategy?: readonly CapacityProviderStrategyItem[] },
  ): Plan;
  planPrune(input: PlanPruneInput): PrunePlan;
  planCluster(input: PlanClusterInput): ClusterPlan;
}

export const defaultPlanner: Planner = { planService, planPrune, planCluster };
