/**
 * The generic webhook sink: exactly one JSON object per event, POSTed, with
 * `X-Ecs-Gitops-Signature: sha256=<hex HMAC-SHA256 of the raw body>` when a
 * key is set, and the event id as `X-Ecs-Gitops-Delivery` and
 * `Idempotency-Key` so a receiver can drop the one repeat a crash can cause
 * (docs/notifications.md#exactly-once).
 */
import { createHmac } from 'node:crypto';
import type { ControllerEvent } from '../../events/types.js';
import type { WebhookSinkSpec } from '../../manifests/types.js';
import { deliverRequest } from '../http-post.js';
import { secretValues } from '../secrets.js';
import type { Sink, SinkDeps, SinkId, SinkSecrets } from '../types.js';

/** The body's fields, in this order; absent ones are left out. */
export const WEBHOOK_FIELDS = [
  'id', 'type', 'severity', 'service', 'account', 'region', 'cluster', 'serviceName', 'environment',
  'revision', 'deploymentId', 'cause', 'code', 'at', 'message',
] as const;

export type WebhookBody = Partial<Pick<ControllerEvent, (typeof WEBHOOK_FIELDS)[number]>>;

/** The exact bytes sent (and signed). */
export function webhookBody(event: ControllerEvent): string {
  const body: Record<string, unknown> = {};
  for (const field of WEBHOOK_FIELDS) {
    const value = event[field];
    if (value !== undefined) body[field] = value;
  }
  return JSON.stringify(body);
}

/** `sha256=<hex>`: the value of X-Ecs-Gitops-Signature for `body` under `key`. */
export function webhookSignature(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('hex')}`;
}

export function createWebhookSink(id: SinkId, _spec: WebhookSinkSpec, secrets: SinkSecrets, deps: SinkDeps): Sink {
  const url = secrets.url;
  if (url === undefined) throw new TypeError(`webhook sink ${id}: no URL (readSinkSecrets checks this)`);
  const key = secrets.hmacKey;
  const scrub = secretValues(secrets);
  return {
    id,
    type: 'webhook',
    deliver(event, signal) {
      const body = webhookBody(event);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-ecs-gitops-event': event.type,
        'x-ecs-gitops-delivery': event.id,
        'idempotency-key': event.id,
      };
      if (key !== undefined) headers['x-ecs-gitops-signature'] = webhookSignature(body, key);
      return deliverRequest({ label: id, url, headers, body, timeoutMs: deps.timeoutMs, signal, secrets: scrub });
    },
  };
}
