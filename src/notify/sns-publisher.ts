/**
 * SNS Publish for the SNS sink (SinkDeps.publishToSns, src/notify/types.ts)
 * over @aws-sdk/client-sns: one client per topic Region, the controller's own
 * credentials (the sandbox's endpoint under `start`). Every attribute is a
 * String message attribute, so subscribers can filter on type, severity,
 * cluster, service, environment, account and Region.
 *
 * The sink retries; the SDK must not retry underneath it (a client made here
 * has maxAttempts 1), or one slow topic would hold the sink's queue for the
 * SDK's backoff too and a retried Publish would be counted once.
 */
import { PublishCommand, SNSClient, type MessageAttributeValue, type SNSClientConfig } from '@aws-sdk/client-sns';
import type { DeliveryResult, SinkDeps, SnsPublishInput } from './types.js';

export type PublishToSns = NonNullable<SinkDeps['publishToSns']>;

export interface SnsPublisherOptions {
  /** The client for a Region (cached by the caller or snsClients()). */
  clientFor(region: string): Pick<SNSClient, 'send'>;
}

/** Publish with String message attributes (empty values left out); FIFO fields passed when set. */
export function createSnsPublisher(options: SnsPublisherOptions): PublishToSns {
  return async (region: string, input: SnsPublishInput, signal: AbortSignal): Promise<void> => {
    const attributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(input.attributes)) {
      if (value !== '') attributes[name] = { DataType: 'String', StringValue: value };
    }
    await options.clientFor(region).send(new PublishCommand({
      TopicArn: input.topicArn,
      Message: input.message,
      ...(input.subject !== undefined ? { Subject: input.subject } : {}),
      ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
      ...(input.messageGroupId !== undefined ? { MessageGroupId: input.messageGroupId } : {}),
      ...(input.messageDeduplicationId !== undefined ? { MessageDeduplicationId: input.messageDeduplicationId } : {}),
    }), { abortSignal: signal });
  };
}

/** One SNSClient per Region over a shared config, made on first use, with the SDK's own retries off. */
export function snsClients(config: Omit<SNSClientConfig, 'region'> = {}): SnsPublisherOptions['clientFor'] {
  const clients = new Map<string, SNSClient>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = new SNSClient({ ...config, region, maxAttempts: 1 });
      clients.set(region, client);
    }
    return client;
  };
}

/** Error names that say the request itself is wrong (no retry helps): SNS's own and the SDK's signing ones. */
const REJECTED = /^(AuthorizationError|NotFound|InvalidParameter|ParameterValueInvalid|InvalidParameterValue|InvalidSecurity|EndpointDisabled|KMSDisabled|KMSInvalidState|KMSNotFound|KMSAccessDenied|KMSOptInRequired|OptedOut|ValidationException|AccessDenied|UnrecognizedClient|SignatureDoesNotMatch)/;
const RETRIED = /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|InternalError|InternalFailure|ServiceUnavailable|KMSThrottling/;
/**
 * Credentials that lapsed or are not yet known where the request landed: a
 * session token that expired before the provider refreshed it, keys rotated
 * a moment before IAM's replicas knew them, a clock briefly off. The next
 * attempt signs with refreshed credentials, so these are a blip to retry
 * within the bound, not a verdict that gives the event up for good.
 */
const CREDENTIAL_BLIP = /^(ExpiredToken|ExpiredTokenException|InvalidClientTokenId|RequestExpired)$/;

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * What a failed Publish means for the delivery. Throttling, 5xx, timeouts,
 * network errors and lapsed credentials (CREDENTIAL_BLIP): retry.
 * Authorization, an unknown topic, a bad parameter (and any other 4xx):
 * rejected. The reason names the topic and AWS's error code,
 * never a credential (SDK messages do not carry them).
 */
export function classifySnsError(err: unknown, topicArn: string): Extract<DeliveryResult, { kind: 'retry' | 'rejected' }> {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message.replace(/\s+/g, ' ').slice(0, 200) : String(err);
  const status = e.$metadata?.httpStatusCode;
  const reason = `SNS Publish to ${topicArn}: ${name}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}`;
  if (name === 'AbortError' || name === 'TimeoutError' || CREDENTIAL_BLIP.test(name)) return { kind: 'retry', reason };
  if (RETRIED.test(name) || status === 429 || (status !== undefined && status >= 500)) return { kind: 'retry', reason };
  if (REJECTED.test(name) || (status !== undefined && status >= 400) || e.$fault === 'client') return { kind: 'rejected', reason };
  // No answer at all: a reset, a refused connection, DNS.
  return { kind: 'retry', reason };
}
