/**
 * ecs_gitops_lookups_total{source,result} (docs/observability.md, "AWS"):
 * every source and result exists at 0 from the start, and the controller's
 * resolver feeds it (src/app/serve.ts wires createLookupResolver's onLookup):
 * `run --sandbox` over a service in two accounts whose subnets are an SSM
 * StringList reads each account's parameter once (miss), answers later
 * reconciles from the cache (hit), and counts a missing parameter as an error.
 */
import { readFile } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { LOOKUP_RESULTS, LOOKUP_SOURCES, createMetrics } from '../../src/observe/metrics.js';
import { ManifestDir, eventually, startCliInProcess } from '../controller/harness.js';
import { LISTEN_ANY_PORT, settled, waitForListenUrl } from '../support/listen-url.js';
import { valueOf } from './metric-values.js';

describe('ecs_gitops_lookups_total', () => {
  it('has every source and result at 0 before any lookup, and counts what it is told', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    expect(LOOKUP_SOURCES).toEqual(['ssm', 'cloudformation']);
    expect(LOOKUP_RESULTS).toEqual(['hit', 'miss', 'error']);
    for (const source of LOOKUP_SOURCES) {
      for (const result of LOOKUP_RESULTS) expect(await valueOf(registry, 'ecs_gitops_lookups_total', { source, result }), `${source} ${result}`).toBe(0);
    }
    metrics.recordLookup('cloudformation', 'miss');
    metrics.recordLookup('cloudformation', 'hit');
    metrics.recordLookup('cloudformation', 'hit');
    metrics.recordLookup('ssm', 'error');
    expect(await valueOf(registry, 'ecs_gitops_lookups_total', { source: 'cloudformation', result: 'miss' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_lookups_total', { source: 'cloudformation', result: 'hit' })).toBe(2);
    expect(await valueOf(registry, 'ecs_gitops_lookups_total', { source: 'ssm', result: 'error' })).toBe(1);
    expect(await valueOf(registry, 'ecs_gitops_lookups_total', { source: 'ssm', result: 'miss' })).toBe(0);
  });
});

describe('ecs_gitops_lookups_total from a running controller (run --sandbox, two accounts)', () => {
  let dir: ManifestDir | undefined;
  afterEach(async () => {
    await dir?.dispose();
  });

  it('counts each account\'s read once as a miss, cached answers as hits, and a missing parameter as an error', async () => {
    dir = await ManifestDir.create();
    // The quick start's environments, cluster and api (its seed holds /network/private-subnets in both accounts).
    for (const file of ['environments/dev.yaml', 'environments/prod.yaml', 'clusters/apps.yaml', 'services/api.yaml']) {
      await dir.write(file, await readFile(`manifests/${file}`, 'utf8'));
    }
    await dir.write('services/jobs.yaml', `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: jobs
  environments: [dev]
spec:
  desiredCount: 1
  launchType: FARGATE
  networkConfiguration:
    awsvpcConfiguration: { subnets: ["\${ssm:/network/no-such-parameter}"] }
  taskDefinition:
    family: jobs
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    containerDefinitions:
      - name: jobs
        image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.1.0
        essential: true
`);
    const cli = startCliInProcess(['run', '--repo', dir.root, '--sandbox', '--listen', LISTEN_ANY_PORT, '--resync', '1s', '--log-format', 'json']);
    const url = await waitForListenUrl(cli.stdout, { stopped: settled(cli.exit), stopOnFailure: cli.stop });
    const series = async (): Promise<Record<string, number>> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const out: Record<string, number> = {};
      for (const [, source, result, value] of text.matchAll(/^ecs_gitops_lookups_total\{source="(\w+)",result="(\w+)"\} (\d+)$/gm)) out[`${source}/${result}`] = Number(value);
      return out;
    };
    try {
      // A resync after the first pass: api's subnets come from the cache in both accounts.
      await eventually(async () => {
        const now = await series();
        return (now['ssm/hit'] ?? 0) >= 2 && (now['ssm/error'] ?? 0) >= 1;
      }, async () => ({ metrics: await series(), log: cli.stdout().slice(-3000) }), 30_000);
      const now = await series();
      // One GetParameter per account: dev's and prod's parameter, each read once within the cache's TTL.
      expect(now['ssm/miss']).toBe(2);
      expect(now).toMatchObject({ 'cloudformation/hit': 0, 'cloudformation/miss': 0, 'cloudformation/error': 0 });
      const aws = await (await fetch(`${url}/metrics`)).text();
      expect(aws).toMatch(/^ecs_gitops_aws_requests_total\{api="ssm",operation="GetParameter",outcome="ok"\} 2$/m);
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
  }, 60_000);
});
