/**
 * Variables and lookups in string values (docs/environments.md). Pure: no IO.
 *
 * Semantics, precisely (applied after the merge, to every string VALUE of
 * metadata and spec; mapping keys are never read):
 * - `${var.NAME}` (NAME `[A-Za-z_][A-Za-z0-9_]*`) is the Environment's
 *   spec.variables.NAME; `${env.name}`, `${env.account}`, `${env.region}`
 *   the Environment's name, account and Region.
 * - `$${var.`, `$${env.`, `$${ssm:` and `$${cfn:` are escapes: they become
 *   `${var.` (and so on) and nothing after them is interpreted. Any other
 *   `$${` is left exactly as written (a shell's `$${HOME}` in a command stays
 *   `$${HOME}`), so a manifest written before environments existed renders
 *   to itself (docs/manifests.md, "Variables").
 * - Any other `${...}` (`${HOME}`, `${FOO:-bar}`, shell or container syntax)
 *   is left untouched.
 * - A `${var.`, `${env.`, `${ssm:` or `${cfn:` that does not continue as its
 *   grammar says up to the closing `}` is MANIFEST_BAD_SUBSTITUTION.
 * - An unknown variable, an unknown `env.` field, or any `${var.…}` or
 *   `${env.…}` in a document rendered without an environment is
 *   MANIFEST_UNKNOWN_VARIABLE.
 * - Values are inserted literally and never scanned again: a variable whose
 *   value holds `${…}` injects nothing, and nothing recurses.
 * - Lookups `${ssm:NAME}` (NAME `[A-Za-z0-9_./-]{1,2048}`) and
 *   `${cfn:STACK.OutputKey}` (STACK `[A-Za-z][A-Za-z0-9-]{0,127}`, OutputKey
 *   `[A-Za-z0-9]+`) stay in the string, and each is reported with its
 *   pointer for the controller to resolve at apply time. One string may hold
 *   several. In a static field (isStaticField) a lookup is
 *   MANIFEST_LOOKUP_IN_STATIC_FIELD: those fields must be known offline.
 * No expressions, no code. Each string is scanned once, left to right.
 */
import type { ManifestErrorCode } from '../errors/index.js';
import type { LookupRef, LookupUse } from '../manifests/types.js';
import { closestMatch } from '../util/did-you-mean.js';
import type { RenderScope } from './render-api.js';
import { isMapping, setOwn } from './merge-patch.js';
import { escapeSegment } from '../manifests/json-pointer.js';

export const ENV_FIELDS = ['name', 'account', 'region'] as const;

export interface SubstitutionProblem {
  readonly code: ManifestErrorCode;
  /** Without a pointer prefix: the caller adds where the string sits. */
  readonly message: string;
}

/** A lookup found in a string, and the index of its `${` in the substituted text. */
export interface FoundLookup {
  readonly lookup: LookupRef;
  readonly offset: number;
}

export interface SubstitutedString {
  readonly text: string;
  readonly lookups: readonly FoundLookup[];
  readonly problems: readonly SubstitutionProblem[];
}

const VAR_REFERENCE = /\$\{var\.([A-Za-z_][A-Za-z0-9_]*)\}/y;
const ENV_REFERENCE = /\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}/y;
const SSM_REFERENCE = /\$\{ssm:([A-Za-z0-9_./-]{1,2048})\}/y;
const CFN_REFERENCE = /\$\{cfn:([A-Za-z][A-Za-z0-9-]{0,127})\.([A-Za-z0-9]+)\}/y;
/** What follows `$${` in an escape; any other `$${` is not one. */
const ESCAPED = /^(var\.|env\.|ssm:|cfn:)/;

const GRAMMAR: Readonly<Record<string, string>> = {
  var: '${var.NAME} with NAME of letters, digits and _ (not starting with a digit)',
  env: '${env.name}, ${env.account} or ${env.region}',
  ssm: '${ssm:NAME} with an SSM parameter name of 1 to 2048 letters, digits and _ . - /',
  cfn: '${cfn:STACK.OutputKey}: a stack name (a letter, then up to 127 letters, digits and -), a dot, an output key of letters and digits',
};

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

/** What a reader sees of a malformed reference: from `${` to the first `}` or 40 characters. */
function excerpt(text: string, at: number): string {
  const close = text.indexOf('}', at);
  const end = close === -1 ? Math.min(text.length, at + 40) : Math.min(close + 1, at + 40);
  return text.slice(at, end) + (end < text.length && (close === -1 || close >= at + 40) ? '…' : '');
}

