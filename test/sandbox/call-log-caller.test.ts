/**
 * Caller attribution in the call log: each record names the app id of the
 * request's User-Agent (`app/<id>`), which the real AWS SDK adds when
 * AWS_SDK_UA_APP_ID is set, so several processes sharing one account (HA
 * replicas, docs/ha.md) can be told apart. Real SDK clients over HTTP, on
 * each wire protocol the sandbox serves.
 */
import { CreateClusterCommand, ECSClient, ListClustersCommand, TagResourceCommand } from '@aws-sdk/client-ecs';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerOf } from '../../src/sandbox/call-log.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { freshAccountId, testSandbox } from './sandbox-harness.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

/** Runs `fn` with AWS_SDK_UA_APP_ID set as a process would have it (the SDK reads it lazily, at the first send), then restores it. */
async function withAppIdEnv<T>(appId: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = process.env.AWS_SDK_UA_APP_ID;
  if (appId === undefined) delete process.env.AWS_SDK_UA_APP_ID;
  else process.env.AWS_SDK_UA_APP_ID = appId;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.AWS_SDK_UA_APP_ID;
    else process.env.AWS_SDK_UA_APP_ID = before;
  }
}

describe('call log caller', () => {
  it('names the User-Agent app id of each call (AWS_SDK_UA_APP_ID or userAgentAppId), and none without one', async () => {
    const accountId = freshAccountId();
    const config = { ...sandbox.clientConfig({ accountId, region: 'eu-west-1' }), maxAttempts: 1 };
    await withAppIdEnv('replica-a', () => new ECSClient(config).send(new CreateClusterCommand({ clusterName: 'a' })));
    await withAppIdEnv(undefined, () => new ECSClient({ ...config, userAgentAppId: 'replica-b' }).send(new CreateClusterCommand({ clusterName: 'b' })));
    await withAppIdEnv(undefined, () => new ECSClient(config).send(new ListClustersCommand({})));

    const log = sandbox.admin.callLog({ accountId });
    expect(log.map((r) => [r.operation, r.target, r.caller])).toEqual([
      ['CreateCluster', 'a', 'replica-a'],
      ['CreateCluster', 'b', 'replica-b'],
      ['ListClusters', undefined, undefined],
    ]);
    // No caller key at all when the request named none (the view's JSON stays as it was).
    expect(Object.keys(log[2] ?? {})).not.toContain('caller');

    // The admin view serves it and filters by it, over HTTP and in process.
    const res = await fetch(`${sandbox.endpoint}/_sandbox/calls/log?accountId=${accountId}&caller=replica-a`);
    const body = (await res.json()) as { calls: { operation: string; caller?: string }[] };
    expect(body.calls.map((c) => [c.operation, c.caller])).toEqual([['CreateCluster', 'replica-a']]);
    expect(sandbox.admin.callLog({ accountId, caller: 'replica-b' }).map((r) => r.target)).toEqual(['b']);
  });

  it('attributes the query (STS) and rest-json (Scheduler) protocols too', async () => {
    const accountId = freshAccountId();
    const config = { ...sandbox.clientConfig({ accountId, region: 'eu-west-1' }), maxAttempts: 1 };
    await withAppIdEnv('replica-c', () => new STSClient(config).send(new GetCallerIdentityCommand({})));
    await withAppIdEnv('replica-c', () => new SchedulerClient(config).send(new ListSchedulesCommand({})));
    expect(sandbox.admin.callLog({ accountId }).map((r) => [r.operation, r.caller])).toEqual([
      ['GetCallerIdentity', 'replica-c'],
      ['ListSchedules', 'replica-c'],
    ]);
  });

  it('names the resource ARN a tagging call writes to, so it too can be traced to its cluster', async () => {
    const accountId = freshAccountId();
    const ecs = new ECSClient({ ...sandbox.clientConfig({ accountId, region: 'eu-west-1' }), maxAttempts: 1, userAgentAppId: 'replica-d' });
    const arn = (await ecs.send(new CreateClusterCommand({ clusterName: 'tagged' }))).cluster?.clusterArn ?? '';
    await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'team', value: 'a' }] }));
    expect(sandbox.admin.callLog({ accountId, operation: 'TagResource' }).map((r) => [r.target, r.caller])).toEqual([[arn, 'replica-d']]);
  });

  it('reads the app token from user-agent, else x-amz-user-agent (a browser cannot set user-agent)', () => {
    expect(callerOf({ 'user-agent': 'aws-sdk-js/3.1 ua/2.1 os/linux lang/js md/nodejs#20 api/ecs#3.1 m/N,E app/r-1' })).toBe('r-1');
    expect(callerOf({ 'user-agent': 'Mozilla/5.0', 'x-amz-user-agent': 'aws-sdk-js/3.1 app/web-ui' })).toBe('web-ui');
    expect(callerOf({ 'user-agent': 'aws-sdk-js/3.1 ua/2.1 api/ecs#3.1 myapp/1' })).toBeUndefined();
    expect(callerOf({})).toBeUndefined();
  });
});
