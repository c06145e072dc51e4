import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, isSecretEnvName, isSecretKey, scrubSecrets } from '../../src/observe/secret-scrub.js';

describe('scrubSecrets', () => {
  it.each([
    ['password', true], ['Password', true], ['secretAccessKey', true], ['secret_access_key', true], ['sessionToken', true],
    ['x-hub-signature-256', true], ['X-Gitlab-Token', true], ['authorization', true], ['secrets', true], ['apiKey', true],
    ['nextToken', false], ['tokenBucket', false], ['key', false], ['revision', false], ['valueFrom', false], ['name', false],
  ])('treats key %j as secret: %s', (key, secret) => {
    expect(isSecretKey(key)).toBe(secret);
  });

  it.each([
    ['DB_PASSWORD', true], ['STRIPE_API_KEY', true], ['GITHUB_TOKEN', true], ['AWS_SECRET_ACCESS_KEY', true], ['OAUTH_CLIENT_SECRET', true],
    ['LOG_LEVEL', false], ['PORT', false], ['NODE_ENV', false],
  ])('treats environment name %j as secret: %s', (name, secret) => {
    expect(isSecretEnvName(name)).toBe(secret);
  });

  it('adds an extra environment name pattern to the default rule', () => {
    expect(isSecretEnvName('DOOR_PIN')).toBe(false);
    expect(isSecretEnvName('DOOR_PIN', /_pin$/i)).toBe(true);
    expect(isSecretEnvName('DB_PASSWORD', /_pin$/i)).toBe(true);
    expect(isSecretEnvName('LOG_LEVEL', /_pin$/i)).toBe(false);
    const input = { environment: [{ name: 'DOOR_PIN', value: '4711' }, { name: 'PORT', value: '80' }] };
    expect(scrubSecrets(input)).toBe(input);
    expect(scrubSecrets(input, { secretNamePattern: /_pin$/i })).toEqual({ environment: [{ name: 'DOOR_PIN', value: REDACTED }, { name: 'PORT', value: '80' }] });
  });

  it('masks at any depth, keeps everything else, and leaves the input untouched', () => {
    const input = {
      key: 'eu-west-1/prod/web',
      nextToken: 'page-2',
      spec: { containerDefinitions: [{ name: 'web', environment: [{ name: 'PORT', value: '8080' }, { name: 'DB_PASSWORD', value: 'pw' }], secrets: [{ name: 'X', valueFrom: 'arn' }] }] },
      headers: { authorization: 'Bearer t', accept: 'json' },
    };
    const snapshot = structuredClone(input);
    expect(scrubSecrets(input)).toEqual({
      key: 'eu-west-1/prod/web',
      nextToken: 'page-2',
      spec: { containerDefinitions: [{ name: 'web', environment: [{ name: 'PORT', value: '8080' }, { name: 'DB_PASSWORD', value: REDACTED }], secrets: REDACTED }] },
      headers: { authorization: REDACTED, accept: 'json' },
    });
    expect(input).toEqual(snapshot);
  });

  it('returns the same object when there is nothing to mask, and copes with cycles and empty values', () => {
    const clean = { a: [1, { b: 'c' }], d: null };
    expect(scrubSecrets(clean)).toBe(clean);
    const cyclic: Record<string, unknown> = { password: 'x' };
    cyclic.self = cyclic;
    expect((scrubSecrets(cyclic) as Record<string, unknown>).password).toBe(REDACTED);
    expect(scrubSecrets({ password: '' })).toEqual({ password: '' });
    expect(scrubSecrets('plain')).toBe('plain');
  });

  it('property: scrubbing is idempotent', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = scrubSecrets(value);
        expect(scrubSecrets(once)).toEqual(once);
      }),
      { numRuns: 200 },
    );
  });
});
