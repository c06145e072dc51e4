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

  it('masks secret-looking keys inside string maps by substring, URL user info and secret name=value in every string', () => {
    const input = {
      containerDefinitions: [{
        command: ['serve', '--db-password=pw-1', '--auth-token', 'pw-2', '--port', '80'],
        environment: [{ name: 'DATABASE_URL', value: 'postgres://app:pw-3@db:5432/app' }],
        dockerLabels: { 'x-auth-token': 'pw-4', team: 'web' },
        logConfiguration: { logDriver: 'splunk', options: { 'splunk-token': 'pw-5', 'splunk-url': 'https://splunk:8088' } },
      }],
      source: { url: 'https://pw-6@git.example.com/org/repo.git', lastError: { message: 'fetch https://ci:pw-7@git.example.com/org/repo.git failed' } },
    };
    const scrubbed = JSON.stringify(scrubSecrets(input));
    for (const secret of ['pw-1', 'pw-2', 'pw-3', 'pw-4', 'pw-5', 'pw-6', 'pw-7']) expect(scrubbed).not.toContain(secret);
    for (const kept of ['"team":"web"', 'https://splunk:8088', 'postgres://app:[REDACTED]@db:5432/app', '--db-password=[REDACTED]', '"--port","80"', 'https://ci:[REDACTED]@git.example.com']) {
      expect(scrubbed).toContain(kept);
    }
  });

  it('keeps values the diff masker already hashed (a status diff still shows a change) and awslogs options', () => {
    const input = {
      diff: [{ desired: { name: 'DB_PASSWORD', value: '***sha256:0123456789abcdef0123456789abcdef' }, live: { dockerLabels: { 'api-token': '***sha256:fedcba9876543210fedcba9876543210' } } }],
      logConfiguration: { options: { 'awslogs-group': '/ecs/web', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'web' } },
    };
    expect(scrubSecrets(input)).toBe(input);
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
