/**
 * The rules ECS enforces server-side that its API model does not encode
 * (docs/manifests.md, "Rules ECS enforces"): ranges, name patterns, ARN kinds
 * and the fields that go only with one deployment strategy. Pure, and written
 * on the shapes ECS takes: a CreateService / UpdateService input and a
 * RegisterTaskDefinition input. A manifest's `spec` is the first shape and
 * `spec.taskDefinition` the second, so `validate` (semantic-rules.ts) and the
 * sandbox (src/sandbox/server-side-rules.ts) run these same functions and can
 * never disagree.
 *
 * Each rule names its source in docs/manifests.md's table. Rules the ECS API
 * reference states are errors; what it only hints at (a field that is
 * "ignored" or "not used" elsewhere) is a warning, which `validate` prints and
 * the sandbox lets through. Values holding a `${…}` lookup are left alone:
 * they are only known at apply time. Written defensively: a value of the
 * wrong type is the schema's to report.
 */
import type { ManifestErrorCode } from '../errors/index.js';

type Rec = Readonly<Record<string, unknown>>;

export interface EcsConstraintProblem {
  readonly code: Extract<ManifestErrorCode, 'MANIFEST_INVALID_VALUE' | 'MANIFEST_CONFLICTING_FIELDS' | 'MANIFEST_MISSING_FIELD'>;
  /** JSON pointer relative to the request checked (e.g. /deploymentConfiguration/bakeTimeInMinutes). */
  readonly path: string;
  /** For a missing field: the pointer of the object that lacks it. */
  readonly parent?: string;
  /** What is wrong, naming the field, the value and what ECS allows (no location prefix). */
  readonly message: string;
  readonly severity?: 'warning';
}

/**
 * What UpdateService leaves as it is: the stored service's fields, for the
 * rules that need two fields when the request sends only one of them.
 */
export interface StoredService {
  readonly deploymentConfiguration?: unknown;
  readonly loadBalancers?: unknown;
  readonly deploymentController?: unknown;
  readonly schedulingStrategy?: unknown;
}

const rec = (value: unknown): Rec | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Rec) : undefined;
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
/** A `${ssm:…}`, `${cfn:…}` or `${var.…}` the renderer has not replaced: its value is unknown here. */
const deferred = (value: string): boolean => value.includes('${');

/** ECS names: families, containers, services (RegisterTaskDefinition family, ContainerDefinition name). */
export const ECS_RESOURCE_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** PortMapping.name: up to 64 lowercase letters, digits, _ and -, not starting with -. */
const PORT_MAPPING_NAME = /^(?!-)[a-z0-9_-]{1,64}$/;
const PORT_RANGE = /^(\d{1,5})-(\d{1,5})$/;
/** Only the service and resource type are checked, so test and partition accounts pass. */
const TARGET_GROUP_ARN = /^arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:targetgroup\/.+/;
const LISTENER_OR_RULE_ARN = /^arn:[^:]+:elasticloadbalancing:[^:]*:[^:]*:(listener-rule|listener)\/.+/;
const ROLE_ARN = /^arn:[^:]+:iam::[^:]*:role\/.+/;
const LAMBDA_FUNCTION_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:.+/;

const STRATEGIES_WITH_TRAFFIC_SHIFT: ReadonlySet<string> = new Set(['BLUE_GREEN', 'LINEAR', 'CANARY']);
/** Stages a PAUSE hook may not use (DeploymentLifecycleHook.lifecycleStages). */
const LAMBDA_ONLY_STAGES: ReadonlySet<string> = new Set(['TEST_TRAFFIC_SHIFT', 'PRODUCTION_TRAFFIC_SHIFT']);
const MAX_BAKE_MINUTES = 1440;
const MAX_INT32 = 2_147_483_647;

class Collector {
  readonly problems: EcsConstraintProblem[] = [];

