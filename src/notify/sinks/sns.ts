/**
 * The Amazon SNS sink (docs/notifications.md): one Publish per event to the
 * spec's topic, in the topic's own Region, with the controller's credentials.
 *
 * - Message: the event as the generic webhook's JSON body, the same bytes
 *   (webhookBody, sinks/webhook.ts), so a consumer reads one format whichever
 *   way events reach it, and on-call tooling behind the topic can parse it.
 * - Subject: the event's headline (eventSubject, src/notify/format.ts) made
 *   to fit SNS's rule: printable ASCII, no line breaks, at most 100
 *   characters. Email subscriptions show it; others ignore it.
 * - Message attributes (String): type, severity, cluster, service,
 *   environment, account, region, those the event has, for subscription
 *   filter policies (`{"severity": ["error"]}`).
 * - A `.fifo` topic gets MessageGroupId = the service key (events of one
 *   service stay in order) and MessageDeduplicationId = the event id, so SNS
 *   itself drops a repeat within its 5-minute window.
 */
import type { ControllerEvent } from '../../events/types.js';
import type { SnsSinkSpec } from '../../manifests/types.js';
import { eventSubject } from '../format.js';
import { classifySnsError } from '../sns-publisher.js';
import type { Sink, SinkDeps, SinkId, SinkSecrets, SnsPublishInput } from '../types.js';
import { webhookBody } from './webhook.js';

/** SNS's limit on Subject. */
export const MAX_SNS_SUBJECT = 100;

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;

/** The Region and name of a topic ARN, or undefined when it is not one. */
export function topicParts(topicArn: string): { readonly region: string; readonly account: string; readonly name: string; readonly fifo: boolean } | undefined {
  const m = TOPIC_ARN.exec(topicArn);
  if (!m) return undefined;
  const name = m[3] as string;
  return { region: m[1] as string, account: m[2] as string, name, fifo: name.endsWith('.fifo') };
}

/** A Subject SNS accepts: white space as spaces, other non-printable or non-ASCII characters as `?`, cut to 100 with `...`. */
export function snsSubject(event: ControllerEvent): string {
  const ascii = eventSubject(event).replace(/…/g, '...').replace(/\s/g, ' ').replace(/[^\x20-\x7e]/g, '?').trim();
  return ascii.length > MAX_SNS_SUBJECT ? `${ascii.slice(0, MAX_SNS_SUBJECT - 3)}...` : ascii;
}

/** The message attributes subscribers filter on; absent facts left out. */
export function snsAttributes(event: ControllerEvent): Record<string, string> {
  const candidates: Record<string, string | undefined> = {
    type: event.type, severity: event.severity, cluster: event.cluster, service: event.service,
    environment: event.environment, account: event.account, region: event.region,
  };
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(candidates)) if (value !== undefined && value !== '') attributes[name] = value;
  return attributes;
}

/** The Publish input for one event on this topic. */
export function snsPublishInput(topicArn: string, event: ControllerEvent): SnsPublishInput {
  const fifo = topicParts(topicArn)?.fifo === true;
  return {
    topicArn,
    subject: snsSubject(event),
    message: webhookBody(event),
    attributes: snsAttributes(event),
    ...(fifo ? { messageGroupId: event.service ?? 'ecs-gitops', messageDeduplicationId: event.id } : {}),
  };
}

export function createSnsSink(id: SinkId, spec: SnsSinkSpec, _secrets: SinkSecrets, deps: SinkDeps): Sink {
  const topic = topicParts(spec.topicArn);
  return {
    id,
    type: 'sns',
    async deliver(event, signal) {
      if (!topic) return { kind: 'rejected', reason: `${id}: topicArn ${spec.topicArn} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)` };
      const publish = deps.publishToSns;
      if (!publish) return { kind: 'rejected', reason: `${id}: this controller has no SNS publisher` };
      const attempt = AbortSignal.any([signal, AbortSignal.timeout(deps.timeoutMs)]);
      try {
        await publish(topic.region, snsPublishInput(spec.topicArn, event), attempt);
        return { kind: 'delivered' };
      } catch (err) {
        return classifySnsError(err, spec.topicArn);
      }
    },
  };
}
