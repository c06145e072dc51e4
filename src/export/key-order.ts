/**
 * The key order exported manifests are written in: the order a person reads a
 * service (what runs, how many, how it is reached), then anything else
 * alphabetically, so repeated exports of the same state are byte-identical.
 */
import { setOwn } from '../diff/json.js';

const ORDER: Readonly<Record<string, readonly string[]>> = {
  manifest: ['apiVersion', 'kind', 'metadata', 'spec'],
  metadata: ['name', 'cluster', 'region'],
  spec: [
    'desiredCount', 'launchType', 'capacityProviderStrategy', 'platformVersion', 'schedulingStrategy',
    'taskDefinition', 'networkConfiguration', 'loadBalancers', 'serviceRegistries', 'serviceConnectConfiguration',
    'healthCheckGracePeriodSeconds', 'deploymentController', 'deploymentConfiguration', 'placementConstraints',
    'placementStrategy', 'enableExecuteCommand', 'enableECSManagedTags', 'propagateTags', 'autoScaling', 'tags', 'sync',
  ],
  autoScaling: ['minCapacity', 'maxCapacity', 'suspendedState', 'targetTracking', 'stepScaling', 'scheduled'],
  taskDefinition: [
    'family', 'cpu', 'memory', 'networkMode', 'requiresCompatibilities', 'executionRoleArn', 'taskRoleArn',
    'runtimePlatform', 'containerDefinitions', 'volumes', 'tags',
  ],
  container: [
    'name', 'image', 'essential', 'cpu', 'memory', 'memoryReservation', 'entryPoint', 'command', 'workingDirectory',
    'user', 'portMappings', 'environment', 'environmentFiles', 'secrets', 'mountPoints', 'volumesFrom', 'dependsOn',
    'healthCheck', 'stopTimeout', 'logConfiguration',
  ],
  nameFirst: ['name', 'value', 'valueFrom'],
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ordered(obj: Record<string, unknown>, preferred: readonly string[]): string[] {
  const rank = new Map(preferred.map((k, i) => [k, i]));
  return Object.keys(obj).sort((a, b) => {
    const ra = rank.get(a) ?? Number.MAX_SAFE_INTEGER;
    const rb = rank.get(b) ?? Number.MAX_SAFE_INTEGER;
    return ra !== rb ? ra - rb : a < b ? -1 : a > b ? 1 : 0;
  });
}

function orderFor(parentKey: string, inArray: boolean): readonly string[] {
  if (parentKey === 'containerDefinitions' && inArray) return ORDER.container ?? [];
  if (inArray) return ORDER.nameFirst ?? [];
  // parentKey may be a user's tag or label name, such as "constructor".
  return (Object.hasOwn(ORDER, parentKey) ? ORDER[parentKey] : undefined) ?? [];
}

function sortValue(value: unknown, parentKey: string, inArray: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => sortValue(v, parentKey, true));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  // Tag maps and labels keep their own keys in plain alphabetical order.
  for (const key of ordered(value, orderFor(parentKey, inArray))) setOwn(out, key, sortValue(value[key], key, false));
  return out;
}

/** A copy of an exported manifest with every object's keys in the stable export order. */
export function orderManifestKeys<T>(manifest: T): T {
  return sortValue(manifest, 'manifest', false) as T;
}
