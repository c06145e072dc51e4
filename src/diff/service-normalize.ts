/**
 * One canonical form for a service's declarable fields, from a manifest `spec`
 * (CreateService field names) or from DescribeServices. ECS defaults are filled
 * in on both sides so that "not written" and "ECS's default" compare equal;
 * see docs/diff.md "Services" for each rule and the ECS behaviour behind it.
 */
import type { CapacityProviderStrategyItem, Service } from '@aws-sdk/client-ecs';
import type { ServiceSpec } from '../manifests/types.js';
import { isObject, toCanonicalJson } from './json.js';
import type { CanonicalService, JsonObject, JsonValue, NormalizeServiceContext } from './types.js';

/** Service fields that a manifest may declare and that DescribeServices reports back. */
const SERVICE_FIELDS = [
  'launchType',
  'capacityProviderStrategy',
  'platformVersion',
  'desiredCount',
  'deploymentConfiguration',
  'networkConfiguration',
  'loadBalancers',
  'serviceRegistries',
  'placementConstraints',
  'placementStrategy',
  'healthCheckGracePeriodSeconds',
  'schedulingStrategy',
  'deploymentController',
  'enableECSManagedTags',
  'propagateTags',
  'enableExecuteCommand',
  'availabilityZoneRebalancing',
] as const;

/** Declared on CreateService but reported only on the PRIMARY deployment, not on the service. */
export const DEPLOYMENT_FIELDS = ['serviceConnectConfiguration', 'volumeConfigurations', 'vpcLatticeConfigurations'] as const;

const FARGATE_PROVIDERS = new Set(['FARGATE', 'FARGATE_SPOT']);

type Mutable = Record<string, JsonValue>;

function isLiveService(svc: ServiceSpec | Service): svc is Service {
  const taskDefinition = (svc as { taskDefinition?: unknown }).taskDefinition;
  return !isObject(taskDefinition);
}

export function normalizeService(svc: ServiceSpec | Service, context: NormalizeServiceContext = {}): CanonicalService {
  const source = svc as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  for (const field of SERVICE_FIELDS) raw[field] = source[field];

  if (isLiveService(svc)) {
    raw.role = svc.roleArn ?? source.role;
    if (svc.taskDefinition) raw.taskDefinition = taskDefinitionRef(svc.taskDefinition);
    const primary = svc.deployments?.find((d) => d.status === 'PRIMARY');
    for (const field of DEPLOYMENT_FIELDS) raw[field] = source[field] ?? primary?.[field];
  } else {
    raw.role = source.role;
    const family = (svc as ServiceSpec).taskDefinition.family;
    if (family) raw.taskDefinition = family;
    for (const field of DEPLOYMENT_FIELDS) raw[field] = source[field];
  }

  const out: Mutable = { ...(toCanonicalJson(raw) as JsonObject) };
  if (out.launchType === '') delete out.launchType;

  const scheduling = typeof out.schedulingStrategy === 'string' ? out.schedulingStrategy : 'REPLICA';
  out.schedulingStrategy = scheduling;

  normalizeLaunch(out, context.clusterDefaultCapacityProviderStrategy);
  out.deploymentConfiguration = normalizeDeploymentConfiguration(out.deploymentConfiguration, scheduling);
  if (isObject(out.networkConfiguration)) out.networkConfiguration = normalizeNetwork(out.networkConfiguration as JsonObject);
  if (Array.isArray(out.placementStrategy)) out.placementStrategy = out.placementStrategy.map(normalizePlacementStrategy);
  if (Array.isArray(out.volumeConfigurations)) out.volumeConfigurations = out.volumeConfigurations.map(normalizeVolumeConfiguration);
  if (typeof out.role === 'string') out.role = roleName(out.role);

  out.propagateTags ??= 'NONE';
  out.enableECSManagedTags ??= false;
  out.enableExecuteCommand ??= false;
  out.healthCheckGracePeriodSeconds ??= 0;
  out.deploymentController ??= { type: 'ECS' };
  return toCanonicalJson(out) as CanonicalService;
}

/** "arn:aws:ecs:eu-west-1:123:task-definition/web:3" -> "web:3"; "web:3" and "web" unchanged. */
export function taskDefinitionRef(value: string): string {
  const marker = ':task-definition/';
  const at = value.indexOf(marker);
  return at >= 0 ? value.slice(at + marker.length) : value;
}

/** "arn:aws:iam::123:role/path/ecsServiceRole", "path/ecsServiceRole" -> "ecsServiceRole". */
function roleName(value: string): string {
  const slash = value.lastIndexOf('/');
  return slash >= 0 ? value.slice(slash + 1) : value;
}

