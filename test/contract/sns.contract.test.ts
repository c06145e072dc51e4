/**
 * The SNS sink's publisher (src/notify/sns-publisher.ts over the SDK) against
 * both backends: what a topic's subscriber receives must be the same on the
 * sandbox and on moto_server (SNS with an SQS queue subscribed, raw message
 * delivery off, so the envelope carries Subject and MessageAttributes): the
 * event's JSON body exactly, the subject, and exactly the String attributes
 * the event has. Errors: an unknown topic is NotFound, rejected.
 */
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { describe, expect } from 'vitest';
import { EVENT_SEVERITY, type ControllerEvent } from '../../src/events/types.js';
import { createSnsPublisher } from '../../src/notify/sns-publisher.js';
import { createSnsSink } from '../../src/notify/sinks/sns.js';
import { webhookBody } from '../../src/notify/sinks/webhook.js';
import { contractBackends, contractCase, type ContractAccount } from './backends.js';

const signal = new AbortController().signal;

function event(a: ContractAccount, overrides: Partial<ControllerEvent> = {}): ControllerEvent {
  return {
    id: 'c0ffee00c0ffee00c0ffee00c0ffee00', seq: 3, type: 'RolloutFailed', severity: EVENT_SEVERITY.RolloutFailed,
    service: `${a.accountId}@${a.region}/demo/web`, account: a.accountId, region: a.region, cluster: 'demo', serviceName: 'web',
    revision: '3f786850e387550fdab836ed7e6dc881de23001b', deploymentId: 'ecs-svc/1234567890', code: 'CONTROLLER_ROLLOUT_FAILED',
    at: '2025-01-01T00:00:00.000Z', message: 'web rollout failed: the circuit breaker rolled back to 1a2b3c4d5e6f', ...overrides,
  };
}

const sinkFor = (a: ContractAccount, topicArn: string) =>
  createSnsSink('team/sns', { type: 'sns', topicArn }, {}, { timeoutMs: 5000, publishToSns: createSnsPublisher({ clientFor: () => a.sns() }) });

for (const backend of contractBackends()) {
  describe(`SNS sink publisher (${backend.name})`, () => {
    const contract = contractCase(backend);

    contract('sns: a subscriber receives the event JSON, the subject and exactly the event\'s String attributes', async (a) => {
      const { TopicArn } = await a.sns().send(new CreateTopicCommand({ Name: 'ecs-gitops-events' }));
      const inbox = await a.snsInbox(TopicArn as string);
      const withEnvironment = event(a, { environment: 'prod' });
      const without = event(a, { id: 'c0ffee00c0ffee00c0ffee00c0ffee01', type: 'DriftDetected', severity: 'warning', cause: 'live', environment: undefined });
      expect(await sinkFor(a, TopicArn as string).deliver(withEnvironment, signal)).toEqual({ kind: 'delivered' });
      expect(await sinkFor(a, TopicArn as string).deliver(without, signal)).toEqual({ kind: 'delivered' });
      const attr = (Value: string) => ({ Type: 'String', Value });
      expect(await inbox.received(2)).toEqual([
        {
          message: webhookBody(withEnvironment), subject: '[ecs-gitops] web rollout failed (prod)',
          attributes: {
            type: attr('RolloutFailed'), severity: attr('error'), cluster: attr('demo'), service: attr(withEnvironment.service as string),
            environment: attr('prod'), account: attr(a.accountId), region: attr(a.region),
          },
        },
        {
          message: webhookBody(without), subject: '[ecs-gitops] web drift detected (changed outside Git)',
          attributes: {
            type: attr('DriftDetected'), severity: attr('warning'), cluster: attr('demo'), service: attr(without.service as string),
            account: attr(a.accountId), region: attr(a.region),
          },
        },
      ]);
    });

    contract('sns: publishing to a topic that does not exist is rejected as NotFound', async (a) => {
      const result = await sinkFor(a, `arn:aws:sns:${a.region}:${a.accountId}:no-such-topic`).deliver(event(a), signal);
      expect(result.kind).toBe('rejected');
      expect(result.kind === 'rejected' ? result.reason : '').toMatch(/NotFound/);
    });
  });
}
