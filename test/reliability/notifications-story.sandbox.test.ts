/**
 * The quick-start story end to end, with notifications: a real `run` child
 * process watching a Git checkout, against a sandbox in this process, with a
 * Notifier declaring all five sink types, each pointed at a loopback receiver
 * (Slack: a plain HTTP server; the webhook consumer checks the HMAC over the
 * raw body; GitHub and GitLab: test/support/git-host-receivers.ts; SNS: the
 * sandbox's topic, read through its admin view). A commit is announced
 * SyncStarted, Applied, RolloutCompleted; a crashing image RolloutFailed; a
 * console change DriftDetected (cause live) then DriftCorrected: each with its
 * exact text per sink, once, and RolloutCompleted never before the sandbox
 * finished that deployment (its finishedAt, simulated time, at or before the
 * simulated time the notification arrived).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGION, eventually, serviceManifest } from '../controller/harness.js';
import { LISTEN_ANY_PORT, waitForListenUrl } from '../support/listen-url.js';
import { startGitHubReceiver, startGitLabReceiver, type GitHostReceiver } from '../support/git-host-receivers.js';
import { useCrashWorld } from './crash-world.js';
import { startControllerProcess, within } from './controller-process.js';
import { git, startPlainReceiver, verifiedWebhookEvent, type PlainReceiver } from './notify-world.js';

const ACCOUNT = '310000000023';
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:deploys`;
const SLACK_URL_TOKEN = 'T0STORY/B0STORY/slackStorySecretToken42';
const HMAC_KEY = 'story-hmac-key-5f1e0c9a';
const GITHUB_TOKEN = 'ghp_storyToken0000000000000000000000001';
const GITLAB_TOKEN = 'glpat-storyToken00000001';
const TYPES = ['SyncStarted', 'Applied', 'RolloutCompleted', 'RolloutFailed', 'DriftDetected', 'DriftCorrected'];

describe('notifications: the quick-start story through every sink', () => {
  const world = useCrashWorld(ACCOUNT);
  let repo: string;
  let stateDir: string;
  let slack: PlainReceiver;
  let hook: PlainReceiver;
  let github: GitHostReceiver;
  let gitlab: GitHostReceiver;

  beforeAll(async () => {
    repo = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-story-repo-'));
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-story-state-'));
    const simNow = () => world.sandbox.clock.now();
    slack = await startPlainReceiver(simNow);
    hook = await startPlainReceiver(simNow);
    github = await startGitHubReceiver({ token: GITHUB_TOKEN });
    gitlab = await startGitLabReceiver({ token: GITLAB_TOKEN });
    const sns = new SNSClient({ region: REGION, endpoint: world.sandbox.endpoint, credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'x' } });
    await sns.send(new CreateTopicCommand({ Name: 'deploys' }));
    sns.destroy();
    git(repo, 'init', '-q', '-b', 'main');
    await mkdir(path.join(repo, 'notifiers'));
    await writeFile(path.join(repo, 'notifiers', 'team.yaml'), stringify({
      apiVersion: 'ecs-gitops/v1', kind: 'Notifier', metadata: { name: 'team' },
      spec: {
        events: TYPES,
        sinks: [
          { type: 'slack', urlEnv: 'STORY_SLACK_URL' },
          { type: 'webhook', urlEnv: 'STORY_HOOK_URL', secretEnv: 'STORY_HOOK_KEY' },
          { type: 'sns', topicArn: TOPIC_ARN },
          { type: 'github', repository: 'acme/shop', tokenEnv: 'STORY_GITHUB_TOKEN', apiUrl: github.url },
          { type: 'gitlab', project: 'acme/shop', tokenEnv: 'STORY_GITLAB_TOKEN', apiUrl: gitlab.url },
        ],
      },
    }));
  });
  afterAll(async () => {
    await Promise.all([slack?.close(), hook?.close(), github?.close(), gitlab?.close()]);
    await rm(repo, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  });

  const commitWeb = async (image: string, message: string): Promise<string> => {
    await writeFile(path.join(repo, 'web.yaml'), stringify(serviceManifest({ name: 'web', image, desiredCount: 2 })));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', message);
    return git(repo, 'rev-parse', 'HEAD');
  };

  /** The webhook's events so far, oldest first, each with its signature checked over the raw body. */
  const hookEvents = () => hook.arrivals.map((a) => verifiedWebhookEvent(a, HMAC_KEY));
  const hookTypes = () => hookEvents().map((e) => e.type);

  it('announces a commit, console drift and a crashing image once per sink, with the exact texts, none early', async () => {
    const c1 = await commitWeb('nginx:1.27', 'web 1.27');
    const proc = startControllerProcess({
      endpoint: world.sandbox.endpoint, accountId: ACCOUNT, region: REGION,
      args: ['--repo', repo, '--listen', LISTEN_ANY_PORT, '--resync', '2s', '--state-dir', stateDir, '--log-level', 'info'],
      env: {
        STORY_SLACK_URL: `${slack.url}/services/${SLACK_URL_TOKEN}`, STORY_HOOK_URL: hook.url, STORY_HOOK_KEY: HMAC_KEY,
        STORY_GITHUB_TOKEN: GITHUB_TOKEN, STORY_GITLAB_TOKEN: GITLAB_TOKEN,
      },
    });
    world.current = proc;
    const tail = () => ({ hook: hookTypes(), out: proc.output().slice(-3000) });
    const url = await waitForListenUrl(proc.output, { stopped: () => proc.child.exitCode !== null });

    // 1. The commit: applied and rolled out.
    await eventually(() => hookTypes().includes('RolloutCompleted'), tail, 60_000);

    // 2. A console change outside Git: detected with cause live, corrected.
    await world.api.send('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 5 });
    await eventually(() => hookTypes().includes('DriftCorrected'), tail, 60_000);

    // 3. A crashing image: the rollout fails.
    world.sandbox.admin.markImageCrashing('nginx:9.9-crash');
    const c2 = await commitWeb('nginx:9.9-crash', 'web crashes');
    await eventually(() => hookTypes().includes('RolloutFailed'), tail, 60_000);
    // A few resyncs more: nothing is announced twice.
    await new Promise((resolve) => setTimeout(resolve, 5000));

    const s1 = c1.slice(0, 7);
    const s2 = c2.slice(0, 7);
    const events = hookEvents();
    const failed = events.find((e) => e.type === 'RolloutFailed');
    const detected = events.find((e) => e.type === 'DriftDetected');
    const corrected = events.find((e) => e.type === 'DriftCorrected');
    expect(events.map((e) => [e.type, e.revision, e.cause ?? null, e.message]), JSON.stringify(tail())).toEqual([
      ['SyncStarted', c1, null, `Applying ${s1} to demo/web`],
      ['Applied', c1, null, `Applied ${s1} to demo/web; rollout started`],
      ['RolloutCompleted', c1, null, `Rollout of ${s1} to demo/web completed`],
      ['DriftDetected', c1, 'live', detected?.message],
      ['DriftCorrected', c1, 'live', corrected?.message],
      ['SyncStarted', c2, null, `Applying ${s2} to demo/web`],
      ['Applied', c2, null, `Applied ${s2} to demo/web; rollout started`],
      ['RolloutFailed', c2, null, failed?.message],
    ]);
    expect(detected?.message).toBe('demo/web was changed outside Git: /spec/desiredCount');
    expect(corrected?.message).toBe('demo/web corrected back to Git: /spec/desiredCount');
    expect(failed?.message).toMatch(new RegExp(`^Rollout of ${s2} to demo/web (failed|rolled back): `));
    // Exactly once per event id.
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    // RolloutCompleted only after ECS finished the deployment, on every sink.
    const completed = events.find((e) => e.type === 'RolloutCompleted');
    const deployment = (await world.api.send('DescribeServiceDeployments', { serviceDeploymentArns: [completed?.deploymentId ?? ''] })) as {
      serviceDeployments?: Array<{ status?: string; finishedAt?: number | Date }>;
    };
    const sd = deployment.serviceDeployments?.[0];
    expect(sd?.status).toBe('SUCCESSFUL');
    const finishedAtMs = sd?.finishedAt instanceof Date ? sd.finishedAt.getTime() : Number(sd?.finishedAt) * 1000;
    expect(completed?.simAt).toBeGreaterThanOrEqual(finishedAtMs);
    const slackCompleted = slack.arrivals.find((a) => a.raw.includes('rollout completed'));
    expect(slackCompleted?.simAt).toBeGreaterThanOrEqual(finishedAtMs);
    const snsMessages = world.sandbox.admin.snsMessages(TOPIC_ARN);
    const snsCompleted = snsMessages.find((m) => m.subject?.includes('rollout completed'));
    expect(Date.parse(snsCompleted?.publishedAt ?? '')).toBeGreaterThanOrEqual(finishedAtMs);
    const githubCompleted = github.statuses(c1).find((s) => s.state === 'success');
    expect(Date.parse(githubCompleted?.createdAt ?? '')).toBeGreaterThan(0);

    // Slack: one message per event, its text exact.
    expect(slack.arrivals.map((a) => (JSON.parse(a.raw) as { text: string }).text)).toEqual([
      `:arrows_counterclockwise: web sync started: Applying ${s1} to demo/web`,
      `:inbox_tray: web applied: Applied ${s1} to demo/web; rollout started`,
      `:white_check_mark: web rollout completed: Rollout of ${s1} to demo/web completed`,
      ':warning: web drift detected (changed outside Git): demo/web was changed outside Git: /spec/desiredCount',
      ':wrench: web drift corrected: demo/web corrected back to Git: /spec/desiredCount',
      `:arrows_counterclockwise: web sync started: Applying ${s2} to demo/web`,
      `:inbox_tray: web applied: Applied ${s2} to demo/web; rollout started`,
      `:x: web rollout failed: ${failed?.message}`,
    ]);
    // SNS: the same events, subjects exact, the body the webhook's JSON.
    expect(snsMessages.map((m) => m.subject)).toEqual([
      '[ecs-gitops] web sync started', '[ecs-gitops] web applied', '[ecs-gitops] web rollout completed',
      '[ecs-gitops] web drift detected (changed outside Git)', '[ecs-gitops] web drift corrected',
      '[ecs-gitops] web sync started', '[ecs-gitops] web applied', '[ecs-gitops] web rollout failed',
    ]);
    expect(snsMessages.map((m) => (JSON.parse(m.message) as { id: string }).id)).toEqual(events.map((e) => e.id));
    // Commit statuses: pending on apply, success on completion, failure on failure; drift says nothing.
    const forge = (r: GitHostReceiver) => r.statuses().map((s) => [s.sha, s.state, s.context, s.description]);
    expect(forge(github)).toEqual([
      [c1, 'pending', 'ecs-gitops/demo/web', `Applying ${s1} to demo/web`],
      [c1, 'pending', 'ecs-gitops/demo/web', `Applied ${s1} to demo/web; rollout started`],
      [c1, 'success', 'ecs-gitops/demo/web', `Rollout of ${s1} to demo/web completed`],
      [c2, 'pending', 'ecs-gitops/demo/web', `Applying ${s2} to demo/web`],
      [c2, 'pending', 'ecs-gitops/demo/web', `Applied ${s2} to demo/web; rollout started`],
      // GitHub's description holds 140 characters.
      [c2, 'failure', 'ecs-gitops/demo/web', `${[...(failed?.message ?? '')].slice(0, 139).join('')}…`],
    ]);
    expect(forge(gitlab).map(([, state]) => state)).toEqual(['pending', 'running', 'success', 'pending', 'running', 'failed']);

    // The events API tells the same story.
    const api = (await (await fetch(`${url}/api/v1/events?service=${encodeURIComponent(`${REGION}/demo/web`)}&limit=1000`)).json()) as { events: Array<{ id: string }> };
    expect(api.events.map((e) => e.id).reverse()).toEqual(events.map((e) => e.id));
    // The status shows every sink delivered all of it.
    const status = (await (await fetch(`${url}/api/v1/status`)).json()) as { notifiers?: Array<{ sinks: Array<{ id: string; delivered: number; pending: number; givenUp: number }> }> };
    expect(status.notifiers?.[0]?.sinks.map((s) => [s.id, s.pending, s.givenUp])).toEqual([
      ['team/slack', 0, 0], ['team/webhook', 0, 0], ['team/sns', 0, 0], ['team/github', 0, 0], ['team/gitlab', 0, 0],
    ]);

    proc.child.kill('SIGTERM');
    expect((await within(proc.exited, 30_000, 'SIGTERMed controller')).code).toBe(0);
  }, 180_000);
});
