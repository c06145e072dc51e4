/**
 * The one interface the rest of the controller uses to talk to ECS: a single
 * `send(operation, input, signal)` over exactly the operations ecs-gitops
 * needs. One method keeps wrappers (rate limiting, call counting, fakes in the
 * narrowest tests) trivial. Types only: the SDK is loaded at run time solely
 * by sdk-adapter.ts.
 */
import type * as ECS from '@aws-sdk/client-ecs';

export interface EcsOperations {
  DescribeClusters: { input: ECS.DescribeClustersRequest; output: ECS.DescribeClustersResponse };
  CreateCluster: { input: ECS.CreateClusterRequest; output: ECS.CreateClusterResponse };
  UpdateCluster: { input: ECS.UpdateClusterRequest; output: ECS.UpdateClusterResponse };
  PutClusterCapacityProviders: { input: ECS.PutClusterCapacityProvidersRequest; output: ECS.PutClusterCapacityProvidersResponse };
  DescribeServices: { input: ECS.DescribeServicesRequest; output: ECS.DescribeServicesResponse };
  ListServices: { input: ECS.ListServicesRequest; output: ECS.ListServicesResponse };
  CreateService: { input: ECS.CreateServiceRequest; output: ECS.CreateServiceResponse };
  UpdateService: { input: ECS.UpdateServiceRequest; output: ECS.UpdateServiceResponse };
  DeleteService: { input: ECS.DeleteServiceRequest; output: ECS.DeleteServiceResponse };
  DescribeTaskDefinition: { input: ECS.DescribeTaskDefinitionRequest; output: ECS.DescribeTaskDefinitionResponse };
  ListTaskDefinitions: { input: ECS.ListTaskDefinitionsRequest; output: ECS.ListTaskDefinitionsResponse };
  RegisterTaskDefinition: { input: ECS.RegisterTaskDefinitionRequest; output: ECS.RegisterTaskDefinitionResponse };
  ListTagsForResource: { input: ECS.ListTagsForResourceRequest; output: ECS.ListTagsForResourceResponse };
  TagResource: { input: ECS.TagResourceRequest; output: ECS.TagResourceResponse };
  UntagResource: { input: ECS.UntagResourceRequest; output: ECS.UntagResourceResponse };
  DescribeCapacityProviders: { input: ECS.DescribeCapacityProvidersRequest; output: ECS.DescribeCapacityProvidersResponse };
  CreateCapacityProvider: { input: ECS.CreateCapacityProviderRequest; output: ECS.CreateCapacityProviderResponse };
  UpdateCapacityProvider: { input: ECS.UpdateCapacityProviderRequest; output: ECS.UpdateCapacityProviderResponse };
  DeleteCapacityProvider: { input: ECS.DeleteCapacityProviderRequest; output: ECS.DeleteCapacityProviderResponse };
  /** Only before deleting a capacity provider: which clusters still attach it. */
  ListClusters: { input: ECS.ListClustersRequest; output: ECS.ListClustersResponse };
  /** One-off tasks: deploy hooks (spec.hooks) and `ecs-gitops run-task`; last runs of scheduled tasks. */
  RunTask: { input: ECS.RunTaskRequest; output: ECS.RunTaskResponse };
  StopTask: { input: ECS.StopTaskRequest; output: ECS.StopTaskResponse };
  DescribeTasks: { input: ECS.DescribeTasksRequest; output: ECS.DescribeTasksResponse };
  ListTasks: { input: ECS.ListTasksRequest; output: ECS.ListTasksResponse };
  /** ECS's deployments API (docs/deployments.md): a watched rollout is read by its service deployment ARN. */
  DescribeServiceDeployments: { input: ECS.DescribeServiceDeploymentsRequest; output: ECS.DescribeServiceDeploymentsResponse };
  ListServiceDeployments: { input: ECS.ListServiceDeploymentsRequest; output: ECS.ListServiceDeploymentsResponse };
  /** `ecs-gitops rollback` (stopType ROLLBACK). */
  StopServiceDeployment: { input: ECS.StopServiceDeploymentRequest; output: ECS.StopServiceDeploymentResponse };
  /** `ecs-gitops continue`: a deployment paused at a lifecycle hook goes on (or rolls back). */
  ContinueServiceDeployment: { input: ECS.ContinueServiceDeploymentRequest; output: ECS.ContinueServiceDeploymentResponse };
}

export type EcsOperation = keyof EcsOperations;
export type EcsInput<Op extends EcsOperation> = EcsOperations[Op]['input'];
export type EcsOutput<Op extends EcsOperation> = EcsOperations[Op]['output'];

export const ECS_OPERATIONS: readonly EcsOperation[] = [
  'DescribeClusters', 'CreateCluster', 'UpdateCluster', 'PutClusterCapacityProviders',
  'DescribeServices', 'ListServices', 'CreateService', 'UpdateService', 'DeleteService',
  'DescribeTaskDefinition', 'ListTaskDefinitions', 'RegisterTaskDefinition',
  'ListTagsForResource', 'TagResource', 'UntagResource',
  'DescribeCapacityProviders', 'CreateCapacityProvider', 'UpdateCapacityProvider', 'DeleteCapacityProvider', 'ListClusters',
  'RunTask', 'StopTask', 'DescribeTasks', 'ListTasks',
  'DescribeServiceDeployments', 'ListServiceDeployments', 'StopServiceDeployment', 'ContinueServiceDeployment',
];

/** Operations that change ECS state (used by idempotency checks and detect mode). */
export const MUTATING_OPERATIONS: ReadonlySet<EcsOperation> = new Set<EcsOperation>([
  'CreateCluster', 'UpdateCluster', 'PutClusterCapacityProviders', 'CreateService', 'UpdateService',
  'DeleteService', 'RegisterTaskDefinition', 'TagResource', 'UntagResource',
  'CreateCapacityProvider', 'UpdateCapacityProvider', 'DeleteCapacityProvider',
  'RunTask', 'StopTask', 'StopServiceDeployment', 'ContinueServiceDeployment',
]);

/**
 * The idempotent reads (Describe*, List*): everything that is not mutating.
 * Sending one twice changes nothing, so one whose answer was lost to a reset
 * connection may be sent again (rate-limited-ecs.ts); a write may not.
 */
export const READ_OPERATIONS: ReadonlySet<EcsOperation> = new Set<EcsOperation>(ECS_OPERATIONS.filter((op) => !MUTATING_OPERATIONS.has(op)));

export interface EcsApi {
  send<Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>>;
}

/** Outcome classes recorded for every AWS request (metric label `outcome`). */
export const AWS_OUTCOMES = ['ok', 'throttled', 'client_error', 'server_error', 'network_error'] as const;
export type AwsOutcome = (typeof AWS_OUTCOMES)[number];

/** The AWS APIs ecs-gitops calls (metric label `api`). */
export const AWS_APIS = ['ecs', 'ecr', 'application-autoscaling', 'cloudwatch', 'scheduler', 'ssm', 'cloudformation'] as const;
export type AwsApi = (typeof AWS_APIS)[number];

export interface AwsRequestEvent {
  readonly api: AwsApi;
  readonly operation: string;
  readonly outcome: AwsOutcome;
  readonly durationSeconds: number;
  /** AWS error name (e.g. ThrottlingException) when the call failed. */
  readonly errorName?: string;
}

/** Observability hook: called once per AWS request, after it settles. */
export type AwsRequestObserver = (event: AwsRequestEvent) => void;
