/**
 * Many services' rollouts finishing at once, reconciled side by side by 64
 * workers: every outcome (the "rollout completed" log line with its task
 * definition, the status record, the rollout metric) must land on its own
 * key. A reconciler that kept the last pass's rollout in instance state,
 * shared by all workers and read across awaits, lost or misattributed them.
 * Against the in-memory ECS fake, so the passes interleave at every await.
 */
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/controller/index.js';
import { createLogger } from '../../src/observe/logger.js';
import { createMetrics } from '../../src/observe/metrics.js';
import { ManifestDir, REGION, eventually, serviceManifest } from './harness.js';
import { MemoryEcs } from './support/memory-ecs.js';

const SERVICES = 40;

interface LogLine {
  readonly msg: string;
  readonly key?: string;
  readonly taskDefinition?: string;
  readonly level: string;
}

describe('concurrent rollouts', () => {
  let controller: Controller | undefined;
  let dir: ManifestDir | undefined;
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    await dir?.dispose();
  });

  it('every rollout outcome lands on its own key when many finish while other services are reconciled beside them', async () => {
    const ecs = new MemoryEcs({ region: REGION });
    ecs.seedCluster('demo');
    dir = await ManifestDir.create();
    const names = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
    const rolling = names.filter((_, i) => i % 2 === 0);
    const write = (image: (name: string) => string) => dir!.write('services.yaml', names.map((name) => serviceManifest({ name, desiredCount: 1, image: image(name) })));
    await write(() => 'nginx:1.27');
    const lines: LogLine[] = [];
    const destination = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString()) as LogLine); done(); } });
    const logger = createLogger({ level: 'info', destination });
    const registry = new Registry();
    controller = createController({
      ecs, logger, metrics: createMetrics(registry), workers: 64, resyncMs: 0, rolloutPollMs: 5, rateLimits: false, backoffBaseMs: 10,
    });
    const active = controller;
    const healthy = () => active.status.list().length === SERVICES && active.status.list().every((s) => s.health === 'Healthy');
    active.setSnapshot(await dir.load('rev-1'));
    await eventually(() => active.status.list().length === SERVICES, () => active.status.list());
    ecs.completeAllRollouts();
    await eventually(healthy, () => active.status.list().map((s) => `${s.key}:${s.health}`));
    await active.waitForIdle({ requeues: true });

    // Half the services get a new image; the controller follows their rollouts.
    await write((name) => (rolling.includes(name) ? 'nginx:1.28' : 'nginx:1.27'));
    active.setSnapshot(await dir.load('rev-2'));
    await eventually(() => rolling.every((n) => active.status.get(`${REGION}/demo/${n}`)?.health === 'Progressing'), () => active.status.list());
    const from = lines.length;

    // Every read waits at a gate while a resync queues the steady half beside the rolling half;
    // the rollouts finish meanwhile, and all 40 passes go on from the same moment.
    const gate = ecs.hold('DescribeServices');
    await active.resync();
    ecs.completeAllRollouts();
    await eventually(() => gate.waiting > 0 && active.queue.processing.length === SERVICES, () => ({ waiting: gate.waiting, processing: active.queue.processing.length }));
    gate.release();
    await eventually(healthy, () => active.status.list().map((s) => `${s.key}:${s.health}`));
    await active.waitForIdle({ requeues: true });

    const completed = lines.slice(from).filter((l) => l.msg === 'rollout completed: Healthy');
    expect(completed.map((l) => l.key).sort()).toEqual(rolling.map((n) => `${REGION}/demo/${n}`));
    for (const line of completed) {
      const live = ecs.describe('demo', line.key?.split('/').pop() ?? '');
      // The line names the task definition of the service it is about.
      expect(line.taskDefinition).toBe(live?.taskDefinition);
      expect(active.status.get(line.key ?? '')).toMatchObject({ health: 'Healthy', lastApplySucceeded: true, lastAppliedRevision: 'rev-2', liveTaskDefinition: live?.taskDefinition });
    }
    expect(lines.slice(from).filter((l) => l.msg.startsWith('rollout ') && l.msg !== 'rollout completed: Healthy')).toEqual([]);
    const rollouts = (await registry.getSingleMetric('ecs_gitops_rollouts_total')?.get())?.values ?? [];
    expect(rollouts.find((v) => v.labels.result === 'completed')?.value).toBe(SERVICES + rolling.length);
  });
});
