/**
 * ECS service operations: create, update, delete, describe, list. Applies
 * the service defaults real ECS fills in (deploymentConfiguration, LATEST
 * platform version, DISABLED public IP, the cluster's default capacity
 * provider strategy, full task definition ARNs) and ECS's lifecycle and
 * validation rules.
 */
import { clientException, invalidParameter, serviceNotActive, serviceNotFound } from './api-error.js';
import { nameFromIdentifier, serviceArn } from './arn.js';
import { findCluster } from './ecs-clusters.js';
import { resolveTaskDefinition } from './ecs-task-definitions.js';
import {
  epochSeconds, isObject, optArray, optBoolean, optNumber, optObject, optString, optStringArray,
  type Json, type JsonObject,
} from './json-input.js';
import type { OpContext } from './op-context.js';
import { paginate } from './pagination.js';
import { addEvent, DEPLOYMENT_FIELDS, deploymentTaskCounts, markBusy, startDeployment, type RolloutDeps } from './rollout.js';
import { checkServiceRequest } from './server-side-rules.js';
import { currentServiceDeployment, currentServiceRevisions, forgetServiceDeployments, strategyOf } from './service-deployments.js';
import type { ClusterRecord, DeploymentRecord, RegionState, ServiceRecord, TaskDefinitionRecord } from './state.js';
import { addTags, parseTags, tagList } from './tags.js';

const SERVICE_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
const PASSTHROUGH_FIELDS = [
  'loadBalancers', 'serviceRegistries', 'placementConstraints', 'placementStrategy', 'serviceConnectConfiguration',
  'volumeConfigurations', 'vpcLatticeConfigurations', 'availabilityZoneRebalancing',
] as const;
const LIST_DEFAULTS: readonly string[] = ['loadBalancers', 'serviceRegistries', 'placementConstraints', 'placementStrategy'];
/** ECS's default for ServiceManagedEBSVolumeConfiguration.filesystemType, filled in when not given. */
const DEFAULT_EBS_FILESYSTEM = 'xfs';

/** The rollout dependencies ride along on the context: ops never build their own. */
export type ServiceOpContext = OpContext & { readonly rollout: RolloutDeps };

export function findService(cluster: ClusterRecord, identifier: string): ServiceRecord | undefined {
  return cluster.services.get(nameFromIdentifier(identifier));
}

export function isFargate(launchType: string | undefined, strategy: Json[] | undefined): boolean {
  if (launchType === 'FARGATE') return true;
  return (strategy ?? []).some((s) => isObject(s) && typeof s.capacityProvider === 'string' && s.capacityProvider.startsWith('FARGATE'));
}

export function networkModeOf(td: TaskDefinitionRecord): string {
  return typeof td.body.networkMode === 'string' ? td.body.networkMode : 'bridge';
}

export function normalizeNetwork(raw: JsonObject | undefined, td: TaskDefinitionRecord): JsonObject | undefined {
  const mode = networkModeOf(td);
  if (!raw) {
    if (mode === 'awsvpc') throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    return undefined;
  }
  if (mode !== 'awsvpc') throw invalidParameter('Network Configuration is not valid for the given networkMode of this task definition.');
  const vpc = optObject(raw, 'awsvpcConfiguration');
  if (!vpc) throw invalidParameter('awsvpcConfiguration can not be null.');
  const subnets = optStringArray(vpc, 'subnets') ?? [];
  if (subnets.length === 0) throw invalidParameter('subnets can not be empty.');
  if (subnets.length > 16) throw invalidParameter('subnets can have at most 16 items.');
  const securityGroups = optStringArray(vpc, 'securityGroups');
  if (securityGroups && securityGroups.length > 5) throw invalidParameter('securityGroups can have at most 5 items.');
  const assignPublicIp = optString(vpc, 'assignPublicIp') ?? 'DISABLED';
  if (assignPublicIp !== 'ENABLED' && assignPublicIp !== 'DISABLED') throw invalidParameter(`Invalid assignPublicIp: ${assignPublicIp}`);
  // ECS does not keep the order given (they are sets): returning them sorted shows a naive comparer that.
  const out: JsonObject = { subnets: [...subnets].sort(), assignPublicIp };
  if (securityGroups) out.securityGroups = [...securityGroups].sort();
  return { awsvpcConfiguration: out };
}

