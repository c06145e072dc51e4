/**
 * Benchmark fixtures: a real Git checkout of N service manifests (one file
 * each, spread over clusters, task definition families optionally shared,
 * optionally a share of them with spec.autoScaling),
 * edits committed with the `git` CLI, and seeding of the sandbox so the
 * services already exist and are in sync before a measured phase starts.
 * Seeding uses an in-process controller without client-side rate limits
 * against the sandbox with throttling switched off: it is setup, not measured.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { createController } from '../../src/controller/index.js';
import { readSnapshot } from '../../src/app/runtime.js';
import { createSdkScalingApi } from '../../src/autoscaling/scaling-sdk-adapter.js';
import { createSdkEcsApi } from '../../src/ecs/sdk-adapter.js';
import { SandboxAdminClient } from './sandbox-admin.js';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import { locationOf } from '../../src/keys/index.js';

export const REGION = 'eu-west-1';

export interface FleetSpec {
  readonly services: number;
  readonly clusters: number;
  /** Distinct task definition families (services i and j share one when i ≡ j mod families). Default: one per service. */
  readonly families?: number;
  /** Prefix of service, cluster and family names, so fleets never collide. */
  readonly prefix: string;
  /**
   * Services per file (YAML documents separated by ---). Default 1. The loader
   * reads at most 5,000 files (src/manifests/limits.ts), so 10,000 services need several per file.
   */
  readonly servicesPerFile?: number;
  /**
   * Every k-th service of each cluster declares spec.autoScaling (5: a fifth
   * of the fleet, spread over every cluster). Of those, every second also has
   * a scheduled action and every fifth a step scaling policy with its alarm.
   * Default: no service is autoscaled.
   */
  readonly autoScaleEvery?: number;
  /**
   * Every k-th service of each cluster, its first included, deploys with deploymentConfiguration.strategy
   * BLUE_GREEN (4: about a quarter of the fleet, spread over every cluster; 13 of a cluster's 50, 2 of 5), behind a
   * load balancer with its alternate target group and listener rules
   * (docs/deployments.md, "BLUE_GREEN") and a bake time of BLUE_GREEN_BAKE_MINUTES.
   * Default: every service deploys ROLLING.
   */
  readonly blueGreenEvery?: number;
}

/** Bake time of the fleet's BLUE_GREEN services: short, so a followed rollout is mostly stages, not waiting. */
export const BLUE_GREEN_BAKE_MINUTES = 1;

/** What an autoscaled service declares besides min/max and one target tracking policy. */
export interface ServiceScaling {
  readonly scheduled: boolean;
  readonly step: boolean;
}

/** Live scaling objects a fleet declares, for the ideal cost of listing them. */
export interface FleetScalingCounts {
  readonly targets: number;
  readonly policies: number;
  readonly scheduledActions: number;
  /** Alarms the controller owns (one per step scaling policy). */
  readonly alarms: number;
}

export interface ServiceRef {
  readonly index: number;
  readonly name: string;
  readonly cluster: string;
  readonly family: string;
  readonly file: string;
  readonly scaling?: ServiceScaling;
  /** Deploys with strategy BLUE_GREEN (FleetSpec.blueGreenEvery). */
  readonly blueGreen?: true;
}

export class Fleet {
  readonly refs: readonly ServiceRef[];
  readonly root: string;
  readonly #images = new Map<string, string>();
  readonly #scheduledHour: number;

