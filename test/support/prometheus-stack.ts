/**
 * A real Prometheus + Alertmanager pair for alerting tests: temp config dirs,
 * loopback free ports, 1 s scrape and rule evaluation, the shipped rules file
 * from deploy/prometheus, and a loopback webhook receiver that records what
 * Alertmanager notifies. Tests point it at one or more /metrics targets
 * (scraped as job "ecs-gitops") and assert through Alertmanager's API.
 *
 * About `for:`. The shipped rules keep production `for:` values (5m, 15m)
 * because those are what users run. Prometheus has no injectable clock, so a
 * live test cannot wait them out; the production thresholds are instead proven
 * with simulated time by `promtool test rules` (test/alerting/promtool-rules.test.ts),
 * which is the fake-clock test for rule timing. This harness proves the other
 * half, the live path: controller /metrics -> scrape -> the shipped
 * expressions -> Alertmanager -> notification -> resolution. For that it loads
 * a copy of the rules in which only `for:` values longer than `maxFor` are
 * shortened; expressions, labels and annotations are byte-for-byte the
 * shipped ones (`templateRules` checks this and throws otherwise).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { freePort } from './free-port.js';
import { hasProgram, requireProgram } from './programs.js';

export const SHIPPED_RULES_FILE = fileURLToPath(new URL('../../deploy/prometheus/ecs-gitops.rules.yaml', import.meta.url));

/** Debian installs Alertmanager as prometheus-alertmanager; upstream tarballs as alertmanager. */
export function alertmanagerProgram(): string {
  return hasProgram('prometheus-alertmanager') ? 'prometheus-alertmanager' : 'alertmanager';
}

/** True when the stack can run; throws under CI=true when a program is missing. */
export function canRunPrometheusStack(): boolean {
  const prometheus = requireProgram('prometheus', 'apt-get install prometheus');
  const alertmanager = hasProgram('alertmanager') || requireProgram('prometheus-alertmanager', 'apt-get install prometheus-alertmanager');
  return prometheus && alertmanager;
}

export interface PrometheusStackOptions {
  /** host:port of each /metrics target, scraped as job "ecs-gitops". */
  readonly targets: readonly string[];
  /** @default the shipped deploy/prometheus/ecs-gitops.rules.yaml */
  readonly rulesFile?: string;
  /** Shorten every `for:` longer than this (Prometheus duration, e.g. "2s"). Omit to keep production values. */
  readonly maxFor?: string;
  /** @default "1s" */
  readonly interval?: string;
  /** How long to wait for both servers to become ready. @default 30000 */
  readonly startTimeoutMs?: number;
}

/** An alert as Alertmanager's /api/v2/alerts returns it (the fields tests use). */
export interface AlertmanagerAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly status: { readonly state: 'active' | 'suppressed' | 'unprocessed' };
}

/** One webhook notification Alertmanager sent (status firing or resolved). */
export interface AlertNotification {
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly { readonly status: 'firing' | 'resolved'; readonly labels: Readonly<Record<string, string>> }[];
}

export type LabelMatch = Readonly<Record<string, string>>;

export interface PrometheusStack {
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  /** The rules file Prometheus actually loaded (a templated copy when maxFor is set). */
  readonly rulesFile: string;
  /** Active alerts in Alertmanager (GET /api/v2/alerts, resolved ones excluded). */
  alerts(): Promise<AlertmanagerAlert[]>;
  /** Every webhook notification received so far, oldest first. */
  notifications(): readonly AlertNotification[];
  /** Waits until Alertmanager holds an active alert `name` whose labels include `labels`. */
  waitForAlert(name: string, labels?: LabelMatch, timeoutMs?: number): Promise<AlertmanagerAlert>;
  /** Waits until Alertmanager holds no active alert `name` with `labels`. */
  waitForAlertGone(name: string, labels?: LabelMatch, timeoutMs?: number): Promise<void>;
  /** Waits for a webhook notification of `status` carrying alert `name` with `labels`. */
  waitForNotification(status: 'firing' | 'resolved', name: string, labels?: LabelMatch, timeoutMs?: number): Promise<AlertNotification>;
  /** Waits until Prometheus has scraped every target successfully at least once. */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  /** An instant PromQL query; returns the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Logs of both processes (for failure messages). */
  logs(): string;
  stop(): Promise<void>;
}

