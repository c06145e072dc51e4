/**
 * The pure heart of manifest handling: files in, one immutable snapshot out.
 * Every problem in every file is reported; a file with any problem declares
 * nothing (its identities are blocked, never treated as deleted), and
 * duplicate identities block both documents (as do two ScheduledTasks with
 * one schedule name in one Region: one schedule group holds them).
 */
import { createHash } from 'node:crypto';
import type { ManifestErrorCode } from '../errors/index.js';
import { capacityProviderIdentity, clusterIdentity, KeyFormatError, scheduledTaskIdentity, serviceIdentity } from '../keys/index.js';
import { contentHash, deepFreeze } from './canonical-json.js';
import { checkEnvelope, KINDS_TEXT } from './envelope.js';
import { checkText, decodeManifestBytes, type DecodeResult } from './file-decode.js';
import { strictJsonError } from './json-strict.js';
import { resolveLimits, type ManifestLimits } from './limits.js';
import { schemaErrors, type ManifestKind } from './manifest-validator.js';
import { compareProblems } from './problem-format.js';
import type { RuleProblem } from './rule-problem.js';
import { schemaProblems } from './schema-problems.js';
import { semanticProblems } from './semantic-rules.js';
import type {
  CapacityProviderManifest,
  ClusterManifest,
  DesiredCapacityProvider,
  DesiredCluster,
  DesiredScheduledTask,
  DesiredService,
  ManifestProblem,
  ManifestSnapshot,
  ScheduledTaskManifest,
  ServiceManifest,
  SourceLocation,
} from './types.js';
import { parseManifestText, type ParsedDocument } from './yaml-documents.js';

export const DEFAULT_REGION = 'us-east-1';

export interface ManifestFileInput {
  /** Path relative to the manifests root; `\` is turned into `/`. */
  readonly path: string;
  readonly content: string | Uint8Array;
  /**
   * The file's identity and times (device, inode, size, mtime, ctime) taken
   * before `content` was read. The loader sets it only when those can be
   * trusted to change with the content (not "racy": see load-manifests.ts);
   * the cache keeps it so the next load can skip reading an unchanged file.
   */
  readonly fileStat?: string;
}

/**
 * A file the loader did not read because the cache vouched for it (same
 * fileStat as when it was read): its earlier result is used as it is.
 */
export interface ManifestFileReuse {
  readonly path: string;
  readonly reuse: CachedFileCheck;
}

/** A file the loader could not hand over (unreadable, too large, escaping symlink). */
export interface ManifestFileFailure {
  readonly path: string;
  readonly failure: { readonly code: ManifestErrorCode; readonly message: string };
}

export interface ValidateOptions {
  /** Region for documents without metadata.region. @default 'us-east-1' */
  readonly defaultRegion?: string;
  readonly limits?: Partial<ManifestLimits>;
  /** Recorded in the snapshot; loadManifests passes the directory. @default '' */
  readonly root?: string;
  /** Reuse per-file results from earlier calls (see ManifestFileCache). */
  readonly cache?: ManifestFileCache;
}

interface Candidate {
  readonly kind: ManifestKind;
  readonly key: string | undefined;
  readonly file: string;
  readonly index: number;
  readonly source: SourceLocation;
  readonly nameAt: SourceLocation;
  readonly region: string;
  /** A ScheduledTask's metadata.name: unique per Region, whatever the cluster. */
  readonly scheduleName?: string;
  readonly clean: boolean;
  /**
   * The manifest, for a clean document (only those can be applied). Built as
   * the file is checked, so the cache keeps it and not the parsed document:
   * the parser's strings are slices of the file's text and keep all of it
   * alive, and its objects are larger than a clone's (heap for a
   * 10,000-service checkout: 52 MB with both kept, 25 MB with the clone only;
   * BENCHMARKS.md, scenario 4).
   */
  readonly built: BuiltManifest | undefined;
}

function normalizePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '');
}

