/** Smoke test of the moto harness: the real SDK over HTTP, isolated per account. */
import { CreateClusterCommand, ListClustersCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { motoAccount, motoEndpoint } from '../support/moto.js';

describe.runIf(motoEndpoint() !== null)('moto harness', () => {
  it('creates a cluster visible only in its own account', async () => {
    const first = motoAccount();
    const second = motoAccount();
    await first.ecs().send(new CreateClusterCommand({ clusterName: 'harness-smoke' }));
    const mine = await first.ecs().send(new ListClustersCommand({}));
    const theirs = await second.ecs().send(new ListClustersCommand({}));
    expect(mine.clusterArns).toEqual([`arn:aws:ecs:eu-west-1:${first.accountId}:cluster/harness-smoke`]);
    expect(theirs.clusterArns ?? []).toEqual([]);
  });
});