const PROMETHEUS_DURATION = /^(\d+)(ms|s|m|h|d|w|y)$/;
const DURATION_MS: Readonly<Record<string, number>> = { ms: 1, s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8, y: 3.1536e10 };

function durationMs(text: string): number {
  const match = PROMETHEUS_DURATION.exec(text);
  if (!match) throw new Error(`not a simple Prometheus duration: ${JSON.stringify(text)}`);
  return Number(match[1]) * (DURATION_MS[match[2] as string] ?? 0);
}

interface RuleDoc {
  groups: { name: string; rules: Record<string, unknown>[] }[];
}

/** The rules YAML with every `for:` longer than `maxFor` cut to `maxFor`; nothing else changes. */
export function templateRules(source: string, maxFor: string): string {
  const doc = parse(source) as RuleDoc;
  const limit = durationMs(maxFor);
  const copy = structuredClone(doc);
  for (const group of copy.groups) {
    for (const rule of group.rules) {
      if (typeof rule.for === 'string' && durationMs(rule.for) > limit) rule.for = maxFor;
    }
  }
  // Guard: apart from `for`, the copy must equal the shipped rules.
  const strip = (d: RuleDoc) => JSON.stringify(d.groups.map((g) => ({ ...g, rules: g.rules.map(({ for: _for, ...rest }) => rest) })));
  if (strip(copy) !== strip(doc)) throw new Error('templated rules differ from the shipped rules beyond `for:`');
  return stringify(copy);
}

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  output: string;
}

function startChild(name: string, program: string, args: string[]): Child {
  const child: Child = { name, process: spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] }), output: '' };
  const keep = (chunk: Buffer) => {
    child.output = (child.output + chunk.toString()).slice(-20_000);
  };
  child.process.stdout?.on('data', keep);
  child.process.stderr?.on('data', keep);
  return child;
}

