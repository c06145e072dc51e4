/**
 * Which identities changed between two snapshots, by content hash, so that one
 * edited file enqueues one service instead of all of them. Pure.
 */
import type { ManifestSnapshot } from '../manifests/types.js';
import type { KeyChanges, SnapshotChanges } from './manifest-source.js';

interface Identity {
  readonly key: string;
  readonly contentHash: string;
  readonly source: { readonly file: string };
}

function diffIdentities(
  previous: readonly Identity[],
  next: readonly Identity[],
  previousBlocked: ReadonlySet<string>,
  nextBlocked: ReadonlySet<string>,
  nextFilesWithProblems: ReadonlySet<string>,
): KeyChanges {
  const before = new Map(previous.map((item) => [item.key, item.contentHash]));
  const beforeFile = new Map(previous.map((item) => [item.key, item.source.file]));
  const after = new Map(next.map((item) => [item.key, item.contentHash]));
  const changed: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [key, hash] of after) {
    const old = before.get(key);
    if (old === undefined) added.push(key);
    else if (old !== hash || previousBlocked.has(key) !== nextBlocked.has(key)) changed.push(key);
  }
  for (const key of before.keys()) {
    if (after.has(key)) continue;
    // Declared in a file that now has problems (or is blocked): unknown, not deleted.
    // Still reported as changed, so the controller looks and records it as blocked.
    const file = beforeFile.get(key);
    if (nextBlocked.has(key) || (file !== undefined && nextFilesWithProblems.has(file))) changed.push(key);
    else removed.push(key);
  }
  return { changed: changed.sort(), added: added.sort(), removed: removed.sort() };
}

const NONE: ReadonlySet<string> = new Set();

/** Changes from `previous` (undefined: nothing delivered yet, so everything is added) to `next`. */
export function changedKeys(previous: ManifestSnapshot | undefined, next: ManifestSnapshot): SnapshotChanges {
  const prevBlocked = previous?.blockedKeys ?? NONE;
  const services = diffIdentities(previous?.services ?? [], next.services, prevBlocked, next.blockedKeys, next.filesWithProblems);
  const clusters = diffIdentities(previous?.clusters ?? [], next.clusters, prevBlocked, next.blockedKeys, next.filesWithProblems);
  const capacityProviders = diffIdentities(previous?.capacityProviders ?? [], next.capacityProviders ?? [], prevBlocked, next.blockedKeys, next.filesWithProblems);
  return { ...services, clusters, capacityProviders };
}

/** True when nothing any reconciler reads differs. */
export function isEmptyChange(changes: SnapshotChanges): boolean {
  const empty = (c: KeyChanges) => c.changed.length === 0 && c.added.length === 0 && c.removed.length === 0;
  return empty(changes) && empty(changes.clusters) && empty(changes.capacityProviders);
}
