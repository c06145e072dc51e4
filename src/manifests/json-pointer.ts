/** RFC 6901 JSON pointers: the address every problem and ignore rule uses. */

/**
 * Tokens that name JavaScript's object machinery rather than data. Walking a
 * pointer through one of them reaches `Object.prototype` (or a constructor)
 * instead of a manifest field, so one manifest's `ignoreDifferences` entry
 * could change every object of the process. No ECS field has these names.
 */
export const PROTOTYPE_TOKENS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The first token of `segments` that names prototype machinery, if any. */
export function prototypeToken(segments: readonly string[]): string | undefined {
  return segments.find((segment) => PROTOTYPE_TOKENS.has(segment));
}

export function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function joinPointer(base: string, ...segments: readonly (string | number)[]): string {
  return base + segments.map((s) => `/${escapeSegment(String(s))}`).join('');
}

/** Segments of a pointer, or undefined when it is not a valid RFC 6901 pointer. */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const segments: string[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    if (/~[^01]|~$/.test(raw)) return undefined;
    segments.push(raw.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return segments;
}
