/**
 * One live ECS service (DescribeServices + DescribeTaskDefinition) turned into
 * the `kind: Service` manifest a person would write: every field the diff
 * engine would fill in by default, read-only or empty is dropped (see
 * minimize.ts), tags become a map without the controller's and AWS's keys.
 * Pure: the caller does the reads. The result is checked with diffService, so
 * an export that would not read back in sync is reported, never written silently.
 */
import type { CapacityProviderStrategyItem, Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import {
  diffService, normalizeService, normalizeTaskDefinition, tagsToMap, TASK_DEFINITION_READ_ONLY_FIELDS, userTags,
  type Change,
} from '../diff/index.js';
import { canonicalJson } from '../manifests/index.js';
import { API_VERSION, type ServiceManifest } from '../manifests/types.js';
import { orderManifestKeys } from './key-order.js';
import { minimize, type JsonTree } from './minimize.js';

/** Service fields a manifest declares under their CreateService names, as DescribeServices reports them. */
const SERVICE_FIELDS = [
  'launchType', 'capacityProviderStrategy', 'platformVersion', 'desiredCount', 'deploymentConfiguration',
  'networkConfiguration', 'loadBalancers', 'serviceRegistries', 'placementConstraints', 'placementStrategy',
  'healthCheckGracePeriodSeconds', 'schedulingStrategy', 'deploymentController', 'enableECSManagedTags',
  'propagateTags', 'enableExecuteCommand', 'availabilityZoneRebalancing',
] as const;

/** Reported on the PRIMARY deployment rather than on the service. */
const DEPLOYMENT_FIELDS = ['serviceConnectConfiguration', 'volumeConfigurations', 'vpcLatticeConfigurations'] as const;

/** Written even when ECS would pick the same value: how a service launches is worth reading. */
const ALWAYS_KEPT = new Set(['/launchType', '/capacityProviderStrategy', '/desiredCount']);

export interface LiveServiceState {
  readonly region: string;
  readonly cluster: string;
  readonly service: Service;
  readonly taskDefinition: TaskDefinition;
  readonly taskDefinitionTags?: readonly Tag[];
  /** The cluster's default strategy ([] = none), as the diff uses it. */
  readonly clusterDefaultCapacityProviderStrategy?: readonly CapacityProviderStrategyItem[];
}

export interface ExportedService {
  readonly manifest: ServiceManifest;
  /** What diffService still reports against live (empty for a faithful export). */
  readonly residualChanges: readonly Change[];
}

function plain(value: unknown): JsonTree {
  // Dates become strings, undefined disappears: the manifest is plain JSON.
  return JSON.parse(JSON.stringify(value ?? {})) as JsonTree;
}

function isServiceLinkedRole(arn: string): boolean {
  // ECS uses its service-linked role when none is given; nobody writes it by hand.
  return arn.includes(':role/aws-service-role/');
}

/** The service part of the spec (no taskDefinition, no tags), every field as live reports it. */
function liveServiceSpec(service: Service): JsonTree {
  const source = service as Record<string, unknown>;
  const spec: Record<string, unknown> = {};
  for (const field of SERVICE_FIELDS) spec[field] = source[field];
  const primary = service.deployments?.find((d) => d.status === 'PRIMARY') as Record<string, unknown> | undefined;
  for (const field of DEPLOYMENT_FIELDS) spec[field] = source[field] ?? primary?.[field];
  if (service.roleArn && !isServiceLinkedRole(service.roleArn)) spec.role = service.roleArn;
  if (service.schedulingStrategy === 'DAEMON') delete spec.desiredCount;
  return plain(spec);
}

function liveTaskDefinitionSpec(td: TaskDefinition): JsonTree {
  const out = plain(td);
  for (const field of TASK_DEFINITION_READ_ONLY_FIELDS) delete out[field];
  delete out.tags;
  // ECS does not keep the order of these lists (the diff compares them by name): sort for stable files.
  for (const container of Array.isArray(out.containerDefinitions) ? out.containerDefinitions : []) {
    if (container === null || typeof container !== 'object' || Array.isArray(container)) continue;
    for (const list of ['environment', 'secrets'] as const) {
      const entries = container[list];
      if (Array.isArray(entries)) container[list] = [...entries].sort((a, b) => byName(a, b));
    }
  }
  return out;
}

function byName(a: unknown, b: unknown): number {
  const name = (v: unknown) => String((v as { name?: unknown } | null)?.name ?? '');
  return name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0;
}

export function manifestFromLive(live: LiveServiceState): ExportedService {
  const context = live.clusterDefaultCapacityProviderStrategy === undefined
    ? {}
    : { clusterDefaultCapacityProviderStrategy: live.clusterDefaultCapacityProviderStrategy };

  const serviceFingerprint = (candidate: JsonTree): string => {
    const normalized = { ...normalizeService({ ...candidate, taskDefinition: { family: '-' } } as never, context) };
    delete normalized.taskDefinition;
    return canonicalJson(normalized);
  };

  const serviceSpec = minimize(liveServiceSpec(live.service), serviceFingerprint, { keep: ALWAYS_KEPT });
  const taskDefinition = minimize(
    liveTaskDefinitionSpec(live.taskDefinition),
    (candidate) => canonicalJson(normalizeTaskDefinition(candidate as never)),
    { keep: new Set(['/family', '/containerDefinitions']) },
  );

  const tdTags = userTags(tagsToMap(live.taskDefinitionTags ? [...live.taskDefinitionTags] : undefined));
  if (Object.keys(tdTags).length > 0) taskDefinition.tags = tdTags;
  const serviceTags = userTags(tagsToMap(live.service.tags));

  const name = live.service.serviceName ?? live.service.serviceArn?.split('/').pop() ?? '';
  const manifest = orderManifestKeys({
    apiVersion: API_VERSION,
    kind: 'Service',
    metadata: { name, cluster: live.cluster, region: live.region },
    spec: {
      ...serviceSpec,
      taskDefinition,
      ...(Object.keys(serviceTags).length > 0 ? { tags: serviceTags } : {}),
    },
  }) as unknown as ServiceManifest;

  const residualChanges = diffService(manifest, {
    service: live.service, taskDefinition: live.taskDefinition, tags: live.service.tags ?? [],
  }, context);
  return { manifest, residualChanges };
}
