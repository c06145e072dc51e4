/**
 * Secrets outside environment values: key names that look secret inside every
 * string map (matched as a substring), URL user info and `name=value` pairs in
 * every string, the argument after a secret flag, secret references. Each
 * case is planted in a whole service spec (a `missing` change shows all of it)
 * and must not appear in any rendering, while the useful neighbours stay
 * readable. The text patterns must stay linear on hostile input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffService, MASK_PREFIX, maskChanges, maskSecrets, maskSecretText, maskValue, renderDiffJson, renderDiffText, serviceDiffResult, type Change } from '../../src/diff/index.js';
import { baseSpec, container, manifestOf } from './fixtures.js';

const P = {
  splunk: 'P-splunk-1111',
  datadog: 'P-dd-2222',
  dbPassword: 'P-dbpw-3333',
  authLabel: 'P-label-4444',
  firelens: 'P-firelens-5555',
  driverOpt: 'P-driveropt-6666',
  urlPassword: 'P-urlpw-7777',
  commandFlag: 'P-flag-8888',
  commandSplit: 'P-split-9999',
  healthCheck: 'P-hc-aaaa',
  repoCredentials: 'arn:aws:secretsmanager:eu-west-1:1:secret:P-repo-bbbb',
  tag: 'P-tag-cccc',
};

function plantedSpec() {
  const spec = baseSpec();
  Object.assign(container(spec), {
    command: ['serve', `--db-password=${P.commandFlag}`, '--auth-token', P.commandSplit, '--port', '8080'],
    environment: [{ name: 'DATABASE_URL', value: `postgres://app:${P.urlPassword}@db.internal:5432/app` }, { name: 'LOG_LEVEL', value: 'debug' }],
    healthCheck: { command: ['CMD-SHELL', `curl -fsS "http://localhost/health?token=${P.healthCheck}" || exit 1`] },
    logConfiguration: {
      logDriver: 'splunk',
      options: { 'splunk-url': 'https://splunk.example.com:8088', 'splunk-token': P.splunk, 'splunk-index': 'main' },
      secretOptions: [{ name: 'splunk-token', valueFrom: 'arn:aws:ssm:eu-west-1:1:parameter/splunk' }],
    },
    firelensConfiguration: { type: 'fluentbit', options: { 'enable-ecs-log-metadata': 'true', 'my_db_password': P.firelens } },
    dockerLabels: { 'x-auth-token': P.authLabel, 'DD_API_KEY': P.datadog, 'com.example.team': 'storefront', 'my_db_password': P.dbPassword },
    repositoryCredentials: { credentialsParameter: P.repoCredentials },
  });
  (spec.taskDefinition as Record<string, unknown>).volumes = [{ name: 'data', dockerVolumeConfiguration: { driver: 'rexray', driverOpts: { 'secret-key': P.driverOpt, size: '10' } } }];
  (spec as Record<string, unknown>).tags = { 'api-token': P.tag, team: 'storefront' };
  return spec;
}

function renderings(changes: readonly Change[]): string[] {
  const results = [serviceDiffResult('eu-west-1/prod/web', [...changes])];
  return [renderDiffText(results, { colour: false }), renderDiffJson(results), JSON.stringify(maskChanges(changes))];
}

const leaks = (text: string) => Object.entries(P).filter(([, secret]) => text.includes(secret)).map(([where]) => where);

describe('masking secrets outside environment values', () => {
  it('masks each planted secret in a whole-service change, and keeps the non-secret neighbours', () => {
    const changes = diffService(manifestOf(plantedSpec()), { service: undefined });
    expect(changes[0]?.pointer).toBe('/spec');
    for (const output of renderings(changes)) {
      expect(leaks(output)).toEqual([]);
      for (const visible of ['https://splunk.example.com:8088', 'storefront', 'db.internal:5432/app', 'postgres://app:', '--port', '8080', 'debug', 'enable-ecs-log-metadata', 'rexray']) {
        expect(output).toContain(visible);
      }
    }
  });

  it('masks at the pointer of a single changed map entry, flag or URL', () => {
    const at = (pointer: string, desired: unknown, live: unknown): Change => ({ pointer, desired, live, kind: 'changed', scope: 'taskDefinition' });
    const base = '/spec/taskDefinition/containerDefinitions/0';
    const changes = [
      at(`${base}/dockerLabels/x-auth-token`, P.authLabel, 'old'),
      at(`${base}/logConfiguration/options`, { 'splunk-token': P.splunk }, {}),
      at(`${base}/logConfiguration`, { logDriver: 'splunk', options: { 'splunk-token': P.splunk } }, undefined),
      at(`${base}/command`, ['--auth-token', P.commandSplit], []),
      at(`${base}/command/1`, `--db-password=${P.commandFlag}`, '--db-password=old'),
      at(`${base}/environment/0`, { name: 'DATABASE_URL', value: `postgres://app:${P.urlPassword}@db/app` }, undefined),
      at('/spec/tags/api-token', P.tag, undefined),
      at(`${base}/repositoryCredentials`, { credentialsParameter: P.repoCredentials }, undefined),
    ];
    for (const output of renderings(changes)) expect(leaks(output)).toEqual([]);
    const masked = maskChanges(changes);
    expect(masked[0]?.live).toBe(maskValue('old'));
    expect(masked[4]?.live).toBe(`--db-password=${maskValue('old')}`);
  });

  it('does not hide the awslogs settings or other ordinary option names', () => {
    const options = {
      'awslogs-group': '/ecs/web', 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'web', 'awslogs-create-group': 'true', mode: 'non-blocking', 'max-buffer-size': '25m',
    };
    const value = { logConfiguration: { logDriver: 'awslogs', options }, dockerLabels: { 'com.example.owner': 'team-a', version: '1.2.3' } };
    expect(maskSecrets(value)).toBe(value);
  });

  it.each([
    ['postgres://user:pw-1@host:5432/db', 'postgres://user:', 'pw-1', '@host:5432/db'],
    ['https://ghp_tok3n@github.com/org/repo.git', 'https://', 'ghp_tok3n', '@github.com/org/repo.git'],
    ['mysql://u:p@ss-w0rd@db/x', 'mysql://u:', 'p@ss-w0rd', '@db/x'],
    ['redis://:r3dis@cache:6379', 'redis://:', 'r3dis', '@cache:6379'],
    ['connect to amqp://guest:gu3st@mq:5672/ failed: ECONNREFUSED', 'amqp://guest:', 'gu3st', 'failed: ECONNREFUSED'],
    ['--db-password=hunter2 --port=80', '--db-password=', 'hunter2', '--port=80'],
    ['API_KEY=k3y exec app', 'API_KEY=', 'k3y', 'exec app'],
    ['https://api.example.com/v1?access_token=t0k&page=2', 'https://api.example.com/v1?access_token=', 't0k', '&page=2'],
    ['password="quoted-pw" next', 'password="', 'quoted-pw', 'next'],
  ])('in the text %j keeps %j, hides %j, keeps %j', (text, before, secret, after) => {
    const masked = maskSecretText(text);
    expect(masked).not.toContain(secret);
    expect(masked).toContain(before);
    expect(masked).toContain(after);
    expect(masked).toContain(MASK_PREFIX);
    expect(maskSecretText(masked)).toBe(masked);
  });

  it.each(['LOG_LEVEL=debug', 'https://example.com/path?page=2', 'nginx:1.27', 'arn:aws:ecs:eu-west-1:1:service/demo/web', 'user@example.com', 'ssh git@github.com:org/repo'])(
    'leaves %j alone', (text) => expect(maskSecretText(text)).toBe(text));

  it('uses a key of its own per process: stable within the process, not the old public constant', () => {
    expect(maskValue('hunter2')).toBe(maskValue('hunter2'));
    expect(maskSecretText('token=hunter2')).toBe(`token=${maskValue('hunter2')}`);
    expect(maskValue('hunter2')).toMatch(/^\*\*\*sha256:[0-9a-f]{32}$/);
    expect(maskValue('hunter2', { maskKey: 'ecs-gitops' })).not.toBe(maskValue('hunter2'));
  });

  it('property: masking is idempotent and returns the input when nothing changed', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = maskSecrets(value);
        expect(maskSecrets(once)).toEqual(once);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'K', 'E', 'Y', '=', ':', '/', '@', ' ', '"', '-', '&') , maxLength: 40 }), (text) => {
        const once = maskSecretText(text);
        expect(maskSecretText(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('property: a value under a map key containing a secret word never shows', () => {
    const word = fc.constantFrom('token', 'PASSWORD', 'Secret', 'api_key', 'Auth', 'credential');
    const affix = fc.stringMatching(/^[a-z0-9_.-]{0,8}$/);
    fc.assert(
      fc.property(affix, word, affix, fc.constantFrom('dockerLabels', 'options', 'driverOpts'), (a, w, b, map) => {
        const planted = `Qz9-${a}${b}-planted`;
        const value = { spec: { containerDefinitions: [{ [map]: { [`${a}${w}${b}`]: planted, plain: 'kept' } }] } };
        const text = JSON.stringify(maskSecrets(value));
        expect(text).not.toContain(planted);
        expect(text).toContain('kept');
      }),
      { numRuns: 200 },
    );
  });

  it('stays linear on 200 KB hostile strings (timings printed, not asserted)', () => {
    const size = 200_000;
    const hostile: Record<string, string> = {
      'one long word': 'a'.repeat(size),
      'long word then ://': `${'a'.repeat(size)}://`,
      ':// then no @': `x://${'a'.repeat(size)}`,
      'many :// without @': 'a://b'.repeat(size / 5),
      'many :': ':'.repeat(size),
      'name= runs': 'ab='.repeat(size / 3),
      'unclosed quotes': 'token="'.repeat(size / 7),
      'secret name, long value': `password=${'x'.repeat(size)}`,
      'userinfo with many @': `s://${'@'.repeat(size)}`,
    };
    for (const [label, text] of Object.entries(hostile)) {
      const start = performance.now();
      const masked = maskSecretText(text);
      const ms = performance.now() - start;
      console.log(`maskSecretText on ${label} (${text.length} chars): ${ms.toFixed(1)} ms`);
      expect(typeof masked).toBe('string');
    }
    expect(maskSecretText(hostile['secret name, long value'] as string)).toBe(`password=${maskValue('x'.repeat(size))}`);
  });
});
