/**
 * GitLab commit statuses (docs/notifications.md): `POST
 * {apiUrl}/api/v4/projects/{id}/statuses/{sha}` with `{state, name,
 * description, target_url?}` and the token in `PRIVATE-TOKEN`. The project is
 * a numeric id or its path, URL-encoded (`group%2Fproject`).
 *
 * States: SyncStarted pending, Applied running (success when no rollout
 * follows), RolloutCompleted success, RolloutFailed failed. Applied is
 * `running`, not a second `pending`, because GitLab moves a commit status
 * through a state machine and refuses a post that would not change its
 * state with a 400 ("Cannot transition status via :enqueue from :pending").
 * That same 400 after a retried post whose first answer was lost means the
 * status already shows this state: it counts as delivered.
 */
import type { ControllerEvent } from '../../events/types.js';
import type { GitLabSinkSpec } from '../../manifests/types.js';
import { getJson, planCommitStatus, postStatus, type DeployPhase } from '../commit-status.js';
import type { DeliveryResult, Sink, SinkDeps, SinkId, SinkSecrets } from '../types.js';
import { parseJsonObject } from '../../util/json-object.js';

export const GITLAB_API_URL = 'https://gitlab.com';

export type GitLabState = 'pending' | 'running' | 'success' | 'failed';

const STATE: Readonly<Record<DeployPhase, GitLabState>> = { started: 'pending', applied: 'running', succeeded: 'success', failed: 'failed' };

/** The body of a post-commit-status request. */
export interface GitLabStatusBody {
  readonly state: GitLabState;
  readonly name: string;
  readonly description: string;
  readonly target_url?: string;
}

/** `Cannot transition status via :<event> from :<state>`: GitLab's answer when the status is already in <state>. */
const NO_TRANSITION = /Cannot transition status via :\w+ from :(\w+)/;

/**
 * Whether a 400's message says the status already is `state` (the refused
 * post would have changed nothing). A refusal from another state (a `success`
 * that cannot go back to `running`) is not.
 */
export function alreadyInState(message: string | undefined, state: GitLabState): boolean {
  const from = message === undefined ? undefined : NO_TRANSITION.exec(message)?.[1];
  return from === state;
}

/** GitLab's error text: `{"message": "..."}` (or a `{"message": {field: [...]}}` validation map, which is never a transition refusal). */
function gitlabMessage(body: string): string | undefined {
  const message = parseJsonObject(body)?.message;
  return typeof message === 'string' ? message : undefined;
}

interface Planned {
  readonly sha: string;
  readonly body: GitLabStatusBody;
}

export function createGitLabSink(id: SinkId, spec: GitLabSinkSpec, secrets: SinkSecrets, deps: SinkDeps): Sink {
  const apiUrl = (spec.apiUrl ?? GITLAB_API_URL).replace(/\/+$/, '');
  const projectPath = `/api/v4/projects/${encodeURIComponent(spec.project)}`;
  const token = secrets.token;
  const headers = (): Record<string, string> => ({ 'private-token': token ?? '', accept: 'application/json' });
  const tokenSecrets = token ? [token] : [];

  function plan(event: ControllerEvent): Planned | DeliveryResult {
    const status = planCommitStatus(event, { id, forge: 'GitLab', token, states: STATE, context: spec.context, targetUrl: spec.targetUrl, externalUrl: deps.externalUrl });
    if ('kind' in status) return status;
    return {
      sha: status.sha,
      body: { state: status.state, name: status.context, description: status.description, ...(status.targetUrl ? { target_url: status.targetUrl } : {}) },
    };
  }

  return {
    id,
    type: 'gitlab',
    async deliver(event, signal) {
      const planned = plan(event);
      if ('kind' in planned) return planned;
      return postStatus(
        { label: id, url: `${apiUrl}${projectPath}/statuses/${planned.sha}`, headers: headers(), body: JSON.stringify(planned.body), timeoutMs: deps.timeoutMs, signal, secrets: tokenSecrets },
        (response) => response.status === 400 && alreadyInState(gitlabMessage(response.body), planned.body.state),
      );
    },
    async alreadyDelivered(event, signal) {
      const planned = plan(event);
      if ('kind' in planned) return false;
      const query = new URLSearchParams({ name: planned.body.name });
      const list = await getJson({
        url: `${apiUrl}${projectPath}/repository/commits/${planned.sha}/statuses?${query.toString()}`, headers: headers(), timeoutMs: deps.timeoutMs, signal,
      });
      if (!Array.isArray(list)) return false;
      // Without `all`, GitLab answers the latest status per name; the highest id is the newest should it send more.
      let newest: Record<string, unknown> | undefined;
      for (const s of list as unknown[]) {
        if (typeof s !== 'object' || s === null) continue;
        const status = s as Record<string, unknown>;
        if (status.name !== planned.body.name) continue;
        if (newest === undefined || Number(status.id) > Number(newest.id)) newest = status;
      }
      return newest !== undefined && newest.status === planned.body.state && newest.description === planned.body.description;
    },
  };
}
