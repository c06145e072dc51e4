/** Collects delivered snapshots and lets a test wait for one that matches, without sleeping. */
import type { RevisionedSnapshot, SnapshotChanges } from '../../../src/source/manifest-source.js';

export interface Delivery {
  readonly snapshot: RevisionedSnapshot;
  readonly changes: SnapshotChanges;
}

export class SnapshotRecorder {
  readonly deliveries: Delivery[] = [];
  #waiters: Array<{ test: (d: Delivery) => boolean; resolve: (d: Delivery) => void }> = [];

  readonly listener = (snapshot: RevisionedSnapshot, changes: SnapshotChanges): void => {
    const delivery = { snapshot, changes };
    this.deliveries.push(delivery);
    this.#waiters = this.#waiters.filter((w) => (w.test(delivery) ? (w.resolve(delivery), false) : true));
  };

  /** Resolves with the first delivery (from index `from` on) that passes `test`; rejects after `timeoutMs`. */
  waitFor(test: (d: Delivery) => boolean, from = 0, timeoutMs = 15_000): Promise<Delivery> {
    const found = this.deliveries.slice(from).find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching snapshot within ${timeoutMs} ms; got ${this.deliveries.map((d) => d.snapshot.revision).join(', ')}`)), timeoutMs);
      this.#waiters.push({ test, resolve: (d) => (clearTimeout(timer), resolve(d)) });
    });
  }

  waitForRevision(revision: string, from = 0): Promise<Delivery> {
    return this.waitFor((d) => d.snapshot.revision === revision, from);
  }

  /** Union of changes over deliveries[from..]. */
  changesSince(from: number): { changed: string[]; added: string[]; removed: string[] } {
    const union = (pick: (d: Delivery) => readonly string[]) => [...new Set(this.deliveries.slice(from).flatMap(pick))].sort();
    return { changed: union((d) => d.changes.changed), added: union((d) => d.changes.added), removed: union((d) => d.changes.removed) };
  }
}