  constructor(readonly spec: FleetSpec, root?: string) {
    this.root = root ?? mkdtempSync(path.join(tmpdir(), `ecs-gitops-bench-${spec.prefix}-`));
    const families = spec.families ?? spec.services;
    let autoScaled = 0;
    this.refs = Array.from({ length: spec.services }, (_, i) => {
      const scaled = spec.autoScaleEvery !== undefined && Math.floor(i / spec.clusters) % spec.autoScaleEvery === 0;
      const ordinal = scaled ? autoScaled++ : -1;
      const blueGreen = spec.blueGreenEvery !== undefined && Math.floor(i / spec.clusters) % spec.blueGreenEvery === 0;
      return {
        index: i,
        name: `${spec.prefix}-svc-${i}`,
        cluster: `${spec.prefix}-cluster-${i % spec.clusters}`,
        family: `${spec.prefix}-td-${i % families}`,
        file: (spec.servicesPerFile ?? 1) > 1
          ? path.join(this.root, 'services', `${spec.prefix}-group-${Math.floor(i / (spec.servicesPerFile ?? 1))}.yaml`)
          : path.join(this.root, 'services', `${spec.prefix}-svc-${i}.yaml`),
        ...(scaled ? { scaling: { scheduled: ordinal % 2 === 0, step: ordinal % 5 === 0 } } : {}),
        ...(blueGreen ? { blueGreen: true as const } : {}),
      };
    });
    // A daily scheduled action twelve hours from now: real-looking, and it never fires while a bench
    // runs (the sandbox's clock starts at the real time), so no count moves in the steady state.
    this.#scheduledHour = (new Date().getUTCHours() + 12) % 24;
  }

  /** Targets, policies, scheduled actions and owned alarms the fleet declares. */
  get scalingCounts(): FleetScalingCounts {
    const scaled = this.refs.filter((r) => r.scaling !== undefined);
    const steps = scaled.filter((r) => r.scaling?.step).length;
    return {
      targets: scaled.length,
      policies: scaled.length + steps,
      scheduledActions: scaled.filter((r) => r.scaling?.scheduled).length,
      alarms: steps,
    };
  }

  /** The services that deploy BLUE_GREEN. */
  get blueGreenRefs(): ServiceRef[] {
    return this.refs.filter((r) => r.blueGreen === true);
  }

  get clusterNames(): string[] {
    return Array.from({ length: this.spec.clusters }, (_, c) => `${this.spec.prefix}-cluster-${c}`);
  }

  /** Services per cluster, for the ideal DescribeServices count. */
  get servicesPerCluster(): number[] {
    const counts = new Array<number>(this.spec.clusters).fill(0);
    for (const ref of this.refs) counts[ref.index % this.spec.clusters] = (counts[ref.index % this.spec.clusters] ?? 0) + 1;
    return counts;
  }

  /** The image a family currently declares (families share content, so the image is per family). */
  image(family: string): string {
    return this.#images.get(family) ?? 'public.ecr.aws/nginx/nginx:1.27.0';
  }

  setImage(family: string, image: string): void {
    this.#images.set(family, image);
  }

  manifest(ref: ServiceRef): string {
    return stringify({
      apiVersion: 'ecs-gitops/v1',
      kind: 'Service',
      metadata: { name: ref.name, cluster: ref.cluster, region: REGION },
      spec: {
        ...fargateServiceSpec(ref, this.image(ref.family)),
        ...(ref.blueGreen ? blueGreenSpec(ref) : {}),
        ...(ref.scaling ? { autoScaling: this.#autoScaling(ref, ref.scaling) } : {}),
      },
    });
  }

  /** A worker's scaling as docs/manifests.md shows it: CPU target tracking, a queue-depth step policy, a daily schedule. */
  #autoScaling(ref: ServiceRef, scaling: ServiceScaling): Record<string, unknown> {
    return {
      minCapacity: 1,
      maxCapacity: 4,
      targetTracking: [{
        name: 'cpu', targetValue: 60, predefinedMetric: 'ECSServiceAverageCPUUtilization', scaleInCooldown: 300, scaleOutCooldown: 60,
      }],
      ...(scaling.step ? {
        stepScaling: [{
          name: 'queue-depth',
          adjustmentType: 'ChangeInCapacity',
          stepAdjustments: [{ metricIntervalLowerBound: 0, metricIntervalUpperBound: 100, scalingAdjustment: 1 }, { metricIntervalLowerBound: 100, scalingAdjustment: 2 }],
          cooldown: 60,
          // An SQS metric: the sandbox has no data for it, so the alarm never acts during a bench.
          alarm: {
            metricName: 'ApproximateNumberOfMessagesVisible', namespace: 'AWS/SQS', dimensions: [{ name: 'QueueName', value: `${ref.name}-jobs` }],
            statistic: 'Average', period: 60, evaluationPeriods: 3, threshold: 100, comparisonOperator: 'GreaterThanOrEqualToThreshold', treatMissingData: 'notBreaching',
          },
        }],
      } : {}),
      ...(scaling.scheduled ? {
        scheduled: [{ name: 'nightly', schedule: `cron(0 ${this.#scheduledHour} * * ? *)`, timezone: 'UTC', minCapacity: 1, maxCapacity: 2 }],
      } : {}),
    };
  }

  /** Writes the files holding `refs` (every service of each such file, as currently declared). */
  #write(refs: readonly ServiceRef[]): void {
    const files = new Set(refs.map((r) => r.file));
    for (const file of files) {
      writeFileSync(file, this.refs.filter((r) => r.file === file).map((r) => this.manifest(r)).join('---\n'));
    }
  }

