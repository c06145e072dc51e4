/**
 * Where a resync's CPU goes (run: npx tsx bench/profile-resync.ts [services] [clusters]).
 * In one process: a socket-free sandbox (the SDK's request handler answers
 * from memory, so HTTP is not in the profile), N services created and in
 * sync, then one controller.resync() under the V8 profiler. Writes
 * resync.cpuprofile (or $PROFILE_OUT; open it in Chrome DevTools) and prints the functions with
 * the most self time. The bench measures the whole process; this finds causes.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { ECSClient } from '@aws-sdk/client-ecs';
import { createController } from '../src/controller/index.js';
import { readSnapshot } from '../src/controller/runtime.js';
import { dropSdkResponseLogging, ecsApiFromClient } from '../src/ecs/sdk-adapter.js';
import { startSandbox } from '../src/sandbox/index.js';
import { Registry } from 'prom-client';
import { createMetrics } from '../src/observe/metrics.js';
import { Fleet, REGION } from './lib/fixture.js';

const services = Number(process.argv[2] ?? 2000);
const clusters = Number(process.argv[3] ?? 10);
const accountId = '100000000009';
const fleet = new Fleet({ services, clusters, prefix: 'pr', servicesPerFile: 10 });
fleet.init();
const sandbox = await startSandbox({ listen: false, throttling: 'off', clockSpeed: 0 });
sandbox.admin.seed({ accounts: [{ accountId, region: REGION, clusters: fleet.clusterNames.map((name) => ({ name, capacityProviders: ['FARGATE'] })) }] });
const client = new ECSClient({ ...sandbox.clientConfig({ accountId, region: REGION }), requestHandler: sandbox.requestHandler, maxAttempts: 1 });
// As createSdkEcsApi (what `run` uses) does.
dropSdkResponseLogging(client);
const ecs = ecsApiFromClient(client);
const metrics = process.env.NO_METRICS === '1' ? undefined : createMetrics(new Registry());
const controller = createController({ ecs, ...(metrics ? { metrics } : {}), resyncMs: 0, followRollouts: false, workers: 4, rateLimits: false });
await controller.start();
controller.setSnapshot(await readSnapshot(fleet.root, REGION, new AbortController().signal));
await controller.waitForIdle({ requeues: true });
sandbox.clock.advance(600_000);
// Warm-up resync (JIT), then the measured one.
await controller.resync();
await controller.waitForIdle({ requeues: true });
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await controller.resync();
await controller.waitForIdle({ requeues: true });
const cpu = process.cpuUsage(cpu0);
const wall = performance.now() - t0;
const { profile } = await session.post('Profiler.stop');
writeFileSync(process.env.PROFILE_OUT ?? 'resync.cpuprofile', JSON.stringify(profile));
const self = new Map<string, number>();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const deltas = profile.timeDeltas ?? [];
(profile.samples ?? []).forEach((id, i) => {
  const node = byId.get(id);
  if (!node) return;
  const f = node.callFrame;
  const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + (deltas[i] ?? 0));
});
console.log(`resync of ${services} services in ${clusters} clusters: ${((cpu.user + cpu.system) / 1e6).toFixed(2)} CPU-s (sandbox in the same process), ${wall.toFixed(0)} ms wall`);
for (const [name, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${(us / 1000).toFixed(1).padStart(8)} ms  ${name}`);
await controller.stop({ graceMs: 1000 });
fleet.remove();
