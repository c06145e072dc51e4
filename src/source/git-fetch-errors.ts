/**
 * Turns a failed fetch into the error a user can act on: bad credentials,
 * unknown SSH host key, a ref that does not exist, or a generic fetch failure
 * (network, repository moved). Matching is on git's C-locale messages, which
 * git-command.ts forces.
 */
import { GitopsError, isGitopsError } from '../errors/define.js';

const AUTH = [
  /Authentication failed/i,
  /could not read (Username|Password)/i,
  /terminal prompts disabled/i,
  /HTTP Basic: Access denied/i,
  /requested URL returned error: 40[13]/i,
  /Permission denied \(publickey/i,
  /Invalid username or (password|token)/i,
];
const HOST_KEY = [/Host key verification failed/i, /REMOTE HOST IDENTIFICATION HAS CHANGED/i, /No \S+ host key is known/i];
const REF = [/couldn't find remote ref/i, /Remote branch .* not found/i, /not our ref/i];

export function classifyFetchError(error: unknown, context: { url: string; ref: string }): GitopsError {
  if (!isGitopsError(error) || error.code !== 'SOURCE_GIT_FAILED') {
    return isGitopsError(error) ? error : new GitopsError('SOURCE_FETCH_FAILED', `fetching ${context.url} failed: ${String(error)}`, { ...context }, { cause: error });
  }
  const stderr = typeof error.details.stderr === 'string' ? error.details.stderr : '';
  const details = { url: context.url, ref: context.ref, stderr };
  if (HOST_KEY.some((re) => re.test(stderr))) {
    return new GitopsError('SOURCE_FETCH_HOST_KEY', `the SSH host key of ${context.url} is not trusted (add it to known_hosts)`, details, { cause: error });
  }
  if (AUTH.some((re) => re.test(stderr))) {
    return new GitopsError('SOURCE_FETCH_AUTH_FAILED', `the Git remote ${context.url} refused the credentials (check the token or SSH key)`, details, { cause: error });
  }
  if (REF.some((re) => re.test(stderr))) {
    return new GitopsError('SOURCE_FETCH_REF_NOT_FOUND', `ref ${context.ref} does not exist in ${context.url} (check --git-ref)`, details, { cause: error });
  }
  return new GitopsError('SOURCE_FETCH_FAILED', `fetching ${context.ref} from ${context.url} failed: ${error.message}`, details, { cause: error });
}
