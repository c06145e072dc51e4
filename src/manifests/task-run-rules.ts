/**
 * The rules every ECS task run gets, whoever starts it: a Service, a
 * ScheduledTask (EventBridge Scheduler's RunTask), a deploy hook with its own
 * task definition. Fargate needs awsvpc and task-level cpu/memory, launchType
 * excludes capacityProviderStrategy, containers need unique names, names that
 * point at a volume or container must find one. Failing here, offline, is
 * kinder than failing in the middle of a rollout (or at 3 a.m., when a
 * schedule fires). Written defensively: they run on documents that may also
 * have schema errors.
 */
import { closestMatch } from '../util/did-you-mean.js';
import { checkFargateSize, cpuUnits, memoryMiB } from './fargate-sizes.js';
import { joinPointer } from './json-pointer.js';
import type { RuleProblem } from './rule-problem.js';

type Rec = Readonly<Record<string, unknown>>;

function rec(value: unknown): Rec | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Rec) : undefined;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const RESERVED_TAG_PREFIXES: readonly { prefix: string; why: string }[] = [
  { prefix: 'ecs-gitops/', why: 'the controller writes ecs-gitops/ tags itself' },
  { prefix: 'aws:', why: 'AWS reserves the aws: prefix' },
];

export function reservedTags(tags: unknown, at: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const key of Object.keys(rec(tags) ?? {})) {
    const reserved = RESERVED_TAG_PREFIXES.find((r) => key.toLowerCase().startsWith(r.prefix));
    if (!reserved) continue;
    const pointer = joinPointer(at, key);
    problems.push({
      code: 'MANIFEST_RESERVED_TAG',
      pointer,
      target: 'key',
      message: `${pointer}: tag "${key}" uses the reserved prefix "${reserved.prefix}"; ${reserved.why}`,
    });
  }
  return problems;
}

/**
 * What runs the task: a Service's spec, a ScheduledTask's spec, or a deploy
 * hook (its own fields with the service's launch settings filled in). `at`
 * is where the object is written: pointers are relative to it.
 */
export interface TaskRunContext {
  readonly at: string;
  /** "service", "scheduled task" or "hook": what ECS would refuse, in messages. */
  readonly what: string;
}

const SERVICE_CONTEXT: TaskRunContext = { at: '/spec', what: 'service' };

/**
 * The task definition and launch rules every task run gets: a Service, a
 * ScheduledTask, a deploy hook with its own task definition.
 */
