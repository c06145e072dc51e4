/**
 * What the Service reconciler needs of the auto scaling edge in one Region:
 * the batched reader and the applier (src/autoscaling). Declared here as the
 * controller's view, so the controller depends on behaviour, not classes.
 */
import type { ScalingActivity } from '@aws-sdk/client-application-auto-scaling';
import type { LiveScaling, ScalingAction, ScalingActionKind } from '../../plan/scaling-types.js';

export interface ScalingReaderView {
  /** The service's target, policies, scheduled actions and our alarms (from the batched listing when fresh). */
  describe(cluster: string, service: string, signal: AbortSignal): Promise<LiveScaling>;
  /** The latest scaling activities, newest first (cached; read only for status). */
  recentActivities(cluster: string, service: string, signal: AbortSignal, options?: { readonly fresh?: boolean }): Promise<readonly ScalingActivity[]>;
  /** Written to: the next describe re-reads this service. */
  invalidate(cluster: string, service: string): void;
  /** A resync begins: the next describe lists the Region afresh, and that listing serves the pass. */
  expireListing(): void;
}

export interface ScalingApplyOutcome {
  readonly performed: readonly ScalingActionKind[];
}

export interface ScalingApplierView {
  /** Runs the actions in order; throws at the first failure (after invalidating the reader). */
  apply(cluster: string, service: string, actions: readonly ScalingAction[], signal: AbortSignal): Promise<ScalingApplyOutcome>;
}

export interface ScalingAccess {
  readonly reader: ScalingReaderView;
  readonly applier: ScalingApplierView;
  /** Tags a scalable target (claiming one registered outside Git when its service is adopted). */
  tagTarget(targetArn: string, tags: Readonly<Record<string, string>>, signal: AbortSignal): Promise<void>;
}
