/** Adoption of live ECS services into manifests (`ecs-gitops export`). */
export { exportServices, type ExportOptions, type ExportReport, type ExportedFile } from './export-services.js';
export { manifestFromLive, type ExportedService, type LiveServiceState } from './manifest-from-live.js';
export { renderManifestYaml, SECRET_COMMENT, type RenderedManifest } from './manifest-yaml.js';
export { minimize, type JsonTree, type MinimizeOptions } from './minimize.js';
export { orderManifestKeys } from './key-order.js';
export { capacityProviderManifestFromLive, renderCapacityProviderYaml, type ExportedCapacityProvider } from './capacity-provider-from-live.js';
export {
  exportCapacityProviders, existingCapacityProviderFiles, planCapacityProviderExport, writeCapacityProviderExport,
  type ExportCapacityProvidersOptions, type ExportedCapacityProviderFile, type PlannedCapacityProviderFile,
} from './export-capacity-providers.js';
export {
  existingScheduledTaskFiles, planScheduledTaskExport, renderScheduledTaskYaml, writeScheduledTaskExport,
  type ExportScheduledTasksOptions, type ExportedScheduledTaskFile, type PlannedScheduledTaskFile,
} from './export-scheduled-tasks.js';
