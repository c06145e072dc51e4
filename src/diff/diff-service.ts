/**
 * diffService: what differs between one `kind: Service` manifest and live ECS,
 * as field-level changes with JSON pointers into the manifest. Pure: both sides
 * are normalized (task-definition-normalize, service-normalize) and compared;
 * the task definition is compared whole, the service only on the fields the
 * manifest owns (docs/diff.md explains each rule).
 */
import type { Service, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import type { ServiceManifest } from '../manifests/types.js';
import { compareValues, type RawDifference } from './compare.js';
import { pointerWithin, resolvePointer } from './json-pointer.js';
import { normalizeService } from './service-normalize.js';
import { tagsToMap, userTags } from './tags.js';
import { normalizeTaskDefinition } from './task-definition-normalize.js';
import type { Change, ChangeScope, DiffOptions, JsonValue, ServiceDiffResult, ServiceDiffStatus } from './types.js';

export interface LiveService {
  readonly service?: Service;
  readonly taskDefinition?: TaskDefinition;
  readonly tags?: Tag[];
}

/** Service fields that UpdateService cannot change: a different value needs a new service. */
export const REPLACEMENT_FIELDS: ReadonlySet<string> = new Set(['launchType', 'schedulingStrategy', 'role']);

/** Service lists a manifest may write as `[]` to say "none", which UpdateService accepts to clear them. */
export const CLEARABLE_LISTS = ['loadBalancers', 'serviceRegistries', 'placementConstraints', 'placementStrategy'] as const;

/** The pointer of the single change reported for a service that does not exist live. */
export const MISSING_SERVICE_POINTER = '/spec';

/** A deleted service stays visible for a while as DRAINING, then INACTIVE: for the manifest it is missing. */
export function isServiceGone(service: Service | undefined): boolean {
  return service === undefined || service.status === 'INACTIVE' || service.status === 'DRAINING';
}

/** Gone, but ECS still removing it: a service of that name cannot be created until it is INACTIVE. */
export function isServiceDraining(service: Service | undefined): boolean {
  return service?.status === 'DRAINING';
}

export function diffService(desired: ServiceManifest, live: LiveService, options: DiffOptions = {}): Change[] {
  const spec = desired.spec;
  const context = { clusterDefaultCapacityProviderStrategy: options.clusterDefaultCapacityProviderStrategy };

  if (isServiceGone(live.service)) {
    const whole: Record<string, JsonValue> = { ...normalizeService(spec, context) };
    whole.taskDefinition = normalizeTaskDefinition(spec.taskDefinition);
    if (spec.tags) whole.tags = { ...spec.tags };
    return [{ pointer: MISSING_SERVICE_POINTER, desired: whole, live: undefined, kind: 'added', scope: 'service' }];
  }

  const changes: Change[] = [];
  const push = (differences: RawDifference[], scopeOf: (pointer: string) => ChangeScope) => {
    for (const d of differences) {
      const pointer = resolvePointer(desired, d.path);
      changes.push({ pointer, desired: d.desired, live: d.live, kind: d.kind, scope: scopeOf(pointer) });
    }
  };

  // Task definition: registered whole from the manifest, so compared whole.
  const desiredTd = normalizeTaskDefinition(spec.taskDefinition);
  if (live.taskDefinition === undefined) {
    changes.push({ pointer: '/spec/taskDefinition', desired: desiredTd, live: undefined, kind: 'added', scope: 'taskDefinition' });
  } else {
    push(compareValues(desiredTd, normalizeTaskDefinition(live.taskDefinition), ['spec', 'taskDefinition'], 'full'), () => 'taskDefinition');
  }

  // Service: only the fields the manifest owns (ECS defaults filled on both sides).
  const desiredSvc: Record<string, JsonValue> = { ...normalizeService(spec, context) };
  const liveSvc: Record<string, JsonValue> = { ...normalizeService(live.service as Service, context) };
  delete desiredSvc.taskDefinition;
  delete liveSvc.taskDefinition;
  push(compareValues(desiredSvc, liveSvc, ['spec'], 'owned'), serviceScope);
  // An explicit empty list is a statement ("no load balancers"), not an absent field.
  for (const field of CLEARABLE_LISTS) {
    const written = (spec as Record<string, unknown>)[field];
    if (Array.isArray(written) && written.length === 0 && liveSvc[field] !== undefined) {
      changes.push({ pointer: `/spec/${field}`, desired: [], live: liveSvc[field], kind: 'removed', scope: 'service' });
    }
  }

  // Tags: compared as a whole map when the manifest declares any.
  if (spec.tags !== undefined) {
    const desiredTags = userTags({ ...spec.tags });
    const liveTags = userTags(tagsToMap(live.tags ?? live.service?.tags));
    push(compareValues(desiredTags, liveTags, ['spec', 'tags'], 'full'), () => 'service');
  }

  const ignored = ignoredPointers(desired, options);
  return changes.filter((change) => !ignored.some((base) => pointerWithin(change.pointer, base)));
}

function serviceScope(pointer: string): ChangeScope {
  const field = pointer.split('/')[2] ?? '';
  return REPLACEMENT_FIELDS.has(field) ? 'replacement' : 'service';
}

/**
 * `sync.ignoreDifferences` and options.ignoreDifferences (relative to spec), plus
 * /desiredCount when the autoscaler owns it (the manifest omits it, declares
 * `autoScaling`, or a scalable target registered outside Git scales the
 * service) or the manifest declares a DAEMON service (ECS runs one task per
 * instance and reports that count). An ignored desiredCount is never sent in
 * an UpdateService: only CreateService starts the service with it.
 */
export function ignoredPointers(desired: ServiceManifest, options: Pick<DiffOptions, 'ignoreDifferences' | 'desiredCountScaledExternally'> = {}): string[] {
  const relative = [...(desired.spec.sync?.ignoreDifferences ?? []), ...(options.ignoreDifferences ?? [])];
  if (desiredCountOwnedByAutoscaler(desired, options) || desired.spec.schedulingStrategy === 'DAEMON') relative.push('/desiredCount');
  return relative.filter((p) => p.startsWith('/')).map((p) => `/spec${p}`);
}

/** True when the live desiredCount belongs to an autoscaler, so Git's count is only the count a new service starts with. */
export function desiredCountOwnedByAutoscaler(desired: ServiceManifest, options: Pick<DiffOptions, 'desiredCountScaledExternally'> = {}): boolean {
  return desired.spec.desiredCount === undefined || desired.spec.autoScaling !== undefined || options.desiredCountScaledExternally === true;
}

export function serviceDiffStatus(changes: readonly Change[]): ServiceDiffStatus {
  if (changes.some((c) => c.pointer === MISSING_SERVICE_POINTER && c.kind === 'added')) return 'missing';
  return changes.length === 0 ? 'in-sync' : 'out-of-sync';
}

export function serviceDiffResult(key: string, changes: readonly Change[]): ServiceDiffResult {
  return { key, changes, status: serviceDiffStatus(changes) };
}
