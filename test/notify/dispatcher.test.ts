/**
 * The dispatcher against real loopback receivers: exactly once per (event,
 * sink) across repeats and restarts, order, retries (5xx, 429 Retry-After,
 * resets, timeouts), rejections, give-up, a misconfigured sink, and secrets
 * kept out of logs and status.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControllerEvent } from '../../src/events/types.js';
import type { DesiredNotifier, NotifierSpec } from '../../src/manifests/types.js';
import { createDispatcher, notifierSelects, type DispatcherOptions } from '../../src/notify/dispatcher.js';
import { createFileJournal, createMemoryJournal } from '../../src/notify/journal.js';
import { createSink } from '../../src/notify/sinks/index.js';
import type { JournalEntry, NotificationJournal } from '../../src/notify/types.js';
import { capturedLogger, makeEvent, startReceiver, until, type Answer, type Receiver } from './receiver.js';

const SLACK_TOKEN = 'PlantedSlackToken42';
const HMAC_KEY = 'planted-hmac-key-5b1e';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(pathname = '/hook'): Promise<Receiver> {
  const started = await startReceiver(pathname);
  cleanups.push(() => started.close());
  return started;
}

function notifier(name: string, spec: NotifierSpec): DesiredNotifier {
  return {
    key: `notifier:${name}`,
    name,
    manifest: { apiVersion: 'ecs-gitops/v1', kind: 'Notifier', metadata: { name }, spec } as DesiredNotifier['manifest'],
    source: { file: `notifiers/${name}.yaml`, line: 1, column: 1 },
    contentHash: name,
  };
}

function dispatcher(overrides: Partial<DispatcherOptions> & { journal?: NotificationJournal } = {}) {
  const log = capturedLogger();
  const registry = new Registry();
  const created = createDispatcher({
    journal: createMemoryJournal(),
    // Long enough for a loaded machine's first request: a timeout sends the event again (as it should), which these counts would see.
    deps: { timeoutMs: 5000 },
    env: {},
    cwd: process.cwd(),
    logger: log.logger,
    registry,
    retry: { baseMs: 10, maxMs: 40, maxAttempts: 5 },
    ...overrides,
  });
  cleanups.push(() => created.close({ graceMs: 0 }));
  return { dispatcher: created, log, registry };
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const found = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = found?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value;
}

const events = (n: number, overrides: Partial<ControllerEvent> = {}) =>
  Array.from({ length: n }, (_, i) => makeEvent({ revision: `${i}`.padStart(40, 'a'), message: `event ${i}`, ...overrides }));

function deliveries(target: Receiver): string[] {
  return target.arrivals.map((arrival) => String(arrival.headers['x-ecs-gitops-delivery']));
}

describe('dispatcher', () => {
  it('sends each event once per sink however often it is published, in order', async () => {
    const [hook, other] = [await receiver(), await receiver()];
    const { dispatcher: d, registry } = dispatcher();
    d.configure([notifier('team', { sinks: [{ type: 'webhook', url: hook.url }, { type: 'webhook', url: other.url }] })]);
    await d.start();
    const list = events(5);
    for (const event of [...list, ...list, list[2] as ControllerEvent]) d.publish(event);
    await d.idle();
    expect(deliveries(hook)).toEqual(list.map((event) => event.id));
    expect(deliveries(other)).toEqual(list.map((event) => event.id));
    expect(d.status()).toEqual([{ key: 'notifier:team', name: 'team', source: 'notifiers/team.yaml', sinks: [
      { id: 'team/webhook', type: 'webhook', pending: 0, delivered: 5, givenUp: 0, lastDeliveredAt: expect.any(String) as unknown },
      { id: 'team/webhook-2', type: 'webhook', pending: 0, delivered: 5, givenUp: 0, lastDeliveredAt: expect.any(String) as unknown },
    ] }]);
    expect(await metric(registry, 'ecs_gitops_notifications_total', { notifier: 'team', sink: 'webhook-2', type: 'RolloutCompleted', result: 'delivered' })).toBe(5);
  });

  it('keeps order through retries: 5xx, a reset and a receiver that hangs are retried, the next event waits', async () => {
    const hook = await receiver();
    hook.script.push({ status: 503 }, 'reset', 'hang');
    const { dispatcher: d, registry } = dispatcher({ deps: { timeoutMs: 1000 } });
    d.configure([notifier('team', { sinks: [{ type: 'webhook', url: hook.url }] })]);
    await d.start();
    const list = events(3);
    for (const event of list) d.publish(event);
    await d.idle();
    const first = list[0]?.id as string;
    expect(deliveries(hook)).toEqual([first, first, first, first, list[1]?.id, list[2]?.id]);
    expect(await metric(registry, 'ecs_gitops_notification_retries_total', { notifier: 'team', sink: 'webhook' })).toBe(3);
  });

  it('honours Retry-After on a 429', async () => {
    const hook = await receiver();
    hook.script.push({ status: 429, headers: { 'retry-after': '1' } });
    const { dispatcher: d } = dispatcher({ retry: { baseMs: 1, maxMs: 1, maxAttempts: 3 } });
    d.configure([notifier('team', { sinks: [{ type: 'webhook', url: hook.url }] })]);
    await d.start();
    d.publish(makeEvent());
    await d.idle();
    expect(hook.arrivals).toHaveLength(2);
    const gap = (hook.arrivals[1]?.at ?? 0) - (hook.arrivals[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(950);
  });

  it('does not retry a 4xx: the event is given up (rejected) with a log line and a metric, and the next is sent', async () => {
    const hook = await receiver();
    hook.script.push({ status: 401, body: 'bad signature' });
    const { dispatcher: d, log, registry } = dispatcher();
    d.configure([notifier('team', { sinks: [{ type: 'webhook', url: hook.url }] })]);
    await d.start();
    const list = events(2);
    for (const event of list) d.publish(event);
    await d.idle();
    expect(deliveries(hook)).toEqual(list.map((event) => event.id));
    expect(log.lines().find((line) => line.code === 'NOTIFY_DELIVERY_REJECTED')).toMatchObject({ level: 'warn', sink: 'team/webhook', eventId: list[0]?.id, reason: 'team/webhook: HTTP 401: bad signature' });
    expect(d.status()[0]?.sinks[0]).toMatchObject({ delivered: 1, givenUp: 1, lastError: { code: 'NOTIFY_DELIVERY_REJECTED' } });
    expect(await metric(registry, 'ecs_gitops_notifications_total', { sink: 'webhook', type: 'RolloutCompleted', result: 'rejected' })).toBe(1);
  });

  it('gives up after maxAttempts with a warning naming the sink, the event and the last reason', async () => {
    const hook = await receiver();
    hook.fallback = { status: 500, body: 'still down' };
    const { dispatcher: d, log, registry } = dispatcher({ retry: { baseMs: 1, maxMs: 5, maxAttempts: 4 } });
    d.configure([notifier('team', { sinks: [{ type: 'webhook', url: hook.url }] })]);
    await d.start();
    const event = makeEvent({ type: 'RolloutFailed', code: 'CONTROLLER_ROLLOUT_FAILED' });
    d.publish(event);
    await d.idle();
    expect(hook.arrivals).toHaveLength(4);
    expect(log.lines().find((line) => line.code === 'NOTIFY_DELIVERY_GIVEN_UP')).toMatchObject({
      level: 'warn', sink: 'team/webhook', eventType: 'RolloutFailed', eventId: event.id, attempts: 4, reason: 'team/webhook: HTTP 500: still down',
    });
    expect(await metric(registry, 'ecs_gitops_notifications_total', { sink: 'webhook', type: 'RolloutFailed', result: 'given_up' })).toBe(1);
  });

  it('rate-limits each sink', async () => {
    const hook = await receiver();
    const { dispatcher: d } = dispatcher();
    d.configure([notifier('team', { sinks: [{ type: 'webhook', url: hook.url, ratePerSecond: 10, burst: 1 }] })]);
    await d.start();
    for (const event of events(4)) d.publish(event);
    await d.idle();
    const span = (hook.arrivals[3]?.at ?? 0) - (hook.arrivals[0]?.at ?? 0);
    expect(span).toBeGreaterThanOrEqual(280);
  });

  it('sends only what a notifier selects', () => {
    const selects = notifierSelects({ events: ['RolloutFailed', 'RolloutCompleted'], selector: { clusters: ['prod*'], services: ['check*'], minSeverity: 'error' }, sinks: [] });
    expect(selects(makeEvent({ type: 'RolloutFailed' }))).toBe(true);
    expect(selects(makeEvent({ type: 'RolloutCompleted' }))).toBe(false); // info < error
    expect(selects(makeEvent({ type: 'ImageNotFound' }))).toBe(false); // not in events
    expect(selects(makeEvent({ type: 'RolloutFailed', cluster: 'staging' }))).toBe(false);
    expect(selects(makeEvent({ type: 'RolloutFailed', serviceName: 'cart', service: 'eu-west-1/prod/cart' }))).toBe(false);
    expect(notifierSelects({ selector: { services: ['eu-west-1/prod/*'] }, sinks: [] })(makeEvent())).toBe(true);
    expect(notifierSelects({ selector: { environments: ['prod*'] }, sinks: [] })(makeEvent({ environment: undefined }))).toBe(false);
    expect(notifierSelects({ sinks: [] })(makeEvent({ type: 'SyncStarted' }))).toBe(true);
  });
});

describe('a sink removed and restored', () => {
  const team = (url: string) => notifier('team', { sinks: [{ type: 'webhook', url }] });

  /** The receiver answers the first request with `first`; e1 and e2 are published, e1 has arrived, and the notifier is then removed. */
  async function removedWithTwoPublished(first: Answer) {
    const hook = await receiver();
    hook.script.push(first);
    const { dispatcher: d } = dispatcher();
    d.configure([team(hook.url)]);
    await d.start();
    const [e1, e2, e3] = events(3);
    if (!e1 || !e2 || !e3) throw new Error('events');
    d.publish(e1);
    d.publish(e2);
    await until(() => hook.arrivals.length === 1);
    d.configure([]);
    return { hook, d, e1, e2, e3 };
  }

  it('while its worker waits on Retry-After: every event is sent, in order, once, honouring the wait', async () => {
    // A snapshot without the notifier (its file broke and was fixed in the next commit), then with it again.
    const { hook, d, e1, e2, e3 } = await removedWithTwoPublished({ status: 429, headers: { 'retry-after': '1' } });
    d.configure([team(hook.url)]);
    d.publish(e3);
    await d.idle();
    expect(deliveries(hook)).toEqual([e1.id, e1.id, e2.id, e3.id]);
    expect((hook.arrivals[1]?.at ?? 0) - (hook.arrivals[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(d.status()[0]?.sinks[0]).toMatchObject({ pending: 0, delivered: 3 });
  });

  it('while a request is out: the restored sink waits for it, so the next event never overtakes or overlaps it', async () => {
    const { hook, d, e1, e2, e3 } = await removedWithTwoPublished({ status: 200, delayMs: 300 });
    d.configure([team(hook.url)]);
    d.publish(e3);
    await d.idle();
    expect(deliveries(hook)).toEqual([e1.id, e2.id, e3.id]);
    // One request at a time: the second left after the first's answer (300 ms).
    expect((hook.arrivals[1]?.at ?? 0) - (hook.arrivals[0]?.at ?? 0)).toBeGreaterThanOrEqual(280);
    expect(d.status()[0]?.sinks[0]).toMatchObject({ pending: 0, delivered: 3 });
  });

  it('removed while its worker sleeps: the worker wakes at once and keeps its events for the sink\'s return, in order', async () => {
    const { hook, d, e1, e2, e3 } = await removedWithTwoPublished({ status: 429, headers: { 'retry-after': '30' } });
    const woke = await Promise.race([d.idle().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000))]);
    expect(woke).toBe(true);
    d.configure([team(hook.url)]);
    d.publish(e3);
    await d.idle();
    expect(deliveries(hook)).toEqual([e1.id, e1.id, e2.id, e3.id]);
    expect(d.status()[0]?.sinks[0]).toMatchObject({ pending: 0, delivered: 3 });
  });
});

