/**
 * The operation tables: wire name -> implementation, for ECS, ECR, Application
 * Auto Scaling, CloudWatch, EventBridge Scheduler, STS, SSM Parameter Store, CloudFormation and SNS.
 */
import * as clusters from './ecs-clusters.js';
import * as services from './ecs-services.js';
import * as tags from './ecs-tags.js';
import * as tasks from './ecs-tasks.js';
import * as runTasks from './ecs-run-task.js';
import * as taskDefinitions from './ecs-task-definitions.js';
import * as ecr from './ecr.js';
import * as aas from './application-autoscaling.js';
import * as capacityProviders from './ecs-capacity-providers.js';
import * as cloudwatch from './cloudwatch.js';
import * as scheduler from './scheduler.js';
import * as sts from './sts.js';
import * as ssm from './ssm.js';
import * as cloudformation from './cloudformation.js';
import * as sns from './sns.js';
import * as serviceDeployments from './service-deployments.js';
import type { ServiceOpContext } from './ecs-services.js';
import type { JsonObject } from './json-input.js';

export type OperationImpl = (ctx: ServiceOpContext, input: JsonObject) => JsonObject;

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
export const AAS_TARGET_PREFIX = 'AnyScaleFrontendService.';
/** CloudWatch's JSON 1.0 target prefix, and its service name in the rpc-v2-cbor path. */
export const CLOUDWATCH_SERVICE = 'GraniteServiceVersion20100801';
export const CLOUDWATCH_TARGET_PREFIX = `${CLOUDWATCH_SERVICE}.`;
export const SSM_TARGET_PREFIX = 'AmazonSSM.';

/** Which API an operation belongs to (the tables below, one each). */
export type SandboxApi = 'ecs' | 'ecr' | 'application-autoscaling' | 'cloudwatch' | 'scheduler' | 'sts' | 'ssm' | 'cloudformation' | 'sns';

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
  ListServiceDeployments: serviceDeployments.listServiceDeployments,
  DescribeServiceDeployments: serviceDeployments.describeServiceDeployments,
  StopServiceDeployment: serviceDeployments.stopServiceDeployment,
  ContinueServiceDeployment: serviceDeployments.continueServiceDeployment,
  ListTasks: tasks.listTasks,
  DescribeTasks: tasks.describeTasks,
  RunTask: runTasks.runTask,
  StopTask: runTasks.stopTask,
  TagResource: tags.tagResource,
  UntagResource: tags.untagResource,
  ListTagsForResource: tags.listTagsForResource,
  CreateCapacityProvider: capacityProviders.createCapacityProvider,
  UpdateCapacityProvider: capacityProviders.updateCapacityProvider,
  DeleteCapacityProvider: capacityProviders.deleteCapacityProvider,
  DescribeCapacityProviders: capacityProviders.describeCapacityProviders,
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

export const AAS_OPERATIONS: Readonly<Record<string, OperationImpl>> = {
  RegisterScalableTarget: aas.registerScalableTarget,
  DeregisterScalableTarget: aas.deregisterScalableTarget,
  DescribeScalableTargets: aas.describeScalableTargets,
  PutScalingPolicy: aas.putScalingPolicy,
  DeleteScalingPolicy: aas.deleteScalingPolicy,
  DescribeScalingPolicies: aas.describeScalingPolicies,
  PutScheduledAction: aas.putScheduledAction,
  DeleteScheduledAction: aas.deleteScheduledAction,
  DescribeScheduledActions: aas.describeScheduledActions,
  DescribeScalingActivities: aas.describeScalingActivities,
  TagResource: aas.tagResource,
  UntagResource: aas.untagResource,
  ListTagsForResource: aas.listTagsForResource,
};

export const CLOUDWATCH_OPERATIONS: Readonly<Record<string, OperationImpl>> = {
  PutMetricAlarm: cloudwatch.putMetricAlarm,
  DescribeAlarms: cloudwatch.describeAlarms,
  DeleteAlarms: cloudwatch.deleteAlarms,
  ListTagsForResource: cloudwatch.listTagsForResource,
};

/** EventBridge Scheduler (rest-json; routes in scheduler-rest.ts). */
export const SCHEDULER_OPERATIONS: Readonly<Record<string, OperationImpl>> = {
  CreateSchedule: scheduler.createSchedule,
  GetSchedule: scheduler.getSchedule,
  UpdateSchedule: scheduler.updateSchedule,
  DeleteSchedule: scheduler.deleteSchedule,
  ListSchedules: scheduler.listSchedules,
  CreateScheduleGroup: scheduler.createScheduleGroup,
  GetScheduleGroup: scheduler.getScheduleGroup,
  DeleteScheduleGroup: scheduler.deleteScheduleGroup,
  ListScheduleGroups: scheduler.listScheduleGroups,
  TagResource: scheduler.tagResource,
  UntagResource: scheduler.untagResource,
  ListTagsForResource: scheduler.listTagsForResource,
};

/** STS (query protocol; query-protocol.ts). */
export const STS_OPERATIONS: Readonly<Record<string, OperationImpl>> = {
  AssumeRole: sts.assumeRole,
  GetCallerIdentity: sts.getCallerIdentity,
};

export const SSM_OPERATIONS: Readonly<Record<string, OperationImpl>> = {
  PutParameter: ssm.putParameter,
  GetParameter: ssm.getParameter,
  GetParameters: ssm.getParameters,
  DeleteParameter: ssm.deleteParameter,
};

/** CloudFormation (query protocol): stack outputs only. */
export const CLOUDFORMATION_OPERATIONS: Readonly<Record<string, OperationImpl>> = {
  DescribeStacks: cloudformation.describeStacks,
};

/** SNS (query protocol): topics and Publish; what a topic received is an admin view (sns.ts). */
export const SNS_OPERATIONS: Readonly<Record<string, OperationImpl>> = {
  CreateTopic: sns.createTopic,
  DeleteTopic: sns.deleteTopic,
  ListTopics: sns.listTopics,
  Publish: sns.publish,
};

export const API_OPERATIONS: Readonly<Record<SandboxApi, Readonly<Record<string, OperationImpl>>>> = {
  ecs: ECS_OPERATIONS,
  ecr: ECR_OPERATIONS,
  'application-autoscaling': AAS_OPERATIONS,
  cloudwatch: CLOUDWATCH_OPERATIONS,
  scheduler: SCHEDULER_OPERATIONS,
  sts: STS_OPERATIONS,
  ssm: SSM_OPERATIONS,
  cloudformation: CLOUDFORMATION_OPERATIONS,
  sns: SNS_OPERATIONS,
};
