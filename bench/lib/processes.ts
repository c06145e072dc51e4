/**
 * The processes a benchmark measures: the sandbox (`ecs-gitops sandbox`) and
 * the controller (`ecs-gitops run`), each a separate Node process started from
 * the CLI entry point exactly as a user would, plus what /proc says about them
 * (RSS, CPU seconds) so the controller's cost is measured from outside.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from '../../test/support/listen-retry.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * How the CLI runs: by default the built artefact, `node dist/cli/bin.js`, as
 * the Docker image and an npm install run it; BENCH_RUNNER=tsx runs the
 * TypeScript sources through tsx as `npm start` does. tsx adds a loader
 * thread with its own V8 heap and source maps: about 35 MB of RSS on an idle
 * process, which is not the controller's (BENCHMARKS.md, scenario 4).
 */
export const RUNNER: 'dist' | 'tsx' = runnerFromEnv(process.env.BENCH_RUNNER);

function runnerFromEnv(value: string | undefined): 'dist' | 'tsx' {
  if (value === undefined || value === '' || value === 'dist') return 'dist';
  if (value === 'tsx') return 'tsx';
  throw new Error(`BENCH_RUNNER must be dist or tsx, got ${JSON.stringify(value)}`);
}
const BIN = RUNNER === 'tsx' ? path.join(ROOT, 'src', 'cli', 'bin.ts') : path.join(ROOT, 'dist', 'cli', 'bin.js');

/**
 * The Node flags the Docker image runs the controller with (its ENTRYPOINT's
 * arguments between `node` and `dist/cli/bin.js`), so the bench measures the
 * controller as deployed. Read from the Dockerfile rather than copied, so the
 * two cannot drift apart; a Dockerfile this cannot read is an error, not a
 * silent default.
 */
export function deployedNodeArgs(dockerfile = path.join(ROOT, 'Dockerfile')): string[] {
  const entrypoints = [...readFileSync(dockerfile, 'utf8').matchAll(/^ENTRYPOINT\s+(\[.*\])\s*$/gm)];
  const last = entrypoints.at(-1)?.[1];
  if (last === undefined) throw new Error(`${dockerfile}: no ENTRYPOINT in JSON form`);
  const entrypoint = JSON.parse(last) as unknown;
  const words = Array.isArray(entrypoint) ? entrypoint.map(String) : [];
  const node = words.indexOf('node');
  const bin = words.indexOf('dist/cli/bin.js');
  if (node < 0 || bin < node) throw new Error(`${dockerfile}: the ENTRYPOINT ${last} does not run node ... dist/cli/bin.js`);
  return words.slice(node + 1, bin);
}

/** Builds dist/ from the current sources (`npm run build`'s tsc), so the processes run this checkout's code. */
export function buildCli(): void {
  if (RUNNER !== 'dist') return;
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // tsc reports compile errors on stdout, which execFileSync's message leaves out.
    const output = String((error as { stdout?: unknown }).stdout ?? '') + String((error as { stderr?: unknown }).stderr ?? '');
    throw new Error(`building dist/ for the bench failed (npm run build):\n${output.trim()}`, { cause: error });
  }
}

/** A dummy key pair: the sandbox takes a 12-digit access key id as the account and never checks signatures. */
export function sandboxEnv(endpoint: string, accountId: string, region: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_ECS: endpoint, AWS_ENDPOINT_URL_ECR: endpoint, AWS_REGION: region,
    AWS_ACCESS_KEY_ID: accountId, AWS_SECRET_ACCESS_KEY: 'bench-dummy-not-a-secret',
  };
}

