/**
 * A real Prometheus + Alertmanager pair for alerting tests: temp config dirs,
 * loopback ports (Alertmanager and Prometheus start through
 * startServerProcess, which retries on a fresh port when one was taken and
 * checks the process it started is the one answering; the webhook receiver
 * binds port 0), 1 s scrape and rule evaluation, the shipped rules file
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
 *
 * ControllerDown is the exception to the shortening, kept at SCRAPE_FAILURE_FOR:
 * its expression is `up == 0`, and a /metrics answer that misses one 1 s
 * scrape on a loaded 2-core CI machine is a failed scrape, not a controller
 * that is down. Shortened to 2 s it fired during otherwise green runs; no
 * live test provokes it (promtool proves its timing).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { spawnLauncher, startServerProcess, stopProcess, type Launched, type PortAttempt } from './listen-retry.js';
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
  /** How long to wait for each server to become ready. @default 30000 */
  readonly startTimeoutMs?: number;
  /** Picks the ports of Alertmanager and Prometheus (tests of the retry). @default freePort */
  readonly pickPort?: () => Promise<number>;
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
  /** Start attempts whose port was already in use (retried on another port). */
  readonly failedPortAttempts: readonly (PortAttempt & { readonly program: string })[];
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

/** How long ControllerDown waits in a live stack: many consecutive failed scrapes, not one slow answer. */
export const SCRAPE_FAILURE_FOR = '30s';

/**
 * The rules YAML with every `for:` longer than `maxFor` cut to `maxFor`
 * (`keep` names alerts cut to their own duration instead); nothing else changes.
 */
export function templateRules(source: string, maxFor: string, keep: Readonly<Record<string, string>> = {}): string {
  const doc = parse(source) as RuleDoc;
  const copy = structuredClone(doc);
  for (const group of copy.groups) {
    for (const rule of group.rules) {
      const limit = typeof rule.alert === 'string' && keep[rule.alert] !== undefined ? keep[rule.alert] as string : maxFor;
      if (typeof rule.for === 'string' && durationMs(rule.for) > durationMs(limit)) rule.for = limit;
    }
  }
  // Guard: apart from `for`, the copy must equal the shipped rules.
  const strip = (d: RuleDoc) => JSON.stringify(d.groups.map((g) => ({ ...g, rules: g.rules.map(({ for: _for, ...rest }) => rest) })));
  if (strip(copy) !== strip(doc)) throw new Error('templated rules differ from the shipped rules beyond `for:`');
  return stringify(copy);
}

