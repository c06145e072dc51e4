/**
 * Scenario 7 (issue 23): what notifications cost a deploy. The same mass
 * rollout as scenario 3 (one commit changes the image of every service; a
 * quarter BLUE_GREEN), run twice on identical fresh fleets and sandboxes:
 * once by a controller with no notifier, once by one whose checkout declares
 * a `kind: Notifier` with a webhook sink pointed at a loopback receiver that
 * answers each request only after 2 s (a slow Slack). Both controllers keep
 * their state dir (--state-dir: open deploys, and the notification journal)
 * on this machine's disk. docs/notifications.md says delivery is off the
 * reconcile path and an apply waits for one state-dir write (its SyncStarted
 * recorded before the first ECS write, docs/controller.md "Events"); this
 * measures whether that holds from outside:
 *
 * - commit -> last UpdateService and commit -> every rollout ended, with and
 *   without the notifier (their ratio);
 * - commit-to-apply latency of single-service commits made while the slow
 *   sink still works through the mass rollout's backlog, the two controllers'
 *   rounds alternating (both stay up from their mass rollout to the end);
 * - the controller's RSS at the same point of both runs (event rings,
 *   journal index, the sink's queue), and after the backlog drained;
 * - commit -> the last notification's arrival at the receiver, against what
 *   the sink's rate limit allows and against one delivery at a time (each
 *   sink sends one event at a time, docs/notifications.md "Delivery"), and
 *   the notifications counted: every expected one, none twice.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import type { EventType } from '../../src/events/types.js';
import type { Fleet } from '../lib/fixture.js';
import { git } from '../lib/fixture.js';
import { waitFor, type ControllerProcess } from '../lib/processes.js';
import type { SandboxAdminClient } from '../lib/sandbox-admin.js';

/** How long the receiver takes to answer each notification: a slow Slack. */
export const SLOW_RECEIVER_DELAY_MS = 2000;

/**
 * The events the bench notifier sends: what a deploy channel or a commit
 * status wants (pending, then success or failure). Two per deploy, so the
 * full run's backlog drains in minutes rather than the twenty all event
 * types would take at one delivery per 2 s.
 */
export const NOTIFIED_EVENTS: readonly EventType[] = ['SyncStarted', 'RolloutCompleted', 'RolloutFailed'];

/** The sink's rate limit: Slack's one message a second per webhook (docs/notifications.md, "Slack"). */
export const SINK_RATE_PER_SECOND = 1;

/** Notifications a deploy of one service sends: its SyncStarted and how its rollout ended. */
export const NOTIFICATIONS_PER_DEPLOY = 2;

/** One request the receiver got. */
export interface Arrival {
  /** Wall-clock ms when the request's body had arrived (before the receiver's delay). */
  readonly at: number;
  /** X-Ecs-Gitops-Delivery: the event id. */
  readonly id: string;
  readonly type: string;
}

/**
 * A webhook receiver on 127.0.0.1 that reads each request, notes it, and
 * answers 200 only after `delayMs`.
 */
export class SlowReceiver {
  private constructor(private readonly server: Server, readonly url: string, readonly arrivals: Arrival[]) {}

