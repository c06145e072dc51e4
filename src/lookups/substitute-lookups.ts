/**
 * Puts resolved lookup values into a rendered manifest (docs/environments.md,
 * "Lookups"). Pure: no IO; the resolver (lookup-resolver.ts) reads the values.
 *
 * - Each LookupUse names a string (a JSON pointer into the manifest), one
 *   `${ssm:…}` or `${cfn:…}` it holds and the offset of its `${` there; a
 *   string may hold several. Exactly the text at each use's offset is
 *   replaced (the last first, so earlier offsets stay true): the same text
 *   elsewhere in the string is not a lookup (an escaped `$${ssm:/a}` renders
 *   to `${ssm:/a}`), and inserted values are never scanned again.
 * - A StringList value in a string that is exactly one lookup and is an item
 *   of an array becomes as many items, in order (`subnets:
 *   ["${ssm:/net/private-subnets}"]` gives the three subnet ids). Anywhere
 *   else a StringList inserts its comma-separated text as AWS stores it.
 * - The input is never changed (Desired manifests are frozen): the containers
 *   on the way to a replaced string are copied, everything else is shared.
 *   Without lookups the input itself is returned.
 *
 * A pointer that does not lead to a string, an offset where the string does
 * not hold the lookup's text, or two uses overlapping break the render
 * contract (src/render/render-api.ts): CONTROLLER_LOOKUP_FAILED names it.
 */
import { GitopsError } from '../errors/index.js';
import type { LookupRef, LookupUse } from '../manifests/types.js';

/** A lookup's value: a String or CloudFormation output, or a StringList's items with the text AWS stores. */
export type LookupValue =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[]; readonly text: string };

interface Node {
  readonly children: Map<string, Node>;
  /** The lookups in the string at this node (a leaf). */
  readonly uses: LookupUse[];
}

const newNode = (): Node => ({ children: new Map(), uses: [] });

function contractError(use: LookupUse, why: string): GitopsError {
  return new GitopsError('CONTROLLER_LOOKUP_FAILED', `lookup ${use.lookup.text} at ${use.pointer} (offset ${String(use.offset)}): ${why}`, {
    lookup: use.lookup.text, pointer: use.pointer, offset: use.offset,
  });
}

/** RFC 6901 segments of a pointer into the manifest (`/spec/x/0`). */
function segmentsOf(use: LookupUse): string[] {
  if (!use.pointer.startsWith('/')) throw contractError(use, 'the pointer does not start with "/"');
  return use.pointer.slice(1).split('/').map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * `manifest` with every lookup in `lookups` replaced by `valueOf(lookup)`.
 * `valueOf` is called once per use; it throws to refuse a value.
 */
export function substituteLookups<M>(manifest: M, lookups: readonly LookupUse[], valueOf: (lookup: LookupRef) => LookupValue): M {
  if (lookups.length === 0) return manifest;
  const root = newNode();
  for (const use of lookups) {
    let node = root;
    for (const segment of segmentsOf(use)) {
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = newNode()));
      node = child;
    }
    node.uses.push(use);
  }
  return rebuild(manifest, root, false, valueOf) as M;
}

/** What a string became: text, or (an exact StringList lookup inside an array) several items. */
type Replaced = string | { readonly expand: readonly string[] };

function rebuild(value: unknown, node: Node, inArray: boolean, valueOf: (lookup: LookupRef) => LookupValue): unknown {
  if (node.uses.length > 0) return replaceString(value, node, inArray, valueOf);
  if (Array.isArray(value)) {
    const anyUse = firstUse(node);
    for (const key of node.children.keys()) {
      if (!/^(0|[1-9]\d*)$/.test(key) || Number(key) >= value.length) throw contractError(anyUse, `the manifest's array has no item ${JSON.stringify(key)}`);
    }
    const out: unknown[] = [];
    value.forEach((item, index) => {
      const child = node.children.get(String(index));
      if (!child) {
        out.push(item);
        return;
      }
      const replaced = rebuild(item, child, true, valueOf);
      if (isExpansion(replaced)) out.push(...replaced.expand);
      else out.push(replaced);
    });
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [key, child] of node.children) {
      if (!Object.hasOwn(out, key)) throw contractError(firstUse(child), `the manifest has no field ${JSON.stringify(key)} there`);
      // inArray false: a field's StringList keeps its comma-separated text.
      out[key] = rebuild(out[key], child, false, valueOf);
    }
    return out;
  }
  throw contractError(firstUse(node), `the manifest holds ${value === null ? 'null' : typeof value} on the way, not an object or array`);
}

function isExpansion(value: unknown): value is { readonly expand: readonly string[] } {
  return typeof value === 'object' && value !== null && expansions.has(value);
}

/** Expansion markers this module made (a manifest object shaped `{expand: [...]}` is never mistaken for one). */
const expansions = new WeakSet<object>();

function firstUse(node: Node): LookupUse {
  if (node.uses[0]) return node.uses[0];
  for (const child of node.children.values()) return firstUse(child);
  /* c8 ignore next: every node of the trie leads to a use */
  throw new Error('lookup trie node without uses');
}

function replaceString(value: unknown, node: Node, inArray: boolean, valueOf: (lookup: LookupRef) => LookupValue): Replaced {
  const first = node.uses[0] as LookupUse;
  if (node.children.size > 0) throw contractError(first, 'a pointer goes below a string');
  if (typeof value !== 'string') throw contractError(first, `the manifest holds ${value === null ? 'null' : typeof value} there, not a string`);
  const uses = [...node.uses].sort((a, b) => a.offset - b.offset);
  let previousEnd = 0;
  for (const use of uses) {
    if (!Number.isSafeInteger(use.offset) || use.offset < 0) throw contractError(use, 'the offset is not an index into the string');
    if (!value.startsWith(use.lookup.text, use.offset)) {
      throw contractError(use, `the string there holds ${JSON.stringify(value.slice(use.offset, use.offset + use.lookup.text.length))} at that offset, not the lookup`);
    }
    if (use.offset < previousEnd) throw contractError(use, 'it overlaps another lookup of the same string');
    previousEnd = use.offset + use.lookup.text.length;
  }
  const values = new Map<string, LookupValue>();
  for (const use of uses) if (!values.has(use.lookup.text)) values.set(use.lookup.text, valueOf(use.lookup));
  if (uses.length === 1 && inArray && value === first.lookup.text) {
    const only = values.get(value) as LookupValue;
    if (only.kind === 'list') {
      const marker = { expand: only.items };
      expansions.add(marker);
      return marker;
    }
  }
  // The last first: replacing it leaves the offsets before it true.
  let out = value;
  for (let i = uses.length - 1; i >= 0; i -= 1) {
    const use = uses[i] as LookupUse;
    out = out.slice(0, use.offset) + (values.get(use.lookup.text) as LookupValue).text + out.slice(use.offset + use.lookup.text.length);
  }
  return out;
}