export interface CliProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything written so far (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts `node dist/cli/bin.js ...args` (or `node --import tsx src/cli/bin.ts ...args`, see RUNNER).
 * With `cgroup` (a cgroup directory, e.g. /sys/fs/cgroup/memory/bench with a memory limit set; needs
 * root), the process joins it before Node starts, so Node sizes its heap from that limit as it does
 * in a container.
 */
export function startCli(
  args: readonly string[], env: Record<string, string> = {}, nodeArgs: readonly string[] = [], cgroup?: string,
): CliProcess {
  const command = [process.execPath, ...nodeArgs, ...(RUNNER === 'tsx' ? ['--import', 'tsx'] : []), BIN, ...args];
  const [file, ...argv] = cgroup === undefined
    ? command
    // The shell writes its own pid, then becomes node (same pid, so /proc figures stay right).
    : ['/bin/sh', '-c', 'echo $$ > "$0/cgroup.procs" || { echo "cannot join cgroup $0" >&2; exit 97; }; exec "$@"', cgroup, ...command];
  const child = spawn(file as string, argv, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    // Keep the tail only: a controller at info level logs a line per apply.
    if (out.length > 1_000_000) out = out.slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (child.pid === undefined) throw new Error(`could not start ${BIN}`);
  return {
    pid: child.pid,
    child,
    output: () => out,
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100, proc?: CliProcess): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(`${what}: process ${proc.pid} exited (${proc.child.exitCode ?? proc.child.signalCode}); output tail:\n${proc.output().slice(-3000)}`);
    }
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${proc ? `; output tail:\n${proc.output().slice(-3000)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface ProcStat {
  /** User + system CPU seconds consumed so far. */
  readonly cpuSeconds: number;
  /** Resident set size in bytes. */
  readonly rssBytes: number;
}

/** CPU and RSS of a process from /proc (Linux). utime/stime are in clock ticks (USER_HZ = 100 on Linux). */
export function procStat(pid: number): ProcStat {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  return { cpuSeconds: (utime + stime) / 100, rssBytes: rssKb * 1024 };
}

/**
 * Starts a sandbox process on a kernel-chosen loopback port (--port 0, so no
 * other process can take the port first), reads the endpoint it prints and
 * waits for its health route.
 */
export async function startSandboxProcess(throttling: string, clockSpeed: number): Promise<{ proc: CliProcess; endpoint: string }> {
  const proc = startCli(['sandbox', '--port', '0', '--throttling', throttling, '--clock-speed', String(clockSpeed)]);
  const endpoint = await waitFor('sandbox endpoint', async () => /ECS\/ECR sandbox listening on (http:\/\/\S+)/.exec(proc.output())?.[1], 60_000, 50, proc)
    .catch(async (err: unknown) => {
      await proc.stop(2000);
      throw err;
    });
  await waitFor('sandbox health', async () => ((await fetch(`${endpoint}/_sandbox/health`)).ok ? true : undefined), 60_000, 100, proc);
  return { proc, endpoint };
}

export interface ControllerProcess {
  readonly proc: CliProcess;
  /** http://127.0.0.1:PORT of its status/metrics server. */
  readonly url: string;
  /** Wall-clock ms just before the process was spawned. */
  readonly spawnedAt: number;
}

/**
 * Starts `ecs-gitops run --repo DIR --listen 127.0.0.1:PORT ...` against the
 * sandbox and waits until it listens. At --log-level warn it does not log the
 * address it bound, so it gets a picked port through startServerProcess: a
 * port taken before the controller binds it (it exits "address already in
 * use") is retried on a fresh one, and the start counts only once this
 * process holds the port. spawnedAt is that of the attempt that started.
 */
export async function startControllerProcess(options: {
  readonly repo: string;
  readonly endpoint: string;
  readonly accountId: string;
  readonly region: string;
  readonly resync: string;
  /** --workers; the controller's default when absent. */
  readonly workers?: number;
  readonly extraArgs?: readonly string[];
  readonly nodeArgs?: readonly string[];
  /** A cgroup directory the controller runs in (see startCli). */
  readonly cgroup?: string;
}): Promise<ControllerProcess> {
  let spawnedAt = 0;
  const started = await startServerProcess({
    program: 'the bench controller (ecs-gitops run)',
    launch: (port) => {
      spawnedAt = Date.now();
      return startCli([
        'run', '--repo', options.repo, '--listen', `127.0.0.1:${port}`, '--resync', options.resync,
        ...(options.workers ? ['--workers', String(options.workers)] : []), '--log-level', 'warn', ...(options.extraArgs ?? []),
      ], sandboxEnv(options.endpoint, options.accountId, options.region), options.nodeArgs ?? [], options.cgroup);
    },
    // Listening is enough here: the scenarios time /readyz themselves.
    timeoutMs: 180_000,
    pollMs: 50,
  });
  return { proc: started.value, url: `http://127.0.0.1:${started.port}`, spawnedAt };
}
