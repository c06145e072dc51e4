/**
 * JSON pointers (RFC 6901) into a manifest, built from the logical paths the
 * comparison produces. Named list entries (containers, environment, secrets,
 * ...) are matched by name, but a pointer must index the manifest's own array:
 * resolution looks the name up in the raw manifest, and places live-only
 * entries after the manifest's last one.
 */
import { isObject } from './json.js';

export { PROTOTYPE_TOKENS } from '../manifests/json-pointer.js';

/** `node[key]` when `node` is a plain object holding `key` itself; never an inherited member such as `__proto__` or `toString`. */
export function ownChild(node: unknown, key: string): unknown {
  return isObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
}

/** An entry of a list matched by a key field; `extra` numbers live-only entries (0, 1, ...). */
export interface NamedSegment {
  readonly by: string;
  readonly name: string;
  readonly extra?: number;
}
export type PathSegment = string | number | NamedSegment;

export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function unescapePointerToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
}

export function pointerTokens(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer.replace(/^\//, '').split('/').map(unescapePointerToken);
}

/** Turns a logical path into a pointer, indexing named entries by their position in `root` (the raw manifest). */
export function resolvePointer(root: unknown, path: readonly PathSegment[]): string {
  let node: unknown = root;
  const tokens: string[] = [];
  for (const segment of path) {
    if (typeof segment === 'string') {
      tokens.push(segment);
      node = ownChild(node, segment);
    } else if (typeof segment === 'number') {
      tokens.push(String(segment));
      node = Array.isArray(node) ? node[segment] : undefined;
    } else {
      const list: unknown[] = Array.isArray(node) ? node : [];
      const index = list.findIndex((entry) => ownChild(entry, segment.by) === segment.name);
      const position = index >= 0 ? index : list.length + (segment.extra ?? 0);
      tokens.push(String(position));
      node = list[position];
    }
  }
  return tokens.length === 0 ? '' : `/${tokens.map(escapePointerToken).join('/')}`;
}

/** True when `pointer` is `base` or lies under it. */
export function pointerWithin(pointer: string, base: string): boolean {
  return pointer === base || pointer.startsWith(`${base}/`);
}
