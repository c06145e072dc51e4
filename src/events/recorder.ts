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
  readonly logger?: Logger;
}

export interface ControllerEventRecorder extends EventRecorder {
  /** The per-service memory (tests). */
  memoryOf(service: string): ServiceEventMemory | undefined;
}

export function createEventRecorder(options: EventRecorderOptions): ControllerEventRecorder {
  const { log } = options;
  const logger = options.logger ?? silentLogger();
  const store = options.openDeploys;
  const memories = new Map<string, ServiceEventMemory>();
  const derive = options.failingAfter !== undefined ? { failingAfter: options.failingAfter } : {};

  const persisted = (what: Promise<void> | undefined): void => {
    // The store logs its own write failures; a rejection here would be a bug in it.
    void what?.catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'open deploys could not be updated'));
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

  /** Keeps the service's open deploy in step with what the pass's events say. */
  function trackOpenDeploy(facts: ServicePassFacts, events: readonly NewEvent[]): void {
    if (!store) return;
    const open = store.get(facts.key);
    if (!open) return;
    if (!facts.next) {
      persisted(store.remove(facts.key));
      return;
    }
    if (events.some((e) => e.type === 'RolloutCompleted' || e.type === 'RolloutFailed')) {
      persisted(store.remove(facts.key));
      return;
    }
    const applied = events.find((e) => e.type === 'Applied');
    if (applied) {
      if (applied.final === true) {
        persisted(store.remove(facts.key));
        return;
      }
      const rollout = facts.next.rollout;
      const next: OpenDeploy = {
        ...open, applied: true, revision: applied.revision,
        ...(applied.deploymentId !== undefined ? { deploymentId: applied.deploymentId } : {}),
        ...(rollout?.serviceDeploymentArn !== undefined ? { serviceDeploymentArn: rollout.serviceDeploymentArn } : {}),
        ...(facts.next.liveTaskDefinition !== undefined ? { taskDefinitionArn: facts.next.liveTaskDefinition } : {}),
      };
      persisted(store.put(next));
      return;
    }
    // The applied rollout is no longer followed (a newer manifest replaced it): nothing more will be said about it.
    // An open deploy not yet applied is newer content's, whose apply is still to come.
    const rollout = facts.next.rollout;
    if (open.applied && rollout?.result === 'superseded' && rollout !== facts.previous?.rollout) persisted(store.remove(facts.key));
  }

  return {
    async applyStarting(info) {
      if (info.cause !== 'git') return;
      const { label, ...fields } = eventServiceFields(info.key, info.status);
      log.append({
        ...fields, type: 'SyncStarted', revision: info.revision, at: info.at, discriminator: info.contentHash,
        message: oneLine(EVENT_MESSAGES.SyncStarted(label, shortRevision(info.revision))),
      });
      if (store) await store.put({ service: info.key, revision: info.revision, contentHash: info.contentHash, startedAt: info.at, applied: false });
    },

    recordServicePass(facts) {
      const before = memories.get(facts.key) ?? seeded(facts.key);
      const { events, memory } = deriveServiceEvents(facts, before, derive);
      if (facts.next) memories.set(facts.key, memory);
      else memories.delete(facts.key);
      if (store && (memory.drifts !== before.drifts || memory.drift !== before.drift || memory.spells !== before.spells || memory.failing !== before.failing || !facts.next)) {
        persisted(store.putDrift(facts.key, facts.next ? remembered(memory) : undefined));
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
  };
}
