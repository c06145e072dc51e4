/** The Slack and webhook sinks against a real loopback receiver: bodies, headers, signature and how answers are classified. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetryAfter, MAX_RETRY_AFTER_MS } from '../../src/notify/http-post.js';
import { createSlackSink } from '../../src/notify/sinks/slack.js';
import { createWebhookSink, WEBHOOK_FIELDS } from '../../src/notify/sinks/webhook.js';
import type { Sink } from '../../src/notify/types.js';
import { VERSION } from '../../src/version.js';
import { makeEvent, startReceiver, type Receiver } from './receiver.js';

// Long enough for a loaded machine's first request; the hanging receiver's test sets its own.
const deps = { timeoutMs: 5000 };
const KEY = 'planted-hmac-key-5b1e';
const signal = new AbortController().signal;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver('/services/T0001/B0001/PlantedSlackToken42');
});
afterAll(() => receiver.close());

function webhook(signed = true): Sink {
  return createWebhookSink('team/webhook', { type: 'webhook', url: receiver.url }, signed ? { url: receiver.url, hmacKey: KEY } : { url: receiver.url }, deps);
}

describe('webhook sink', () => {
  it('posts one JSON object per event, signed over the raw bytes, with the event id as delivery and idempotency key', async () => {
    receiver.arrivals.length = 0;
    const event = makeEvent({ type: 'DriftDetected', cause: 'live', message: 'desiredCount 3 → 5 changed outside Git' });
    expect(await webhook().deliver(event, signal)).toEqual({ kind: 'delivered' });
    const [arrival] = receiver.arrivals;
    if (!arrival) throw new Error('no request');
    // What a receiver does: HMAC over the bytes as received, constant-time compare.
    const expected = Buffer.from(`sha256=${createHmac('sha256', KEY).update(arrival.raw).digest('hex')}`);
    const given = Buffer.from(String(arrival.headers['x-ecs-gitops-signature']));
    expect(given.length === expected.length && timingSafeEqual(given, expected)).toBe(true);
    expect(arrival.headers).toMatchObject({
      'content-type': 'application/json',
      'x-ecs-gitops-event': 'DriftDetected',
      'x-ecs-gitops-delivery': event.id,
      'idempotency-key': event.id,
      'user-agent': `ecs-gitops/${VERSION}`,
    });
    const body = JSON.parse(arrival.raw.toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(WEBHOOK_FIELDS.filter((field) => event[field] !== undefined));
    expect(body).toMatchObject({ id: event.id, type: 'DriftDetected', severity: 'warning', cause: 'live', revision: event.revision, deploymentId: event.deploymentId, message: event.message });
    expect(body).not.toHaveProperty('account');
    expect(body).not.toHaveProperty('seq');
  });

  it('sends no signature without a key, and one that fails to verify under another key', async () => {
    receiver.arrivals.length = 0;
    await webhook(false).deliver(makeEvent(), signal);
    expect(receiver.arrivals[0]?.headers).not.toHaveProperty('x-ecs-gitops-signature');
    await webhook().deliver(makeEvent(), signal);
    const arrival = receiver.arrivals[1];
    expect(arrival?.headers['x-ecs-gitops-signature']).not.toBe(`sha256=${createHmac('sha256', 'other-key').update(arrival?.raw ?? '').digest('hex')}`);
  });
});

describe('slack sink', () => {
  it('posts a Block Kit message with a header, the message, the facts as fields and a text fallback', async () => {
    receiver.arrivals.length = 0;
    const sink = createSlackSink('team/slack', { type: 'slack', urlEnv: 'X' }, { url: receiver.url }, { ...deps, externalUrl: 'https://gitops.example.com' });
    const event = makeEvent({ message: 'checkout <b>&</b> done' });
    expect(await sink.deliver(event, signal)).toEqual({ kind: 'delivered' });
    const body = receiver.bodies()[0] as { text: string; blocks: Array<Record<string, unknown>> };
    expect(body.text).toBe(':white_check_mark: checkout rollout completed: checkout <b>&</b> done');
    expect(body.blocks.map((block) => block.type)).toEqual(['header', 'section', 'context']);
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: ':white_check_mark: checkout rollout completed', emoji: true } });
    expect(body.blocks[1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: 'checkout &lt;b&gt;&amp;&lt;/b&gt; done' },
      fields: [
        { type: 'mrkdwn', text: '*Service*\n`eu-west-1/prod/checkout`' },
        { type: 'mrkdwn', text: '*Cluster*\n`prod`' },
        { type: 'mrkdwn', text: '*Environment*\n`production`' },
        { type: 'mrkdwn', text: '*Revision*\n`0123456789ab`' },
        { type: 'mrkdwn', text: '*Deployment*\n`AbCdEf123`' },
      ],
    });
    expect(body.blocks[2]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'ecs-gitops · RolloutCompleted · 2026-01-01T12:00:00.000Z · <https://gitops.example.com|controller>' }] });
  });
});

describe('answers', () => {
  const sink = (timeoutMs = deps.timeoutMs) => createSlackSink('team/slack', { type: 'slack', urlEnv: 'X' }, { url: receiver.url }, { timeoutMs });

  it.each([
    [{ status: 200 }, { kind: 'delivered' }],
    [{ status: 204 }, { kind: 'delivered' }],
    [{ status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' }, { kind: 'retry', reason: 'team/slack: HTTP 429: rate_limited', afterMs: 7000 }],
    [{ status: 503, body: 'upstream down' }, { kind: 'retry', reason: 'team/slack: HTTP 503: upstream down' }],
    [{ status: 408 }, { kind: 'retry', reason: 'team/slack: HTTP 408' }],
    [{ status: 503, headers: { 'retry-after': '2' } }, { kind: 'retry', reason: 'team/slack: HTTP 503', afterMs: 2000 }],
    [{ status: 404, body: 'no_service' }, { kind: 'rejected', reason: 'team/slack: HTTP 404: no_service' }],
    [{ status: 301, headers: { location: 'https://elsewhere.test/' } }, { kind: 'rejected', reason: 'team/slack: HTTP 301 redirect not followed (point the sink at the final URL)' }],
  ] as const)('%j is %j', async (answer, result) => {
    receiver.script.push(answer);
    expect(await sink().deliver(makeEvent(), signal)).toEqual(result);
  });

  it('retries a reset and a receiver that does not answer in time', async () => {
    receiver.script.push('reset', 'hang');
    expect(await sink().deliver(makeEvent(), signal)).toEqual({ kind: 'retry', reason: expect.stringMatching(/^team\/slack: (ECONNRESET|UND_ERR_SOCKET|network error)/) as unknown });
    expect(await sink(300).deliver(makeEvent(), signal)).toEqual({ kind: 'retry', reason: 'team/slack: no answer within 300 ms' });
  });

  it('never quotes the URL or its token, even when the answer echoes it', async () => {
    receiver.script.push({ status: 403, body: `invalid_token for ${receiver.url} (token PlantedSlackToken42)` });
    const result = await sink().deliver(makeEvent(), signal);
    expect(result.kind).toBe('rejected');
    expect(JSON.stringify(result)).not.toContain('PlantedSlackToken42');
    expect(JSON.stringify(result)).not.toContain('/services/');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it.each([
    ['0', 0],
    ['30', 30_000],
    [' 5 ', 5000],
    ['Thu, 01 Jan 2026 12:00:10 GMT', 10_000],
    ['Thu, 01 Jan 2026 11:00:00 GMT', 0],
    ['86400', MAX_RETRY_AFTER_MS],
    ['soon', undefined],
    [null, undefined],
  ])('%j is %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
