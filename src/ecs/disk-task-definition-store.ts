/**
 * TaskDefinitionStore over a directory (the controller's state dir,
 * `<stateDir>/task-definitions`, docs/ha.md "Warm restart and takeover"): one
 * append-only JSON-lines file per location, each line
 * `{"arn", "taskDefinition", "tags"}`.
 *
 * - Appends are made in the background, batched, one writer per file (a
 *   promise chain), without fsync: a revision is immutable, so a tail lost in
 *   a crash only means the restarted controller reads those again from ECS.
 * - An ARN already in the file (or queued) is not written again.
 * - A torn last line (a crash mid-append) or a corrupt line is skipped and
 *   reported through `onError`; the next append starts on a new line.
 * - The file is bounded: past `maxEntries` lines it is rewritten atomically
 *   (temp file, rename) with three quarters of `maxEntries` distinct entries
 *   at most, so the next rewrite is a quarter of the bound away rather than
 *   on every append. Kept first are the entries in use: those this process
 *   saved, which includes a loaded entry once the reader first answers with
 *   it (EcsReader hands it to save); then the newest of the rest. An entry
 *   in use is written after the others, so the next process, which knows
 *   nothing of this one's use, counts it among the newest.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type * as ECS from '@aws-sdk/client-ecs';
import type { LiveTaskDefinition } from './ecs-reader.js';
import type { TaskDefinitionStore } from './task-definition-store.js';

export const DEFAULT_TASK_DEFINITION_STORE_MAX_ENTRIES = 20_000;
/** How long saves wait to share one append. */
export const DEFAULT_TASK_DEFINITION_STORE_BATCH_MS = 100;

export interface DiskTaskDefinitionStoreOptions {
  /** Lines a file may hold before it is rewritten. @default 20000 */
  readonly maxEntries?: number;
  /** How long saves wait to share one append. @default 100 */
  readonly batchMs?: number;
  /** A file that could not be read or written, or a line skipped; the store goes on without it. */
  readonly onError?: (error: Error, context: { readonly file: string; readonly line?: number }) => void;
}

interface FileState {
  readonly file: string;
  /** Set once the file was read (by a load or before the first append). */
  scanned: boolean;
  /** ARNs in the file or queued for it. */
  readonly known: Set<string>;
  /** ARNs saved by this process (in use), the most recently saved last; a rewrite keeps these first. */
  readonly inUse: Set<string>;
  /** Lines in the file (corrupt ones included). */
  lines: number;
  /** The file ends without a newline (a torn append): the next append starts a new line first. */
  torn: boolean;
  pending: LiveTaskDefinition[];
  timer: ReturnType<typeof setTimeout> | undefined;
  /** The file's one writer: every read and write of it runs in this chain. */
  chain: Promise<unknown>;
}

