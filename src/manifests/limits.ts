/**
 * Limits that keep a hostile or broken checkout from exhausting the
 * controller: every one turns into a problem for the offending file.
 */
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
}

export const DEFAULT_MANIFEST_LIMITS: ManifestLimits = Object.freeze({
  maxFileBytes: 256 * 1024,
  maxDocumentsPerFile: 200,
  maxAliasCount: 100,
  maxDepth: 32,
  maxFiles: 5000,
});

export function resolveLimits(overrides: Partial<ManifestLimits> = {}): ManifestLimits {
  const limits = { ...DEFAULT_MANIFEST_LIMITS };
  for (const [name, value] of Object.entries(overrides) as [keyof ManifestLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`manifest limit ${name} must be a positive integer, got ${JSON.stringify(value)}`);
    }
    limits[name] = value;
  }
  return Object.freeze(limits);
}
