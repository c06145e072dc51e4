/**
 * The connection's clients per location (`[account@]region`) over the
 * sandbox, through the real SDK and HTTP: an account whose environment names
 * a role gets clients with that role's assumed credentials, which the
 * sandbox's STS ties to the role's account; the sandbox's call log says in
 * which account each call acted. Expired credentials are refreshed (ahead of
 * time, or after a call refused as expired, retried once) without a failed
 * call; a refused AssumeRole fails only that account's calls, with
 * AWS_ASSUME_ROLE_FAILED.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AccountDirectory } from '../../src/accounts/account-directory.js';
import type { AssumeRoleAttempt } from '../../src/accounts/assume-role-credentials.js';
import { connectEcs, type AccountAccessEvent, type EcsConnection } from '../../src/app/runtime.js';
import { AwsCallError } from '../../src/ecs/aws-error.js';
import type { AwsRequestEvent } from '../../src/ecs/ecs-api.js';
import type { DesiredEnvironment } from '../../src/manifests/types.js';

const DEV = '111111111111';
const PROD = '222222222222';
const OWN = '123456789012';
const roleOf = (account: string) => `arn:aws:iam::${account}:role/ecs-gitops-target`;

/** Just what AccountDirectory.update reads of an environment. */
function environment(name: string, account: string, region: string, spec: Record<string, unknown> = {}): DesiredEnvironment {
  return { name, account, region, manifest: { spec: { account, region, ...spec } } } as unknown as DesiredEnvironment;
}

function directory(...environments: DesiredEnvironment[]): AccountDirectory {
  const accounts = new AccountDirectory();
  accounts.update(environments);
  return accounts;
}

interface World {
  connection: EcsConnection;
  attempts: AssumeRoleAttempt[];
  access: AccountAccessEvent[];
  requests: AwsRequestEvent[];
}

let world: World | undefined;
afterEach(async () => {
  await world?.connection.close();
  world = undefined;
});

async function connect(accounts: AccountDirectory): Promise<World> {
  const attempts: AssumeRoleAttempt[] = [];
  const access: AccountAccessEvent[] = [];
  const requests: AwsRequestEvent[] = [];
  const connection = await connectEcs({
    region: 'eu-west-1', env: {}, sandbox: {}, accounts, controllerId: 'ecs-gitops-test',
    onAssumeRole: (attempt) => attempts.push(attempt),
    onAccountAccess: (event) => access.push(event),
    observer: (event) => requests.push(event),
  });
  world = { connection, attempts, access, requests };
  return world;
}

/** The accounts the sandbox saw CreateCluster act in, per cluster name. */
function createdIn(connection: EcsConnection): Record<string, string> {
  const admin = connection.sandbox?.admin;
  if (!admin) throw new Error('no sandbox');
  const out: Record<string, string> = {};
  for (const call of admin.callLog({ operation: 'CreateCluster' })) out[call.target ?? ''] = call.accountId;
  return out;
}

