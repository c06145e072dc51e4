/**
 * SNS topics in a sandbox seed: created before anything runs (standard and
 * FIFO), published to with the real SDK, seeding again changes nothing; the
 * quick start's seed holds the topic its Notifier publishes to; and serve's
 * `sandbox.topics` (ARNs) become that seed, grouped by account and Region, so
 * no controller code calls CreateTopic (test/packaging/iam-policy.test.ts).
 */
import { ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicsSeed } from '../../src/app/serve.js';
import { QUICKSTART_SEED, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { QUICKSTART_TOPIC_ARN } from '../../src/sandbox/quickstart-seed.js';

const REGION = 'eu-west-1';
const ACCOUNT = '310000000026';

describe('seeded SNS topics', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      throttling: 'off',
      seed: [QUICKSTART_SEED, topicsSeed([`arn:aws:sns:${REGION}:${ACCOUNT}:deploys`, `arn:aws:sns:${REGION}:${ACCOUNT}:ordered.fifo`, `arn:aws:sns:us-east-1:${ACCOUNT}:east`])],
    });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  const snsFor = (accountId: string, region = REGION) => new SNSClient({ ...sandbox.clientConfig({ accountId, region }), maxAttempts: 1 });

  it('groups topic ARNs by account and Region, and refuses what is not a topic ARN', () => {
    expect(topicsSeed([`arn:aws:sns:${REGION}:${ACCOUNT}:a`, `arn:aws:sns:us-east-1:${ACCOUNT}:b`, `arn:aws:sns:${REGION}:${ACCOUNT}:c.fifo`])).toEqual({
      accounts: [
        { accountId: ACCOUNT, region: REGION, topics: [{ name: 'a' }, { name: 'c.fifo' }] },
        { accountId: ACCOUNT, region: 'us-east-1', topics: [{ name: 'b' }] },
      ],
    });
    expect(() => topicsSeed(['arn:aws:sqs:eu-west-1:310000000026:queue'])).toThrow('not an SNS topic ARN: arn:aws:sqs:eu-west-1:310000000026:queue');
  });

  it('creates them before the first call, each in its account and Region, a .fifo name as a FIFO topic', async () => {
    const sns = snsFor(ACCOUNT);
    expect((await sns.send(new ListTopicsCommand({}))).Topics?.map((t) => t.TopicArn).sort()).toEqual([
      `arn:aws:sns:${REGION}:${ACCOUNT}:deploys`, `arn:aws:sns:${REGION}:${ACCOUNT}:ordered.fifo`,
    ]);
    expect((await snsFor(ACCOUNT, 'us-east-1').send(new ListTopicsCommand({}))).Topics).toEqual([{ TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:east` }]);
    await sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:deploys`, Message: 'standard' }));
    // A FIFO topic wants a group id: it is one.
    await expect(sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:ordered.fifo`, Message: 'fifo' }))).rejects.toThrow();
    await sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:ordered.fifo`, Message: 'fifo', MessageGroupId: 'g', MessageDeduplicationId: 'd1' }));
    expect(sandbox.admin.snsMessages(`arn:aws:sns:${REGION}:${ACCOUNT}:deploys`).map((m) => m.message)).toEqual(['standard']);
  });

  it('seeding the same topics again keeps what they received', async () => {
    sandbox.admin.seed(topicsSeed([`arn:aws:sns:${REGION}:${ACCOUNT}:deploys`]));
    expect(sandbox.admin.snsMessages(`arn:aws:sns:${REGION}:${ACCOUNT}:deploys`).map((m) => m.message)).toEqual(['standard']);
  });

  it('the quick start seed creates the topic its Notifier publishes to', async () => {
    const [, region, account] = /^arn:aws:sns:([^:]+):(\d{12}):/.exec(QUICKSTART_TOPIC_ARN) as unknown as [string, string, string];
    expect((await snsFor(account, region).send(new ListTopicsCommand({}))).Topics).toEqual([{ TopicArn: QUICKSTART_TOPIC_ARN }]);
  });
});
