/**
 * `ecs-gitops export --env NAME` writes templates for one environment
 * (docs/environments.md): the exported manifest with `metadata.environments:
 * [NAME]`, no `metadata.region` (the environment sets it) and no
 * `metadata.cluster` when it is the environment's `spec.cluster`. The read-back
 * check renders the written text for that environment exactly as the loader
 * does (parseManifestText, then renderDocument) so what is compared with live
 * is what `diff` and the controller will compare. Pure: no IO.
 */
import { renderDocument } from '../render/index.js';
import { resolveLimits } from '../manifests/limits.js';
import type { EnvironmentManifest } from '../manifests/types.js';
import { parseManifestText } from '../manifests/yaml-documents.js';

/** Where an environment's export came from, for file headers and reports. */
export interface ExportEnvironment {
  readonly manifest: EnvironmentManifest;
}

/** `account@region`: the location the environment's reads go to (src/keys, locationOf). */
export function environmentLocation(environment: EnvironmentManifest): string {
  return `${environment.spec.account}@${environment.spec.region}`;
}

/** The words a header uses for where a file came from: `account 222222222222, Region eu-west-1 (environment prod)`. */
export function environmentOrigin(environment: EnvironmentManifest): string {
  return `account ${environment.spec.account}, Region ${environment.spec.region} (environment ${environment.metadata.name})`;
}

/** A `${` that rendering would read (docs/environments.md, "Rendering", and src/render/substitute.ts). */
const INTERPRETED = /\$\{(?=var\.|env\.|ssm:|cfn:)/g;

/**
 * The text that renders to `text` itself: every `${var.`, `${env.`, `${ssm:`
 * and `${cfn:` gets the `$` of its escape. A live value is data, never a
 * variable or a lookup: without this, a container's `${env.name}` would turn
 * into the environment's name once the template is rendered.
 */
export function escapeSubstitutions(text: string): string {
  return text.replace(INTERPRETED, () => '$${');
}

/** Every string value of `value` escaped (mapping keys are never substituted, so they stay). */
export function escapeTree(value: unknown): unknown {
  if (typeof value === 'string') return escapeSubstitutions(value);
  if (Array.isArray(value)) return value.map(escapeTree);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) Object.defineProperty(out, key, { value: escapeTree(child), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

export interface SingleTargetManifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly cluster?: string; readonly region?: string };
  readonly spec: object;
}

/** The template `manifest` becomes for `environment`: metadata.environments, no region, the cluster only when it is not the environment's. */
export function templateForEnvironment(manifest: SingleTargetManifest, environment: EnvironmentManifest): Record<string, unknown> {
  const { cluster } = manifest.metadata;
  const metadata: Record<string, unknown> = {
    name: manifest.metadata.name,
    ...(cluster !== undefined && cluster !== environment.spec.cluster ? { cluster } : {}),
    environments: [environment.metadata.name],
  };
  return { apiVersion: manifest.apiVersion, kind: manifest.kind, metadata, spec: escapeTree(manifest.spec) };
}

export interface RenderedReadBack {
  /** The file's one document rendered for the environment; undefined when a problem prevents it. */
  readonly manifest?: Readonly<Record<string, unknown>>;
  /** What stops the file reading back as written: YAML or rendering problems, as `pointer: message`. */
  readonly problems: readonly string[];
}

/** Parses `text` as the loader does and renders its document for `environment`: what `diff` will compare with live. */
export function renderWrittenTemplate(text: string, environment: EnvironmentManifest): RenderedReadBack {
  const parsed = parseManifestText(text, resolveLimits());
  const problems = parsed.problems.map((p) => `${p.pointer || '/'}: ${p.message}`);
  const document = parsed.documents[0]?.value;
  if (parsed.documents.length !== 1 || document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { problems: [...problems, `the file holds ${parsed.documents.length} document(s), not one mapping`] };
  }
  const rendered = renderDocument(document as Record<string, unknown>, {
    environment, declaredEnvironments: new Set([environment.metadata.name]),
  });
  problems.push(...rendered.problems.map((p) => p.message));
  // A lookup left in a rendered string would be resolved by the controller, not compared as written.
  problems.push(...rendered.lookups.map((l) => `${l.pointer}: ${l.lookup.text} would be looked up, not kept as text`));
  return { ...(rendered.manifest !== undefined ? { manifest: rendered.manifest } : {}), problems };
}