  static async start(delayMs: number): Promise<SlowReceiver> {
    const arrivals: Arrival[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let type = String(req.headers['x-ecs-gitops-event'] ?? '');
        if (type === '') {
          try {
            type = String((JSON.parse(body) as { type?: unknown }).type ?? '');
          } catch {
            type = '';
          }
        }
        arrivals.push({ at: Date.now(), id: String(req.headers['x-ecs-gitops-delivery'] ?? ''), type });
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
        }, delayMs);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new SlowReceiver(server, `http://127.0.0.1:${port}/hooks/ecs-gitops`, arrivals);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The bench notifier: every service of the fleet, NOTIFIED_EVENTS, one webhook sink at Slack's rate. */
export function benchNotifierManifest(receiverUrl: string): string {
  return stringify({
    apiVersion: 'ecs-gitops/v1',
    kind: 'Notifier',
    metadata: { name: 'bench' },
    spec: {
      events: [...NOTIFIED_EVENTS],
      sinks: [{ type: 'webhook', name: 'slow', url: receiverUrl, ratePerSecond: SINK_RATE_PER_SECOND }],
    },
  });
}

/** Adds notifiers/bench.yaml to the fleet's checkout and commits it (before the controller starts). */
export function addBenchNotifier(fleet: Fleet, receiverUrl: string): void {
  mkdirSync(path.join(fleet.root, 'notifiers'), { recursive: true });
  writeFileSync(path.join(fleet.root, 'notifiers', 'bench.yaml'), benchNotifierManifest(receiverUrl));
  git(fleet.root, 'add', 'notifiers');
  git(fleet.root, 'commit', '-q', '-m', 'bench: a notifier with a slow webhook sink');
}

/**
 * The fastest the sink could deliver `events` queued at once: its token
 * bucket (burst, then ratePerSecond) alone, and with one delivery at a time
 * whose answer takes `delayMs` (the dispatcher's worker, docs/notifications.md
 * "Delivery"): the n-th request cannot leave before both the n-th token and
 * the answer to the (n-1)-th. Seconds from the first request to the last. Pure.
 */
export function deliveryIdealSeconds(events: number, ratePerSecond: number, burst: number, delayMs: number): { rate: number; oneAtATime: number } {
  if (events <= 0) return { rate: 0, oneAtATime: 0 };
  const rate = Math.max(0, (events - burst) / ratePerSecond);
  let sentAt = 0;
  for (let n = 2; n <= events; n++) {
    const token = Math.max(0, (n - burst) / ratePerSecond);
    sentAt = Math.max(token, sentAt + delayMs / 1000);
  }
  return { rate, oneAtATime: sentAt };
}

interface StatusBody {
  services: { cluster: string; service: string; lastAppliedRevision?: string; rollout?: { result?: string } }[];
  notifiers?: { name: string; sinks: { id: string; pending: number; delivered: number; givenUp: number }[] }[];
}

async function status(controller: ControllerProcess): Promise<StatusBody> {
  return (await (await fetch(`${controller.url}/api/v1/status`)).json()) as StatusBody;
}

/**
 * Waits until the controller's status shows every service of the fleet with
 * the commit applied (HEAD) and its rollout ended; ms since the epoch then,
 * and the rollouts' results.
 */
export async function waitForRolloutsEnded(controller: ControllerProcess, fleet: Fleet, timeoutMs: number): Promise<{ at: number; results: Record<string, number> }> {
  const head = git(fleet.root, 'rev-parse', 'HEAD').trim();
  const all = new Set(fleet.refs.map((r) => `${r.cluster}/${r.name}`));
  return waitFor('every rollout of the commit ended in the controller status', async () => {
    const now = Date.now();
    const mine = (await status(controller)).services.filter((s) => all.has(`${s.cluster}/${s.service}`));
    const ended = mine.filter((s) => s.lastAppliedRevision === head && s.rollout?.result !== undefined);
    if (ended.length < all.size) return undefined;
    const results: Record<string, number> = {};
    for (const s of ended) results[s.rollout?.result ?? '?'] = (results[s.rollout?.result ?? '?'] ?? 0) + 1;
    return { at: now, results };
  }, timeoutMs, 250, controller.proc);
}

/** The controller's RSS now and its peak so far (VmHWM), in MB, from /proc. */
export function rssMb(pid: number): { rss: number; peak: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export interface DrainResult {
  /** Notifications the receiver got (requests), and distinct event ids among them. */
  readonly received: number;
  readonly distinct: number;
  /** What the commits should have produced: NOTIFICATIONS_PER_DEPLOY per service deploy. */
  readonly expected: number;
  /** The sink's counts in /api/v1/status at the end. */
  readonly delivered: number;
  readonly givenUp: number;
  /** Requests that arrived before the mass commit (a notifier has nothing to say about an in-sync fleet: 0). */
  readonly beforeCommit: number;
  /** Commit -> first and last arrival. */
  readonly firstArrivalSeconds: number;
  readonly lastArrivalSeconds: number;
  /** deliveryIdealSeconds for `distinct`, measured from the first arrival. */
  readonly idealRateSeconds: number;
  readonly idealOneAtATimeSeconds: number;
  /** Arrivals per type. */
  readonly byType: Record<string, number>;
  /** Largest gap between consecutive arrivals, and their median (ms): the receiver's delay plus what the controller adds. */
  readonly gapP50Ms: number;
  readonly gapMaxMs: number;
}

/**
 * Waits until the sink has nothing pending and the receiver has every
 * expected notification (or nothing more came for `quietMs` with nothing
 * pending: then the count falls short, and the figure says so).
 */
export async function measureDrain(
  controller: ControllerProcess, receiver: SlowReceiver, committedAt: number, expected: number, timeoutMs: number, quietMs = 15_000,
): Promise<DrainResult> {
  let sink = { pending: 0, delivered: 0, givenUp: 0 };
  await waitFor('the slow sink to deliver every notification', async () => {
    const notifier = (await status(controller)).notifiers?.find((n) => n.name === 'bench');
    const s = notifier?.sinks[0];
    if (!s) return undefined;
    sink = s;
    if (s.pending > 0) return undefined;
    const distinct = new Set(receiver.arrivals.map((a) => a.id)).size;
    const last = receiver.arrivals.at(-1)?.at ?? 0;
    return distinct >= expected || Date.now() - last > quietMs ? true : undefined;
  }, timeoutMs, 500, controller.proc);
  const arrivals = receiver.arrivals;
  const after = arrivals.filter((a) => a.at >= committedAt);
  const first = after[0]?.at ?? committedAt;
  const last = after.at(-1)?.at ?? committedAt;
  const distinct = new Set(arrivals.map((a) => a.id)).size;
  const ideal = deliveryIdealSeconds(distinct, SINK_RATE_PER_SECOND, Math.max(1, Math.ceil(SINK_RATE_PER_SECOND)), SLOW_RECEIVER_DELAY_MS);
  const byType: Record<string, number> = {};
  for (const a of arrivals) byType[a.type] = (byType[a.type] ?? 0) + 1;
  const gaps = after.slice(1).map((a, i) => a.at - (after[i]?.at ?? a.at)).sort((x, y) => x - y);
  return {
    received: arrivals.length,
    distinct,
    expected,
    delivered: sink.delivered,
    givenUp: sink.givenUp,
    beforeCommit: arrivals.length - after.length,
    firstArrivalSeconds: (first - committedAt) / 1000,
    lastArrivalSeconds: (last - committedAt) / 1000,
    idealRateSeconds: ideal.rate,
    idealOneAtATimeSeconds: ideal.oneAtATime,
    byType,
    gapP50Ms: gaps[Math.floor((gaps.length - 1) / 2)] ?? 0,
    gapMaxMs: gaps.at(-1) ?? 0,
  };
}

/**
 * One round of scenario 2's measurement (commit-to-apply.ts) on `fleet`: a new
 * image for one service, committed; ms from just before the write to the
 * sandbox receiving its UpdateService. Rounds of the two controllers
 * alternate, so a change in the shared machine's load falls on both sides.
 */
export async function measureOneCommit(controller: ControllerProcess, admin: SandboxAdminClient, fleet: Fleet, round: number): Promise<number> {
  const ref = fleet.refs[(round * 37 + 11) % fleet.refs.length];
  if (!ref) throw new Error('empty fleet');
  fleet.setImage(ref.family, `public.ecr.aws/nginx/nginx:1.29.${round + 1}`);
  const t0 = Date.now();
  fleet.commit([ref], `bench: bump ${ref.name} (round ${round + 1})`);
  const update = await waitFor(`UpdateService for ${ref.name}`, async () => {
    const calls = await admin.callLog({ operation: 'UpdateService', since: t0 });
    return calls.find((c) => c.outcome === 'ok' && (c.target === ref.name || c.target?.endsWith(`/${ref.name}`)));
  }, 30_000, 10, controller.proc);
  // Let the apply (tags, status) finish before the next commit; the rollout is followed in the background.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return update.at - t0;
}