describe('restarts', () => {
  it('a dispatcher closed mid-flight and a new one on the same journal send each event exactly once', async () => {
    const hook = await receiver();
    hook.fallback = { status: 200, delayMs: 30 };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'notify-restart-')), 'notifications.jsonl');
    const spec: NotifierSpec = { sinks: [{ type: 'webhook', url: hook.url }] };
    const list = events(12);
    const first = dispatcher({ journal: createFileJournal(file) });
    first.dispatcher.configure([notifier('team', spec)]);
    await first.dispatcher.start();
    for (const event of list) first.dispatcher.publish(event);
    await until(() => hook.arrivals.length >= 4);
    // In-flight attempts may finish (grace), the rest stays journaled.
    await first.dispatcher.close({ graceMs: 2000 });
    const sentBefore = hook.arrivals.length;
    expect(sentBefore).toBeLessThan(12);

    const second = dispatcher({ journal: createFileJournal(file) });
    second.dispatcher.configure([notifier('team', spec)]);
    // The controller re-derives the same transitions after a restart.
    for (const event of list) second.dispatcher.publish(event);
    await second.dispatcher.start();
    for (const event of list) second.dispatcher.publish(event);
    await second.dispatcher.idle();
    expect(deliveries(hook)).toEqual(list.map((event) => event.id));
  });

  it('a delivery a crash left unconfirmed is checked with alreadyDelivered, else sent again (the documented window)', async () => {
    const hook = await receiver();
    hook.script.push('hang', 'hang');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'notify-crash-')), 'notifications.jsonl');
    const spec: NotifierSpec = { sinks: [{ type: 'webhook', url: hook.url }] };
    const [checked] = events(1);
    if (!checked) throw new Error('events');
    const crashed = dispatcher({ journal: createFileJournal(file), deps: { timeoutMs: 60_000 } });
    crashed.dispatcher.configure([notifier('team', { sinks: [...spec.sinks, { type: 'webhook', name: 'plain', url: hook.url }] })]);
    await crashed.dispatcher.start();
    crashed.dispatcher.publish(checked);
    await until(() => hook.arrivals.length === 2);
    // No grace: the request is out, its answer never read; the journal says `sending`.
    await crashed.dispatcher.close({ graceMs: 0 });

    const seen = () => new Set(deliveries(hook));
    const restarted = dispatcher({
      journal: createFileJournal(file),
      createSink: (name, sinkSpec, index, options) => {
        const sink = createSink(name, sinkSpec, index, options);
        return sinkSpec.name === 'plain' ? sink : { ...sink, alreadyDelivered: (event) => Promise.resolve(seen().has(event.id)) };
      },
    });
    restarted.dispatcher.configure([notifier('team', { sinks: [...spec.sinks, { type: 'webhook', name: 'plain', url: hook.url }] })]);
    await restarted.dispatcher.start();
    await restarted.dispatcher.idle();
    // Both attempts reached the receiver before the crash. team/webhook asks alreadyDelivered: not
    // sent again. team/plain has no way to ask: sent again, once (receivers dedupe on the delivery id).
    expect(restarted.dispatcher.status()[0]?.sinks.map((s) => [s.id, s.delivered])).toEqual([['team/webhook', 1], ['team/plain', 1]]);
    expect(deliveries(hook)).toEqual([checked.id, checked.id, checked.id]);
    expect(restarted.log.text()).toContain('found delivered; not sent again');
  });
});

