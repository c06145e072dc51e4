/**
 * Sandbox scale check (run: npx tsx bench/sandbox-scale.ts). In-process, no
 * socket: 10,000 services in 50 clusters (2 running tasks each), then
 * DescribeServices with 10 names per call, through call() (no wire format)
 * and through handle() (the full AWS JSON request path). Prints calls/s and
 * RSS; targets: >= 2,000 DescribeServices/s, < 200 MB RSS.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_TIMINGS, startSandbox } from '../src/sandbox/index.js';

const CLUSTERS = 50;
const SERVICES = 10_000;
const PER_CLUSTER = SERVICES / CLUSTERS;
const DESCRIBE_SECONDS = 3;
const account = { accountId: '123456789012', region: 'eu-west-1' };

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const baseline = process.memoryUsage().rss;

const sandbox = await startSandbox({ listen: false, throttling: 'off', clockSpeed: 0 });
const t0 = performance.now();
for (let f = 0; f < 100; f++) {
  sandbox.call('RegisterTaskDefinition', {
    family: `app-${f}`, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
    containerDefinitions: [{ name: 'app', image: `nginx:1.${f}`, portMappings: [{ containerPort: 8080 }], environment: [{ name: 'N', value: String(f) }] }],
  }, account);
}
for (let c = 0; c < CLUSTERS; c++) {
  sandbox.call('CreateCluster', { clusterName: `cluster-${c}` }, account);
  for (let s = 0; s < PER_CLUSTER; s++) {
    sandbox.call('CreateService', {
      cluster: `cluster-${c}`, serviceName: `svc-${s}`, taskDefinition: `app-${(c * PER_CLUSTER + s) % 100}`, desiredCount: 2,
      launchType: 'FARGATE', networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } },
      tags: [{ key: 'team', value: `t${s % 7}` }],
    }, account);
  }
}
sandbox.clock.advance(DEFAULT_TIMINGS.taskStartMs + DEFAULT_TIMINGS.stepMs);
const created = performance.now() - t0;
global.gc?.();
const rss = process.memoryUsage().rss;
const heapUsed = process.memoryUsage().heapUsed;

const names = (c: number, start: number): string[] => Array.from({ length: 10 }, (_, i) => `svc-${(start + i) % PER_CLUSTER}`);
function measure(label: string, describe: (cluster: string, services: string[]) => void): number {
  let calls = 0;
  const end = performance.now() + DESCRIBE_SECONDS * 1000;
  const started = performance.now();
  while (performance.now() < end) {
    for (let k = 0; k < 100; k++) {
      describe(`cluster-${calls % CLUSTERS}`, names(calls % CLUSTERS, (calls * 10) % PER_CLUSTER));
      calls++;
    }
  }
  const perSecond = calls / ((performance.now() - started) / 1000);
  console.log(`${label.padEnd(44)} ${perSecond.toFixed(0).padStart(7)} calls/s (10 names each)`);
  return perSecond;
}

const check = sandbox.call('DescribeServices', { cluster: 'cluster-7', services: names(7, 0) }, account) as { services: { runningCount: number }[] };
if (check.services.length !== 10 || check.services.some((s) => s.runningCount !== 2)) throw new Error('bench setup failed: services not running');

console.log(`setup: ${SERVICES} services in ${CLUSTERS} clusters, ${SERVICES * 2} running tasks, in ${(created / 1000).toFixed(1)} s`);
console.log(`RSS with everything loaded: ${mb(rss)} (process baseline ${mb(baseline)}, JS heap in use ${mb(heapUsed)}; target < 200 MB)`);
const direct = measure('DescribeServices via call() (no wire format)', (cluster, services) => {
  sandbox.call('DescribeServices', { cluster, services }, account);
});
const auth = 'AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/ecs/aws4_request, SignedHeaders=host, Signature=0';
const wire = measure('DescribeServices via handle() (AWS JSON 1.1)', (cluster, services) => {
  const out = sandbox.handle({ target: 'AmazonEC2ContainerServiceV20141113.DescribeServices', body: JSON.stringify({ cluster, services }), headers: { authorization: auth } });
  if (out.status !== 200) throw new Error(out.body);
});
console.log(`targets: describe >= 2000/s: ${Math.min(direct, wire) >= 2000 ? 'met' : 'MISSED'}; RSS < 200 MB: ${rss < 200 * 1024 * 1024 ? 'met' : 'MISSED'}`);
await sandbox.close();
