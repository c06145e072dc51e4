/**
 * A controller SIGKILLed while a preDeploy hook runs: the hook task keeps
 * running in ECS, and the restarted controller finds it again by its
 * startedBy (ListTasks) instead of starting a second one, waits for it, and
 * only then creates the service. The controller is a real child process
 * (controller-process.ts); the sandbox lives in this process and outlives it.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../src/controller/status.js';
import { REGION, eventually, serviceManifest } from '../controller/harness.js';
import { LISTEN_ANY_PORT, waitForListenUrl } from '../support/listen-url.js';
import { useCrashWorld } from './crash-world.js';
import { startControllerProcess, within } from './controller-process.js';

const ACCOUNT = '310000000020';

describe('SIGKILL while a preDeploy hook runs, then restart', () => {
  const world = useCrashWorld(ACCOUNT);

  const start = () => {
    world.current = startControllerProcess({
      endpoint: world.sandbox.endpoint, accountId: ACCOUNT, region: REGION,
      args: ['--repo', world.dir.root, '--listen', LISTEN_ANY_PORT, '--resync', '2s', '--log-level', 'info'],
    });
    return world.current;
  };
  const ok = (operation: string) => world.sandbox.admin.callLog({ accountId: ACCOUNT, operation }).filter((c) => c.outcome === 'ok');

  it('finds the hook task it started before the kill and does not start another', async () => {
    // The migration runs 300 simulated seconds (6 s at clock speed 50): long enough to kill and restart around it.
    const response = await fetch(`${world.sandbox.endpoint}/_sandbox/images/exit`, { method: 'POST', body: JSON.stringify({ image: 'app:1', exitCode: 0, afterSeconds: 300 }) });
    expect(response.status).toBe(200);
    const doc = serviceManifest({ name: 'web', desiredCount: 1, image: 'app:1' }) as { spec: Record<string, unknown> };
    doc.spec.hooks = { preDeploy: [{ name: 'migrate', command: ['./migrate'] }] };
    await world.dir.write('web.yaml', [doc]);

    const first = start();
    await eventually(() => ok('RunTask').length > 0 || first.child.exitCode !== null, () => first.output().slice(-2000), 60_000);
    first.child.kill('SIGKILL');
    expect((await within(first.exited, 10_000, 'SIGKILLed controller exit')).signal).toBe('SIGKILL');
    expect(ok('CreateService')).toHaveLength(0);
    const started = (await world.api.send('ListTasks', { cluster: 'demo', desiredStatus: 'RUNNING' })).taskArns ?? [];
    expect(started).toHaveLength(1);

    const second = start();
    const url = await waitForListenUrl(second.output, { stopped: () => second.child.exitCode !== null });
    let web: ServiceStatus | undefined;
    await eventually(async () => {
      const status = (await (await fetch(`${url}/api/v1/status`)).json()) as { services: ServiceStatus[] };
      web = status.services.find((s) => s.service === 'web');
      return web?.sync === 'Synced' && web.health === 'Healthy';
    }, () => ({ web, tail: second.output().slice(-3000) }), 60_000);

    expect(ok('RunTask')).toHaveLength(1);
    expect(ok('CreateService')).toHaveLength(1);
    expect(web?.hooks?.hooks[0]).toMatchObject({ name: 'migrate', state: 'succeeded', exitCode: 0, taskArn: started[0] });
    // The deploy waited for that task to end.
    const lastStatus = (await world.api.send('DescribeTasks', { cluster: 'demo', tasks: started })).tasks?.[0]?.lastStatus;
    expect(lastStatus).toBe('STOPPED');
    second.child.kill('SIGTERM');
    await within(second.exited, 30_000, 'SIGTERMed controller exit');
  });
});
