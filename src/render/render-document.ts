/**
 * renderDocument (render-api.ts): one source document and one Environment in,
 * one concrete manifest out, every problem located in the source document.
 * Pure: no IO.
 *
 * With an environment E: the spec is the base spec (without `environments`)
 * patched with `spec.environments.E` (merge-patch.ts); metadata loses
 * `environments` and gains E's region, and E's cluster when the document
 * names none (Service, ScheduledTask); E's sync.mode fills in a spec.sync.mode
 * the rendered spec leaves out; then `${…}` are substituted in metadata and
 * spec strings (substitute.ts). What the environment itself fills in is not
 * substituted: the Environment's values are data, not templates.
 *
 * Without an environment the manifest is the document as written, except
 * that the escapes `$${var.`, `$${env.`, `$${ssm:` and `$${cfn:` lose their
 * first `$` (the one escape rule of every document, substitute.ts); lookups
 * are collected and stray `${var.…}` reported. A document with no such
 * escape is returned as it is (the same object), so a manifest written before
 * environments existed keeps its content hash.
 */
import type { ManifestErrorCode } from '../errors/index.js';
import { parsePointer } from '../manifests/json-pointer.js';
import type { EnvironmentManifest, LookupUse } from '../manifests/types.js';
import type { RuleProblem } from '../manifests/rule-problem.js';
import { child, isMapping, mergeNamedPatch, setOwn, sourcePointerOf, type Origin } from './merge-patch.js';
import type { OriginOf, RenderOptions, RenderResult, RenderScope } from './render-api.js';
import { substituteTree } from './substitute.js';

/** Kinds whose metadata names the cluster they run in, and whose spec takes `sync`. */
const CLUSTER_MEMBER_KINDS: ReadonlySet<string> = new Set(['Service', 'ScheduledTask']);

/** What `${var.…}` and `${env.…}` read when rendering for `environment`. */
export function scopeOf(environment: EnvironmentManifest): RenderScope {
  const variables: Record<string, string> = {};
  const declared = environment.spec.variables ?? {};
  for (const name of Object.keys(declared)) {
    const value = declared[name];
    if (typeof value === 'string') setOwn(variables, name, value);
  }
  return { environment: environment.metadata.name, account: environment.spec.account, region: environment.spec.region, variables };
}

export function renderDocument(document: Readonly<Record<string, unknown>>, options: RenderOptions): RenderResult {
  return options.environment === undefined ? renderWithoutEnvironment(document) : renderForEnvironment(document, options.environment);
}

function originOfTree(root: Origin, manifest: unknown): OriginOf {
  return (renderedPointer) => {
    const segments = parsePointer(renderedPointer);
    return segments === undefined ? '' : sourcePointerOf(root, manifest, segments);
  };
}

function renderWithoutEnvironment(document: Readonly<Record<string, unknown>>): RenderResult {
  const kind = typeof document.kind === 'string' ? document.kind : '';
  let manifest: Record<string, unknown> | undefined;
  const lookups: LookupUse[] = [];
  const problems: RuleProblem[] = [];
  for (const key of ['metadata', 'spec']) {
    if (!Object.hasOwn(document, key)) continue;
    const substituted = substituteTree(document[key], [key], kind, undefined);
    if (substituted.value !== document[key]) {
      manifest ??= copyOf(document);
      setOwn(manifest, key, substituted.value);
    }
    lookups.push(...substituted.lookups);
    for (const problem of substituted.problems) {
      problems.push({ code: problem.code, pointer: problem.pointer, locateAt: problem.pointer, message: `${problem.pointer}: ${problem.message}` });
    }
  }
  const rendered = manifest ?? document;
  return { manifest: rendered, lookups, problems, originOf: originOfTree({ at: '' }, rendered) };
}

/** A shallow copy keeping the key order (and own `__proto__` keys). */
function copyOf(document: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(document)) setOwn(copy, key, document[key]);
  return copy;
}

