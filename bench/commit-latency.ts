/**
 * Commit-to-apply latency (run: npx tsx bench/commit-latency.ts [services] [commits]).
 * A real git checkout of N service manifests (default 1,000, one file each),
 * watched by the checkout source and reconciled by the controller against the
 * in-process sandbox over the real SDK (loopback HTTP; client-side rate limits
 * off so the initial creation of 1,000 services takes seconds, not minutes).
 * After the initial sync, each round edits one service's image and commits;
 * the time from just before the write to the controller's first
 * UpdateService for that service is recorded. Prints p50/p99; targets from
 * issue 6: p50 < 250 ms, p99 < 1 s.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { createController } from '../src/controller/index.js';
import type { EcsApi, EcsInput, EcsOperation, EcsOutput } from '../src/ecs/ecs-api.js';
import { createSdkEcsApi } from '../src/ecs/sdk-adapter.js';
import { loadManifests } from '../src/manifests/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import { createCheckoutSource } from '../src/source/index.js';

const SERVICES = Number(process.argv[2] ?? 1000);
const COMMITS = Number(process.argv[3] ?? 25);
const CLUSTERS = 4;
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@example.com' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env: gitEnv, stdio: ['ignore', 'pipe', 'pipe'] });

function manifest(i: number, image: string): string {
  return stringify({
    apiVersion: 'ecs-gitops/v1',
    kind: 'Service',
    metadata: { name: `svc-${i}`, cluster: `cluster-${i % CLUSTERS}`, region: REGION },
    spec: {
      desiredCount: 1,
      launchType: 'FARGATE',
      taskDefinition: {
        family: `svc-${i}`, cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 80 }] }],
      },
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'] } },
    },
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const repo = mkdtempSync(path.join(tmpdir(), 'ecs-gitops-bench-'));
git(repo, 'init', '-q', '-b', 'main');
mkdirSync(path.join(repo, 'services'));
for (let i = 0; i < SERVICES; i++) writeFileSync(path.join(repo, 'services', `svc-${i}.yaml`), manifest(i, 'nginx:1.0'));
git(repo, 'add', '-A');
git(repo, 'commit', '-q', '-m', 'initial');

const sandbox = await startSandbox({ throttling: 'off', clockSpeed: 1000 });
sandbox.admin.seed({
  accounts: [{ accountId: ACCOUNT, region: REGION, clusters: Array.from({ length: CLUSTERS }, (_, c) => ({ name: `cluster-${c}`, capacityProviders: ['FARGATE'] })) }],
});
const config = sandbox.clientConfig({ accountId: ACCOUNT, region: REGION });
const { api: sdk } = createSdkEcsApi({ endpoint: config.endpoint, region: REGION, credentials: config.credentials });

/** First UpdateService time per service name, for the round in progress. */
const updates = new Map<string, number>();
/** When the source delivered each revision (to split latency into source and controller parts). */
let lastSnapshotAt = 0;
const trace = process.env.BENCH_TRACE === '1';
const recording: EcsApi = {
  send<Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>> {
    if (trace) console.log(`${performance.now().toFixed(0)} ${operation}`);
    if (operation === 'UpdateService') {
      const name = String((input as { service?: string }).service ?? '').split('/').pop() ?? '';
      if (!updates.has(name)) updates.set(name, performance.now());
    }
    return sdk.send(operation, input, signal);
  },
};

const source = createCheckoutSource({
  root: repo,
  load: (dir, signal) => loadManifests(dir, { defaultRegion: REGION, signal }),
  debounceMs: 100,
  logger: {
    debug: () => undefined,
    info: (fields, message) => {
      if (message === 'new manifest snapshot') lastSnapshotAt = performance.now();
    },
    warn: (fields, message) => console.error(message, fields),
    error: (fields, message) => console.error(message, fields),
  },
});
// Client-side ECS rate limits off: with them, creating 1,000 services first takes many minutes; one
// UpdateService per round never waits on a bucket anyway (it refills between rounds).
const controller = createController({ ecs: recording, source, resyncMs: 0, followRollouts: false, workers: 8, rateLimits: false });

const setupStart = performance.now();
await controller.start();
await controller.waitForIdle({ requeues: true });
const synced = controller.status.list().filter((s) => s.sync === 'Synced').length;
console.log(`setup: ${SERVICES} services in ${CLUSTERS} clusters created and synced (${synced} Synced) in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);

const latencies: number[] = [];
const sourceLatencies: number[] = [];
for (let round = 0; round < COMMITS; round++) {
  const i = (round * 37) % SERVICES;
  const name = `svc-${i}`;
  updates.delete(name);
  const t0 = performance.now();
  writeFileSync(path.join(repo, 'services', `${name}.yaml`), manifest(i, `nginx:1.${round + 1}`));
  git(repo, 'commit', '-q', '-am', `bump ${name}`);
  const deadline = t0 + 30_000;
  while (!updates.has(name) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  const at = updates.get(name);
  if (at === undefined) throw new Error(`no UpdateService for ${name} within 30 s`);
  latencies.push(at - t0);
  sourceLatencies.push(lastSnapshotAt - t0);
  await controller.waitForIdle({ requeues: true });
}

const sorted = [...latencies].sort((a, b) => a - b);
const p50 = percentile(sorted, 50);
const p99 = percentile(sorted, 99);
console.log(`commit -> first UpdateService over ${COMMITS} commits with ${SERVICES} services (debounce 100 ms):`);
console.log(`  p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, min ${sorted[0]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`);
const sortedSource = [...sourceLatencies].sort((a, b) => a - b);
console.log(`  of which commit -> snapshot delivered: p50 ${percentile(sortedSource, 50).toFixed(0)} ms, p99 ${percentile(sortedSource, 99).toFixed(0)} ms`);
console.log(`  per round (ms, commit -> UpdateService): ${latencies.map((l) => l.toFixed(0)).join(' ')}`);
console.log(`targets: p50 < 250 ms: ${p50 < 250 ? 'met' : 'MISSED'}; p99 < 1000 ms: ${p99 < 1000 ? 'met' : 'MISSED'}`);

await controller.stop({ graceMs: 5000 });
await source.close();
await sandbox.close();
rmSync(repo, { recursive: true, force: true });
