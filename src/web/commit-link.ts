/**
 * A browsable URL of a commit, from the repository URL the controller
 * fetches (--git-url) and a revision: what the service view links the Git
 * revision to (ServiceDetailLinks.commitUrl, docs/ui.md). Pure.
 *
 * GitHub and hosts not recognised: `https://host/owner/repo/commit/<sha>`;
 * GitLab (a host whose name holds "gitlab", subgroups kept):
 * `.../-/commit/<sha>`; Bitbucket: `.../commits/<sha>`. Only hex revisions
 * (a branch name is not a commit), and no link for local paths and file://
 * URLs. Credentials in the URL never reach the link; an SSH port is dropped
 * (the web server is not on it), an HTTP(S) port and scheme kept.
 */

const HEX_REVISION = /^[0-9a-f]{7,64}$/i;
const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;
const REPO_PATH = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)+$/;

interface RepoLocation {
  /** http when the repository is fetched over plain http, else https. */
  readonly scheme: 'https' | 'http';
  readonly host: string;
  /** Kept for http(s) only. */
  readonly port?: string;
  readonly path: string;
}

function locate(repoUrl: string): RepoLocation | undefined {
  const text = repoUrl.trim();
  const withScheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (withScheme) {
    const scheme = (withScheme[1] ?? '').toLowerCase();
    if (!['https', 'http', 'ssh', 'git', 'git+ssh', 'ssh+git'].includes(scheme)) return undefined;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    const web = scheme === 'https' || scheme === 'http';
    return { scheme: scheme === 'http' ? 'http' : 'https', host: url.hostname, ...(web && url.port !== '' ? { port: url.port } : {}), path: url.pathname };
  }
  // scp-like: [user@]host:path (no scheme; a Windows drive letter or a local path has no host part like this).
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(text);
  if (scp && (scp[1] ?? '').length > 1) return { scheme: 'https', host: scp[1] ?? '', path: scp[2] ?? '' };
  return undefined;
}

export function commitUrl(repoUrl: string | undefined, revision: string | undefined): string | undefined {
  if (repoUrl === undefined || revision === undefined || !HEX_REVISION.test(revision)) return undefined;
  const location = locate(repoUrl);
  if (!location) return undefined;
  const host = location.host.toLowerCase();
  const path = location.path.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/i, '');
  if (!HOST_NAME.test(host) || !REPO_PATH.test(path)) return undefined;
  const base = `${location.scheme}://${host}${location.port !== undefined ? `:${location.port}` : ''}/${path}`;
  const sha = revision.toLowerCase();
  if (host.includes('gitlab')) return `${base}/-/commit/${sha}`;
  if (host.includes('bitbucket')) return `${base}/commits/${sha}`;
  return `${base}/commit/${sha}`;
}
