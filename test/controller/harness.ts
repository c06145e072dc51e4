/**
 * Shared set-up for controller tests: manifests in a temp directory, a sandbox
 * (real SDK over loopback HTTP) or moto account, and a controller wired to
 * them with a call counter. Waiting is by condition with a bound, never by
 * timing assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { afterAll, beforeAll } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { createController, type Controller, type ControllerOptions } from '../../src/controller/index.js';
import { EcsCallCounter } from '../../src/ecs/call-counter.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { createSdkEcsApi, ecsApiFromClient } from '../../src/ecs/sdk-adapter.js';
import { createSdkEcrApi, type EcrApi } from '../../src/ecs/ecr-api.js';
import { loadManifests } from '../../src/manifests/index.js';
import type { ManifestSnapshot } from '../../src/manifests/types.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { motoAccount } from '../support/moto.js';

export const REGION = 'eu-west-1';

export interface ServiceDoc {
  name: string;
  cluster?: string;
  image?: string;
  family?: string;
  desiredCount?: number;
  mode?: 'auto' | 'detect';
  extra?: Record<string, unknown>;
  rollback?: boolean;
  /** moto: EC2 + bridge networking (moto checks subnets exist), no deploymentConfiguration (moto drops it). */
  moto?: boolean;
}

export function serviceManifest(doc: ServiceDoc): Record<string, unknown> {
  if (doc.moto) {
    return {
      apiVersion: 'ecs-gitops/v1',
      kind: 'Service',
      metadata: { name: doc.name, cluster: doc.cluster ?? 'demo', region: REGION },
      spec: {
        desiredCount: doc.desiredCount ?? 2,
        launchType: 'EC2',
        taskDefinition: {
          family: doc.family ?? doc.name,
          networkMode: 'bridge',
          containerDefinitions: [{ name: 'app', image: doc.image ?? 'nginx:1.27', memory: 128, portMappings: [{ containerPort: 80 }] }],
        },
        ...(doc.mode ? { sync: { mode: doc.mode } } : {}),
        ...(doc.extra ?? {}),
      },
    };
  }
  return {
    apiVersion: 'ecs-gitops/v1',
    kind: 'Service',
    metadata: { name: doc.name, cluster: doc.cluster ?? 'demo', region: REGION },
    spec: {
      desiredCount: doc.desiredCount ?? 2,
      launchType: 'FARGATE',
      taskDefinition: {
        family: doc.family ?? doc.name,
        cpu: '256',
        memory: '512',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'app', image: doc.image ?? 'nginx:1.27', portMappings: [{ containerPort: 80 }] }],
      },
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'] } },
      deploymentConfiguration: {
        minimumHealthyPercent: 100, maximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: doc.rollback ?? true },
      },
      ...(doc.mode ? { sync: { mode: doc.mode } } : {}),
      ...(doc.extra ?? {}),
    },
  };
}

/** The `spec` of a `kind: Cluster` manifest, as the cluster tests write it. */
export interface ClusterSpec {
  settings?: { name: 'containerInsights'; value: string }[];
  configuration?: Record<string, unknown>;
  serviceConnectDefaults?: { namespace: string };
  capacityProviders?: string[];
  defaultCapacityProviderStrategy?: { capacityProvider: string; weight?: number; base?: number }[];
  tags?: Record<string, string>;
}

export class ManifestDir {
  constructor(readonly root: string) {}

  static async create(): Promise<ManifestDir> {
    return new ManifestDir(await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-ctl-')));
  }

  async write(file: string, docs: readonly Record<string, unknown>[] | string): Promise<void> {
    const full = path.join(this.root, file);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, typeof docs === 'string' ? docs : docs.map((d) => stringify(d)).join('---\n'));
  }

  async remove(file: string): Promise<void> {
    await rm(path.join(this.root, file), { force: true });
  }

