/**
 * Credentials for the built-in fetch, turned into environment for the git
 * child process only. HTTPS tokens travel as an `http.<origin>.extraHeader`
 * set through GIT_CONFIG_COUNT/KEY/VALUE (environment, never argv, so `ps`
 * cannot show them); SSH keys through GIT_SSH_COMMAND with a private copy of
 * the key (ssh refuses keys readable by others, and mounted secrets often are)
 * and strict host key checking. The token is re-read from its file on every
 * fetch so a rotated token is picked up without a restart.
 */
import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GitopsError } from '../errors/define.js';

export type GitCredentials =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'https-token';
      /** The token itself (e.g. from ECS_GITOPS_GIT_TOKEN). One of token/tokenFile. */
      readonly token?: string;
      /** A file holding the token (trailing newline ignored). */
      readonly tokenFile?: string;
      /** Basic-auth user name sent with the token. @default 'x-access-token' (GitHub; GitLab accepts any name) */
      readonly username?: string;
    }
  | {
      readonly kind: 'ssh';
      readonly keyFile: string;
      /** known_hosts to trust. Without it, ssh's default files are used; unknown hosts are always refused. */
      readonly knownHostsFile?: string;
    };

export interface GitAuth {
  /** Environment for git commands that talk to the remote. */
  readonly env: Readonly<Record<string, string>>;
  /** Strings to scrub from any message. */
  readonly secrets: readonly string[];
}

const NO_AUTH: GitAuth = Object.freeze({ env: {}, secrets: [] });

/** `https://***@host/...`: the URL with its user info hidden, for messages. */
function withoutUserInfo(parsed: URL): string {
  const copy = new URL(parsed.href);
  copy.username = '';
  copy.password = '';
  return copy.href.replace('://', '://***@');
}

/**
 * Refuses a `--git-url` that would leak or expose a credential, before
 * anything uses it: user info in an http(s) URL (`https://TOKEN@host/...`,
 * `https://user:pw@host/...`) would appear in git's command line (`ps`),
 * error messages, logs and the status API; a token with an `http://` URL
 * would travel in clear. An SSH user name (`git@host:org/repo`,
 * `ssh://git@host/...`) is not a secret and stays.
 */
export function assertGitUrlSafe(url: string, credentials: GitCredentials | undefined): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined; // scp-like SSH address (git@host:org/repo.git) or a local path
  }
  const web = parsed !== undefined && (parsed.protocol === 'https:' || parsed.protocol === 'http:');
  if (parsed !== undefined && (web ? parsed.username !== '' || parsed.password !== '' : parsed.password !== '')) {
    throw new GitopsError(
      'SOURCE_GIT_URL_REFUSED',
      `--git-url must not contain a user name, password or token (${withoutUserInfo(parsed)}): ` +
        'remove it from the URL and pass the token with --git-token-file or ECS_GITOPS_GIT_TOKEN',
      { flag: 'git-url' },
    );
  }
  if (credentials?.kind === 'https-token' && parsed?.protocol === 'http:') {
    throw new GitopsError(
      'SOURCE_GIT_URL_REFUSED',
      `--git-url ${parsed.href} is plain http: the token (--git-token-file or ECS_GITOPS_GIT_TOKEN) would travel in clear; use an https:// URL`,
      { flag: 'git-url' },
    );
  }
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

async function readToken(credentials: Extract<GitCredentials, { kind: 'https-token' }>): Promise<string> {
  if (credentials.token !== undefined && credentials.token !== '') return credentials.token;
  if (credentials.tokenFile === undefined) {
    throw new GitopsError('SOURCE_CREDENTIALS_INVALID', 'HTTPS credentials need a token or a token file', {});
  }
  let text: string;
  try {
    text = await readFile(credentials.tokenFile, 'utf8');
  } catch (error) {
    throw new GitopsError('SOURCE_CREDENTIALS_INVALID', `cannot read the Git token file ${credentials.tokenFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { file: credentials.tokenFile });
  }
  const token = text.trim();
  if (token === '') throw new GitopsError('SOURCE_CREDENTIALS_INVALID', `the Git token file ${credentials.tokenFile} is empty`, { file: credentials.tokenFile });
  return token;
}

/**
 * Environment that authenticates git to `url`. `privateDir` (mode 0700) holds
 * the private copy of an SSH key.
 */
export async function resolveGitAuth(url: string, credentials: GitCredentials | undefined, privateDir: string): Promise<GitAuth> {
  if (credentials === undefined || credentials.kind === 'none') return NO_AUTH;
  if (credentials.kind === 'https-token') {
    const token = await readToken(credentials);
    let origin: string;
    try {
      const parsed = new URL(url);
      origin = `${parsed.protocol}//${parsed.host}/`;
    } catch {
      throw new GitopsError('SOURCE_CREDENTIALS_INVALID', 'an HTTPS token was given but the Git URL is not an http(s) URL', { flag: 'git-url' });
    }
    const basic = Buffer.from(`${credentials.username ?? 'x-access-token'}:${token}`).toString('base64');
    return {
      env: {
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: `http.${origin}.extraHeader`,
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      },
      secrets: [token, basic],
    };
  }
  const sshDir = path.join(privateDir, 'ssh');
  await mkdir(sshDir, { recursive: true, mode: 0o700 });
  const key = path.join(sshDir, 'id');
  try {
    await copyFile(credentials.keyFile, key);
    await chmod(key, 0o600);
  } catch (error) {
    throw new GitopsError('SOURCE_CREDENTIALS_INVALID', `cannot read the SSH key file ${credentials.keyFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { file: credentials.keyFile });
  }
  const options = ['-o IdentitiesOnly=yes', '-o BatchMode=yes', '-o StrictHostKeyChecking=yes', '-F /dev/null'];
  if (credentials.knownHostsFile !== undefined) options.push(`-o UserKnownHostsFile=${shellQuote(credentials.knownHostsFile)}`);
  return { env: { GIT_SSH_COMMAND: `ssh -i ${shellQuote(key)} ${options.join(' ')}`, GIT_SSH_VARIANT: 'ssh' }, secrets: [] };
}