interface Child {
  readonly name: string;
  readonly launched: Launched;
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

/** The webhook receiver on a kernel-chosen loopback port. */
async function startReceiver(sink: AlertNotification[]): Promise<Server> {
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
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return server;
}

/** Starts Alertmanager, then Prometheus; always call stop() (e.g. in afterAll). */
export async function startPrometheusStack(options: PrometheusStackOptions): Promise<PrometheusStack> {
  const interval = options.interval ?? '1s';
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const dir = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-prom-'));
  const notifications: AlertNotification[] = [];
  const children: Child[] = [];
  const failedPortAttempts: (PortAttempt & { program: string })[] = [];
  let receiver: Server | undefined;

  const rulesSource = await readFile(options.rulesFile ?? SHIPPED_RULES_FILE, 'utf8');
  const rulesFile = path.join(dir, 'rules.yaml');
  await writeFile(rulesFile, options.maxFor ? templateRules(rulesSource, options.maxFor, { ControllerDown: SCRAPE_FAILURE_FOR }) : rulesSource);

  const logs = () => children.map((c) => `--- ${c.name} ---\n${c.launched.output()}`).join('\n');
  const stop = async (): Promise<void> => {
    process.off('exit', killNow);
    await Promise.all(children.map((c) => stopProcess(c.launched.child)));
    await new Promise<void>((resolve) => {
      if (!receiver) return resolve();
      receiver.close(() => resolve());
      receiver.closeAllConnections();
    });
    await rm(dir, { recursive: true, force: true });
  };
  // If the test process dies without stop(), do not leave servers behind.
  const killNow = () => {
    for (const c of children) c.launched.child.kill('SIGKILL');
  };
  process.once('exit', killNow);
  const retryOptions = (program: string) => ({
    program,
    timeoutMs: startTimeoutMs,
    ...(options.pickPort ? { pickPort: options.pickPort } : {}),
    onRetry: (attempt: PortAttempt) => {
      failedPortAttempts.push({ program, ...attempt });
      process.stderr.write(`[prometheus-stack] ${program}: port ${attempt.port} already in use (${attempt.reason}); retrying on a fresh port\n`);
    },
  });
  /** Launches `program`; every launch is kept (for logs and stop) until the stack stops. */
  const launcher = (name: string, program: string, args: (port: number) => string[]) => {
    const spawnIt = spawnLauncher(program, args);
    return (port: number): Launched => {
      const launched = spawnIt(port);
      children.push({ name: `${name} (port ${port})`, launched });
      return launched;
    };
  };

  let prometheusUrl: string;
  let alertmanagerUrl: string;
  try {
    receiver = await startReceiver(notifications);
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    const alertmanagerConfig = stringify({
      route: { receiver: 'recorder', group_by: ['alertname', 'region', 'cluster', 'service'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [{ name: 'recorder', webhook_configs: [{ url: receiverUrl, send_resolved: true }] }],
    });
    await writeFile(path.join(dir, 'alertmanager.yml'), alertmanagerConfig);
    const alertmanager = await startServerProcess({
      ...retryOptions('alertmanager'),
      launch: launcher('alertmanager', alertmanagerProgram(), (port) => [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, `alertmanager-data-${port}`)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=', // no gossip port: single instance, loopback only
        '--log.level=warn',
      ]),
      // Ready, and ours: it runs the config holding this stack's receiver (bound by this process, so unique).
      ready: async (port) => {
        if (!(await fetch(`http://127.0.0.1:${port}/-/ready`)).ok) return false;
        const status = (await (await fetch(`http://127.0.0.1:${port}/api/v2/status`)).json()) as { config?: { original?: string } };
        return status.config?.original?.includes(receiverUrl) === true;
      },
    });
    alertmanagerUrl = `http://127.0.0.1:${alertmanager.port}`;

    await writeFile(
      path.join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
        rule_files: [rulesFile],
        alerting: { alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: [`127.0.0.1:${alertmanager.port}`] }] }] },
        scrape_configs: [{ job_name: 'ecs-gitops', static_configs: [{ targets: [...options.targets] }] }],
      }),
    );
    const tsdbPath = (port: number) => path.join(dir, `prometheus-data-${port}`);
    const prometheus = await startServerProcess({
      ...retryOptions('prometheus'),
      launch: launcher('prometheus', 'prometheus', (port) => [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${tsdbPath(port)}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--rules.alert.resend-delay=1s',
        '--log.level=warn',
      ]),
      // Ready, and ours: its TSDB is this attempt's directory.
      ready: async (port) => {
        if (!(await fetch(`http://127.0.0.1:${port}/-/ready`)).ok) return false;
        const flags = (await (await fetch(`http://127.0.0.1:${port}/api/v1/status/flags`)).json()) as { data?: Record<string, string> };
        return flags.data?.['storage.tsdb.path'] === tsdbPath(port);
      },
    });
    prometheusUrl = `http://127.0.0.1:${prometheus.port}`;
    const { child: am } = alertmanager.value;
    if (am.exitCode !== null || am.signalCode !== null) throw new Error(`alertmanager on port ${alertmanager.port} exited (${am.exitCode ?? am.signalCode}) while Prometheus started`);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${logs()}`, { cause: err });
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
    failedPortAttempts,
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
