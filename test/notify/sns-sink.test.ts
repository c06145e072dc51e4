/**
 * The SNS sink through its real publisher (src/notify/sns-publisher.ts, the
 * SDK's SNSClient) to the sandbox's SNS: the exact Message, Subject and
 * message attributes a topic receives, FIFO group and deduplication ids, and
 * how failures are classified (an unknown topic or another account's topic
 * rejected with AWS's error name; throttling, 5xx and resets retried).
 */
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_SEVERITY, type ControllerEvent, type EventType } from '../../src/events/types.js';
import { classifySnsError, createSnsPublisher, snsClients } from '../../src/notify/sns-publisher.js';
import { createSnsSink, snsSubject } from '../../src/notify/sinks/sns.js';
import { webhookBody } from '../../src/notify/sinks/webhook.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { freshAccountId, testSandbox } from '../sandbox/sandbox-harness.js';

const REGION = 'eu-west-1';
const signal = new AbortController().signal;

function event(type: EventType, overrides: Partial<ControllerEvent> = {}): ControllerEvent {
  return {
    id: '0123456789abcdef0123456789abcdef', seq: 7, type, severity: EVENT_SEVERITY[type], service: 'eu-west-1/demo/web', region: 'eu-west-1',
    cluster: 'demo', serviceName: 'web', environment: 'prod', revision: '3f786850e387550fdab836ed7e6dc881de23001b',
    deploymentId: 'ecs-svc/1234567890', at: '2025-01-01T00:00:00.000Z', message: 'web rolled out 3f786850e387', ...overrides,
  };
}

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

/** A sink on a fresh account's new topic, publishing with that account's credentials. */
async function sinkOnTopic(name: string, attributes?: Record<string, string>) {
  const accountId = freshAccountId();
  const config = sandbox.clientConfig({ accountId, region: REGION });
  const { TopicArn } = await new SNSClient({ ...config, maxAttempts: 1 }).send(new CreateTopicCommand({ Name: name, ...(attributes ? { Attributes: attributes } : {}) }));
  const publishToSns = createSnsPublisher({ clientFor: snsClients({ endpoint: config.endpoint, credentials: config.credentials }) });
  const sink = createSnsSink('team/sns', { type: 'sns', topicArn: TopicArn as string }, {}, { timeoutMs: 5000, publishToSns });
  return { sink, topicArn: TopicArn as string, accountId, publishToSns };
}