function listVariables(variables: Readonly<Record<string, string>>): string {
  const names = Object.keys(variables);
  return names.length === 0 ? 'it defines no variables' : `it defines ${names.join(', ')}`;
}

/** Substitutes one string: variables replaced, lookups collected, problems described. */
export function substituteString(text: string, scope: RenderScope | undefined): SubstitutedString {
  if (!text.includes('$')) return { text, lookups: [], problems: [] };
  const lookups: FoundLookup[] = [];
  const problems: SubstitutionProblem[] = [];
  let out = '';
  let copiedUpTo = 0;
  let at = text.indexOf('$');
  while (at !== -1) {
    if (text.startsWith('$${', at) && ESCAPED.test(text.slice(at + 3, at + 7))) {
      // The escape's `$` is dropped; the reference after it is copied as text.
      out += text.slice(copiedUpTo, at);
      copiedUpTo = at + 1;
      at = text.indexOf('$', at + 3);
      continue;
    }
    if (!text.startsWith('${', at)) {
      at = text.indexOf('$', at + 1);
      continue;
    }
    const prefix = ESCAPED.exec(text.slice(at + 2, at + 6))?.[1];
    if (prefix === undefined) {
      // Not ours (`${HOME}`): left as written.
      at = text.indexOf('$', at + 2);
      continue;
    }
    const kind = prefix.slice(0, 3);
    const pattern = kind === 'var' ? VAR_REFERENCE : kind === 'env' ? ENV_REFERENCE : kind === 'ssm' ? SSM_REFERENCE : CFN_REFERENCE;
    const match = matchAt(pattern, text, at);
    if (match === null) {
      problems.push({ code: 'MANIFEST_BAD_SUBSTITUTION', message: `malformed reference ${JSON.stringify(excerpt(text, at))}: write ${GRAMMAR[kind] ?? ''}; write $\${${prefix} for a literal \${${prefix}` });
      at = text.indexOf('$', at + 2);
      continue;
    }
    const end = at + match[0].length;
    // A lookup's offset in the substituted text: what is already out, plus the text copied since.
    const offset = out.length + (at - copiedUpTo);
    const replacement = kind === 'ssm' || kind === 'cfn' ? collectLookup(kind, match, offset, lookups) : resolve(kind, match[1] as string, scope, problems);
    if (replacement !== undefined) {
      out += text.slice(copiedUpTo, at) + replacement;
      copiedUpTo = end;
    }
    at = text.indexOf('$', end);
  }
  if (copiedUpTo === 0) return { text, lookups, problems };
  return { text: out + text.slice(copiedUpTo), lookups, problems };
}

function collectLookup(kind: string, match: RegExpExecArray, offset: number, lookups: FoundLookup[]): undefined {
  const lookup: LookupRef = kind === 'ssm'
    ? { source: 'ssm', parameter: match[1] as string, text: match[0] }
    : { source: 'cfn', stack: match[1] as string, output: match[2] as string, text: match[0] };
  lookups.push({ lookup, offset });
  return undefined;
}

/** The value of `${var.NAME}` or `${env.NAME}`, or undefined (with a problem) when there is none. */
function resolve(kind: string, name: string, scope: RenderScope | undefined, problems: SubstitutionProblem[]): string | undefined {
  const reference = `\${${kind}.${name}}`;
  if (scope === undefined) {
    problems.push({
      code: 'MANIFEST_UNKNOWN_VARIABLE',
      message: `${reference} needs an environment, and this document lists none in metadata.environments: write the value itself, or list the environments it is rendered for`,
    });
    return undefined;
  }
  if (kind === 'env') {
    if (name === 'name') return scope.environment;
    if (name === 'account') return scope.account;
    if (name === 'region') return scope.region;
    const guess = closestMatch(name, ENV_FIELDS);
    problems.push({
      code: 'MANIFEST_UNKNOWN_VARIABLE',
      message: `${reference} is not an environment field: \${env.} knows name, account and region${guess === undefined ? '' : ` (did you mean \${env.${guess}}?)`}`,
    });
    return undefined;
  }
  if (Object.hasOwn(scope.variables, name) && typeof scope.variables[name] === 'string') return scope.variables[name];
  const guess = closestMatch(name, Object.keys(scope.variables));
  problems.push({
    code: 'MANIFEST_UNKNOWN_VARIABLE',
    message: `${reference} is not defined in environment ${scope.environment}'s spec.variables: ${listVariables(scope.variables)}${guess === undefined ? '' : ` (did you mean \${var.${guess}}?)`}`,
  });
  return undefined;
}

