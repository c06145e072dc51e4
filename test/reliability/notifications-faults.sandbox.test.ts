/**
 * Exactly once under faults (issue 23, "Faults"): a real `run` child process
 * on a Git checkout of six services, notifying a webhook consumer (HMAC
 * checked), Slack, GitHub and GitLab commit statuses, each behind a fault
 * front (test/reliability/notify-world.ts) that fails a seeded 20 % of the
 * calls: 503, 429 with Retry-After: 1, connection resets, and answers slower
 * than the sinks' per-attempt timeout. Fifty commits, each changing one
 * service's environment (so each makes SyncStarted, Applied and
 * RolloutCompleted for that service at that revision); the controller, with
 * --state-dir, is SIGKILLed twice (right after commit 15's Applied, right
 * after commit 35's SyncStarted, both mid-deploy) and restarted on the same
 * state dir each time.
 *
 * At the end, with every sink's pending at 0: every expected event reached
 * every sink exactly once, counted raw at the receivers (per delivery id and
 * per type, revision and service), nothing else arrived, each commit's
 * GitHub statuses are pending, pending, success in that order (SyncStarted
 * and Applied both set pending: src/notify/commit-status.ts deployPhase),
 * GitLab's pending, running, success, and no RolloutCompleted reached a sink
 * before the sandbox finished that deployment.
 *
 * The sinks' per-attempt timeout is 10 s (src/app/serve.ts) and `run` has no
 * flag to lower it, so a slow answer holds a sink for 10 s: they are a small
 * share of the faults and at most three per sink, to keep the run near 90 s.
 *
 * The one repeat allowed is the documented one (docs/notifications.md,
 * "Exactly once"): a delivery the killed process's journal shows `sending` (a
 * request out, its answer never read) to a sink that cannot be asked what it
 * got (Slack, the webhook) may arrive twice; read from the journal at each
 * kill, so any other repeat fails. GitHub and GitLab are asked, and must see
 * each status exactly once.
 *
 * NOTIFY_FAULT_SEED repeats a run's faults; NOTIFY_FAULT_DUMP=<dir> keeps each
 * controller's output and the events seen there.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, eventually, serviceManifest } from '../controller/harness.js';
import { startGitHubReceiver, startGitLabReceiver, type GitHostReceiver } from '../support/git-host-receivers.js';
import { LISTEN_ANY_PORT, waitForListenUrl } from '../support/listen-url.js';
import { startControllerProcess, within, type ControllerProcess } from './controller-process.js';
import { useCrashWorld } from './crash-world.js';
import {
  git, seededRandom, startFaultFront, startPlainReceiver, verifiedWebhookEvent, type FaultFront, type PlainReceiver,
} from './notify-world.js';

const ACCOUNT = '310000000024';
const SERVICES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
const COMMITS = 50;
/** After which commit the controller is SIGKILLed, and on which of that commit's events (as soon as the controller recorded it). */
const KILLS: ReadonlyMap<number, string> = new Map([[15, 'Applied'], [35, 'SyncStarted']]);
const SEED = Number(process.env.NOTIFY_FAULT_SEED ?? 2023);
const DUMP_DIR = process.env.NOTIFY_FAULT_DUMP;
const HMAC_KEY = 'faults-hmac-key-8d2c';
const SLACK_URL_TOKEN = 'T0FAULT/B0FAULT/slackFaultSecretToken77';
const GITHUB_TOKEN = 'ghp_faultToken00000000000000000000000001';
const GITLAB_TOKEN = 'glpat-faultToken0000001';
/** A deploy's events, in the order each sink must get them. */
const DEPLOY_EVENTS = ['SyncStarted', 'Applied', 'RolloutCompleted'] as const;
/** Above the sinks' 10 s per-attempt timeout (src/app/serve.ts). */
const SLOW_MS = 11_000;

/** One commit's deploy: the revision and the one service it changed. */
interface Deploy {
  readonly commit: number;
  readonly revision: string;
  readonly service: string;
}

/** An event as the controller's /api/v1/events served it. */
interface ServedEvent {
  readonly id: string;
  readonly seq: number;
  readonly type: string;
  readonly revision: string;
  readonly serviceName?: string;
}

function serviceDoc(name: string, commit: number): Record<string, unknown> {
  const doc = serviceManifest({ name, desiredCount: 1 }) as { spec: { taskDefinition: { containerDefinitions: Array<Record<string, unknown>> } } };
  // The environment is the content each commit changes: a new task definition, so a new deployment.
  doc.spec.taskDefinition.containerDefinitions = doc.spec.taskDefinition.containerDefinitions.map((c) => ({ ...c, environment: [{ name: 'CONFIG_REV', value: String(commit) }] }));
  return doc;
}

