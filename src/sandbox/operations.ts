/** The operation tables: wire name -> implementation, for ECS and ECR. */
import * as clusters from './ecs-clusters.js';
import * as services from './ecs-services.js';
import * as tags from './ecs-tags.js';
import * as tasks from './ecs-tasks.js';
import * as taskDefinitions from './ecs-task-definitions.js';
import * as ecr from './ecr.js';
import type { ServiceOpContext } from './ecs-services.js';
import type { JsonObject } from './json-input.js';

export type OperationImpl = (ctx: ServiceOpContext, input: JsonObject) => JsonObject;

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';

export const ECS_OPERATIONS: Readonly<Record<string, OperationImpl>> = {
  CreateCluster: clusters.createCluster,
  DescribeClusters: clusters.describeClusters,
  ListClusters: clusters.listClusters,
  UpdateCluster: clusters.updateCluster,
  DeleteCluster: clusters.deleteCluster,
  PutClusterCapacityProviders: clusters.putClusterCapacityProviders,
  RegisterTaskDefinition: taskDefinitions.registerTaskDefinition,
  DescribeTaskDefinition: taskDefinitions.describeTaskDefinition,
  ListTaskDefinitions: taskDefinitions.listTaskDefinitions,
  ListTaskDefinitionFamilies: taskDefinitions.listTaskDefinitionFamilies,
  DeregisterTaskDefinition: taskDefinitions.deregisterTaskDefinition,
  CreateService: services.createService,
  UpdateService: services.updateService,
  DeleteService: services.deleteService,
  DescribeServices: services.describeServices,
  ListServices: services.listServices,
  ListTasks: tasks.listTasks,
  DescribeTasks: tasks.describeTasks,
  TagResource: tags.tagResource,
  UntagResource: tags.untagResource,
  ListTagsForResource: tags.listTagsForResource,
};

export const ECR_OPERATIONS: Readonly<Record<string, OperationImpl>> = {
  CreateRepository: ecr.createRepository,
  DescribeRepositories: ecr.describeRepositories,
  PutImage: ecr.putImage,
  DescribeImages: ecr.describeImages,
  BatchGetImage: ecr.batchGetImage,
  SetRepositoryPolicy: ecr.setRepositoryPolicy,
  GetRepositoryPolicy: ecr.getRepositoryPolicy,
};
