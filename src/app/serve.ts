/**
 * The long-running controller process behind `run` and `start`: the state
 * dir, metrics on a private registry, AWS access (or an in-process sandbox),
 * the events and notifications (the event log, the open deploys, the
 * notification journal and dispatcher), the checkout (or Git fetch) source,
 * the controller and the HTTP server, started in that order and stopped in
 * reverse when the signal aborts (SIGTERM/SIGINT): the dispatcher closes
 * after the controller has stopped, so the last events of a drain are still
 * journaled and sent (docs/controller.md, "Events").
 */
import type { ErrorCode } from '../errors/index.js';
import type { SandboxOptions, SeedDocument } from '../sandbox/index.js';
import type { MaskOptions } from '../diff/types.js';
import type { RateCategory } from '../ecs/rate-limits.js';
import type { BucketLimits } from '../ecs/token-bucket.js';
import { access, constants as fsConstants, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { loadManifests, ManifestFileCache } from '../manifests/index.js';
import type { DesiredNotifier, ManifestSnapshot, SyncMode } from '../manifests/types.js';
import type { AdoptionPolicy } from '../plan/ownership.js';
import type { CorrectionLoopPolicy } from '../controller/service/correction-loop.js';
import type { Logger } from '../observe/logger.js';
import { createMetrics } from '../observe/metrics.js';
import { startHttpServer, type RunningHttpServer } from '../observe/http-server.js';
import { isLoopbackHost, type ListenAddress } from '../observe/listen-address.js';
import { createCheckoutSource } from '../source/checkout-source.js';
import { createGitFetchSource, type FetchResult } from '../source/git-fetch-source.js';
import type { GitCredentials } from '../source/git-credentials.js';
import { createWebhookHandler } from '../source/webhook.js';
import type { LoadManifests, ManifestSource } from '../source/manifest-source.js';
import { createController, type Controller } from '../controller/controller.js';
import { createLookupResolver } from '../controller/lookups.js';
import { systemClock } from '../util/clock.js';
import { connectEcs, type EcsConnection, type Env } from './runtime.js';
import { AccountDirectory } from '../accounts/account-directory.js';
import { StatusStore, type SourceStatus } from '../controller/status.js';
import { GitopsError } from '../errors/index.js';
import { EventLog } from '../events/event-log.js';
import { openDeployStore } from '../events/open-deploys.js';
import { createEventRecorder } from '../events/recorder.js';
import { createDispatcher, DEFAULT_CLOSE_GRACE_MS } from '../notify/dispatcher.js';
import { createFileJournal } from '../notify/journal.js';
import { createSnsPublisher } from '../notify/sns-publisher.js';
import type { RetryPolicy } from '../notify/types.js';
import { DiskTaskDefinitionStore } from '../ecs/disk-task-definition-store.js';
import type { TaskDefinitionStore } from '../ecs/task-definition-store.js';
import { registerHaMetrics } from '../ha/ha-metrics.js';
import { LeaseManager } from '../ha/lease-manager.js';
import { DynamoLeaseTable } from '../ha/lease-table.js';
import { TableTaskDefinitionStore } from '../ha/table-task-definition-store.js';
import type { HaSettings } from '../ha/types.js';

/** The notification journal's file in the state dir. */
export const NOTIFICATION_JOURNAL_FILE = 'notifications.jsonl';
/** The task definitions learned, per location, in the state dir (docs/ha.md "Warm restart and takeover"). */
export const TASK_DEFINITIONS_DIR = 'task-definitions';
/** How long shutdown waits for the task definition store's last writes. */
const TASK_DEFINITION_FLUSH_GRACE_MS = 5_000;

/** Where the state dir came from: the flag, the environment variable, or the XDG default. */
export type StateDirOrigin = '--state-dir' | 'ECS_GITOPS_STATE_DIR' | 'default';

export interface ServeConfig {
  /** A checkout to watch (`--repo`), or a remote to fetch (`git`). */
  readonly repo?: string;
  readonly git?: { readonly url: string; readonly ref: string; readonly pollMs?: number; readonly credentials?: GitCredentials };
  /** Shared secret of the Git host's push webhook (POST /api/v1/webhook triggers a refresh). */
  readonly webhookSecret?: string;
  /** Manifests directory inside the repository. */
  readonly path?: string;
  readonly region: string;
  readonly sandbox?: {
    readonly seed?: SandboxOptions['seed'];
    readonly clockSpeed?: number;
    /** SNS topics (ARNs) the sandbox is seeded with before the controller starts: a quick start's notifier publishes to one. */
    readonly topics?: readonly string[];
  };
  readonly listen: ListenAddress;
  /** Bearer token `/api/*` requires (`--api-token-file`); without one the API is open to whoever reaches `listen`. */
  readonly apiToken?: string;
  /** Host names `/api/*` answers to besides IP literals, localhost and the listen host (`--api-allowed-hosts`). */
  readonly apiAllowedHosts?: readonly string[];
  readonly resyncMs: number;
  readonly prune: boolean;
  readonly maxPrune: number;
  readonly mode: SyncMode;
  readonly workers: number;
  readonly controllerId: string;
  /** Which existing untagged services and clusters may be adopted (`--adopt-clusters`); absent: only those tagged ecs-gitops/adopt. */
  readonly adoption?: AdoptionPolicy;
  /** Correction-loop hold-back and retry (`--correction-loop-retry`). */
  readonly correctionLoop?: Partial<CorrectionLoopPolicy>;
  /** Checkout watcher quiet period (`--debounce`). @default 50 */
  readonly debounceMs?: number;
  /** Client-side ECS limits per category (`--rate-limits`); categories left out keep ECS's published defaults. */
  readonly rateLimits?: Partial<Record<RateCategory, BucketLimits>>;
  /** Secret masking for the status API and logs (`--secret-pattern`, `--mask-key-file`). */
  readonly mask?: MaskOptions;
  readonly shutdownGraceMs?: number;
  /**
   * Where what must survive a restart is kept: the notification journal
   * (which event each sink was told) and the deploys under way. `dir`
   * undefined: a fresh temporary directory removed on exit (the sandbox,
   * whose ids repeat across runs). `origin` names the flag or variable it
   * came from, for the start-up error when it cannot be used.
   */
  readonly state?: { readonly dir?: string; readonly origin: StateDirOrigin };
  /** Where notifier sinks' `…Env` secrets are read. @default env */
  readonly notifierEnv?: Env;
  /** What notifier sinks' relative `…File` paths are resolved against. @default process.cwd() */
  readonly notifierCwd?: string;
  /** The controller's own URL as people reach it: links in Slack messages and commit statuses' target_url (docs/notifications.md). */
  readonly externalUrl?: string;
  /** Retry bounds of notification deliveries (tests shorten them). @default the dispatcher's */
  readonly notifyRetry?: Partial<RetryPolicy>;
  /**
   * `--ha-table`: this process is one replica of several sharing a DynamoDB
   * lease table (docs/ha.md); it reconciles only the shards it holds.
   * Absent: one controller that owns everything, no DynamoDB.
   */
  readonly ha?: HaSettings;
  readonly env: Env;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/**
 * The start-up warning for an API anyone on the network can read (manifest
 * diffs, errors, revisions), or undefined when it is token-protected or
 * loopback-only.
 */
export function exposedApiWarning(listen: ListenAddress, apiToken: string | undefined): string | undefined {
  if (apiToken !== undefined || isLoopbackHost(listen.host)) return undefined;
  const where = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `the status API (/api/v1/status, /api/v1/services/...: services, diffs, errors, revisions) is open without authentication `
    + `to anyone who can reach ${where}:${listen.port}; set --api-token-file (or ECS_GITOPS_API_TOKEN) to require a bearer token, `
    + `or listen on loopback only (--listen 127.0.0.1:${listen.port})`;
}

export interface ServeInfo {
  /** http://host:port of the status/metrics server. */
  readonly url: string;
  readonly connection: EcsConnection;
  readonly controller: Controller;
}

/**
 * Keeps the `source` section of the status current from the source's
 * callbacks. A failure is shown until a read succeeds again: one that
 * delivers a snapshot, a fetch that finds the revision already served
 * (nothing left to check), or a checkout whose manifests load.
 */
function sourceStatusRecorder(status: StatusStore, identity: Pick<SourceStatus, 'kind' | 'url' | 'ref' | 'root'>, currentRevision: () => string | undefined) {
  let state: SourceStatus = { ...identity, consecutiveFailures: 0 };
  const publish = (next: SourceStatus) => {
    state = next;
    status.setSource(next);
  };
  publish(state);
  const succeeded = () => {
    const { lastError: _cleared, ...rest } = state;
    const revision = currentRevision();
    publish({ ...rest, ...(revision !== undefined ? { revision } : {}), consecutiveFailures: 0 });
  };
  return {
    succeeded,
    failed(error: { code: ErrorCode; message: string }) {
      const lastError = { code: error.code, message: error.message, at: new Date().toISOString() };
      publish({ ...state, lastError, consecutiveFailures: state.consecutiveFailures + 1 });
    },
    fetched(result: FetchResult) {
      const at = new Date(result.at).toISOString();
      publish({ ...state, lastFetchAt: at, ...(result.ok ? { lastSuccessfulFetchAt: at } : {}) });
      if (result.ok && result.revision !== undefined && result.revision === currentRevision()) succeeded();
    },
  };
}

/**
 * The notifiers a snapshot leaves in force: the ones it declares, plus each
 * earlier one whose file now has a problem (a half-saved edit, a typo). As
 * the controller keeps a service whose file broke, a broken Notifier file
 * must not silence its sinks until it is fixed.
 */
export function notifiersToKeep(snapshot: ManifestSnapshot, previous: readonly DesiredNotifier[]): readonly DesiredNotifier[] {
  const declared = snapshot.notifiers ?? [];
  const broken = snapshot.filesWithProblems;
  if (broken.size === 0) return declared;
  const names = new Set(declared.map((n) => n.name));
  return [...declared, ...previous.filter((n) => !names.has(n.name) && broken.has(n.source.file))];
}

/**
 * The state dir, created when missing and checked writable before anything
 * starts: a controller that could not journal would send its notifications
 * again after every restart. The error names the flag and the path.
 */
export async function prepareStateDir(dir: string, origin: StateDirOrigin): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, fsConstants.W_OK | fsConstants.X_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    const what = `the state dir ${dir} cannot be created or written (${reason})`;
    const fix = 'it keeps the notification journal and the deploys under way';
    const message = origin === 'default'
      ? `${what}: it is the default one; set --state-dir (or ECS_GITOPS_STATE_DIR) to a directory the controller can write (${fix})`
      : `${origin === '--state-dir' ? '--state-dir' : 'ECS_GITOPS_STATE_DIR (--state-dir)'}: ${what}; give a directory the controller can write (${fix})`;
    throw new GitopsError('CLI_BAD_FLAG_VALUE', message, { flag: 'state-dir', path: dir });
  }
}