export function taskRunRules(spec: Rec, context: TaskRunContext = SERVICE_CONTEXT): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const td = rec(spec.taskDefinition);
  const strategy = list(spec.capacityProviderStrategy);
  const launchType = text(spec.launchType);
  const at = context.at;

  if (spec.launchType !== undefined && spec.capacityProviderStrategy !== undefined) {
    problems.push({
      code: 'MANIFEST_CONFLICTING_FIELDS',
      pointer: `${at}/capacityProviderStrategy`,
      target: 'key',
      message: `${at}/capacityProviderStrategy: launchType and capacityProviderStrategy cannot both be set; ECS takes one or the other`,
    });
  }

  if (!td) return problems;
  const tdAt = `${at}/taskDefinition`;
  const networkMode = text(td.networkMode);
  const compat = list(td.requiresCompatibilities);
  const fargateStrategy = strategy.some((s) => ['FARGATE', 'FARGATE_SPOT'].includes(text(rec(s)?.capacityProvider) ?? ''));
  const fargateLaunch = launchType === 'FARGATE' || fargateStrategy;
  const fargate = fargateLaunch || compat.includes('FARGATE');
  // Where ECS's defaults are documented (EC2: networkMode bridge, container
  // memory required); other capacity (EXTERNAL, MANAGED_INSTANCES, a cluster
  // default strategy) is left to ECS rather than guessed at.
  const ec2Only = (launchType === 'EC2' || (launchType === undefined && spec.capacityProviderStrategy === undefined)) && compat.every((c) => c === 'EC2');

  for (const [field, parse, example] of [
    ['cpu', cpuUnits, '"256" or "0.25 vCPU"'],
    ['memory', memoryMiB, '"512" or "1 GB"'],
  ] as const) {
    const value = text(td[field]);
    if (value !== undefined && parse(value) === undefined) {
      problems.push({
        code: 'MANIFEST_INVALID_VALUE',
        pointer: `${tdAt}/${field}`,
        message: `${tdAt}/${field}: ${JSON.stringify(value)} is not a ${field === 'cpu' ? 'CPU' : 'memory'} size; write ${example}`,
      });
    }
  }

  if (fargate) {
    const why = fargateLaunch ? (launchType === 'FARGATE' ? 'launchType FARGATE' : 'a FARGATE capacity provider') : 'requiresCompatibilities FARGATE';
    if (networkMode !== 'awsvpc') {
      problems.push({
        code: 'MANIFEST_FARGATE_REQUIREMENT',
        pointer: `${tdAt}/networkMode`,
        locateAt: networkMode === undefined ? tdAt : `${tdAt}/networkMode`,
        target: networkMode === undefined ? 'key' : 'value',
        message: `${tdAt}/networkMode: ${why} requires networkMode awsvpc, found ${networkMode === undefined ? 'none (ECS would default to bridge)' : JSON.stringify(td.networkMode)}`,
      });
    }
    for (const field of ['cpu', 'memory'] as const) {
      if (td[field] !== undefined) continue;
      problems.push({
        code: 'MANIFEST_FARGATE_REQUIREMENT',
        pointer: `${tdAt}/${field}`,
        locateAt: tdAt,
        target: 'key',
        message: `${tdAt}/${field}: ${why} requires task-level ${field} (e.g. ${field === 'cpu' ? '"256"' : '"512"'})`,
      });
    }
    // Left out, ECS computes the compatibilities at registration and a task
    // definition that passes the rules above is Fargate-compatible
    // (docs/ecs-facts.md, "requiresCompatibilities may be left out"). Written
    // without FARGATE, it says this task definition is not for Fargate.
    if (fargateLaunch && td.requiresCompatibilities !== undefined && !compat.includes('FARGATE')) {
      problems.push({
        code: 'MANIFEST_FARGATE_REQUIREMENT',
        pointer: `${tdAt}/requiresCompatibilities`,
        message: `${tdAt}/requiresCompatibilities: ${why} needs requiresCompatibilities to include FARGATE (or to be left out, so ECS computes it), or ECS rejects the ${context.what}`,
      });
    }
    const cpu = cpuUnits(text(td.cpu) ?? '');
    const memory = memoryMiB(text(td.memory) ?? '');
    if (cpu !== undefined && memory !== undefined) {
      const size = checkFargateSize(cpu, memory);
      if (!size.ok) {
        problems.push({ code: 'MANIFEST_FARGATE_REQUIREMENT', pointer: `${tdAt}/${size.field}`, message: `${tdAt}/${size.field}: ${size.reason}` });
      }
    }
    if (spec.schedulingStrategy === 'DAEMON') {
      problems.push({
        code: 'MANIFEST_CONFLICTING_FIELDS',
        pointer: `${at}/schedulingStrategy`,
        message: `${at}/schedulingStrategy: Fargate does not support the DAEMON scheduling strategy; use REPLICA`,
      });
    }
  }

  const awsvpc = rec(rec(spec.networkConfiguration)?.awsvpcConfiguration);
  if (networkMode === 'awsvpc' && !awsvpc) {
    problems.push({
      code: 'MANIFEST_NETWORK_CONFIGURATION',
      pointer: `${at}/networkConfiguration/awsvpcConfiguration`,
      locateAt: spec.networkConfiguration === undefined ? at : `${at}/networkConfiguration`,
      target: 'key',
      message: `${at}/networkConfiguration/awsvpcConfiguration: networkMode awsvpc requires networkConfiguration.awsvpcConfiguration with subnets`,
    });
  } else if (spec.networkConfiguration !== undefined && !fargate && (networkMode !== undefined ? networkMode !== 'awsvpc' : ec2Only)) {
    problems.push({
      code: 'MANIFEST_NETWORK_CONFIGURATION',
      pointer: `${at}/networkConfiguration`,
      target: 'key',
      message: `${at}/networkConfiguration: only valid with networkMode awsvpc, but the task definition's networkMode is ${networkMode ?? 'bridge (the default)'}`,
    });
  }

  for (const problem of containerRules(td, tdAt, { networkMode, ec2Only })) problems.push(problem);
  for (const problem of referenceRules(td, tdAt)) problems.push(problem);
  if (context === SERVICE_CONTEXT) {
    for (const problem of containerTargetRules(spec, td, 'loadBalancers', 'MANIFEST_LOAD_BALANCER_TARGET')) problems.push(problem);
    for (const problem of containerTargetRules(spec, td, 'serviceRegistries', 'MANIFEST_SERVICE_REGISTRY_TARGET')) problems.push(problem);
  }
  return problems;
}

