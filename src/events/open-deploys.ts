/**
 * Deploys under way, kept across restarts (docs/controller.md, "Events"): a
 * SyncStarted was announced for new Git content, and its Applied or its
 * rollout's end not yet. A restarted controller reads them back and hands
 * each to the Service reconciler (ServiceReconciler.resume), so what an
 * earlier process began is announced to the end, once.
 *
 * One small JSON file in the state dir, replaced atomically on each change
 * (write a temp file, fsync, rename, fsync the dir): a crash leaves the old
 * file or the new one, never half of one. Without a dir it is memory only.
 * A file that cannot be read as open deploys is moved aside as
 * `<file>.corrupt-<time>` and logged, and the controller starts without
 * them: a bad file must not become a crash loop.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger, type Logger } from '../observe/logger.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { OpenDeploy } from './types.js';

export const OPEN_DEPLOYS_FILE = 'open-deploys.json';
const FORMAT_VERSION = 1;

export interface OpenDeployStore {
  /** Every open deploy, one per service. */
  list(): readonly OpenDeploy[];
  get(service: string): OpenDeploy | undefined;
  /** Records (or replaces) the service's open deploy; resolves once it is on disk. */
  put(deploy: OpenDeploy): Promise<void>;
  /** Closes the service's open deploy; resolves once that is on disk. */
  remove(service: string): Promise<void>;
  /** Resolves once every change so far is on disk. */
  flush(): Promise<void>;
  /** The service's drift count and the drift announced and not yet corrected (derive-service-events.ts ServiceEventMemory). */
  drift(service: string): DriftRecord | undefined;
  /** Records it (written with the next change, at once); undefined forgets the service. */
  putDrift(service: string, record: DriftRecord | undefined): Promise<void>;
}

/**
 * What a restarted controller needs to neither repeat an announced drift or failing spell nor swallow a recurring one
 * (derive-service-events.ts ServiceEventMemory: the counts, and what is announced and not yet over).
 */
export interface DriftRecord {
  readonly drifts?: number;
  readonly drift?: { readonly fingerprint: string; readonly cause: 'git' | 'live' };
  readonly spells?: number;
  readonly failing?: { readonly id: string; readonly code: string };
}

function isDriftRecord(value: unknown): value is DriftRecord {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const optionalCount = (k: string) => v[k] === undefined || typeof v[k] === 'number';
  if (!optionalCount('drifts') || !optionalCount('spells')) return false;
  const drift = v['drift'] as Record<string, unknown> | undefined;
  const failing = v['failing'] as Record<string, unknown> | undefined;
  return (drift === undefined || (typeof drift === 'object' && drift !== null && typeof drift['fingerprint'] === 'string' && (drift['cause'] === 'git' || drift['cause'] === 'live')))
    && (failing === undefined || (typeof failing === 'object' && failing !== null && typeof failing['id'] === 'string' && typeof failing['code'] === 'string'));
}

export interface OpenDeployStoreOptions {
  /** The controller's state dir; absent: kept in memory only. */
  readonly dir?: string;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

function isOpenDeploy(value: unknown): value is OpenDeploy {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const optionalString = (k: string) => v[k] === undefined || typeof v[k] === 'string';
  return typeof v['service'] === 'string' && typeof v['revision'] === 'string' && typeof v['contentHash'] === 'string'
    && typeof v['startedAt'] === 'string' && typeof v['applied'] === 'boolean'
    && optionalString('deploymentId') && optionalString('serviceDeploymentArn') && optionalString('taskDefinitionArn');
}

/** The deploys in a file's text, or why it is not an open-deploys file. */
export function parseOpenDeploys(text: string): { readonly deploys: OpenDeploy[]; readonly drifts: Record<string, DriftRecord> } | { readonly problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { version?: unknown }).version !== FORMAT_VERSION) {
    return { problem: `expected an object with "version": ${FORMAT_VERSION}` };
  }
  const deploys = (parsed as { deploys?: unknown }).deploys;
  if (!Array.isArray(deploys)) return { problem: 'expected "deploys" to be a list' };
  const bad = deploys.findIndex((d) => !isOpenDeploy(d));
  if (bad >= 0) return { problem: `deploys[${bad}] is not an open deploy (service, revision, contentHash, startedAt, applied)` };
  // `drifts` came later: a file without it is a file from before, with no drift to remember.
  const drifts = (parsed as { drifts?: unknown }).drifts ?? {};
  if (typeof drifts !== 'object' || drifts === null || Array.isArray(drifts)) return { problem: 'expected "drifts" to be an object' };
  const badDrift = Object.entries(drifts).find(([, d]) => !isDriftRecord(d));
  if (badDrift) return { problem: `drifts[${JSON.stringify(badDrift[0])}] is not a drift record (drifts, drift, spells, failing)` };
  return { deploys: deploys as OpenDeploy[], drifts: drifts as Record<string, DriftRecord> };
}

