/**
 * A min-heap of (time, item) steps for one Region — rollout steps of
 * services, lifecycle steps of one-off tasks, schedule firings — so settling
 * a Region costs O(due steps · log n) instead of a scan of everything busy.
 * Entries are never removed in place: an entry whose time no longer equals
 * the item's nextStepAt is stale and skipped when it surfaces.
 */
import type { ServiceRecord } from './state.js';

interface Entry<T> {
  readonly at: number;
  readonly svc: T;
}

export class StepQueue<T extends { nextStepAt: number } = ServiceRecord> {
  readonly #heap: Entry<T>[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(svc: T, at: number): void {
    if (!Number.isFinite(at)) return;
    const heap = this.#heap;
    heap.push({ at, svc });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Entry<T>).at <= at) break;
      heap[i] = heap[parent] as Entry<T>;
      i = parent;
    }
    heap[i] = { at, svc };
  }

  /** The next item whose current step is due at or before `now`, or undefined. */
  popDue(now: number): T | undefined {
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as Entry<T>).at <= now) {
      const top = this.#pop();
      if (top.svc.nextStepAt === top.at) return top.svc;
    }
    return undefined;
  }

  clear(): void {
    this.#heap.length = 0;
  }

  #pop(): Entry<T> {
    const heap = this.#heap;
    const top = heap[0] as Entry<T>;
    const last = heap.pop() as Entry<T>;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        let smallestAt = last.at;
        if (l < heap.length && (heap[l] as Entry<T>).at < smallestAt) {
          smallest = l;
          smallestAt = (heap[l] as Entry<T>).at;
        }
        if (r < heap.length && (heap[r] as Entry<T>).at < smallestAt) smallest = r;
        if (smallest === i) break;
        heap[i] = heap[smallest] as Entry<T>;
        i = smallest;
      }
      heap[i] = last;
    }
    return top;
  }
}
