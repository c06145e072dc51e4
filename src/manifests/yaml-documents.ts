/**
 * Parses one file's text (YAML, multi-document; JSON is YAML too) into plain
 * values that remember where they came from: every JSON pointer maps back to
 * a line and column. Pure; limits are enforced here so no input can make the
 * parser hang or exhaust memory.
 */
import { Composer, LineCounter, Parser, isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import type { CST } from 'yaml';
import type { ManifestErrorCode } from '../errors/index.js';
import { parsePointer } from './json-pointer.js';
import type { ManifestLimits } from './limits.js';
import { findExcessiveNesting, valueDepth } from './nesting-depth.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface ParsedDocument {
  /** 0-based index of the document in the file (empty documents count). */
  readonly index: number;
  readonly value: unknown;
  /** Where the document's content starts. */
  readonly start: Position;
  /**
   * Where the value at `pointer` is written; `key` asks for the mapping key
   * rather than the value. Falls back to the deepest ancestor that exists.
   */
  locate(pointer: string, target?: 'key' | 'value'): Position;
}

export interface ParseProblem {
  readonly code: ManifestErrorCode;
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly pointer: string;
  readonly documentIndex?: number;
}

export interface ParsedFile {
  readonly documents: readonly ParsedDocument[];
  readonly problems: readonly ParseProblem[];
}

const WARNING_TEXT: Readonly<Record<string, string>> = {
  TAG_RESOLVE_FAILED: 'manifests are plain data: custom YAML tags (such as CloudFormation\'s !Ref or !Sub) are not supported',
};

type AnyNode = Node | Pair | null | undefined;

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || key.source === '<<');
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return undefined;
}