  /** Writes every manifest and makes the first commit. */
  init(): void {
    mkdirSync(path.join(this.root, 'services'), { recursive: true });
    git(this.root, 'init', '-q', '-b', 'main');
    this.#write(this.refs);
    git(this.root, 'add', '-A');
    git(this.root, 'commit', '-q', '-m', 'initial fleet');
  }

  /** Rewrites the files of `refs` (after setImage) and commits them as one commit. */
  commit(refs: readonly ServiceRef[], message: string): void {
    this.#write(refs);
    git(this.root, 'commit', '-q', '-a', '-m', message);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The spec every bench service declares (one Fargate container, 0.25 vCPU), without auto scaling. */
function fargateServiceSpec(ref: Pick<ServiceRef, 'index' | 'family'>, image: string): Record<string, unknown> {
  return {
    desiredCount: 1,
    launchType: 'FARGATE',
    taskDefinition: {
      family: ref.family, cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{
        name: 'app', image, portMappings: [{ containerPort: 8080 }],
        environment: [{ name: 'FAMILY', value: ref.family }],
      }],
    },
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60003'] } },
    tags: { team: `team-${ref.index % 7}` },
  };
}

/**
 * What a BLUE_GREEN service adds to fargateServiceSpec: its load balancer
 * (production and alternate target groups, production and test listener
 * rules, the role ECS changes them with; ARNs of the kinds validate checks,
 * src/manifests/ecs-constraint-rules.ts) and the strategy with a short bake time.
 */
function blueGreenSpec(ref: Pick<ServiceRef, 'name'>): Record<string, unknown> {
  const elb = `arn:aws:elasticloadbalancing:${REGION}:123456789012`;
  const hex = (n: number) => n.toString(16).padStart(16, '0');
  const id = Number.parseInt(ref.name.replace(/\D/g, '') || '0', 10);
  return {
    loadBalancers: [{
      targetGroupArn: `${elb}:targetgroup/${ref.name.slice(-22)}-b/${hex(id)}`,
      containerName: 'app',
      containerPort: 8080,
      advancedConfiguration: {
        alternateTargetGroupArn: `${elb}:targetgroup/${ref.name.slice(-22)}-g/${hex(id + 1)}`,
        productionListenerRule: `${elb}:listener-rule/app/bench/0123456789abcdef/0123456789abcdef/${hex(2 * id)}`,
        testListenerRule: `${elb}:listener-rule/app/bench/0123456789abcdef/fedcba9876543210/${hex(2 * id + 1)}`,
        roleArn: 'arn:aws:iam::123456789012:role/ecs-infrastructure-load-balancers',
      },
    }],
    deploymentConfiguration: { strategy: 'BLUE_GREEN', bakeTimeInMinutes: BLUE_GREEN_BAKE_MINUTES },
  };
}

/** Where an Environment puts what is rendered for it: an account and a Region (docs/environments.md). */
export interface FleetEnvironment {
  readonly name: string;
  readonly account: string;
  readonly region: string;
}

export interface EnvironmentFleetSpec {
  /** Service documents; each lists every environment, so the fleet has templates x environments services. */
  readonly templates: number;
  /** Clusters per environment (the same names in each account and Region); template i uses cluster i mod clusters. */
  readonly clusters: number;
  /** Task definition families per environment; template i uses family i mod families. */
  readonly families: number;
  readonly prefix: string;
  readonly environments: readonly FleetEnvironment[];
  /** Every environment's spec.rateLimits (the ECS quotas the controller assumes there); absent: the controller's defaults. */
  readonly rateLimits?: Readonly<Record<string, { readonly burst: number; readonly refillPerSecond: number }>>;
}

/** One template: a service document rendered in every environment. */
export interface TemplateRef {
  readonly index: number;
  readonly name: string;
  readonly cluster: string;
  readonly family: string;
}

/** The role each bench environment names: the sandbox lets anyone assume any role, acting in the role's account. */
export const targetRoleArn = (account: string): string => `arn:aws:iam::${account}:role/ecs-gitops-target`;

/**
 * A checkout with `kind: Environment` documents (one per account and Region,
 * each with a roleArn) and service templates listing all of them
 * (docs/manifests.md, "Environments"): the shape of one team's services in
 * dev, staging and prod, many accounts from one controller.
 */
export class EnvironmentFleet {
  readonly templates: readonly TemplateRef[];
  readonly root: string;

