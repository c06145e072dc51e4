import { defineErrorCodes } from './define.js';

/** User-facing errors of the source area (watched checkout, built-in fetch, webhook). */
export const SOURCE_ERROR_CODES = defineErrorCodes({
  SOURCE_GIT_NOT_FOUND: {
    title: 'the `git` program was not found on PATH',
    hint: 'Install git (the container image ships it) or put it on PATH.',
  },
  SOURCE_ROOT_NOT_FOUND: {
    title: 'the manifests directory (--repo/--path) does not exist or is not a directory',
    hint: 'Check --repo and --path; with git-sync, point --repo at the link git-sync maintains.',
  },
  SOURCE_PATH_OUTSIDE_ROOT: {
    title: 'the manifests path (--path) leads outside the checkout',
    hint: 'Give --path relative to the repository root, without `..` or symlinks that leave the repository.',
  },
  SOURCE_GIT_FAILED: {
    title: 'a git command failed',
    hint: 'Read the git message in the error details; check the checkout is a readable Git repository.',
  },
  SOURCE_SNAPSHOT_UNSTABLE: {
    title: 'the checkout kept changing while it was being read',
    hint: 'Nothing was applied from the unstable read; the source retries on the next change. Check that only one writer updates the checkout.',
  },
  SOURCE_LOAD_FAILED: {
    title: 'reading the manifests of a revision failed',
    hint: 'The last good snapshot stays in use; see the cause in the error details.',
  },
  SOURCE_FETCH_FAILED: {
    title: 'fetching the Git remote failed',
    hint: 'The last good revision stays in use and the fetch is retried with backoff; check --git-url and network access.',
  },
  SOURCE_FETCH_AUTH_FAILED: {
    title: 'the Git remote refused the credentials',
    hint: 'Check the HTTPS token (ECS_GITOPS_GIT_TOKEN / --git-token-file) or the SSH key file and its access to the repository.',
  },
  SOURCE_FETCH_HOST_KEY: {
    title: "the SSH host key of the Git remote is not in known_hosts",
    hint: 'Add the host key to the known_hosts file given with --git-ssh-known-hosts (ssh-keyscan HOST, verified out of band).',
  },
  SOURCE_FETCH_REF_NOT_FOUND: {
    title: 'the Git ref does not exist on the remote',
    hint: 'Check --git-ref: a branch or tag name (e.g. main) or a full ref (refs/heads/main).',
  },
  SOURCE_CREDENTIALS_INVALID: {
    title: 'the Git credentials could not be read',
    hint: 'Check that the token file or SSH key file exists and is readable by the controller.',
  },
  SOURCE_GIT_URL_REFUSED: {
    title: 'the Git URL (--git-url) carries credentials, or would send the token in clear',
    hint: 'Remove the user name/token from --git-url and pass the token with --git-token-file or ECS_GITOPS_GIT_TOKEN; a token needs an https:// URL.',
  },
  SOURCE_UNSIGNED_REVISION: {
    title: 'the fetched commit is not signed by an allowed key',
    hint: 'The last good revision stays in use. Sign the commit, or add the key to the allowed signers / keyring given to the controller.',
  },
  SOURCE_WEBHOOK_SECRET_INVALID: {
    title: 'the webhook secret is empty',
    hint: 'Put a long random secret in the file given to --webhook-secret-file (or in ECS_GITOPS_WEBHOOK_SECRET), the same as in the Git host webhook settings.',
  },
  SOURCE_WEBHOOK_UNAUTHORIZED: {
    title: 'a webhook request had a missing or invalid signature or token',
    hint: 'Set the same secret in the Git host webhook settings and in the file given to --webhook-secret-file (or ECS_GITOPS_WEBHOOK_SECRET).',
  },
  SOURCE_WEBHOOK_BAD_REQUEST: {
    title: 'a webhook request body was not valid JSON',
    hint: 'Configure the webhook with content type application/json.',
  },
  SOURCE_WEBHOOK_TOO_LARGE: {
    title: 'a webhook request body was larger than allowed',
    hint: 'Push payloads are small; a larger body is refused before it is parsed.',
  },
});