  range(path: string, value: unknown, min: number, max: number, what: string, unit = ''): void {
    const n = num(value);
    if (n === undefined || (n >= min && n <= max)) return;
    const bound = max === Number.POSITIVE_INFINITY ? `at least ${min}${unit}` : `${min} to ${max}${unit}`;
    this.invalid(path, `${what} ${n} is out of range: ECS allows ${bound}`);
  }

  /** A percentage ECS takes in steps of 0.1 (LinearConfiguration, CanaryConfiguration). */
  tenths(path: string, value: unknown, min: number, max: number, what: string): void {
    const n = num(value);
    if (n === undefined) return;
    const onStep = Math.abs(n * 10 - Math.round(n * 10)) < 1e-6;
    if (n >= min && n <= max && onStep) return;
    this.invalid(path, `${what} ${n} is not allowed: ECS takes multiples of 0.1 from ${min.toFixed(1)} to ${max.toFixed(1)}`);
  }

  pattern(path: string, value: unknown, re: RegExp, why: string): void {
    const s = text(value);
    if (s === undefined || deferred(s) || re.test(s)) return;
    this.invalid(path, `${JSON.stringify(s)} ${why}`);
  }

  /**
   * An ARN of the wrong kind (a load balancer where a target group goes, a
   * user where a role goes). Values that are not ARNs at all are left to ECS:
   * tests and examples use placeholders there.
   */
  arnKind(path: string, value: unknown, re: RegExp, why: string): void {
    const s = text(value);
    if (s === undefined || !s.startsWith('arn:')) return;
    this.pattern(path, s, re, why);
  }

  invalid(path: string, message: string): void {
    this.problems.push({ code: 'MANIFEST_INVALID_VALUE', path, message });
  }

  conflict(path: string, message: string): void {
    this.problems.push({ code: 'MANIFEST_CONFLICTING_FIELDS', path, message });
  }

  missing(parent: string, field: string, message: string): void {
    this.problems.push({ code: 'MANIFEST_MISSING_FIELD', path: `${parent}/${field}`, parent, message: `missing required field "${field}": ${message}` });
  }

  warn(path: string, message: string): void {
    this.problems.push({ code: 'MANIFEST_CONFLICTING_FIELDS', path, message, severity: 'warning' });
  }
}

/**
 * Rules for a CreateService or UpdateService input (a manifest's spec).
 * Only the fields present are checked, so a partial UpdateService is judged
 * on what it sends; `stored` supplies what the rules pairing two fields need
 * when the request leaves one of them out.
 */
export function serviceConstraintProblems(service: Rec, stored: StoredService = {}): EcsConstraintProblem[] {
  const out = new Collector();
  // CreateService desiredCount: the number of tasks to keep running (ECS refuses a negative count).
  out.range('/desiredCount', service.desiredCount, 0, MAX_INT32, 'desiredCount');
  // UpdateService healthCheckGracePeriodSeconds: "up to 2,147,483,647 seconds".
  out.range('/healthCheckGracePeriodSeconds', service.healthCheckGracePeriodSeconds, 0, MAX_INT32, 'healthCheckGracePeriodSeconds', ' seconds');
  // CreateService placementConstraints (at most 10) and placementStrategy (at most 5).
  if (list(service.placementConstraints).length > 10) {
    out.invalid('/placementConstraints', `${list(service.placementConstraints).length} placement constraints: ECS allows at most 10 per task`);
  }
  if (list(service.placementStrategy).length > 5) {
    out.invalid('/placementStrategy', `${list(service.placementStrategy).length} placement strategy rules: ECS allows at most 5 per service`);
  }

  const sent = rec(service.deploymentConfiguration);
  const kept = rec(stored.deploymentConfiguration);
  const strategy = text(sent?.strategy) ?? text(kept?.strategy) ?? 'ROLLING';
  const controller = text(rec(service.deploymentController ?? stored.deploymentController)?.type) ?? 'ECS';
  const daemon = (service.schedulingStrategy ?? stored.schedulingStrategy) === 'DAEMON';
  if (sent) deploymentRules(out, sent, kept, { strategy, controller, daemon });
  const loadBalancers = service.loadBalancers ?? stored.loadBalancers;
  // Checked when either side of the pairing is sent: the strategy or the load balancers.
  if (service.loadBalancers !== undefined || sent?.strategy !== undefined) {
    loadBalancerRules(out, list(loadBalancers), strategy, service.loadBalancers !== undefined);
  }
  return out.problems;
}