/** A file name for a location: letters, digits, `@`, `_` and `-` as they are, anything else %-encoded. */
export function taskDefinitionStoreFileName(location: string): string {
  const safe = location.replace(/[^A-Za-z0-9@_-]/g, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
  return `${safe === '' ? '%' : safe}.jsonl`;
}

const DATE_FIELDS = ['registeredAt', 'deregisteredAt'] as const;

/** One line back into a LiveTaskDefinition, or why not. */
function parseLine(line: string): { arn: string; value: LiveTaskDefinition } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message})` };
  }
  if (typeof parsed !== 'object' || parsed === null) return { problem: 'not an object' };
  const { arn, taskDefinition, tags } = parsed as { arn?: unknown; taskDefinition?: unknown; tags?: unknown };
  if (typeof arn !== 'string' || arn === '') return { problem: 'no arn' };
  if (typeof taskDefinition !== 'object' || taskDefinition === null || (taskDefinition as ECS.TaskDefinition).taskDefinitionArn !== arn) {
    return { problem: 'no taskDefinition with that arn' };
  }
  if (!Array.isArray(tags)) return { problem: 'no tags' };
  // JSON has no dates: give back what DescribeTaskDefinition's SDK answer held.
  const td = taskDefinition as Record<string, unknown>;
  for (const field of DATE_FIELDS) if (typeof td[field] === 'string' || typeof td[field] === 'number') td[field] = new Date(td[field]);
  return { arn, value: { taskDefinition: td as ECS.TaskDefinition, tags: tags as ECS.Tag[] } };
}

function serialize(arn: string, value: LiveTaskDefinition): string {
  return `${JSON.stringify({ arn, taskDefinition: value.taskDefinition, tags: value.tags })}\n`;
}

export class DiskTaskDefinitionStore implements TaskDefinitionStore {
  readonly #dir: string;
  readonly #maxEntries: number;
  readonly #batchMs: number;
  readonly #onError: DiskTaskDefinitionStoreOptions['onError'];
  readonly #files = new Map<string, FileState>();
  #dirReady: Promise<void> | undefined;

  constructor(dir: string, options: DiskTaskDefinitionStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_TASK_DEFINITION_STORE_MAX_ENTRIES;
    if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) throw new RangeError(`maxEntries must be a whole number >= 1, got ${maxEntries}`);
    this.#dir = dir;
    this.#maxEntries = maxEntries;
    this.#batchMs = options.batchMs ?? DEFAULT_TASK_DEFINITION_STORE_BATCH_MS;
    this.#onError = options.onError;
  }

  /** The file kept for `location`. */
  fileFor(location: string): string {
    return path.join(this.#dir, taskDefinitionStoreFileName(location));
  }

  async load(location: string, signal?: AbortSignal): Promise<LiveTaskDefinition[]> {
    signal?.throwIfAborted();
    const state = this.#state(location);
    // In the file's chain: never reads half an append of ours.
    return this.#enqueue(state, async () => [...(await this.#scan(state)).values()]);
  }

  save(location: string, entries: readonly LiveTaskDefinition[]): void {
    const state = this.#state(location);
    for (const value of entries) {
      const arn = value.taskDefinition.taskDefinitionArn;
      if (!arn) continue;
      state.inUse.delete(arn);
      state.inUse.add(arn);
      if (state.known.has(arn)) continue;
      state.known.add(arn);
      state.pending.push(value);
    }
    if (state.pending.length > 0 && !state.timer) state.timer = setTimeout(() => this.#write(state), this.#batchMs);
  }

  async flush(): Promise<void> {
    // A write queued meanwhile (a save while waiting) is waited for too: repeat until every chain stood still.
    for (;;) {
      for (const state of this.#files.values()) if (state.timer) this.#write(state);
      const states = [...this.#files.values()];
      const chains = states.map((s) => s.chain);
      await Promise.all(chains);
      if (states.every((s, i) => s.chain === chains[i] && !s.timer) && this.#files.size === states.length) return;
    }
  }

  #state(location: string): FileState {
    const file = this.fileFor(location);
    let state = this.#files.get(file);
    if (!state) {
      state = { file, scanned: false, known: new Set(), inUse: new Set(), lines: 0, torn: false, pending: [], timer: undefined, chain: Promise.resolve() };
      this.#files.set(file, state);
    }
    return state;
  }

  #enqueue<T>(state: FileState, task: () => Promise<T>): Promise<T> {
    const run = state.chain.then(task);
    state.chain = run.catch(() => undefined);
    return run;
  }

  #report(error: unknown, file: string, line?: number): void {
    const err = error instanceof Error ? error : new Error(String(error));
    try {
      this.#onError?.(err, line === undefined ? { file } : { file, line });
    } catch {
      // A failing reporter must not stop the store.
    }
  }

  /**
   * Reads the file: its entries (the last line of an ARN wins), and sets the
   * state's line count, torn flag and known ARNs. A missing file is empty; an
   * unreadable one is reported and counts as empty.
   */
  async #scan(state: FileState): Promise<Map<string, LiveTaskDefinition>> {
    const entries = new Map<string, LiveTaskDefinition>();
    let text = '';
    try {
      text = await readFile(state.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#report(new Error(`task definition store ${state.file} could not be read: ${(err as Error).message}`), state.file);
      }
    }
    const lines = text.split('\n');
    // The part after the last newline: '' for a whole file, else a torn append.
    const tail = lines.pop() ?? '';
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const parsed = parseLine(line);
      if ('problem' in parsed) {
        this.#report(new Error(`task definition store ${state.file} line ${i + 1} skipped: ${parsed.problem}`), state.file, i + 1);
        return;
      }
      entries.delete(parsed.arn);
      entries.set(parsed.arn, parsed.value);
    });
    if (tail !== '') this.#report(new Error(`task definition store ${state.file} line ${lines.length + 1} skipped: torn (no newline at the end)`), state.file, lines.length + 1);
    state.lines = lines.length + (tail !== '' ? 1 : 0);
    state.torn = tail !== '';
    for (const arn of entries.keys()) state.known.add(arn);
    state.scanned = true;
    return entries;
  }

  #ensureDir(): Promise<void> {
    this.#dirReady ??= mkdir(this.#dir, { recursive: true, mode: 0o700 }).then(() => undefined);
    // A failure is tried again by the next write.
    this.#dirReady.catch(() => {
      this.#dirReady = undefined;
    });
    return this.#dirReady;
  }

  /** Queues the append of everything pending in the file's chain. */
  #write(state: FileState): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = undefined;
    void this.#enqueue(state, async () => {
      let batch = state.pending;
      state.pending = [];
      if (batch.length === 0) return;
      try {
        await this.#ensureDir();
        // Saved before any load: the file may hold some of these already.
        if (!state.scanned) {
          const inFile = await this.#scan(state);
          batch = batch.filter((v) => !inFile.has(v.taskDefinition.taskDefinitionArn ?? ''));
          if (batch.length === 0) return;
        }
        const body = batch.map((v) => serialize(v.taskDefinition.taskDefinitionArn ?? '', v)).join('');
        await appendFile(state.file, state.torn ? `\n${body}` : body, { encoding: 'utf8', mode: 0o600 });
        state.torn = false;
        state.lines += batch.length;
      } catch (err) {
        // Forgotten: a later save of these ARNs writes them (a restart meanwhile reads them from ECS).
        for (const v of batch) state.known.delete(v.taskDefinition.taskDefinitionArn ?? '');
        this.#report(new Error(`task definition store ${state.file} could not be written: ${(err as Error).message}`), state.file);
        return;
      }
      if (state.lines > this.#maxEntries) await this.#rewrite(state);
    });
  }

  /**
   * Rewrites the file with 3/4 of maxEntries distinct entries at most (temp
   * file, then rename): the entries in use (the most recently saved, if they
   * alone are too many), then the newest of the others; written others
   * first, so the file's order stays oldest to newest.
   */
  async #rewrite(state: FileState): Promise<void> {
    const temp = `${state.file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const kept = keptOnRewrite(await this.#scan(state), state.inUse, Math.floor((this.#maxEntries * 3) / 4));
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(kept.map(([arn, v]) => serialize(arn, v)).join(''), 'utf8');
      } finally {
        await handle.close();
      }
      await rename(temp, state.file);
      state.known.clear();
      for (const [arn] of kept) state.known.add(arn);
      // In use but no longer in the file (more in use than the bound): a later save writes it again.
      for (const arn of [...state.inUse]) if (!state.known.has(arn)) state.inUse.delete(arn);
      for (const v of state.pending) state.known.add(v.taskDefinition.taskDefinitionArn ?? '');
      state.lines = kept.length;
      state.torn = false;
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      this.#report(new Error(`task definition store ${state.file} could not be rewritten: ${(err as Error).message}`), state.file);
    }
  }
}

/**
 * What a rewrite keeps of `entries` (file order, oldest first), at most
 * `bound`: the entries in use (`inUse`, the most recently used last; the
 * last `bound` of them when they are more), then the newest of the others.
 * Answered oldest first: the others kept, then those in use in their order.
 */
export function keptOnRewrite(
  entries: ReadonlyMap<string, LiveTaskDefinition>, inUse: ReadonlySet<string>, bound: number,
): [string, LiveTaskDefinition][] {
  const used: [string, LiveTaskDefinition][] = [];
  for (const arn of inUse) {
    const value = entries.get(arn);
    if (value) used.push([arn, value]);
  }
  const usedKept = used.slice(Math.max(0, used.length - bound));
  const others = [...entries].filter(([arn]) => !inUse.has(arn));
  const room = bound - usedKept.length;
  const othersKept = room > 0 ? others.slice(Math.max(0, others.length - room)) : [];
  return [...othersKept, ...usedKept];
}