/** The `queued` records on disk now, as `sink eventId`. */
function queuedOnDisk(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as JournalEntry)
    .filter((entry) => entry.state === 'queued').map((entry) => `${entry.sink} ${entry.eventId}`);
}

/** Whether the promise settles within ms. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  clearTimeout(timer);
  return settled;
}

describe('flushed', () => {
  it('resolves once every published event\'s queued record is on disk, for each sink, without waiting for delivery', async () => {
    const hook = await receiver();
    hook.fallback = 'hang';
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'notify-flushed-')), 'notifications.jsonl');
    const { dispatcher: d } = dispatcher({ journal: createFileJournal(file), deps: { timeoutMs: 60_000 } });
    d.configure([notifier('team', { sinks: [{ type: 'webhook', url: hook.url }, { type: 'webhook', name: 'other', url: hook.url }] })]);
    await d.start();
    expect(await settlesWithin(d.flushed(), 50)).toBe(true);
    const list = events(40);
    for (const event of list) d.publish(event);
    // The first request hangs: flushed() is about the journal, not the receivers.
    expect(await settlesWithin(d.flushed(), 5000)).toBe(true);
    expect(queuedOnDisk(file).sort()).toEqual(list.flatMap((event) => [`team/webhook ${event.id}`, `team/other ${event.id}`]).sort());
    expect(d.status()[0]?.sinks.map((sink) => sink.pending)).toEqual([40, 40]);
  });

  it('waits for events published before start() until start() journals them', async () => {
    const hook = await receiver();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'notify-flushed-early-')), 'notifications.jsonl');
    const { dispatcher: d } = dispatcher({ journal: createFileJournal(file) });
    d.configure([notifier('team', { sinks: [{ type: 'webhook', url: hook.url }] })]);
    const [early] = events(1);
    if (!early) throw new Error('events');
    d.publish(early);
    const flushed = d.flushed();
    expect(await settlesWithin(flushed, 100)).toBe(false);
    await d.start();
    await flushed;
    expect(queuedOnDisk(file)).toEqual([`team/webhook ${early.id}`]);
  });

  it('does not hang when the dispatcher closes before it started', async () => {
    const { dispatcher: d } = dispatcher();
    d.configure([notifier('team', { sinks: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook' }] })]);
    d.publish(makeEvent());
    const flushed = d.flushed();
    await d.close({ graceMs: 0 });
    expect(await settlesWithin(flushed, 1000)).toBe(true);
  });
});

describe('misconfiguration and secrets', () => {
  it('a missing secret file is a status error and a metric, not a crash; its events wait and go once it is fixed', async () => {
    const hook = await receiver();
    const dir = mkdtempSync(path.join(tmpdir(), 'notify-missing-'));
    const { dispatcher: d, registry } = dispatcher({ cwd: dir });
    const team = notifier('team', { sinks: [{ type: 'webhook', url: hook.url, secretFile: 'hmac-key' }] });
    expect(() => d.configure([team])).not.toThrow();
    await d.start();
    const event = makeEvent();
    d.publish(event);
    await d.idle();
    expect(hook.arrivals).toHaveLength(0);
    expect(d.status()[0]?.sinks[0]).toMatchObject({
      id: 'team/webhook', pending: 1,
      lastError: { code: 'NOTIFY_SECRET_MISSING', message: `notifier sink team/webhook: secretFile ${path.join(dir, 'hmac-key')} cannot be read (ENOENT)` },
    });
    expect(await metric(registry, 'ecs_gitops_notifier_sink_up', { notifier: 'team', sink: 'webhook' })).toBe(0);
    expect(await metric(registry, 'ecs_gitops_notification_pending', { notifier: 'team', sink: 'webhook' })).toBe(1);

    writeFileSync(path.join(dir, 'hmac-key'), `${HMAC_KEY}\n`);
    d.configure([team]);
    await d.idle();
    expect(deliveries(hook)).toEqual([event.id]);
    expect(d.status()[0]?.sinks[0]).toMatchObject({ pending: 0, delivered: 1 });
    expect(d.status()[0]?.sinks[0]).not.toHaveProperty('lastError');
    expect(await metric(registry, 'ecs_gitops_notifier_sink_up', { notifier: 'team', sink: 'webhook' })).toBe(1);
  });

  it('never shows a planted secret in a log line, status or error, whatever the receivers answer', async () => {
    const slack = await receiver(`/services/T0001/B0001/${SLACK_TOKEN}`);
    const hook = await receiver();
    slack.script.push({ status: 500, body: `upstream error at ${slack.url}` }, { status: 403, body: `invalid_token ${SLACK_TOKEN} key=${HMAC_KEY}` });
    hook.script.push({ status: 502, body: `bad gateway; your key ${HMAC_KEY}` }, 'reset', { status: 400, body: `rejected ${HMAC_KEY}` });
    const { dispatcher: d, log } = dispatcher({ env: { SLACK_URL: slack.url, HOOK_KEY: HMAC_KEY } });
    d.configure([notifier('team', {
      sinks: [
        { type: 'slack', urlEnv: 'SLACK_URL' },
        { type: 'webhook', url: hook.url, secretEnv: 'HOOK_KEY' },
        { type: 'webhook', name: 'broken', urlEnv: 'NOT_SET', secretEnv: 'HOOK_KEY' },
      ],
    })]);
    await d.start();
    for (const event of events(2)) d.publish(event);
    await d.idle();
    expect(slack.arrivals.length).toBeGreaterThanOrEqual(2);
    expect(hook.arrivals.length).toBeGreaterThanOrEqual(3);
    const shown = `${log.text()}\n${JSON.stringify(d.status())}`;
    expect(shown).toContain('NOTIFY_DELIVERY_REJECTED');
    expect(shown).toContain('NOTIFY_SECRET_MISSING');
    for (const secret of [SLACK_TOKEN, HMAC_KEY, '/services/T0001']) expect(shown).not.toContain(secret);
  });
});
