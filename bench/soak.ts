/**
 * Soak (not in CI): `npx tsx bench/soak.ts [--minutes 10] [--services 30] [--commit-every 3] [--drift-every 5]`.
 * A sandbox in this process, a real Git checkout, and `ecs-gitops run` as a
 * child process. Every few seconds a commit changes one service (image or
 * desiredCount) and a console-style drift scales another; the controller's RSS
 * and open file descriptors (/proc/<pid>/fd) are sampled throughout. Prints
 * start / end / max and whether everything converged at the end.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startSandbox } from '../src/sandbox/index.js';
import { startServerProcess } from '../test/support/listen-retry.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACCOUNT = '320000000001';
const REGION = 'eu-west-1';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

function manifest(name: string, image: string, desiredCount: number): string {
  return stringify({
    apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name, cluster: 'demo', region: REGION },
    spec: {
      desiredCount, launchType: 'FARGATE',
      taskDefinition: {
        family: name, cpu: '256', memory: '512', networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'],
        containerDefinitions: [{ name: 'app', image, portMappings: [{ containerPort: 80 }] }],
      },
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-1'] } },
    },
  });
}

async function sample(pid: number): Promise<{ rssMb: number; fds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fds = (await readdir(`/proc/${pid}/fd`)).length;
  return { rssMb: Math.round(rssKb / 102.4) / 10, fds };
}

async function main(): Promise<void> {
  const minutes = flag('minutes', 10);
  const services = Math.floor(flag('services', 30));
  const commitEvery = flag('commit-every', 3) * 1000;
  const driftEvery = flag('drift-every', 5) * 1000;
  const sandbox = await startSandbox({ clockSpeed: 20, throttling: 'real' });
  sandbox.admin.seed({ accounts: [{ accountId: ACCOUNT, region: REGION, clusters: [{ name: 'demo', capacityProviders: ['FARGATE'] }] }] });
  const repo = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-soak-'));
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'soak@example.com');
  git('config', 'user.name', 'soak');
  await mkdir(path.join(repo, 'manifests'));
  const names = Array.from({ length: services }, (_, i) => `soak-${String(i).padStart(3, '0')}`);
  const state = new Map(names.map((n) => [n, { image: 'nginx:1.0', count: 1 }]));
  for (const n of names) await writeFile(path.join(repo, 'manifests', `${n}.yaml`), manifest(n, 'nginx:1.0', 1));
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');

  // The controller logs at warn (not its listen address), so it gets a picked port, retried on a fresh
  // one when taken before it binds; the start counts once this process holds the port.
  const controller = await startServerProcess({
    program: 'the soak controller (ecs-gitops run)',
    launch: (port) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/bin.ts'), 'run', '--repo', repo, '--path', 'manifests',
        '--listen', `127.0.0.1:${port}`, '--resync', '10s', '--log-level', 'warn'], {
        cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_REGION: REGION,
          AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint,
          AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'dummy-soak-key',
        },
      });
      let stderr = '';
      proc.stderr?.on('data', (chunk: Buffer) => {
        process.stderr.write(chunk);
        stderr = (stderr + chunk.toString()).slice(-20_000);
      });
      return { child: proc, output: () => stderr };
    },
    timeoutMs: 120_000,
  });
  const child = controller.value.child;
  const port = controller.port;
  const pid = child.pid ?? 0;
  const url = `http://127.0.0.1:${port}`;
  const status = async () => (await (await fetch(`${url}/api/v1/status`)).json()) as { services: Array<{ sync: string; health: string }> };
  const allSynced = async () => {
    try {
      const s = await status();
      return s.services.length === services && s.services.every((x) => x.sync === 'Synced' && x.health === 'Healthy');
    } catch {
      return false;
    }
  };
  const startWait = Date.now();
  while (!(await allSynced())) {
    if (Date.now() - startWait > 180_000) throw new Error('initial sync did not finish in 3 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }

  const samples: Array<{ at: number; rssMb: number; fds: number }> = [];
  const first = await sample(pid);
  samples.push({ at: 0, ...first });
  const began = Date.now();
  const end = began + minutes * 60_000;
  let commits = 0;
  let drifts = 0;
  let nextCommit = began + commitEvery;
  let nextDrift = began + driftEvery;
  let nextSample = began + 5000;
  let i = 0;
  while (Date.now() < end) {
    const now = Date.now();
    if (now >= nextCommit) {
      const name = names[i++ % services] as string;
      const s = state.get(name) as { image: string; count: number };
      if (commits % 2 === 0) s.image = `nginx:1.${commits + 1}`;
      else s.count = s.count === 1 ? 2 : 1;
      await writeFile(path.join(repo, 'manifests', `${name}.yaml`), manifest(name, s.image, s.count));
      git('commit', '-q', '-am', `change ${name}`);
      commits++;
      nextCommit += commitEvery;
    }
    if (now >= nextDrift) {
      const name = names[(drifts * 7) % services] as string;
      sandbox.admin.scaleService({ accountId: ACCOUNT, region: REGION, cluster: 'demo', service: name }, 5);
      drifts++;
      nextDrift += driftEvery;
    }
    if (now >= nextSample) {
      samples.push({ at: Math.round((now - began) / 1000), ...(await sample(pid)) });
      nextSample += 5000;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Let the last changes and drifts settle (a resync is 10 s), then check convergence.
  const settleStart = Date.now();
  let converged = false;
  while (Date.now() - settleStart < 60_000 && !(converged = await allSynced())) await new Promise((r) => setTimeout(r, 500));
  const last = await sample(pid);
  samples.push({ at: Math.round((Date.now() - began) / 1000), ...last });
  child.kill('SIGTERM');
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await sandbox.close();
  await rm(repo, { recursive: true, force: true });

  const max = (k: 'rssMb' | 'fds') => Math.max(...samples.map((s) => s[k]));
  const tail = samples.slice(Math.floor(samples.length / 2));
  const report = {
    minutes, services, commits, drifts, converged, exitCode, samples: samples.length,
    rssMb: { start: first.rssMb, end: last.rssMb, max: max('rssMb'), secondHalfMin: Math.min(...tail.map((s) => s.rssMb)) },
    fds: { start: first.fds, end: last.fds, max: max('fds') },
  };
  console.log(JSON.stringify(report, null, 2));
  if (!converged || exitCode !== 0) process.exitCode = 1;
}

await main();