/**
 * Fields a lookup may not sit in: what identifies the resource, what the
 * controller decides by before it may call AWS (sync settings), and the names
 * other fields refer to. `segments` are the decoded tokens of a pointer into
 * the rendered manifest. spec.tags keys are mapping keys, never scanned.
 */
export function isStaticField(kind: string, segments: readonly string[]): boolean {
  const [top, second, third, fourth, fifth] = segments;
  if (segments.length === 1 && (top === 'apiVersion' || top === 'kind')) return true;
  if (top === 'metadata') return true;
  if (top !== 'spec') return false;
  if (second === 'sync') return true;
  if (kind === 'ScheduledTask' && segments.length === 2 && (second === 'schedule' || second === 'timezone')) return true;
  if (second === 'taskDefinition') return isStaticInTaskDefinition(segments.slice(2));
  // hooks/<preDeploy|postDeploy>/<i>/name and a hook's own taskDefinition.
  if (second === 'hooks' && third !== undefined && fourth !== undefined) {
    if (segments.length === 5 && fifth === 'name') return true;
    if (fifth === 'taskDefinition') return isStaticInTaskDefinition(segments.slice(5));
  }
  // autoScaling/<targetTracking|stepScaling|scheduled>/<i>/name
  if (second === 'autoScaling' && segments.length === 5 && fifth === 'name') return true;
  return false;
}

/** family, and containerDefinitions/<i>/name, relative to a task definition. */
function isStaticInTaskDefinition(rest: readonly string[]): boolean {
  if (rest.length === 1 && rest[0] === 'family') return true;
  return rest.length === 3 && rest[0] === 'containerDefinitions' && rest[2] === 'name';
}

export interface TreeProblem extends SubstitutionProblem {
  /** Pointer of the string in the tree's own coordinates (prefix included). */
  readonly pointer: string;
}

export interface SubstitutedTree {
  /** The same object when no string changed (copy on write). */
  readonly value: unknown;
  readonly lookups: readonly LookupUse[];
  readonly problems: readonly TreeProblem[];
}

/**
 * Substitutes every string value in `value` (which sits at `segments` in a
 * manifest of kind `kind`). Containers are copied only along the paths of
 * strings that changed.
 */
export function substituteTree(value: unknown, segments: readonly string[], kind: string, scope: RenderScope | undefined): SubstitutedTree {
  const lookups: LookupUse[] = [];
  const problems: TreeProblem[] = [];
  const path = [...segments];
  const pointerOf = (): string => path.map((segment) => `/${escapeSegment(segment)}`).join('');

  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const result = substituteString(node, scope);
      if (result.problems.length > 0) {
        const pointer = pointerOf();
        for (const problem of result.problems) problems.push({ ...problem, pointer });
      }
      if (result.lookups.length > 0) {
        const pointer = pointerOf();
        if (isStaticField(kind, path)) {
          problems.push({
            code: 'MANIFEST_LOOKUP_IN_STATIC_FIELD',
            pointer,
            message: `${result.lookups.map((found) => found.lookup.text).join(', ')} cannot be used here: this field must be known without calling AWS (identity, sync settings, names); write the value itself or a \${var.NAME}`,
          });
        } else {
          for (const found of result.lookups) lookups.push({ pointer, lookup: found.lookup, offset: found.offset });
        }
      }
      return result.text;
    }
    if (Array.isArray(node)) {
      let copy: unknown[] | undefined;
      node.forEach((item, index) => {
        path.push(String(index));
        const next = walk(item);
        path.pop();
        if (next !== item) {
          copy ??= [...node];
          copy[index] = next;
        }
      });
      return copy ?? node;
    }
    if (isMapping(node)) {
      let copy: Record<string, unknown> | undefined;
      for (const key of Object.keys(node)) {
        const item = node[key];
        path.push(key);
        const next = walk(item);
        path.pop();
        if (next !== item) {
          if (copy === undefined) {
            copy = {};
            for (const original of Object.keys(node)) setOwn(copy, original, node[original]);
          }
          setOwn(copy, key, next);
        }
      }
      return copy ?? node;
    }
    return node;
  };

  return { value: walk(value), lookups, problems };
}
