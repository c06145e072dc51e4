/**
 * Limits that keep a hostile or broken checkout from exhausting the
 * controller: every one turns into a problem for the offending file.
 */
import { getHeapStatistics } from 'node:v8';

export interface ManifestLimits {
  /** Largest manifest file read, in bytes. @default 262144 (256 KiB: about 80 services) */
  readonly maxFileBytes: number;
  /** Most documents (`---` separated) in one file. @default 200 */
  readonly maxDocumentsPerFile: number;
  /** Most alias expansions per document (yaml's `maxAliasCount`). @default 100 */
  readonly maxAliasCount: number;
  /** Deepest nesting of mappings and lists. @default 32 */
  readonly maxDepth: number;
  /** Most manifest files under the root. @default 5000 */
  readonly maxFiles: number;
  /**
   * Most bytes of manifest files under the root, all files together (read
   * for this load or held from an earlier one). @default derived from the
   * V8 heap limit: see totalBytesForHeap.
   */
  readonly maxTotalBytes: number;
}

/**
 * Peak memory of loading manifests, per byte of raw manifest text: the texts
 * all stay in memory until validated, each file's YAML tree is several times
 * its size, and the validated documents are cloned. Measured with
 * `loadManifests` on 40 files of 200 services each (5.2 MiB): peak RSS grew
 * 86.5 MiB, 16.6 bytes per raw byte; files of one long comment cost 4.3.
 */
export const LOAD_BYTES_PER_MANIFEST_BYTE = 17;

/** The share of the heap one full load of the manifests may take; the rest is the controller's (services, status, AWS answers). */
export const MANIFEST_HEAP_SHARE = 0.5;

const MiB = 1024 * 1024;
/** Never below: 4 MiB is about 6,000 services written as in BENCHMARKS.md's fleet (about 680 bytes each). */
const MIN_TOTAL_BYTES = 4 * MiB;
/** Never above, however large the heap: 64 MiB is about 100,000 such services. */
const MAX_TOTAL_BYTES = 64 * MiB;

/**
 * The raw manifest bytes a heap of `heapLimitBytes` can load with
 * MANIFEST_HEAP_SHARE of it, at LOAD_BYTES_PER_MANIFEST_BYTE. The heap limit
 * is V8's, so it follows `--max-old-space-size` and, without it, the memory
 * Node sees (the container's limit). docs/manifests.md, "Limits", has the
 * arithmetic for the CloudFormation template's 1 GiB task.
 */
export function totalBytesForHeap(heapLimitBytes: number): number {
  const fits = Math.floor((heapLimitBytes * MANIFEST_HEAP_SHARE) / LOAD_BYTES_PER_MANIFEST_BYTE);
  return Math.min(MAX_TOTAL_BYTES, Math.max(MIN_TOTAL_BYTES, fits));
}

export const DEFAULT_MANIFEST_LIMITS: ManifestLimits = Object.freeze({
  maxFileBytes: 256 * 1024,
  maxDocumentsPerFile: 200,
  maxAliasCount: 100,
  maxDepth: 32,
  maxFiles: 5000,
  maxTotalBytes: totalBytesForHeap(getHeapStatistics().heap_size_limit),
});

export function resolveLimits(overrides: Partial<ManifestLimits> = {}): ManifestLimits {
  const limits = { ...DEFAULT_MANIFEST_LIMITS };
  for (const [name, value] of Object.entries(overrides) as [keyof ManifestLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Object.hasOwn(DEFAULT_MANIFEST_LIMITS, name)) throw new RangeError(`unknown manifest limit ${JSON.stringify(name)}`);
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`manifest limit ${name} must be a positive integer, got ${JSON.stringify(value)}`);
    }
    limits[name] = value;
  }
  return Object.freeze(limits);
}
