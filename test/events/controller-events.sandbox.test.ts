/** The controller's events end to end against the sandbox (real SDK over HTTP): a commit's deploy, a crashing image, console drift. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controller/index.js';
import { EventLog } from '../../src/events/event-log.js';
import { openDeployStore } from '../../src/events/open-deploys.js';
import { createEventRecorder } from '../../src/events/recorder.js';
import type { ControllerEvent } from '../../src/events/types.js';
import { ManifestDir, REGION, controllerFor, eventually, sandboxWorld, serviceManifest, type SandboxWorld } from '../controller/harness.js';

const KEY = `${REGION}/demo/web`;

describe('controller events against the sandbox', () => {
  let world: SandboxWorld;
  let dir: ManifestDir;
  let controller: Controller | undefined;
  let log: EventLog;

  beforeEach(async () => {
    world = await sandboxWorld();
    dir = await ManifestDir.create();
    log = new EventLog();
  });
  afterEach(async () => {
    await controller?.stop({ graceMs: 100 });
    controller = undefined;
    await world.sandbox.close();
    await dir.dispose();
  });

  /** Oldest first, as they happened. */
  const story = (): Array<[ControllerEvent['type'], string]> => log.query({ service: KEY, limit: 1000 }).reverse().map((e) => [e.type, e.message]);

  async function startController(): Promise<Controller> {
    const recorder = createEventRecorder({ log, openDeploys: await openDeployStore() });
    controller = controllerFor(world.controllerApi, { events: recorder });
    return controller;
  }

  it('a commit: SyncStarted, Applied, then RolloutCompleted only once ECS completed the deployment, each once', async () => {
    const c = await startController();
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:1.27' })]);
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => story().some(([t]) => t === 'RolloutCompleted'), story);
    // Completion was announced no earlier than the status shows ECS's COMPLETED.
    const completedAt = log.query({ service: KEY, types: ['RolloutCompleted'] })[0];
    expect(c.status.get(KEY)?.rollout?.result).toBe('completed');

    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:1.28' })]);
    c.setSnapshot(await dir.load('rev-2'));
    await eventually(() => story().filter(([t]) => t === 'RolloutCompleted').length === 2, story);
    await c.resync();
    await c.waitForIdle({ requeues: true });
    expect(story()).toEqual([
      ['SyncStarted', 'Applying rev-1 to demo/web'],
      ['Applied', 'Applied rev-1 to demo/web; rollout started'],
      ['RolloutCompleted', 'Rollout of rev-1 to demo/web completed'],
      ['SyncStarted', 'Applying rev-2 to demo/web'],
      ['Applied', 'Applied rev-2 to demo/web; rollout started'],
      ['RolloutCompleted', 'Rollout of rev-2 to demo/web completed'],
    ]);
    const rollouts = log.query({ service: KEY, types: ['Applied', 'RolloutCompleted'] });
    // The rollout events carry ECS's deployment, the same one for a deploy's Applied and its completion.
    expect(rollouts.every((e) => typeof e.deploymentId === 'string' && e.deploymentId.length > 0)).toBe(true);
    expect(rollouts[0]?.deploymentId).toBe(rollouts[1]?.deploymentId);
    expect(completedAt?.revision).toBe('rev-1');
  });

  it('a crashing image: RolloutFailed with ECS\'s reason, once', async () => {
    const c = await startController();
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:1.27' })]);
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => story().some(([t]) => t === 'RolloutCompleted'), story);
    world.sandbox.admin.markImageCrashing('nginx:9.9-crash');
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:9.9-crash' })]);
    c.setSnapshot(await dir.load('rev-2'));
    await eventually(() => story().some(([t]) => t === 'RolloutFailed'), story, 30_000);
    await c.resync();
    await c.waitForIdle({ requeues: true });
    const failed = log.query({ service: KEY, types: ['RolloutFailed'] });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ revision: 'rev-2', severity: 'error', code: 'CONTROLLER_ROLLOUT_FAILED' });
    expect(failed[0]?.message).toMatch(/^Rollout of rev-2 to demo\/web (failed|rolled back): /);
    expect(log.query({ service: KEY, types: ['RolloutCompleted'] })).toHaveLength(1);
  });

  it('a change made in the console: DriftDetected with cause live, then DriftCorrected', async () => {
    const c = await startController();
    await dir.write('web.yaml', [serviceManifest({ name: 'web', image: 'nginx:1.27', desiredCount: 2 })]);
    c.setSnapshot(await dir.load('rev-1'));
    await eventually(() => story().some(([t]) => t === 'RolloutCompleted'), story);
    await c.waitForIdle({ requeues: true });
    await world.api.send('UpdateService', { cluster: 'demo', service: 'web', desiredCount: 5 });
    await c.resync();
    await eventually(() => story().some(([t]) => t === 'DriftCorrected'), story);
    const drift = log.query({ service: KEY, types: ['DriftDetected', 'DriftCorrected'] }).reverse();
    expect(drift.map((e) => [e.type, e.cause])).toEqual([['DriftDetected', 'live'], ['DriftCorrected', 'live']]);
    // The pass that found the drift also corrected it: the fields come from the diff it found before acting (observedDiff).
    expect(drift.map((e) => e.message)).toEqual(['demo/web was changed outside Git: /spec/desiredCount', 'demo/web corrected back to Git: /spec/desiredCount']);
    // Correcting live drift is no new deploy.
    expect(story().filter(([t]) => t === 'SyncStarted' || t === 'Applied')).toHaveLength(2);
  });
});
