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
}

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
      return {
        index: i,
        name: `${spec.prefix}-svc-${i}`,
        cluster: `${spec.prefix}-cluster-${i % spec.clusters}`,
        family: `${spec.prefix}-td-${i % families}`,
        file: (spec.servicesPerFile ?? 1) > 1
          ? path.join(this.root, 'services', `${spec.prefix}-group-${Math.floor(i / (spec.servicesPerFile ?? 1))}.yaml`)
          : path.join(this.root, 'services', `${spec.prefix}-svc-${i}.yaml`),
        ...(scaled ? { scaling: { scheduled: ordinal % 2 === 0, step: ordinal % 5 === 0 } } : {}),
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
        desiredCount: 1,
        launchType: 'FARGATE',
        taskDefinition: {
          family: ref.family, cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
          containerDefinitions: [{
            name: 'app', image: this.image(ref.family), portMappings: [{ containerPort: 8080 }],
            environment: [{ name: 'FAMILY', value: ref.family }],
          }],
        },
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60003'] } },
        tags: { team: `team-${ref.index % 7}` },
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
