/**
 * Replicas and shards (--ha-table, docs/ha.md): each replica reconciles only
 * the shards it holds, so a standby's fleet is empty. Without this, that
 * looked like "no services". GET /api/v1/ha says which replica this is and who
 * holds which shard; 404 means the controller runs without --ha-table and
 * nothing here is shown. Like the scheduled tasks (the stream carries services
 * only), it is read when the page or the fleet view opens, after the stream
 * reconnects, and every 30 s while the page is visible (not after a 404).
 */
import type { HaStatus, ShardView } from '../../src/ha/types.js';
import { getHa, type ApiError } from './api.js';
import { usePolled } from './polled.js';
import { ErrorMessage } from './error-message.js';
import { plural, relativeTime } from './format.js';

export interface HaState {
  /** undefined: not read yet; null: the controller runs without --ha-table. */
  readonly ha: HaStatus | null | undefined;
  readonly readAt?: string;
  readonly error?: ApiError;
}

/** `view`: the route's view, so opening the fleet view reads again. Not HA (null) changes only with a restart. */
export function useHaStatus(reloadToken: number, view: string): HaState {
  const { value, readAt, error } = usePolled(getHa, [reloadToken, view], (ha) => ha === null);
  return { ha: value, ...(readAt !== undefined ? { readAt } : {}), ...(error ? { error } : {}) };
}

/** The header's "replica b · holds 1 of 3 shards": text, so the meaning never rests on a colour. */
export function HaBadge({ ha }: { readonly ha: HaStatus | null | undefined }) {
  if (!ha) return null;
  const held = ha.held.length;
  return (
    <p class="ha-badge" data-testid="ha-badge">
      replica <strong>{ha.replicaId}</strong> · holds {held} of {plural(ha.shards.length, 'shard')}
    </p>
  );
}

/** Each holder with the shards it holds, holders in name order ("no holder" last). */
function byHolder(shards: readonly ShardView[]): [string | undefined, string[]][] {
  const groups = new Map<string | undefined, string[]>();
  for (const view of shards) groups.set(view.holder, [...(groups.get(view.holder) ?? []), view.shard]);
  return [...groups].sort(([a], [b]) => (a === undefined ? 1 : b === undefined ? -1 : a.localeCompare(b)));
}

/** The fleet view's empty state on a replica holding no shard: where the services are shown instead. */
export function StandbyNotice({ ha }: { readonly ha: HaStatus }) {
  const holders = byHolder(ha.shards);
  return (
    <div class="standby" data-testid="ha-standby">
      <p>This replica is a standby: it holds no shard. Services are shown by the replica that holds their shard:</p>
      {holders.length === 0 ? <p>No shard is known yet (the lease table has not been read).</p> : (
        <ul>
          {holders.map(([holder, shards]) => (
            <li key={holder ?? ''}>
              {holder === undefined ? <strong>no holder</strong> : <>replica <strong>{holder}</strong></>}: {shards.join(', ')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Time({ iso }: { readonly iso: string | undefined }) {
  return iso ? <time dateTime={iso} title={iso}>{iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time> : <>—</>;
}

/** Under the fleet view: every shard, its holder, epoch, lease expiry and assigned replica, and the live replicas. */
export function HaPanel({ state }: { readonly state: HaState }) {
  const { ha, readAt, error } = state;
  if (!ha) return null;
  const me = ha.replicaId;
  return (
    <section class="ha" data-testid="ha-panel" aria-label="Replicas and shards">
      <h2>Replicas and shards</h2>
      {error && <ErrorMessage error={error} />}
      {ha.lastError && (
        <p class="notice">
          The lease table <code>{ha.table}</code> failed: <code>{ha.lastError.code}</code> {ha.lastError.message} (<Time iso={ha.lastError.at} />)
        </p>
      )}
      <div class="table-wrap">
        <table class="fleet-table" data-testid="ha-shards">
          <caption>
            {plural(ha.shards.length, 'shard')} in lease table {ha.table}; this is replica {me}; read {relativeTime(readAt)}
          </caption>
          <thead>
            <tr>
              <th scope="col">Shard</th>
              <th scope="col">Holder</th>
              <th scope="col">Epoch</th>
              <th scope="col">Lease expires</th>
              <th scope="col">Assigned to</th>
            </tr>
          </thead>
          <tbody>
            {ha.shards.map((view) => (
              <tr key={view.shard} data-shard={view.shard}>
                <th scope="row">{view.shard}</th>
                <td data-col="holder">
                  {view.holder === undefined ? <strong>no holder</strong> : view.holder}
                  {view.holder === me && <span class="tag">this replica</span>}
                </td>
                <td data-col="epoch">{view.epoch}</td>
                <td data-col="expires"><Time iso={view.expiresAt} /></td>
                <td data-col="assigned">{view.assignedTo ?? '—'}{view.assignedTo === me && <span class="tag">this replica</span>}</td>
              </tr>
            ))}
            {ha.shards.length === 0 && (
              <tr class="empty">
                <td colSpan={5}>No shard is known yet (the lease table has not been read).</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <h3>Live replicas</h3>
      <ul class="ha-members" data-testid="ha-members">
        {ha.members.map((member) => (
          <li key={member.replicaId} data-replica={member.replicaId}>
            <strong>{member.replicaId}</strong>{member.replicaId === me && <span class="tag">this replica</span>}
            : last heartbeat <Time iso={member.heartbeatAt} />, started <Time iso={member.startedAt} />
          </li>
        ))}
      </ul>
    </section>
  );
}
