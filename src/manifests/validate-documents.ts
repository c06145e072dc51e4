/**
 * The pure heart of manifest handling: files in, one immutable snapshot out.
 * Every problem in every file is reported; a file with any problem declares
 * nothing (its identities are blocked, never treated as deleted), and
 * duplicate identities block both documents (as do two ScheduledTasks with
 * one schedule name in one account and Region: one schedule group holds them).
 *
 * Environments (docs/manifests.md, "Environments"): a document with
 * metadata.environments is a template, rendered once per listed
 * `kind: Environment` after every file is read (src/render), and each
 * rendered instance is checked like any other document; its problems point
 * into the template (the override or the base) and name the environment.
 */
import { createHash } from 'node:crypto';
import type { ManifestErrorCode } from '../errors/index.js';
import { capacityProviderIdentity, clusterIdentity, KeyFormatError, locationOf, scheduledTaskIdentity, serviceIdentity } from '../keys/index.js';
import { checkEnvironmentReferences, renderDocument } from '../render/index.js';
import { contentHash, deepFreeze } from './canonical-json.js';
import { checkEnvelope, KINDS_TEXT } from './envelope.js';
import { checkText, decodeManifestBytes, type DecodeResult } from './file-decode.js';
import { accountConflicts, environmentRuleCovers, type EnvironmentAccess } from './environment-rules.js';
import { notifierRuleCovers } from './notifier-rules.js';
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
  EnvironmentManifest,
  LookupUse,
  DesiredCluster,
  DesiredEnvironment,
  DesiredNotifier,
  DesiredScheduledTask,
  DesiredService,
  ManifestProblem,
  ManifestSnapshot,
  NotifierManifest,
  RenderedFrom,
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
  /** A rendered instance's environment and account (RenderedFrom), and the lookups left in its manifest. */
  readonly rendered?: RenderedFrom;
  /** A rendered instance's Environment file: a problem there blocks the instance too. */
  readonly environmentFile?: string;
  /** A ScheduledTask's metadata.name: unique per account and Region, whatever the cluster. */
  readonly scheduleName?: string;
  /** An Environment document's fields the checks across documents need. */
  readonly environmentFacts?: EnvironmentFacts;
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

/** What the checks across documents read from one Environment document (any field may be missing or mistyped). */
interface EnvironmentFacts {
  readonly name: string;
  readonly account: string | undefined;
  readonly region: string | undefined;
  readonly cluster: string | undefined;
  readonly roleArn: string | undefined;
  readonly externalId: string | undefined;
  /** Where spec.account, spec.roleArn and spec.externalId are written (conflicts point there). */
  readonly at: Readonly<Record<'account' | 'roleArn' | 'externalId', SourceLocation>>;
}

/**
 * A document with metadata.environments (or a stray spec.environments): it
 * is rendered per environment once every file is read, so the file's result
 * keeps the document and its locator (rendering needs both, and the file's
 * cache entry keeps them for the next snapshot).
 */
interface TemplateDocument {
  readonly kind: ManifestKind;
  readonly file: string;
  readonly document: Readonly<Record<string, unknown>>;
  readonly parsed: ParsedDocument;
}

function normalizePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '');
}

function identity(
  kind: ManifestKind,
  document: Readonly<Record<string, unknown>>,
  defaultRegion: string,
  account?: string,
): { key?: string; region: string } {
  const metadata = document.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return { region: defaultRegion };
  const m = metadata as Readonly<Record<string, unknown>>;
  if (kind === 'Environment') {
    const region = plainRecord(document.spec)?.region;
    return { ...(typeof m.name === 'string' ? { key: environmentIdentity(m.name) } : {}), region: typeof region === 'string' ? region : defaultRegion };
  }
  // A notifier belongs to no Region: it hears the events of every location.
  if (kind === 'Notifier') return { ...(typeof m.name === 'string' ? { key: notifierIdentity(m.name) } : {}), region: defaultRegion };
  const region = m.region === undefined ? defaultRegion : m.region;
  if (typeof region !== 'string' || typeof m.name !== 'string') return { region: defaultRegion };
  // Built before validation: a name with a '/' still gets an identity, and its problem is reported by the rules.
  if (kind === 'Cluster') return { key: clusterIdentity(region, m.name, account), region };
  if (kind === 'CapacityProvider') {
    // capacityProviderIdentity refuses a name or region with '/', '@' or ':'; the schema reports those names.
    try {
      return { key: capacityProviderIdentity(region, m.name, account), region };
    } catch (err) {
      if (err instanceof KeyFormatError) return { region };
      throw err;
    }
  }
  if (typeof m.cluster !== 'string') return { region };
  if (kind === 'ScheduledTask') {
    // scheduledTaskIdentity refuses '/', '@' and ':'; the schema reports such names.
    try {
      return { key: scheduledTaskIdentity(region, m.cluster, m.name, account), region };
    } catch (err) {
      if (err instanceof KeyFormatError) return { region };
      throw err;
    }
  }
  return { key: serviceIdentity(region, m.cluster, m.name, account), region };
}

