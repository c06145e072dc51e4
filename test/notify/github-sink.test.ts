/**
 * The GitHub commit-status sink against a loopback GitHub API
 * (test/support/git-host-receivers.ts): the exact request per event type,
 * what is skipped, alreadyDelivered, and how failures are classified. The
 * token must never show up in a result.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_SEVERITY, type ControllerEvent, type EventType } from '../../src/events/types.js';
import { USER_AGENT } from '../../src/notify/http-post.js';
import { createGitHubSink } from '../../src/notify/sinks/github.js';
import type { Sink } from '../../src/notify/types.js';
import { startGitHubReceiver, type GitHostReceiver } from '../support/git-host-receivers.js';

const TOKEN = 'ghp_planted_secret_token_0123456789';
const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';

function event(type: EventType, overrides: Partial<ControllerEvent> = {}): ControllerEvent {
  return {
    id: `id-${type}`, seq: 1, type, severity: EVENT_SEVERITY[type], service: '123456789012@eu-west-1/demo/web', account: '123456789012',
    region: 'eu-west-1', cluster: 'demo', serviceName: 'web', environment: 'prod', revision: SHA,
    deploymentId: 'ecs-svc/1234567890', at: '2025-01-01T00:00:00.000Z', message: `web ${type}`, ...overrides,
  };
}

let receiver: GitHostReceiver;
let sink: Sink;
const signal = new AbortController().signal;

beforeAll(async () => {
  receiver = await startGitHubReceiver({ token: TOKEN });
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.reset();
  sink = createGitHubSink('team/github', { type: 'github', repository: 'acme/shop', apiUrl: receiver.url }, { token: TOKEN }, { timeoutMs: 2000 });
});

describe('GitHub commit-status sink', () => {
  it.each([
    ['SyncStarted', {}, 'pending'],
    ['Applied', {}, 'pending'],
    ['Applied', { final: true }, 'success'],
    ['RolloutCompleted', {}, 'success'],
    ['RolloutFailed', {}, 'failure'],
    ['ReconcileFailing', { code: 'CONTROLLER_APPLY_FAILED' }, 'failure'],
  ] as const)('%s %o posts state %s to the real path with the documented headers', async (type, extra, state) => {
    expect(await sink.deliver(event(type, extra), signal)).toEqual({ kind: 'delivered' });
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/repos/acme/shop/statuses/${SHA}`);
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28',
      'user-agent': USER_AGENT, 'content-type': 'application/json',
    });
    expect(request?.body).toEqual({ state, context: 'ecs-gitops/demo/web/prod', description: `web ${type}` });
  });

  it('renders context and target_url templates, and cuts the description to 140 characters', async () => {
    const custom = createGitHubSink('team/github', {
      type: 'github', repository: 'acme/shop', apiUrl: receiver.url, context: 'deploy/{environment}/{cluster}/{service}',
      targetUrl: 'https://ecs-gitops.example/{region}/{service}',
    }, { token: TOKEN }, { timeoutMs: 2000 });
    await custom.deliver(event('RolloutCompleted', { message: 'x'.repeat(300) }), signal);
    const body = receiver.requests[0]?.body as Record<string, string>;
    expect(body.context).toBe('deploy/prod/demo/web');
    expect(body.target_url).toBe('https://ecs-gitops.example/eu-west-1/web');
    expect([...body.description as string]).toHaveLength(140);
    expect(receiver.statuses()).toHaveLength(1);
  });

  it.each(['DriftDetected', 'DriftCorrected', 'ImageNotFound', 'PruneBlocked', 'ReconcileRecovered', 'HookFailed'] as const)(
    'skips %s without a request', async (type) => {
      expect(await sink.deliver(event(type), signal)).toEqual({ kind: 'skipped' });
      expect(receiver.requests).toHaveLength(0);
    },
  );

  it.each([`${SHA}-dirty`, 'unversioned:0123456789ab'])('skips revision %s (not a commit) with a reason', async (revision) => {
    const result = await sink.deliver(event('RolloutCompleted', { revision }), signal);
    expect(result.kind).toBe('skipped');
    expect(result.kind === 'skipped' ? result.reason : '').toContain(revision);
    expect(receiver.requests).toHaveLength(0);
  });

  it('an apply that keeps failing leaves pending for failure, with the ReconcileFailing message as description', async () => {
    const message = "web failed 3 passes in a row: CONTROLLER_APPLY_FAILED: RegisterTaskDefinition: Invalid 'memory' setting for container 'web'";
    for (const sent of [event('SyncStarted'), event('ReconcileFailing', { code: 'CONTROLLER_APPLY_FAILED', message })]) expect(await sink.deliver(sent, signal)).toEqual({ kind: 'delivered' });
    expect(receiver.requests.map((r) => (r.body as { state: string; description: string }))).toEqual([
      { state: 'pending', context: 'ecs-gitops/demo/web/prod', description: 'web SyncStarted' },
      { state: 'failure', context: 'ecs-gitops/demo/web/prod', description: message },
    ]);
  });

  it('alreadyDelivered: true only when the newest status of this context has the same state and description', async () => {
    const started = event('SyncStarted');
    const done = event('RolloutCompleted');
    expect(await sink.alreadyDelivered?.(started, signal)).toBe(false);
    await sink.deliver(started, signal);
    expect(await sink.alreadyDelivered?.(started, signal)).toBe(true);
    // Same state (pending), other description: Applied has not been shown yet.
    expect(await sink.alreadyDelivered?.(event('Applied'), signal)).toBe(false);
    await sink.deliver(done, signal);
    expect(await sink.alreadyDelivered?.(done, signal)).toBe(true);
    // The newest status now is the success: the earlier pending no longer counts.
    expect(await sink.alreadyDelivered?.(started, signal)).toBe(false);
    const get = receiver.requests.find((r) => r.method === 'GET');
    expect(get?.path).toBe(`/repos/acme/shop/commits/${SHA}/statuses?per_page=100`);
    expect(get?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('a bad token is rejected (401), without the token in the reason', async () => {
    const wrong = createGitHubSink('team/github', { type: 'github', repository: 'acme/shop', apiUrl: receiver.url }, { token: `${TOKEN}-revoked` }, { timeoutMs: 2000 });
    const result = await wrong.deliver(event('SyncStarted'), signal);
    expect(result.kind).toBe('rejected');
    expect(JSON.stringify(result)).toContain('401');
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('a token the API echoes back is masked in the reason', async () => {
    receiver.fail(1, { status: 422, body: { message: `token ${TOKEN} cannot do that` } });
    const result = await sink.deliver(event('SyncStarted'), signal);
    expect(result.kind).toBe('rejected');
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('5xx, 429 with Retry-After, a 403 rate limit and a reset are retried; nothing is stored by a failed attempt', async () => {
    receiver.fail(1, { status: 502 });
    expect((await sink.deliver(event('SyncStarted'), signal)).kind).toBe('retry');
    receiver.fail(1, { status: 429, retryAfter: '7' });
    expect(await sink.deliver(event('SyncStarted'), signal)).toMatchObject({ kind: 'retry', afterMs: 7000 });
    receiver.fail(1, { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 30) } });
    const limited = await sink.deliver(event('SyncStarted'), signal);
    expect(limited.kind).toBe('retry');
    expect(limited.kind === 'retry' ? limited.afterMs : 0).toBeGreaterThan(25_000);
    receiver.fail(1, { reset: true });
    const reset = await sink.deliver(event('SyncStarted'), signal);
    expect(reset.kind).toBe('retry');
    expect(JSON.stringify(reset)).not.toContain(TOKEN);
    expect(receiver.statuses()).toHaveLength(0);
    expect(await sink.deliver(event('SyncStarted'), signal)).toEqual({ kind: 'delivered' });
  });

  it('a 403 without rate-limit headers (no permission) is rejected', async () => {
    receiver.fail(1, { status: 403, body: { message: 'Resource not accessible by integration' } });
    expect((await sink.deliver(event('SyncStarted'), signal)).kind).toBe('rejected');
  });

  it('a slow API is a retry after the timeout', async () => {
    const quick = createGitHubSink('team/github', { type: 'github', repository: 'acme/shop', apiUrl: receiver.url }, { token: TOKEN }, { timeoutMs: 100 });
    receiver.fail(1, { delayMs: 500 });
    const result = await quick.deliver(event('SyncStarted'), signal);
    expect(result.kind).toBe('retry');
  });
});
