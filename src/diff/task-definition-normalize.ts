/**
 * One canonical form for a task definition, whether it comes from a manifest
 * (a RegisterTaskDefinition input with tags as a map) or from
 * DescribeTaskDefinition. Both sides go through the same function, so every
 * default ECS fills in and every unit it converts compares equal (see
 * docs/diff.md "Task definitions" for the list and the ECS behaviour behind each).
 */
import type { RegisterTaskDefinitionRequest, TaskDefinition } from '@aws-sdk/client-ecs';
import type { TaskDefinitionSpec } from '../manifests/types.js';
import { READ_ONLY_TASK_DEFINITION_FIELDS } from '../manifests/validate-documents.js';
import { isObject, toCanonicalJson, toCanonicalObject } from './json.js';
import type { CanonicalTaskDefinition, JsonObject, JsonValue } from './types.js';
import { normalizeCpu, normalizeMemory } from './units.js';

/** Fields ECS adds to a registered revision; never part of what a manifest declares (the list validate warns about). */
export const TASK_DEFINITION_READ_ONLY_FIELDS = READ_ONLY_TASK_DEFINITION_FIELDS;

/** Container booleans whose unset value is false: `false` and absent are the same container. */
const FALSE_BY_DEFAULT = ['privileged', 'readonlyRootFilesystem', 'interactive', 'pseudoTerminal', 'disableNetworking'];

const HEALTH_CHECK_DEFAULTS = { interval: 30, timeout: 5, retries: 3 } as const;

type Mutable = Record<string, JsonValue>;

export function normalizeTaskDefinition(
  td: RegisterTaskDefinitionRequest | TaskDefinition | TaskDefinitionSpec,
): CanonicalTaskDefinition {
  const out: Mutable = toCanonicalObject(td);
  for (const field of TASK_DEFINITION_READ_ONLY_FIELDS) delete out[field];
  // Tags live beside the revision (ListTagsForResource), not in its content.
  delete out.tags;

  if (typeof out.cpu === 'string' || typeof out.cpu === 'number') out.cpu = normalizeCpu(out.cpu);
  if (typeof out.memory === 'string' || typeof out.memory === 'number') out.memory = normalizeMemory(out.memory);
  // EC2 registers without networkMode as bridge; Fargate requires awsvpc to be written.
  const networkMode = typeof out.networkMode === 'string' ? out.networkMode : 'bridge';
  out.networkMode = networkMode;
  if (Array.isArray(out.requiresCompatibilities)) out.requiresCompatibilities = sortedStrings(out.requiresCompatibilities);
  if (out.enableFaultInjection === false) delete out.enableFaultInjection;

  if (Array.isArray(out.containerDefinitions)) {
    out.containerDefinitions = out.containerDefinitions.map((container) =>
      isObject(container) ? normalizeContainer(container as JsonObject, networkMode) : container,
    );
  }
  if (Array.isArray(out.volumes)) {
    out.volumes = out.volumes.map((volume) => (isObject(volume) ? normalizeVolume(volume as JsonObject) : volume));
  }
  return pruneObject(out) as CanonicalTaskDefinition;
}

function normalizeContainer(input: JsonObject, networkMode: string): JsonObject {
  const c: Mutable = { ...input };
  if (c.essential === undefined) c.essential = true;
  if (c.cpu === undefined) c.cpu = 0;
  for (const field of FALSE_BY_DEFAULT) if (c[field] === false) delete c[field];
  if (c.versionConsistency === 'enabled') delete c.versionConsistency;
  // A disabled restart policy is no restart policy, whatever else it lists.
  if (isObject(c.restartPolicy) && c.restartPolicy.enabled === false) delete c.restartPolicy;

  if (Array.isArray(c.portMappings)) {
    c.portMappings = c.portMappings.map((mapping) =>
      isObject(mapping) ? normalizePortMapping(mapping as JsonObject, networkMode) : mapping,
    );
  }
  if (Array.isArray(c.environment)) {
    // ECS drops variables whose value is empty; order is not preserved (compared by name).
    c.environment = c.environment.filter(
      (entry) => !isObject(entry) || (typeof entry.value === 'string' && entry.value !== ''),
    );
  }
  for (const list of ['mountPoints', 'volumesFrom'] as const) {
    const entries = c[list];
    if (Array.isArray(entries)) {
      c[list] = entries.map((entry) => {
        if (!isObject(entry) || entry.readOnly !== false) return entry;
        const { readOnly: _readOnly, ...rest } = entry as JsonObject;
        return rest;
      });
    }
  }
  if (isObject(c.healthCheck)) {
    c.healthCheck = { ...HEALTH_CHECK_DEFAULTS, ...(c.healthCheck as JsonObject) };
  }
  return pruneObject(c);
}

function normalizeVolume(input: JsonObject): JsonObject {
  const v: Mutable = { ...input };
  // Since EBS volumes (2024) ECS reports configuredAtLaunch: false on every volume.
  if (v.configuredAtLaunch === false) delete v.configuredAtLaunch;
  if (isObject(v.efsVolumeConfiguration)) {
    // Omitted, these mean the file system's root and no TLS (API reference defaults).
    v.efsVolumeConfiguration = { rootDirectory: '/', transitEncryption: 'DISABLED', ...(v.efsVolumeConfiguration as JsonObject) };
  }
  return pruneObject(v);
}

function normalizePortMapping(input: JsonObject, networkMode: string): JsonObject {
  const m: Mutable = { ...input };
  if (m.protocol === undefined) m.protocol = 'tcp';
  if (typeof m.protocol === 'string') m.protocol = m.protocol.toLowerCase();
  const hostBound = networkMode === 'awsvpc' || networkMode === 'host';
  if (hostBound && m.hostPort === undefined && typeof m.containerPort === 'number') m.hostPort = m.containerPort;
  // Under bridge, hostPort 0 and absent both mean "dynamic".
  if (!hostBound && m.hostPort === 0) delete m.hostPort;
  return m;
}

function sortedStrings(values: readonly JsonValue[]): JsonValue[] {
  return [...new Set(values.map(String))].sort();
}

/** Re-apply the empty-value rules after defaults were filled (keeps normalize idempotent). */
function pruneObject(value: JsonObject): JsonObject {
  const json = toCanonicalJson(value);
  return isObject(json) ? (json as JsonObject) : {};
}
