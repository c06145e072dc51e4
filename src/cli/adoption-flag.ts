/**
 * `--adopt-clusters`: the controller's allow-list of clusters whose existing,
 * untagged services (and the clusters themselves) it may adopt. Adoption is
 * otherwise opt-in per resource with the ecs-gitops/adopt tag
 * (docs/security.md); a manifest alone never hands a resource over.
 */
import { GitopsError } from '../errors/index.js';
import type { AdoptionPolicy } from '../plan/ownership.js';
import type { CommandContext } from './command.js';
import type { FlagSpec } from './flags.js';

export const ADOPT_CLUSTERS_FLAG: FlagSpec = {
  name: 'adopt-clusters',
  type: 'list',
  description: 'clusters (names or ARNs, * as wildcard) whose existing untagged services and clusters may be adopted; default none (tag a resource ecs-gitops/adopt=<controller-id> instead)',
};

/** Cluster names are letters, digits, - and _; ARNs add : / and . — anything else is a typo, not a pattern. */
const PATTERN = /^[A-Za-z0-9_\-*:/.]+$/;

export function adoptionFrom(ctx: Pick<CommandContext, 'args'>): AdoptionPolicy | undefined {
  const raw = ctx.args.flags['adopt-clusters'];
  if (raw === undefined) return undefined;
  const clusters = raw as readonly string[];
  for (const pattern of clusters) {
    if (!PATTERN.test(pattern)) {
      throw new GitopsError('CLI_BAD_FLAG_VALUE', `--adopt-clusters: ${JSON.stringify(pattern)} is not a cluster name, ARN or * pattern`, { flag: 'adopt-clusters' });
    }
  }
  return clusters.length === 0 ? undefined : { clusters };
}
