/**
 * The sandbox's SNS (query protocol) with the real SDK client and the aws
 * CLI: topics created, listed and deleted, Publish with a subject and String
 * message attributes kept exactly as sent and shown by the admin view
 * (in-process and over HTTP), FIFO topics' rules and deduplication, and the
 * errors SNS answers (NotFound, InvalidParameter, AuthorizationError).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateTopicCommand, DeleteTopicCommand, ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { requireProgram } from '../support/programs.js';
import { freshAccountId, rejectionOf, testSandbox } from './sandbox-harness.js';

const run = promisify(execFile);
const hasAws = requireProgram('aws', 'pip install awscli');
const REGION = 'eu-west-1';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const snsFor = (accountId: string, region = REGION) => new SNSClient({ ...sandbox.clientConfig({ accountId, region }), maxAttempts: 1 });

describe('sandbox SNS with the SDK', () => {
  it('creates a topic (idempotently), lists it, and keeps what Publish sent exactly', async () => {
    const account = freshAccountId();
    const sns = snsFor(account);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'deploys' }));
    expect(TopicArn).toBe(`arn:aws:sns:${REGION}:${account}:deploys`);
    expect((await sns.send(new CreateTopicCommand({ Name: 'deploys' }))).TopicArn).toBe(TopicArn);
    expect((await sns.send(new ListTopicsCommand({}))).Topics).toEqual([{ TopicArn }]);
    const published = await sns.send(new PublishCommand({
      TopicArn, Subject: '[ecs-gitops] web rollout completed', Message: '{"type":"RolloutCompleted"}',
      MessageAttributes: { type: { DataType: 'String', StringValue: 'RolloutCompleted' }, severity: { DataType: 'String', StringValue: 'info' } },
    }));
    expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const expected = {
      messageId: published.MessageId, topicArn: TopicArn, subject: '[ecs-gitops] web rollout completed', message: '{"type":"RolloutCompleted"}',
      messageAttributes: { type: { DataType: 'String', StringValue: 'RolloutCompleted' }, severity: { DataType: 'String', StringValue: 'info' } },
      publishedAt: expect.any(String) as unknown,
    };
    expect(sandbox.admin.snsMessages(TopicArn as string)).toEqual([expected]);
    const overHttp = await fetch(`${sandbox.endpoint}/_sandbox/sns/messages?topicArn=${encodeURIComponent(TopicArn as string)}`);
    expect(overHttp.status).toBe(200);
    expect(await overHttp.json()).toEqual({ messages: [expected] });
  });

  it('answers NotFound (404) for a topic that does not exist, and after DeleteTopic', async () => {
    const account = freshAccountId();
    const sns = snsFor(account);
    const missing = await rejectionOf(sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:${REGION}:${account}:nope`, Message: 'x' })));
    expect(missing.name).toBe('NotFoundException');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'gone' }));
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    expect((await rejectionOf(sns.send(new PublishCommand({ TopicArn, Message: 'x' })))).name).toBe('NotFoundException');
    expect((await sns.send(new ListTopicsCommand({}))).Topics).toEqual([]);
    const admin = await fetch(`${sandbox.endpoint}/_sandbox/sns/messages?topicArn=${encodeURIComponent(TopicArn as string)}`);
    expect(admin.status).toBe(404);
    expect(() => sandbox.admin.snsMessages(TopicArn as string)).toThrow(/Topic does not exist/);
  });

  it('refuses another account\'s topic (AuthorizationError) and bad input (InvalidParameter)', async () => {
    const owner = freshAccountId();
    const { TopicArn } = await snsFor(owner).send(new CreateTopicCommand({ Name: 'private' }));
    const other = await rejectionOf(snsFor(freshAccountId()).send(new PublishCommand({ TopicArn, Message: 'x' })));
    expect(other.name).toBe('AuthorizationErrorException');
    expect(other.$metadata?.httpStatusCode).toBe(403);
    const sns = snsFor(owner);
    expect((await rejectionOf(sns.send(new PublishCommand({ TopicArn, Message: 'x', Subject: 'x'.repeat(101) })))).name).toBe('InvalidParameterException');
    expect((await rejectionOf(sns.send(new PublishCommand({ TopicArn, Message: 'x', Subject: 'line\nbreak' })))).name).toBe('InvalidParameterException');
    expect((await rejectionOf(sns.send(new CreateTopicCommand({ Name: 'bad name' })))).name).toBe('InvalidParameterException');
    expect(sandbox.admin.snsMessages(TopicArn as string)).toEqual([]);
  });

  it('FIFO topics need a group id and drop a repeated deduplication id within the window', async () => {
    const sns = snsFor(freshAccountId());
    expect((await rejectionOf(sns.send(new CreateTopicCommand({ Name: 'events.fifo' })))).name).toBe('InvalidParameterException');
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'events.fifo', Attributes: { FifoTopic: 'true' } }));
    expect((await rejectionOf(sns.send(new PublishCommand({ TopicArn, Message: 'x', MessageDeduplicationId: 'a' })))).name).toBe('InvalidParameterException');
    const first = await sns.send(new PublishCommand({ TopicArn, Message: 'x', MessageGroupId: 'web', MessageDeduplicationId: 'event-1' }));
    const again = await sns.send(new PublishCommand({ TopicArn, Message: 'x', MessageGroupId: 'web', MessageDeduplicationId: 'event-1' }));
    expect(again.MessageId).toBe(first.MessageId);
    expect(first.SequenceNumber).toMatch(/^\d+$/);
    await sns.send(new PublishCommand({ TopicArn, Message: 'y', MessageGroupId: 'web', MessageDeduplicationId: 'event-2' }));
    expect(sandbox.admin.snsMessages(TopicArn as string).map((m) => [m.message, m.messageGroupId, m.messageDeduplicationId])).toEqual([
      ['x', 'web', 'event-1'], ['y', 'web', 'event-2'],
    ]);
    sandbox.clock.advance(5 * 60_000);
    await sns.send(new PublishCommand({ TopicArn, Message: 'x', MessageGroupId: 'web', MessageDeduplicationId: 'event-1' }));
    expect(sandbox.admin.snsMessages(TopicArn as string)).toHaveLength(3);
  });

  it('keeps accounts and Regions apart', async () => {
    const account = freshAccountId();
    await snsFor(account).send(new CreateTopicCommand({ Name: 'deploys' }));
    expect((await snsFor(account, 'us-east-1').send(new ListTopicsCommand({}))).Topics).toEqual([]);
    expect((await snsFor(freshAccountId()).send(new ListTopicsCommand({}))).Topics).toEqual([]);
  });
});

describe.runIf(hasAws)('sandbox SNS driven by the aws CLI', () => {
  it('create-topic, publish with message attributes, list-topics', async () => {
    const account = freshAccountId();
    const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
      const { stdout } = await run('aws', ['--endpoint-url', sandbox.endpoint, '--region', REGION, '--output', 'json', ...args], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: account, AWS_SECRET_ACCESS_KEY: 'x', AWS_PAGER: '' },
      });
      return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
    };
    const topicArn = `arn:aws:sns:${REGION}:${account}:cli-topic`;
    expect(await aws('sns', 'create-topic', '--name', 'cli-topic')).toEqual({ TopicArn: topicArn });
    const published = await aws('sns', 'publish', '--topic-arn', topicArn, '--subject', 'hello', '--message', 'from the CLI',
      '--message-attributes', '{"severity":{"DataType":"String","StringValue":"error"}}');
    expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await aws('sns', 'list-topics')).toEqual({ Topics: [{ TopicArn: topicArn }] });
    expect(sandbox.admin.snsMessages(topicArn)).toEqual([expect.objectContaining({
      subject: 'hello', message: 'from the CLI', messageAttributes: { severity: { DataType: 'String', StringValue: 'error' } },
    })]);
    await expect(aws('sns', 'publish', '--topic-arn', `arn:aws:sns:${REGION}:${account}:missing`, '--message', 'x')).rejects.toThrow(/NotFound/);
  });
});
