/**
 * The Cluster kind: observe the cluster (DescribeClusters), decide with the
 * pure planCluster, and in auto mode send its calls in order. Clusters have no
 * status record; what changed (or, in detect mode, would change) is logged,
 * and a cluster another controller manages is a blocked pass (logged and
 * counted as an error, never retried until something changes).
 * A declared cluster is reconciled before the services in it (the controller
 * holds their first reconcile until this pass ends).
 */
import { identityOf, type ClusterKey } from '../../keys/index.js';
import type { SyncMode } from '../../manifests/types.js';
import type { ClusterAction } from '../../plan/index.js';
import type { Clock } from '../../util/clock.js';
import type { Planner } from '../planner.js';
import type { AdoptionPolicy } from '../../plan/ownership.js';
import { SUCCESS, type ReconcileContext, type ReconcileOutcome, type Reconciler } from '../reconciler.js';

export interface ClusterReconcilerOptions {
  readonly clock: Clock;
  readonly planner: Planner;
  readonly controllerId: string;
  readonly mode: SyncMode;
  /** Untagged live clusters this controller may adopt; absent: only those tagged ecs-gitops/adopt. */
  readonly adoption?: AdoptionPolicy;
}

export class ClusterReconciler implements Reconciler<'Cluster'> {
  readonly kind = 'Cluster' as const;
  readonly #options: ClusterReconcilerOptions;

  constructor(options: ClusterReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(key: ClusterKey, context: ReconcileContext): Promise<ReconcileOutcome> {
    const identity = identityOf(key);
    const desired = context.desired.clusters.get(identity);
    if (!desired || context.desired.snapshot.blockedKeys.has(identity)) return SUCCESS;
    const { region, signal } = context;
    const live = await region.reader.describeCluster(desired.name, signal);
    const { controllerId, adoption } = this.#options;
    const plan = this.#options.planner.planCluster({ desired, live, controllerId, revision: context.revision, ...(adoption ? { adoption } : {}) });
    if (plan.blocked) {
      return { result: 'error', error: { ...plan.blocked, at: new Date(this.#options.clock.now()).toISOString() } };
    }
    const { actions } = plan;
    if (actions.length === 0) return SUCCESS;
    const { mode } = this.#options;
    if (mode === 'auto') for (const action of actions) await send(region.ecs, action, signal);
    const changes = actions.map((a) => a.operation);
    return { ...SUCCESS, notes: [{ level: 'info', message: mode === 'auto' ? 'cluster updated' : 'cluster differs (detect mode)', fields: { changes, mode } }] };
  }
}

function send(ecs: ReconcileContext['region']['ecs'], action: ClusterAction, signal: AbortSignal): Promise<unknown> {
  switch (action.operation) {
    case 'CreateCluster': return ecs.send('CreateCluster', action.input, signal);
    case 'UpdateCluster': return ecs.send('UpdateCluster', action.input, signal);
    case 'PutClusterCapacityProviders': return ecs.send('PutClusterCapacityProviders', action.input, signal);
    case 'TagResource': return ecs.send('TagResource', action.input, signal);
    case 'UntagResource': return ecs.send('UntagResource', action.input, signal);
  }
}
