/**
 * Starting servers on ports without a race.
 *
 * Picking a free port (free-port.ts), closing it and starting a server on it
 * later is a race: between the two, anything else on the machine (another
 * test file's Alertmanager, a controller, moto) may take the port. Then the
 * server fails with "address already in use" and, worse, a client pointed at
 * the port talks to whoever holds it.
 *
 * Servers we can start on port 0 (our own node servers, the controller CLI
 * with `--listen 127.0.0.1:0`, see listen-url.ts) should do that and read the
 * bound port back. Programs that need a port up front (prometheus,
 * alertmanager, moto_server, a controller logging below info) start through
 * `startServerProcess`: it picks a port, starts the process, and retries with
 * a fresh port when the process reports the address in use, a bounded number
 * of times. A start only counts once the process it launched is alive and is
 * the one listening on the port (Linux: one of its sockets is the port's
 * listening socket, from /proc) and its readiness probe answers: a foreign
 * server on the port is never taken for ours.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { freePort } from './free-port.js';

/** How programs say the port is taken: Go's "bind: address already in use", Node's EADDRINUSE, werkzeug's "Port N is in use". */
export const ADDRESS_IN_USE = /address already in use|EADDRINUSE|port \d+ is in use/i;

export const DEFAULT_PORT_ATTEMPTS = 5;

/** One attempt that found its port taken. */
export interface PortAttempt {
  readonly port: number;
  readonly reason: string;
}

/** Thrown by a start function when its port was already in use: the caller retries on another port. */
export class PortInUseError extends Error {
  constructor(readonly program: string, readonly port: number, readonly detail: string) {
    super(`${program}: port ${port} is already in use (${detail})`);
    this.name = 'PortInUseError';
  }
}

/** True when `err` (or its message / code) says the address is in use. */
export function isAddressInUse(err: unknown): boolean {
  if (err instanceof PortInUseError) return true;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (e?.code === 'EADDRINUSE') return true;
  if (typeof e?.message === 'string' && ADDRESS_IN_USE.test(e.message)) return true;
  return e?.cause !== undefined && e.cause !== err && isAddressInUse(e.cause);
}

export interface RetryOnPortOptions {
  /** The program, for messages. */
  readonly program: string;
  /** @default DEFAULT_PORT_ATTEMPTS (5) */
  readonly attempts?: number;
  /** Picks the port for an attempt. @default freePort */
  readonly pickPort?: () => Promise<number>;
  /** Called for each attempt that found its port in use, before the next one. @default a warning on stderr */
  readonly onRetry?: (attempt: PortAttempt) => void;
}

export interface Retried<T> {
  readonly value: T;
  readonly port: number;
  /** Attempts that found their port in use, oldest first (empty when the first one worked). */
  readonly failedAttempts: readonly PortAttempt[];
}

function warnRetry(program: string): (attempt: PortAttempt) => void {
  return (attempt) => {
    process.stderr.write(`[listen-retry] ${program}: port ${attempt.port} already in use (${attempt.reason}); retrying on a fresh port\n`);
  };
}

/**
 * Runs `start(port)` on picked ports until one attempt does not find its port
 * in use (an error for which isAddressInUse is true); other errors end it at
 * once. After `attempts` collisions it fails naming the program and the ports.
 */
export async function retryOnPortInUse<T>(options: RetryOnPortOptions, start: (port: number) => Promise<T>): Promise<Retried<T>> {
  const attempts = options.attempts ?? DEFAULT_PORT_ATTEMPTS;
  const pickPort = options.pickPort ?? freePort;
  const onRetry = options.onRetry ?? warnRetry(options.program);
  const failedAttempts: PortAttempt[] = [];
  for (let i = 0; i < attempts; i++) {
    const port = await pickPort();
    try {
      const value = await start(port);
      return { value, port, failedAttempts };
    } catch (err) {
      if (!isAddressInUse(err)) throw err;
      const attempt = { port, reason: err instanceof PortInUseError ? err.detail : String((err as Error).message ?? err) };
      failedAttempts.push(attempt);
      if (i + 1 < attempts) onRetry(attempt);
    }
  }
  throw new Error(
    `${options.program} could not listen: address already in use on port ${failedAttempts.map((a) => a.port).join(', then ')} ` +
      `(${attempts} attempts); last: ${failedAttempts.at(-1)?.reason ?? 'none'}`,
  );
}

/** Inodes of the sockets listening on TCP `port` (any address), or undefined when /proc/net is unreadable. */
async function listeningSocketInodes(port: number): Promise<Set<string> | undefined> {
  const inodes = new Set<string>();
  let readable = false;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    readable = true;
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue; // 0A = LISTEN
      const local = fields[1] ?? '';
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(fields[9] ?? '');
    }
  }
  return readable ? inodes : undefined;
}

