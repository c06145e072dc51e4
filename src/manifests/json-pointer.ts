/** RFC 6901 JSON pointers: the address every problem and ignore rule uses. */

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
