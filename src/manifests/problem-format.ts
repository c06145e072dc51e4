/**
 * How manifest problems read, everywhere: `file:line:col: CODE message`,
 * sorted by file, then position, so output is stable and greppable.
 */
import type { ManifestProblem } from './types.js';

export function formatProblem(p: ManifestProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.code} ${p.message}`;
}

/** A warning reads like a problem, with `warning` before the code so it is not mistaken for one. */
export function formatWarning(p: ManifestProblem): string {
  return `${p.file}:${p.line}:${p.column}: warning ${p.code} ${p.message}`;
}

export function compareProblems(a: ManifestProblem, b: ManifestProblem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

