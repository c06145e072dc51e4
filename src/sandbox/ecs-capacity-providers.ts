/**
 * ECS capacity providers: Auto Scaling group providers created, updated,
 * described and deleted with ECS's defaults (managedScaling status DISABLED,
 * targetCapacity 100, step sizes 1 and 10000, warm-up 300 s;
 * managedTerminationProtection DISABLED; managedDraining ENABLED), plus the
 * FARGATE and FARGATE_SPOT providers every account has. Deleting one a
 * cluster still lists does not fail: ECS answers with updateStatus
 * DELETE_FAILED and the reason, and keeps it ACTIVE.
 */
import { SandboxApiError, clientException, invalidParameter } from './api-error.js';
import { nameFromIdentifier } from './arn.js';
import { isObject, optNumber, optObject, optString, optStringArray, type JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import { paginate } from './pagination.js';
import type { CapacityProviderRecord } from './scaling-state.js';
import type { RegionState } from './state.js';
import { addTags, parseTags, tagList } from './tags.js';

export const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'] as const;
const PROVIDER_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

export const capacityProviderArn = (region: string, account: string, name: string): string =>
  `arn:aws:ecs:${region}:${account}:capacity-provider/${name}`;

/** Throws ECS's error unless every name is FARGATE, FARGATE_SPOT or an ACTIVE provider of this account and Region. */
export function checkProvidersExist(state: RegionState, names: readonly string[]): void {
  for (const name of names) {
    if ((FARGATE_PROVIDERS as readonly string[]).includes(name)) continue;
    if (state.scaling.capacityProviders.has(nameFromIdentifier(name))) continue;
    throw invalidParameter(`The specified capacity provider '${name}' does not exist. Specify a valid capacity provider and try again.`);
  }
}

function range(value: number | undefined, name: string, lo: number, hi: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < lo || value > hi)) {
    throw invalidParameter(`${name} must be an integer between ${lo} and ${hi}.`);
  }
}

function managedScaling(given: JsonObject | undefined, base: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  if (!given) return out;
  const status = optString(given, 'status');
  if (status !== undefined && status !== 'ENABLED' && status !== 'DISABLED') throw invalidParameter(`Invalid managedScaling status: ${status}`);
  const targetCapacity = optNumber(given, 'targetCapacity');
  range(targetCapacity, 'targetCapacity', 1, 100);
  const minStep = optNumber(given, 'minimumScalingStepSize');
  range(minStep, 'minimumScalingStepSize', 1, 10000);
  const maxStep = optNumber(given, 'maximumScalingStepSize');
  range(maxStep, 'maximumScalingStepSize', 1, 10000);
  const warmup = optNumber(given, 'instanceWarmupPeriod');
  range(warmup, 'instanceWarmupPeriod', 0, 10000);
  if (status !== undefined) out.status = status;
  if (targetCapacity !== undefined) out.targetCapacity = targetCapacity;
  if (minStep !== undefined) out.minimumScalingStepSize = minStep;
  if (maxStep !== undefined) out.maximumScalingStepSize = maxStep;
  if (warmup !== undefined) out.instanceWarmupPeriod = warmup;
  if ((out.minimumScalingStepSize as number) > (out.maximumScalingStepSize as number)) {
    throw invalidParameter('minimumScalingStepSize must be less than or equal to maximumScalingStepSize.');
  }
  return out;
}

const DEFAULT_MANAGED_SCALING: JsonObject = {
  status: 'DISABLED', targetCapacity: 100, minimumScalingStepSize: 1, maximumScalingStepSize: 10000, instanceWarmupPeriod: 300,
};

function enabledDisabled(value: string | undefined, name: string): void {
  if (value !== undefined && value !== 'ENABLED' && value !== 'DISABLED') throw invalidParameter(`Invalid ${name}: ${value}`);
}

function checkTerminationProtection(provider: JsonObject): void {
  const scaling = isObject(provider.managedScaling) ? provider.managedScaling : {};
  if (provider.managedTerminationProtection === 'ENABLED' && scaling.status !== 'ENABLED') {
    throw invalidParameter('The managed termination protection setting for the capacity provider is invalid. To enable managed termination protection for a capacity provider, managed scaling must be enabled.');
  }
}

