/**
 * Crash and restart: the controller runs as a child process against a sandbox
 * in this process; during mass image changes it is SIGKILLed at 12 seeded
 * points (half of them the moment a RegisterTaskDefinition reached the sandbox,
 * before its UpdateService) and restarted. Afterwards every service runs the
 * desired content, each family holds one revision per distinct content (no
 * duplicates from re-registering), nothing is deleted or stuck. Then SIGTERM
 * during work: the process exits 0 and a restart converges.
 */
import { describe, expect, it } from 'vitest';
import { REGION, eventually, serviceManifest } from '../controller/harness.js';
import { seededRandom } from '../support/fault-proxy.js';
import { LISTEN_ANY_PORT, waitForListenUrl } from '../support/listen-url.js';
import { useCrashWorld } from './crash-world.js';
import { startControllerProcess, within } from './controller-process.js';
import { allTaskDefinitions, liveServices, reportFigures, revisionsPerFamily } from './world.js';

const ACCOUNT = '310000000002';
const SERVICES = 20;
const KILLS = 12;
const names = Array.from({ length: SERVICES }, (_, i) => `crash-${String(i).padStart(2, '0')}`);

describe('SIGKILL at seeded points during mass changes, then restart', () => {
  const world = useCrashWorld(ACCOUNT);

  const writeImage = async (image: string) => {
    for (let f = 0; f < SERVICES / 5; f++) {
      await world.dir.write(`f${f}.yaml`, names.slice(f * 5, f * 5 + 5).map((name) => serviceManifest({ name, desiredCount: 1, image })));
    }
  };
  const start = async () => {
    // Port 0: the controller binds a kernel-chosen port and logs it (info level); no port to lose to a race.
    const proc = startControllerProcess({
      endpoint: world.sandbox.endpoint, accountId: ACCOUNT, region: REGION,
      args: ['--repo', world.dir.root, '--listen', LISTEN_ANY_PORT, '--resync', '3s', '--prune', '--log-level', 'info'],
    });
    world.current = proc;
    /** Its status server's URL, once logged (read only where a round uses it, so kill timing stays as it was). */
    const url = () => waitForListenUrl(proc.output, { stopped: () => proc.child.exitCode !== null || proc.child.signalCode !== null });
    return { proc, url };
  };
  const registersSince = (since: number) => world.sandbox.admin.callLog({ accountId: ACCOUNT, operation: 'RegisterTaskDefinition', since }).filter((r) => r.outcome === 'ok');
  const updatesSince = (since: number) => world.sandbox.admin.callLog({ accountId: ACCOUNT, operation: 'UpdateService', since }).filter((r) => r.outcome === 'ok');

  it('converges after 12 kills with no duplicate revisions, nothing deleted and nothing stuck; SIGTERM exits 0', async () => {
    const random = seededRandom(1122);
    let image = 'nginx:1.0';
    await writeImage(image);
    const desiredImages = new Set([image]);
    let killedAfterRegister = 0;
    let orphanedRegistrations = 0;
    const killLog: string[] = [];

    for (let kill = 0; kill < KILLS; kill++) {
      // New content every other round: odd rounds restart onto the same content (reuse must happen).
      if (kill % 2 === 0) {
        image = `nginx:1.${kill / 2 + 1}`;
        desiredImages.add(image);
        await writeImage(image);
      }
      const since = Date.now();
      const { proc } = await start();
      if (kill % 2 === 0) {
        // Kill the moment a registration of this round reached the sandbox: between Register and UpdateService.
        await eventually(() => registersSince(since).length > 0 || proc.child.exitCode !== null, () => proc.output().slice(-2000), 60_000);
        proc.child.kill('SIGKILL');
        killedAfterRegister++;
      } else {
        // A seeded random point: after start-up, somewhere in the reconcile passes.
        const delayMs = 300 + Math.floor(random() * 3000);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        proc.child.kill('SIGKILL');
      }
      const exit = await within(proc.exited, 10_000, 'SIGKILLed controller exit');
      expect(exit.signal, proc.output().slice(-2000)).toBe('SIGKILL');
      const registered = new Set(registersSince(since).map((r) => r.target));
      const updated = new Set(updatesSince(since).map((r) => r.target));
      const orphans = [...registered].filter((family) => family && !updated.has(family)).length;
      orphanedRegistrations += orphans;
      killLog.push(`kill ${kill + 1}: ${image}, registered ${registered.size}, updated ${updated.size}, orphaned ${orphans}`);
    }

    // Final restart, no kill: converges on the last content.
    const { proc, url: listenUrl } = await start();
    const url = await listenUrl();
    const desiredSuffix = image;
    await eventually(async () => {
      const live = await liveServices(world.api, 'demo');
      if (live.length !== SERVICES) return false;
      for (const s of live) {
        if (s.status !== 'ACTIVE' || s.primary?.rolloutState !== 'COMPLETED' || s.primary.taskDefinition !== s.taskDefinition) return false;
      }
      const images = await Promise.all(live.map(async (s) => (await world.api.send('DescribeTaskDefinition', { taskDefinition: s.taskDefinition })).taskDefinition?.containerDefinitions?.[0]?.image));
      if (!images.every((i) => i === desiredSuffix)) return false;
      try {
        const status = (await (await fetch(`${url}/api/v1/status`)).json()) as { services: Array<{ sync: string; health: string }> };
        return status.services.length === SERVICES && status.services.every((s) => s.sync === 'Synced' && s.health === 'Healthy');
      } catch {
        return false;
      }
    }, () => ({ kills: killLog, tail: proc.output().slice(-3000) }), 90_000);

    // No duplicate revisions: per family, every revision holds a distinct image, at most one per desired content.
    const tds = await allTaskDefinitions(world.api);
    const perFamily = revisionsPerFamily(tds);
    expect(Object.keys(perFamily).sort()).toEqual([...names].sort());
    for (const family of names) {
      const images: string[] = [];
      for (const arn of tds.filter((a) => a.includes(`task-definition/${family}:`))) {
        images.push((await world.api.send('DescribeTaskDefinition', { taskDefinition: arn })).taskDefinition?.containerDefinitions?.[0]?.image ?? '');
      }
      expect(new Set(images).size, `${family}: ${images.join(', ')}`).toBe(images.length);
      expect(images.every((i) => desiredImages.has(i))).toBe(true);
    }
    expect(world.sandbox.admin.callLog({ accountId: ACCOUNT, operation: 'DeleteService' })).toHaveLength(0);
    expect(killedAfterRegister).toBe(KILLS / 2);
    // The interesting case happened: some registrations were left without their UpdateService by a kill.
    expect(orphanedRegistrations).toBeGreaterThan(0);

    // SIGTERM during work: a new mass change, TERM as soon as the first registration lands.
    const termImage = 'nginx:2.0';
    await writeImage(termImage);
    const since = Date.now();
    await eventually(() => registersSince(since).length > 0, () => proc.output().slice(-2000), 60_000);
    proc.child.kill('SIGTERM');
    // The controller's own drain bound is 10 s (shutdownGraceMs); allow start-up noise on top.
    const exit = await within(proc.exited, 30_000, 'SIGTERMed controller exit');
    expect(exit, proc.output().slice(-3000)).toEqual({ code: 0, signal: null });
    expect(proc.output()).toContain('"msg":"stopped"');
    // Clean: every service points at an existing ACTIVE revision of its own family.
    const afterTerm = await liveServices(world.api, 'demo');
    const activeTds = new Set(await allTaskDefinitions(world.api));
    for (const s of afterTerm) {
      expect(activeTds.has(s.taskDefinition)).toBe(true);
      expect(s.taskDefinition).toContain(`task-definition/${s.name}:`);
    }
    // And a restart finishes the change.
    const again = await start();
    await eventually(async () => {
      const live = await liveServices(world.api, 'demo');
      const images = await Promise.all(live.map(async (s) => (await world.api.send('DescribeTaskDefinition', { taskDefinition: s.taskDefinition })).taskDefinition?.containerDefinitions?.[0]?.image));
      return live.length === SERVICES && images.every((i) => i === termImage) && live.every((s) => s.primary?.rolloutState === 'COMPLETED');
    }, () => again.proc.output().slice(-2000), 60_000);
    // The change may already have been complete in ECS when it started: a SIGTERM before the process has set up its
    // signal handling (still loading) kills it by default (exit code null), which is not what this checks.
    await eventually(() => again.proc.output().includes('"msg":"controller started"'), () => again.proc.output().slice(-2000), 60_000);
    again.proc.child.kill('SIGTERM');
    expect((await within(again.proc.exited, 30_000, 'final exit')).code).toBe(0);
    reportFigures('crash-restart', { kills: KILLS, killLog, orphanedRegistrations, revisions: tds.length });
  }, 240_000);
});
