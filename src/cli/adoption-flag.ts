/**
 * `--adopt-clusters`: the controller's allow-list of clusters whose existing,
 * untagged services (and the clusters themselves) it may adopt. Adoption is
 * otherwise opt-in per resource with the ecs-gitops/adopt tag
 * (docs/security.md); a manifest alone never hands a resource over.
 */
import type { AdoptionPolicy } from '../plan/ownership.js';
import type { CommandContext } from './command.js';
import type { FlagSpec } from './flags.js';

/** Cluster names are letters, digits, - and _; ARNs add : / and . — anything else is a typo, not a pattern. */
const PATTERN = /^[A-Za-z0-9_\-*:/.]+$/;

export const ADOPT_CLUSTERS_FLAG: FlagSpec = {
  name: 'adopt-clusters',
  type: 'list',
  description: 'clusters (names or ARNs, * as wildcard) whose existing untagged services and clusters may be adopted; default none (tag a resource ecs-gitops/adopt=<controller-id> instead)',
  // Checked with the other flags, before any file is read or anything applied.
  validate: (value) => {
    const bad = ((value ?? []) as readonly string[]).find((pattern) => !PATTERN.test(pattern));
    return bad === undefined ? undefined : `${JSON.stringify(bad)} is not a cluster name, ARN or * pattern`;
  },
};

export function adoptionFrom(ctx: Pick<CommandContext, 'args'>): AdoptionPolicy | undefined {
  const clusters = ctx.args.flags['adopt-clusters'] as readonly string[] | undefined;
  return clusters === undefined || clusters.length === 0 ? undefined : { clusters };
}