/**
 * The seed that creates `topics` (ARNs) in the sandbox, grouped by account
 * and Region. Through the seed, not CreateTopic: the controller's own code
 * never calls sns:CreateTopic (test/packaging/iam-policy.test.ts holds the
 * policy to what src/ calls outside the sandbox).
 */
export function topicsSeed(topics: readonly string[]): SeedDocument {
  const byLocation = new Map<string, { accountId: string; region: string; names: string[] }>();
  for (const topicArn of topics) {
    const match = /^arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/.exec(topicArn);
    if (!match) throw new Error(`not an SNS topic ARN: ${topicArn}`);
    const [, region, accountId, name] = match as unknown as [string, string, string, string];
    const key = `${accountId}@${region}`;
    const entry = byLocation.get(key) ?? { accountId, region, names: [] };
    entry.names.push(name);
    byLocation.set(key, entry);
  }
  return { accounts: [...byLocation.values()].map(({ accountId, region, names }) => ({ accountId, region, topics: names.map((name) => ({ name })) })) };
}

/** The sandbox's seeds: the configured one, then the topics'. */
function sandboxSeed(sandbox: NonNullable<ServeConfig['sandbox']>): { seed?: SandboxOptions['seed'] } {
  const seeds: Array<SeedDocument | string> = [];
  if (sandbox.seed !== undefined) seeds.push(...(Array.isArray(sandbox.seed) ? sandbox.seed as ReadonlyArray<SeedDocument | string> : [sandbox.seed as SeedDocument | string]));
  if (sandbox.topics && sandbox.topics.length > 0) seeds.push(topicsSeed(sandbox.topics));
  return seeds.length === 0 ? {} : { seed: seeds };
}

