/**
 * One service: GET /api/v1/services/{…}/{…}/{…} (its full status, masked by
 * the controller) and its events (GET /api/v1/events?service=KEY&limit=50),
 * kept live by the stream: a `service` message for this key refetches the
 * status, an `event` message for it joins the timeline, and a `resync` (which
 * stands for a large batch's service and event messages) refetches both.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { AutoScalingStatus, DeployHooksStatus, RolloutStatus, StatusChange } from '../../src/controller/status.js';
import type { ControllerEvent } from '../../src/events/types.js';
import type { ServiceDetail, StreamMessage } from '../../src/web/api-types.js';
import { asApiError, getService, getServiceEvents, type ApiError } from './api.js';
import { ErrorMessage } from './error-message.js';
import { displayValue, relativeTime, safeHref, shortSha } from './format.js';
import { backToFleetHash } from './route.js';
import { StatusBadge } from './status.js';
import { liveStream } from './stream.js';

const REFETCH_DEBOUNCE_MS = 150;
const EVENTS_SHOWN = 50;

export function ServiceView({ serviceKey, reloadToken }: { readonly serviceKey: string; readonly reloadToken: number }) {
  const [detail, setDetail] = useState<ServiceDetail>();
  const [detailError, setDetailError] = useState<ApiError>();
  const [events, setEvents] = useState<readonly ControllerEvent[]>();
  const [eventsError, setEventsError] = useState<ApiError>();
  const inFlight = useRef<AbortController>();
  const fetchAgain = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  const loadDetail = useCallback(() => {
    if (inFlight.current) {
      fetchAgain.current = true;
      return;
    }
    const controller = new AbortController();
    inFlight.current = controller;
    getService(serviceKey, controller.signal).then(
      (next) => {
        if (controller.signal.aborted) return;
        setDetail(next);
        setDetailError(undefined);
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) setDetailError(asApiError(failure));
      },
    ).finally(() => {
      if (inFlight.current !== controller) return;
      inFlight.current = undefined;
      if (fetchAgain.current) {
        fetchAgain.current = false;
        loadDetail();
      }
    });
  }, [serviceKey]);

  const loadEvents = useCallback((signal?: AbortSignal) => {
    getServiceEvents(serviceKey, signal).then(
      (list) => {
        if (signal?.aborted) return;
        // Live events that arrived while the request ran stay: merge by seq, newest first.
        setEvents((live) => mergeEvents(list, live ?? []));
        setEventsError(undefined);
      },
      (failure: unknown) => {
        if (!signal?.aborted) setEventsError(asApiError(failure));
      },
    );
  }, [serviceKey]);

  useEffect(() => {
    setDetail(undefined);
    setEvents(undefined);
    setDetailError(undefined);
    setEventsError(undefined);
    const controller = new AbortController();
    loadDetail();
    loadEvents(controller.signal);
    return () => {
      controller.abort();
      inFlight.current?.abort();
      inFlight.current = undefined;
      fetchAgain.current = false;
      clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, [serviceKey, reloadToken, loadDetail, loadEvents]);

  useEffect(() => {
    const scheduleDetail = () => {
      if (timer.current !== undefined) return;
      timer.current = setTimeout(() => {
        timer.current = undefined;
        loadDetail();
      }, REFETCH_DEBOUNCE_MS);
    };
    const unsubscribe = liveStream.subscribe((message: StreamMessage) => {
      if (message.type === 'service' && message.key === serviceKey) scheduleDetail();
      else if (message.type === 'resync') {
        // A resync replaces a large batch's service and event messages (api-types.ts): this service and its events may be in it.
        scheduleDetail();
        loadEvents();
      } else if (message.type === 'event' && message.event.service === serviceKey) {
        const event = message.event;
        setEvents((list) => mergeEvents([event], list ?? []));
      }
    });
    const unsubscribeResync = liveStream.onResync(() => {
      scheduleDetail();
      loadEvents();
    });
    return () => {
      unsubscribe();
      unsubscribeResync();
    };
  }, [serviceKey, loadDetail, loadEvents]);

  return (
    <div class="service" data-testid="service-view">
      <p class="back"><a href={backToFleetHash()}><span aria-hidden="true">← </span>Back to fleet</a></p>
      <h1>{detail?.service ?? lastSegment(serviceKey)}</h1>
      {detailError && <ErrorMessage error={detailError} retry={loadDetail} />}
      {!detail && !detailError && <p aria-busy="true">Loading {serviceKey}…</p>}
      {detail && <ServiceDetails detail={detail} />}
      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        {eventsError && <ErrorMessage error={eventsError} retry={() => loadEvents()} />}
        <EventTimeline events={events} />
      </section>
    </div>
  );
}

function lastSegment(key: string): string {
  return key.split('/').at(-1) ?? key;
}

/** Newest first (by seq), one entry per event id, at most EVENTS_SHOWN. */
function mergeEvents(incoming: readonly ControllerEvent[], existing: readonly ControllerEvent[]): ControllerEvent[] {
  const byId = new Map<string, ControllerEvent>();
  for (const event of [...existing, ...incoming]) {
    const known = byId.get(event.id);
    if (!known || known.seq < event.seq) byId.set(event.id, event);
  }
  return [...byId.values()].sort((a, b) => b.seq - a.seq).slice(0, EVENTS_SHOWN);
}

