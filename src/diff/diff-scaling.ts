/**
 * diffScaling: what differs between a service manifest's `spec.autoScaling`
 * and the scaling registered live for the service, as field-level changes of
 * scope `autoScaling`. Pure: both sides are normalized (scaling-normalize.ts)
 * and compared whole, because on a target the controller owns Git's policies,
 * alarms and scheduled actions are the complete set.
 *
 * Pointers are keyed by name, not by list position
 * (`/spec/autoScaling/targetTracking/cpu/targetValue`): a policy's or a
 * scheduled action's name is its identity in Application Auto Scaling, and a
 * removed one has no position in the manifest (docs/diff.md, "Auto scaling").
 */
import type { AutoScalingSpec } from '../manifests/types.js';
import type { LiveScaling } from '../plan/scaling-types.js';
import { compareValues } from './compare.js';
import { escapePointerToken, type PathSegment } from './json-pointer.js';
import { normalizeDesiredScaling, normalizeLiveScaling } from './scaling-normalize.js';
import type { Change, JsonObject, JsonValue } from './types.js';

/** The pointer of the whole block: the single change when it is added or removed. */
export const AUTO_SCALING_POINTER = '/spec/autoScaling';

export interface DiffScalingOptions {
  /**
   * The controller registered the live target (the service carries the
   * ecs-gitops/autoscaling tag): with no `autoScaling` in the manifest, the
   * live scaling is then to be removed; otherwise it is someone else's and no
   * change.
   */
  readonly owned: boolean;
  /** Limits live alarms to this service's prefix (scalingAlarmPrefix). */
  readonly cluster?: string;
  readonly service?: string;
}

export function diffScaling(desired: AutoScalingSpec | undefined, live: LiveScaling | undefined, options: DiffScalingOptions): Change[] {
  const scope = options.cluster !== undefined && options.service !== undefined ? { cluster: options.cluster, service: options.service } : undefined;
  const liveCanonical = normalizeLiveScaling(live, scope);
  if (desired === undefined) {
    if (!options.owned || Object.keys(liveCanonical).length === 0) return [];
    return [{ pointer: AUTO_SCALING_POINTER, desired: undefined, live: liveCanonical, kind: 'removed', scope: 'autoScaling' }];
  }
  const desiredCanonical = normalizeDesiredScaling(desired);
  if (live?.target === undefined) {
    return [{ pointer: AUTO_SCALING_POINTER, desired: desiredCanonical, live: undefined, kind: 'added', scope: 'autoScaling' }];
  }
  // A map of named items present on one side only is still compared name by name.
  const [desiredSide, liveSide] = withNamedMapsOnBothSides(desiredCanonical, liveCanonical);
  return compareValues(desiredSide, liveSide, ['spec', 'autoScaling'], 'full').map((d) => ({
    pointer: scalingPointer(d.path),
    desired: d.desired,
    live: d.live,
    kind: d.kind,
    scope: 'autoScaling' as const,
  }));
}

const NAMED_MAPS = ['targetTracking', 'stepScaling', 'scheduled', 'otherPolicies'] as const;

function withNamedMapsOnBothSides(desired: JsonObject, live: JsonObject): [JsonObject, JsonObject] {
  const d: Record<string, JsonValue> = { ...desired };
  const l: Record<string, JsonValue> = { ...live };
  for (const key of NAMED_MAPS) {
    if (d[key] === undefined && l[key] === undefined) continue;
    d[key] ??= {};
    l[key] ??= {};
  }
  return [d, l];
}

/** Every segment is a key of the canonical form (names included) or a list index. */
function scalingPointer(path: readonly PathSegment[]): string {
  return `/${path.map((segment) => escapePointerToken(typeof segment === 'object' ? segment.name : String(segment))).join('/')}`;
}