async function stopChild(child: Child): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
    }, 5000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, describeState: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}\n${describeState()}`);
}

function labelsMatch(labels: Readonly<Record<string, string>>, name: string, wanted: LabelMatch): boolean {
  return labels.alertname === name && Object.entries(wanted).every(([k, v]) => labels[k] === v);
}

async function startReceiver(port: number, sink: AlertNotification[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      try {
        sink.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertNotification);
      } catch {
        // Not a notification; ignore.
      }
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

/** Starts Alertmanager, then Prometheus; always call stop() (e.g. in afterAll). */
export async function startPrometheusStack(options: PrometheusStackOptions): Promise<PrometheusStack> {
  const interval = options.interval ?? '1s';
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const dir = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-prom-'));
  const [promPort, amPort, receiverPort] = [await freePort(), await freePort(), await freePort()];
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  const notifications: AlertNotification[] = [];
  const children: Child[] = [];
  let receiver: Server | undefined;

  const rulesSource = await readFile(options.rulesFile ?? SHIPPED_RULES_FILE, 'utf8');
  const rulesFile = path.join(dir, 'rules.yaml');
  await writeFile(rulesFile, options.maxFor ? templateRules(rulesSource, options.maxFor) : rulesSource);

  await writeFile(
    path.join(dir, 'alertmanager.yml'),
    stringify({
      route: { receiver: 'recorder', group_by: ['alertname', 'region', 'cluster', 'service'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [{ name: 'recorder', webhook_configs: [{ url: `http://127.0.0.1:${receiverPort}/`, send_resolved: true }] }],
    }),
  );
  await writeFile(
    path.join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
      rule_files: [rulesFile],
      alerting: { alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
      scrape_configs: [{ job_name: 'ecs-gitops', static_configs: [{ targets: [...options.targets] }] }],
    }),
  );

  const logs = () => children.map((c) => `--- ${c.name} ---\n${c.output}`).join('\n');
  const stop = async (): Promise<void> => {
    process.off('exit', killNow);
    await Promise.all(children.map(stopChild));
    await new Promise<void>((resolve) => {
      if (!receiver) return resolve();
      receiver.close(() => resolve());
      receiver.closeAllConnections();
    });
    await rm(dir, { recursive: true, force: true });
  };
  // If the test process dies without stop(), do not leave servers behind.
  const killNow = () => {
    for (const c of children) c.process.kill('SIGKILL');
  };
  process.once('exit', killNow);

  try {
    receiver = await startReceiver(receiverPort, notifications);
    children.push(
      startChild('alertmanager', alertmanagerProgram(), [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=', // no gossip port: single instance, loopback only
        '--log.level=warn',
      ]),
    );
    children.push(
      startChild('prometheus', 'prometheus', [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--rules.alert.resend-delay=1s',
        '--log.level=warn',
      ]),
    );
    for (const [name, url] of [['alertmanager', alertmanagerUrl], ['prometheus', prometheusUrl]] as const) {
      await until(`${name} to be ready`, startTimeoutMs, async () => {
        const exited = children.find((c) => c.process.exitCode !== null);
        if (exited) throw new Error(`${exited.name} exited with code ${exited.process.exitCode}`);
        const response = await fetch(`${url}/-/ready`);
        return response.ok ? true : undefined;
      }, logs);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const alerts = async (): Promise<AlertmanagerAlert[]> => {
    const response = await fetch(`${alertmanagerUrl}/api/v2/alerts?active=true&silenced=false&inhibited=false`);
    if (!response.ok) throw new Error(`Alertmanager /api/v2/alerts answered ${response.status}`);
    const all = (await response.json()) as AlertmanagerAlert[];
    // Resolved alerts linger until garbage-collected; only endsAt in the future is firing.
    const now = Date.now();
    return all.filter((a) => Date.parse(a.endsAt) > now);
  };
  const describeAlerts = () => `${logs()}\nnotifications: ${JSON.stringify(notifications.map((n) => ({ status: n.status, alerts: n.alerts.map((a) => [a.status, a.labels.alertname, a.labels.service]) })))}`;

  return {
    prometheusUrl,
    alertmanagerUrl,
    rulesFile,
    alerts,
    notifications: () => [...notifications],
    waitForAlert: (name, labels = {}, timeoutMs = 30_000) =>
      until(`alert ${name} ${JSON.stringify(labels)} in Alertmanager`, timeoutMs, async () => (await alerts()).find((a) => labelsMatch(a.labels, name, labels)), describeAlerts),
    waitForAlertGone: async (name, labels = {}, timeoutMs = 30_000) => {
      await until(`alert ${name} ${JSON.stringify(labels)} to leave Alertmanager`, timeoutMs, async () => ((await alerts()).some((a) => labelsMatch(a.labels, name, labels)) ? undefined : true), describeAlerts);
    },
    waitForNotification: (status, name, labels = {}, timeoutMs = 30_000) =>
      until(`a ${status} notification for ${name} ${JSON.stringify(labels)}`, timeoutMs, async () =>
        notifications.find((n) => n.alerts.some((a) => a.status === status && labelsMatch(a.labels, name, labels))), describeAlerts),
    waitForTargetsUp: async (timeoutMs = 30_000) => {
      await until('every target to be scraped', timeoutMs, async () => {
        const response = await fetch(`${prometheusUrl}/api/v1/targets?state=active`);
        const body = (await response.json()) as { data: { activeTargets: { health: string }[] } };
        const targets = body.data.activeTargets;
        return targets.length === options.targets.length && targets.every((t) => t.health === 'up') ? true : undefined;
      }, logs);
    },
    query: async (expr) => {
      const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await response.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
      return body.data.result;
    },
    logs,
    stop,
  };
}