interface DeploymentContext {
  readonly strategy: string;
  readonly controller: string;
  readonly daemon: boolean;
}

function deploymentRules(out: Collector, config: Rec, kept: Rec | undefined, ctx: DeploymentContext): void {
  const at = '/deploymentConfiguration';
  // DeploymentConfiguration maximumPercent / minimumHealthyPercent: whole percentages, never negative.
  out.range(`${at}/maximumPercent`, config.maximumPercent, 0, Number.POSITIVE_INFINITY, 'maximumPercent');
  out.range(`${at}/minimumHealthyPercent`, config.minimumHealthyPercent, 0, Number.POSITIVE_INFINITY, 'minimumHealthyPercent');
  if (config.maximumPercent !== undefined || config.minimumHealthyPercent !== undefined) {
    // What ECS compares: the value sent, else the stored one, else its default (REPLICA 200/100, DAEMON 100/0).
    const max = num(config.maximumPercent) ?? num(kept?.maximumPercent) ?? (ctx.daemon ? 100 : 200);
    const min = num(config.minimumHealthyPercent) ?? num(kept?.minimumHealthyPercent) ?? (ctx.daemon ? 0 : 100);
    if (min >= 0 && max >= 0 && min > max) {
      const pointer = config.minimumHealthyPercent !== undefined ? `${at}/minimumHealthyPercent` : `${at}/maximumPercent`;
      out.conflict(pointer, `minimumHealthyPercent ${min} is above maximumPercent ${max}${config.maximumPercent === undefined ? ' (the default)' : ''}; keep minimumHealthyPercent <= maximumPercent`);
    }
  }

  const shifting = STRATEGIES_WITH_TRAFFIC_SHIFT.has(ctx.strategy);
  // LinearConfiguration / CanaryConfiguration: only with deploymentController ECS.
  if (shifting && ctx.controller !== 'ECS' && config.strategy !== undefined) {
    out.conflict(`${at}/strategy`, `strategy ${ctx.strategy} needs deploymentController type ECS, found ${ctx.controller}`);
  }
  // DeploymentConfiguration.deploymentCircuitBreaker: "can only be used for services using the rolling update (ECS) deployment type".
  // "(ECS) deployment type" is the deployment controller: CODE_DEPLOY and EXTERNAL are refused. Whether ECS also
  // refuses the breaker with the newer BLUE_GREEN, LINEAR and CANARY strategies is not confirmed (its failure
  // detection guide lists blue/green too), so that case only warns: a false error would block a valid deploy.
  if (rec(config.deploymentCircuitBreaker)?.enable === true && ctx.controller !== 'ECS') {
    out.conflict(`${at}/deploymentCircuitBreaker/enable`, `the deployment circuit breaker works only with the ECS deployment controller, not with deploymentController ${ctx.controller}; turn the breaker off`);
  } else if (rec(config.deploymentCircuitBreaker)?.enable === true && ctx.strategy !== 'ROLLING') {
    out.warn(`${at}/deploymentCircuitBreaker/enable`, `the ECS API reference documents the deployment circuit breaker for rolling deployments; with strategy ${ctx.strategy} roll back with alarms or lifecycle hooks instead`);
  }

  // bakeTimeInMinutes: 0-1440 like the step and canary bake times; the reference says BLUE_GREEN must provide it.
  out.range(`${at}/bakeTimeInMinutes`, config.bakeTimeInMinutes, 0, MAX_BAKE_MINUTES, 'bakeTimeInMinutes', ' minutes');
  if (config.bakeTimeInMinutes !== undefined && !shifting) {
    out.warn(`${at}/bakeTimeInMinutes`, `bakeTimeInMinutes is used by BLUE_GREEN, LINEAR and CANARY deployments; with strategy ${ctx.strategy} it has no effect`);
  }
  if (ctx.strategy === 'BLUE_GREEN' && config.strategy !== undefined && config.bakeTimeInMinutes === undefined) {
    out.problems.push({
      code: 'MANIFEST_MISSING_FIELD', path: `${at}/bakeTimeInMinutes`, parent: at, severity: 'warning',
      message: 'strategy BLUE_GREEN without bakeTimeInMinutes: the ECS API reference says to provide it (how long blue and green both run after production traffic has shifted)',
    });
  }

  // DeploymentConfiguration.linearConfiguration / canaryConfiguration: "Only valid when the deployment strategy is LINEAR / CANARY".
  for (const [field, wanted] of [['linearConfiguration', 'LINEAR'], ['canaryConfiguration', 'CANARY']] as const) {
    if (config[field] !== undefined && ctx.strategy !== wanted) {
      out.conflict(`${at}/${field}`, `${field} is only valid with strategy ${wanted}, found ${ctx.strategy}`);
    }
  }
  const linear = rec(config.linearConfiguration);
  // LinearConfiguration: stepPercent multiples of 0.1 from 3.0 to 100.0; stepBakeTimeInMinutes 0-1440.
  out.tenths(`${at}/linearConfiguration/stepPercent`, linear?.stepPercent, 3, 100, 'stepPercent');
  out.range(`${at}/linearConfiguration/stepBakeTimeInMinutes`, linear?.stepBakeTimeInMinutes, 0, MAX_BAKE_MINUTES, 'stepBakeTimeInMinutes', ' minutes');
  const canary = rec(config.canaryConfiguration);
  // CanaryConfiguration: canaryPercent multiples of 0.1 from 0.1 to 100.0; canaryBakeTimeInMinutes 0-1440.
  out.tenths(`${at}/canaryConfiguration/canaryPercent`, canary?.canaryPercent, 0.1, 100, 'canaryPercent');
  out.range(`${at}/canaryConfiguration/canaryBakeTimeInMinutes`, canary?.canaryBakeTimeInMinutes, 0, MAX_BAKE_MINUTES, 'canaryBakeTimeInMinutes', ' minutes');

  list(config.lifecycleHooks).forEach((raw, i) => {
    const hook = rec(raw);
    if (hook) hookRules(out, hook, `${at}/lifecycleHooks/${i}`, ctx.strategy);
  });
}

