/**
 * The diff engine's public surface: normalize desired and live ECS state,
 * compare them, mask secrets, render. Pure: no IO, no clock, no SDK at run time.
 */
export type {
  CanonicalService,
  CanonicalTaskDefinition,
  Change,
  ChangeKind,
  ChangeScope,
  DiffOptions,
  JsonObject,
  JsonValue,
  MaskOptions,
  NormalizeServiceContext,
  ServiceDiffResult,
  ServiceDiffStatus,
} from './types.js';
export { normalizeTaskDefinition, TASK_DEFINITION_READ_ONLY_FIELDS } from './task-definition-normalize.js';
export { normalizeService, taskDefinitionRef } from './service-normalize.js';
export {
  diffService,
  ignoredPointers,
  desiredCountOwnedByAutoscaler,
  isServiceGone,
  isServiceDraining,
  MISSING_SERVICE_POINTER,
  REPLACEMENT_FIELDS,
  serviceDiffResult,
  serviceDiffStatus,
  type LiveService,
} from './diff-service.js';
export {
  DEFAULT_SECRET_NAME_PATTERN,
  isSecretKey,
  isSecretName,
  MASK_PREFIX,
  maskChanges,
  maskSecrets,
  maskSecretText,
  maskValue,
  secretMasker,
  SecretWalker,
  type SecretRules,
} from './secret-mask.js';
export {
  CAPACITY_PROVIDER_NOUN,
  diffJson,
  renderDiffJson,
  renderDiffText,
  SERVICE_NOUN,
  summarize,
  summaryLine,
  type DiffJson,
  type DiffSummary,
  type RenderOptions,
  type SummaryNoun,
} from './render.js';
export { taskDefinitionSpecHash } from './spec-hash.js';
export { liveServiceFingerprint, VOLATILE_SERVICE_FIELDS } from './live-fingerprint.js';
export {
  CONTROLLER_TAG_PREFIX,
  isSystemTagKey,
  TAG_MANAGED_BY,
  TAG_REVISION,
  TAG_SOURCE,
  TAG_SPEC_HASH,
  tagsToList,
  tagsToMap,
  userTags,
} from './tags.js';
export { escapePointerToken, pointerTokens, pointerWithin } from './json-pointer.js';
export { normalizeCpu, normalizeMemory } from './units.js';
export {
  camelCaseKeys,
  canonicalInstant,
  canonicalSchedule,
  normalizeDesiredScaling,
  normalizeLiveScaling,
  pascalCaseKeys,
  scalingSummary,
  type CanonicalScaling,
  type ScalingSummary,
} from './scaling-normalize.js';
export { AUTO_SCALING_POINTER, diffScaling, type DiffScalingOptions } from './diff-scaling.js';
