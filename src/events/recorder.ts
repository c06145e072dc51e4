/**
 * The controller's side of the events (docs/controller.md, "Events"): the
 * Service reconciler tells it an apply of new Git content is starting
 * (SyncStarted, recorded durably as an open deploy before anything is
 * written to ECS), and the controller's record() hands it every Service pass
 * and prune pass. It derives the events (derive-service-events.ts, pure),
 * appends them to the log (which numbers them and drops ids it already
 * holds) and keeps the open deploys in step: applied with its deployment
 * once Applied, closed when the rollout ends, is superseded, or the service
 * goes.
 */
import { silentLogger, type Logger } from '../observe/logger.js';
import type { PruneStatus } from '../controller/status.js';
import { deriveServiceEvents, EMPTY_SERVICE_EVENT_MEMORY, eventServiceFields, type ServiceEventMemory } from './derive-service-events.js';
import { EVENT_MESSAGES, oneLine, shortRevision } from './event-messages.js';
import type { EventLog } from './event-log.js';
import type { DriftRecord, OpenDeployStore } from './open-deploys.js';
import type { ErrorCode } from '../errors/index.js';
import type { EventRecorder, NewEvent, OpenDeploy, ServicePassFacts } from './types.js';
import { createHash } from 'node:crypto';

export interface EventRecorderOptions {
  readonly log: EventLog;
  /** Consecutive error passes before ReconcileFailing. @default 3 */
  readonly failingAfter?: number;
  /** Where deploys under way are kept across restarts; absent: in memory only (nothing is resumed after a restart). */
  readonly openDeploys?: OpenDeployStore;
  /**
   * Resolves once every event appended so far is durable where it is announced from (the notification journal:
   * NotificationDispatcher.flushed). The store records "announced" only after it: a crash in between would otherwise
   * leave a restarted controller believing an event went out that no sink will ever get. @default resolved
   */
  readonly durable?: () => Promise<void>;
  /** The longest an apply waits for the state dir before going on without it (a stalled disk must not stop deploys). @default 5000 */
  readonly applyWaitMs?: number;
  readonly logger?: Logger;
}

export interface ControllerEventRecorder extends EventRecorder {
  /** The per-service memory (tests). */
  memoryOf(service: string): ServiceEventMemory | undefined;
  /** Resolves once every state-dir write asked for so far is done (tests; shutdown). */
  flushed(): Promise<void>;
}