function identity(kind: ManifestKind, document: Readonly<Record<string, unknown>>, defaultRegion: string): { key?: string; region: string } {
  const metadata = document.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return { region: defaultRegion };
  const m = metadata as Readonly<Record<string, unknown>>;
  const region = m.region === undefined ? defaultRegion : m.region;
  if (typeof region !== 'string' || typeof m.name !== 'string') return { region: defaultRegion };
  // Built before validation: a name with a '/' still gets an identity, and its problem is reported by the rules.
  if (kind === 'Cluster') return { key: clusterIdentity(region, m.name), region };
  if (kind === 'CapacityProvider') {
    // capacityProviderIdentity refuses a name or region with '/', '@' or ':'; the schema reports those names.
    try {
      return { key: capacityProviderIdentity(region, m.name), region };
    } catch (err) {
      if (err instanceof KeyFormatError) return { region };
      throw err;
    }
  }
  if (typeof m.cluster !== 'string') return { region };
  if (kind === 'ScheduledTask') {
    // scheduledTaskIdentity refuses '/', '@' and ':'; the schema reports such names.
    try {
      return { key: scheduledTaskIdentity(region, m.cluster, m.name), region };
    } catch (err) {
      if (err instanceof KeyFormatError) return { region };
      throw err;
    }
  }
  return { key: serviceIdentity(region, m.cluster, m.name), region };
}

/**
 * Problems reported per document. A list of 130,000 wrong values fits in a
 * 256 KiB file; one problem each, spread into push(), overflowed the call
 * stack and failed the whole snapshot. The first ones say what is wrong.
 */
export const MAX_PROBLEMS_PER_DOCUMENT = 100;

function appendCapped(problems: RuleProblem[], more: readonly RuleProblem[]): void {
  for (const problem of more) {
    if (problems.length >= MAX_PROBLEMS_PER_DOCUMENT) return;
    problems.push(problem);
  }
}

/**
 * Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not
 * take: ECS sets them (docs/ecs-facts.md, "Read-only task definition
 * fields"). The README promises that describe-task-definition output can be
 * pasted under spec.taskDefinition, so they are accepted, dropped before
 * validation and the manifest is built, and reported as warnings.
 */
export const READ_ONLY_TASK_DEFINITION_FIELDS: readonly string[] = [
  'taskDefinitionArn',
  'revision',
  'status',
  'compatibilities',
  'requiresAttributes',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
];

function plainRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Readonly<Record<string, unknown>>) : undefined;
}

/** The document without the read-only task definition fields, and one warning per field dropped. */
function withoutReadOnlyFields(
  kind: ManifestKind,
  document: Readonly<Record<string, unknown>>,
): { document: Readonly<Record<string, unknown>>; warnings: RuleProblem[] } {
  const spec = plainRecord(document.spec);
  const taskDefinition = plainRecord(spec?.taskDefinition);
  if ((kind !== 'Service' && kind !== 'ScheduledTask') || !spec || !taskDefinition) return { document, warnings: [] };
  const present = READ_ONLY_TASK_DEFINITION_FIELDS.filter((field) => Object.hasOwn(taskDefinition, field));
  if (present.length === 0) return { document, warnings: [] };
  const kept: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(taskDefinition)) if (!present.includes(field)) kept[field] = value;
  const warnings = present.map((field): RuleProblem => {
    const pointer = `/spec/taskDefinition/${field}`;
    return {
      code: 'MANIFEST_READ_ONLY_FIELD',
      pointer,
      target: 'key',
      severity: 'warning',
      message: `${pointer}: "${field}" is read-only: ECS sets it when it registers a revision (describe-task-definition output), so it is ignored; remove it to silence this warning`,
    };
  });
  return { document: { ...document, spec: { ...spec, taskDefinition: kept } }, warnings };
}

function checkDocument(doc: ParsedDocument): { kind?: ManifestKind; document?: Readonly<Record<string, unknown>>; problems: RuleProblem[]; warnings: RuleProblem[] } {
  const envelope = checkEnvelope(doc.value);
  if (!envelope.ok) return { problems: [...envelope.problems], warnings: [] };
  const problems = [...envelope.problems];
  const { document, warnings } = withoutReadOnlyFields(envelope.kind, envelope.document);
  appendCapped(problems, schemaProblems(schemaErrors(envelope.kind, document)));
  appendCapped(problems, semanticProblems(envelope.kind, document));
  return { kind: envelope.kind, document, problems, warnings };
}

/** What one file contributes: its own problems and its documents. Depends only on the file and the settings. */
interface FileCheck {
  readonly problems: readonly ManifestProblem[];
  readonly warnings: readonly ManifestProblem[];
  readonly candidates: readonly Candidate[];
}

/** One cache entry; opaque outside this module (the loader only passes it back). */
export interface CachedFileCheck {
  /** @internal Hash of the settings and the content (or failure). */
  readonly fingerprint: string;
  /** @internal The settings the result was computed with. */
  readonly settings: string;
  /** @internal The fileStat the content was read under; undefined when it could not vouch for the content. */
  readonly fileStat: string | undefined;
  /** @internal */
  readonly result: FileCheck;
}

/** Everything besides the content that a file's result depends on. */
function settingsKey(defaultRegion: string, limits: ManifestLimits): string {
  return `${defaultRegion}\0${JSON.stringify(limits)}\0`;
}

