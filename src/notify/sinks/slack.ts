/**
 * Slack incoming webhook sink: one Block Kit message per event (a header with
 * the title, a section with the message and the facts as fields, a context
 * line with the event type and time) and the `text` fallback Slack shows in
 * notifications and screen readers. The URL is a secret: it is never part of
 * a reason, a log line or status (the sink id names the destination).
 */
import type { ControllerEvent } from '../../events/types.js';
import type { SlackSinkSpec } from '../../manifests/types.js';
import { eventFields, eventTitle } from '../format.js';
import { deliverRequest } from '../http-post.js';
import { secretValues } from '../secrets.js';
import type { Sink, SinkDeps, SinkId, SinkSecrets } from '../types.js';

/** Slack's limits: header text 150 characters, section text 3000, at most 10 fields of 2000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELDS_MAX = 10;
const FIELD_MAX = 2000;

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Slack's mrkdwn control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Block Kit payload of an event. */
export function slackMessage(event: ControllerEvent, externalUrl?: string): Record<string, unknown> {
  const title = eventTitle(event);
  const fields = eventFields(event).slice(0, FIELDS_MAX).map((field) => ({
    type: 'mrkdwn',
    text: truncate(`*${field.label}*\n\`${escapeMrkdwn(field.value).replace(/`/g, "'")}\``, FIELD_MAX),
  }));
  const section: Record<string, unknown> = { type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(event.message), SECTION_MAX) } };
  if (fields.length > 0) section.fields = fields;
  const context = [`ecs-gitops · ${event.type} · ${event.at}`];
  if (externalUrl) context.push(`<${externalUrl}|controller>`);
  return {
    text: truncate(`${title}: ${event.message}`, SECTION_MAX),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: truncate(title, HEADER_MAX), emoji: true } },
      section,
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}

export function createSlackSink(id: SinkId, _spec: SlackSinkSpec, secrets: SinkSecrets, deps: SinkDeps): Sink {
  const url = secrets.url;
  if (url === undefined) throw new TypeError(`slack sink ${id}: no URL (readSinkSecrets checks this)`);
  const scrub = secretValues(secrets);
  return {
    id,
    type: 'slack',
    deliver(event, signal) {
      return deliverRequest({
        label: id,
        url,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(slackMessage(event, deps.externalUrl)),
        timeoutMs: deps.timeoutMs,
        signal,
        secrets: scrub,
      });
    },
  };
}
