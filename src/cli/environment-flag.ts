/**
 * A flag naming an environment (`--env`, promote's `--from` and `--to`) must
 * name a `kind: Environment` the manifests declare: otherwise a
 * CLI_BAD_FLAG_VALUE naming the flag, the closest declared name and the list.
 */
import { GitopsError } from '../errors/index.js';
import type { ManifestSnapshot } from '../manifests/types.js';
import { closestMatch } from '../util/did-you-mean.js';

export function checkEnvironmentFlag(snapshot: ManifestSnapshot, environment: string, flag: string): void {
  const environments = (snapshot.environments ?? []).map((e) => e.name);
  if (environments.includes(environment)) return;
  const suggestion = closestMatch(environment, environments);
  throw new GitopsError('CLI_BAD_FLAG_VALUE',
    `--${flag}: no environment "${environment}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; declared: ${environments.join(', ') || 'none (add kind: Environment documents)'}`,
    { flag });
}