describe('connectEcs with accounts (sandbox)', () => {
  it('gives two locations in two accounts clients acting in their own account, and a plain Region the controller\'s own', async () => {
    const { connection, attempts, access } = await connect(directory(
      environment('dev', DEV, 'eu-west-1', { roleArn: roleOf(DEV), externalId: 'dev-ext' }),
      environment('prod', PROD, 'us-east-1', { roleArn: roleOf(PROD) }),
    ));
    connection.sandbox?.admin.setRole(roleOf(DEV), { externalId: 'dev-ext' });
    const dev = await connection.ecsFor(`${DEV}@eu-west-1`).send('CreateCluster', { clusterName: 'dev-cluster' });
    const prod = await connection.ecsFor(`${PROD}@us-east-1`).send('CreateCluster', { clusterName: 'prod-cluster' });
    const own = await connection.ecsFor('eu-west-1').send('CreateCluster', { clusterName: 'own-cluster' });
    expect(dev.cluster?.clusterArn).toBe(`arn:aws:ecs:eu-west-1:${DEV}:cluster/dev-cluster`);
    expect(prod.cluster?.clusterArn).toBe(`arn:aws:ecs:us-east-1:${PROD}:cluster/prod-cluster`);
    expect(own.cluster?.clusterArn).toBe(`arn:aws:ecs:eu-west-1:${OWN}:cluster/own-cluster`);
    expect(createdIn(connection)).toEqual({ 'dev-cluster': DEV, 'prod-cluster': PROD, 'own-cluster': OWN });
    // Each account's own state: dev's cluster is not in prod's account.
    const prodClusters = await connection.ecsFor(`${PROD}@us-east-1`).send('ListClusters', {});
    expect(prodClusters.clusterArns).toEqual([`arn:aws:ecs:us-east-1:${PROD}:cluster/prod-cluster`]);
    // The other APIs of a location act in its account too.
    await connection.schedulerFor(`${DEV}@eu-west-1`).send('CreateScheduleGroup', { Name: 'ecs-gitops-test' });
    expect(connection.sandbox?.admin.callLog({ operation: 'CreateScheduleGroup' }).map((c) => c.accountId)).toEqual([DEV]);
    expect(attempts.sort((a, b) => a.account.localeCompare(b.account))).toEqual([{ account: DEV, ok: true }, { account: PROD, ok: true }]);
    expect(connection.sandbox?.admin.assumeRoleCalls()).toEqual({ [roleOf(DEV)]: 1, [roleOf(PROD)]: 1 });
    expect(access).toContainEqual({ account: DEV, region: 'eu-west-1', ok: true });
    expect(access).toContainEqual({ account: PROD, region: 'us-east-1', ok: true });
  });

  it('uses the controller\'s own credentials for an account without a role only when it is the own account (STS GetCallerIdentity, asked once)', async () => {
    const { connection, attempts, access } = await connect(directory(environment('dev', DEV, 'eu-west-1'), environment('own', OWN, 'eu-west-1')));
    const created = await connection.ecsFor(`${OWN}@eu-west-1`).send('CreateCluster', { clusterName: 'no-role' });
    expect(created.cluster?.clusterArn).toBe(`arn:aws:ecs:eu-west-1:${OWN}:cluster/no-role`);
    await expect(connection.ownAccount()).resolves.toBe(OWN);
    // Another account without a role: refused before anything is sent, naming both accounts.
    const refused = await connection.ecsFor(`${DEV}@eu-west-1`).send('CreateCluster', { clusterName: 'wrong-account' }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AwsCallError);
    expect((refused as AwsCallError).code).toBe('AWS_ACCOUNT_WITHOUT_ROLE');
    expect((refused as AwsCallError).message).toContain(`account ${DEV}`);
    expect((refused as AwsCallError).message).toContain(`own credentials are in account ${OWN}`);
    await expect(connection.lookupFor(`${DEV}@eu-west-1`).send('GetParameter', { Name: '/x' })).rejects.toMatchObject({ code: 'AWS_ACCOUNT_WITHOUT_ROLE' });
    expect(createdIn(connection)).toEqual({ 'no-role': OWN });
    expect(connection.sandbox?.admin.callLog({ operation: 'GetCallerIdentity' }).length).toBe(1);
    expect(access).toContainEqual({ account: DEV, region: 'eu-west-1', ok: false });
    expect(attempts).toEqual([]);
  });

  it('fails an account@ location without a role when the own account cannot be learned: nothing is sent', async () => {
    const accounts = directory(environment('own', OWN, 'eu-west-1'));
    // A wrong STS endpoint: GetCallerIdentity cannot answer, the own credentials are never guessed to be OWN's.
    const { connection } = await connect(accounts);
    const broken = await connectEcs({
      region: 'eu-west-1', accounts, controllerId: 'ecs-gitops-test',
      env: { AWS_ENDPOINT_URL_ECS: connection.endpoint, AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40) },
    });
    try {
      const refused = await broken.ecsFor(`${OWN}@eu-west-1`).send('CreateCluster', { clusterName: 'guess' }).catch((err: unknown) => err);
      expect((refused as AwsCallError).code).toBe('AWS_ACCOUNT_WITHOUT_ROLE');
      expect((refused as AwsCallError).message).toContain('could not be learned');
      expect(createdIn(connection)).toEqual({});
    } finally {
      await broken.close();
    }
  });

  it('refreshes credentials before they expire: no call fails during the run', async () => {
    const { connection, attempts, requests } = await connect(directory(environment('dev', DEV, 'eu-west-1', { roleArn: roleOf(DEV) })));
    // 4 s credentials: a quarter of their life (1 s) before expiry they are assumed again.
    connection.sandbox?.admin.setSessionSeconds(4);
    const ecs = connection.ecsFor(`${DEV}@eu-west-1`);
    const started = Date.now();
    let calls = 0;
    while (Date.now() - started < 6_500) {
      await ecs.send('ListClusters', {});
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(calls).toBeGreaterThan(10);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.every((a) => a.ok)).toBe(true);
    const log = connection.sandbox?.admin.callLog({ operation: 'ListClusters' }) ?? [];
    expect(log.every((c) => c.outcome === 'ok' && c.accountId === DEV)).toBe(true);
    // Refreshed ahead of time: not one call was refused as expired (and retried).
    expect(requests.filter((r) => r.outcome !== 'ok')).toEqual([]);
  }, 20_000);

  it('drops credentials a call was refused as expired, assumes the role again and retries the call once', async () => {
    const { connection, attempts, access, requests } = await connect(directory(environment('dev', DEV, 'eu-west-1', { roleArn: roleOf(DEV) })));
    const ecs = connection.ecsFor(`${DEV}@eu-west-1`);
    await ecs.send('CreateCluster', { clusterName: 'before' });
    expect(connection.sandbox?.admin.expireCredentials()).toBe(1);
    const after = await ecs.send('CreateCluster', { clusterName: 'after' });
    expect(after.cluster?.clusterArn).toBe(`arn:aws:ecs:eu-west-1:${DEV}:cluster/after`);
    expect(attempts).toEqual([{ account: DEV, ok: true }, { account: DEV, ok: true }]);
    // The sandbox refused the call signed with the old credentials, then took the retry.
    expect(requests.filter((r) => r.operation === 'CreateCluster').map((r) => r.errorName ?? r.outcome))
      .toEqual(['ok', 'ExpiredTokenException', 'ok']);
    expect(connection.sandbox?.admin.callLog({ operation: 'CreateCluster' }).map((c) => c.accountId)).toEqual([DEV, DEV]);
    expect(access).toEqual([{ account: DEV, region: 'eu-west-1', ok: true }]);
  });

  it('fails only the account whose role cannot be assumed, with AWS_ASSUME_ROLE_FAILED and no secret', async () => {
    const { connection, attempts, access } = await connect(directory(
      environment('dev', DEV, 'eu-west-1', { roleArn: roleOf(DEV) }),
      environment('prod', PROD, 'eu-west-1', { roleArn: roleOf(PROD), externalId: 'wrong-ext' }),
    ));
    connection.sandbox?.admin.setRole(roleOf(PROD), { externalId: 'prod-ext' });
    const error = await connection.ecsFor(`${PROD}@eu-west-1`).send('ListClusters', {}).then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(AwsCallError);
    const failure = error as AwsCallError;
    expect(failure.code).toBe('AWS_ASSUME_ROLE_FAILED');
    expect(failure.message).toContain(`account ${PROD}`);
    expect(failure.message).toContain(roleOf(PROD));
    expect(failure.message).toContain('AccessDenied');
    expect(failure.details).toMatchObject({ account: PROD, roleArn: roleOf(PROD), operation: 'ListClusters' });
    const shown = `${failure.message} ${JSON.stringify(failure.details)}`;
    expect(shown).not.toMatch(/sandbox-not-a-secret|ASIA[A-Z0-9]{16}/);
    expect(shown).not.toContain('wrong-ext');
    // Nothing reached ECS for prod; dev works.
    expect(connection.sandbox?.admin.callLog({ accountId: PROD })).toEqual([]);
    await connection.ecsFor(`${DEV}@eu-west-1`).send('ListClusters', {});
    expect(attempts).toContainEqual({ account: PROD, ok: false });
    expect(attempts).toContainEqual({ account: DEV, ok: true });
    expect(access).toContainEqual({ account: PROD, region: 'eu-west-1', ok: false });
    expect(access).toContainEqual({ account: DEV, region: 'eu-west-1', ok: true });
  });

  it('makes new clients when an account\'s role changes', async () => {
    const accounts = directory(environment('dev', DEV, 'eu-west-1', { roleArn: roleOf(DEV) }));
    const { connection } = await connect(accounts);
    const before = connection.ecsFor(`${DEV}@eu-west-1`);
    expect(connection.ecsFor(`${DEV}@eu-west-1`)).toBe(before);
    const other = `arn:aws:iam::${DEV}:role/another`;
    accounts.update([environment('dev', DEV, 'eu-west-1', { roleArn: other })]);
    const after = connection.ecsFor(`${DEV}@eu-west-1`);
    expect(after).not.toBe(before);
    await after.send('ListClusters', {});
    expect(connection.sandbox?.admin.assumeRoleCalls()).toEqual({ [other]: 1 });
  });
});
