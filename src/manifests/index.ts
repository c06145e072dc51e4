/**
 * Public API of the manifests module: load a directory (IO edge) or validate
 * files already in memory (pure), and format problems the one way users see them.
 */
export { loadManifests, type LoadOptions } from './load-manifests.js';
export {
  validateDocuments,
  DEFAULT_REGION,
  READ_ONLY_TASK_DEFINITION_FIELDS,
  ManifestFileCache,
  type ManifestFileInput,
  type ManifestFileFailure,
  type ManifestFileReuse,
  type CachedFileCheck,
  type ValidateOptions,
} from './validate-documents.js';
export { DEFAULT_MANIFEST_LIMITS, resolveLimits, type ManifestLimits } from './limits.js';
export { formatProblem, formatWarning, compareProblems } from './problem-format.js';
export { canonicalJson, contentHash } from './canonical-json.js';
export { MANIFEST_SCHEMA } from './manifest-schema.js';
export { sinkNames, NOTIFIER_PLACEHOLDERS } from './notifier-rules.js';
export { ECS_MODEL_SCHEMA } from './ecs-model.generated.js';
export { AUTOSCALING_MODEL_SCHEMA } from './autoscaling-model.generated.js';
export { SCHEDULER_MODEL_SCHEMA } from './scheduler-model.generated.js';
export * from './types.js';
