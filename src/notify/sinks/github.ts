/**
 * GitHub commit statuses (docs/notifications.md): `POST
 * {apiUrl}/repos/{owner}/{repo}/statuses/{sha}` with `{state, context,
 * description, target_url?}`, one context per service, so the commit shows
 * "pending" while a deploy runs and "success" or "failure" when ECS finished
 * it. Events that are not about a deploy, and revisions that are not commits,
 * are `skipped`.
 *
 * alreadyDelivered reads the commit's statuses (newest first, as GitHub lists
 * them) so that a delivery a crash left unknown is not posted twice.
 */
import type { ControllerEvent } from '../../events/types.js';
import type { GitHubSinkSpec } from '../../manifests/types.js';
import { getJson, planCommitStatus, postStatus, type DeployPhase } from '../commit-status.js';
import type { DeliveryResult, Sink, SinkDeps, SinkId, SinkSecrets } from '../types.js';

export const GITHUB_API_URL = 'https://api.github.com';
/** The REST API version the bodies and paths here were written against. */
export const GITHUB_API_VERSION = '2022-11-28';

export type GitHubState = 'pending' | 'success' | 'failure';

const STATE: Readonly<Record<DeployPhase, GitHubState>> = { started: 'pending', applied: 'pending', succeeded: 'success', failed: 'failure' };

/** The body of a create-commit-status request. */
export interface GitHubStatusBody {
  readonly state: GitHubState;
  readonly context: string;
  readonly description: string;
  readonly target_url?: string;
}

interface Planned {
  readonly path: string;
  readonly sha: string;
  readonly body: GitHubStatusBody;
}

export function createGitHubSink(id: SinkId, spec: GitHubSinkSpec, secrets: SinkSecrets, deps: SinkDeps): Sink {
  const apiUrl = (spec.apiUrl ?? GITHUB_API_URL).replace(/\/+$/, '');
  const [owner, repo] = spec.repository.split('/');
  const repoPath = `/repos/${encodeURIComponent(owner ?? '')}/${encodeURIComponent(repo ?? '')}`;
  const token = secrets.token;
  const headers = (): Record<string, string> => ({
    authorization: `Bearer ${token ?? ''}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': GITHUB_API_VERSION,
  });
  const tokenSecrets = token ? [token] : [];

  /** The status this event sets, or the result that ends it without a request. */
  function plan(event: ControllerEvent): Planned | DeliveryResult {
    const status = planCommitStatus(event, { id, forge: 'GitHub', token, states: STATE, context: spec.context, targetUrl: spec.targetUrl, externalUrl: deps.externalUrl });
    if ('kind' in status) return status;
    return {
      sha: status.sha,
      path: `${repoPath}/statuses/${status.sha}`,
      body: { state: status.state, context: status.context, description: status.description, ...(status.targetUrl ? { target_url: status.targetUrl } : {}) },
    };
  }

  return {
    id,
    type: 'github',
    async deliver(event, signal) {
      const planned = plan(event);
      if ('kind' in planned) return planned;
      return postStatus({
        label: id, url: `${apiUrl}${planned.path}`, headers: headers(), body: JSON.stringify(planned.body), timeoutMs: deps.timeoutMs, signal, secrets: tokenSecrets,
      });
    },
    async alreadyDelivered(event, signal) {
      const planned = plan(event);
      if ('kind' in planned) return false;
      const list = await getJson({ url: `${apiUrl}${repoPath}/commits/${planned.sha}/statuses?per_page=100`, headers: headers(), timeoutMs: deps.timeoutMs, signal });
      if (!Array.isArray(list)) return false;
      // Newest first; contexts compare case-insensitively on GitHub.
      const context = planned.body.context.toLowerCase();
      const newest = (list as unknown[]).find((s): s is Record<string, unknown> =>
        typeof s === 'object' && s !== null && typeof (s as { context?: unknown }).context === 'string'
        && ((s as { context: string }).context).toLowerCase() === context);
      return newest !== undefined && newest.state === planned.body.state && newest.description === planned.body.description;
    },
  };
}