function Field({ label, children }: { readonly label: string; readonly children: preact.ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function ServiceDetails({ detail }: { readonly detail: ServiceDetail }) {
  const commitHref = safeHref(detail.commitUrl);
  return (
    <>
      <section aria-labelledby="identity-heading">
        <h2 id="identity-heading">Service</h2>
        <dl class="fields" data-testid="service-identity">
          <Field label="Key"><code>{detail.key}</code></Field>
          {detail.account && <Field label="Account">{detail.account}</Field>}
          {detail.environment && <Field label="Environment">{detail.environment}</Field>}
          <Field label="Region">{detail.region}</Field>
          <Field label="Cluster">{detail.cluster}</Field>
          <Field label="Mode">{detail.mode}</Field>
          {detail.source && <Field label="Manifest"><code>{detail.source}</code></Field>}
        </dl>
        <dl class="fields" data-testid="service-status">
          <Field label="Sync">
            <StatusBadge kind="sync" value={detail.sync} />
            {detail.driftCause && <span class="detail"> ({detail.driftCause === 'live' ? 'changed outside Git' : 'new content in Git'})</span>}
          </Field>
          <Field label="Health"><StatusBadge kind="health" value={detail.health} /></Field>
          <Field label="Last sync">{detail.lastSyncTime ? <time dateTime={detail.lastSyncTime} title={detail.lastSyncTime}>{relativeTime(detail.lastSyncTime)}</time> : '—'}</Field>
        </dl>
        <dl class="fields" data-testid="service-revision">
          <Field label="Applied revision">
            {commitHref ? <a href={commitHref} rel="noreferrer"><code>{shortSha(detail.lastAppliedRevision)}</code></a> : <code title={detail.lastAppliedRevision}>{shortSha(detail.lastAppliedRevision)}</code>}
          </Field>
          {detail.lastAttemptedRevision && detail.lastAttemptedRevision !== detail.lastAppliedRevision && (
            <Field label="Attempted revision"><code title={detail.lastAttemptedRevision}>{shortSha(detail.lastAttemptedRevision)}</code></Field>
          )}
          {detail.lastApplySucceeded !== undefined && <Field label="Last apply">{detail.lastApplySucceeded ? '✓ succeeded' : '✕ failed'}</Field>}
          {detail.liveTaskDefinition && <Field label="Task definition"><code>{detail.liveTaskDefinition}</code></Field>}
        </dl>
      </section>
      {detail.lastError && <LastError detail={detail} />}
      {detail.correctionLoop && (
        <section aria-labelledby="loop-heading">
          <h2 id="loop-heading">Correction loop</h2>
          <p>Held back since {detail.correctionLoop.since} after {detail.correctionLoop.corrections} corrections; {detail.correctionLoop.retries} slow retries, next at {detail.correctionLoop.nextRetryAt}.</p>
        </section>
      )}
      <Diff diff={detail.diff} />
      {detail.rollout && <Rollout rollout={detail.rollout} />}
      <Images digests={detail.imageDigests} unverified={detail.unverifiedImages} />
      {detail.autoScaling && <AutoScaling scaling={detail.autoScaling} />}
      {detail.hooks && <Hooks hooks={detail.hooks} />}
    </>
  );
}

function LastError({ detail }: { readonly detail: ServiceDetail }) {
  const error = detail.lastError;
  if (!error) return null;
  const runbook = safeHref(detail.errorRunbookUrl);
  return (
    <section aria-labelledby="error-heading" class="last-error" data-testid="service-error">
      <h2 id="error-heading"><span aria-hidden="true">⚠ </span>Last error</h2>
      <dl class="fields">
        <Field label="Code"><code>{error.code}</code></Field>
        <Field label="Message">{error.message}</Field>
        <Field label="At"><time dateTime={error.at}>{error.at}</time></Field>
        {detail.errorHint && <Field label="What to do">{detail.errorHint}</Field>}
        {runbook && <Field label="Runbook"><a href={runbook} rel="noreferrer">{error.code} in docs/errors.md</a></Field>}
      </dl>
    </section>
  );
}

function Value({ value }: { readonly value: unknown }) {
  const { text, block } = displayValue(value);
  if (value === undefined) return <span class="absent">{text}</span>;
  return block ? <pre>{text}</pre> : <code>{text}</code>;
}

function Diff({ diff }: { readonly diff: readonly StatusChange[] }) {
  return (
    <section aria-labelledby="diff-heading">
      <h2 id="diff-heading">Differences</h2>
      {diff.length === 0 ? (
        <p data-testid="service-diff">No differences: live matches Git.</p>
      ) : (
        <div class="table-wrap">
          <table class="diff-table" data-testid="service-diff">
              <caption>{diff.length} {diff.length === 1 ? 'field differs' : 'fields differ'} (desired from Git, live from ECS; secrets masked)</caption>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">Change</th>
                  <th scope="col">Desired (Git)</th>
                  <th scope="col">Live (ECS)</th>
                </tr>
              </thead>
              <tbody>
                {diff.map((change) => (
                  <tr key={change.pointer} data-pointer={change.pointer}>
                    <th scope="row"><code>{change.pointer || '(whole service)'}</code>{change.scope && <span class="detail"> {change.scope}</span>}</th>
                    <td data-col="kind">{change.kind}</td>
                    <td data-col="desired"><Value value={change.desired} /></td>
                    <td data-col="live"><Value value={change.live} /></td>
                  </tr>
                ))}
              </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function percent(value: number | undefined): string | undefined {
  return value === undefined ? undefined : `${value}%`;
}

function Rollout({ rollout }: { readonly rollout: RolloutStatus }) {
  const counts = [rollout.runningCount, rollout.pendingCount, rollout.desiredCount];
  return (
    <section aria-labelledby="rollout-heading" data-testid="service-rollout">
      <h2 id="rollout-heading">Rollout</h2>
      <dl class="fields">
        <Field label="Strategy">{rollout.strategy}</Field>
        <Field label="State">{rollout.state}{rollout.result && <span class="detail"> ({rollout.result.replace('_', ' ')})</span>}</Field>
        {counts.some((c) => c !== undefined) && (
          <Field label="Tasks (running / pending / desired)">{counts.map((c) => (c === undefined ? '—' : String(c))).join(' / ')}</Field>
        )}
        {rollout.lifecycleStage && <Field label="Lifecycle stage">{rollout.lifecycleStage}</Field>}
        {rollout.testTrafficPercent !== undefined && <Field label="Test traffic">{percent(rollout.testTrafficPercent)}</Field>}
        {rollout.productionTrafficPercent !== undefined && <Field label="Production traffic">{percent(rollout.productionTrafficPercent)}</Field>}
        {rollout.bakeTimeRemainingSeconds !== undefined && <Field label="Bake time left">{rollout.bakeTimeRemainingSeconds} s</Field>}
        {rollout.waitingForApproval && <Field label="Waiting for approval">at {rollout.waitingForApproval.stage} since {rollout.waitingForApproval.since} (ecs-gitops continue)</Field>}
        {rollout.reason && <Field label="Why">{rollout.reason}</Field>}
        {rollout.revision && <Field label="Revision"><code title={rollout.revision}>{shortSha(rollout.revision)}</code></Field>}
        {rollout.deploymentId && <Field label="Deployment"><code>{rollout.deploymentId}</code></Field>}
        {rollout.startedAt && <Field label="Started"><time dateTime={rollout.startedAt}>{rollout.startedAt}</time></Field>}
        {rollout.finishedAt && <Field label="Finished"><time dateTime={rollout.finishedAt}>{rollout.finishedAt}</time></Field>}
      </dl>
    </section>
  );
}

function Images({ digests, unverified }: { readonly digests: ServiceDetail['imageDigests']; readonly unverified: ServiceDetail['unverifiedImages'] }) {
  const entries = Object.entries(digests ?? {});
  if (entries.length === 0 && !unverified?.length) return null;
  return (
    <section aria-labelledby="images-heading" data-testid="service-images">
      <h2 id="images-heading">Images</h2>
      {entries.length > 0 && (
        <dl class="fields">
          {entries.map(([container, digest]) => <Field key={container} label={container}><code>{digest}</code></Field>)}
        </dl>
      )}
      {unverified && unverified.length > 0 && (
        <>
          <h3>Deployed without verification</h3>
          <pre>{JSON.stringify(unverified, null, 2)}</pre>
        </>
      )}
    </section>
  );
}

function AutoScaling({ scaling }: { readonly scaling: AutoScalingStatus }) {
  return (
    <section aria-labelledby="scaling-heading" data-testid="service-autoscaling">
      <h2 id="scaling-heading">Auto scaling</h2>
      <dl class="fields">
        <Field label="Managed by">{scaling.managedBy === 'git' ? 'Git (spec.autoScaling)' : 'outside Git'}{scaling.registered ? '' : ' (not registered yet)'}</Field>
        <Field label="Capacity (min / desired / max)">{[scaling.minCapacity, scaling.desiredCount, scaling.maxCapacity].map((n) => (n === undefined ? '—' : String(n))).join(' / ')}</Field>
        {scaling.policies && scaling.policies.length > 0 && <Field label="Policies">{scaling.policies.join(', ')}</Field>}
        {scaling.scheduledActions && scaling.scheduledActions.length > 0 && <Field label="Scheduled actions">{scaling.scheduledActions.join(', ')}</Field>}
        {scaling.lastActivity && <Field label="Last activity">{scaling.lastActivity.at}: {scaling.lastActivity.description}{scaling.lastActivity.statusCode ? ` (${scaling.lastActivity.statusCode})` : ''}</Field>}
        <Field label="Note">{scaling.note}</Field>
      </dl>
    </section>
  );
}

function Hooks({ hooks }: { readonly hooks: DeployHooksStatus }) {
  return (
    <section aria-labelledby="hooks-heading" data-testid="service-hooks">
      <h2 id="hooks-heading">Deploy hooks ({hooks.phase}: {hooks.state})</h2>
      <div class="table-wrap">
        <table>
          <caption>Hook tasks of the latest deploy</caption>
          <thead>
            <tr>
              <th scope="col">Hook</th>
              <th scope="col">State</th>
              <th scope="col">Exit code</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {hooks.hooks.map((hook) => (
              <tr key={hook.name}>
                <th scope="row">{hook.name}</th>
                <td>{hook.state}</td>
                <td>{hook.exitCode ?? '—'}</td>
                <td>{hook.reason ?? ''}{hook.logGroup ? ` (logs: ${hook.logGroup}${hook.logStream ? `/${hook.logStream}` : ''})` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {hooks.rolledBackTo && <p>Rolled back to <code>{hooks.rolledBackTo}</code>.</p>}
    </section>
  );
}

function EventTimeline({ events }: { readonly events: readonly ControllerEvent[] | undefined }) {
  if (events === undefined) return <p aria-busy="true">Loading events…</p>;
  return (
    <>
      {events.length === 0 && <p>No events recorded for this service since the controller started.</p>}
      <ol class="timeline" data-testid="service-events">
        {events.map((event) => (
          <li key={event.id} data-event-type={event.type} class={`severity-${event.severity}`}>
            <time dateTime={event.at} title={event.at}>{relativeTime(event.at)}</time>{' '}
            <strong>{event.type}</strong>
            <span class="severity"> ({event.severity})</span>
            {event.code && <code> {event.code}</code>}: {event.message}
            {event.revision && <span class="detail"> at <code>{shortSha(event.revision)}</code></span>}
          </li>
        ))}
      </ol>
    </>
  );
}
