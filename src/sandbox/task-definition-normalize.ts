/**
 * What ECS does to a RegisterTaskDefinition request before it stores it: the
 * defaults it fills in, the units it converts, the lists it reorders or
 * drops, and the checks it makes. A controller that compares manifests to
 * DescribeTaskDefinition naively sees exactly the false drift it would see on
 * real ECS (docs/ecs-facts.md#what-ecs-fills-in-or-reorders; the full list as
 * modelled here: docs/sandbox.md#what-ecs-fills-in-false-drift-on-purpose).
 */
import { clientException } from './api-error.js';
import { cloneJson, isObject, type Json, type JsonObject } from './json-input.js';

const FAMILY = /^[a-zA-Z0-9_-]{1,255}$/;

/** Fargate's valid task size pairs: cpu units -> allowed memory MiB. */
const FARGATE_SIZES: ReadonlyMap<number, (memory: number) => boolean> = new Map([
  [256, (m: number) => m === 512 || m === 1024 || m === 2048],
  [512, (m: number) => m >= 1024 && m <= 4096 && m % 1024 === 0],
  [1024, (m: number) => m >= 2048 && m <= 8192 && m % 1024 === 0],
  [2048, (m: number) => m >= 4096 && m <= 16384 && m % 1024 === 0],
  [4096, (m: number) => m >= 8192 && m <= 30720 && m % 1024 === 0],
  [8192, (m: number) => m >= 16384 && m <= 61440 && m % 4096 === 0],
  [16384, (m: number) => m >= 32768 && m <= 122880 && m % 8192 === 0],
]);

/** "0.25 vCPU" -> "256", "1024" -> "1024"; undefined when not understood. */
export function normalizeCpu(value: string): string | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) return v;
  const m = /^(\d+(?:\.\d+)?)\s*vcpu$/i.exec(v);
  return m ? String(Math.round(Number(m[1]) * 1024)) : undefined;
}

/** "1 GB" -> "1024", "512 MiB" -> "512", "2048" -> "2048"; undefined when not understood. */
export function normalizeMemory(value: string): string | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) return v;
  const m = /^(\d+(?:\.\d+)?)\s*(gb|gib|mb|mib)$/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  return String(Math.round(/^g/i.test(m[2] as string) ? n * 1024 : n));
}

export interface RegistrationMeta {
  readonly arn: string;
  readonly revision: number;
  readonly registeredAt: number;
  readonly registeredBy: string;
}

