/**
 * What a cached snapshot costs with templates, against the same number of
 * plain services: N service files, each either single-target or listing E
 * environments. Every file is handed over as the loader hands an unchanged
 * one (its cache entry, `reuse`), so the time is validateDocuments' own work
 * on a snapshot where nothing changed. Not a test (vitest ignores it): run
 *
 *   npx tsx test/manifests/template-snapshot-cost.ts [services=1000] [environments=3] [rounds=30]
 *
 * and, to profile the template case,
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx test/manifests/template-snapshot-cost.ts 1000 3 200 templates
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_MANIFEST_LIMITS, ManifestFileCache, validateDocuments, type ManifestFileInput, type ManifestFileReuse } from '../../src/manifests/index.js';

const [services = 1000, environments = 3, rounds = 30] = process.argv.slice(2, 5).map(Number);
const only = process.argv[5];
const NAMES = Array.from({ length: environments }, (_, i) => `env${i}`);

function environmentFile(): string {
  return NAMES.map((name, i) => `apiVersion: ecs-gitops/v1
kind: Environment
metadata:
  name: ${name}
spec:
  account: "${String(100000000000 + i)}"
  region: eu-west-1
  cluster: main
  variables:
    tag: v${i}
`).join('---\n');
}

function serviceFile(index: number, template: boolean): string {
  return `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: svc-${index}
${template ? `  environments: [${NAMES.join(', ')}]` : '  cluster: main'}
spec:
  desiredCount: 2
  launchType: FARGATE
  taskDefinition:
    family: svc-${index}
    cpu: "256"
    memory: "512"
    networkMode: awsvpc
    requiresCompatibilities: [FARGATE]
    containerDefinitions:
      - name: app
        image: "repo/svc-${index}:${template ? '${var.tag}' : 'v1'}"
        portMappings: [{ containerPort: 8080 }]
        environment:
          - { name: STAGE, value: "${template ? '${env.name}' : 'prod'}" }
          - { name: SUBNET, value: "\${ssm:/net/subnet}" }
  networkConfiguration: { awsvpcConfiguration: { subnets: [subnet-1], securityGroups: [sg-1] } }
${template ? `  environments:\n    ${NAMES[0] ?? 'env0'}:\n      desiredCount: 1\n` : ''}`;
}

function measure(template: boolean): { perSnapshotMs: number; records: number } {
  const files: ManifestFileInput[] = Array.from({ length: services }, (_, i) => ({ path: `svc-${i}.yaml`, content: serviceFile(i, template), fileStat: `stat-${i}` }));
  if (template) files.push({ path: 'environments.yaml', content: environmentFile(), fileStat: 'stat-env' });
  const cache = new ManifestFileCache();
  const first = validateDocuments(files, { cache });
  if (first.problems.length > 0) throw new Error(JSON.stringify(first.problems.slice(0, 3)));
  const reused = (): ManifestFileReuse[] => files.map((f) => {
    const reuse = cache.unchanged(f.path, f.fileStat as string, { limits: DEFAULT_MANIFEST_LIMITS });
    if (!reuse) throw new Error(`no cache entry for ${f.path}`);
    return { path: f.path, reuse };
  });
  for (let i = 0; i < 3; i += 1) validateDocuments(reused(), { cache });
  const started = performance.now();
  let records = 0;
  for (let i = 0; i < rounds; i += 1) records = validateDocuments(reused(), { cache }).services.length;
  return { perSnapshotMs: (performance.now() - started) / rounds, records };
}

for (const template of only === undefined ? [false, true] : [only === 'templates']) {
  const { perSnapshotMs, records } = measure(template);
  console.log(`${template ? `templates x ${environments}` : 'plain'}: ${services} files, ${records} services, ${perSnapshotMs.toFixed(1)} ms per cached snapshot`);
}