function renderForEnvironment(document: Readonly<Record<string, unknown>>, environment: EnvironmentManifest): RenderResult {
  const name = environment.metadata.name;
  const kind = typeof document.kind === 'string' ? document.kind : '';
  const scope = scopeOf(environment);
  const patchPointer = child('/spec/environments', name);
  const problems: RuleProblem[] = [];
  const lookups: LookupUse[] = [];
  const say = (code: ManifestErrorCode, pointer: string, locateAt: string, message: string, target?: 'key' | 'value'): void => {
    problems.push({ code, pointer, locateAt, message: `[environment ${name}] ${pointer}: ${message}`, ...(target === undefined ? {} : { target }) });
  };
  const failed = (): RenderResult => ({ manifest: undefined, lookups: [], problems, originOf: (pointer) => pointer });

  const metadata = isMapping(document.metadata) ? document.metadata : {};
  const hasSpec = Object.hasOwn(document, 'spec');
  const spec = isMapping(document.spec) ? document.spec : undefined;
  const overrides = spec !== undefined && isMapping(spec.environments) ? spec.environments : undefined;
  const written = overrides !== undefined && Object.hasOwn(overrides, name) ? overrides[name] : undefined;
  let patch: Readonly<Record<string, unknown>> = {};
  if (written !== undefined) {
    if (!isMapping(written)) {
      const merged = mergeNamedPatch(undefined, written, { base: '/spec', patch: patchPointer, result: '/spec' });
      for (const problem of merged.problems) say(problem.code, problem.pointer, problem.locateAt, problem.message, problem.target);
      return failed();
    }
    patch = written;
    if (Object.hasOwn(written, 'environments')) {
      say('MANIFEST_INVALID_VALUE', '/spec', child(patchPointer, 'environments'), 'an override cannot set environments: overrides do not nest', 'key');
      const { environments: _ignored, ...rest } = written;
      patch = rest;
    }
  }

  // The cluster: the document's own, else the environment's.
  const takesCluster = CLUSTER_MEMBER_KINDS.has(kind);
  const clusterWritten = Object.hasOwn(metadata, 'cluster') && metadata.cluster !== undefined;
  if (takesCluster && !clusterWritten && environment.spec.cluster === undefined) {
    say('MANIFEST_MISSING_FIELD', '/metadata/cluster', '/metadata', `metadata.cluster is missing, and environment ${name} has no spec.cluster to default it: write metadata.cluster, or give the Environment a cluster`);
    return failed();
  }
  const regionWritten = Object.hasOwn(metadata, 'region');
  if (regionWritten) {
    say('MANIFEST_ENVIRONMENT_CONFLICT', '/metadata/region', '/metadata/region', `metadata.region is set by each environment (here ${environment.spec.region}): remove it from a document with metadata.environments`);
  }

  // Spec: base without `environments`, patched.
  let specValue: unknown;
  let specOrigin: Origin = { at: '/spec' };
  if (hasSpec && spec === undefined) {
    // Not a mapping: left as written for the schema to report.
    specValue = document.spec;
  } else if (spec !== undefined) {
    let base: unknown = spec;
    if (Object.hasOwn(spec, 'environments')) {
      const { environments: _overrides, ...rest } = spec;
      base = rest;
    }
    const merged = mergeNamedPatch(base, patch, { base: '/spec', patch: patchPointer, result: '/spec' });
    for (const problem of merged.problems) say(problem.code, problem.pointer, problem.locateAt, problem.message, problem.target);
    specValue = merged.value;
    specOrigin = merged.origin;
  }

  // Substitution over what the document wrote (metadata without environments, spec).
  const metadataWritten: Record<string, unknown> = {};
  for (const key of Object.keys(metadata)) if (key !== 'environments') setOwn(metadataWritten, key, metadata[key]);
  const substitutedProblems: { code: ManifestErrorCode; pointer: string; message: string }[] = [];
  const metadataSubstituted = substituteTree(metadataWritten, ['metadata'], kind, scope);
  substitutedProblems.push(...metadataSubstituted.problems);
  lookups.push(...metadataSubstituted.lookups);
  if (hasSpec) {
    const specSubstituted = substituteTree(specValue, ['spec'], kind, scope);
    substitutedProblems.push(...specSubstituted.problems);
    lookups.push(...specSubstituted.lookups);
    specValue = specSubstituted.value;
  }

  // What the environment fills in.
  const metadataOut: Record<string, unknown> = {};
  const metadataChildren = new Map<string, Origin>();
  const substitutedMetadata = metadataSubstituted.value as Record<string, unknown>;
  for (const key of Object.keys(substitutedMetadata)) {
    setOwn(metadataOut, key, substitutedMetadata[key]);
    metadataChildren.set(key, { at: child('/metadata', key) });
  }
  if (takesCluster && !clusterWritten) {
    metadataOut.cluster = environment.spec.cluster;
    metadataChildren.set('cluster', { at: '/metadata' });
  }
  metadataOut.region = environment.spec.region;
  metadataChildren.set('region', { at: regionWritten ? '/metadata/region' : '/metadata' });

  const defaultMode = environment.spec.sync?.mode;
  if (defaultMode !== undefined && takesCluster && isMapping(specValue)) {
    const filled = fillSyncMode(specValue, specOrigin, defaultMode);
    specValue = filled.value;
    specOrigin = filled.origin;
  }

  const manifest: Record<string, unknown> = {};
  const rootChildren = new Map<string, Origin>();
  for (const key of Object.keys(document)) {
    if (key === 'metadata') {
      manifest.metadata = metadataOut;
      rootChildren.set(key, { at: '/metadata', children: metadataChildren });
    } else if (key === 'spec') {
      manifest.spec = specValue;
      rootChildren.set(key, specOrigin);
    } else {
      setOwn(manifest, key, document[key]);
      rootChildren.set(key, { at: child('', key) });
    }
  }
  if (!Object.hasOwn(manifest, 'metadata')) {
    manifest.metadata = metadataOut;
    rootChildren.set('metadata', { at: '', children: new Map([...metadataChildren].map(([key]) => [key, { at: '' }])) });
  }
  const originOf = originOfTree({ at: '', children: rootChildren }, manifest);
  for (const problem of substitutedProblems) say(problem.code, problem.pointer, originOf(problem.pointer), problem.message);
  return { manifest, lookups, problems, originOf };
}

/** spec.sync.mode set to the environment's default; its origin is the document's metadata (where environments are listed). */
function fillSyncMode(spec: Readonly<Record<string, unknown>>, origin: Origin, mode: string): { value: Record<string, unknown>; origin: Origin } {
  const sync = spec.sync;
  if (sync !== undefined && (!isMapping(sync) || Object.hasOwn(sync, 'mode'))) return { value: spec as Record<string, unknown>, origin };
  const value: Record<string, unknown> = {};
  for (const key of Object.keys(spec)) setOwn(value, key, spec[key]);
  const children = new Map(origin.children ?? []);
  if (sync === undefined) {
    value.sync = { mode };
    children.set('sync', { at: '/metadata', children: new Map([['mode', { at: '/metadata' }]]) });
  } else {
    value.sync = { ...sync, mode };
    const syncOrigin = children.get('sync') ?? { at: '/metadata' };
    const syncChildren = new Map(syncOrigin.children ?? Object.keys(sync).map((key): [string, Origin] => [key, { at: child(syncOrigin.at, key) }]));
    syncChildren.set('mode', { at: '/metadata' });
    children.set('sync', { at: syncOrigin.at, children: syncChildren });
  }
  return { value, origin: { at: origin.at, children } };
}
