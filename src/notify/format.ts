/**
 * The human side of an event for chat and mail-like sinks: a title line
 * (":white_check_mark: checkout rollout completed"), the facts as labelled
 * fields (service, cluster, environment, revision, deployment) and the
 * event's message. Slack renders it as Block Kit (src/notify/sinks/slack.ts);
 * SNS uses eventSubject and eventText. Pure.
 */
import type { ControllerEvent, EventType } from '../events/types.js';

/** What happened, after the subject's name ("checkout rollout completed"). */
const PHRASES: Readonly<Record<EventType, string>> = {
  SyncStarted: 'sync started',
  Applied: 'applied',
  RolloutCompleted: 'rollout completed',
  RolloutFailed: 'rollout failed',
  DriftDetected: 'drift detected',
  DriftCorrected: 'drift corrected',
  ImageNotFound: 'image not found',
  HookFailed: 'deploy hook failed',
  PruneBlocked: 'prune blocked',
  ReconcileFailing: 'reconcile failing',
  ReconcileRecovered: 'reconcile recovered',
};

/** Slack emoji shortcodes: success green, failure red, attention yellow, progress neutral. */
const EMOJI: Readonly<Record<EventType, string>> = {
  SyncStarted: ':arrows_counterclockwise:',
  Applied: ':inbox_tray:',
  RolloutCompleted: ':white_check_mark:',
  RolloutFailed: ':x:',
  DriftDetected: ':warning:',
  DriftCorrected: ':wrench:',
  ImageNotFound: ':x:',
  HookFailed: ':x:',
  PruneBlocked: ':no_entry:',
  ReconcileFailing: ':rotating_light:',
  ReconcileRecovered: ':large_green_circle:',
};

/** Git revisions are shown as 12 hex characters, as `git log --abbrev` would. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{13,}$/i.test(revision) ? revision.slice(0, 12) : revision;
}

/** An ECS service deployment ARN's last part (`…/service-deployment/cluster/service/ID` gives ID); an ecs-svc/… id as it is. */
export function shortDeploymentId(deploymentId: string): string {
  return deploymentId.startsWith('arn:') ? (deploymentId.split('/').pop() ?? deploymentId) : deploymentId;
}

/** Who the event is about: the service's name, or "ecs-gitops" for controller-wide events. */
function subjectName(event: ControllerEvent): string {
  return event.serviceName ?? event.service ?? 'ecs-gitops';
}

function phrase(event: ControllerEvent): string {
  const base = PHRASES[event.type] ?? event.type;
  if (event.type === 'DriftDetected' && event.cause) return `${base} (${event.cause === 'live' ? 'changed outside Git' : 'new commit'})`;
  return base;
}

/** "checkout rollout completed" (plain, no emoji). */
export function eventHeadline(event: ControllerEvent): string {
  return `${subjectName(event)} ${phrase(event)}`;
}

/** The chat title: emoji shortcode and headline. */
export function eventTitle(event: ControllerEvent): string {
  return `${EMOJI[event.type] ?? ':information_source:'} ${eventHeadline(event)}`;
}

/** A mail-like subject (SNS Subject: ASCII-safe, at most 100 characters): "[ecs-gitops] checkout rollout completed (prod)". */
export function eventSubject(event: ControllerEvent): string {
  const environment = event.environment ? ` (${event.environment})` : '';
  const subject = `[ecs-gitops] ${eventHeadline(event)}${environment}`
    // SNS refuses control characters and a subject over 100 characters.
    .replace(/\p{Cc}/gu, ' ');
  return subject.length > 100 ? `${subject.slice(0, 97)}...` : subject;
}

export interface EventField {
  readonly label: string;
  readonly value: string;
}

/** The labelled facts of an event, in display order; absent facts left out. */
export function eventFields(event: ControllerEvent): EventField[] {
  const fields: EventField[] = [];
  if (event.service) fields.push({ label: 'Service', value: event.service });
  if (event.cluster) fields.push({ label: 'Cluster', value: event.cluster });
  if (event.environment) fields.push({ label: 'Environment', value: event.environment });
  if (event.revision) fields.push({ label: 'Revision', value: shortRevision(event.revision) });
  if (event.deploymentId) fields.push({ label: 'Deployment', value: shortDeploymentId(event.deploymentId) });
  if (event.cause) fields.push({ label: 'Cause', value: event.cause === 'live' ? 'live (changed outside Git)' : 'git (new commit)' });
  if (event.code) fields.push({ label: 'Code', value: event.code });
  return fields;
}

/** The plain text body (SNS Message, Slack's notification fallback): headline, message, then one "Label: value" line per field. */
export function eventText(event: ControllerEvent): string {
  const lines = [eventHeadline(event), '', event.message, ''];
  for (const field of eventFields(event)) lines.push(`${field.label}: ${field.value}`);
  lines.push(`Event: ${event.type} ${event.id} at ${event.at}`);
  return lines.join('\n');
}