/** Commit number by revision, for messages. */
const commitNumbers = new Map<string, number>();
const key = (type: string, revision: string, service: string | undefined) =>
  `${type} ${revision.slice(0, 7)} (commit ${commitNumbers.get(revision) ?? '?'}) ${service ?? '?'}`;

function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

/** The (event, sink) pairs a killed controller's journal left `sending`: a request out whose answer it never read. */
async function sendingInJournal(stateDir: string): Promise<Array<{ sink: string; type: string; revision: string; serviceName?: string; id: string }>> {
  const text = await readFile(path.join(stateDir, 'notifications.jsonl'), 'utf8').catch(() => '');
  const last = new Map<string, string>();
  const events = new Map<string, { type: string; revision: string; serviceName?: string }>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: { eventId: string; sink: string; state: string; event?: { type: string; revision: string; serviceName?: string } };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue; // a line the kill cut short
    }
    last.set(`${entry.eventId}|${entry.sink}`, entry.state);
    if (entry.event) events.set(entry.eventId, entry.event);
  }
  return [...last].filter(([, state]) => state === 'sending').flatMap(([pair]) => {
    const [id = '', sink = ''] = pair.split('|');
    const event = events.get(id);
    return event ? [{ sink, id, type: event.type, revision: event.revision, ...(event.serviceName ? { serviceName: event.serviceName } : {}) }] : [];
  });
}

/** What differs from "each expected key exactly once, nothing else", one line each. */
function exactlyOnceProblems(sink: string, counts: ReadonlyMap<string, number>, expected: readonly string[], inFlightAtKill: ReadonlySet<string> = new Set()): string[] {
  const problems: string[] = [];
  for (const k of expected) {
    const n = counts.get(k) ?? 0;
    // The one documented repeat (docs/notifications.md, "Exactly once"): a sink that cannot be asked what it got
    // (Slack, webhook) gets again the event whose request was out when the process died (journaled `sending`).
    if (n === 2 && inFlightAtKill.has(k)) continue;
    if (n !== 1) problems.push(`${sink}: ${k} arrived ${n} times`);
  }
  const wanted = new Set(expected);
  for (const [k, n] of counts) if (!wanted.has(k)) problems.push(`${sink}: unexpected ${k} (${n} times)`);
  return problems;
}

