/**
 * Greedy minimization: drop every field whose absence leaves a value's
 * canonical form unchanged. The canonical form is the diff engine's own
 * normalization, so a field is removed exactly when it equals what ECS would
 * fill in by default (or is read-only, or empty) — and the result is, by
 * construction, indistinguishable from the input to the diff. Pure.
 */
import { setOwn } from '../diff/json.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type JsonTree = { [key: string]: Json };

/** JSON pointers (RFC 6901) of fields that are kept even when removable. */
export interface MinimizeOptions {
  readonly keep?: ReadonlySet<string>;
}

function isRecord(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Returns a copy of `tree` with removable fields dropped. `fingerprint` maps a
 * candidate to its canonical form as a string; a field is dropped when the
 * fingerprint stays equal to the original's. Objects are visited key by key,
 * depth first; array entries are never removed (that changes meaning), but
 * fields inside them are.
 */
export function minimize(tree: JsonTree, fingerprint: (candidate: JsonTree) => string, options: MinimizeOptions = {}): JsonTree {
  const keep = options.keep ?? new Set<string>();
  const work = structuredClone(tree);
  const target = fingerprint(work);

  let removed = 0;
  const visit = (node: Json, pointer: string): void => {
    if (Array.isArray(node)) {
      node.forEach((child, index) => visit(child, `${pointer}/${index}`));
      return;
    }
    if (!isRecord(node)) return;
    for (const key of Object.keys(node).sort()) {
      const childPointer = `${pointer}/${escapeToken(key)}`;
      const saved = node[key] as Json;
      if (!keep.has(childPointer)) {
        delete node[key];
        if (fingerprint(work) === target) {
          removed++;
          continue;
        }
        setOwn(node, key, saved);
      }
      visit(saved, childPointer);
    }
  };
  // Repeat until nothing more goes: dropping a child can make its parent removable.
  do {
    removed = 0;
    visit(work, '');
  } while (removed > 0);
  // Re-inserting a key moves it to the end; the caller orders keys afterwards.
  return work;
}