  constructor(readonly spec: EnvironmentFleetSpec) {
    if (spec.environments.length === 0) throw new Error('an environment fleet needs at least one environment');
    this.root = mkdtempSync(path.join(tmpdir(), `ecs-gitops-bench-${spec.prefix}-`));
    this.templates = Array.from({ length: spec.templates }, (_, i) => ({
      index: i,
      name: `${spec.prefix}-svc-${i}`,
      cluster: `${spec.prefix}-cluster-${i % spec.clusters}`,
      family: `${spec.prefix}-td-${i % spec.families}`,
    }));
  }

  /** Rendered services: every template in every environment. */
  get services(): number {
    return this.spec.templates * this.spec.environments.length;
  }

  /** Each environment's location, `account@region` (src/keys: locationOf). */
  get locations(): string[] {
    return this.spec.environments.map((e) => locationOf({ account: e.account, region: e.region }));
  }

  get clusterNames(): string[] {
    return [...new Set(this.templates.map((t) => t.cluster))];
  }

  /** Services per cluster in one location (every location has the same). */
  get servicesPerCluster(): number[] {
    const counts = new Map<string, number>();
    for (const t of this.templates) counts.set(t.cluster, (counts.get(t.cluster) ?? 0) + 1);
    return [...counts.values()];
  }

  environmentDocuments(): string {
    return this.spec.environments.map((e) => stringify({
      apiVersion: 'ecs-gitops/v1',
      kind: 'Environment',
      metadata: { name: e.name },
      spec: {
        account: e.account, region: e.region, roleArn: targetRoleArn(e.account),
        ...(this.spec.rateLimits ? { rateLimits: this.spec.rateLimits } : {}),
      },
    })).join('---\n');
  }

  manifest(ref: TemplateRef): string {
    return stringify({
      apiVersion: 'ecs-gitops/v1',
      kind: 'Service',
      metadata: { name: ref.name, cluster: ref.cluster, environments: this.spec.environments.map((e) => e.name) },
      spec: fargateServiceSpec(ref, 'public.ecr.aws/nginx/nginx:1.27.0'),
    });
  }

