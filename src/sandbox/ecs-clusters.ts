/** ECS cluster operations: create, describe, list, update, capacity providers. */
import { SandboxApiError, clusterNotFound, invalidParameter } from './api-error.js';
import { clusterArn, nameFromIdentifier } from './arn.js';
import { liveStandaloneCounts } from './ecs-run-task.js';
import { checkProvidersExist, checkProvidersNotInUse } from './ecs-capacity-providers.js';
import { optArray, optNumber, optObject, optString, optStringArray, type Json, type JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import { paginate } from './pagination.js';
import type { ClusterRecord, RegionState } from './state.js';
import { addTags, parseTags, tagList } from './tags.js';

const CLUSTER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;
/** CreateCluster and UpdateCluster answer with the whole cluster, configuration included. */
const WRITE_RESPONSE_INCLUDES = ['TAGS', 'CONFIGURATIONS'] as const;

export function findCluster(state: RegionState, identifier: string | undefined): ClusterRecord {
  const name = nameFromIdentifier(identifier ?? 'default');
  const cluster = state.clusters.get(name);
  if (!cluster || cluster.status !== 'ACTIVE') throw clusterNotFound();
  return cluster;
}

function clusterView(ctx: OpContext, cluster: ClusterRecord, include: readonly string[]): JsonObject {
  let active = 0;
  let running = 0;
  let pending = 0;
  for (const s of cluster.services.values()) {
    if (s.status === 'ACTIVE') active++;
    for (const t of s.tasks.values()) {
      if (t.lastStatus === 'RUNNING') running++;
      else if (t.lastStatus === 'PENDING') pending++;
    }
  }
  const oneOff = liveStandaloneCounts(cluster.standaloneTasks);
  running += oneOff.running;
  pending += oneOff.pending;
  const view: JsonObject = {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: cluster.status,
    registeredContainerInstancesCount: 0,
    runningTasksCount: running,
    pendingTasksCount: pending,
    activeServicesCount: active,
    statistics: [],
    tags: include.includes('TAGS') ? tagList(ctx.state, cluster.arn) : [],
    settings: cluster.settings,
    capacityProviders: cluster.capacityProviders,
    defaultCapacityProviderStrategy: cluster.defaultCapacityProviderStrategy,
  };
  // As in ECS: DescribeClusters shows the configuration only when asked for it, so a reader that forgets to ask sees none.
  if (cluster.configuration && include.includes('CONFIGURATIONS')) view.configuration = cluster.configuration;
  if (cluster.serviceConnectDefaults) view.serviceConnectDefaults = cluster.serviceConnectDefaults;
  return view;
}

function checkStrategy(strategy: Json[] | undefined, providers: readonly string[]): Json[] {
  for (const item of strategy ?? []) {
    const provider = typeof item === 'object' && item !== null && !Array.isArray(item) ? item.capacityProvider : undefined;
    if (typeof provider !== 'string' || !providers.includes(provider)) {
      throw invalidParameter(`The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.`);
    }
  }
  return strategy ?? [];
}

export function createCluster(ctx: OpContext, input: JsonObject): JsonObject {
  const name = optString(input, 'clusterName') ?? 'default';
  if (!CLUSTER_NAME.test(name)) {
    throw invalidParameter('Cluster name must be 1 to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.');
  }
  const existing = ctx.state.clusters.get(name);
  if (existing && existing.status === 'ACTIVE') return { cluster: clusterView(ctx, existing, WRITE_RESPONSE_INCLUDES) };
  const capacityProviders = optStringArray(input, 'capacityProviders') ?? [];
  checkProvidersExist(ctx.state, capacityProviders);
  const cluster: ClusterRecord = {
    name,
    arn: clusterArn(ctx.state.region, ctx.state.account, name),
    status: 'ACTIVE',
    settings: optArray(input, 'settings') ?? [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders,
    defaultCapacityProviderStrategy: checkStrategy(optArray(input, 'defaultCapacityProviderStrategy'), capacityProviders),
    services: new Map(),
  };
  const configuration = optObject(input, 'configuration');
  if (configuration) cluster.configuration = configuration;
  const scd = optObject(input, 'serviceConnectDefaults');
  if (scd && scd.namespace !== '') cluster.serviceConnectDefaults = scd;
  const tags = parseTags(input.tags);
  ctx.state.tags.delete(cluster.arn);
  ctx.state.clusters.set(name, cluster);
  addTags(ctx.state, cluster.arn, tags);
  return { cluster: clusterView(ctx, cluster, WRITE_RESPONSE_INCLUDES) };
}

export function describeClusters(ctx: OpContext, input: JsonObject): JsonObject {
  ctx.settle(ctx.state);
  const ids = optStringArray(input, 'clusters') ?? ['default'];
  if (ids.length > 100) throw invalidParameter('clusters can have at most 100 items.');
  const include = optStringArray(input, 'include') ?? [];
  const clusters: JsonObject[] = [];
  const failures: JsonObject[] = [];
  for (const id of ids) {
    const cluster = ctx.state.clusters.get(nameFromIdentifier(id));
    if (cluster) clusters.push(clusterView(ctx, cluster, include));
    else failures.push({ arn: id.startsWith('arn:') ? id : clusterArn(ctx.state.region, ctx.state.account, id), reason: 'MISSING' });
  }
  return { clusters, failures };
}

export function listClusters(ctx: OpContext, input: JsonObject): JsonObject {
  const arns = [...ctx.state.clusters.values()].filter((c) => c.status === 'ACTIVE').map((c) => c.arn);
  const page = paginate('ListClusters', arns, optNumber(input, 'maxResults'), optString(input, 'nextToken'), { min: 1, max: 100, default: 100 });
  return page.nextToken ? { clusterArns: page.items, nextToken: page.nextToken } : { clusterArns: page.items };
}

export function updateCluster(ctx: OpContext, input: JsonObject): JsonObject {
  const cluster = findCluster(ctx.state, optString(input, 'cluster') ?? '');
  const settings = optArray(input, 'settings');
  if (settings) cluster.settings = settings;
  const configuration = optObject(input, 'configuration');
  if (configuration) cluster.configuration = configuration;
  const scd = optObject(input, 'serviceConnectDefaults');
  // ECS: an empty namespace removes the cluster's Service Connect defaults.
  if (scd?.namespace === '') delete cluster.serviceConnectDefaults;
  else if (scd) cluster.serviceConnectDefaults = scd;
  return { cluster: clusterView(ctx, cluster, WRITE_RESPONSE_INCLUDES) };
}

export function putClusterCapacityProviders(ctx: OpContext, input: JsonObject): JsonObject {
  const cluster = findCluster(ctx.state, optString(input, 'cluster') ?? '');
  const providers = optStringArray(input, 'capacityProviders');
  const strategy = optArray(input, 'defaultCapacityProviderStrategy');
  if (!providers) throw invalidParameter('capacityProviders can not be null.');
  if (!strategy) throw invalidParameter('defaultCapacityProviderStrategy can not be null.');
  checkProvidersExist(ctx.state, providers);
  const checkedStrategy = checkStrategy(strategy, providers);
  checkProvidersNotInUse(ctx.state, cluster.name, providers);
  cluster.defaultCapacityProviderStrategy = checkedStrategy;
  cluster.capacityProviders = providers;
  return { cluster: clusterView(ctx, cluster, WRITE_RESPONSE_INCLUDES) };
}

export function deleteCluster(ctx: OpContext, input: JsonObject): JsonObject {
  const cluster = findCluster(ctx.state, optString(input, 'cluster') ?? '');
  ctx.settle(ctx.state);
  for (const s of cluster.services.values()) {
    if (s.status !== 'INACTIVE') throw clusterContainsServices();
  }
  const oneOff = liveStandaloneCounts(cluster.standaloneTasks);
  if (oneOff.running + oneOff.pending > 0) throw clusterContainsTasks();
  cluster.status = 'INACTIVE';
  const view = clusterView(ctx, cluster, []);
  ctx.state.clusters.delete(cluster.name);
  return { cluster: view };
}

const clusterContainsTasks = (): SandboxApiError =>
  new SandboxApiError('ClusterContainsTasksException', 'The Cluster cannot be deleted while Tasks are active.');

const clusterContainsServices = (): SandboxApiError =>
  new SandboxApiError('ClusterContainsServicesException', 'The Cluster cannot be deleted while Services are active.');