/** How a CreateService or RunTask request launches its tasks, checked as ECS checks it (both calls share these rules). */
export interface ResolvedLaunch {
  readonly launchType: string | undefined;
  readonly strategy: Json[] | undefined;
  readonly fargate: boolean;
  readonly platformVersion: string | undefined;
  readonly networkConfiguration: JsonObject | undefined;
}

export function resolveLaunch(cluster: ClusterRecord, td: TaskDefinitionRecord, input: JsonObject): ResolvedLaunch {
  let launchType = optString(input, 'launchType');
  let strategy = optArray(input, 'capacityProviderStrategy');
  if (launchType && strategy && strategy.length > 0) {
    throw invalidParameter('Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.');
  }
  if (launchType && !['EC2', 'FARGATE', 'EXTERNAL'].includes(launchType)) throw invalidParameter(`Invalid launchType: ${launchType}`);
  if (!launchType && (!strategy || strategy.length === 0)) {
    // The cluster's default strategy applies to requests that set neither.
    if (cluster.defaultCapacityProviderStrategy.length > 0) strategy = cluster.defaultCapacityProviderStrategy;
    else launchType = 'EC2';
  }
  if (strategy && strategy.length === 0) strategy = undefined;
  const fargate = isFargate(launchType, strategy);
  const compat = Array.isArray(td.body.compatibilities) ? td.body.compatibilities : [];
  if (fargate && (networkModeOf(td) !== 'awsvpc' || !compat.includes('FARGATE'))) {
    throw invalidParameter('Task definition does not support launch_type FARGATE.');
  }
  const platformVersion = optString(input, 'platformVersion');
  if (platformVersion && !fargate) throw invalidParameter('The platform version must be null when specifying an EC2 launch type.');
  const networkConfiguration = normalizeNetwork(optObject(input, 'networkConfiguration'), td);
  return { launchType, strategy, fargate, platformVersion, networkConfiguration };
}

function defaultDeploymentConfiguration(scheduling: string): JsonObject {
  return {
    deploymentCircuitBreaker: { enable: false, rollback: false },
    maximumPercent: scheduling === 'DAEMON' ? 100 : 200,
    minimumHealthyPercent: scheduling === 'DAEMON' ? 0 : 100,
  };
}

function mergeDeploymentConfiguration(base: JsonObject, given: JsonObject | undefined): JsonObject {
  if (!given) return base;
  const out: JsonObject = { ...base, ...given };
  const cb = given.deploymentCircuitBreaker;
  if (cb !== undefined) {
    if (!isObject(cb) || typeof cb.enable !== 'boolean' || typeof cb.rollback !== 'boolean') {
      throw invalidParameter('deploymentCircuitBreaker requires both enable and rollback.');
    }
    out.deploymentCircuitBreaker = { enable: cb.enable, rollback: cb.rollback };
  }
  for (const key of ['maximumPercent', 'minimumHealthyPercent'] as const) {
    const v = out[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalidParameter(`${key} must be a non-negative integer.`);
  }
  if ((out.minimumHealthyPercent as number) > (out.maximumPercent as number)) {
    throw invalidParameter('minimumHealthyPercent must not be greater than maximumPercent.');
  }
  return out;
}

/** Container name -> the containerPorts its portMappings expose. */
function containerPorts(td: TaskDefinitionRecord): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const c of Array.isArray(td.body.containerDefinitions) ? td.body.containerDefinitions : []) {
    if (!isObject(c) || typeof c.name !== 'string') continue;
    const ports = new Set<number>();
    for (const m of Array.isArray(c.portMappings) ? c.portMappings : []) {
      if (isObject(m) && typeof m.containerPort === 'number') ports.add(m.containerPort);
    }
    out.set(c.name, ports);
  }
  return out;
}

