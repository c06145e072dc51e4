/**
 * The vocabulary of the diff engine: canonical (normalized) forms of task
 * definitions and services, the field-level Change it reports, its options,
 * and the per-service result the renderers print. Type-only: no runtime code.
 */
import type { CapacityProviderStrategyItem } from '@aws-sdk/client-ecs';

/** A JSON value as the canonical forms hold it (no undefined, no Date). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * A task definition with every ECS default filled in, units converted, read-only
 * fields removed and empty lists/maps dropped. Named lists (containers, env,
 * secrets, volumes, ...) keep the order of their input; compare them by name.
 */
export type CanonicalTaskDefinition = JsonObject & {
  readonly family?: string;
  readonly containerDefinitions?: readonly JsonObject[];
};

/**
 * The service fields a manifest can own (CreateService names: `role`, not
 * `roleArn`), defaults filled in. `taskDefinition` is `family:revision` for a
 * live service and the family for a manifest (its content is compared through
 * the canonical task definition instead).
 */
export type CanonicalService = JsonObject;

export type ChangeKind = 'added' | 'removed' | 'changed';

/**
 * What applying the change needs: a new task definition revision, an
 * UpdateService/TagResource call, a new service (which the controller refuses
 * to do on its own: see DIFF_REQUIRES_REPLACEMENT), Application Auto
 * Scaling / CloudWatch calls for `spec.autoScaling` (never an UpdateService),
 * or, for a `kind: CapacityProvider`, a Create/UpdateCapacityProvider or tag
 * call, or, for a `kind: ScheduledTask`, a Create/UpdateSchedule call
 * (EventBridge Scheduler; its task definition's changes are `taskDefinition`).
 */
export type ChangeScope = 'taskDefinition' | 'service' | 'replacement' | 'autoScaling' | 'capacityProvider' | 'scheduledTask';

/**
 * One field-level difference. `kind` is from the point of view of applying the
 * manifest: `added` = the manifest has it and live does not, `removed` = live
 * has it and the manifest does not, `changed` = both, different.
 * `desired`/`live` are canonical values (undefined when absent).
 */
export interface Change {
  /** JSON pointer into the manifest, e.g. /spec/taskDefinition/containerDefinitions/0/image. */
  readonly pointer: string;
  readonly desired: unknown;
  readonly live: unknown;
  readonly kind: ChangeKind;
  readonly scope: ChangeScope;
}

/**
 * Options of diffService. The masking fields are not used by diffService
 * itself (changes carry real values, the planner needs them); pass the same
 * object to maskChanges / the renderers so one setting governs both.
 */
export interface DiffOptions extends MaskOptions {
  /**
   * Extra pointers (relative to `spec`, like `sync.ignoreDifferences`) never
   * compared. Joined with the manifest's own `spec.sync.ignoreDifferences`.
   */
  readonly ignoreDifferences?: readonly string[];
  /**
   * The cluster's default capacity provider strategy, used when the manifest
   * sets neither launchType nor capacityProviderStrategy. `undefined` = not
   * known (launch settings are then not compared); `[]` = the cluster has none
   * (ECS then uses launchType EC2).
   */
  readonly clusterDefaultCapacityProviderStrategy?: readonly CapacityProviderStrategyItem[];
  /**
   * A scalable target registered outside Git (not by this controller) scales
   * the service, and its manifest declares no `autoScaling`: that target owns
   * the count, so `desiredCount` is not compared (status says why).
   */
  readonly desiredCountScaledExternally?: boolean;
}

export interface NormalizeServiceContext {
  readonly clusterDefaultCapacityProviderStrategy?: readonly CapacityProviderStrategyItem[];
}

/** `in-sync`: no changes; `missing`: the service does not exist live (or is INACTIVE/DRAINING). */
export type ServiceDiffStatus = 'in-sync' | 'out-of-sync' | 'missing';

/** One service's diff, as renderers and the status store take it. */
export interface ServiceDiffResult {
  /** `region/cluster/name` */
  readonly key: string;
  readonly changes: readonly Change[];
  /** Derived from changes when omitted (see serviceDiffStatus). */
  readonly status?: ServiceDiffStatus;
}

export interface MaskOptions {
  readonly secretNamePattern?: RegExp;
  /**
   * Key for the HMAC behind the short hash. The hash only shows that a value
   * changed; a per-installation key stops dictionary look-ups of weak values.
   */
  readonly maskKey?: string;
}
