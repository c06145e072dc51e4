/**
 * The contract of rendering (docs/environments.md): one source document and
 * one Environment in, one concrete manifest out, with every problem located
 * in the source document. Pure: no IO. validate-documents.ts renders every
 * document this way, and every Desired manifest is the rendered one (a
 * document without metadata.environments is rendered with no environment:
 * its escapes are undone, its lookups collected and a stray `${var.…}`
 * reported; without escapes it renders to itself).
 */
import type { EnvironmentManifest, LookupUse } from '../manifests/types.js';
import type { RuleProblem } from '../manifests/rule-problem.js';

/** What `${var.NAME}` and `${env.FIELD}` read while rendering for one environment. */
export interface RenderScope {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  readonly variables: Readonly<Record<string, string>>;
}

/**
 * Maps a JSON pointer into a rendered manifest back to the pointer, in the
 * source document, of the text that produced it: the override
 * (`/spec/environments/prod/...`) where the patch set the value, the base
 * (`/spec/...`) otherwise. Array indices are translated (named items merge by
 * name, so `containerDefinitions/1` in the result may be `/0` in the base or
 * in the patch). A pointer below a value taken whole from one side maps
 * segment by segment; a pointer to something neither side wrote (a field the
 * environment filled in, such as metadata.region) maps to the nearest written
 * ancestor.
 */
export type OriginOf = (renderedPointer: string) => string;

export interface RenderResult {
  /** The rendered document (apiVersion, kind, metadata with region and cluster set, spec without `environments`), or undefined when a problem prevents rendering it. */
  readonly manifest: Readonly<Record<string, unknown>> | undefined;
  /** `${ssm:…}` and `${cfn:…}` left in strings for the controller to resolve: each occurrence, with its pointer into `manifest` and the offset of its `${` in that string. */
  readonly lookups: readonly LookupUse[];
  /**
   * Rendering problems: an override that is not a mapping or breaks the
   * merge rules, unknown or malformed variables, lookups in static fields, a
   * region written beside environments, no cluster. `pointer` is into the
   * rendered manifest, `locateAt` into the source document (always set);
   * with an environment, messages start with `[environment NAME] `.
   * References to environments (unknown, unlisted, malformed
   * metadata.environments) are CheckEnvironmentReferences's, said once per
   * document.
   */
  readonly problems: readonly RuleProblem[];
  readonly originOf: OriginOf;
}

export interface RenderOptions {
  /** The environment to render for; undefined renders a document without metadata.environments (no merge, no variables). */
  readonly environment?: EnvironmentManifest;
  /** Every declared environment's name (to tell a misspelt spec.environments key from one this document simply does not list). */
  readonly declaredEnvironments: ReadonlySet<string>;
}

/**
 * The document-level checks of environment references, run once per
 * document: metadata.environments is a non-empty list of distinct declared
 * names; spec.environments needs it, is a mapping, and names only listed
 * environments. Pointers are into the source document.
 */
export type CheckEnvironmentReferences = (document: Readonly<Record<string, unknown>>, declared: ReadonlySet<string>) => RuleProblem[];