  /** Writes environments.yaml and one file per template, and makes the first commit. */
  init(): void {
    mkdirSync(path.join(this.root, 'services'), { recursive: true });
    git(this.root, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(this.root, 'environments.yaml'), this.environmentDocuments());
    for (const ref of this.templates) writeFileSync(path.join(this.root, 'services', `${ref.name}.yaml`), this.manifest(ref));
    git(this.root, 'add', '-A');
    git(this.root, 'commit', '-q', '-m', 'initial fleet in every environment');
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Creates an environment fleet's clusters and services in every account and
 * Region of the sandbox, as seedFleet does for one: an in-process controller
 * without client-side limits, throttling off. Its clients sign with each
 * account's id as the access key (the sandbox acts in that account), so no
 * AssumeRole is counted before the measured controller's own.
 */
export async function seedEnvironmentFleet(fleet: EnvironmentFleet, endpoint: string, signal: AbortSignal): Promise<{ seconds: number; synced: number }> {
  const started = Date.now();
  const admin = new SandboxAdminClient(endpoint);
  await admin.setThrottling('off');
  await admin.seed({
    accounts: fleet.spec.environments.map((e) => ({
      accountId: e.account, region: e.region, clusters: fleet.clusterNames.map((name) => ({ name, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] })),
    })),
  });
  const clients = new Map(fleet.spec.environments.map((e) => [
    locationOf({ account: e.account, region: e.region }),
    createSdkEcsApi({ endpoint, region: e.region, credentials: { accessKeyId: e.account, secretAccessKey: 'bench-dummy-not-a-secret' } }),
  ]));
  const ecsFor = (location: string) => {
    const made = clients.get(location);
    if (!made) throw new Error(`seeding: no environment at ${location}`);
    return made.api;
  };
  const controller = createController({ ecs: ecsFor, accounts: new AccountDirectory(), resyncMs: 0, followRollouts: false, workers: 16, rateLimits: false });
  try {
    await controller.start();
    const snapshot = await readSnapshot(fleet.root, REGION, signal);
    if (snapshot.problems.length > 0) throw new Error(`the environment fleet does not validate: ${JSON.stringify(snapshot.problems.slice(0, 3))}`);
    controller.setSnapshot(snapshot);
    await controller.waitForIdle({ requeues: true });
    const synced = controller.status.list().filter((s) => s.sync === 'Synced').length;
    await admin.advanceClock(10 * 60_000);
    return { seconds: (Date.now() - started) / 1000, synced };
  } finally {
    await controller.stop({ graceMs: 5_000 });
    for (const { client } of clients.values()) client.destroy();
  }
}

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');
}

/**
 * Creates the fleet's clusters and services in the sandbox (with the scalable
 * targets, policies, alarms and scheduled actions of the autoscaled ones: the
 * controller registers them as it would in production) and lets their first
 * rollouts finish, so the measured controller starts from "everything in sync".
 * `autoScaled` counts the services whose target Git now owns.
 * Leaves throttling off; the caller switches it on for the measured phase.
 */
export async function seedFleet(fleet: Fleet, endpoint: string, accountId: string, signal: AbortSignal): Promise<{ seconds: number; synced: number; autoScaled: number }> {
  const started = Date.now();
  const admin = new SandboxAdminClient(endpoint, accountId);
  await admin.setThrottling('off');
  await admin.seed({
    accounts: [{ accountId, region: REGION, clusters: fleet.clusterNames.map((name) => ({ name, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] })) }],
  });
  const credentials = { accessKeyId: accountId, secretAccessKey: 'bench-dummy-not-a-secret' };
  const { api, client } = createSdkEcsApi({ endpoint, region: REGION, credentials });
  // The sandbox serves Application Auto Scaling and CloudWatch at the same endpoint (as `run` finds it there).
  const scaling = createSdkScalingApi({ endpoint, region: REGION, credentials });
  const controller = createController({ ecs: api, scaling: scaling.api, resyncMs: 0, followRollouts: false, workers: 16, rateLimits: false });
  try {
    await controller.start();
    controller.setSnapshot(await readSnapshot(fleet.root, REGION, signal));
    await controller.waitForIdle({ requeues: true });
    const statuses = controller.status.list();
    const synced = statuses.filter((s) => s.sync === 'Synced').length;
    const autoScaled = statuses.filter((s) => s.autoScaling?.registered === true && s.autoScaling.managedBy === 'git').length;
    // Let every first deployment complete, so the measured controller sees steady services.
    await admin.advanceClock(10 * 60_000);
    return { seconds: (Date.now() - started) / 1000, synced, autoScaled };
  } finally {
    await controller.stop({ graceMs: 5_000 });
    client.destroy();
    scaling.autoScaling.destroy();
    scaling.cloudWatch.destroy();
  }
}
