/**
 * The package's programmatic API (docs/cli.md#programmatic-api): the pure core
 * (manifests, normalize, diff, plan) plus the controller and the sandbox for
 * embedding. Everything else is internal and may change between versions.
 */
export {
  loadManifests,
  validateDocuments,
  formatProblem,
  DEFAULT_MANIFEST_LIMITS,
  type ManifestLimits,
  type ManifestSnapshot,
  type ManifestProblem,
  type ServiceManifest,
  type ClusterManifest,
  type ServiceSpec,
  type TaskDefinitionSpec,
  type DesiredService,
  type DesiredCluster,
  type SyncPolicy,
} from './manifests/index.js';
export {
  normalizeTaskDefinition,
  normalizeService,
  diffService,
  maskChanges,
  maskSecrets,
  renderDiffText,
  renderDiffJson,
  taskDefinitionSpecHash,
} from './diff/index.js';
export type { Change, DiffOptions, CanonicalTaskDefinition, CanonicalService } from './diff/index.js';
export { planService, planPrune, planCluster, withRegisteredTaskDefinition } from './plan/index.js';
export type { Plan, Action } from './plan/index.js';
export { createController, StatusStore } from './controller/index.js';
export type { Controller, ControllerOptions, ServiceStatus, ControllerStatus } from './controller/index.js';
export { createSdkEcsApi } from './ecs/index.js';
export type { EcsApi } from './ecs/index.js';
export { startSandbox } from './sandbox/index.js';
export type { Sandbox, SandboxOptions } from './sandbox/index.js';
export { GitopsError, isGitopsError, ERROR_CATALOGS } from './errors/index.js';
export { VERSION } from './version.js';
