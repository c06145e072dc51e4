import { describe, expect, it } from 'vitest';
import { commitUrl } from '../../src/web/commit-link.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('commitUrl', () => {
  it.each([
    ['https://github.com/acme/deploy.git', `https://github.com/acme/deploy/commit/${SHA}`],
    ['https://github.com/acme/deploy', `https://github.com/acme/deploy/commit/${SHA}`],
    ['https://user:ghp_secret@github.com/acme/deploy.git', `https://github.com/acme/deploy/commit/${SHA}`],
    ['git@github.com:acme/deploy.git', `https://github.com/acme/deploy/commit/${SHA}`],
    ['ssh://git@github.com/acme/deploy.git', `https://github.com/acme/deploy/commit/${SHA}`],
    ['ssh://git@gitlab.example.com:2222/group/sub/deploy.git', `https://gitlab.example.com/group/sub/deploy/-/commit/${SHA}`],
    ['https://gitlab.com/group/deploy.git/', `https://gitlab.com/group/deploy/-/commit/${SHA}`],
    ['git@gitlab.com:group/sub/deploy.git', `https://gitlab.com/group/sub/deploy/-/commit/${SHA}`],
    ['https://bitbucket.org/team/deploy.git', `https://bitbucket.org/team/deploy/commits/${SHA}`],
    ['git@bitbucket.org:team/deploy.git', `https://bitbucket.org/team/deploy/commits/${SHA}`],
    ['https://git.example.com:8443/acme/deploy.git', `https://git.example.com:8443/acme/deploy/commit/${SHA}`],
    ['http://gitea.local:3000/acme/deploy.git', `http://gitea.local:3000/acme/deploy/commit/${SHA}`],
    ['  https://GitHub.com/acme/deploy  ', `https://github.com/acme/deploy/commit/${SHA}`],
  ])('%s', (url, expected) => {
    expect(commitUrl(url, SHA)).toBe(expected);
  });

  it.each([
    ['a local path', '/srv/repos/deploy', SHA],
    ['a relative path', './deploy', SHA],
    ['file://', 'file:///srv/repos/deploy.git', SHA],
    ['a repository without owner', 'https://github.com/deploy', SHA],
    ['a Windows path', 'C:\\repos\\deploy', SHA],
    ['an unknown scheme', 'ftp://example.com/a/b', SHA],
    ['a branch name', 'https://github.com/acme/deploy', 'main'],
    ['a short revision', 'https://github.com/acme/deploy', 'abc12'],
    ['markup in the path', 'https://github.com/acme/"><script>', SHA],
    ['no URL', undefined, SHA],
    ['no revision', 'https://github.com/acme/deploy', undefined],
  ])('no link for %s', (_what, url, revision) => {
    expect(commitUrl(url, revision)).toBeUndefined();
  });

  it('lower-cases the revision', () => {
    expect(commitUrl('https://github.com/a/b', 'ABCDEF1')).toBe('https://github.com/a/b/commit/abcdef1');
  });
});