/** "; did you mean "x"?" or "; containers: a, b" (or nothing when there is nothing to name). */
export function candidatesText(name: string, candidates: readonly string[], what: string): string {
  const suggestion = closestMatch(name, candidates);
  if (suggestion) return `; did you mean "${suggestion}"?`;
  return candidates.length > 0 ? `; ${what}: ${candidates.join(', ')}` : `; the task definition has no ${what}`;
}

/**
 * Names inside a task definition that must point at another part of it.
 * ECS refuses RegisterTaskDefinition when they do not (docs/ecs-facts.md,
 * "Cross-references RegisterTaskDefinition checks"); saying so offline, at
 * the field, beats a ClientException in the middle of a sync.
 */
function referenceRules(td: Rec, tdAt: string): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (!Array.isArray(td.containerDefinitions)) return problems;
  const containers = td.containerDefinitions.map(rec);
  const containerNames = containers.map((c) => text(c?.name)).filter((n): n is string => n !== undefined);
  const volumeNames = list(td.volumes).map((v) => text(rec(v)?.name)).filter((n): n is string => n !== undefined);
  const unknownContainer = (pointer: string, name: string, field: string): void => {
    problems.push({
      code: 'MANIFEST_UNKNOWN_REFERENCE',
      pointer,
      message: `${pointer}: ${field} "${name}" names no container in this task definition${candidatesText(name, containerNames, 'containers')}`,
    });
  };

  containers.forEach((c, i) => {
    if (!c) return;
    const cAt = `${tdAt}/containerDefinitions/${i}`;
    list(c.mountPoints).forEach((raw, j) => {
      const mount = rec(raw);
      if (!mount) return;
      const at = `${cAt}/mountPoints/${j}`;
      const source = mount.sourceVolume;
      if (source === undefined) {
        problems.push({
          code: 'MANIFEST_MISSING_FIELD',
          pointer: `${at}/sourceVolume`,
          locateAt: at,
          message: `${at}/sourceVolume: missing required field "sourceVolume": name one of the task definition's volumes (ECS refuses the mount point otherwise)`,
        });
      } else if (typeof source === 'string' && !volumeNames.includes(source)) {
        problems.push({
          code: 'MANIFEST_UNKNOWN_REFERENCE',
          pointer: `${at}/sourceVolume`,
          message: `${at}/sourceVolume: sourceVolume "${source}" names no volume in taskDefinition.volumes${candidatesText(source, volumeNames, 'volumes')}`,
        });
      }
    });
    list(c.volumesFrom).forEach((raw, j) => {
      const source = text(rec(raw)?.sourceContainer);
      if (source !== undefined && !containerNames.includes(source)) unknownContainer(`${cAt}/volumesFrom/${j}/sourceContainer`, source, 'volumesFrom.sourceContainer');
    });
    list(c.dependsOn).forEach((raw, j) => {
      const target = text(rec(raw)?.containerName);
      if (target !== undefined && !containerNames.includes(target)) unknownContainer(`${cAt}/dependsOn/${j}/containerName`, target, 'dependsOn.containerName');
    });
  });

  const proxyContainer = text(rec(td.proxyConfiguration)?.containerName);
  if (proxyContainer !== undefined && !containerNames.includes(proxyContainer)) {
    unknownContainer(`${tdAt}/proxyConfiguration/containerName`, proxyContainer, 'proxyConfiguration.containerName');
  }

  const routers = containers.flatMap((c, i) => (c?.firelensConfiguration !== undefined ? [i] : []));
  const firelensUsers = containers.flatMap((c, i) => (text(rec(c?.logConfiguration)?.logDriver) === 'awsfirelens' ? [i] : []));
  if (routers.length === 0) {
    for (const i of firelensUsers) {
      const pointer = `${tdAt}/containerDefinitions/${i}/logConfiguration/logDriver`;
      problems.push({
        code: 'MANIFEST_FIRELENS',
        pointer,
        message: `${pointer}: logDriver awsfirelens needs a log router: no container in this task definition has firelensConfiguration`,
      });
    }
  } else if (firelensUsers.length === 0) {
    const pointer = `${tdAt}/containerDefinitions/${routers[0] as number}/firelensConfiguration`;
    problems.push({
      code: 'MANIFEST_FIRELENS',
      pointer,
      target: 'key',
      message: `${pointer}: a FireLens log router needs at least one container with logConfiguration.logDriver awsfirelens; none has it`,
    });
  }
  return problems;
}

