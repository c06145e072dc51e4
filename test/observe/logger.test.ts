import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, lazyChild, type CreateLoggerOptions } from '../../src/observe/logger.js';

const SECRET = 'planted-Secret-value-4c1d';

function captured(options: Omit<CreateLoggerOptions, 'destination'> = {}) {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const logger = createLogger({ ...options, destination: stream });
  return {
    logger,
    text: () => Buffer.concat(chunks).toString('utf8'),
    lines: () =>
      Buffer.concat(chunks)
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON object per line with level name, ISO time and message', () => {
    const out = captured();
    out.logger.info({ key: 'eu-west-1/prod/web' }, 'reconciled');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'info', key: 'eu-west-1/prod/web', msg: 'reconciled' });
    expect(typeof line?.time).toBe('string');
    expect(Number.isNaN(Date.parse(String(line?.time)))).toBe(false);
  });

  it('honours the level', () => {
    const out = captured({ level: 'warn' });
    out.logger.info('hidden');
    out.logger.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });

  it('rejects an unknown level, naming it', () => {
    expect(() => createLogger({ level: 'verbose' })).toThrow(/"verbose"/);
  });

  it('lazyChild makes no child for calls at disabled levels, and one child with the bindings otherwise', () => {
    const out = captured({ level: 'info' });
    let made = 0;
    const log = lazyChild(out.logger, () => (made++, { key: 'k', reconcileId: 'r-1', password: SECRET }));
    log.debug({ detail: 1 }, 'hidden');
    log.trace('hidden too');
    expect(made).toBe(0);
    expect(out.lines()).toEqual([]);
    log.info({ action: 'update_service' }, 'applied');
    log.warn('second line');
    expect(made).toBe(1);
    expect(out.lines()).toMatchObject([
      { key: 'k', reconcileId: 'r-1', action: 'update_service', msg: 'applied' },
      { key: 'k', reconcileId: 'r-1', msg: 'second line' },
    ]);
    // The bindings went through the scrubbing child, as an eager child's do.
    expect(out.text()).not.toContain(SECRET);
    // Once made, even a disabled level goes to the real child (a no-op there).
    log.debug('still hidden');
    expect(out.lines()).toHaveLength(2);
  });

  it('carries child bindings (reconcile context) on every line', () => {
    const out = captured();
    const child = out.logger.child({ key: 'k', revision: 'abc123', reconcileId: 'r-1' });
    child.info({ action: 'update_service' }, 'apply action');
    expect(out.lines()[0]).toMatchObject({ key: 'k', revision: 'abc123', reconcileId: 'r-1', action: 'update_service' });
  });

  it('prints human-readable lines in pretty format, without colours when asked', () => {
    const out = captured({ format: 'pretty', colorize: false });
    out.logger.info({ key: 'k' }, 'hello pretty');
    const text = out.text();
    expect(text).toMatch(/INFO.*hello pretty/);
    expect(text).not.toMatch(/^\{/);
    expect(text).not.toContain('\u001b[');
  });

  it.each([
    ['request authorization header', { headers: { authorization: `Bearer ${SECRET}` } }],
    ['webhook signature header', { headers: { 'x-hub-signature-256': `sha256=${SECRET}` } }],
    ['AWS credentials', { credentials: { accessKeyId: 'AKIDX', secretAccessKey: SECRET } }],
    ['nested secretAccessKey', { client: { config: { secretAccessKey: SECRET } } }],
    ['session token', { sessionToken: SECRET }],
    ['a container secrets list', { spec: { taskDefinition: { containerDefinitions: [{ secrets: [{ name: 'DB', valueFrom: SECRET }] }] } } }],
    ['a secret-named environment value', { containerDefinitions: [{ environment: [{ name: 'DB_PASSWORD', value: SECRET }] }] }],
    ['an API token in an environment value', { environment: [{ name: 'STRIPE_API_KEY', value: SECRET }] }],
    ['a password field', { db: { password: SECRET } }],
    ['a diff entry under secrets', { diff: [{ pointer: '/x', secrets: SECRET }] }],
  ])('never writes a planted secret in %s (json and pretty)', (_label, fields) => {
    for (const format of ['json', 'pretty'] as const) {
      const out = captured({ format, colorize: false });
      out.logger.info(fields, 'with fields');
      out.logger.child(fields).info('as bindings');
      out.logger.child({ nested: fields }).child({ deeper: fields }).warn('as nested bindings');
      const text = out.text();
      expect(text).toContain('[REDACTED]');
      expect(text, format).not.toContain(SECRET);
    }
  });

  it.each([
    ['a dockerLabel named like a secret', { spec: { containerDefinitions: [{ dockerLabels: { 'x-auth-token': SECRET } }] } }],
    ['a log driver option named like a secret', { logConfiguration: { options: { 'splunk-token': SECRET } } }],
    ['a URL password in an environment value', { environment: [{ name: 'DATABASE_URL', value: `postgres://app:${SECRET}@db/app` }] }],
    ['a secret flag in a command', { command: ['serve', `--db-password=${SECRET}`] }],
    ['a URL password in an error string', { err: `fetch https://ci:${SECRET}@git.example.com/repo.git failed` }],
  ])('never writes a planted secret in %s (fields, bindings)', (_label, fields) => {
    const out = captured();
    out.logger.info(fields, 'with fields');
    out.logger.child(fields).info('as bindings');
    expect(out.text()).toContain('[REDACTED]');
    expect(out.text()).not.toContain(SECRET);
  });

  it('scrubs the message text and logged Error objects too', () => {
    for (const format of ['json', 'pretty'] as const) {
      const out = captured({ format, colorize: false });
      out.logger.error({ code: 'SOURCE_GIT_FETCH_FAILED' }, `git fetch https://x-access-token:${SECRET}@github.com/org/repo.git failed`);
      out.logger.warn(`reconcile failed: InvalidParameterException: bad command --api-token=${SECRET}`);
      out.logger.error({ err: new Error(`connect postgres://app:${SECRET}@db/app refused`) }, 'with an error');
      const text = out.text();
      expect(text, format).not.toContain(SECRET);
      expect(text).toContain('https://x-access-token:[REDACTED]@github.com/org/repo.git');
      expect(text).toContain('--api-token=[REDACTED]');
      expect(text).toContain('refused');
    }
  });

  it('keeps ordinary environment values and does not mutate the logged object', () => {
    const out = captured();
    const fields = { environment: [{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'DB_PASSWORD', value: SECRET }] };
    out.logger.info(fields, 'env');
    expect(out.lines()[0]).toMatchObject({ environment: [{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'DB_PASSWORD', value: '[REDACTED]' }] });
    expect(fields.environment[1]?.value).toBe(SECRET);
  });

  it('scrubs values under the names of a user\'s --secret-pattern too (secretNamePattern), beside the default ones', () => {
    const fields = { spec: { containerDefinitions: [{ environment: [
      { name: 'DOOR_PIN', value: SECRET }, { name: 'DB_PASSWORD', value: `${SECRET}-pw` }, { name: 'LOG_LEVEL', value: 'debug' },
    ] }] } };
    for (const format of ['json', 'pretty'] as const) {
      // Control: DOOR_PIN is not secret by the default rule, so without the pattern it is printed.
      const plain = captured({ format, colorize: false });
      plain.logger.info(fields, 'default rule');
      expect(plain.text()).toContain(SECRET);
      expect(plain.text()).not.toContain(`${SECRET}-pw`);

      // A global pattern must not carry lastIndex from one line to the next.
      const out = captured({ format, colorize: false, secretNamePattern: /_pin$/gi });
      out.logger.info(fields, 'with fields');
      out.logger.info(fields, 'twice');
      out.logger.child(fields).info('as bindings');
      out.logger.child({ nested: fields }).child({ deeper: fields }).warn('as nested bindings');
      lazyChild(out.logger, () => fields).info('lazily bound');
      const text = out.text();
      expect(text, format).not.toContain(SECRET);
      expect(text).toContain('[REDACTED]');
      expect(text).toContain('debug');
    }
  });

  it('property: a secret under any secret key at any depth never reaches the output', () => {
    const secretKey = fc.constantFrom('password', 'token', 'secretAccessKey', 'secrets', 'authorization', 'sessionToken', 'apiKey', 'Authorization');
    const plainKey = fc.constantFrom('spec', 'containers', 'a', 'config', 'items', 'live', 'desired');
    // A random path down to the secret, through objects and arrays.
    const path = fc.array(fc.oneof(plainKey, fc.constant('[]')), { maxLength: 6 });
    fc.assert(
      fc.property(path, secretKey, (steps, key) => {
        let value: unknown = { [key]: SECRET };
        for (const step of [...steps].reverse()) value = step === '[]' ? [value] : { [step]: value };
        const wrapped = (Array.isArray(value) ? { list: value } : value) as Record<string, unknown>;
        const out = captured();
        out.logger.info(wrapped, 'deep');
        out.logger.child(wrapped).info('bound');
        expect(out.text()).not.toContain(SECRET);
      }),
      { numRuns: 200 },
    );
  });
});