function providerView(state: RegionState, record: CapacityProviderRecord, includeTags: boolean, status = 'ACTIVE'): JsonObject {
  const view: JsonObject = {
    capacityProviderArn: record.arn,
    name: record.name,
    status,
    autoScalingGroupProvider: record.autoScalingGroupProvider,
  };
  if (record.updateStatus) view.updateStatus = record.updateStatus;
  if (record.updateStatusReason) view.updateStatusReason = record.updateStatusReason;
  if (includeTags) view.tags = tagList(state, record.arn);
  return view;
}

function fargateView(state: RegionState, name: string, includeTags: boolean): JsonObject {
  const view: JsonObject = { capacityProviderArn: capacityProviderArn(state.region, state.account, name), name, status: 'ACTIVE' };
  if (includeTags) view.tags = [];
  return view;
}

export function createCapacityProvider(ctx: OpContext, input: JsonObject): JsonObject {
  const name = optString(input, 'name');
  if (!name) throw invalidParameter('name can not be blank.');
  if (!PROVIDER_NAME.test(name)) throw invalidParameter('Capacity provider name must be 1 to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores.');
  if (/^(aws|ecs|fargate)/i.test(name)) throw invalidParameter("The capacity provider name cannot begin with 'aws', 'ecs', or 'fargate'.");
  if (ctx.state.scaling.capacityProviders.has(name)) {
    throw clientException('The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.');
  }
  const given = optObject(input, 'autoScalingGroupProvider');
  if (!given) throw invalidParameter('autoScalingGroupProvider can not be null.');
  const asg = optString(given, 'autoScalingGroupArn');
  if (!asg) throw invalidParameter('autoScalingGroupArn can not be blank.');
  for (const other of ctx.state.scaling.capacityProviders.values()) {
    if (other.autoScalingGroupProvider.autoScalingGroupArn === asg) {
      throw clientException('The specified Auto Scaling group ARN is already being used by another capacity provider. Specify a unique Auto Scaling group ARN and try again.');
    }
  }
  const termination = optString(given, 'managedTerminationProtection');
  enabledDisabled(termination, 'managedTerminationProtection');
  const draining = optString(given, 'managedDraining');
  enabledDisabled(draining, 'managedDraining');
  const provider: JsonObject = {
    autoScalingGroupArn: asg,
    managedScaling: managedScaling(optObject(given, 'managedScaling'), DEFAULT_MANAGED_SCALING),
    managedTerminationProtection: termination ?? 'DISABLED',
    managedDraining: draining ?? 'ENABLED',
  };
  checkTerminationProtection(provider);
  const tags = parseTags(input.tags);
  const record: CapacityProviderRecord = { name, arn: capacityProviderArn(ctx.state.region, ctx.state.account, name), autoScalingGroupProvider: provider };
  ctx.state.tags.delete(record.arn);
  ctx.state.scaling.capacityProviders.set(name, record);
  addTags(ctx.state, record.arn, tags);
  return { capacityProvider: providerView(ctx.state, record, true) };
}

function requireProvider(state: RegionState, identifier: string | undefined, field: string): CapacityProviderRecord {
  if (!identifier) throw invalidParameter(`${field} can not be blank.`);
  const name = nameFromIdentifier(identifier);
  if ((FARGATE_PROVIDERS as readonly string[]).includes(name)) throw invalidParameter(`The ${name} capacity provider is reserved and cannot be modified or deleted.`);
  const record = state.scaling.capacityProviders.get(name);
  if (!record) throw invalidParameter('The specified capacity provider does not exist. Specify a valid name or ARN and try again.');
  return record;
}

