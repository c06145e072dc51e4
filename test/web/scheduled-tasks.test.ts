/**
 * GET /api/v1/scheduled-tasks: the fleet view's list of scheduled tasks, read
 * whole, masked like every answer, behind the same access rule as /api/*.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEDULED_TASKS_PATH, type ScheduledTaskList } from '../../src/web/api-types.js';
import { startWebServer, type WebServer } from './web-support.js';

const PLANTED = 'PLANTED-sched-pw-5e5e';

describe(SCHEDULED_TASKS_PATH, () => {
  let web: WebServer | undefined;
  afterEach(async () => {
    await web?.server.close();
    web = undefined;
  });

  it('lists each scheduled task with its last run, sorted by key, with secrets masked', async () => {
    web = await startWebServer();
    const base = { region: 'eu-west-1', cluster: 'prod', group: 'ecs-gitops', mode: 'auto' as const, diff: [] };
    web.status.apply('eu-west-1/prod/reports', {
      kind: 'set-scheduled-task',
      patch: { nextFireAt: '2026-12-05T10:00:00.000Z', lastRuns: [{ taskArn: 'arn:aws:ecs:eu-west-1:1:task/prod/abc', lastStatus: 'STOPPED', exitCodes: { app: 0 } }] },
      initial: { key: 'eu-west-1/prod/reports', name: 'reports', sync: 'Synced', ...base },
    });
    web.status.apply('eu-west-1/prod/backup', {
      kind: 'set-scheduled-task',
      patch: { lastError: { code: 'AWS_ACCESS_DENIED', message: `denied for DB_PASSWORD=${PLANTED}`, at: '2026-12-05T09:00:00Z' } },
      initial: { key: 'eu-west-1/prod/backup', name: 'backup', sync: 'OutOfSync', ...base },
    });
    const response = await fetch(`${web.server.url}${SCHEDULED_TASKS_PATH}`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(PLANTED);
    const body = JSON.parse(text) as ScheduledTaskList;
    expect(body.scheduledTasks.map((t) => [t.name, t.sync, t.lastRuns?.[0]?.exitCodes, t.lastError?.code])).toEqual([
      ['backup', 'OutOfSync', undefined, 'AWS_ACCESS_DENIED'],
      ['reports', 'Synced', { app: 0 }, undefined],
    ]);
  });

  it('is an empty list without scheduled tasks, read-only, and needs the token when one is set', async () => {
    web = await startWebServer({ apiToken: 'sched-token' });
    expect((await fetch(`${web.server.url}${SCHEDULED_TASKS_PATH}`)).status).toBe(401);
    const authorized = await fetch(`${web.server.url}${SCHEDULED_TASKS_PATH}`, { headers: { authorization: 'Bearer sched-token' } });
    expect(await authorized.json()).toEqual({ scheduledTasks: [] });
    const post = await fetch(`${web.server.url}${SCHEDULED_TASKS_PATH}`, { method: 'POST', headers: { authorization: 'Bearer sched-token' } });
    expect(post.status).toBe(405);
  });
});