/**
 * Memo of per-file results, keyed by path, content and settings, so a change
 * to one file re-parses and re-validates only that file (parsing and schema
 * validation dominate the cost of a snapshot: about 2 ms per file). Entries
 * also keep the stat the content was read under, so loadManifests can skip
 * opening, reading and hashing files whose stat has not moved. The caller
 * owns it (one per source); entries for files that disappear are dropped on
 * the next call.
 */
export class ManifestFileCache {
  readonly #entries = new Map<string, CachedFileCheck>();
  /** A loader asks once per file with the same limits object: compute the settings key once per load. */
  #lastSettings: { readonly limits: ManifestLimits; readonly defaultRegion: string; readonly key: string } | undefined;

  /**
   * The entry for a file that has the same fileStat as when its content was
   * read (under the same settings), so it need not be read again; undefined
   * when the file must be read.
   */
  unchanged(path: string, fileStat: string, options: { readonly defaultRegion?: string; readonly limits: ManifestLimits }): CachedFileCheck | undefined {
    const entry = this.#entries.get(normalizePath(path));
    if (entry?.fileStat === undefined || entry.fileStat !== fileStat) return undefined;
    const defaultRegion = options.defaultRegion ?? DEFAULT_REGION;
    const last = this.#lastSettings;
    const settings = last?.limits === options.limits && last.defaultRegion === defaultRegion ? last.key : settingsKey(defaultRegion, options.limits);
    this.#lastSettings = { limits: options.limits, defaultRegion, key: settings };
    return entry.settings === settings ? entry : undefined;
  }

  /** @internal */
  lookup(path: string, fingerprint: string): CachedFileCheck | undefined {
    const entry = this.#entries.get(path);
    return entry?.fingerprint === fingerprint ? entry : undefined;
  }

  /** @internal */
  store(path: string, entry: CachedFileCheck): void {
    this.#entries.set(path, entry);
  }