function normalizeLaunch(out: Mutable, clusterDefault: readonly CapacityProviderStrategyItem[] | undefined): void {
  let strategy = Array.isArray(out.capacityProviderStrategy) ? out.capacityProviderStrategy : [];
  if (strategy.length === 0) delete out.capacityProviderStrategy;
  if (out.launchType === undefined && strategy.length === 0 && clusterDefault !== undefined) {
    // Neither set: ECS uses the cluster's default strategy, or EC2 when it has none.
    if (clusterDefault.length > 0) strategy = toCanonicalJson(clusterDefault) as JsonValue[];
    else out.launchType = 'EC2';
  }
  if (strategy.length > 0) {
    out.capacityProviderStrategy = strategy.map((item) =>
      isObject(item) ? { base: 0, weight: 0, ...(item as JsonObject) } : item,
    );
  }
  const fargate =
    out.launchType === 'FARGATE' ||
    strategy.some((item) => isObject(item) && FARGATE_PROVIDERS.has(String(item.capacityProvider)));
  if (fargate) out.platformVersion ??= 'LATEST';
}

function normalizeDeploymentConfiguration(value: JsonValue | undefined, scheduling: string): JsonObject {
  const given: Mutable = isObject(value) ? { ...(value as JsonObject) } : {};
  const daemon = scheduling === 'DAEMON';
  given.maximumPercent ??= daemon ? 100 : 200;
  given.minimumHealthyPercent ??= daemon ? 0 : 100;
  given.deploymentCircuitBreaker = {
    enable: false,
    rollback: false,
    ...(isObject(given.deploymentCircuitBreaker) ? (given.deploymentCircuitBreaker as JsonObject) : {}),
  };
  const alarms = given.alarms;
  if (isObject(alarms) && alarms.enable !== true && alarms.rollback !== true && !hasItems(alarms.alarmNames)) {
    delete given.alarms;
  }
  if (given.strategy === 'ROLLING') delete given.strategy;
  if (Array.isArray(given.lifecycleHooks)) given.lifecycleHooks = given.lifecycleHooks.map(normalizeLifecycleHook);
  return given;
}

/**
 * A lifecycle hook's documented defaults (docs/ecs-facts.md#service-deployments):
 * targetType AWS_LAMBDA, timeoutConfiguration 1440 minutes with action
 * ROLLBACK. Hooks are list entries, compared whole, so a default ECS reports
 * back that the manifest left out would otherwise be drift.
 */
function normalizeLifecycleHook(entry: JsonValue): JsonValue {
  if (!isObject(entry)) return entry;
  const hook: Mutable = { ...(entry as JsonObject) };
  hook.targetType ??= 'AWS_LAMBDA';
  const timeout = isObject(hook.timeoutConfiguration) ? (hook.timeoutConfiguration as JsonObject) : {};
  hook.timeoutConfiguration = { timeoutInMinutes: 1440, action: 'ROLLBACK', ...timeout };
  return hook;
}

function normalizeNetwork(value: JsonObject): JsonObject {
  const vpc = value.awsvpcConfiguration;
  if (!isObject(vpc)) return value;
  const out: Mutable = { ...(vpc as JsonObject) };
  out.assignPublicIp ??= 'DISABLED';
  for (const set of ['subnets', 'securityGroups'] as const) {
    const list = out[set];
    if (Array.isArray(list)) out[set] = [...new Set(list.map(String))].sort();
  }
  return { ...value, awsvpcConfiguration: out };
}

/**
 * ECS accepts binpack's `cpu`/`memory` in any case and returns them in upper
 * case, and stores spread's `host` as `instanceId`: one spelling per meaning.
 */
export function normalizePlacementStrategy(entry: JsonValue): JsonValue {
  if (!isObject(entry) || typeof entry.field !== 'string') return entry;
  const field = entry.field.toLowerCase();
  if (entry.type === 'binpack' && (field === 'cpu' || field === 'memory')) return { ...entry, field };
  if (entry.type === 'spread' && (field === 'host' || field === 'instanceid')) return { ...entry, field: 'instanceId' };
  return entry;
}

/** The gp3 baseline ECS (through EBS) provisions when iops/throughput are not given. */
const GP3_BASELINE = { iops: 3000, throughput: 125 } as const;

/**
 * A volume configured at launch with the defaults ECS documents for
 * ServiceManagedEBSVolumeConfiguration filled in, so writing a default and
 * omitting it compare equal whichever way DescribeServices reports it:
 * filesystemType `xfs`, `encrypted` true, volumeType `gp3` and, for gp3, the
 * 3000 IOPS / 125 MiB/s baseline (docs/diff.md).
 */
export function normalizeVolumeConfiguration(entry: JsonValue): JsonValue {
  if (!isObject(entry) || !isObject(entry.managedEBSVolume)) return entry;
  const ebs: Mutable = { ...(entry.managedEBSVolume as JsonObject) };
  ebs.filesystemType ??= 'xfs';
  ebs.encrypted ??= true;
  ebs.volumeType ??= 'gp3';
  if (ebs.volumeType === 'gp3') {
    ebs.iops ??= GP3_BASELINE.iops;
    ebs.throughput ??= GP3_BASELINE.throughput;
  }
  return { ...entry, managedEBSVolume: ebs };
}

function hasItems(value: JsonValue | undefined): boolean {
  return Array.isArray(value) && value.length > 0;
}