describe('notifications: exactly once under 20 % sink faults and two SIGKILLs', () => {
  const world = useCrashWorld(ACCOUNT);
  let repo: string;
  let stateDir: string;
  let hook: PlainReceiver;
  let slack: PlainReceiver;
  let github: GitHostReceiver;
  let gitlab: GitHostReceiver;
  const fronts: Record<'hook' | 'slack' | 'github' | 'gitlab', FaultFront> = {} as never;

  beforeAll(async () => {
    repo = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-faults-repo-'));
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-faults-state-'));
    const simNow = () => world.sandbox.clock.now();
    hook = await startPlainReceiver(simNow);
    slack = await startPlainReceiver(simNow);
    github = await startGitHubReceiver({ token: GITHUB_TOKEN });
    gitlab = await startGitLabReceiver({ token: GITLAB_TOKEN });
    const targets = { hook: new URL(hook.url).origin, slack: new URL(slack.url).origin, github: github.url, gitlab: gitlab.url };
    let n = 0;
    for (const [name, target] of Object.entries(targets) as Array<[keyof typeof fronts, string]>) {
      fronts[name] = await startFaultFront({ target, random: seededRandom(SEED + n++), simNow, slowMs: SLOW_MS, maxSlow: 3 });
    }
    git(repo, 'init', '-q', '-b', 'main');
    await mkdir(path.join(repo, 'notifiers'));
    await writeFile(path.join(repo, 'notifiers', 'team.yaml'), stringify({
      apiVersion: 'ecs-gitops/v1', kind: 'Notifier', metadata: { name: 'team' },
      spec: {
        // No `events`: every type, so an event nobody expects is counted too.
        sinks: [
          { type: 'webhook', urlEnv: 'FAULT_HOOK_URL', secretEnv: 'FAULT_HOOK_KEY' },
          // Slack's default of one a second would make 170 messages take minutes.
          { type: 'slack', urlEnv: 'FAULT_SLACK_URL', ratePerSecond: 20 },
          { type: 'github', repository: 'acme/shop', tokenEnv: 'FAULT_GITHUB_TOKEN', apiUrl: fronts.github.url },
          { type: 'gitlab', project: 'acme/shop', tokenEnv: 'FAULT_GITLAB_TOKEN', apiUrl: fronts.gitlab.url },
        ],
      },
    }));
  });
  afterAll(async () => {
    await Promise.all([hook?.close(), slack?.close(), github?.close(), gitlab?.close(), ...Object.values(fronts).map((f) => f.close())]);
    await rm(repo, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  it('delivers every deploy event once per sink, in order, none early', async () => {
    const started = Date.now();
    const env = {
      FAULT_HOOK_URL: `${fronts.hook.url}/hook`, FAULT_HOOK_KEY: HMAC_KEY,
      FAULT_SLACK_URL: `${fronts.slack.url}/services/${SLACK_URL_TOKEN}`,
      FAULT_GITHUB_TOKEN: GITHUB_TOKEN, FAULT_GITLAB_TOKEN: GITLAB_TOKEN,
    };
    let proc: ControllerProcess | undefined;
    let url = '';
    let afterSeq = 0;
    /** Every event any controller process served, by id: a process's log is gone with it. */
    const served = new Map<string, ServedEvent>();
    const kills: Array<{ commit: number; on: string; at: number }> = [];
    /** Deliveries journaled `sending` when a controller was killed: their outcome was unknown to the next process. */
    const inFlight: Array<{ sink: string; type: string; revision: string; serviceName?: string; id: string }> = [];

    const start = async () => {
      proc = startControllerProcess({
        endpoint: world.sandbox.endpoint, accountId: ACCOUNT, region: REGION, env,
        // A quiet period longer than writing a file and committing it takes: the controller reads the commit, not `<previous>-dirty`.
        args: ['--repo', repo, '--listen', LISTEN_ANY_PORT, '--resync', '2s', '--debounce', '300ms', '--state-dir', stateDir, '--log-level', 'info'],
      });
      world.current = proc;
      const running = proc;
      if (DUMP_DIR) void running.exited.then(() => writeFile(path.join(DUMP_DIR, `controller-${running.pid}.log`), running.output()));
      url = await waitForListenUrl(running.output, { stopped: () => running.child.exitCode !== null });
      afterSeq = 0;
    };
    const poll = async () => {
      const answer = (await (await fetch(`${url}/api/v1/events?after=${afterSeq}&limit=1000`)).json()) as { events: ServedEvent[] };
      for (const e of answer.events) {
        served.set(e.id, e);
        afterSeq = Math.max(afterSeq, e.seq);
      }
    };
    const hookEvents = () => hook.arrivals.map((a) => ({ ...verifiedWebhookEvent(a, HMAC_KEY), wallAt: a.wallAt }));
    /** The controller recorded it (this process or an earlier one), or the webhook got it. */
    const happened = (type: string, d: Deploy) =>
      [...served.values()].some((e) => e.type === type && e.revision === d.revision && e.serviceName === d.service)
      || hookEvents().some((e) => e.type === type && e.revision === d.revision && e.serviceName === d.service);
    let waiting = '';
    /** With NOTIFY_FAULT_DUMP=<dir>: the running controller's output and every event seen, for a failure's post-mortem. */
    const dump = (): string | undefined => {
      if (!DUMP_DIR || !proc) return undefined;
      void writeFile(path.join(DUMP_DIR, `controller-${proc.pid}.log`), proc.output());
      void writeFile(path.join(DUMP_DIR, 'events.json'), JSON.stringify({ served: [...served.values()], hook: hookEvents(), commits: [...commitNumbers] }, null, 1));
      return DUMP_DIR;
    };
    const tail = () => ({
      dumped: dump(),
      waiting, elapsedMs: Date.now() - started, kills, hook: hook.arrivals.length, slack: slack.arrivals.length,
      github: github.statuses().length, gitlab: gitlab.statuses().length, out: proc?.output().slice(-3000),
    });

    const commit = async (n: number, services: readonly string[], message: string): Promise<string> => {
      for (const service of services) await writeFile(path.join(repo, `${service}.yaml`), stringify(serviceDoc(service, n)));
      git(repo, 'add', '-A');
      git(repo, 'commit', '-q', '-m', message);
      const revision = git(repo, 'rev-parse', 'HEAD');
      commitNumbers.set(revision, n);
      return revision;
    };

    // Commit 0 declares all six services; then each commit changes one of them.
    const rev0 = await commit(0, SERVICES, 'all services');
    const deploys: Deploy[] = SERVICES.map((service) => ({ commit: 0, revision: rev0, service }));
    await start();
    for (let n = 1; n <= COMMITS; n++) {
      const service = SERVICES[(n - 1) % SERVICES.length] as string;
      const previous = [...deploys].reverse().find((d) => d.service === service) as Deploy;
      const last = deploys[deploys.length - 1] as Deploy;
      // The controller has seen the last commit (each revision is its own pass), and this service's last rollout is over (a new
      // apply would replace it, and its RolloutCompleted never come).
      waiting = `commit ${n}: SyncStarted of commit ${last.commit} (${last.service}) and RolloutCompleted of commit ${previous.commit} (${previous.service})`;
      await eventually(async () => {
        await poll();
        return happened('SyncStarted', last) && happened('RolloutCompleted', previous);
      }, tail, 60_000);
      const revision = await commit(n, [service], `${service} config ${n}`);
      deploys.push({ commit: n, revision, service });
      const killOn = KILLS.get(n);
      if (killOn !== undefined) {
        const d = deploys[deploys.length - 1] as Deploy;
        await eventually(async () => {
          await poll();
          return happened(killOn, d);
        }, tail, 60_000);
        const victim = proc as ControllerProcess;
        victim.child.kill('SIGKILL');
        kills.push({ commit: n, on: killOn, at: Date.now() });
        expect((await within(victim.exited, 10_000, 'SIGKILLed controller')).signal).toBe('SIGKILL');
        for (const entry of await sendingInJournal(stateDir)) inFlight.push(entry);
        await start();
        // The restarted controller finishes the deploy it was killed in before Git moves on: the events stay this commit's.
        waiting = `restart after commit ${n}: RolloutCompleted of commit ${n} (${service})`;
        await eventually(async () => {
          await poll();
          return happened('RolloutCompleted', d);
        }, tail, 60_000);
      }
    }

    // Everything arrives and nothing is left pending.
    const expected = deploys.flatMap((d) => DEPLOY_EVENTS.map((type) => ({ type, d })));
    const pending = async () => {
      const status = (await (await fetch(`${url}/api/v1/status`)).json()) as { notifiers?: Array<{ sinks: Array<{ id: string; pending: number; givenUp: number }> }> };
      return status.notifiers?.[0]?.sinks ?? [];
    };
    await eventually(async () => {
      await poll();
      const got = new Set(hookEvents().map((e) => key(e.type, e.revision, e.serviceName)));
      const sinks = await pending();
      return expected.every(({ type, d }) => got.has(key(type, d.revision, d.service)))
        && github.statuses().filter((s) => s.state === 'success').length >= deploys.length
        && gitlab.statuses().filter((s) => s.state === 'success').length >= deploys.length
        && slack.arrivals.length >= expected.length
        && sinks.length === 4 && sinks.every((s) => s.pending === 0);
    }, async () => ({ ...tail(), sinks: await pending().catch(() => 'unreachable') }), 120_000);
    // Two resyncs and a rollout poll more: nothing late.
    await new Promise((resolve) => setTimeout(resolve, 5000));

    const sinks = await pending();
    expect(sinks.map((s) => [s.id, s.pending, s.givenUp])).toEqual([['team/webhook', 0, 0], ['team/slack', 0, 0], ['team/github', 0, 0], ['team/gitlab', 0, 0]]);
    // The faults happened: each sink was failed, slow answers included (they are what a timeout looks like).
    for (const [name, front] of Object.entries(fronts)) {
      const faults = countBy(front.records.filter((r) => r.fault), (r) => r.fault as string);
      expect([name, ['5xx', '429', 'reset'].every((f) => (faults.get(f) ?? 0) > 0)], `${name} faults ${JSON.stringify([...faults])}`).toEqual([name, true]);
    }
    expect(Object.values(fronts).some((f) => f.records.some((r) => r.fault === 'slow'))).toBe(true);
    expect(kills.map((k) => k.commit)).toEqual([...KILLS.keys()]);

    const shortOf = (revision: string) => revision.slice(0, 7);
    const expectedKeys = expected.map(({ type, d }) => key(type, d.revision, d.service));
    const problems: string[] = [];

    // Webhook: raw arrivals per delivery id, and per (type, revision, service).
    const events = hookEvents();
    const inFlightOf = (sink: string, keyOf: (f: (typeof inFlight)[number]) => string) => new Set(inFlight.filter((f) => f.sink === sink).map(keyOf));
    const hookIdsInFlight = inFlightOf('team/webhook', (f) => f.id);
    for (const [delivery, n] of countBy(events, (e) => e.delivery)) {
      if (n !== 1 && !(n === 2 && hookIdsInFlight.has(delivery))) {
        const arrivals = events.filter((e) => e.delivery === delivery);
        problems.push(`webhook: delivery ${delivery} (${key(arrivals[0]?.type ?? '?', arrivals[0]?.revision ?? '?', arrivals[0]?.serviceName)}) arrived ${n} times, at ${arrivals.map((a) => a.wallAt - started).join(', ')} ms; kills at ${kills.map((k) => k.at - started).join(', ')} ms`);
      }
    }
    for (const e of events) if (e.delivery !== e.id) problems.push(`webhook: delivery header ${e.delivery} is not the event id ${e.id}`);
    const hookCounts = countBy(events, (e) => key(e.type, e.revision, e.serviceName));
    const hookInFlight = inFlightOf('team/webhook', (f) => key(f.type, f.revision, f.serviceName));
    problems.push(...exactlyOnceProblems('webhook', hookCounts, expectedKeys, hookInFlight));
    for (const [k, n] of hookCounts) {
      if (n < 2 || (n === 2 && hookInFlight.has(k))) continue;
      const same = events.filter((e) => key(e.type, e.revision, e.serviceName) === k);
      problems.push(`webhook: ${k} came as ${same.map((e) => `${e.id} (deployment ${e.deploymentId ?? 'none'}, at ${e.wallAt - started} ms)`).join(' and ')}`);
    }
    // Order per service: each deploy's events in order, deploys in commit order.
    for (const service of SERVICES) {
      const got = events.filter((e) => e.serviceName === service).map((e) => key(e.type, e.revision, service));
      const want = expected.filter(({ d }) => d.service === service).map(({ type, d }) => key(type, d.revision, service));
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`webhook: ${service} got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }

    // Slack: one message per event, its exact text.
    const slackText = (type: string, d: Deploy) => {
      const s = shortOf(d.revision);
      if (type === 'SyncStarted') return `:arrows_counterclockwise: ${d.service} sync started: Applying ${s} to demo/${d.service}`;
      if (type === 'Applied') return `:inbox_tray: ${d.service} applied: Applied ${s} to demo/${d.service}; rollout started`;
      return `:white_check_mark: ${d.service} rollout completed: Rollout of ${s} to demo/${d.service} completed`;
    };
    const slackTexts = slack.arrivals.map((a) => (JSON.parse(a.raw) as { text: string }).text);
    const slackCounts = countBy(slackTexts, (t) => t);
    const slackInFlight = new Set(inFlight.filter((f) => f.sink === 'team/slack').map((f) => {
      const d = deploys.find((x) => x.revision === f.revision && x.service === f.serviceName);
      return d ? slackText(f.type, d) : `${f.type} ${f.revision}`;
    }));
    problems.push(...exactlyOnceProblems('slack', slackCounts, expected.map(({ type, d }) => slackText(type, d)), slackInFlight));
    for (const [text, n] of slackCounts) {
      if (n > 1 && !(n === 2 && slackInFlight.has(text))) problems.push(`slack: "${text}" arrived at ${slack.arrivals.filter((a) => a.raw.includes(JSON.stringify(text).slice(1, -1))).map((a) => a.wallAt - started).join(', ')} ms`);
    }

    // GitHub: per commit and context, pending (SyncStarted), pending (Applied), success, each once and in that order.
    const githubPosts = github.requests.filter((r) => r.method === 'POST');
    for (const d of deploys) {
      const context = `ecs-gitops/demo/${d.service}`;
      const s = shortOf(d.revision);
      const got = github.statuses(d.revision).filter((st) => st.context === context).map((st) => `${st.state}: ${st.description ?? ''}`);
      const want = [`pending: Applying ${s} to demo/${d.service}`, `pending: Applied ${s} to demo/${d.service}; rollout started`, `success: Rollout of ${s} to demo/${d.service} completed`];
      if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`github: ${s} ${d.service} got ${JSON.stringify(got)}`);
      const deployed = new Set(deploys.filter((x) => x.revision === d.revision).map((x) => `ecs-gitops/demo/${x.service}`));
      const others = github.statuses(d.revision).filter((st) => !deployed.has(st.context));
      if (others.length > 0) problems.push(`github: ${s} has statuses for services it did not change: ${JSON.stringify(others.map((st) => st.context))}`);
    }
    if (githubPosts.length !== deploys.length * 3) problems.push(`github: ${githubPosts.length} posts reached the API for ${deploys.length * 3} statuses`);
    // GitLab: pending, running, success; a repeat would be a 400 ("Cannot transition"), so every post that reached it counts.
    const gitlabPosts = gitlab.requests.filter((r) => r.method === 'POST');
    for (const d of deploys) {
      const got = gitlab.statuses(d.revision).filter((st) => st.context === `ecs-gitops/demo/${d.service}`).map((st) => st.state);
      if (JSON.stringify(got) !== JSON.stringify(['pending', 'running', 'success'])) problems.push(`gitlab: ${shortOf(d.revision)} ${d.service} got ${JSON.stringify(got)}`);
    }
    if (gitlabPosts.length !== deploys.length * 3) {
      problems.push(`gitlab: ${gitlabPosts.length} posts reached the API for ${deploys.length * 3} statuses (${gitlabPosts.filter((r) => r.answered !== 201).length} refused)`);
    }

    /** The service deployment ARN of an event's deploymentId: an ARN already, or `ecs-svc/<id>`, the id its target revision's ARN ends with. */
    const serviceDeploymentArn = async (service: string, deploymentId: string): Promise<string> => {
      if (!deploymentId.startsWith('ecs-svc/')) return deploymentId;
      const list = (await world.api.send('ListServiceDeployments', { cluster: 'demo', service })) as {
        serviceDeployments?: Array<{ serviceDeploymentArn?: string; targetServiceRevisionArn?: string }>;
      };
      const digits = deploymentId.slice('ecs-svc/'.length);
      return list.serviceDeployments?.find((sd) => sd.targetServiceRevisionArn?.endsWith(`/${digits}`))?.serviceDeploymentArn ?? deploymentId;
    };
    // None early: every RolloutCompleted reached each sink after the sandbox finished its deployment (simulated time).
    const completed = events.filter((e) => e.type === 'RolloutCompleted');
    for (const e of completed) {
      const answer = (await world.api.send('DescribeServiceDeployments', { serviceDeploymentArns: [await serviceDeploymentArn(e.serviceName ?? '', e.deploymentId ?? '')] })) as {
        serviceDeployments?: Array<{ status?: string; finishedAt?: number | Date }>;
      };
      const sd = answer.serviceDeployments?.[0];
      const finishedAt = sd?.finishedAt instanceof Date ? sd.finishedAt.getTime() : Number(sd?.finishedAt) * 1000;
      const label = key(e.type, e.revision, e.serviceName);
      if (sd?.status !== 'SUCCESSFUL' || !Number.isFinite(finishedAt)) {
        problems.push(`${label}: its deployment ${e.deploymentId ?? '(none)'} is ${sd?.status ?? 'unknown'}`);
        continue;
      }
      const d = deploys.find((x) => x.revision === e.revision && x.service === e.serviceName);
      if (!d) continue;
      const arrivals: Array<[string, number | undefined]> = [
        ['webhook', e.simAt],
        ['slack', slack.arrivals.find((a) => a.raw.includes(JSON.stringify(slackText('RolloutCompleted', d)).slice(1, -1)))?.simAt],
        ['github', fronts.github.records.find((r) => !r.fault && r.method === 'POST' && r.path.endsWith(d.revision) && r.body.includes('"success"') && r.body.includes(`demo/${d.service}"`))?.simAt],
        ['gitlab', fronts.gitlab.records.find((r) => !r.fault && r.method === 'POST' && r.path.endsWith(d.revision) && r.body.includes('"success"') && r.body.includes(`demo/${d.service}"`))?.simAt],
      ];
      for (const [sink, simAt] of arrivals) {
        if (simAt === undefined || simAt < finishedAt) problems.push(`${sink}: ${label} arrived at ${simAt ?? 'never'}, before the deployment finished at ${finishedAt}`);
      }
    }

    dump();
    expect(problems, JSON.stringify({ seed: SEED, kills: kills.map((k) => ({ ...k, at: k.at - started })) })).toEqual([]);
    expect(completed).toHaveLength(deploys.length);

    const last = proc as ControllerProcess;
    last.child.kill('SIGTERM');
    expect((await within(last.exited, 30_000, 'SIGTERMed controller')).code).toBe(0);
  }, 240_000);
});
