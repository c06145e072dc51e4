/** The controller's public surface: createController and what embedding code needs around it. */
export { createController, DEFAULT_CONTROLLER_ID } from './controller.js';
export type { Controller, ControllerOptions } from './controller.js';
export { StatusStore, SYNC_STATUSES, HEALTH_STATUSES } from './status.js';
export type { ServiceStatus, ControllerStatus, SyncStatus, HealthStatus, StatusError, StatusChange, PruneStatus } from './status.js';
export { systemClock, sleep, type Clock } from '../util/clock.js';
export { WorkQueue, type WorkQueueOptions, type WorkHandler, type WorkResult, type WorkQueueObserver } from './workqueue.js';
export { assessRollout, primaryDeployment, type RolloutAssessment, type WatchedRollout } from './rollout.js';
export { defaultPlanner, type Planner } from './planner.js';
export type { Reconciler, ReconcileOutcome, ReconcileContext, OutcomeNote, StatusWrite } from './reconciler.js';