describe('SNS sink', () => {
  it('publishes the webhook JSON body, an SNS-safe subject and String attributes for filtering', async () => {
    const { sink, topicArn } = await sinkOnTopic('deploys');
    const e = event('RolloutCompleted');
    expect(await sink.deliver(e, signal)).toEqual({ kind: 'delivered' });
    const [message, ...rest] = sandbox.admin.snsMessages(topicArn);
    expect(rest).toEqual([]);
    expect(message?.message).toBe(webhookBody(e));
    expect(JSON.parse(message?.message ?? '{}')).toEqual({
      id: e.id, type: 'RolloutCompleted', severity: 'info', service: 'eu-west-1/demo/web', region: 'eu-west-1', cluster: 'demo', serviceName: 'web',
      environment: 'prod', revision: e.revision, deploymentId: 'ecs-svc/1234567890', at: e.at, message: e.message,
    });
    expect(message?.subject).toBe('[ecs-gitops] web rollout completed (prod)');
    expect(message?.messageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'RolloutCompleted' }, severity: { DataType: 'String', StringValue: 'info' },
      cluster: { DataType: 'String', StringValue: 'demo' }, service: { DataType: 'String', StringValue: 'eu-west-1/demo/web' },
      environment: { DataType: 'String', StringValue: 'prod' }, region: { DataType: 'String', StringValue: 'eu-west-1' },
    });
    expect(message?.messageGroupId).toBeUndefined();
  });

  it('a FIFO topic gets the service as group id and the event id as deduplication id, so SNS drops a repeat', async () => {
    const { sink, topicArn } = await sinkOnTopic('deploys.fifo', { FifoTopic: 'true' });
    const e = event('RolloutFailed');
    expect(await sink.deliver(e, signal)).toEqual({ kind: 'delivered' });
    expect(await sink.deliver(e, signal)).toEqual({ kind: 'delivered' });
    const messages = sandbox.admin.snsMessages(topicArn);
    expect(messages.map((m) => [m.messageGroupId, m.messageDeduplicationId])).toEqual([['eu-west-1/demo/web', e.id]]);
  });

  it('keeps the subject within SNS\'s rule: printable ASCII, at most 100 characters', async () => {
    const long = event('DriftDetected', { serviceName: `web-${'x'.repeat(120)}`, environment: 'prød' });
    const subject = snsSubject(long);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(snsSubject(event('Applied', { environment: 'prød' }))).toBe('[ecs-gitops] web applied (pr?d)');
    const { sink, topicArn } = await sinkOnTopic('long-subjects');
    expect(await sink.deliver(long, signal)).toEqual({ kind: 'delivered' });
    expect(sandbox.admin.snsMessages(topicArn)[0]?.subject).toBe(subject);
  });

  it('an unknown topic and another account\'s topic are rejected with AWS\'s error name', async () => {
    const { publishToSns, accountId } = await sinkOnTopic('exists');
    const missing = createSnsSink('team/sns', { type: 'sns', topicArn: `arn:aws:sns:${REGION}:${accountId}:missing` }, {}, { timeoutMs: 5000, publishToSns });
    const result = await missing.deliver(event('Applied'), signal);
    expect(result.kind).toBe('rejected');
    expect(result.kind === 'rejected' ? result.reason : '').toMatch(/NotFound.*404/);
    const foreign = createSnsSink('team/sns', { type: 'sns', topicArn: `arn:aws:sns:${REGION}:${freshAccountId()}:theirs` }, {}, { timeoutMs: 5000, publishToSns });
    const denied = await foreign.deliver(event('Applied'), signal);
    expect(denied.kind === 'rejected' ? denied.reason : denied.kind).toMatch(/AuthorizationError.*403/);
  });

  it('an endpoint that does not answer is a retry; no publisher or a bad ARN is rejected', async () => {
    const publishToSns = createSnsPublisher({ clientFor: snsClients({ endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }) });
    const refused = createSnsSink('team/sns', { type: 'sns', topicArn: `arn:aws:sns:${REGION}:123456789012:t` }, {}, { timeoutMs: 5000, publishToSns });
    expect((await refused.deliver(event('Applied'), signal)).kind).toBe('retry');
    expect((await createSnsSink('team/sns', { type: 'sns', topicArn: `arn:aws:sns:${REGION}:123456789012:t` }, {}, { timeoutMs: 5000 }).deliver(event('Applied'), signal)).kind).toBe('rejected');
    expect((await createSnsSink('team/sns', { type: 'sns', topicArn: 'not-an-arn' }, {}, { timeoutMs: 5000, publishToSns }).deliver(event('Applied'), signal)).kind).toBe('rejected');
  });

  it.each([
    [{ name: 'ThrottledException', $fault: 'client', $metadata: { httpStatusCode: 429 } }, 'retry'],
    [{ name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'retry'],
    [{ name: 'InternalErrorException', $fault: 'server', $metadata: { httpStatusCode: 500 } }, 'retry'],
    [{ name: 'TimeoutError', message: 'timed out' }, 'retry'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'retry'],
    [{ name: 'AuthorizationErrorException', $fault: 'client', $metadata: { httpStatusCode: 403 } }, 'rejected'],
    [{ name: 'InvalidParameterException', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'rejected'],
    [{ name: 'KMSDisabledException', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'rejected'],
    // Lapsed or not-yet-known credentials: the next attempt signs with refreshed ones, so a blip does not give events up.
    [{ name: 'ExpiredToken', $fault: 'client', $metadata: { httpStatusCode: 403 } }, 'retry'],
    [{ name: 'ExpiredTokenException', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'retry'],
    [{ name: 'InvalidClientTokenId', $fault: 'client', $metadata: { httpStatusCode: 403 } }, 'retry'],
    [{ name: 'RequestExpired', $fault: 'client', $metadata: { httpStatusCode: 400 } }, 'retry'],
  ])('classifies %o as %s', (err, kind) => {
    const result = classifySnsError(err, 'arn:aws:sns:eu-west-1:123456789012:t');
    expect(result.kind).toBe(kind);
    expect(result.reason).toContain('arn:aws:sns:eu-west-1:123456789012:t');
  });
});
