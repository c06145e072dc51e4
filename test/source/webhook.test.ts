/**
 * The webhook handler: GitHub HMAC signatures and GitLab tokens, ping and
 * non-push events, ref filtering, malformed and oversized bodies. A request
 * that fails verification must never call onPush.
 */
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWebhookHandler, refMatches, type PushEvent } from '../../src/source/webhook.js';

const SECRET = 'it-is-a-secret';

function sign(body: Buffer, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function pushBody(ref = 'refs/heads/main', after = 'a'.repeat(40)): Buffer {
  return Buffer.from(JSON.stringify({ ref, after, repository: { full_name: 'org/manifests' } }));
}

function setup(options: { ref?: string; maxBodyBytes?: number } = {}) {
  const pushes: PushEvent[] = [];
  const handler = createWebhookHandler({ secret: SECRET, ref: options.ref ?? 'main', maxBodyBytes: options.maxBodyBytes, onPush: (e) => void pushes.push(e) });
  return { handler, pushes };
}

/** `signature: null` sends no signature header. */
function github(body: Buffer, event = 'push', signature: string | null = sign(body)): { headers: IncomingHttpHeaders; body: Buffer } {
  const headers: IncomingHttpHeaders = { 'x-github-event': event, 'x-github-delivery': 'd-1', 'content-type': 'application/json' };
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return { headers, body };
}

function gitlab(body: Buffer, token: string | undefined = SECRET, event = 'Push Hook'): { headers: IncomingHttpHeaders; body: Buffer } {
  const headers: IncomingHttpHeaders = { 'x-gitlab-event': event, 'content-type': 'application/json' };
  if (token !== undefined) headers['x-gitlab-token'] = token;
  return { headers, body };
}

const changedByte = (() => {
  const body = pushBody();
  const tampered = Buffer.from(body);
  tampered[10] = (tampered[10] ?? 0) ^ 0x01;
  return { headers: github(body).headers, body: tampered }; // signature of the original, body with one byte changed
})();

describe('webhook handler', () => {
  const cases: Array<{ name: string; request: () => { headers: IncomingHttpHeaders; body: Buffer }; status: number; code?: string; pushes: number; ref?: string }> = [
    { name: 'GitHub push to the followed branch, valid signature', request: () => github(pushBody()), status: 202, pushes: 1 },
    { name: 'GitHub invalid signature', request: () => github(pushBody(), 'push', sign(pushBody(), 'other-secret')), status: 401, code: 'SOURCE_WEBHOOK_UNAUTHORIZED', pushes: 0 },
    { name: 'GitHub signature that is not even hex', request: () => github(pushBody(), 'push', 'sha256=zz'), status: 401, code: 'SOURCE_WEBHOOK_UNAUTHORIZED', pushes: 0 },
    { name: 'no signature or token at all', request: () => github(pushBody(), 'push', null), status: 401, code: 'SOURCE_WEBHOOK_UNAUTHORIZED', pushes: 0 },
    { name: 'replayed body with one changed byte', request: () => changedByte, status: 401, code: 'SOURCE_WEBHOOK_UNAUTHORIZED', pushes: 0 },
    { name: 'GitHub push to another branch', request: () => github(pushBody('refs/heads/dev')), status: 200, pushes: 0 },
    { name: 'GitHub non-push event', request: () => github(pushBody(), 'issues'), status: 200, pushes: 0 },
    { name: 'GitHub ping', request: () => github(Buffer.from('{"zen":"hi"}'), 'ping'), status: 200, pushes: 0 },
    { name: 'malformed JSON, validly signed', request: () => github(Buffer.from('{"ref": ')), status: 400, code: 'SOURCE_WEBHOOK_BAD_REQUEST', pushes: 0 },
    { name: 'push without a ref', request: () => github(Buffer.from('{"after":"x"}')), status: 400, code: 'SOURCE_WEBHOOK_BAD_REQUEST', pushes: 0 },
    { name: 'malformed JSON with a bad signature is 401, not 400', request: () => github(Buffer.from('{"ref": '), 'push', 'sha256=00'), status: 401, code: 'SOURCE_WEBHOOK_UNAUTHORIZED', pushes: 0 },
    { name: 'GitLab push with the right token', request: () => gitlab(pushBody()), status: 202, pushes: 1 },
    { name: 'GitLab wrong token', request: () => gitlab(pushBody(), 'nope'), status: 401, code: 'SOURCE_WEBHOOK_UNAUTHORIZED', pushes: 0 },
    { name: 'GitLab token that is a prefix of the secret', request: () => gitlab(pushBody(), SECRET.slice(0, 5)), status: 401, code: 'SOURCE_WEBHOOK_UNAUTHORIZED', pushes: 0 },
    { name: 'GitLab merge request event', request: () => gitlab(pushBody(), SECRET, 'Merge Request Hook'), status: 200, pushes: 0 },
    { name: 'GitLab push to another branch', request: () => gitlab(pushBody('refs/heads/feature')), status: 200, pushes: 0 },
    {
      name: 'GitHub form-encoded payload',
      request: () => {
        const body = Buffer.from(`payload=${encodeURIComponent(pushBody().toString())}`);
        return { headers: { ...github(body).headers, 'content-type': 'application/x-www-form-urlencoded' }, body };
      },
      status: 202,
      pushes: 1,
    },
  ];

  it.each(cases)('$name -> $status', async ({ request, status, code, pushes: expectedPushes }) => {
    const { handler, pushes } = setup();
    const response = await handler(request());
    expect(response.status).toBe(status);
    if (code) expect(response.body).toMatchObject({ error: { code } });
    expect(pushes).toHaveLength(expectedPushes);
  });

  it('passes the ref and commit of an accepted push to onPush', async () => {
    const { handler, pushes } = setup();
    const response = await handler(github(pushBody('refs/heads/main', 'b'.repeat(40))));
    expect(response.body).toEqual({ triggered: true, ref: 'refs/heads/main', after: 'b'.repeat(40) });
    expect(pushes).toEqual([{ provider: 'github', ref: 'refs/heads/main', after: 'b'.repeat(40), delivery: 'd-1' }]);
  });

  it('refuses an oversized body before verifying or parsing it', async () => {
    const { handler, pushes } = setup({ maxBodyBytes: 64 });
    const big = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', padding: 'x'.repeat(100) }));
    const response = await handler(github(big));
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ error: { code: 'SOURCE_WEBHOOK_TOO_LARGE' } });
    expect(pushes).toHaveLength(0);
    expect((await handler(github(pushBody()))).status).toBe(413); // ~90 bytes, still over 64
  });

  it('rejects every single-byte change of a signed body (property)', async () => {
    const { handler, pushes } = setup();
    const body = pushBody();
    const signature = sign(body);
    await fc.assert(
      fc.asyncProperty(fc.nat(body.length - 1), fc.integer({ min: 1, max: 255 }), async (index, flip) => {
        const tampered = Buffer.from(body);
        tampered[index] = (tampered[index] ?? 0) ^ flip;
        const response = await handler(github(tampered, 'push', signature));
        expect(response.status).toBe(401);
      }),
      { numRuns: 200 },
    );
    expect(pushes).toHaveLength(0);
  });

  it('answers 500 without claiming success when onPush fails', async () => {
    const handler = createWebhookHandler({ secret: SECRET, ref: 'main', onPush: () => Promise.reject(new Error('boom')) });
    expect((await handler(github(pushBody()))).status).toBe(500);
  });

  it('ignores a replay of a signed delivery: the second copy does not call onPush', async () => {
    const { handler, pushes } = setup();
    expect((await handler(github(pushBody()))).status).toBe(202);
    const replay = await handler(github(pushBody()));
    expect(replay).toEqual({ status: 200, body: expect.objectContaining({ triggered: false, duplicate: true }) });
    expect(pushes).toHaveLength(1);
    // A different push (another commit, another delivery) is not a replay.
    const next = github(pushBody('refs/heads/main', 'c'.repeat(40)));
    expect((await handler({ ...next, headers: { ...next.headers, 'x-github-delivery': 'd-2' } })).status).toBe(202);
    expect(pushes).toHaveLength(2);
  });

  it('decides on the headers alone what needs no body', () => {
    const { handler } = setup();
    const check = handler.checkHeaders;
    expect(check).toBeTypeOf('function');
    expect(check?.({ 'x-github-event': 'push' })).toMatchObject({ status: 401, body: { error: { code: 'SOURCE_WEBHOOK_UNAUTHORIZED' } } });
    expect(check?.({ 'x-gitlab-token': 'nope' })).toMatchObject({ status: 401 });
    expect(check?.({ 'x-hub-signature-256': 'sha1=abc' })).toMatchObject({ status: 401 });
    expect(check?.({ 'x-gitlab-token': SECRET })).toBeUndefined();
    expect(check?.({ 'x-hub-signature-256': sign(pushBody()) })).toBeUndefined();
  });

  it('refuses an empty secret', () => {
    expect(() => createWebhookHandler({ secret: '', ref: 'main', onPush: () => undefined })).toThrow(expect.objectContaining({ code: 'SOURCE_WEBHOOK_SECRET_INVALID' }));
  });

  it.each([
    ['main', 'refs/heads/main', true],
    ['main', 'refs/tags/main', true],
    ['main', 'refs/heads/main2', false],
    ['refs/heads/main', 'refs/heads/main', true],
    ['refs/heads/main', 'refs/tags/main', false],
    ['v1.2', 'refs/tags/v1.2', true],
    ['release/1', 'refs/heads/release/1', true],
  ])('refMatches(%s, %s) = %s', (configured, payload, expected) => {
    expect(refMatches(configured, payload)).toBe(expected);
  });
});