/** Runs until `config.signal` aborts, then drains and resolves. `onStarted` sees the running pieces. */
export async function serveController(config: ServeConfig, onStarted?: (info: ServeInfo) => void): Promise<void> {
  const { logger } = config;
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const status = new StatusStore();
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'error during shutdown');
      }
    }
  };
  try {
    let stateDir = config.state?.dir;
    if (stateDir !== undefined) await prepareStateDir(stateDir, config.state?.origin ?? '--state-dir');
    else {
      const fresh = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-state-'));
      // Pushed first, so removed last: after the dispatcher and the open deploys have written their last.
      cleanups.push(() => rm(fresh, { recursive: true, force: true }));
      stateDir = fresh;
    }
    logger.info({ stateDir }, 'state dir');

    // The environments' roles per account: the controller updates it from each good snapshot, the connection reads it.
    const accounts = new AccountDirectory();
    const connection = await connectEcs({
      region: config.region, env: config.env, observer: metrics.observeAwsRequest,
      accounts, controllerId: config.controllerId,
      onAssumeRole: ({ account, ok }) => metrics.recordAssumeRole(account, ok),
      onAccountAccess: ({ account, region, ok }) => metrics.recordAccountAccess(account, region, ok),
      ...(config.sandbox ? { sandbox: { ...sandboxSeed(config.sandbox), ...(config.sandbox.clockSpeed !== undefined ? { clockSpeed: config.sandbox.clockSpeed } : {}) } } : {}),
    });
    cleanups.push(() => connection.close());

    // HA: the lease table is checked (or created) before anything reconciles; a wrong schema stops the start here.
    let leases: LeaseManager | undefined;
    let taskDefinitionStore: TaskDefinitionStore;
    const storeError = (err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'task definition cache: a read or write failed; those task definitions are read from ECS instead');
    if (config.ha) {
      // A lease call that hangs gives up within a renew interval: the next round tries again long before the fence.
      const table = new DynamoLeaseTable({ client: connection.dynamoDb({ purpose: 'leases', requestTimeoutMs: Math.min(2000, config.ha.renewMs) }), table: config.ha.table });
      const made = await table.ensure({ create: config.ha.createTable, signal: config.signal });
      logger.info({ table: config.ha.table, replicaId: config.ha.replicaId, created: made === 'created' }, made === 'created' ? 'lease table created' : 'lease table found');
      leases = new LeaseManager({ table, settings: config.ha, logger });
      registerHaMetrics(registry, () => (leases as LeaseManager).counters());
      const manager = leases;
      status.readHaFrom(() => manager.status());
      // Shared by every replica: one taking a shard over finds what the last holder learned. The same table over a
      // client of its own (runtime.ts, DynamoDbOptions): the cache's bursts and retries must not delay a renewal.
      const cacheTable = new DynamoLeaseTable({ client: connection.dynamoDb({ purpose: 'cache' }), table: config.ha.table });
      taskDefinitionStore = new TableTaskDefinitionStore(cacheTable, { onError: storeError });
    } else {
      taskDefinitionStore = new DiskTaskDefinitionStore(path.join(stateDir, TASK_DEFINITIONS_DIR), { onError: storeError });
    }
    const taskDefinitions = taskDefinitionStore;
    // Bounded: the cache's client tries a call for up to a minute when DynamoDB is out of reach, and what is not
    // written only costs the next holder some DescribeTaskDefinition calls; the exit must not wait for it.
    cleanups.push(() => new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, TASK_DEFINITION_FLUSH_GRACE_MS);
      void taskDefinitions.flush().finally(() => {
        clearTimeout(timer);
        resolve();
      });
    }));

    // Events and notifications. The dispatcher is closed after the controller (pushed before it), the connection after both.
    const eventLog = new EventLog({
      onListenerError: (error, event) => logger.error({ err: error instanceof Error ? error.message : String(error), eventType: event.type, eventId: event.id }, 'an event listener failed'),
    });
    const openDeploys = await openDeployStore({ dir: stateDir, logger });
    const dispatcher = createDispatcher({
      journal: createFileJournal(path.join(stateDir, NOTIFICATION_JOURNAL_FILE), { logger }),
      deps: {
        timeoutMs: 10_000, publishToSns: createSnsPublisher({ clientFor: (region) => connection.snsFor(region) }),
        ...(config.externalUrl !== undefined ? { externalUrl: config.externalUrl } : {}),
      },
      env: config.notifierEnv ?? config.env,
      cwd: config.notifierCwd ?? process.cwd(),
      logger, registry,
      ...(config.notifyRetry ? { retry: config.notifyRetry } : {}),
    });
    // The open deploys say an event was announced only once its notification is journaled: a crash in between would lose it.
    const recorder = createEventRecorder({ log: eventLog, openDeploys, logger, durable: () => dispatcher.flushed() });
    let configured: readonly DesiredNotifier[] = [];
    const unsubscribe = eventLog.subscribe((event) => dispatcher.publish(event));
    status.readNotifiersFrom(() => dispatcher.status());
    cleanups.push(async () => {
      unsubscribe();
      // What is queued gets the grace to go out; what does not stays journaled for the next start.
      const graceMs = DEFAULT_CLOSE_GRACE_MS;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([dispatcher.idle(), new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); })]);
      clearTimeout(timer);
      await dispatcher.close({ graceMs: 1000 });
      await openDeploys.flush();
    });
    await dispatcher.start();

    // One cache for the life of the source: a commit re-validates only the files it touched.
    const manifestCache = new ManifestFileCache();
    let source: ManifestSource | undefined;
    const sourceStatus = sourceStatusRecorder(
      status,
      config.git ? { kind: 'git', url: config.git.url, ref: config.git.ref } : { kind: 'checkout', root: config.repo ?? '.' },
      () => source?.current()?.revision,
    );
    const load: LoadManifests = async (dir, signal) => {
      const snapshot = await loadManifests(dir, { defaultRegion: config.region, signal, cache: manifestCache });
      // A checkout re-read that finds the same revision delivers nothing: loading is its success.
      if (!config.git) sourceStatus.succeeded();
      return snapshot;
    };
    const onError = (error: { code: ErrorCode; message: string }) => {
      logger.error({ code: error.code }, error.message);
      sourceStatus.failed(error);
    };
    if (config.git) {
      const workdir = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-git-'));
      cleanups.push(() => rm(workdir, { recursive: true, force: true }));
      source = createGitFetchSource({
        url: config.git.url, ref: config.git.ref, workdir, load, logger, onError,
        ...(config.path ? { path: config.path } : {}),
        ...(config.git.pollMs ? { pollMs: config.git.pollMs } : {}),
        ...(config.git.credentials ? { credentials: config.git.credentials } : {}),
        onFetch: (result) => {
          metrics.recordSourceFetch(result.ok, Date.now() / 1000);
          sourceStatus.fetched(result);
        },
      });
    } else {
      source = createCheckoutSource({
        root: config.repo ?? '.', load, logger, onError,
        ...(config.path ? { path: config.path } : {}),
        ...(config.debounceMs !== undefined ? { debounceMs: config.debounceMs } : {}),
      });
    }

    const watched = source;
    // Every delivered snapshot is a successful read: it clears a recorded failure and moves the revision.
    const reportingSource: ManifestSource = {
      start: (listener) => watched.start((snapshot, changes) => {
        sourceStatus.succeeded();
        // The notifiers first: the events this snapshot's passes record go to the sinks it declares.
        configured = notifiersToKeep(snapshot, configured);
        dispatcher.configure(configured);
        listener(snapshot, changes);
      }),
      current: () => watched.current(),
      refresh: () => watched.refresh(),
      close: () => watched.close(),
    };

    const controller = createController({
      defaultRegion: config.region,
      ecs: (region) => connection.ecsFor(region),
      ecr: (region) => connection.ecrFor(region),
      scaling: (region) => connection.scalingFor(region),
      scheduler: (region) => connection.schedulerFor(region),
      logger, metrics, status, source: reportingSource, accounts,
      // ${ssm:}/${cfn:} lookups read in each key's location, behind that location's buckets.
      lookups: createLookupResolver({
        lookupFor: (location) => connection.lookupFor(location), accounts, clock: systemClock,
        ...(config.rateLimits ? { rateLimits: config.rateLimits } : {}),
        onWait: (bucket, seconds) => metrics.recordRateLimiterWait(bucket, seconds),
        onLookup: (source, result) => metrics.recordLookup(source, result),
      }),
      events: recorder,
      controllerId: config.controllerId, mode: config.mode, workers: config.workers,
      resyncMs: config.resyncMs, prune: config.prune, maxPrune: config.maxPrune,
      ...(config.rateLimits ? { rateLimits: config.rateLimits } : {}),
      ...(config.mask ? { mask: config.mask } : {}),
      ...(config.adoption ? { adoption: config.adoption } : {}),
      ...(config.correctionLoop ? { correctionLoop: config.correctionLoop } : {}),
      ...(leases ? { shards: leases, fence: leases } : {}),
      taskDefinitionStore,
    });
    // Released right after the controller has stopped (cleanups run in reverse): in-flight passes finish under
    // their leases, and other replicas take the shards at their next read, not after the dispatcher's drain.
    if (leases) {
      const manager = leases;
      cleanups.push(() => manager.close());
    }
    cleanups.push(() => controller.stop({ graceMs: config.shutdownGraceMs ?? 10_000 }));

    let server: RunningHttpServer | undefined;
    server = await startHttpServer({
      host: config.listen.host, port: config.listen.port, registry, status, logger, events: eventLog,
      ...(config.apiToken !== undefined ? { apiToken: config.apiToken } : {}),
      ...(config.apiAllowedHosts ? { apiAllowedHosts: config.apiAllowedHosts } : {}),
      ...(config.webhookSecret
        ? {
          webhook: createWebhookHandler({
            secret: config.webhookSecret, ref: config.git?.ref ?? 'main', logger,
            onPush: (event) => {
              logger.info({ ref: event.ref, after: event.after, delivery: event.delivery }, 'push webhook: refreshing the source');
              watched.refresh();
            },
          }),
        }
        : {}),
      readiness: () => {
        const reasons: string[] = [];
        if (!controller.snapshot()) reasons.push('no manifest snapshot loaded yet');
        else if (!controller.ready()) reasons.push('first reconcile of every service not finished');
        return { ready: reasons.length === 0, reasons };
      },
    });
    const running = server;
    cleanups.push(() => running.close());
    // The bound port, not the configured one: --listen 0.0.0.0:0 names no port.
    const exposed = exposedApiWarning({ host: config.listen.host, port: running.port }, config.apiToken);
    if (exposed) logger.warn({ url: running.url }, exposed);

    await controller.start();
    // After the controller subscribed to shard changes: its first acquisitions are checked at once.
    leases?.start();
    logger.info({ url: server.url, region: config.region, mode: config.mode, prune: config.prune }, 'controller started');
    onStarted?.({ url: server.url, connection, controller });

    if (!config.signal.aborted) {
      await new Promise<void>((resolve) => config.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    logger.info({}, 'shutting down: finishing in-flight work');
    server = undefined;
  } finally {
    await cleanup();
  }
  logger.info({}, 'stopped');
}