/**
 * ECS checks at CreateService/UpdateService that each load balancer and
 * service registry names a container of the task definition and a port that
 * container maps, with these messages (docs/ecs-facts.md).
 */
function checkContainerReferences(td: TaskDefinitionRecord, fields: JsonObject): void {
  const ports = containerPorts(td);
  for (const lb of Array.isArray(fields.loadBalancers) ? fields.loadBalancers : []) {
    if (!isObject(lb) || typeof lb.containerName !== 'string') continue;
    const mapped = ports.get(lb.containerName);
    if (!mapped) throw invalidParameter(`The container ${lb.containerName} does not exist in the task definition.`);
    if (typeof lb.containerPort === 'number' && !mapped.has(lb.containerPort)) {
      throw invalidParameter(`The container ${lb.containerName} did not have a container port ${lb.containerPort} defined.`);
    }
  }
  for (const registry of Array.isArray(fields.serviceRegistries) ? fields.serviceRegistries : []) {
    if (!isObject(registry) || typeof registry.containerName !== 'string') continue;
    const arn = typeof registry.registryArn === 'string' ? registry.registryArn : '';
    const mapped = ports.get(registry.containerName);
    if (!mapped) {
      throw invalidParameter(`The container ${registry.containerName} is not valid. The value for 'containerName' must already be specified in the task definition. Registry: ${arn}`);
    }
    if (typeof registry.containerPort === 'number' && !mapped.has(registry.containerPort)) {
      throw invalidParameter(`The container ${registry.containerName} did not have a container port ${registry.containerPort} defined. Registry: ${arn}`);
    }
  }
}

/**
 * What the sandbox cannot run: a BLUE_GREEN, LINEAR or CANARY service whose
 * load balancer has no alternate target group and production listener rule
 * to shift traffic between (loadBalancers[].advancedConfiguration). ECS's
 * other server-side rules are checkServiceRequest's (server-side-rules.ts).
 * A service without a load balancer is headless: ECS runs the stages and
 * shifts no traffic (docs/ecs-facts.md#service-deployments).
 */
function checkStrategyCanRun(deploymentConfiguration: JsonObject, fields: JsonObject): void {
  const strategy = strategyOf(deploymentConfiguration);
  if (strategy === 'ROLLING') return;
  for (const lb of Array.isArray(fields.loadBalancers) ? fields.loadBalancers : []) {
    const advanced = isObject(lb) && isObject(lb.advancedConfiguration) ? lb.advancedConfiguration : undefined;
    if (typeof advanced?.alternateTargetGroupArn !== 'string' || typeof advanced.productionListenerRule !== 'string') {
      throw invalidParameter(
        `The ${strategy} deployment strategy requires advancedConfiguration with alternateTargetGroupArn and productionListenerRule on each load balancer.`,
      );
    }
  }
}

function checkDesired(value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw invalidParameter('desiredCount must be a non-negative integer.');
}

export function requireTaskDefinition(state: RegionState, identifier: string): TaskDefinitionRecord {
  const td = resolveTaskDefinition(state, identifier);
  if (!td) throw clientException('TaskDefinition not found.');
  if (td.status !== 'ACTIVE') throw clientException(`TaskDefinition is inactive: ${td.arn}`);
  return td;
}

function deploymentView(svc: ServiceRecord, d: DeploymentRecord): JsonObject {
  const { running, pending } = deploymentTaskCounts(svc, d.id);
  const view: JsonObject = {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinitionArn,
    desiredCount: d.desiredCount,
    pendingCount: pending,
    runningCount: running,
    failedTasks: d.failedTasks,
    createdAt: epochSeconds(d.createdAt),
    updatedAt: epochSeconds(d.updatedAt),
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
  };
  if (d.launchType) view.launchType = d.launchType;
  if (d.capacityProviderStrategy) view.capacityProviderStrategy = d.capacityProviderStrategy;
  if (d.platformVersion) view.platformVersion = d.platformVersion;
  if (d.platformFamily) view.platformFamily = d.platformFamily;
  if (d.networkConfiguration) view.networkConfiguration = d.networkConfiguration;
  if (d.configurations) Object.assign(view, d.configurations);
  return view;
}