function locator(doc: Document.Parsed, lc: LineCounter, fallback: Position) {
  const pos = (node: AnyNode): Position | undefined => {
    const range = node && 'range' in node ? node.range : undefined;
    if (!range) return undefined;
    const { line, col } = lc.linePos(range[0]);
    return { line, column: col };
  };
  const deref = (node: unknown): unknown => {
    let current = node;
    for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(doc);
    return current;
  };
  // Key index per mapping, built on first use: a document with thousands of
  // problems in one large mapping must not cost a scan per problem.
  const indexes = new WeakMap<object, Map<string, Pair>>();
  const indexOf = (map: { items: Pair[] }): Map<string, Pair> => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) {
        const key = isMergeKey(pair.key) ? undefined : keyText(pair.key);
        if (key !== undefined && !index.has(key)) index.set(key, pair);
      }
      indexes.set(map, index);
    }
    return index;
  };
  const findPair = (map: unknown, segment: string, depth = 0): Pair | undefined => {
    if (!isMap(map) || depth > 10) return undefined;
    const direct = indexOf(map).get(segment);
    if (direct) return direct;
    for (const pair of map.items) {
      if (!isMergeKey(pair.key)) continue;
      const sources = deref(pair.value);
      for (const source of isSeq(sources) ? sources.items : [sources]) {
        const found = findPair(deref(source), segment, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  return (pointer: string, target: 'key' | 'value' = 'value'): Position => {
    const segments = parsePointer(pointer) ?? [];
    let node: unknown = doc.contents;
    let best: Position = pos(doc.contents as AnyNode) ?? fallback;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] as string;
      const container = deref(node);
      const last = i === segments.length - 1;
      if (isMap(container)) {
        const pair = findPair(container, segment);
        if (!pair) return best;
        const keyPos = pos(pair.key as AnyNode);
        const valuePos = pos(pair.value as AnyNode);
        const isEmptyValue = isScalar(pair.value) && pair.value.value === null && pair.value.source === '';
        if (last && target === 'key') return keyPos ?? best;
        best = (isEmptyValue ? keyPos : valuePos) ?? keyPos ?? best;
        node = pair.value;
      } else if (isSeq(container)) {
        const item = /^\d+$/.test(segment) ? container.items[Number(segment)] : undefined;
        if (item === undefined) return best;
        best = pos(item as AnyNode) ?? best;
        node = item;
      } else {
        return best;
      }
    }
    return best;
  };
}

/**
 * Duplicate keys, found in one pass with a set per mapping. (yaml's own
 * `uniqueKeys` check compares every key with every other, which takes minutes
 * on a mapping with tens of thousands of keys.)
 */
function duplicateKeyOffsets(doc: Document.Parsed): number[] {
  const offsets: number[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isMergeKey(pair.key) ? undefined : keyText(pair.key);
        if (key !== undefined) {
          if (seen.has(key)) offsets.push((pair.key as Node).range?.[0] ?? 0);
          seen.add(key);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(isPair(item) ? item.value : item);
    }
  }
  return offsets.sort((a, b) => a - b);
}

/**
 * Thrown to stop parsing a file that is mostly errors: the first one is the one to fix.
 * A private control-flow sentinel, not a product error: parseManifestText catches it and
 * reports MANIFEST_YAML_SYNTAX, so it never leaves this module (hence not a GitopsError).
 */
class SyntaxFlood extends Error {
  constructor(readonly offset: number, readonly detail: string) {
    super(detail);
  }
}

// Real mistakes produce a handful of errors; garbage produces one per
// character, and building a million error objects takes minutes.
const MAX_SYNTAX_ERRORS = 50;

function* floodGuard(tokens: Generator<CST.Token>): Generator<CST.Token> {
  let count = 0;
  let first: { offset: number; message: string } | undefined;
  for (const token of tokens) {
    if (token.type === 'error') {
      first ??= { offset: token.offset, message: token.message };
      if (++count > MAX_SYNTAX_ERRORS) throw new SyntaxFlood(first.offset, first.message);
    }
    yield token;
  }
}

export function parseManifestText(text: string, limits: ManifestLimits): ParsedFile {
  const problems: ParseProblem[] = [];
  // Headroom over the exact check below: the estimate may over-count.
  const overflow = findExcessiveNesting(text, limits.maxDepth * 4);
  if (overflow) {
    problems.push({
      code: 'MANIFEST_TOO_DEEP',
      message: `nesting is deeper than the limit of ${limits.maxDepth} levels`,
      ...overflow,
      pointer: '',
    });
    return { documents: [], problems };
  }

  const lc = new LineCounter();
  const parser = new Parser(lc.addNewLine);
  const composer = new Composer({ merge: true, uniqueKeys: false, strict: true });
  // The composer reports most errors through this callback; cap them as well.
  const hook = composer as unknown as { onError: (source: unknown, code: string, message: string, warning?: boolean) => void };
  const report = hook.onError;
  let composerErrors = 0;
  // (If a future yaml release renames the callback, parsing still works, just without this cap.)
  if (typeof report === 'function') hook.onError = (source, code, message, warning) => {
    if (!warning && ++composerErrors > MAX_SYNTAX_ERRORS) {
      const offset = typeof source === 'number' ? source : Array.isArray(source) ? Number(source[0]) : Number((source as { offset?: number }).offset ?? 0);
      throw new SyntaxFlood(offset, message);
    }
    report(source, code, message, warning);
  };
  const documents: ParsedDocument[] = [];
  let index = 0;
  const handle = (doc: Document.Parsed): boolean => {
    const docIndex = index++;
    const startOffset = doc.contents?.range?.[0] ?? doc.range[0];
    const startLc = lc.linePos(startOffset);
    const start = { line: startLc.line, column: startLc.col };
    if (docIndex >= limits.maxDocumentsPerFile) {
      problems.push({
        code: 'MANIFEST_TOO_MANY_DOCUMENTS',
        message: `the file has more than ${limits.maxDocumentsPerFile} documents; split it into several files`,
        ...start,
        pointer: '',
        documentIndex: docIndex,
      });
      return false;
    }
    const at = (offset: number | undefined): Position => {
      const p = lc.linePos(offset ?? startOffset);
      return { line: p.line, column: p.col };
    };
    let broken = false;
    // The first syntax error is the one to fix; the ones after it are usually its echoes.
    const firstError = doc.errors[0];
    if (firstError) {
      broken = true;
      problems.push({
        code: 'MANIFEST_YAML_SYNTAX',
        message: firstError.message.split('\n')[0] ?? firstError.message,
        ...at(firstError.pos[0]),
        pointer: '',
        documentIndex: docIndex,
      });
    }
    for (const warning of doc.warnings) {
      broken = true;
      problems.push({
        code: 'MANIFEST_YAML_SYNTAX',
        message: `${warning.message.split('\n')[0] ?? ''}: ${WARNING_TEXT[warning.code] ?? 'not allowed in manifests'}`,
        ...at(warning.pos[0]),
        pointer: '',
        documentIndex: docIndex,
      });
    }
    // `---` followed by nothing (or only comments) is an empty document, not a null manifest.
    const empty = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && doc.contents.source === '');
    if (!broken && !empty) {
      for (const offset of duplicateKeyOffsets(doc)) {
        broken = true;
        problems.push({ code: 'MANIFEST_DUPLICATE_KEY', message: 'this key appears twice in the same mapping', ...at(offset), pointer: '', documentIndex: docIndex });
      }
    }
    if (broken || empty) return true;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (err) {
      const aliasBomb = err instanceof ReferenceError && /alias/i.test(err.message);
      problems.push({
        code: aliasBomb ? 'MANIFEST_ALIAS_LIMIT' : 'MANIFEST_YAML_SYNTAX',
        message: aliasBomb
          ? `YAML aliases expand beyond the limit of ${limits.maxAliasCount}; write the values out instead of using *aliases`
          : `the document could not be read: ${err instanceof Error ? err.message : String(err)}`,
        ...start,
        pointer: '',
        documentIndex: docIndex,
      });
      return true;
    }
    if (valueDepth(value) > limits.maxDepth) {
      problems.push({
        code: 'MANIFEST_TOO_DEEP',
        message: `nesting is deeper than the limit of ${limits.maxDepth} levels`,
        ...start,
        pointer: '',
        documentIndex: docIndex,
      });
      return true;
    }
    documents.push({ index: docIndex, value, start, locate: locator(doc, lc, start) });
    return true;
  };

  let more = true;
  try {
    for (const doc of composer.compose(floodGuard(parser.parse(text)))) {
      more = handle(doc);
      if (!more) break;
    }
    if (more) for (const doc of composer.end()) handle(doc);
  } catch (err) {
    if (!(err instanceof SyntaxFlood)) throw err;
    const p = lc.linePos(err.offset);
    problems.push({
      code: 'MANIFEST_YAML_SYNTAX',
      message: `${err.detail} (and more than ${MAX_SYNTAX_ERRORS} errors after it: is this really a YAML file?)`,
      line: p.line,
      column: p.col,
      pointer: '',
    });
  }
  return { documents, problems };
}
