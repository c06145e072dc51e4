/**
 * A min-heap of (time, service) rollout steps for one Region, so settling a
 * Region costs O(due steps · log n) instead of a scan of every busy service.
 * Entries are never removed in place: an entry whose time no longer equals
 * the service's nextStepAt is stale and skipped when it surfaces.
 */
import type { ServiceRecord } from './state.js';

interface Entry {
  readonly at: number;
  readonly svc: ServiceRecord;
}

export class StepQueue {
  readonly #heap: Entry[] = [];

  get size(): number {
    return this.#heap.length;
  }

  push(svc: ServiceRecord, at: number): void {
    if (!Number.isFinite(at)) return;
    const heap = this.#heap;
    heap.push({ at, svc });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Entry).at <= at) break;
      heap[i] = heap[parent] as Entry;
      i = parent;
    }
    heap[i] = { at, svc };
  }

  /** The next service whose current step is due at or before `now`, or undefined. */
  popDue(now: number): ServiceRecord | undefined {
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as Entry).at <= now) {
      const top = this.#pop();
      if (top.svc.nextStepAt === top.at) return top.svc;
    }
    return undefined;
  }

  clear(): void {
    this.#heap.length = 0;
  }

  #pop(): Entry {
    const heap = this.#heap;
    const top = heap[0] as Entry;
    const last = heap.pop() as Entry;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        let smallestAt = last.at;
        if (l < heap.length && (heap[l] as Entry).at < smallestAt) {
          smallest = l;
          smallestAt = (heap[l] as Entry).at;
        }
        if (r < heap.length && (heap[r] as Entry).at < smallestAt) smallest = r;
        if (smallest === i) break;
        heap[i] = heap[smallest] as Entry;
        i = smallest;
      }
      heap[i] = last;
    }
    return top;
  }
}