/** Validates and normalizes a RegisterTaskDefinition request into the stored taskDefinition. */
export function normalizeTaskDefinition(request: JsonObject, meta: RegistrationMeta): JsonObject {
  const input = cloneJson(request);
  delete input.tags;
  const family = input.family;
  if (typeof family !== 'string' || family === '') throw clientException('Family can not be blank.');
  if (!FAMILY.test(family)) {
    throw clientException('Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.');
  }
  const containers = input.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0) throw clientException('Container list cannot be empty.');

  const requires = Array.isArray(input.requiresCompatibilities) ? input.requiresCompatibilities : [];
  const fargate = requires.includes('FARGATE');
  const networkMode = typeof input.networkMode === 'string' ? input.networkMode : 'bridge';
  if (!['bridge', 'host', 'awsvpc', 'none'].includes(networkMode)) {
    throw clientException(`Invalid networkMode: ${networkMode}. Valid values are bridge, host, awsvpc and none.`);
  }
  input.networkMode = networkMode;

  for (const key of ['cpu', 'memory'] as const) {
    const raw = input[key];
    if (raw === undefined || raw === null) continue;
    const asString = typeof raw === 'number' ? String(raw) : raw;
    const normal = typeof asString === 'string' ? (key === 'cpu' ? normalizeCpu(asString) : normalizeMemory(asString)) : undefined;
    if (normal === undefined) throw clientException(`Invalid '${key}' setting for task.`);
    input[key] = normal;
  }

  if (fargate) {
    if (networkMode !== 'awsvpc') throw clientException("Fargate only supports network mode 'awsvpc'.");
    if (input.cpu === undefined) throw clientException("Fargate requires that 'cpu' be defined at the task level.");
    if (input.memory === undefined) throw clientException("Fargate requires that 'memory' be defined at the task level.");
    const cpu = Number(input.cpu);
    const memory = Number(input.memory);
    if (!(FARGATE_SIZES.get(cpu)?.(memory) ?? false)) {
      throw clientException(`No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`);
    }
  }

  const attributes = new Set<string>();
  const names = new Set<string>();
  input.containerDefinitions = containers.map((raw, index) => {
    if (!isObject(raw)) throw clientException(`Container definition ${index} is not an object.`);
    const c: JsonObject = raw;
    if (typeof c.name !== 'string' || c.name === '') throw clientException('Container.name should not be null or empty.');
    if (names.has(c.name)) throw clientException(`Duplicate container names are not allowed: ${c.name}`);
    names.add(c.name);
    if (typeof c.image !== 'string' || c.image === '') throw clientException('Container.image should not be null or empty.');
    if (input.memory === undefined && c.memory === undefined && c.memoryReservation === undefined) {
      throw clientException(`Invalid setting for container '${c.name}'. At least one of 'memory' or 'memoryReservation' must be specified.`);
    }
    return normalizeContainer(c, networkMode, attributes, typeof input.executionRoleArn === 'string');
  });

  for (const key of ['volumes', 'placementConstraints']) if (!Array.isArray(input[key])) input[key] = [];
  checkReferences(input, names);
  if (networkMode === 'awsvpc') attributes.add('ecs.capability.task-eni');
  if (input.taskRoleArn !== undefined) attributes.add('com.amazonaws.ecs.capability.task-iam-role');

  const compatibilities = ['EC2'];
  if (fargate || (networkMode === 'awsvpc' && input.cpu !== undefined && input.memory !== undefined)) compatibilities.push('FARGATE');

  const body: JsonObject = {
    taskDefinitionArn: meta.arn,
    ...input,
    family,
    revision: meta.revision,
    requiresAttributes: [...attributes].sort().map((name) => ({ name })),
    compatibilities,
    registeredAt: meta.registeredAt,
    registeredBy: meta.registeredBy,
  };
  return body;
}

/**
 * The names inside a task definition that must find another part of it, with
 * the messages ECS answers when they do not (docs/ecs-facts.md,
 * "Cross-references RegisterTaskDefinition checks"; the proxyConfiguration
 * wording is ours, ECS's was not found).
 */
function checkReferences(input: JsonObject, containerNames: ReadonlySet<string>): void {
  const volumes = new Set((input.volumes as Json[]).flatMap((v) => (isObject(v) && typeof v.name === 'string' ? [v.name] : [])));
  const containers = (input.containerDefinitions as Json[]).filter(isObject);
  for (const c of containers) {
    for (const mount of Array.isArray(c.mountPoints) ? c.mountPoints : []) {
      const source = isObject(mount) ? mount.sourceVolume : undefined;
      if (typeof source !== 'string' || !volumes.has(source)) throw clientException(`Unknown volume '${typeof source === 'string' ? source : 'null'}'.`);
    }
    for (const from of Array.isArray(c.volumesFrom) ? c.volumesFrom : []) {
      const source = isObject(from) ? from.sourceContainer : undefined;
      if (typeof source === 'string' && !containerNames.has(source)) throw clientException(`Invalid 'volumesFrom' setting. Unknown container: '${source}'.`);
    }
    for (const dependency of Array.isArray(c.dependsOn) ? c.dependsOn : []) {
      const target = isObject(dependency) ? dependency.containerName : undefined;
      // ECS's message, "+" and all.
      if (typeof target === 'string' && !containerNames.has(target)) throw clientException(`Cannot depend on container + '${target}' because it does not exist`);
    }
  }
  const proxy = input.proxyConfiguration;
  if (isObject(proxy) && typeof proxy.containerName === 'string' && !containerNames.has(proxy.containerName)) {
    throw clientException(`Invalid proxyConfiguration: container '${proxy.containerName}' is not defined in the task definition.`);
  }
  const hasRouter = containers.some((c) => isObject(c.firelensConfiguration));
  const logsToFirelens = containers.some((c) => isObject(c.logConfiguration) && c.logConfiguration.logDriver === 'awsfirelens');
  if (logsToFirelens && !hasRouter) {
    throw clientException('When awsfirelens log driver is specified in log configuration, a firelens configuration object must be configured in one of the containers.');
  }
  if (hasRouter && !logsToFirelens) {
    throw clientException('When a firelensConfiguration object is specified, at least one container has to be configured with the awsfirelens log driver.');
  }
}

