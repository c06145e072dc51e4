/**
 * The corpus of real-world task definitions (docs/corpus.md) against
 * moto_server, the AWS wire format from another implementation: each manifest
 * loads without problems, the controller applies it, the diff against moto is
 * clean, a resync makes no mutating call, and `export` of the cluster diffs
 * clean. Each case has its own moto account (x-moto-account-id) and its own
 * VPC, since moto checks awsvpc subnets against its EC2.
 *
 * moto keeps no ECR registries of other accounts, so image checks are left
 * out here (no ECR client); the sandbox suite covers them. moto never
 * progresses deployments, so health is not judged, only sync and calls.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateClusterCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect as globalExpect, it } from 'vitest';
import { createController } from '../../src/controller/index.js';
import { diffAgainstLive } from '../../src/controller/live-diff.js';
import { EcsCallCounter } from '../../src/ecs/call-counter.js';
import { MUTATING_OPERATIONS, type EcsApi } from '../../src/ecs/ecs-api.js';
import { ecsApiFromClient } from '../../src/ecs/index.js';
import { exportServices } from '../../src/export/index.js';
import { loadManifests } from '../../src/manifests/index.js';
import { systemClock } from '../../src/util/clock.js';
import { createVpc } from '../packaging/moto-query.js';
import { motoAccount, motoEndpoint } from '../support/moto.js';
import { CORPUS_ACCOUNT, CORPUS_CLUSTER, CORPUS_REGION, loadCorpus, type CorpusCase } from './corpus.js';

const cases = loadCorpus();

/**
 * Cases moto cannot show, with what moto does differently (observed by this
 * suite against moto 5.2.x: the diff after apply, or the export, shows the
 * field missing or changed on moto's side). They run as expected failures, so
 * a moto upgrade that closes a gap is noticed.
 */
const MOTO_GAPS: Readonly<Record<string, string>> = {
  'awsdocs-ebs-configured-at-launch': 'moto returns the service without volumeConfigurations',
  'awsdocs-ecr-image-task-role': 'moto returns the service without the placementStrategy it was created with',
  'awsdocs-gpu': 'moto returns the service without the placementStrategy it was created with',
  'samples-nginx-ec2': 'moto returns the service without the placementStrategy it was created with',
  'awsdocs-fsx-windows': 'moto returns the service without the placementConstraints it was created with',
  'awsdocs-windows-simple-iis': 'moto returns the service without the placementConstraints it was created with',
  'samples-consul-server': 'moto returns the service without the placementConstraints it was created with',
  'ecspresso-fargate': 'moto drops deploymentConfiguration (docs/ecs-facts.md#moto-521-vs-real-ecs) and enableExecuteCommand',
  'newrelic-infra-daemon': 'moto registers a definition with requiresCompatibilities EC2 and EXTERNAL as networkMode awsvpc instead of the host mode sent',
  'awsdocs-inferentia-neuron': "moto refuses RegisterTaskDefinition for the container with memoryReservation 1000 and cpu 0 (ClientException: At least one of 'memory' or 'memoryReservation' must be specified), which ECS accepts",
  'samples-tomcat-fargate': 'moto ignores the capacityProviderStrategy of CreateService and reports launchType FARGATE instead',
};