/** DeploymentLifecycleHook: its target, role and stages. */
function hookRules(out: Collector, hook: Rec, at: string, strategy: string): void {
  const targetType = text(hook.targetType) ?? 'AWS_LAMBDA';
  const stages = list(hook.lifecycleStages).map(text).filter((s): s is string => s !== undefined);
  // lifecycleStages: "You must provide this parameter when configuring a deployment lifecycle hook."
  if (hook.lifecycleStages === undefined || (Array.isArray(hook.lifecycleStages) && hook.lifecycleStages.length === 0)) {
    out.missing(at, 'lifecycleStages', 'name at least one stage the hook runs at (e.g. [POST_TEST_TRAFFIC_SHIFT])');
  }
  if (targetType === 'AWS_LAMBDA') {
    // hookTargetArn: "You must provide this parameter when configuring an AWS_LAMBDA lifecycle hook" (a Lambda function ARN).
    if (hook.hookTargetArn === undefined) out.missing(at, 'hookTargetArn', 'an AWS_LAMBDA hook (the default targetType) calls this Lambda function ARN; use targetType PAUSE to wait for ContinueServiceDeployment instead');
    out.arnKind(`${at}/hookTargetArn`, hook.hookTargetArn, LAMBDA_FUNCTION_ARN, 'is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)');
    if (hook.roleArn === undefined) {
      out.problems.push({
        code: 'MANIFEST_MISSING_FIELD', path: `${at}/roleArn`, parent: at, severity: 'warning',
        message: 'an AWS_LAMBDA hook without roleArn: ECS needs an IAM role that lets it invoke the function',
      });
    }
  } else {
    // PAUSE: hookTargetArn "is not applicable", hookDetails "is not used"; TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT are Lambda-only.
    for (const field of ['hookTargetArn', 'hookDetails'] as const) {
      if (hook[field] !== undefined) out.warn(`${at}/${field}`, `${field} is not used by a ${targetType} hook; remove it`);
    }
    stages.forEach((stage, j) => {
      if (LAMBDA_ONLY_STAGES.has(stage)) {
        out.conflict(`${at}/lifecycleStages/${j}`, `a ${targetType} hook cannot run at ${stage}: only AWS_LAMBDA hooks can (ECS pauses before or after a traffic shift, e.g. POST_TEST_TRAFFIC_SHIFT or PRE_PRODUCTION_TRAFFIC_SHIFT)`);
      }
    });
  }
  out.arnKind(`${at}/roleArn`, hook.roleArn, ROLE_ARN, 'is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)');
  if (!STRATEGIES_WITH_TRAFFIC_SHIFT.has(strategy)) {
    out.warn(at, `lifecycle hooks run at the stages of BLUE_GREEN, LINEAR and CANARY deployments; with strategy ${strategy} this hook may never run`);
  }
}

