/**
 * Where a resync's CPU goes (run: npx tsx bench/profile-resync.ts [services] [clusters] [families]).
 * In one process: a socket-free sandbox (the SDK's request handler answers
 * from memory, so HTTP is not in the profile), N services created and in
 * sync, then one controller.resync() under the V8 profiler. Writes
 * resync.cpuprofile (or $PROFILE_OUT; open it in Chrome DevTools) and prints the functions with
 * the most self time. The bench measures the whole process; this finds causes.
 *
 * Memory: run under `node --expose-gc --import tsx bench/profile-resync.ts ...`
 * and it also prints the heap after a full GC at each stage, and how much of
 * it the controller alone retains (the heap freed by stopping and dropping it
 * and its metrics registry; the sandbox stays). NO_METRICS=1 leaves metrics
 * out, to see their share; HEAP_SNAPSHOT=file writes a heap snapshot after
 * the resync.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { ECSClient } from '@aws-sdk/client-ecs';
import { createController } from '../src/controller/index.js';
import { readSnapshot } from '../src/app/runtime.js';
import { DirectAwsJson1_1Protocol } from '../src/ecs/json-protocol.js';
import { dropSdkResponseLogging, ecsApiFromClient } from '../src/ecs/sdk-adapter.js';
import { startSandbox } from '../src/sandbox/index.js';
import { Registry } from 'prom-client';
import { createMetrics } from '../src/observe/metrics.js';
import { Fleet, REGION } from './lib/fixture.js';

const services = Number(process.argv[2] ?? 2000);
const clusters = Number(process.argv[3] ?? 10);
const families = process.argv[4] ? Number(process.argv[4]) : undefined;
const accountId = '100000000009';
const fleet = new Fleet({ services, clusters, prefix: 'pr', servicesPerFile: 10, ...(families ? { families } : {}) });
const collect = (globalThis as { gc?: () => void }).gc;
const memory: string[] = [];
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
/** Heap in use after a full GC (only with --expose-gc). */
function heapAfterGc(stage: string): number {
  if (!collect) return Number.NaN;
  collect();
  const m = process.memoryUsage();
  memory.push(`${stage.padEnd(34)} heap ${mb(m.heapUsed).padStart(9)}  rss ${mb(m.rss).padStart(9)}  external ${mb(m.external + m.arrayBuffers)}`);
  return m.heapUsed;
}
fleet.init();
const sandbox = await startSandbox({ listen: false, throttling: 'off', clockSpeed: 0 });
sandbox.admin.seed({ accounts: [{ accountId, region: REGION, clusters: fleet.clusterNames.map((name) => ({ name, capacityProviders: ['FARGATE'] })) }] });
// The controller's client (createSdkEcsApi): our protocol, no response logging.
const client = new ECSClient({
  ...sandbox.clientConfig({ accountId, region: REGION }), requestHandler: sandbox.requestHandler, maxAttempts: 1, protocol: DirectAwsJson1_1Protocol,
});
// As createSdkEcsApi (what `run` uses) does.
dropSdkResponseLogging(client);
const ecs = ecsApiFromClient(client);
heapAfterGc('sandbox seeded (no services)');
let metrics = process.env.NO_METRICS === '1' ? undefined : createMetrics(new Registry());
let controller: ReturnType<typeof createController> | undefined = createController({ ecs, ...(metrics ? { metrics } : {}), resyncMs: 0, followRollouts: false, workers: 4, rateLimits: false });
await controller.start();
controller.setSnapshot(await readSnapshot(fleet.root, REGION, new AbortController().signal));
await controller.waitForIdle({ requeues: true });
heapAfterGc(`first pass: ${services} services created`);
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
const withController = heapAfterGc('after the measured resync');
if (process.env.HEAP_SNAPSHOT) {
  const chunks: string[] = [];
  session.on('HeapProfiler.addHeapSnapshotChunk', (m) => chunks.push(m.params.chunk));
  await session.post('HeapProfiler.takeHeapSnapshot');
  writeFileSync(process.env.HEAP_SNAPSHOT, chunks.join(''));
}
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
controller = undefined;
metrics = undefined;
const without = heapAfterGc('controller stopped and dropped');
if (collect) {
  console.log(`\nmemory (heap after a full GC; the sandbox is in the same heap):\n${memory.join('\n')}`);
  console.log(`controller retains ${mb(withController - without)} of heap at ${services} services${process.env.NO_METRICS === '1' ? ' (no metrics)' : ''}`);
}
fleet.remove();
