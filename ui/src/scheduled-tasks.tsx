/**
 * The scheduled tasks (kind: ScheduledTask) under the services: a short list
 * read whole from GET /api/v1/scheduled-tasks. The stream carries services
 * only, so this list is read when the fleet view opens, when the stream
 * reconnects after a gap, and every 30 s while the page is visible: a scheduled run
 * shows up within that, a service change within a second.
 */
import type { ScheduledTaskStatus } from '../../src/controller/status.js';
import { getScheduledTasks } from './api.js';
import { usePolled } from './polled.js';
import { ErrorMessage } from './error-message.js';
import { relativeTime } from './format.js';
import { StatusBadge } from './status.js';

function lastRunText(task: ScheduledTaskStatus): string {
  const run = task.lastRuns?.[0];
  if (!run) return 'not run yet';
  const codes = Object.entries(run.exitCodes ?? {}).map(([container, code]) => `${container} exit ${code ?? '?'}`).join(', ');
  return `${run.lastStatus}${codes ? ` (${codes})` : ''}${run.stoppedReason ? `: ${run.stoppedReason}` : ''}`;
}

export function ScheduledTasksPanel({ reloadToken }: { readonly reloadToken: number }) {
  const { value: tasks, error, readAt } = usePolled(getScheduledTasks, [reloadToken]);

  if (error) return <section class="scheduled-tasks" aria-label="Scheduled tasks"><h2>Scheduled tasks</h2><ErrorMessage error={error} /></section>;
  if (!tasks || tasks.length === 0) return null;
  return (
    <section class="scheduled-tasks" data-testid="scheduled-tasks" aria-label="Scheduled tasks">
      <h2>Scheduled tasks</h2>
      <div class="table-wrap">
        <table class="fleet-table">
          <caption>{tasks.length} scheduled {tasks.length === 1 ? 'task' : 'tasks'} (EventBridge Scheduler), read {relativeTime(readAt)}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Cluster</th>
              <th scope="col">Sync</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((task) => (
              <tr key={task.key} data-key={task.key}>
                <td>{task.name}{task.environment && <span class="tag">{task.environment}</span>}</td>
                <td>{task.cluster}</td>
                <td><StatusBadge kind="sync" value={task.sync} /></td>
                <td>{task.nextFireAt ? <time dateTime={task.nextFireAt} title={task.nextFireAt}>{task.nextFireAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time> : '—'}</td>
                <td>{lastRunText(task)}</td>
                <td>{task.lastError ? <code>{task.lastError.code}</code> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