async function descendants(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const tasks = await readdir(`/proc/${out[i]}/task`).catch(() => [] as string[]);
    for (const tid of tasks) {
      const children = await readFile(`/proc/${out[i]}/task/${tid}/children`, 'utf8').catch(() => '');
      for (const child of children.trim().split(/\s+/).filter(Boolean)) out.push(Number(child));
    }
  }
  return out;
}

/**
 * Whether process `pid` (or one of its descendants) holds the socket
 * listening on `port`: true / false, or undefined when /proc cannot tell
 * (not Linux).
 */
export async function ownsListeningPort(pid: number, port: number): Promise<boolean | undefined> {
  const inodes = await listeningSocketInodes(port);
  if (inodes === undefined) return undefined;
  if (inodes.size === 0) return false;
  for (const p of await descendants(pid)) {
    const fds = await readdir(`/proc/${p}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${p}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && inodes.has(inode)) return true;
    }
  }
  return false;
}

/** A launched process: its child and everything it wrote so far. */
export interface Launched {
  readonly child: ChildProcess;
  output(): string;
}

/** `launch` for startServerProcess: spawns `command args(port)` with piped output, kept for messages. */
export function spawnLauncher(
  command: string,
  args: (port: number) => readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; keepChars?: number } = {},
): (port: number) => Launched {
  return (port) => {
    const child = spawn(command, args(port), { stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}), ...(options.cwd ? { cwd: options.cwd } : {}) });
    const keepChars = options.keepChars ?? 20_000;
    let out = '';
    const keep = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-keepChars);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // A spawn error (ENOENT) surfaces as an exit below; keep it out of unhandled errors.
    child.on('error', (err) => keep(Buffer.from(`\nspawn error: ${err.message}\n`)));
    return { child, output: () => out };
  };
}

export interface StartServerProcessOptions<L extends Launched> extends RetryOnPortOptions {
  /** Starts the program on `port`. */
  readonly launch: (port: number) => L;
  /**
   * True when the server on `port` is ready (e.g. GET /-/ready answers 200). It may
   * check the answer comes from this launch (a config value only it has).
   * @default ready once it listens
   */
  readonly ready?: (port: number, launched: L) => Promise<boolean>;
  /** Per attempt. @default 30000 */
  readonly timeoutMs?: number;
  /** @default 100 */
  readonly pollMs?: number;
}

export interface ServerProcess<L extends Launched> extends Retried<L> {
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (exited(child) || child.pid === undefined) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The output line that says the address is in use. */
const inUseLine = (output: string) => (output.split('\n').find((line) => ADDRESS_IN_USE.test(line)) ?? '').trim().slice(0, 300);
const tail = (text: string) => (text.trim() ? `\n--- output ---\n${text.slice(-3000)}` : ' (no output)');

/**
 * Starts a server process on a picked port, retrying on a fresh port when it
 * reports the address in use (see retryOnPortInUse). An attempt succeeds only
 * when its process is alive, holds the port's listening socket (where /proc
 * tells) and `ready` answers; it fails on exit, on a timeout, or on an
 * address-in-use message, and its process is stopped.
 */
export async function startServerProcess<L extends Launched>(options: StartServerProcessOptions<L>): Promise<ServerProcess<L>> {
  const { program } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pollMs = options.pollMs ?? 100;
  const ready = options.ready ?? (async () => true);
  const result = await retryOnPortInUse(options, async (port) => {
    const launched = options.launch(port);
    const { child } = launched;
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const output = launched.output();
        if (exited(child)) {
          const how = child.exitCode !== null ? `code ${child.exitCode}` : `signal ${child.signalCode}`;
          if (ADDRESS_IN_USE.test(output)) throw new PortInUseError(program, port, `it exited with ${how}: ${inUseLine(output)}`);
          throw new Error(`${program} exited with ${how} before it was ready on port ${port}${tail(output)}`);
        }
        if (ADDRESS_IN_USE.test(output)) throw new PortInUseError(program, port, `it logged: ${inUseLine(output)}`);
        // Ours only: a foreign server answering on the port does not count.
        const owns = child.pid === undefined ? false : await ownsListeningPort(child.pid, port);
        if (owns !== false && (await ready(port, launched).catch(() => false)) && !exited(child)) return launched;
        if (Date.now() > deadline) {
          throw new Error(`${program} was not ready on port ${port} within ${timeoutMs} ms${owns === false ? ' (it does not hold the port)' : ''}${tail(launched.output())}`);
        }
        await sleep(pollMs);
      }
    } catch (err) {
      await stopProcess(child, 2000);
      throw err;
    }
  });
  return { ...result, stop: (graceMs) => stopProcess(result.value.child, graceMs) };
}