function containerRules(td: Rec, tdAt: string, ctx: { networkMode: string | undefined; ec2Only: boolean }): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const containers = td.containerDefinitions;
  const at = `${tdAt}/containerDefinitions`;
  if (!Array.isArray(containers)) return problems; // missing or mistyped: the schema says so
  if (containers.length === 0) {
    problems.push({ code: 'MANIFEST_CONTAINER_DEFINITIONS', pointer: at, message: `${at}: at least one container is required` });
    return problems;
  }
  const firstByName = new Map<string, number>();
  containers.forEach((raw, i) => {
    const c = rec(raw);
    if (!c) return;
    const cAt = `${at}/${i}`;
    for (const field of ['name', 'image'] as const) {
      if (c[field] === undefined) {
        problems.push({ code: 'MANIFEST_MISSING_FIELD', pointer: `${cAt}/${field}`, locateAt: cAt, message: `${cAt}/${field}: missing required field "${field}"` });
      }
    }
    const name = text(c.name);
    if (name !== undefined) {
      const first = firstByName.get(name);
      if (first !== undefined) {
        problems.push({
          code: 'MANIFEST_CONTAINER_DEFINITIONS',
          pointer: `${cAt}/name`,
          message: `${cAt}/name: container name "${name}" is already used by ${at}/${first}; names must be unique`,
        });
      } else {
        firstByName.set(name, i);
      }
    }
    if (td.memory === undefined && ctx.ec2Only && c.memory === undefined && c.memoryReservation === undefined) {
      problems.push({
        code: 'MANIFEST_CONTAINER_MEMORY',
        pointer: cAt,
        message: `${cAt}: container ${JSON.stringify(name ?? i)} needs memory or memoryReservation, because the task definition sets no task-level memory`,
      });
    }
    if (ctx.networkMode === 'awsvpc' || ctx.networkMode === 'host') {
      list(c.portMappings).forEach((pm, j) => {
        const m = rec(pm);
        if (m?.hostPort === undefined || m.containerPort === undefined || m.hostPort === m.containerPort) return;
        const pAt = `${cAt}/portMappings/${j}/hostPort`;
        problems.push({
          code: 'MANIFEST_PORT_MAPPING',
          pointer: pAt,
          message: `${pAt}: under networkMode ${ctx.networkMode} hostPort must equal containerPort (${String(m.containerPort)}) or be omitted, found ${String(m.hostPort)}`,
        });
      });
    }
  });
  if (containers.every((c) => rec(c)?.essential === false)) {
    problems.push({
      code: 'MANIFEST_CONTAINER_DEFINITIONS',
      pointer: at,
      message: `${at}: at least one container must be essential (essential defaults to true; remove essential: false from one)`,
    });
  }
  return problems;
}

/**
 * A load balancer's or service registry's containerName/containerPort must
 * name a container and one of its ports (ECS refuses CreateService otherwise).
 * Whether a registry needs them at all depends on the Cloud Map service's
 * record type, which validate cannot see.
 */
function containerTargetRules(
  spec: Rec, td: Rec, field: 'loadBalancers' | 'serviceRegistries', code: 'MANIFEST_LOAD_BALANCER_TARGET' | 'MANIFEST_SERVICE_REGISTRY_TARGET',
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const containers = list(td.containerDefinitions).map(rec).filter((c): c is Rec => c !== undefined);
  const names = containers.map((c) => text(c.name)).filter((n): n is string => n !== undefined);
  list(spec[field]).forEach((raw, i) => {
    const target = rec(raw);
    const containerName = text(target?.containerName);
    if (!target || containerName === undefined) return;
    const at = `/spec/${field}/${i}`;
    const container = containers.find((c) => c.name === containerName);
    if (!container) {
      // Load balancers have always listed nothing when there are no containers; registries say so.
      const candidates = names.length === 0 && field === 'loadBalancers' ? '' : candidatesText(containerName, names, 'containers');
      problems.push({
        code,
        pointer: `${at}/containerName`,
        message: `${at}/containerName: no container named "${containerName}" in the task definition${candidates}`,
      });
      return;
    }
    const port = target.containerPort;
    const ports = list(container.portMappings).map((pm) => rec(pm)?.containerPort);
    if (typeof port === 'number' && !ports.includes(port)) {
      problems.push({
        code,
        pointer: `${at}/containerPort`,
        message: `${at}/containerPort: container "${containerName}" has no portMappings entry with containerPort ${port}${ports.length > 0 ? ` (it maps ${ports.map(String).join(', ')})` : ''}`,
      });
    }
  });
  return problems;
}

