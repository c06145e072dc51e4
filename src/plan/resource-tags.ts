/**
 * The tag writes that keep a cluster's or capacity provider's tags as its
 * manifest declares and its ownership tags current: the user's tags set and
 * removed as declared (undeclared `tags` leaves them alone), and the
 * controller's own tags written whenever anything else is written, or the
 * resource is not yet ours, or its source file moved. The revision tag so
 * moves only together with another change: a new revision that leaves the
 * resource alone costs no call. Pure.
 */
import { TAG_SOURCE, isSystemTagKey } from '../diff/tags.js';
import type { Ownership } from './ownership.js';
import type { TagMap } from '../manifests/types.js';

export interface ResourceTagPlan {
  /** Tags to write (TagResource), user's and ours; empty = none. */
  readonly toSet: readonly { readonly key: string; readonly value: string }[];
  /** User tag keys to remove (UntagResource); empty = none. */
  readonly toRemove: readonly string[];
  /** The user's tags differ from the manifest's (drift worth reporting on its own). */
  readonly userTagsDiffer: boolean;
}

export function planResourceTags(input: {
  readonly declared: TagMap | undefined;
  readonly live: Readonly<Record<string, string>>;
  /** managed-by, source and revision, as this pass would write them. */
  readonly ownershipTags: Readonly<Record<string, string>>;
  readonly ownership: Ownership;
  /** Other writes this pass makes to the resource. */
  readonly otherWrites: boolean;
}): ResourceTagPlan {
  const { declared, live, ownershipTags } = input;
  const wanted: Record<string, string> = { ...(declared ?? {}) };
  const toRemove = declared === undefined ? [] : Object.keys(live).filter((k) => !isSystemTagKey(k) && !(k in wanted));
  const userTagsDiffer = Object.entries(wanted).some(([k, v]) => live[k] !== v);
  const ownershipStale = input.ownership.kind === 'unowned' || live[TAG_SOURCE] !== ownershipTags[TAG_SOURCE];
  if (input.otherWrites || userTagsDiffer || toRemove.length > 0 || ownershipStale) Object.assign(wanted, ownershipTags);
  const toSet = Object.entries(wanted).filter(([k, v]) => live[k] !== v).map(([key, value]) => ({ key, value }));
  return { toSet, toRemove, userTagsDiffer };
}