export function updateCapacityProvider(ctx: OpContext, input: JsonObject): JsonObject {
  const record = requireProvider(ctx.state, optString(input, 'name'), 'name');
  const given = optObject(input, 'autoScalingGroupProvider');
  if (!given) throw invalidParameter('autoScalingGroupProvider can not be null.');
  if (given.autoScalingGroupArn !== undefined) throw invalidParameter('The Auto Scaling group of a capacity provider cannot be changed.');
  const termination = optString(given, 'managedTerminationProtection');
  enabledDisabled(termination, 'managedTerminationProtection');
  const draining = optString(given, 'managedDraining');
  enabledDisabled(draining, 'managedDraining');
  const current = record.autoScalingGroupProvider;
  const next: JsonObject = {
    ...current,
    managedScaling: managedScaling(optObject(given, 'managedScaling'), isObject(current.managedScaling) ? current.managedScaling : DEFAULT_MANAGED_SCALING),
  };
  if (termination !== undefined) next.managedTerminationProtection = termination;
  if (draining !== undefined) next.managedDraining = draining;
  checkTerminationProtection(next);
  record.autoScalingGroupProvider = next;
  record.updateStatus = 'UPDATE_COMPLETE';
  delete record.updateStatusReason;
  return { capacityProvider: providerView(ctx.state, record, false) };
}

export function deleteCapacityProvider(ctx: OpContext, input: JsonObject): JsonObject {
  const record = requireProvider(ctx.state, optString(input, 'capacityProvider'), 'capacityProvider');
  const user = [...ctx.state.clusters.values()].find((c) => c.status === 'ACTIVE' && c.capacityProviders.some((p) => nameFromIdentifier(p) === record.name));
  if (user) {
    record.updateStatus = 'DELETE_FAILED';
    record.updateStatusReason = `The capacity provider cannot be deleted because it is associated with cluster: ${user.name}. Remove the capacity provider from the cluster and try again.`;
    return { capacityProvider: providerView(ctx.state, record, false) };
  }
  ctx.state.scaling.capacityProviders.delete(record.name);
  ctx.state.tags.delete(record.arn);
  record.updateStatus = 'DELETE_COMPLETE';
  delete record.updateStatusReason;
  return { capacityProvider: providerView(ctx.state, record, false, 'INACTIVE') };
}

export function describeCapacityProviders(ctx: OpContext, input: JsonObject): JsonObject {
  const ids = optStringArray(input, 'capacityProviders');
  const includeTags = (optStringArray(input, 'include') ?? []).includes('TAGS');
  if (ids && ids.length > 100) throw invalidParameter('capacityProviders can have at most 100 items.');
  const view = (name: string): JsonObject | undefined => {
    if ((FARGATE_PROVIDERS as readonly string[]).includes(name)) return fargateView(ctx.state, name, includeTags);
    const record = ctx.state.scaling.capacityProviders.get(name);
    return record ? providerView(ctx.state, record, includeTags) : undefined;
  };
  if (ids && ids.length > 0) {
    const capacityProviders: JsonObject[] = [];
    const failures: JsonObject[] = [];
    for (const id of ids) {
      const found = view(nameFromIdentifier(id));
      if (found) capacityProviders.push(found);
      else failures.push({ arn: id.startsWith('arn:') ? id : capacityProviderArn(ctx.state.region, ctx.state.account, id), reason: 'MISSING' });
    }
    return { capacityProviders, failures };
  }
  const names = [...FARGATE_PROVIDERS, ...ctx.state.scaling.capacityProviders.keys()];
  const page = paginate('DescribeCapacityProviders', names, optNumber(input, 'maxResults'), optString(input, 'nextToken'), { min: 1, max: 10, default: 10 });
  const out: JsonObject = { capacityProviders: page.items.map((n) => view(n) as JsonObject), failures: [] };
  if (page.nextToken) out.nextToken = page.nextToken;
  return out;
}

/** True when `arn` names an existing capacity provider (for the ECS tagging operations). */
export function capacityProviderExists(state: RegionState, name: string): boolean {
  return state.scaling.capacityProviders.has(name);
}

/** PutClusterCapacityProviders refuses to drop a provider a service's strategy still uses (ECS's ResourceInUseException). */
export function checkProvidersNotInUse(state: RegionState, clusterName: string, kept: readonly string[]): void {
  const cluster = state.clusters.get(clusterName);
  if (!cluster) return;
  const keep = new Set(kept.map(nameFromIdentifier));
  for (const svc of cluster.services.values()) {
    if (svc.status === 'INACTIVE') continue;
    for (const item of svc.capacityProviderStrategy ?? []) {
      if (isObject(item) && typeof item.capacityProvider === 'string' && !keep.has(item.capacityProvider)) {
        throw new SandboxApiError('ResourceInUseException', 'The specified capacity provider is in use and cannot be removed.');
      }
    }
  }
}
