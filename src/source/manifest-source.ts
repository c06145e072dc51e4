/**
 * The contract between the source and the controller: a source produces
 * immutable snapshots, each stamped with the revision it was read at, and
 * says which identities changed since the previous one. Delivery is serial
 * and in the order revisions were observed, so the controller never sees an
 * older revision after a newer one. Two implementations: a watched checkout
 * (checkout-source.ts) and the built-in fetch (git-fetch-source.ts).
 */
import type { GitopsError } from '../errors/define.js';
import type { ManifestSnapshot } from '../manifests/types.js';
import type { RevisionedSnapshot } from './consistent-snapshot.js';

export type { RevisionedSnapshot } from './consistent-snapshot.js';

/**
 * Reads the manifests under `dir`. In production:
 * `(dir, signal) => loadManifests(dir, { defaultRegion, signal })`.
 */
export type LoadManifests = (dir: string, signal: AbortSignal) => Promise<ManifestSnapshot>;

/** Keys (sorted) whose desired state differs between two snapshots. */
export interface KeyChanges {
  /** Present in both, with a different content hash, or blocked in one and not the other. */
  readonly changed: readonly string[];
  /** Only in the next snapshot. */
  readonly added: readonly string[];
  /**
   * Only in the previous snapshot, not blocked in the next, and its file has no
   * problems in the next: a file that cannot be parsed never means "deleted".
   * Such keys are reported under `changed` instead.
   */
  readonly removed: readonly string[];
}

/** Service keys (`region/cluster/name`) at the top level; cluster keys (`region/cluster`) under `clusters`. */
export interface SnapshotChanges extends KeyChanges {
  readonly clusters: KeyChanges;
  /** `kind: CapacityProvider` identities (capacityProviderIdentity). */
  readonly capacityProviders: KeyChanges;
}

export type SnapshotListener = (snapshot: RevisionedSnapshot, changes: SnapshotChanges) => void;

export interface ManifestSource {
  /**
   * Takes the first snapshot, delivers it (changes relative to nothing: every
   * key is `added`) and starts watching/fetching. Rejects when the first
   * snapshot cannot be taken (missing root, wrong ref, bad credentials...).
   */
  start(onSnapshot: SnapshotListener): Promise<void>;
  /** The last delivered snapshot. */
  current(): RevisionedSnapshot | undefined;
  /** Read again (checkout) or fetch now (built-in fetch), e.g. on a webhook; coalesced with reads already pending. */
  refresh(): void;
  /** Stops watching and waits for an in-flight read to finish or abort. Idempotent. */
  close(): Promise<void>;
}

/** The pino-compatible subset the source logs through. */
export interface SourceLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export type SourceErrorListener = (error: GitopsError) => void;
