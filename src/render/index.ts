/**
 * Rendering (docs/environments.md): a source document and an Environment in,
 * the concrete manifest the controller applies out. Pure: no IO.
 */
export type { CheckEnvironmentReferences, OriginOf, RenderOptions, RenderResult, RenderScope } from './render-api.js';
export { renderDocument, scopeOf } from './render-document.js';
export { checkEnvironmentReferences } from './environment-references.js';
export { mergeNamedPatch, sourcePointerOf, type MergePointers, type MergeResult, type Origin, type PatchProblem } from './merge-patch.js';
export { isStaticField, substituteString, substituteTree, ENV_FIELDS, type FoundLookup, type SubstitutedString, type SubstitutedTree } from './substitute.js';