/** An Environment's identity in the snapshot (DesiredEnvironment.key). */
function environmentIdentity(name: string): string {
  return `environment:${name}`;
}

/** A Notifier's identity in the snapshot (DesiredNotifier.key). */
function notifierIdentity(name: string): string {
  return `notifier:${name}`;
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

/**
 * A document rendered per environment: it lists environments, or has a
 * spec.environments (which checkEnvironmentReferences then reports, with the
 * declared environments at hand). Environments themselves are never templates,
 * nor are notifiers (notifier-rules.ts refuses metadata.environments on one).
 */
function isTemplate(kind: ManifestKind, document: Readonly<Record<string, unknown>>): boolean {
  if (kind === 'Environment' || kind === 'Notifier') return false;
  return plainRecord(document.metadata)?.environments !== undefined || Object.hasOwn(plainRecord(document.spec) ?? {}, 'environments');
}

const NO_ENVIRONMENTS: ReadonlySet<string> = new Set();

/** Schema and semantic problems of one concrete manifest (a plain document or a rendered instance). */
function manifestProblems(kind: ManifestKind, manifest: Readonly<Record<string, unknown>>): RuleProblem[] {
  const problems: RuleProblem[] = [];
  // An Environment's and a Notifier's string formats are reported by their rules in their own words, not as bare patterns.
  const covers = kind === 'Environment' ? environmentRuleCovers : kind === 'Notifier' ? notifierRuleCovers : undefined;
  const errors = covers === undefined ? schemaErrors(kind, manifest) : schemaErrors(kind, manifest).filter((e) => !covers(e));
  appendCapped(problems, schemaProblems(errors));
  appendCapped(problems, semanticProblems(kind, manifest));
  return problems;
}

interface DocumentCheck {
  readonly kind?: ManifestKind;
  readonly document?: Readonly<Record<string, unknown>>;
  readonly template?: boolean;
  readonly lookups?: readonly LookupUse[];
  readonly problems: RuleProblem[];
  readonly warnings: RuleProblem[];
}

function checkDocument(doc: ParsedDocument): DocumentCheck {
  const envelope = checkEnvelope(doc.value);
  if (!envelope.ok) return { problems: [...envelope.problems], warnings: [] };
  const problems = [...envelope.problems];
  if (isTemplate(envelope.kind, envelope.document)) return { kind: envelope.kind, document: envelope.document, template: true, problems, warnings: [] };
  const { document, warnings } = withoutReadOnlyFields(envelope.kind, envelope.document);
  if (envelope.kind === 'Environment') {
    appendCapped(problems, manifestProblems(envelope.kind, document));
    return { kind: envelope.kind, document, problems, warnings };
  }
  if (envelope.kind === 'Notifier') {
    // Not rendered: a notifier takes no ${var.…} and no lookups, and is applied as written.
    for (const rule of manifestProblems(envelope.kind, document)) {
      if (rule.severity === 'warning') warnings.push(rule);
      else appendCapped(problems, [rule]);
    }
    return { kind: envelope.kind, document, problems, warnings };
  }
  // Rendered with no environment: escapes undone (the same rule as in a
  // template), lookups collected, a stray ${var.…} or misplaced lookup
  // reported. Without escapes the rendered manifest is the document itself,
  // so its content hash is what it was before environments existed.
  const rendered = renderDocument(document, { declaredEnvironments: NO_ENVIRONMENTS });
  const manifest = rendered.manifest ?? document;
  appendCapped(problems, rendered.problems);
  for (const rule of manifestProblems(envelope.kind, manifest)) {
    if (rule.severity === 'warning') warnings.push(rule);
    else appendCapped(problems, [rule]);
  }
  return { kind: envelope.kind, document: manifest, problems, warnings, ...(rendered.lookups.length > 0 ? { lookups: rendered.lookups } : {}) };
}

/** What one file contributes: its own problems and its documents. Depends only on the file and the settings. */
interface FileCheck {
  readonly problems: readonly ManifestProblem[];
  readonly warnings: readonly ManifestProblem[];
  readonly candidates: readonly Candidate[];
  /** Documents rendered per environment once every file is read. */
  readonly templates: readonly TemplateDocument[];
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

  /**
   * Rendered instances (and a template's environment references), keyed by
   * the template file's fingerprint, the document's index, the declared
   * environments and the environment's content hash: an unchanged snapshot
   * neither re-renders nor re-validates them.
   */
  readonly #memo = new Map<string, unknown>();

  /** @internal */
  memoLookup(id: string): unknown {
    return this.#memo.get(id);
  }

  /** @internal */
  memoStore(id: string, value: unknown): void {
    this.#memo.set(id, value);
  }

  /** @internal Drops the entries the last snapshot did not use. */
  memoRetainOnly(ids: ReadonlySet<string>): void {
    for (const id of this.#memo.keys()) if (!ids.has(id)) this.#memo.delete(id);
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

/** An Environment's manifest: it has no metadata.region (its spec names the Region). */
function buildAsIs(document: Readonly<Record<string, unknown>>): BuiltManifest {
  const manifest = deepFreeze(structuredClone(document));
  return { manifest, hash: contentHash(manifest) };
}

/** RenderedFrom's fields as a Desired record carries them: only those set (a plain document's record is as it always was). */
function renderedFrom(rendered: RenderedFrom | undefined): RenderedFrom {
  if (rendered === undefined) return {};
  return {
    ...(rendered.environment !== undefined ? { environment: rendered.environment } : {}),
    ...(rendered.account !== undefined ? { account: rendered.account } : {}),
    ...(rendered.lookups !== undefined && rendered.lookups.length > 0 ? { lookups: rendered.lookups } : {}),
  };
}

/** A template's rule problems, given their file, position (in the template) and document index. */
function locateAll(template: TemplateDocument, rules: readonly RuleProblem[]): ManifestProblem[] {
  const located: ManifestProblem[] = [];
  for (const rule of rules) {
    if (located.length >= MAX_PROBLEMS_PER_DOCUMENT) break;
    const where = template.parsed.locate(rule.locateAt ?? rule.pointer, rule.target);
    located.push({ code: rule.code, file: template.file, line: where.line, column: where.column, pointer: rule.pointer, documentIndex: template.parsed.index, message: rule.message });
  }
  return located;
}

/** What rendering one template for one environment gives: its located problems and warnings, and the candidate when it rendered. */
interface InstanceCheck {
  readonly problems: readonly ManifestProblem[];
  readonly warnings: readonly ManifestProblem[];
  readonly candidate: Candidate | undefined;
}

/**
 * Renders a template for one environment and checks the result as any other
 * document. Every problem's pointer is into the rendered manifest; it is
 * located through originOf in the template (the override that wrote the
 * value, or the base) and its message names the environment.
 */
function renderInstance(
  template: TemplateDocument,
  environment: EnvironmentManifest,
  environmentFile: string,
  declared: ReadonlySet<string>,
  defaultRegion: string,
): InstanceCheck {
  const name = environment.metadata.name;
  const rendered = renderDocument(template.document, { environment, declaredEnvironments: declared });
  const rules: RuleProblem[] = [];
  appendCapped(rules, rendered.problems);
  const prefix = `[environment ${name}] `;
  const fromRendered = (rule: RuleProblem): RuleProblem => ({
    ...rule,
    locateAt: rendered.originOf(rule.locateAt ?? rule.pointer),
    message: rule.message.startsWith(prefix) ? rule.message : `${prefix}${rule.message}`,
  });
  let warnings: ManifestProblem[] = [];
  let manifest: Readonly<Record<string, unknown>> | undefined;
  if (rendered.manifest !== undefined) {
    const stripped = withoutReadOnlyFields(template.kind, rendered.manifest);
    manifest = stripped.document;
    const ruleWarnings: RuleProblem[] = [];
    for (const rule of manifestProblems(template.kind, manifest)) {
      if (rule.severity === 'warning') ruleWarnings.push(rule);
      else if (rules.length < MAX_PROBLEMS_PER_DOCUMENT) rules.push(fromRendered(rule));
    }
    warnings = locateAll(template, [...stripped.warnings, ...ruleWarnings].map(fromRendered));
  }
  const problems = locateAll(template, rules);
  if (manifest === undefined) return { problems, warnings, candidate: undefined };
  const account = environment.spec.account;
  const { key, region } = identity(template.kind, manifest, defaultRegion, account);
  const scheduleName = template.kind === 'ScheduledTask' ? plainRecord(manifest.metadata)?.name : undefined;
  const clean = problems.length === 0;
  return {
    problems,
    warnings,
    candidate: {
      kind: template.kind,
      key,
      file: template.file,
      index: template.parsed.index,
      source: { file: template.file, ...template.parsed.start },
      nameAt: { file: template.file, ...template.parsed.locate('/metadata/name') },
      region,
      rendered: { environment: name, account, lookups: rendered.lookups },
      environmentFile,
      ...(typeof scheduleName === 'string' ? { scheduleName } : {}),
      clean,
      built: clean ? buildManifest(manifest, region) : undefined,
    },
  };
}

/**
 * The identity a template would have in an environment it could not be
 * rendered for (the environment or the template has problems), so it is
 * blocked rather than taken for deleted; undefined when it cannot be told.
 */
function unrenderedKey(template: TemplateDocument, environment: EnvironmentFacts | undefined): string | undefined {
  if (environment?.account === undefined || environment.region === undefined) return undefined;
  const metadata = plainRecord(template.document.metadata) ?? {};
  const cluster = metadata.cluster ?? environment.cluster;
  const document = { ...template.document, metadata: { ...metadata, region: environment.region, ...(cluster !== undefined ? { cluster } : {}) } };
  return identity(template.kind, document, environment.region, environment.account).key;
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
  const templates: TemplateDocument[] = [];
  const result: FileCheck = { problems, warnings, candidates, templates };
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
    if (checked.template) {
      templates.push({ kind: checked.kind, file, document: checked.document, parsed: doc });
      continue;
    }
    const { key, region } = identity(checked.kind, checked.document, defaultRegion);
    const scheduleName = checked.kind === 'ScheduledTask' ? plainRecord(checked.document.metadata)?.name : undefined;
    const environmentFacts = checked.kind === 'Environment' ? factsOf(checked.document, (pointer) => ({ file, ...doc.locate(pointer) })) : undefined;
    candidates.push({
      kind: checked.kind,
      key,
      ...(typeof scheduleName === 'string' ? { scheduleName } : {}),
      ...(environmentFacts ? { environmentFacts } : {}),
      ...(checked.lookups ? { rendered: { lookups: checked.lookups } } : {}),
      file,
      index: doc.index,
      source: { file, ...doc.start },
      nameAt: { file, ...doc.locate('/metadata/name') },
      region,
      clean: checked.problems.length === 0,
      built: checked.problems.length === 0 ? (checked.kind === 'Environment' || checked.kind === 'Notifier' ? buildAsIs(checked.document) : buildManifest(checked.document, region)) : undefined,
    });
  }
  return result;
}

function factsOf(document: Readonly<Record<string, unknown>>, locate: (pointer: string) => SourceLocation): EnvironmentFacts | undefined {
  const name = plainRecord(document.metadata)?.name;
  if (typeof name !== 'string') return undefined;
  const spec = plainRecord(document.spec);
  const text = (field: string): string | undefined => (typeof spec?.[field] === 'string' ? (spec[field] as string) : undefined);
  return {
    name,
    account: text('account'),
    region: text('region'),
    cluster: text('cluster'),
    roleArn: text('roleArn'),
    externalId: text('externalId'),
    at: { account: locate('/spec/account'), roleArn: locate('/spec/roleArn'), externalId: locate('/spec/externalId') },
  };
}

const KIND_LABEL: Readonly<Record<ManifestKind, string>> = {
  Service: 'service',
  Cluster: 'cluster',
  CapacityProvider: 'capacity provider',
  ScheduledTask: 'scheduled task',
  Environment: 'environment',
  Notifier: 'notifier',
};

/** Where a candidate is declared; a rendered instance also names its environment. */
const at = (c: Candidate): string =>
  `${c.nameAt.file}:${c.nameAt.line}:${c.nameAt.column}${c.rendered?.environment !== undefined ? ` (environment ${c.rendered.environment})` : ''}`;

/** `[environment E] ` before a rendered instance's messages; nothing for other documents. */
const environmentPrefix = (c: Candidate): string => (c.rendered?.environment !== undefined ? `[environment ${c.rendered.environment}] ` : '');

/**
 * ScheduledTasks whose schedule name another ScheduledTask of the same
 * account and Region uses on another cluster: every schedule of a Region lives in the
 * controller's one schedule group there (src/scheduler/scheduler-api.ts,
 * scheduleGroupName), so the two would be one schedule. Same cluster too is a
 * duplicate identity, reported there.
 */
function scheduleNameClashes(candidates: readonly Candidate[]): Map<Candidate, Candidate[]> {
  const byName = new Map<string, Candidate[]>();
  for (const c of candidates) {
    if (c.kind !== 'ScheduledTask' || c.key === undefined || c.scheduleName === undefined) continue;
    const id = `${locationOf({ region: c.region, ...(c.rendered?.account !== undefined ? { account: c.rendered.account } : {}) })}\0${c.scheduleName}`;
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
  const templates: { readonly template: TemplateDocument; readonly fingerprint: string | undefined }[] = [];
  for (const input of sorted) {
    let checked: FileCheck;
    let fingerprint: string | undefined;
    if ('reuse' in input) {
      // The loader vouches the file is unchanged; an entry from other settings would be a wrong answer.
      if (input.reuse.settings !== settings) throw new Error(`cached result for ${input.path} was computed with other settings`);
      checked = input.reuse.result;
      fingerprint = input.reuse.fingerprint;
      cache?.store(input.path, input.reuse);
    } else if (cache) {
      fingerprint = fingerprintOf(input, settings);
      const fileStat = 'content' in input ? input.fileStat : undefined;
      checked = cache.lookup(input.path, fingerprint)?.result ?? checkFile(input, limits, defaultRegion);
      cache.store(input.path, { fingerprint, settings, fileStat, result: checked });
    } else {
      checked = checkFile(input, limits, defaultRegion);
    }
    problems.push(...checked.problems);
    warnings.push(...checked.warnings);
    candidates.push(...checked.candidates);
    for (const template of checked.templates) templates.push({ template, fingerprint });
  }
  cache?.retainOnly(new Set(sorted.map((f) => f.path)));

  // Environments, then every template rendered for each environment it lists.
  const environmentCandidates = candidates.filter((c) => c.environmentFacts !== undefined);
  const declared = new Set(environmentCandidates.map((c) => (c.environmentFacts as EnvironmentFacts).name));
  const environmentConflicts = accountConflicts(
    environmentCandidates.filter((c) => c.clean).map((c) => ({ ...(c.environmentFacts as EnvironmentFacts), account: c.environmentFacts?.account ?? '', candidate: c })),
  );
  const conflicted = new Set<Candidate>();
  for (const [e, { field, others }] of environmentConflicts) {
    conflicted.add(e.candidate);
    const where = e[field] === undefined ? e.at.account : e.at[field];
    const pointer = e[field] === undefined ? '/spec/account' : `/spec/${field}`;
    const written = (o: EnvironmentAccess): string => (o[field] === undefined ? `no ${field}` : `${field} ${o[field] as string}`);
    problems.push({
      code: 'MANIFEST_ENVIRONMENT_CONFLICT',
      file: e.candidate.file,
      line: where.line,
      column: where.column,
      pointer,
      documentIndex: e.candidate.index,
      message: `${pointer}: environment "${e.name}" reaches account ${e.account} with ${written(e)}, but ${others.map((o) => `"${o.name}" (${at(o.candidate)}) with ${written(o)}`).join(', ')}; the controller holds one set of credentials per account, so environments in one account must name the same roleArn and externalId`,
    });
  }
  const usable = new Map<string, Candidate>();
  const nameCount = new Map<string, number>();
  for (const c of environmentCandidates) nameCount.set((c.environmentFacts as EnvironmentFacts).name, (nameCount.get((c.environmentFacts as EnvironmentFacts).name) ?? 0) + 1);
  for (const c of environmentCandidates) {
    const name = (c.environmentFacts as EnvironmentFacts).name;
    if (c.clean && c.built !== undefined && nameCount.get(name) === 1 && !conflicted.has(c)) usable.set(name, c);
  }
  const declaredKey = [...declared].sort().join(',');
  const memoUsed = new Set<string>();
  const memo = <T>(id: string | undefined, compute: () => T): T => {
    if (id === undefined || !cache) return compute();
    memoUsed.add(id);
    const hit = cache.memoLookup(id) as T | undefined;
    if (hit !== undefined) return hit;
    const value = compute();
    cache.memoStore(id, value);
    return value;
  };
  const blockedInstances = new Set<string>();
  for (const { template, fingerprint } of templates) {
    const id = fingerprint === undefined ? undefined : `${fingerprint}\0${template.parsed.index}\0${declaredKey}`;
    const references = memo(id === undefined ? undefined : `references\0${id}`, () => locateAll(template, checkEnvironmentReferences(template.document, declared)));
    problems.push(...references);
    const listed = plainRecord(template.document.metadata)?.environments;
    if (!Array.isArray(listed)) {
      // No environment to render for: its identity, as a single-target document's, is still blocked by its problems.
      const { key } = identity(template.kind, template.document, defaultRegion);
      if (key !== undefined) blockedInstances.add(key);
      continue;
    }
    for (const name of new Set(listed.filter((n): n is string => typeof n === 'string' && declared.has(n)))) {
      const environment = usable.get(name);
      if (environment === undefined) {
        const facts = environmentCandidates.find((c) => c.environmentFacts?.name === name)?.environmentFacts as EnvironmentFacts;
        const key = unrenderedKey(template, facts);
        if (key !== undefined) blockedInstances.add(key);
        continue;
      }
      const built = environment.built as BuiltManifest;
      // The environment's file is in the id: the candidate names it (a problem there blocks the instance).
      const instance = memo(id === undefined ? undefined : `instance\0${id}\0${built.hash}\0${environment.file}`, () =>
        renderInstance(template, built.manifest as unknown as EnvironmentManifest, environment.file, declared, defaultRegion));
      problems.push(...instance.problems);
      warnings.push(...instance.warnings);
      // The memoised candidate itself, so its Desired record is reused too (desiredRecord).
      if (instance.candidate) candidates.push(instance.candidate);
      else {
        const key = unrenderedKey(template, environment.environmentFacts as EnvironmentFacts);
        if (key !== undefined) blockedInstances.add(key);
      }
    }
  }
  cache?.memoRetainOnly(memoUsed);

  const byKey = new Map<string, Candidate[]>();
  for (const c of candidates) {
    if (c.key === undefined) continue;
    const id = `${c.kind}:${c.key}`;
    const group = byKey.get(id);
    if (group === undefined) byKey.set(id, [c]);
    else group.push(c);
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
        message: `${environmentPrefix(c)}/metadata/name: ${KIND_LABEL[c.kind]} ${c.key as string} is also declared at ${others.join(', ')}; neither document is applied until one is removed`,
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
      message: `${environmentPrefix(c)}/metadata/name: schedule name "${c.scheduleName as string}" is also used in ${locationOf({ region: c.region, ...(c.rendered?.account !== undefined ? { account: c.rendered.account } : {}) })} by ${others.map((o) => `${o.key as string} (${at(o)})`).join(', ')}; a Region's scheduled tasks share one schedule group, so names must be unique per Region, whatever the cluster; neither document is applied until one is renamed`,
    });
  }

  const filesWithProblems = new Set(problems.map((p) => p.file));
  const blockedKeys = new Set<string>([...duplicated, ...blockedInstances]);
  const services: DesiredService[] = [];
  const clusters: DesiredCluster[] = [];
  const capacityProviders: DesiredCapacityProvider[] = [];
  const scheduledTasks: DesiredScheduledTask[] = [];
  const environments: DesiredEnvironment[] = [];
  const notifiers: DesiredNotifier[] = [];
  for (const c of candidates) {
    if (c.key === undefined) continue;
    if (filesWithProblems.has(c.file) || (c.environmentFile !== undefined && filesWithProblems.has(c.environmentFile)) || duplicated.has(c.key)) {
      blockedKeys.add(c.key);
      continue;
    }
    // Not blocked: its file has no problems, so every document in it is clean and built.
    const record = desiredRecord(c);
    if (record.kind === 'Environment') environments.push(record.record);
    else if (record.kind === 'Notifier') notifiers.push(record.record);
    else if (record.kind === 'Service') services.push(record.record);
    else if (record.kind === 'Cluster') clusters.push(record.record);
    else if (record.kind === 'ScheduledTask') scheduledTasks.push(record.record);
    else capacityProviders.push(record.record);
  }

  return Object.freeze({
    root: options.root ?? '',
    services: Object.freeze(services),
    clusters: Object.freeze(clusters),
    capacityProviders: Object.freeze(capacityProviders),
    scheduledTasks: Object.freeze(scheduledTasks),
    environments: Object.freeze(environments),
    notifiers: Object.freeze(notifiers),
    problems: Object.freeze(problems.sort(compareProblems).map((p) => Object.freeze(p))),
    warnings: Object.freeze(warnings.sort(compareProblems).map((p) => Object.freeze(p))),
    files: Object.freeze(sorted.map((f) => f.path)),
    filesWithProblems: freezeSet(filesWithProblems),
    blockedKeys: freezeSet(blockedKeys),
  });
}

type DesiredRecord =
  | { readonly kind: 'Service'; readonly record: DesiredService }
  | { readonly kind: 'Cluster'; readonly record: DesiredCluster }
  | { readonly kind: 'CapacityProvider'; readonly record: DesiredCapacityProvider }
  | { readonly kind: 'ScheduledTask'; readonly record: DesiredScheduledTask }
  | { readonly kind: 'Environment'; readonly record: DesiredEnvironment }
  | { readonly kind: 'Notifier'; readonly record: DesiredNotifier };

/**
 * Desired records by candidate. A candidate is immutable and, for an
 * unchanged file or rendered instance, the same object from snapshot to
 * snapshot (the file cache and the render memo keep it), so its frozen record
 * is built once: rebuilding 3,000 records per snapshot was most of the cost
 * of an unchanged snapshot of 1,000 templates x 3 environments.
 */
const desiredRecords = new WeakMap<Candidate, DesiredRecord>();

/** The Desired* record of a clean, built candidate with a key. */
function desiredRecord(c: Candidate): DesiredRecord {
  const known = desiredRecords.get(c);
  if (known !== undefined) return known;
  if (c.built === undefined || c.key === undefined) throw new Error(`manifest ${String(c.key)} in ${c.file} was not built although its file has no problems`);
  const { manifest, hash } = c.built;
  const metadata = manifest.metadata as Readonly<Record<string, unknown>>;
  const name = metadata.name as string;
  // What every kind's Desired* record carries; services and scheduled tasks add their cluster.
  const common = { key: c.key, region: c.region, name, source: Object.freeze(c.source), contentHash: hash, ...renderedFrom(c.rendered) };
  const cluster = metadata.cluster as string;
  let record: DesiredRecord;
  if (c.kind === 'Environment') {
    const spec = manifest.spec as Readonly<Record<string, unknown>>;
    const environment: DesiredEnvironment = { key: c.key, name, account: spec.account as string, region: c.region, manifest: manifest as unknown as EnvironmentManifest, source: common.source, contentHash: hash };
    record = { kind: 'Environment', record: Object.freeze(environment) };
  } else if (c.kind === 'Notifier') {
    const notifier: DesiredNotifier = { key: c.key, name, manifest: manifest as unknown as NotifierManifest, source: common.source, contentHash: hash };
    record = { kind: 'Notifier', record: Object.freeze(notifier) };
  } else if (c.kind === 'Service') record = { kind: 'Service', record: Object.freeze({ ...common, cluster, manifest: manifest as unknown as ServiceManifest }) };
  else if (c.kind === 'Cluster') record = { kind: 'Cluster', record: Object.freeze({ ...common, manifest: manifest as unknown as ClusterManifest }) };
  else if (c.kind === 'ScheduledTask') record = { kind: 'ScheduledTask', record: Object.freeze({ ...common, cluster, manifest: manifest as unknown as ScheduledTaskManifest }) };
  else record = { kind: 'CapacityProvider', record: Object.freeze({ ...common, manifest: manifest as unknown as CapacityProviderManifest }) };
  desiredRecords.set(c, record);
  return record;
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