  async load(revision = 'r1'): Promise<ManifestSnapshot> {
    const snapshot = await loadManifests(this.root, { defaultRegion: REGION });
    return { ...snapshot, revision };
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/**
 * A temp folder for one test file, removed after it, and a fresh subfolder of
 * it per call: versions of one manifest never meet in a snapshot.
 */
export function manifestDirsForFile(): () => ManifestDir {
  let root: ManifestDir | undefined;
  let count = 0;
  beforeAll(async () => {
    root = await ManifestDir.create();
  });
  afterAll(async () => {
    await root?.dispose();
  });
  return () => {
    if (!root) throw new Error('manifestDirsForFile: call the returned function inside a test');
    return new ManifestDir(path.join(root.root, `m${++count}`));
  };
}

export interface SandboxWorld {
  readonly sandbox: Sandbox;
  readonly accountId: string;
  readonly counter: EcsCallCounter;
  /** Counted, unlimited API for test set-up and inspection. */
  readonly api: EcsApi;
  /** What the controller uses (counted). */
  readonly controllerApi: EcsApi;
  readonly ecr: EcrApi;
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>` */
  repositoryUri(repository: string): string;
  /** Pushes a new image (distinct content) under `tag`, moving the tag if it existed. */
  pushImage(repository: string, tag: string): void;
}

let nextAccount = 200_000_000_000;

export async function sandboxWorld(options: SandboxOptions = {}): Promise<SandboxWorld> {
  const sandbox = await startSandbox({ clockSpeed: 40, throttling: 'off', ...options });
  const accountId = String(nextAccount++ + Math.floor(Math.random() * 1_000_000) * 1000);
  sandbox.admin.seed({ accounts: [{ accountId, region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
  const config = sandbox.clientConfig({ accountId, region: REGION });
  const { api: raw } = createSdkEcsApi({ endpoint: config.endpoint, region: config.region, credentials: config.credentials });
  const counter = new EcsCallCounter();
  const { api: ecr } = createSdkEcrApi({ endpoint: config.endpoint, region: config.region, credentials: config.credentials });
  let pushes = 0;
  return {
    sandbox, accountId, counter, api: raw, controllerApi: counter.wrap(raw), ecr,
    repositoryUri: (repository) => `${accountId}.dkr.ecr.${REGION}.amazonaws.com/${repository}`,
    pushImage(repository, tag) {
      const target = { accountId, region: REGION, api: 'ecr' as const };
      try {
        sandbox.call('CreateRepository', { repositoryName: repository }, target);
      } catch {
        // already there
      }
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', layers: [{ digest: `sha256:${String(++pushes).padStart(64, '0')}` }] });
      sandbox.call('PutImage', { repositoryName: repository, imageManifest: manifest, imageTag: tag }, target);
    },
  };
}

export function motoWorld(): { api: EcsApi; counter: EcsCallCounter; controllerApi: EcsApi } {
  const account = motoAccount(REGION);
  const raw = ecsApiFromClient(account.ecs());
  const counter = new EcsCallCounter();
  return { api: raw, counter, controllerApi: counter.wrap(raw) };
}

export function controllerFor(api: EcsApi, overrides: Partial<ControllerOptions> = {}): Controller {
  return createController({
    ecs: api,
    workers: 4,
    resyncMs: 0,
    rolloutPollMs: 25,
    backoffBaseMs: 50,
    backoffMaxMs: 500,
    ...overrides,
  });
}

/** Polls `check` until it returns true; fails with `describe()` after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, describe: () => unknown, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(describe(), null, 2)}`);
}

/** Runs a long-lived CLI command in-process; `stop()` is Ctrl-C. Output is readable while it runs. */
export function startCliInProcess(argv: readonly string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const controller = new AbortController();
  // `run` keeps open deploys and the notification journal in its state dir, by default under the user's home: one shared by every
  // test would hand one test's open deploys to the next. Each call gets its own unless the test chose one.
  let ownStateHome: string | undefined;
  if (env.ECS_GITOPS_STATE_DIR === undefined && env.XDG_STATE_HOME === undefined && !argv.includes('--state-dir')) {
    ownStateHome = mkdtempSync(path.join(os.tmpdir(), 'ecs-gitops-state-'));
  }
  const exit = runCli(argv, { stdout, stderr, env: ownStateHome ? { ...env, XDG_STATE_HOME: ownStateHome } : env, cwd: process.cwd(), signal: controller.signal })
    .finally(() => {
      if (ownStateHome) rmSync(ownStateHome, { recursive: true, force: true });
    });
  return { exit, stop: () => controller.abort(new Error('received SIGINT')), stdout: () => out, stderr: () => err };
}

export const SCHEDULED_TASK_IMAGE = 'public.ecr.aws/docker/library/busybox:1.36';

/** A `kind: ScheduledTask` in cluster demo (Fargate, every minute unless `spec` says otherwise); `spec` overrides its fields. */
export function scheduledTaskManifest(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'ecs-gitops/v1', kind: 'ScheduledTask', metadata: { name, cluster: 'demo', region: REGION },
    spec: {
      schedule: 'rate(1 minute)',
      roleArn: 'arn:aws:iam::123456789012:role/ecs-scheduler/report',
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'] } },
      taskDefinition: {
        family: name, cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'app', image: SCHEDULED_TASK_IMAGE, command: ['run-report'] }],
      },
      ...spec,
    },
  };
}