export function serviceView(ctx: OpContext, svc: ServiceRecord, includeTags: boolean): JsonObject {
  let running = 0;
  let pending = 0;
  for (const t of svc.tasks.values()) {
    if (t.lastStatus === 'RUNNING') running++;
    else if (t.lastStatus === 'PENDING') pending++;
  }
  const view: JsonObject = {
    serviceArn: svc.arn,
    serviceName: svc.name,
    clusterArn: svc.cluster.arn,
    status: svc.status,
    desiredCount: svc.desiredCount,
    runningCount: running,
    pendingCount: pending,
  };
  if (svc.launchType) view.launchType = svc.launchType;
  if (svc.capacityProviderStrategy) view.capacityProviderStrategy = svc.capacityProviderStrategy;
  if (svc.platformVersion) view.platformVersion = svc.platformVersion;
  if (svc.platformFamily) view.platformFamily = svc.platformFamily;
  Object.assign(view, {
    taskDefinition: svc.taskDefinitionArn,
    deploymentConfiguration: svc.deploymentConfiguration,
    deployments: svc.deployments.map((d) => deploymentView(svc, d)),
    events: svc.events,
    createdAt: epochSeconds(svc.createdAt),
  });
  const current = currentServiceDeployment(svc);
  if (current) view.currentServiceDeployment = current.arn;
  if (svc.deployments.length > 0) view.currentServiceRevisions = currentServiceRevisions(ctx.state, svc);
  for (const key of LIST_DEFAULTS) view[key] = [];
  for (const [key, value] of Object.entries(svc.passthrough)) if (!(DEPLOYMENT_FIELDS as readonly string[]).includes(key)) view[key] = value;
  if (svc.networkConfiguration) view.networkConfiguration = svc.networkConfiguration;
  Object.assign(view, {
    healthCheckGracePeriodSeconds: svc.healthCheckGracePeriodSeconds,
    schedulingStrategy: svc.schedulingStrategy,
    deploymentController: svc.deploymentController,
    createdBy: svc.createdBy,
    enableECSManagedTags: svc.enableECSManagedTags,
    propagateTags: svc.propagateTags,
    enableExecuteCommand: svc.enableExecuteCommand,
  });
  if (includeTags) view.tags = tagList(ctx.state, svc.arn);
  return view;
}

/** ECS stores the volume configured at launch with its defaults filled in (filesystemType xfs). */
function volumeConfigurationsWithDefaults(value: Json): Json {
  if (!Array.isArray(value)) throw invalidParameter('volumeConfigurations must be a list.');
  return value.map((entry) => {
    if (!isObject(entry) || typeof entry.name !== 'string' || entry.name === '') throw invalidParameter('volumeConfigurations name can not be blank.');
    const ebs = entry.managedEBSVolume;
    if (!isObject(ebs)) return entry;
    return { ...entry, managedEBSVolume: { ...ebs, filesystemType: ebs.filesystemType ?? DEFAULT_EBS_FILESYSTEM } };
  });
}

/**
 * PlacementStrategy.field as ECS stores it: binpack's `cpu`/`memory` in upper
 * case (any case accepted), spread's `host` as `instanceId` (docs/ecs-facts.md).
 */
function placementStrategyAsStored(value: Json): Json {
  if (!Array.isArray(value)) return value;
  return value.map((entry) => {
    if (!isObject(entry) || typeof entry.field !== 'string') return entry;
    const field = entry.field;
    if (entry.type === 'binpack' && ['cpu', 'memory'].includes(field.toLowerCase())) return { ...entry, field: field.toUpperCase() };
    if (entry.type === 'spread' && ['host', 'instanceid'].includes(field.toLowerCase())) return { ...entry, field: 'instanceId' };
    return entry;
  });
}