/** Opens the store, reading back what an earlier process left (memory only without a dir). */
export async function openDeployStore(options: OpenDeployStoreOptions = {}): Promise<OpenDeployStore> {
  const logger = options.logger ?? silentLogger();
  const clock = options.clock ?? systemClock;
  const deploys = new Map<string, OpenDeploy>();
  const drifts = new Map<string, DriftRecord>();
  const dir = options.dir;
  const file = dir !== undefined ? path.join(dir, OPEN_DEPLOYS_FILE) : undefined;

  if (dir !== undefined && file !== undefined) {
    await mkdir(dir, { recursive: true });
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== undefined) {
      const parsed = parseOpenDeploys(text);
      if ('deploys' in parsed) {
        for (const d of parsed.deploys) deploys.set(d.service, d);
        for (const [service, d] of Object.entries(parsed.drifts)) drifts.set(service, d);
      } else {
        const aside = `${file}.corrupt-${new Date(clock.now()).toISOString().replace(/[:.]/g, '-')}`;
        await rename(file, aside);
        logger.error({ file, movedTo: aside, problem: parsed.problem },
          `open deploys file ${file} is corrupt (${parsed.problem}); moved aside to ${aside}, starting without open deploys (deploys under way before the restart are announced from what ECS shows)`);
      }
    }
  }

  let writing: Promise<void> = Promise.resolve();
  /** A write queued and not yet begun: later changes ride on it (a mass apply makes one write per fsync, not one per service). */
  let queued: Promise<void> | undefined;
  const persist = (): Promise<void> => {
    if (dir === undefined || file === undefined) return Promise.resolve();
    if (queued) return queued;
    // Chained: each write takes the maps as they are when it begins, so the last write holds every change.
    queued = writing.then(async () => {
      queued = undefined;
      const body = `${JSON.stringify({ version: FORMAT_VERSION, deploys: [...deploys.values()], drifts: Object.fromEntries(drifts) })}\n`;
      const temp = `${file}.tmp-${process.pid}`;
      try {
        const handle = await open(temp, 'w', 0o600);
        try {
          await handle.writeFile(body, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, file);
        const dirHandle = await open(dir, 'r');
        try {
          await dirHandle.sync();
        } catch {
          // Some file systems cannot sync a directory; the rename is still atomic.
        } finally {
          await dirHandle.close();
        }
      } catch (err) {
        // A deploy is never held up by the state dir: it goes on, announced from memory (a restart may then miss its end).
        logger.error({ file, err: err instanceof Error ? err.message : String(err) }, `open deploys file ${file} could not be written; deploys go on, but one under way at a restart may not be announced to its end`);
      }
    });
    writing = queued;
    return queued;
  };

  return {
    list: () => [...deploys.values()],
    get: (service) => deploys.get(service),
    put(deploy) {
      deploys.set(deploy.service, Object.freeze({ ...deploy }));
      return persist();
    },
    remove(service) {
      if (!deploys.delete(service)) return writing;
      return persist();
    },
    flush: () => writing,
    drift: (service) => drifts.get(service),
    putDrift(service, record) {
      if (record === undefined) {
        if (!drifts.delete(service)) return writing;
      } else drifts.set(service, Object.freeze({ ...record }));
      return persist();
    },
  };
}