  /** @internal */
  retainOnly(paths: ReadonlySet<string>): void {
    for (const path of this.#entries.keys()) if (!paths.has(path)) this.#entries.delete(path);
  }

  get size(): number {
    return this.#entries.size;
  }
}

interface BuiltManifest {
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly hash: string;
}

/** The immutable manifest a document declares, with its region filled in, and its content hash. */
function buildManifest(document: Readonly<Record<string, unknown>>, region: string): BuiltManifest {
  const metadata: Readonly<Record<string, unknown>> = { ...(document.metadata as Readonly<Record<string, unknown>>), region };
  const manifest = deepFreeze(structuredClone({ ...document, metadata }));
  return { manifest, hash: contentHash(manifest) };
}

function fingerprintOf(input: ManifestFileInput | ManifestFileFailure, settings: string): string {
  const hash = createHash('sha256').update(settings);
  if ('failure' in input) hash.update('failure\0').update(input.failure.code).update('\0').update(input.failure.message);
  else hash.update('content\0').update(input.content);
  return hash.digest('hex');
}

function checkFile(input: ManifestFileInput | ManifestFileFailure, limits: ManifestLimits, defaultRegion: string): FileCheck {
  const problems: ManifestProblem[] = [];
  const warnings: ManifestProblem[] = [];
  const candidates: Candidate[] = [];
  const result: FileCheck = { problems, warnings, candidates };
  const file = input.path;
  if ('failure' in input) {
    problems.push({ ...input.failure, file, line: 1, column: 1, pointer: '' });
    return result;
  }
  const size = typeof input.content === 'string' ? Buffer.byteLength(input.content, 'utf8') : input.content.byteLength;
  if (size > limits.maxFileBytes) {
    problems.push({
      code: 'MANIFEST_FILE_TOO_LARGE',
      file,
      line: 1,
      column: 1,
      pointer: '',
      message: `the file is over the size limit of ${limits.maxFileBytes} bytes; split it into smaller files`,
    });
    return result;
  }
  const decoded: DecodeResult = typeof input.content === 'string' ? checkText(input.content) : decodeManifestBytes(input.content);
  if (!decoded.ok) {
    problems.push({ code: decoded.code, file, line: decoded.line, column: decoded.column, pointer: '', message: decoded.message });
    return result;
  }
  const jsonError = /\.json$/i.test(file) ? strictJsonError(decoded.text) : undefined;
  if (jsonError) {
    problems.push({ code: 'MANIFEST_YAML_SYNTAX', file, ...jsonError, pointer: '' });
    return result;
  }
  const parsed = parseManifestText(decoded.text, limits);
  for (const p of parsed.problems) problems.push({ ...p, file });
  if (parsed.documents.length === 0 && parsed.problems.length === 0) {
    problems.push({
      code: 'MANIFEST_EMPTY_FILE',
      file,
      line: 1,
      column: 1,
      pointer: '',
      message: `the file has no manifest documents; add one (apiVersion: ecs-gitops/v1, kind: ${KINDS_TEXT}) or delete the file`,
    });
    return result;
  }
  for (const doc of parsed.documents) {
    const checked = checkDocument(doc);
    for (const rule of checked.warnings) {
      const where = doc.locate(rule.locateAt ?? rule.pointer, rule.target);
      warnings.push({ code: rule.code, file, line: where.line, column: where.column, pointer: rule.pointer, documentIndex: doc.index, message: rule.message });
    }
    for (const rule of checked.problems) {
      const where = doc.locate(rule.locateAt ?? rule.pointer, rule.target);
      problems.push({
        code: rule.code,
        file,
        line: where.line,
        column: where.column,
        pointer: rule.pointer,
        documentIndex: doc.index,
        message: rule.message,
      });
    }
    if (!checked.kind || !checked.document) continue;
    const { key, region } = identity(checked.kind, checked.document, defaultRegion);
    const scheduleName = checked.kind === 'ScheduledTask' ? plainRecord(checked.document.metadata)?.name : undefined;
    candidates.push({
      kind: checked.kind,
      key,
      ...(typeof scheduleName === 'string' ? { scheduleName } : {}),
      file,
      index: doc.index,
      source: { file, ...doc.start },
      nameAt: { file, ...doc.locate('/metadata/name') },
      region,
      clean: checked.problems.length === 0,
      built: checked.problems.length === 0 ? buildManifest(checked.document, region) : undefined,
    });
  }
  return result;
}

const KIND_LABEL: Readonly<Record<ManifestKind, string>> = { Service: 'service', Cluster: 'cluster', CapacityProvider: 'capacity provider', ScheduledTask: 'scheduled task' };

const at = (c: Candidate): string => `${c.nameAt.file}:${c.nameAt.line}:${c.nameAt.column}`;

/**
 * ScheduledTasks whose schedule name another ScheduledTask of the same Region
 * uses on another cluster: every schedule of a Region lives in the
 * controller's one schedule group there (src/scheduler/scheduler-api.ts,
 * scheduleGroupName), so the two would be one schedule. Same cluster too is a
 * duplicate identity, reported there.
 */
function scheduleNameClashes(candidates: readonly Candidate[]): Map<Candidate, Candidate[]> {
  const byName = new Map<string, Candidate[]>();
  for (const c of candidates) {
    if (c.kind !== 'ScheduledTask' || c.key === undefined || c.scheduleName === undefined) continue;
    const id = `${c.region}\0${c.scheduleName}`;
    byName.set(id, [...(byName.get(id) ?? []), c]);
  }
  const clashes = new Map<Candidate, Candidate[]>();
  for (const group of byName.values()) {
    for (const c of group) {
      const others = group.filter((o) => o.key !== c.key);
      if (others.length > 0) clashes.set(c, others);
    }
  }
  return clashes;
}

export function validateDocuments(
  files: readonly (ManifestFileInput | ManifestFileFailure | ManifestFileReuse)[],
  options: ValidateOptions = {},
): ManifestSnapshot {
  const limits: ManifestLimits = resolveLimits(options.limits);
  const defaultRegion = options.defaultRegion ?? DEFAULT_REGION;
  const problems: ManifestProblem[] = [];
  const warnings: ManifestProblem[] = [];
  const candidates: Candidate[] = [];
  const sorted = [...files].map((f) => ({ ...f, path: normalizePath(f.path) })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const settings = settingsKey(defaultRegion, limits);
  const cache = options.cache;
  for (const input of sorted) {
    let checked: FileCheck;
    if ('reuse' in input) {
      // The loader vouches the file is unchanged; an entry from other settings would be a wrong answer.
      if (input.reuse.settings !== settings) throw new Error(`cached result for ${input.path} was computed with other settings`);
      checked = input.reuse.result;
      cache?.store(input.path, input.reuse);
    } else if (cache) {
      const fingerprint = fingerprintOf(input, settings);
      const fileStat = 'content' in input ? input.fileStat : undefined;
      checked = cache.lookup(input.path, fingerprint)?.result ?? checkFile(input, limits, defaultRegion);
      cache.store(input.path, { fingerprint, settings, fileStat, result: checked });
    } else {
      checked = checkFile(input, limits, defaultRegion);
    }
    problems.push(...checked.problems);
    warnings.push(...checked.warnings);
    candidates.push(...checked.candidates);
  }
  cache?.retainOnly(new Set(sorted.map((f) => f.path)));

  const byKey = new Map<string, Candidate[]>();
  for (const c of candidates) {
    if (c.key === undefined) continue;
    const id = `${c.kind}:${c.key}`;
    byKey.set(id, [...(byKey.get(id) ?? []), c]);
  }
  const duplicated = new Set<string>();
  for (const group of byKey.values()) {
    if (group.length < 2) continue;
    for (const c of group) {
      duplicated.add(c.key as string);
      const others = group.filter((o) => o !== c).map(at);
      problems.push({
        code: 'MANIFEST_DUPLICATE_IDENTITY',
        file: c.file,
        line: c.nameAt.line,
        column: c.nameAt.column,
        pointer: '/metadata/name',
        documentIndex: c.index,
        message: `/metadata/name: ${KIND_LABEL[c.kind]} ${c.key as string} is also declared at ${others.join(', ')}; neither document is applied until one is removed`,
      });
    }
  }
  for (const [c, others] of scheduleNameClashes(candidates)) {
    duplicated.add(c.key as string);
    problems.push({
      code: 'MANIFEST_DUPLICATE_IDENTITY',
      file: c.file,
      line: c.nameAt.line,
      column: c.nameAt.column,
      pointer: '/metadata/name',
      documentIndex: c.index,
      message: `/metadata/name: schedule name "${c.scheduleName as string}" is also used in ${c.region} by ${others.map((o) => `${o.key as string} (${at(o)})`).join(', ')}; a Region's scheduled tasks share one schedule group, so names must be unique per Region, whatever the cluster; neither document is applied until one is renamed`,
    });
  }

  const filesWithProblems = new Set(problems.map((p) => p.file));
  const blockedKeys = new Set<string>(duplicated);
  const services: DesiredService[] = [];
  const clusters: DesiredCluster[] = [];
  const capacityProviders: DesiredCapacityProvider[] = [];
  const scheduledTasks: DesiredScheduledTask[] = [];
  for (const c of candidates) {
    if (c.key === undefined) continue;
    if (filesWithProblems.has(c.file) || duplicated.has(c.key)) {
      blockedKeys.add(c.key);
      continue;
    }
    // Not blocked: its file has no problems, so every document in it is clean and built.
    if (c.built === undefined) throw new Error(`manifest ${c.key} in ${c.file} was not built although its file has no problems`);
    const { manifest, hash } = c.built;
    const metadata = manifest.metadata as Readonly<Record<string, unknown>>;
    const name = metadata.name as string;
    // What every kind's Desired* record carries; services and scheduled tasks add their cluster.
    const common = { key: c.key, region: c.region, name, source: Object.freeze(c.source), contentHash: hash };
    const cluster = metadata.cluster as string;
    if (c.kind === 'Service') services.push(Object.freeze({ ...common, cluster, manifest: manifest as unknown as ServiceManifest }));
    else if (c.kind === 'Cluster') clusters.push(Object.freeze({ ...common, manifest: manifest as unknown as ClusterManifest }));
    else if (c.kind === 'ScheduledTask') scheduledTasks.push(Object.freeze({ ...common, cluster, manifest: manifest as unknown as ScheduledTaskManifest }));
    else capacityProviders.push(Object.freeze({ ...common, manifest: manifest as unknown as CapacityProviderManifest }));
  }

  return Object.freeze({
    root: options.root ?? '',
    services: Object.freeze(services),
    clusters: Object.freeze(clusters),
    capacityProviders: Object.freeze(capacityProviders),
    scheduledTasks: Object.freeze(scheduledTasks),
    problems: Object.freeze(problems.sort(compareProblems).map((p) => Object.freeze(p))),
    warnings: Object.freeze(warnings.sort(compareProblems).map((p) => Object.freeze(p))),
    files: Object.freeze(sorted.map((f) => f.path)),
    filesWithProblems: freezeSet(filesWithProblems),
    blockedKeys: freezeSet(blockedKeys),
  });
}

/** A Set whose mutators throw, so a snapshot cannot be changed through it. */
function freezeSet<T>(set: Set<T>): ReadonlySet<T> {
  const frozen = new Set(set);
  const refuse = (): never => {
    throw new TypeError('manifest snapshot sets are read-only');
  };
  Object.defineProperties(frozen, { add: { value: refuse }, delete: { value: refuse }, clear: { value: refuse } });
  return Object.freeze(frozen);
}