export function createEventRecorder(options: EventRecorderOptions): ControllerEventRecorder {
  const { log } = options;
  const logger = options.logger ?? silentLogger();
  const store = options.openDeploys;
  const memories = new Map<string, ServiceEventMemory>();
  const derive = options.failingAfter !== undefined ? { failingAfter: options.failingAfter } : {};

  const durable = options.durable ?? (() => Promise.resolve());
  const applyWaitMs = options.applyWaitMs ?? 5000;
  /** Store writes, in order, each after the events appended before it are durable. */
  let writes: Promise<void> = Promise.resolve();
  const persisted = (write: () => Promise<void>): Promise<void> => {
    writes = writes.then(() => durable()).then(write)
      // The store logs its own write failures; a rejection here is the journal's, which logs its own too.
      .catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'open deploys could not be updated'));
    return writes;
  };

  /** A service's first pass in this process starts from the drift memory an earlier process left (open-deploys.ts). */
  function seeded(service: string): ServiceEventMemory {
    const record = store?.drift(service);
    if (!record) return EMPTY_SERVICE_EVENT_MEMORY;
    return {
      ...EMPTY_SERVICE_EVENT_MEMORY,
      ...(record.drifts !== undefined ? { drifts: record.drifts } : {}),
      ...(record.drift ? { drift: record.drift } : {}),
      ...(record.spells !== undefined ? { spells: record.spells } : {}),
      ...(record.failing ? { failing: { id: record.failing.id, code: record.failing.code as ErrorCode } } : {}),
    };
  }

  /** The part of a service's memory a restart needs; undefined when there is nothing to keep. */
  function remembered(memory: ServiceEventMemory): DriftRecord | undefined {
    const record: DriftRecord = {
      ...(memory.drifts !== undefined ? { drifts: memory.drifts } : {}),
      ...(memory.drift ? { drift: memory.drift } : {}),
      ...(memory.spells !== undefined ? { spells: memory.spells } : {}),
      ...(memory.failing ? { failing: memory.failing } : {}),
    };
    return Object.keys(record).length > 0 ? record : undefined;
  }

  /**
   * The open deploys as this recorder last decided them: the store's writes run later (after `durable`), so a pass
   * reads what the passes before it decided, not what has reached the disk yet.
   */
  const decided = new Map<string, OpenDeploy | null>();
  const openOf = (service: string): OpenDeploy | undefined => (decided.has(service) ? decided.get(service) ?? undefined : store?.get(service));
  const putOpen = (deploy: OpenDeploy): Promise<void> => {
    decided.set(deploy.service, deploy);
    return persisted(() => store?.put(deploy) ?? Promise.resolve());
  };
  const removeOpen = (service: string): Promise<void> => {
    decided.set(service, null);
    return persisted(() => store?.remove(service) ?? Promise.resolve());
  };

  /** Keeps the service's open deploy in step with what the pass's events say. */
  function trackOpenDeploy(facts: ServicePassFacts, events: readonly NewEvent[]): void {
    if (!store) return;
    const open = openOf(facts.key);
    if (!open) return;
    if (!facts.next) {
      void removeOpen(facts.key);
      return;
    }
    if (events.some((e) => e.type === 'RolloutCompleted')) {
      void removeOpen(facts.key);
      return;
    }
    const applied = events.find((e) => e.type === 'Applied');
    if (applied?.final === true) {
      void removeOpen(facts.key);
      return;
    }
    if (applied || events.some((e) => e.type === 'RolloutFailed')) {
      // A failed rollout's deploy stays open: its content is held until Git changes, and a restarted controller must
      // hold it too. Resumed, its rollout is read again, ends failed again (the same RolloutFailed id: nothing sent
      // twice) and the content is held, instead of being applied again as if someone had changed the service by hand.
      // A new deploy of the service replaces it (applyStarting).
      const rollout = facts.next.rollout;
      const deploymentId = applied?.deploymentId ?? (rollout ? rollout.serviceDeploymentArn ?? rollout.deploymentId : undefined);
      const next: OpenDeploy = {
        ...open, applied: true, revision: applied?.revision ?? rollout?.revision ?? open.revision,
        ...(deploymentId !== undefined ? { deploymentId } : {}),
        ...(rollout?.serviceDeploymentArn !== undefined ? { serviceDeploymentArn: rollout.serviceDeploymentArn } : {}),
        // The task definition it rolled out, not the one ECS rolled back to.
        ...(open.taskDefinitionArn === undefined && applied && facts.next.liveTaskDefinition !== undefined ? { taskDefinitionArn: facts.next.liveTaskDefinition } : {}),
      };
      void putOpen(next);
      return;
    }
    // The applied rollout is no longer followed (a newer manifest replaced it): nothing more will be said about it.
    // An open deploy not yet applied is newer content's, whose apply is still to come.
    const rollout = facts.next.rollout;
    if (open.applied && rollout?.result === 'superseded' && rollout !== facts.previous?.rollout) void removeOpen(facts.key);
  }

  return {
    async applyStarting(info) {
      if (info.cause !== 'git') return;
      const { label, ...fields } = eventServiceFields(info.key, info.status);
      log.append({
        ...fields, type: 'SyncStarted', revision: info.revision, at: info.at, discriminator: info.contentHash,
        message: oneLine(EVENT_MESSAGES.SyncStarted(label, shortRevision(info.revision))),
      });
      if (!store) return;
      const open = openOf(info.key);
      // A pass that only looks at hooks still running, or a retried apply, starts the same deploy: nothing new to write.
      if (open && open.revision === info.revision && open.contentHash === info.contentHash) return;
      const written = putOpen({ service: info.key, revision: info.revision, contentHash: info.contentHash, startedAt: info.at, applied: false });
      // Bounded: a stalled disk delays an apply by at most applyWaitMs (a crash then may leave this deploy unannounced).
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), applyWaitMs); });
      const outcome = await Promise.race([written.then(() => 'written' as const), late]);
      clearTimeout(timer);
      if (outcome === 'late') logger.warn({ service: info.key, waitedMs: applyWaitMs }, 'state dir slow: applying without waiting for the open deploy to be written');
    },

    recordServicePass(facts) {
      const before = memories.get(facts.key) ?? seeded(facts.key);
      const { events, memory } = deriveServiceEvents(facts, before, derive);
      if (facts.next) memories.set(facts.key, memory);
      else memories.delete(facts.key);
      if (store && (memory.drifts !== before.drifts || memory.drift !== before.drift || memory.spells !== before.spells || memory.failing !== before.failing || !facts.next)) {
        void persisted(() => store.putDrift(facts.key, facts.next ? remembered(memory) : undefined));
      }
      for (const event of events) log.append(event);
      trackOpenDeploy(facts, events);
      // The record went: so do its ring and memory (bounded by the services managed).
      if (!facts.next) log.forget(facts.key);
    },

    recordPrune(prune: PruneStatus) {
      // Pruning switched off is a choice, not news: the orphans are in status and prune_blocked_total counts them.
      if (!prune.blocked || prune.blocked.reason === 'disabled') return;
      const candidates = [...prune.candidates].sort();
      log.append({
        type: 'PruneBlocked', revision: prune.revision ?? 'unversioned', at: prune.at,
        discriminator: `${prune.blocked.reason}:${createHash('sha256').update(candidates.join('\n')).digest('hex').slice(0, 12)}`,
        message: oneLine(EVENT_MESSAGES.PruneBlocked(prune.blocked.reason, prune.blocked.message)),
      });
    },

    openDeploys: () => store?.list() ?? [],
    memoryOf: (service) => memories.get(service),
    flushed: () => writes,
  };
}
