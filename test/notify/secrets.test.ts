import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitopsError } from '../../src/errors/index.js';
import type { NotifierSinkSpec } from '../../src/manifests/types.js';
import { readSinkSecrets } from '../../src/notify/secrets.js';

const dir = mkdtempSync(path.join(tmpdir(), 'notify-secrets-'));
const SLACK_URL = 'https://hooks.slack.com/services/T0001/B0001/PlantedSlackToken42';
writeFileSync(path.join(dir, 'slack-url'), `${SLACK_URL}\n`);
writeFileSync(path.join(dir, 'hmac'), 'planted-hmac-key\n\n');
writeFileSync(path.join(dir, 'empty'), '\n');
writeFileSync(path.join(dir, 'not-a-url'), 'ftp://example.com/PlantedFtpSecret\n');

const options = { env: { SLACK_URL, TOKEN: 'planted-token\n', EMPTY: '' }, cwd: dir, sinkId: 'team/slack' };

function thrown(spec: NotifierSinkSpec): GitopsError {
  try {
    readSinkSecrets(spec, options);
  } catch (err) {
    expect(err).toBeInstanceOf(GitopsError);
    return err as GitopsError;
  }
  throw new Error('expected readSinkSecrets to throw');
}

describe('readSinkSecrets', () => {
  it('reads files relative to cwd and variables, removing one trailing newline', () => {
    expect(readSinkSecrets({ type: 'slack', urlFile: 'slack-url' }, options)).toEqual({ url: SLACK_URL });
    expect(readSinkSecrets({ type: 'webhook', urlEnv: 'SLACK_URL', secretFile: 'hmac' }, options)).toEqual({ url: SLACK_URL, hmacKey: 'planted-hmac-key\n' });
    expect(readSinkSecrets({ type: 'github', repository: 'o/r', tokenEnv: 'TOKEN' }, options)).toEqual({ token: 'planted-token' });
    expect(readSinkSecrets({ type: 'sns', topicArn: 'arn:aws:sns:eu-west-1:123456789012:t' }, options)).toEqual({});
  });

  it.each([
    [{ type: 'slack', urlFile: 'missing' } as const, 'NOTIFY_SECRET_MISSING', [`urlFile ${path.join(dir, 'missing')}`, 'ENOENT']],
    [{ type: 'slack', urlEnv: 'UNSET_VARIABLE' } as const, 'NOTIFY_SECRET_MISSING', ['urlEnv: environment variable UNSET_VARIABLE is not set']],
    [{ type: 'webhook', url: 'http://x.test/', secretFile: 'empty' } as const, 'NOTIFY_SECRET_EMPTY', [`secretFile ${path.join(dir, 'empty')} is empty`]],
    [{ type: 'webhook', url: 'http://x.test/', secretEnv: 'EMPTY' } as const, 'NOTIFY_SECRET_EMPTY', ['secretEnv: environment variable EMPTY is empty']],
    [{ type: 'slack', urlFile: 'slack-url', urlEnv: 'SLACK_URL' } as const, 'NOTIFY_SINK_INVALID', ['only one of urlFile, urlEnv']],
    [{ type: 'slack', urlFile: 'not-a-url' } as const, 'NOTIFY_SINK_INVALID', [`urlFile ${path.join(dir, 'not-a-url')} does not hold an http`]],
    [{ type: 'webhook' } as const, 'NOTIFY_SINK_INVALID', ['a webhook sink needs one of url, urlFile, urlEnv']],
    [{ type: 'gitlab', project: 'g/p' } as const, 'NOTIFY_SINK_INVALID', ['a gitlab sink needs one of tokenFile, tokenEnv']],
  ])('%j fails with %s naming the sink, the field and the file or variable', (spec, code, parts) => {
    const err = thrown(spec as NotifierSinkSpec);
    expect(err.code).toBe(code);
    expect(err.message).toContain('notifier sink team/slack');
    for (const part of parts) expect(err.message).toContain(part);
    const shown = `${err.message} ${JSON.stringify(err.details)}`;
    for (const secret of ['PlantedSlackToken42', 'planted-hmac-key', 'planted-token', 'PlantedFtpSecret']) expect(shown).not.toContain(secret);
  });
});