function normalizeContainer(c: JsonObject, networkMode: string, attributes: Set<string>, hasExecutionRole: boolean): JsonObject {
  const out: JsonObject = { ...c };
  out.cpu = typeof c.cpu === 'number' ? c.cpu : 0;
  out.essential = typeof c.essential === 'boolean' ? c.essential : true;
  out.portMappings = (Array.isArray(c.portMappings) ? c.portMappings : []).map((pm) => {
    if (!isObject(pm)) throw clientException('Invalid portMappings entry.');
    const mapping: JsonObject = { ...pm };
    if (typeof mapping.containerPort !== 'number' && mapping.containerPortRange === undefined) {
      throw clientException(`Invalid setting for container '${String(c.name)}'. containerPort must be specified in portMappings.`);
    }
    if (networkMode === 'awsvpc' || networkMode === 'host') {
      if (mapping.hostPort !== undefined && mapping.hostPort !== mapping.containerPort) {
        throw clientException(`When networkMode=${networkMode}, containerPort and hostPort must be the same value. Container '${String(c.name)}'.`);
      }
      if (typeof mapping.containerPort === 'number') mapping.hostPort = mapping.containerPort;
    } else if (mapping.hostPort === undefined && typeof mapping.containerPort === 'number') {
      mapping.hostPort = 0;
    }
    mapping.protocol = typeof mapping.protocol === 'string' ? mapping.protocol : 'tcp';
    return mapping;
  });
  // ECS drops variables with an empty value and does not keep the order given: we sort by name.
  const environment = (Array.isArray(c.environment) ? c.environment : [])
    .filter((e): e is JsonObject => isObject(e) && typeof e.value === 'string' && e.value !== '');
  out.environment = environment.sort(byName);
  if (Array.isArray(c.secrets)) {
    out.secrets = c.secrets.filter(isObject).sort(byName);
    if (out.secrets.length > 0) attributes.add('ecs.capability.secrets.asm.environment-variables');
  }
  for (const key of ['mountPoints', 'volumesFrom']) if (!Array.isArray(c[key])) out[key] = [];
  if (isObject(c.healthCheck)) {
    out.healthCheck = { interval: 30, timeout: 5, retries: 3, ...c.healthCheck };
    attributes.add('com.amazonaws.ecs.capability.docker-remote-api.1.24');
  }
  const logConfiguration = c.logConfiguration;
  if (isObject(logConfiguration) && typeof logConfiguration.logDriver === 'string') {
    attributes.add(`com.amazonaws.ecs.capability.logging-driver.${logConfiguration.logDriver}`);
    attributes.add('com.amazonaws.ecs.capability.docker-remote-api.1.19');
    if (logConfiguration.logDriver === 'awslogs' && hasExecutionRole) attributes.add('ecs.capability.execution-role-awslogs');
  }
  if (typeof c.image === 'string' && /\.dkr\.ecr\./.test(c.image)) {
    attributes.add('com.amazonaws.ecs.capability.ecr-auth');
    if (hasExecutionRole) attributes.add('ecs.capability.execution-role-ecr-pull');
  }
  return out;
}

function byName(a: Json, b: Json): number {
  const an = isObject(a) && typeof a.name === 'string' ? a.name : '';
  const bn = isObject(b) && typeof b.name === 'string' ? b.name : '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}
