/**
 * The assumed-role credential provider against moto_server's STS, which ties
 * the credentials AssumeRole returns to the role's account: an ECS client
 * signed with them acts in that account (its ARNs name it), and
 * GetCallerIdentity names the role session. The clock is the only thing
 * moved by hand (to reach "close to expiry" without waiting for it).
 */
import { randomInt } from 'node:crypto';
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createAssumeRoleProvider, createStsClient, defaultSessionName, type AssumeRoleAttempt,
} from '../../src/accounts/assume-role-credentials.js';
import { GitopsError } from '../../src/errors/index.js';
import { dummyCredentials, motoEndpoint } from '../support/moto.js';

const endpoint = motoEndpoint();
const region = 'eu-west-1';

describe.skipIf(endpoint === null)('createAssumeRoleProvider against moto', () => {
  const sts = endpoint ? createStsClient({ region, endpoint, credentials: dummyCredentials() }) : undefined;
  afterAll(() => sts?.destroy());

  const newAccount = () => String(randomInt(100_000_000_000, 999_999_999_999));
  function provider(options: { account?: string; durationSeconds?: number; now?: () => number; sessionName?: string } = {}) {
    const account = options.account ?? newAccount();
    const attempts: AssumeRoleAttempt[] = [];
    const credentials = createAssumeRoleProvider({
      role: {
        account, roleArn: `arn:aws:iam::${account}:role/ecs-gitops-target`, externalId: 'ext-123',
        ...(options.sessionName ? { sessionName: options.sessionName } : {}),
      },
      controllerId: 'team a/prod',
      sts: sts as STSClient,
      ...(options.durationSeconds !== undefined ? { durationSeconds: options.durationSeconds } : {}),
      ...(options.now ? { now: options.now } : {}),
      onAttempt: (attempt) => attempts.push(attempt),
    });
    return { account, credentials, attempts };
  }

  it('gives credentials that act in the role\'s account, with the session named after the controller', async () => {
    const { account, credentials, attempts } = provider();
    const ecs = new ECSClient({ region, endpoint: endpoint as string, credentials, maxAttempts: 1 });
    const caller = new STSClient({ region, endpoint: endpoint as string, credentials, maxAttempts: 1 });
    try {
      const created = await ecs.send(new CreateClusterCommand({ clusterName: 'assumed' }));
      expect(created.cluster?.clusterArn).toBe(`arn:aws:ecs:${region}:${account}:cluster/assumed`);
      const identity = await caller.send(new GetCallerIdentityCommand({}));
      expect(identity.Account).toBe(account);
      // STS's session names allow [\w+=,.@-] only: the space and slash of the controller id became '-'.
      expect(identity.Arn).toBe(`arn:aws:sts::${account}:assumed-role/ecs-gitops-target/ecs-gitops-team-a-prod`);
      // Two clients, several requests: one AssumeRole.
      expect(attempts).toEqual([{ account, ok: true }]);
    } finally {
      ecs.destroy();
      caller.destroy();
    }
  });

  it('uses the environment\'s session name when it sets one', async () => {
    const { account, credentials } = provider({ sessionName: 'deployer' });
    const caller = new STSClient({ region, endpoint: endpoint as string, credentials, maxAttempts: 1 });
    try {
      expect((await caller.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::${account}:assumed-role/ecs-gitops-target/deployer`);
    } finally {
      caller.destroy();
    }
  });

  it('sends one AssumeRole for concurrent callers and caches its answer', async () => {
    const { credentials, attempts } = provider();
    const all = await Promise.all(Array.from({ length: 8 }, () => credentials()));
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
    expect((await credentials()).accessKeyId).toBe(all[0]?.accessKeyId);
    expect(attempts).toHaveLength(1);
  });

  it('refreshes when less than min(5 minutes, a quarter of the lifetime) remains', async () => {
    let skewMs = 0;
    // 900 s (STS's minimum): a quarter is 225 s, less than 5 minutes, so the refresh comes at 675 s.
    const { credentials, attempts } = provider({ durationSeconds: 900, now: () => Date.now() + skewMs });
    const first = await credentials();
    expect(first.expiration.getTime() - Date.now()).toBeGreaterThan(890_000);
    skewMs = 665_000;
    expect((await credentials()).accessKeyId).toBe(first.accessKeyId);
    skewMs = 685_000;
    const second = await credentials();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(attempts).toHaveLength(2);
    // The new credentials are good for their own lifetime again.
    expect((await credentials()).accessKeyId).toBe(second.accessKeyId);
    expect(attempts).toHaveLength(2);
  });

  it('refreshes 5 minutes before expiry when a quarter of the lifetime is longer', async () => {
    let skewMs = 0;
    const { credentials, attempts } = provider({ durationSeconds: 3600, now: () => Date.now() + skewMs });
    const first = await credentials();
    skewMs = 3600_000 - 310_000;
    expect((await credentials()).accessKeyId).toBe(first.accessKeyId);
    skewMs = 3600_000 - 290_000;
    expect((await credentials()).accessKeyId).not.toBe(first.accessKeyId);
    expect(attempts).toHaveLength(2);
  });

  it('assumes the role again after invalidate()', async () => {
    const { credentials, attempts } = provider();
    const first = await credentials();
    credentials.invalidate();
    expect((await credentials()).accessKeyId).not.toBe(first.accessKeyId);
    expect(attempts).toHaveLength(2);
  });

  it('turns an unreachable STS into AWS_ASSUME_ROLE_FAILED naming the account and role, and reports the attempt', async () => {
    const dead = createStsClient({ region, endpoint: 'http://127.0.0.1:9', credentials: dummyCredentials(), maxAttempts: 1 });
    const attempts: AssumeRoleAttempt[] = [];
    const account = newAccount();
    const roleArn = `arn:aws:iam::${account}:role/ecs-gitops-target`;
    const credentials = createAssumeRoleProvider({ role: { account, roleArn }, controllerId: 'ecs-gitops', sts: dead, onAttempt: (a) => attempts.push(a) });
    try {
      const error = await credentials().then(() => undefined, (err: unknown) => err);
      expect(error).toBeInstanceOf(GitopsError);
      const failure = error as GitopsError;
      expect(failure.code).toBe('AWS_ASSUME_ROLE_FAILED');
      expect(failure.message).toContain(`account ${account}`);
      expect(failure.message).toContain(roleArn);
      expect(failure.details).toMatchObject({ account, roleArn });
      expect(failure.message).not.toContain(dummyCredentials().secretAccessKey);
      expect(failure.message).not.toContain(dummyCredentials().accessKeyId);
      expect(attempts).toEqual([{ account, ok: false }]);
      // Held a few seconds: a burst of calls is not a burst of AssumeRoles.
      await expect(credentials()).rejects.toBe(failure);
      expect(attempts).toHaveLength(1);
    } finally {
      dead.destroy();
    }
  });
});

describe('defaultSessionName', () => {
  it.each([
    ['ecs-gitops', 'ecs-gitops'],
    ['ecs-gitops-prod', 'ecs-gitops-prod'],
    ['team-a', 'ecs-gitops-team-a'],
    ['team a/prod:1', 'ecs-gitops-team-a-prod-1'],
    ['x'.repeat(80), `ecs-gitops-${'x'.repeat(53)}`],
  ])('%s -> %s', (id, expected) => {
    const name = defaultSessionName(id);
    expect(name).toBe(expected);
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});