/** The passthrough fields of `input` as ECS stores them (only the keys given). */
function passthroughUpdates(input: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of PASSTHROUGH_FIELDS) {
    const v = input[key];
    if (v === undefined || v === null) continue;
    if (key === 'volumeConfigurations') out[key] = volumeConfigurationsWithDefaults(v);
    else if (key === 'placementStrategy') out[key] = placementStrategyAsStored(v);
    else out[key] = v;
  }
  return out;
}

/** True when an update changes a field ECS reports per deployment: that starts a new deployment. */
function changesDeploymentFields(svc: ServiceRecord, updates: JsonObject): boolean {
  return DEPLOYMENT_FIELDS.some((key) => updates[key] !== undefined && JSON.stringify(updates[key]) !== JSON.stringify(svc.passthrough[key]));
}

export function createService(ctx: ServiceOpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  checkServiceRequest(input, 'CreateService');
  const cluster = findCluster(ctx.state, optString(input, 'cluster'));
  const name = optString(input, 'serviceName');
  if (!name) throw invalidParameter('serviceName can not be blank.');
  if (!SERVICE_NAME.test(name)) {
    throw invalidParameter('Service name must be 1 to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.');
  }
  const existing = cluster.services.get(name);
  if (existing && existing.status !== 'INACTIVE') throw invalidParameter('Creation of service was not idempotent.');

  const controller = optObject(input, 'deploymentController') ?? { type: 'ECS' };
  const tdId = optString(input, 'taskDefinition');
  if (!tdId) throw invalidParameter('TaskDefinition can not be blank.');
  const td = requireTaskDefinition(ctx.state, tdId);

  const { launchType, strategy, fargate, platformVersion, networkConfiguration } = resolveLaunch(cluster, td, input);
  const scheduling = optString(input, 'schedulingStrategy') ?? 'REPLICA';
  if (scheduling !== 'REPLICA' && scheduling !== 'DAEMON') throw invalidParameter(`Invalid schedulingStrategy: ${scheduling}`);
  if (scheduling === 'DAEMON' && fargate) throw invalidParameter('Fargate does not support the DAEMON scheduling strategy.');
  const desiredCount = optNumber(input, 'desiredCount');
  checkDesired(desiredCount);
  const propagateTags = optString(input, 'propagateTags') ?? 'NONE';
  if (!['NONE', 'SERVICE', 'TASK_DEFINITION'].includes(propagateTags)) throw invalidParameter(`Invalid propagateTags: ${propagateTags}`);
  const tags = parseTags(input.tags);
  const passthrough = passthroughUpdates(input);
  checkContainerReferences(td, passthrough);
  const deploymentConfiguration = mergeDeploymentConfiguration(defaultDeploymentConfiguration(scheduling), optObject(input, 'deploymentConfiguration'));
  checkStrategyCanRun(deploymentConfiguration, passthrough);

  if (existing) forget(ctx.state, existing);
  const arn = serviceArn(ctx.state.region, ctx.state.account, cluster.name, name);
  const svc: ServiceRecord = {
    name,
    arn,
    cluster,
    status: 'ACTIVE',
    desiredCount: desiredCount ?? 0,
    taskDefinitionArn: td.arn,
    deploymentConfiguration,
    schedulingStrategy: scheduling,
    deploymentController: controller,
    propagateTags,
    enableECSManagedTags: optBoolean(input, 'enableECSManagedTags') ?? false,
    enableExecuteCommand: optBoolean(input, 'enableExecuteCommand') ?? false,
    healthCheckGracePeriodSeconds: optNumber(input, 'healthCheckGracePeriodSeconds') ?? 0,
    passthrough: {},
    createdAt: ctx.now,
    createdBy: `arn:aws:iam::${ctx.state.account}:root`,
    deployments: [],
    events: [],
    tasks: new Map(),
    nextStepAt: Infinity,
  };
  if (launchType) svc.launchType = launchType;
  if (strategy) svc.capacityProviderStrategy = strategy;
  if (fargate) {
    svc.platformVersion = platformVersion ?? 'LATEST';
    svc.platformFamily = 'Linux';
  }
  if (networkConfiguration) svc.networkConfiguration = networkConfiguration;
  const role = optString(input, 'role');
  if (role) svc.passthrough.roleArn = role.startsWith('arn:') ? role : `arn:aws:iam::${ctx.state.account}:role/${role}`;
  Object.assign(svc.passthrough, passthrough);
  cluster.services.set(name, svc);
  addTags(ctx.state, arn, tags);
  startDeployment(ctx.state, svc, ctx.now, ctx.rollout);
  return { service: serviceView(ctx, svc, false) };
}