/**
 * LoadBalancer and AdvancedConfiguration: ARN kinds, and the alternate target
 * group, production listener rule and role a traffic-shifting strategy needs.
 * `sentLoadBalancers`: whether the load balancers are in the request (their
 * own field rules are checked only then).
 */
function loadBalancerRules(out: Collector, loadBalancers: readonly unknown[], strategy: string, sentLoadBalancers: boolean): void {
  const shifting = STRATEGIES_WITH_TRAFFIC_SHIFT.has(strategy);
  loadBalancers.forEach((raw, i) => {
    const lb = rec(raw);
    if (!lb) return;
    const at = `/loadBalancers/${i}`;
    if (sentLoadBalancers) {
      // LoadBalancer: an ALB/NLB names its target group ARN and omits loadBalancerName; a Classic LB the reverse.
      if (lb.targetGroupArn !== undefined && lb.loadBalancerName !== undefined) {
        out.conflict(`${at}/loadBalancerName`, 'targetGroupArn (Application or Network Load Balancer) and loadBalancerName (Classic Load Balancer) cannot both be set; keep the one your load balancer takes');
      }
      out.arnKind(`${at}/targetGroupArn`, lb.targetGroupArn, TARGET_GROUP_ARN, 'is not a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)');
    }
    const advanced = rec(lb.advancedConfiguration);
    if (advanced && sentLoadBalancers) {
      const aAt = `${at}/advancedConfiguration`;
      out.arnKind(`${aAt}/alternateTargetGroupArn`, advanced.alternateTargetGroupArn, TARGET_GROUP_ARN, 'is not a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)');
      for (const field of ['productionListenerRule', 'testListenerRule'] as const) {
        out.arnKind(`${aAt}/${field}`, advanced[field], LISTENER_OR_RULE_ARN, 'is not a listener rule ARN (Application Load Balancer: ...:listener-rule/app/...) or a listener ARN (Network Load Balancer: ...:listener/net/...)');
      }
      out.arnKind(`${aAt}/roleArn`, advanced.roleArn, ROLE_ARN, 'is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)');
      if (typeof advanced.alternateTargetGroupArn === 'string' && advanced.alternateTargetGroupArn === lb.targetGroupArn) {
        out.conflict(`${aAt}/alternateTargetGroupArn`, 'the alternate target group is the production target group itself; blue/green needs a second target group for the green tasks');
      }
      if (!shifting) out.warn(aAt, `advancedConfiguration is used by BLUE_GREEN, LINEAR and CANARY deployments; with strategy ${strategy} it has no effect`);
    }
    // AdvancedConfiguration: "the alternate target group, listener rules, and IAM role required for traffic shifting".
    if (shifting && lb.targetGroupArn !== undefined) {
      const aAt = `${at}/advancedConfiguration`;
      if (!advanced) {
        out.missing(at, 'advancedConfiguration', `strategy ${strategy} shifts traffic between two target groups: give alternateTargetGroupArn, productionListenerRule and roleArn (testListenerRule is optional)`);
        return;
      }
      const why: Record<string, string> = {
        alternateTargetGroupArn: 'the target group the green tasks register with',
        productionListenerRule: 'the listener rule (ALB) or listener (NLB) whose traffic ECS shifts',
        roleArn: 'the IAM role ECS uses to change the listener rules',
      };
      for (const field of Object.keys(why)) {
        if (advanced[field] === undefined) out.missing(aAt, field, `strategy ${strategy} needs ${why[field] as string}`);
      }
    }
  });
}