describe.skipIf(motoEndpoint() === null)('real-world corpus (moto)', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-corpus-moto-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const steps = 'load, apply, diff clean, no-op resync, export round trip';
  async function runCase(corpusCase: CorpusCase, expect: typeof globalExpect): Promise<void> {
    const account = motoAccount(CORPUS_REGION);
    const client = account.ecs();
    const raw = ecsApiFromClient(client);
    const counter = new EcsCallCounter();
    const api: EcsApi = counter.wrap(raw);
    const controller = createController({ ecs: api, workers: 2, resyncMs: 0, followRollouts: false, backoffBaseMs: 50, backoffMaxMs: 500 });
    try {
      const { subnets, securityGroup } = await createVpc({ endpoint: account.endpoint, accountId: account.accountId, region: CORPUS_REGION });
      await client.send(new CreateClusterCommand({ clusterName: CORPUS_CLUSTER, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] }));
      const dir = path.join(work, corpusCase.name);
      await mkdir(path.join(dir, 'manifests'), { recursive: true });
      const text = corpusCase.text.split(CORPUS_ACCOUNT).join(account.accountId)
        .replace(/- subnet-1\n/g, subnets.map((s) => `- ${s}\n`).join('        '))
        .replace(/- sg-1\n/g, `- ${securityGroup}\n`);
      await writeFile(path.join(dir, 'manifests', `${corpusCase.name}.yaml`), text);

      const loaded = await loadManifests(path.join(dir, 'manifests'), { defaultRegion: CORPUS_REGION });
      expect.soft(loaded.problems, 'manifest problems').toEqual([]);

      controller.setSnapshot({ ...loaded, revision: 'corpus' });
      await controller.waitForIdle({ requeues: true });
      const status = controller.status.list().map((s) => ({ service: s.service, sync: s.sync, ok: s.lastApplySucceeded, lastError: s.lastError }));
      expect.soft(status.map(({ service, sync, ok }) => ({ service, sync, ok })), JSON.stringify(status)).toEqual([{ service: corpusCase.name, sync: 'Synced', ok: true }]);

      const signal = new AbortController().signal;
      const diff = await diffAgainstLive(loaded.services, { ecs: () => raw, clock: systemClock, signal });
      expect.soft(diff.results.map((r) => ({ key: r.key, changes: r.changes })), 'diff after apply').toEqual(diff.results.map((r) => ({ key: r.key, changes: [] })));

      counter.reset();
      await controller.resync();
      await controller.waitForIdle({ requeues: true });
      const writes = Object.fromEntries([...counter.counts].filter(([op]) => MUTATING_OPERATIONS.has(op)));
      expect.soft(writes, 'mutating calls of the resync').toEqual({});

      const out = path.join(dir, 'exported');
      const report = await exportServices({ ecs: raw, clock: systemClock, region: CORPUS_REGION, cluster: CORPUS_CLUSTER, outDir: out });
      expect.soft(report.files.map((f) => ({ service: f.service, residualChanges: f.residualChanges })), 'export').toEqual([{ service: corpusCase.name, residualChanges: [] }]);
      const exported = await loadManifests(out, { defaultRegion: CORPUS_REGION });
      expect.soft(exported.problems, 'problems of the exported manifest').toEqual([]);
      const exportDiff = await diffAgainstLive(exported.services, { ecs: () => raw, clock: systemClock, signal });
      expect.soft(exportDiff.results.map((r) => ({ key: r.key, changes: r.changes })), 'diff of the export').toEqual(exportDiff.results.map((r) => ({ key: r.key, changes: [] })));
    } finally {
      await controller.stop({ graceMs: 100 });
      client.destroy();
    }
  }

  // Cases run in parallel, each in its own moto account; a VPC per case makes them slower than the sandbox's.
  it.concurrent.for(cases.filter((c) => MOTO_GAPS[c.name] === undefined))(`$name: ${steps}`, { timeout: 120_000 }, (corpusCase, { expect }) => runCase(corpusCase, expect));
  it('every known moto gap names a corpus case (a stale entry would silently excuse nothing)', () => {
    globalExpect(Object.keys(MOTO_GAPS).filter((name) => !cases.some((c) => c.name === name))).toEqual([]);
  });
  for (const corpusCase of cases.filter((c) => MOTO_GAPS[c.name] !== undefined)) {
    it.fails(`${corpusCase.name}: ${steps} [known moto gap: ${MOTO_GAPS[corpusCase.name]}]`, { timeout: 120_000 }, () => runCase(corpusCase, globalExpect));
  }
});
