import type { ManifestErrorCode } from '../errors/index.js';

/** A problem found in one document, before it is given a file and position. */
export interface RuleProblem {
  readonly code: ManifestErrorCode;
  /** What the problem is about (JSON pointer into the document). */
  readonly pointer: string;
  /** Where to point the reader when `pointer` itself is not written (a missing field): defaults to `pointer`. */
  readonly locateAt?: string;
  /** Locate the mapping key rather than the value (unknown fields, tag keys). */
  readonly target?: 'key' | 'value';
  readonly message: string;
  /** A warning is printed but does not make the file broken; absent means an error. */
  readonly severity?: 'warning';
}