/** Rules for a RegisterTaskDefinition input (a manifest's spec.taskDefinition). */
export function taskDefinitionConstraintProblems(td: Rec): EcsConstraintProblem[] {
  const out = new Collector();
  // RegisterTaskDefinition family: up to 255 letters, numbers, underscores and hyphens.
  out.pattern('/family', td.family, ECS_RESOURCE_NAME, 'is not a valid family: use 1-255 letters, digits, hyphens and underscores');
  // RegisterTaskDefinition placementConstraints: at most 10.
  if (list(td.placementConstraints).length > 10) {
    out.invalid('/placementConstraints', `${list(td.placementConstraints).length} placement constraints: ECS allows at most 10 per task`);
  }
  const networkMode = text(td.networkMode);
  list(td.containerDefinitions).forEach((raw, i) => {
    const c = rec(raw);
    if (c) containerRules(out, c, `/containerDefinitions/${i}`, networkMode);
  });
  return out.problems;
}

function containerRules(out: Collector, c: Rec, at: string, networkMode: string | undefined): void {
  // ContainerDefinition name: up to 255 letters, numbers, underscores and hyphens.
  out.pattern(`${at}/name`, c.name, ECS_RESOURCE_NAME, 'is not a valid container name: use 1-255 letters, digits, hyphens and underscores');
  // ContainerDefinition memory / memoryReservation: "memory must be greater than memoryReservation"; under 6 MiB Docker cannot start it.
  const memory = num(c.memory);
  const reservation = num(c.memoryReservation);
  if (memory !== undefined && reservation !== undefined && reservation > memory) {
    out.conflict(`${at}/memoryReservation`, `memoryReservation ${reservation} MiB is above memory ${memory} MiB: the soft limit must not exceed the hard limit`);
  }
  for (const [field, value] of [['memory', memory], ['memoryReservation', reservation]] as const) {
    if (value !== undefined && value < 6) {
      out.problems.push({ code: 'MANIFEST_INVALID_VALUE', path: `${at}/${field}`, severity: 'warning', message: `${field} ${value} MiB is below the 6 MiB Docker reserves for a container; the container would not start` });
    }
  }
  // ContainerDefinition links: "only supported if the network mode of a task definition is bridge".
  if (c.links !== undefined && networkMode !== undefined && networkMode !== 'bridge') {
    out.conflict(`${at}/links`, `links work only with networkMode bridge, found ${networkMode}; under ${networkMode} containers reach each other on localhost`);
  }

  const health = rec(c.healthCheck);
  if (health) {
    const hAt = `${at}/healthCheck`;
    // HealthCheck: interval 5-300 s, timeout 2-60 s, retries 1-10, startPeriod 0-300 s; command starts with CMD or CMD-SHELL.
    out.range(`${hAt}/interval`, health.interval, 5, 300, 'healthCheck interval', ' seconds');
    out.range(`${hAt}/timeout`, health.timeout, 2, 60, 'healthCheck timeout', ' seconds');
    out.range(`${hAt}/retries`, health.retries, 1, 10, 'healthCheck retries');
    out.range(`${hAt}/startPeriod`, health.startPeriod, 0, 300, 'healthCheck startPeriod', ' seconds');
    const first = Array.isArray(health.command) ? health.command[0] : undefined;
    if (Array.isArray(health.command) && (typeof first !== 'string' || !['CMD', 'CMD-SHELL', 'NONE'].includes(first))) {
      out.invalid(`${hAt}/command/0`, `healthCheck command starts with ${JSON.stringify(first ?? null)}: start it with "CMD" (run the arguments directly) or "CMD-SHELL" (run them with the container's shell), e.g. [CMD-SHELL, "curl -f http://localhost/ || exit 1"]`);
    }
  }

  let ranges = 0;
  const seenRanges: { from: number; to: number; protocol: string; j: number }[] = [];
  list(c.portMappings).forEach((raw, j) => {
    const pm = rec(raw);
    if (!pm) return;
    const pAt = `${at}/portMappings/${j}`;
    // PortMapping: a port is 1-65535 (hostPort 0 asks for a dynamic host port under bridge).
    out.range(`${pAt}/containerPort`, pm.containerPort, 1, 65535, 'containerPort');
    out.range(`${pAt}/hostPort`, pm.hostPort, 0, 65535, 'hostPort');
    // PortMapping name: up to 64 lowercase letters, numbers, underscores and hyphens, not starting with a hyphen.
    out.pattern(`${pAt}/name`, pm.name, PORT_MAPPING_NAME, 'is not a valid port mapping name: use up to 64 lowercase letters, digits, _ and -, not starting with -');
    if (pm.containerPort === undefined && pm.containerPortRange === undefined) {
      out.missing(pAt, 'containerPort', 'a port mapping maps a containerPort (or a containerPortRange)');
    }
    const range = text(pm.containerPortRange);
    if (range === undefined || deferred(range)) return;
    ranges++;
    const m = PORT_RANGE.exec(range);
    const from = Number(m?.[1]);
    const to = Number(m?.[2]);
    // PortMapping containerPortRange: "first-last", ports 1-65535, first below last, bridge or awsvpc, no hostPort, no overlaps.
    if (!m || from < 1 || to > 65535 || from >= to) {
      out.invalid(`${pAt}/containerPortRange`, `${JSON.stringify(range)} is not a port range: write "first-last" with 1 <= first < last <= 65535, e.g. "8000-8099"`);
      return;
    }
    if (networkMode !== undefined && networkMode !== 'bridge' && networkMode !== 'awsvpc') {
      out.conflict(`${pAt}/containerPortRange`, `containerPortRange needs networkMode bridge or awsvpc, found ${networkMode}`);
    }
    if (pm.hostPort !== undefined) {
      out.conflict(`${pAt}/hostPort`, 'with a containerPortRange, leave hostPort out: ECS sets the host ports itself');
    }
    const protocol = text(pm.protocol) ?? 'tcp';
    const overlap = seenRanges.find((r) => r.protocol === protocol && from <= r.to && to >= r.from);
    if (overlap) {
      out.conflict(`${pAt}/containerPortRange`, `${range} overlaps ${at}/portMappings/${overlap.j}/containerPortRange (${overlap.from}-${overlap.to}); a port can be in one port mapping per container`);
    }
    seenRanges.push({ from, to, protocol, j });
  });
  if (ranges > 100) {
    out.invalid(`${at}/portMappings`, `${ranges} port ranges: ECS allows at most 100 containerPortRange entries per container`);
  }
}
