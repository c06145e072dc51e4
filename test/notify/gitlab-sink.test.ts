/**
 * The GitLab commit-status sink against a loopback GitLab API
 * (test/support/git-host-receivers.ts): the exact request per event type, a
 * project path URL-encoded, the "already in this state" 400 taken as
 * delivered, alreadyDelivered, and failures classified without the token.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_SEVERITY, type ControllerEvent, type EventType } from '../../src/events/types.js';
import { alreadyInState, createGitLabSink } from '../../src/notify/sinks/gitlab.js';
import type { Sink } from '../../src/notify/types.js';
import { startGitLabReceiver, type GitHostReceiver } from '../support/git-host-receivers.js';

const TOKEN = 'glpat-planted-secret-token-abcdef';
const SHA = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';

function event(type: EventType, overrides: Partial<ControllerEvent> = {}): ControllerEvent {
  return {
    id: `id-${type}`, seq: 1, type, severity: EVENT_SEVERITY[type], service: 'eu-west-1/demo/web', region: 'eu-west-1', cluster: 'demo',
    serviceName: 'web', revision: SHA, at: '2025-01-01T00:00:00.000Z', message: `web ${type}`, ...overrides,
  };
}

let receiver: GitHostReceiver;
let sink: Sink;
const signal = new AbortController().signal;

beforeAll(async () => {
  receiver = await startGitLabReceiver({ token: TOKEN });
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.reset();
  sink = createGitLabSink('team/gitlab', { type: 'gitlab', project: 'acme/platform/shop', apiUrl: receiver.url }, { token: TOKEN }, { timeoutMs: 2000 });
});

describe('GitLab commit-status sink', () => {
  it.each([
    ['SyncStarted', {}, 'pending'],
    ['Applied', {}, 'running'],
    ['Applied', { final: true }, 'success'],
    ['RolloutCompleted', {}, 'success'],
    ['RolloutFailed', {}, 'failed'],
    ['ReconcileFailing', { code: 'CONTROLLER_APPLY_FAILED' }, 'failed'],
  ] as const)('%s %o posts state %s with PRIVATE-TOKEN to the project path, URL-encoded', async (type, extra, state) => {
    expect(await sink.deliver(event(type, extra), signal)).toEqual({ kind: 'delivered' });
    const request = receiver.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/api/v4/projects/acme%2Fplatform%2Fshop/statuses/${SHA}`);
    expect(request?.headers['private-token']).toBe(TOKEN);
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body).toEqual({ state, name: 'ecs-gitops/demo/web', description: `web ${type}` });
  });

  it('a whole deploy moves the status pending -> running -> success, each accepted once', async () => {
    for (const type of ['SyncStarted', 'Applied', 'RolloutCompleted'] as const) expect(await sink.deliver(event(type), signal)).toEqual({ kind: 'delivered' });
    expect(receiver.statuses(SHA).map((s) => s.state)).toEqual(['pending', 'running', 'success']);
    expect(receiver.requests.map((r) => r.answered)).toEqual([201, 201, 201]);
  });

  it('an apply that keeps failing leaves pending for failed, with the ReconcileFailing message as description', async () => {
    const message = "web failed 3 passes in a row: CONTROLLER_APPLY_FAILED: RegisterTaskDefinition: Invalid 'memory' setting for container 'web'";
    for (const sent of [event('SyncStarted'), event('ReconcileFailing', { code: 'CONTROLLER_APPLY_FAILED', message })]) expect(await sink.deliver(sent, signal)).toEqual({ kind: 'delivered' });
    expect(receiver.statuses(SHA).map((s) => [s.state, s.description])).toEqual([['pending', 'web SyncStarted'], ['failed', message]]);
  });

  it('a repeated post GitLab refuses as "already in this state" (400) counts as delivered', async () => {
    await sink.deliver(event('Applied'), signal);
    expect(await sink.deliver(event('Applied'), signal)).toEqual({ kind: 'delivered' });
    expect(receiver.requests.map((r) => r.answered)).toEqual([201, 400]);
    expect(receiver.statuses()).toHaveLength(1);
  });

  it('a refusal from another state is still rejected', async () => {
    receiver.fail(1, { status: 400, body: { message: 'Cannot transition status via :run from :success (Reason(s): Status cannot transition via "run")' } });
    expect((await sink.deliver(event('Applied'), signal)).kind).toBe('rejected');
    expect(alreadyInState('Cannot transition status via :run from :running (Reason(s): ...)', 'running')).toBe(true);
    expect(alreadyInState('Cannot transition status via :run from :success', 'running')).toBe(false);
    expect(alreadyInState(undefined, 'running')).toBe(false);
  });

  it('a numeric project id goes as it is', async () => {
    const numeric = createGitLabSink('team/gitlab', { type: 'gitlab', project: '4711', apiUrl: receiver.url }, { token: TOKEN }, { timeoutMs: 2000 });
    await numeric.deliver(event('SyncStarted'), signal);
    expect(receiver.requests[0]?.path).toBe(`/api/v4/projects/4711/statuses/${SHA}`);
  });

  it.each(['DriftDetected', 'ImageNotFound', 'PruneBlocked'] as const)('skips %s without a request', async (type) => {
    expect(await sink.deliver(event(type), signal)).toEqual({ kind: 'skipped' });
    expect(receiver.requests).toHaveLength(0);
  });

  it('skips a revision that is not a commit, with a reason', async () => {
    const result = await sink.deliver(event('RolloutCompleted', { revision: 'unversioned:0123456789ab' }), signal);
    expect(result).toEqual({ kind: 'skipped', reason: expect.stringContaining('unversioned:0123456789ab') as unknown });
    expect(receiver.requests).toHaveLength(0);
  });

  it('alreadyDelivered reads the latest status of this name', async () => {
    expect(await sink.alreadyDelivered?.(event('SyncStarted'), signal)).toBe(false);
    await sink.deliver(event('SyncStarted'), signal);
    expect(await sink.alreadyDelivered?.(event('SyncStarted'), signal)).toBe(true);
    await sink.deliver(event('Applied'), signal);
    expect(await sink.alreadyDelivered?.(event('SyncStarted'), signal)).toBe(false);
    expect(await sink.alreadyDelivered?.(event('Applied'), signal)).toBe(true);
    const get = receiver.requests.find((r) => r.method === 'GET');
    expect(get?.path).toBe(`/api/v4/projects/acme%2Fplatform%2Fshop/repository/commits/${SHA}/statuses?name=ecs-gitops%2Fdemo%2Fweb`);
  });

  it('401 is rejected and 5xx retried, never with the token in the reason', async () => {
    const wrong = createGitLabSink('team/gitlab', { type: 'gitlab', project: '4711', apiUrl: receiver.url }, { token: 'glpat-other' }, { timeoutMs: 2000 });
    const unauthorized = await wrong.deliver(event('SyncStarted'), signal);
    expect(unauthorized.kind).toBe('rejected');
    receiver.fail(1, { status: 503, body: { message: `down, token ${TOKEN}` } });
    const unavailable = await sink.deliver(event('SyncStarted'), signal);
    expect(unavailable.kind).toBe('retry');
    expect(JSON.stringify([unauthorized, unavailable])).not.toContain(TOKEN);
    expect(JSON.stringify(unavailable)).toContain('503');
  });
});