function forget(state: RegionState, svc: ServiceRecord): void {
  forgetServiceDeployments(state, svc);
  svc.cluster.services.delete(svc.name);
  svc.nextStepAt = Infinity;
  state.tags.delete(svc.arn);
  for (const t of svc.tasks.values()) state.taskIndex.delete(t.arn);
}

export function updateService(ctx: ServiceOpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const cluster = findCluster(ctx.state, optString(input, 'cluster'));
  const id = optString(input, 'service');
  if (!id) throw invalidParameter('service can not be blank.');
  const svc = findService(cluster, id);
  if (!svc) throw serviceNotFound();
  if (svc.status !== 'ACTIVE') throw serviceNotActive();
  // A partial update is judged together with what the service keeps (a load balancer sent alone to a BLUE_GREEN service).
  checkServiceRequest(input, 'UpdateService', svc);
  return applyServiceUpdate(ctx, svc, input);
}

/** Shared by UpdateService and the admin API's console-style mutations. */
export function applyServiceUpdate(ctx: ServiceOpContext, svc: ServiceRecord, input: JsonObject): JsonObject {
  let redeploy = optBoolean(input, 'forceNewDeployment') ?? false;
  const tdId = optString(input, 'taskDefinition');
  let td = ctx.state.taskDefinitionsByArn.get(svc.taskDefinitionArn);
  if (tdId !== undefined) {
    td = requireTaskDefinition(ctx.state, tdId);
  }
  const desiredCount = optNumber(input, 'desiredCount');
  checkDesired(desiredCount);
  const given = optObject(input, 'networkConfiguration');
  let networkConfiguration = svc.networkConfiguration;
  if (td && (given || tdId !== undefined)) networkConfiguration = normalizeNetwork(given ?? svc.networkConfiguration, td);
  const deploymentConfiguration = mergeDeploymentConfiguration(svc.deploymentConfiguration, optObject(input, 'deploymentConfiguration'));
  const strategy = optArray(input, 'capacityProviderStrategy');
  const platformVersion = optString(input, 'platformVersion');
  const propagateTags = optString(input, 'propagateTags');
  if (propagateTags !== undefined && !['NONE', 'SERVICE', 'TASK_DEFINITION'].includes(propagateTags)) throw invalidParameter(`Invalid propagateTags: ${propagateTags}`);
  if (platformVersion !== undefined && !isFargate(svc.launchType, strategy ?? svc.capacityProviderStrategy)) {
    throw invalidParameter('The platform version must be null when specifying an EC2 launch type.');
  }
  const passthrough = passthroughUpdates(input);
  if (td && (tdId !== undefined || passthrough.loadBalancers !== undefined || passthrough.serviceRegistries !== undefined)) {
    checkContainerReferences(td, { ...svc.passthrough, ...passthrough });
  }
  checkStrategyCanRun(deploymentConfiguration, { ...svc.passthrough, ...passthrough });

  // All checks passed: apply.
  if (td && td.arn !== svc.taskDefinitionArn) {
    svc.taskDefinitionArn = td.arn;
    redeploy = true;
  }
  if (JSON.stringify(networkConfiguration) !== JSON.stringify(svc.networkConfiguration)) {
    if (networkConfiguration) svc.networkConfiguration = networkConfiguration;
    else delete svc.networkConfiguration;
    redeploy = true;
  }
  if (strategy && strategy.length > 0) {
    svc.capacityProviderStrategy = strategy;
    delete svc.launchType;
    if (isFargate(undefined, strategy)) {
      svc.platformVersion ??= 'LATEST';
      svc.platformFamily ??= 'Linux';
    }
    redeploy = true;
  }
  if (platformVersion !== undefined && platformVersion !== svc.platformVersion) {
    svc.platformVersion = platformVersion;
    redeploy = true;
  }
  svc.deploymentConfiguration = deploymentConfiguration;
  if (propagateTags !== undefined) svc.propagateTags = propagateTags;
  const managed = optBoolean(input, 'enableECSManagedTags');
  if (managed !== undefined) svc.enableECSManagedTags = managed;
  const exec = optBoolean(input, 'enableExecuteCommand');
  if (exec !== undefined) svc.enableExecuteCommand = exec;
  const grace = optNumber(input, 'healthCheckGracePeriodSeconds');
  if (grace !== undefined) svc.healthCheckGracePeriodSeconds = grace;
  if (changesDeploymentFields(svc, passthrough)) redeploy = true;
  Object.assign(svc.passthrough, passthrough);
  if (desiredCount !== undefined) svc.desiredCount = desiredCount;
  if (redeploy) startDeployment(ctx.state, svc, ctx.now, ctx.rollout);
  else markBusy(ctx.state, svc, ctx.now);
  return { service: serviceView(ctx, svc, false) };
}

