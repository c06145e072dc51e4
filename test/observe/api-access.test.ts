/**
 * The access rule of /api/* (src/observe/api-access.ts) case by case: the
 * Host names a DNS-rebinding page could send are refused, the names an
 * operator or a load balancer uses are not, and the bearer token comparison
 * accepts exactly the configured token.
 */
import { describe, expect, it } from 'vitest';
import { bearerTokenMatches, checkApiAccess, hostHeaderAllowed } from '../../src/observe/api-access.js';
import { isLoopbackHost } from '../../src/observe/listen-address.js';

describe('hostHeaderAllowed', () => {
  const policy = { listenHost: '0.0.0.0', allowedHosts: ['gitops.internal', 'lb.example:8080'] };

  it.each([
    '127.0.0.1:9400', '127.0.0.1', '10.0.3.17:9400', '[::1]:9400', '[fe80::1]', 'localhost:9400', 'LocalHost', 'localhost:8080',
    'gitops.internal', 'gitops.internal:9400', 'GITOPS.internal:443', 'lb.example:8080',
  ])('accepts %j', (host) => {
    expect(hostHeaderAllowed(host, policy)).toBe(true);
  });

  it.each([
    'attacker.example:9400', 'attacker.example', 'localhost.attacker.example', '127.0.0.1.nip.io:9400', 'gitops.internal.attacker.example',
    'lb.example', 'lb.example:9400', 'localhost.', 'a b', 'user@localhost', '', '[::1', 'localhost:port',
  ])('refuses %j', (host) => {
    expect(hostHeaderAllowed(host, policy)).toBe(false);
  });

  it('refuses a request without a Host header', () => {
    expect(hostHeaderAllowed(undefined, policy)).toBe(false);
  });

  it('accepts the DNS name given to --listen', () => {
    expect(hostHeaderAllowed('controller.corp:9400', { listenHost: 'controller.corp' })).toBe(true);
    expect(hostHeaderAllowed('controller.corp:9400', { listenHost: '127.0.0.1' })).toBe(false);
  });
});

describe('bearerTokenMatches', () => {
  it.each([
    ['Bearer tok-en.1', true],
    ['bearer tok-en.1', true],
    ['BEARER   tok-en.1  ', true],
    ['Bearer tok-en.', false],
    ['Bearer tok-en.12', false],
    ['Basic tok-en.1', false],
    ['tok-en.1', false],
    ['Bearer', false],
    ['Bearer ', false],
    ['Bearertok-en.1', false],
  ])('%j -> %s', (header, expected) => {
    expect(bearerTokenMatches(header, 'tok-en.1')).toBe(expected);
  });

  it('is false without a header', () => {
    expect(bearerTokenMatches(undefined, 'tok-en.1')).toBe(false);
  });
});

describe('checkApiAccess', () => {
  it('checks the Host before the token, and says how to get in', () => {
    const policy = { token: 't', listenHost: '127.0.0.1' };
    expect(checkApiAccess({ host: 'evil.example', authorization: 'Bearer t' }, policy)).toMatchObject({ status: 421, code: 'HTTP_HOST_NOT_ALLOWED' });
    expect(checkApiAccess({ host: 'localhost' }, policy)).toMatchObject({
      status: 401, code: 'HTTP_UNAUTHORIZED', headers: { 'www-authenticate': 'Bearer realm="ecs-gitops"' },
    });
    expect(checkApiAccess({ host: 'localhost', authorization: 'Bearer x' }, policy)).toMatchObject({
      status: 401, headers: { 'www-authenticate': 'Bearer realm="ecs-gitops", error="invalid_token"' },
    });
    expect(checkApiAccess({ host: 'localhost', authorization: 'Bearer t' }, policy)).toBeUndefined();
    expect(checkApiAccess({ host: 'localhost' }, { listenHost: '127.0.0.1' })).toBeUndefined();
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['localhost', true], ['::1', true], ['[::1]', true], ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false], ['::', false], ['10.0.0.5', false], ['192.168.1.2', false], ['controller.corp', false], ['128.0.0.1', false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
