/**
 * The ScheduledTask kind (placeholder while the reconciler is written: every
 * pass fails with a clear error, so nothing half-applies).
 */
import type { ScheduledTaskKey } from '../../keys/index.js';
import type { ReconcileOutcome, Reconciler } from '../reconciler.js';

export class ScheduledTaskReconciler implements Reconciler<'ScheduledTask'> {
  readonly kind = 'ScheduledTask' as const;

  reconcile(key: ScheduledTaskKey): Promise<ReconcileOutcome> {
    return Promise.resolve({
      result: 'error',
      error: { code: 'CONTROLLER_APPLY_FAILED', message: `${key.name}: scheduled tasks are not reconciled yet`, at: new Date().toISOString() },
    });
  }
}