export function deleteService(ctx: ServiceOpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const cluster = findCluster(ctx.state, optString(input, 'cluster'));
  const id = optString(input, 'service');
  if (!id) throw invalidParameter('service can not be blank.');
  const svc = findService(cluster, id);
  if (!svc) throw serviceNotFound();
  if (svc.status !== 'ACTIVE') throw serviceNotActive();
  const force = optBoolean(input, 'force') ?? false;
  if (svc.desiredCount > 0 && !force) throw invalidParameter('The service cannot be stopped while it is scaled above 0.');
  svc.status = 'DRAINING';
  svc.desiredCount = 0;
  addEvent(svc, ctx.now, 'has begun draining.', ctx.rollout.newId);
  markBusy(ctx.state, svc, ctx.now);
  return { service: serviceView(ctx, svc, false) };
}

export function describeServices(ctx: OpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const cluster = findCluster(ctx.state, optString(input, 'cluster'));
  const ids = optStringArray(input, 'services');
  if (!ids || ids.length === 0) throw invalidParameter('services can not be empty.');
  if (ids.length > 10) throw invalidParameter('service names can have at most 10 items.');
  const includeTags = (optStringArray(input, 'include') ?? []).includes('TAGS');
  const services: JsonObject[] = [];
  const failures: JsonObject[] = [];
  for (const id of ids) {
    const svc = findService(cluster, id);
    if (svc) services.push(serviceView(ctx, svc, includeTags));
    else failures.push({ arn: id.startsWith('arn:') ? id : serviceArn(ctx.state.region, ctx.state.account, cluster.name, id), reason: 'MISSING' });
  }
  return { services, failures };
}

export function listServices(ctx: OpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const cluster = findCluster(ctx.state, optString(input, 'cluster'));
  const launchType = optString(input, 'launchType');
  const scheduling = optString(input, 'schedulingStrategy');
  const arns: string[] = [];
  for (const svc of cluster.services.values()) {
    if (svc.status !== 'ACTIVE') continue;
    if (launchType && svc.launchType !== launchType) continue;
    if (scheduling && svc.schedulingStrategy !== scheduling) continue;
    arns.push(svc.arn);
  }
  const page = paginate('ListServices', arns, optNumber(input, 'maxResults'), optString(input, 'nextToken'), { min: 1, max: 100, default: 10 });
  return page.nextToken ? { serviceArns: page.items, nextToken: page.nextToken } : { serviceArns: page.items };
}

