/**
 * `ecs-gitops start` (npm start) in-process: the repository's own manifests/
 * (copied, so edits stay in a temp dir) against the in-process sandbox;
 * services get created, an edited manifest is applied, Ctrl-C exits 0.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DescribeClustersCommand, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { eventually } from '../controller/harness.js';
import { startQuickStartCopy, statusOf } from './quick-start-harness.js';

describe('ecs-gitops start (quick start)', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates the example services in the sandbox, applies an edited manifest, and stops cleanly', async () => {
    const started = await startQuickStartCopy('ecs-gitops-start-');
    dir = started.dir;
    const { cli, url } = started;
    try {
      expect(cli.stdout()).toContain('Try next:');
      expect(cli.stdout()).toContain(`${url}/api/v1/status`);
      // The web UI the banner points at is served, built (npm start builds it first; the suite's global setup here).
      expect(cli.stdout()).toContain(`web UI     ${url}/ `);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script type="module" src="\/ui\/app-[^"]+\.js"><\/script>/);
      expect(cli.stdout()).toMatch(/manifests {2}\S+\/ \(6 services, 3 clusters, 1 scheduled task, 2 environments, 1 notifier, revision /);
      const { endpoint } = started;
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      await eventually(async () => {
        const services = await statusOf(url);
        return services.length === 6 && services.every((s) => s.sync === 'Synced' && s.health === 'Healthy');
      }, () => cli.stdout().slice(-3000));

      // The seeded demo cluster, opted in by its adopt tag, is adopted by clusters/demo.yaml, not refused.
      const clusters = new ECSClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: '123456789012', secretAccessKey: 'x' } });
      await eventually(async () => {
        const out = await clusters.send(new DescribeClustersCommand({ clusters: ['demo'], include: ['TAGS'] }));
        return out.clusters?.[0]?.tags?.some((t) => t.key === 'ecs-gitops/managed-by' && t.value === 'ecs-gitops-quickstart') === true;
      }, () => cli.stdout().slice(-3000));
      clusters.destroy();
      expect(cli.stdout()).not.toContain('DIFF_ADOPTION_NOT_ALLOWED');

      const webFile = path.join(dir, 'services', 'web.yaml');
      const text = await readFile(webFile, 'utf8');
      expect(text).toContain('desiredCount: 3');
      await writeFile(webFile, text.replace('desiredCount: 3', 'desiredCount: 5'));

      const ecs = new ECSClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: '123456789012', secretAccessKey: 'x' } });
      await eventually(async () => {
        const out = await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }));
        return out.services?.[0]?.desiredCount === 5;
      }, () => cli.stdout().slice(-3000));
      ecs.destroy();
      await eventually(async () => (await statusOf(url)).find((s) => s.service === 'web')?.sync === 'Synced', () => 'web synced');

      // Try next, step 2: a tag that is not in the sandbox ECR is held back, and the status shows what it holds back.
      const scaled = await readFile(webFile, 'utf8');
      expect(scaled).toContain(':1.4.2');
      await writeFile(webFile, scaled.replace(':1.4.2', ':9.9.9'));
      const web = async () => (await statusOf(url)).find((s) => s.service === 'web');
      await eventually(async () => (await web())?.lastError?.code === 'CONTROLLER_IMAGE_NOT_FOUND', () => cli.stdout().slice(-3000));
      const held = await web();
      expect(held?.sync).toBe('OutOfSync');
      expect(held?.diff).toEqual(expect.arrayContaining([expect.objectContaining({
        pointer: '/spec/taskDefinition/containerDefinitions/0/image', desired: expect.stringContaining(':9.9.9'), live: expect.stringContaining(':1.4.2'),
      })]));
      await writeFile(webFile, scaled);
      await eventually(async () => {
        const healed = await web();
        return healed?.sync === 'Synced' && healed.lastError === undefined;
      }, async () => web());

      // Try next, step 5: the autoscaled worker's target is registered, and the count its policy sets under load is left alone.
      const worker = async () => (await statusOf(url)).find((s) => s.service === 'worker');
      await eventually(async () => (await worker())?.autoScaling?.registered === true, async () => worker());
      expect((await worker())?.autoScaling).toMatchObject({ managedBy: 'git', minCapacity: 1, maxCapacity: 10, policies: ['cpu-60'], scheduledActions: ['weekday-morning'] });
      const load = await fetch(`${endpoint}/_sandbox/services/load`, {
        method: 'POST', body: JSON.stringify({ accountId: '123456789012', region: 'eu-west-1', cluster: 'demo', service: 'worker', cpu: 95 }),
      });
      expect(load.status, await load.text()).toBe(200);
      const skip = await fetch(`${endpoint}/_sandbox/clock`, { method: 'POST', body: JSON.stringify({ advanceMs: 300_000 }) });
      expect(skip.status, await skip.text()).toBe(200);
      await eventually(async () => {
        const scaled = await worker();
        return (scaled?.autoScaling?.desiredCount ?? 0) > 1 && scaled?.sync === 'Synced' && scaled.autoScaling?.lastActivity !== undefined;
      }, async () => worker(), 30_000);
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
    expect(cli.stdout()).toContain('"msg":"stopped"');
  }, 60_000);
});
