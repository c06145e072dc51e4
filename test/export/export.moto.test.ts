/**
 * Adoption against moto_server (the real AWS wire format from another
 * implementation): services created with the SDK are exported, the files
 * validate, the diff against live reports every service in sync, and the
 * controller adopts them (ownership tags only) without changing anything else.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateClusterCommand, CreateServiceCommand, RegisterTaskDefinitionCommand, type ECSClient,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/util/clock.js';
import { createController } from '../../src/controller/index.js';
import { diffAgainstLive } from '../../src/controller/live-diff.js';
import { EcsCallCounter } from '../../src/ecs/call-counter.js';
import { MUTATING_OPERATIONS, type EcsApi } from '../../src/ecs/ecs-api.js';
import { ecsApiFromClient } from '../../src/ecs/index.js';
import { exportServices } from '../../src/export/index.js';
import { loadManifests } from '../../src/manifests/index.js';
import { motoAccount, motoEndpoint } from '../support/moto.js';
import { createVpc } from '../packaging/moto-query.js';

describe.skipIf(motoEndpoint() === null)('export (moto)', () => {
  let client: ECSClient;
  let accountId: string;
  let work: string;
  const region = 'eu-west-1';

  beforeAll(async () => {
    const account = motoAccount(region);
    accountId = account.accountId;
    client = account.ecs();
    const { subnets, securityGroup } = await createVpc({ endpoint: account.endpoint, accountId: account.accountId, region });
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-export-moto-'));
    await client.send(new CreateClusterCommand({ clusterName: 'prod' }));
    await client.send(new RegisterTaskDefinitionCommand({
      family: 'api',
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      containerDefinitions: [{
        name: 'api', image: 'public.ecr.aws/nginx/nginx:1.27', essential: true,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        environment: [{ name: 'API_TOKEN', value: 'planted-token' }, { name: 'MODE', value: 'prod' }],
      }],
    }));
    await client.send(new CreateServiceCommand({
      cluster: 'prod', serviceName: 'api', taskDefinition: 'api', desiredCount: 2, launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets, securityGroups: [securityGroup] } },
      tags: [{ key: 'team', value: 'core' }],
    }));
    await client.send(new RegisterTaskDefinitionCommand({
      family: 'batch',
      containerDefinitions: [{ name: 'batch', image: 'busybox:1.36', memory: 128, command: ['sleep', '3600'] }],
    }));
    await client.send(new CreateServiceCommand({ cluster: 'prod', serviceName: 'batch', taskDefinition: 'batch', desiredCount: 1, launchType: 'EC2' }));
  });
  afterAll(async () => {
    client?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('exports every service; the files validate and diff in sync against moto', async () => {
    const ecs = ecsApiFromClient(client);
    const out = path.join(work, 'manifests');
    const report = await exportServices({ ecs, clock: systemClock, region, cluster: 'prod', outDir: out });
    expect(report.files.map((f) => f.service)).toEqual(['api', 'batch']);
    for (const file of report.files) expect(file.residualChanges, file.service).toEqual([]);
    expect(report.files[0]?.flaggedSecrets).toEqual(['api/API_TOKEN']);

    const api = await readFile(path.join(out, 'prod', 'api.yaml'), 'utf8');
    expect(api).toContain('# ecs-gitops export: this name looks like a secret');
    expect(api).not.toMatch(/taskDefinitionArn|revision:|registeredAt|compatibilities:/);

    const snapshot = await loadManifests(out, { defaultRegion: region });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.services.map((s) => s.key).sort()).toEqual([`${region}/prod/api`, `${region}/prod/batch`]);

    const { results } = await diffAgainstLive(snapshot.services, { ecs: () => ecs, clock: systemClock, signal: new AbortController().signal });
    for (const result of results) expect({ key: result.key, changes: result.changes }).toEqual({ key: result.key, changes: [] });
  });

  it('the controller adopts the exported services with one TagResource each, then makes no mutating call', async () => {
    const raw = ecsApiFromClient(client);
    const out = path.join(work, 'adopt');
    await exportServices({ ecs: raw, clock: systemClock, region, cluster: 'prod', outDir: out });
    const snapshot = { ...(await loadManifests(out, { defaultRegion: region })), revision: 'exported' };
    expect(snapshot.problems).toEqual([]);

    const counter = new EcsCallCounter();
    const tagged: string[] = [];
    const api: EcsApi = counter.wrap({
      send: (operation, input, signal) => {
        if (operation === 'TagResource') tagged.push((input as { resourceArn: string }).resourceArn);
        return raw.send(operation, input, signal);
      },
    });
    // The opt-in a person makes with their own credentials: each service is tagged for adoption by this controller.
    for (const name of ['api', 'batch']) {
      await raw.send('TagResource', { resourceArn: `arn:aws:ecs:${region}:${accountId}:service/prod/${name}`, tags: [{ key: 'ecs-gitops/adopt', value: 'ecs-gitops' }] });
    }
    // moto never progresses deployments: judge calls and sync, not health.
    const controller = createController({ ecs: api, workers: 4, resyncMs: 0, followRollouts: false, backoffBaseMs: 50, backoffMaxMs: 500 });
    const mutating = () => Object.fromEntries([...counter.counts].filter(([op]) => MUTATING_OPERATIONS.has(op)));
    try {
      controller.setSnapshot(snapshot);
      await controller.waitForIdle({ requeues: true });
      expect(mutating()).toEqual({ TagResource: 2 });
      expect(tagged.sort()).toEqual([
        `arn:aws:ecs:${region}:${accountId}:service/prod/api`,
        `arn:aws:ecs:${region}:${accountId}:service/prod/batch`,
      ]);
      for (const name of ['api', 'batch']) {
        const live = (await raw.send('DescribeServices', { cluster: 'prod', services: [name], include: ['TAGS'] })).services?.[0];
        expect(live?.tags, name).toEqual(expect.arrayContaining([
          { key: 'ecs-gitops/managed-by', value: 'ecs-gitops' },
          { key: 'ecs-gitops/source', value: `prod/${name}.yaml` },
          { key: 'ecs-gitops/revision', value: 'exported' },
        ]));
      }
      expect(controller.status.list().map((s) => [s.service, s.sync, s.lastApplySucceeded])).toEqual([['api', 'Synced', true], ['batch', 'Synced', true]]);

      counter.reset();
      await controller.resync();
      await controller.waitForIdle({ requeues: true });
      expect(mutating()).toEqual({});
      expect(counter.count('DescribeServices')).toBeGreaterThan(0);
    } finally {
      await controller.stop({ graceMs: 100 });
    }
  });
});
