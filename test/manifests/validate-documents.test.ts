import { describe, expect, it } from 'vitest';
import { contentHash, formatProblem, validateDocuments } from '../../src/manifests/index.js';

const service = (name: string, extra = ''): string =>
  `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: ${name}
  cluster: demo
${extra}spec:
  desiredCount: 2
  taskDefinition:
    family: ${name}
    containerDefinitions:
      - { name: app, image: nginx:1.27, memory: 128 }
`;

describe('validateDocuments', () => {
  it('turns valid documents into typed, frozen desired state with sources', () => {
    const snapshot = validateDocuments(
      [
        { path: 'b/web.yaml', content: service('web') },
        { path: 'a/cluster.json', content: '{"apiVersion": "ecs-gitops/v1", "kind": "Cluster", "metadata": {"name": "demo"}}' },
      ],
      { defaultRegion: 'eu-west-1' },
    );
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.files).toEqual(['a/cluster.json', 'b/web.yaml']);
    expect(snapshot.services).toHaveLength(1);
    const web = snapshot.services[0];
    expect(web).toMatchObject({ key: 'eu-west-1/demo/web', region: 'eu-west-1', cluster: 'demo', name: 'web', source: { file: 'b/web.yaml', line: 1, column: 1 } });
    expect(web?.manifest.metadata.region).toBe('eu-west-1');
    expect(web?.contentHash).toBe(contentHash(web?.manifest));
    expect(snapshot.clusters.map((c) => c.key)).toEqual(['eu-west-1/demo']);
    expect(Object.isFrozen(web?.manifest.spec.taskDefinition)).toBe(true);
    expect(() => (snapshot.blockedKeys as Set<string>).add('x')).toThrow(TypeError);
    expect(Object.isFrozen(snapshot.problems)).toBe(true);
  });

  it('prefers metadata.region and defaults to us-east-1 without an option', () => {
    const snapshot = validateDocuments([
      { path: 'a.yaml', content: service('a', '') },
      { path: 'b.yaml', content: service('b').replace('cluster: demo', 'cluster: demo\n  region: ap-south-1') },
    ]);
    expect(snapshot.services.map((s) => s.key)).toEqual(['us-east-1/demo/a', 'ap-south-1/demo/b']);
  });

  it('hashes content, not formatting: YAML and JSON of the same manifest hash the same', () => {
    const yaml = validateDocuments([{ path: 'a.yaml', content: service('web') }]);
    const json = validateDocuments([{ path: 'a.json', content: JSON.stringify(yaml.services[0]?.manifest, null, 4) }]);
    expect(json.problems).toEqual([]);
    expect(json.services[0]?.contentHash).toBe(yaml.services[0]?.contentHash);
    const changed = validateDocuments([{ path: 'a.yaml', content: service('web').replace('desiredCount: 2', 'desiredCount: 3') }]);
    expect(changed.services[0]?.contentHash).not.toBe(yaml.services[0]?.contentHash);
  });

  it('reports a duplicate identity in both files, naming the other place, and applies neither', () => {
    const snapshot = validateDocuments([
      { path: 'one.yaml', content: service('web') },
      { path: 'two.yaml', content: `# copy\n${service('web')}---\n${service('api')}` },
      { path: 'three.yaml', content: service('other') },
    ], { defaultRegion: 'eu-west-1' });
    expect(snapshot.problems.map(formatProblem)).toEqual([
      'one.yaml:4:9: MANIFEST_DUPLICATE_IDENTITY /metadata/name: service eu-west-1/demo/web is also declared at two.yaml:5:9; neither document is applied until one is removed',
      'two.yaml:5:9: MANIFEST_DUPLICATE_IDENTITY /metadata/name: service eu-west-1/demo/web is also declared at one.yaml:4:9; neither document is applied until one is removed',
    ]);
    expect(snapshot.services.map((s) => s.key)).toEqual(['eu-west-1/demo/other']);
    // api shares a file with a problem, so it is blocked too (never treated as deleted).
    expect([...snapshot.blockedKeys].sort()).toEqual(['eu-west-1/demo/api', 'eu-west-1/demo/web']);
    expect([...snapshot.filesWithProblems].sort()).toEqual(['one.yaml', 'two.yaml']);
  });

  it('reports duplicates within one file too', () => {
    const snapshot = validateDocuments([{ path: 'x.yaml', content: `${service('web')}---\n${service('web')}` }], { defaultRegion: 'eu-west-1' });
    expect(snapshot.problems.map((p) => [p.code, p.line, p.documentIndex])).toEqual([
      ['MANIFEST_DUPLICATE_IDENTITY', 4, 0],
      ['MANIFEST_DUPLICATE_IDENTITY', 16, 1],
    ]);
  });

  it('reports every problem in every file in one run, sorted by file and line', () => {
    const snapshot = validateDocuments([
      { path: 'z.yaml', content: service('z').replace('desiredCount: 2', 'desiredcount: 2').replace('nginx:1.27', 'nginx:1.27, essential: maybe') },
      { path: 'a.yaml', content: `${service('a').replace('kind: Service', 'kind: Servce')}---\n${service('b').replace('family: b', 'family: b\n    cpu: 1')}` },
    ]);
    expect(snapshot.problems.map((p) => `${p.file}:${p.line}:${p.code}`)).toEqual([
      'a.yaml:2:MANIFEST_UNKNOWN_KIND',
      'a.yaml:22:MANIFEST_WRONG_TYPE',
      'z.yaml:7:MANIFEST_UNKNOWN_FIELD',
      'z.yaml:11:MANIFEST_WRONG_TYPE',
    ]);
    // The broken kind means the identity is unknown; the second document's is known and blocked.
    expect([...snapshot.blockedKeys].sort()).toEqual(['us-east-1/demo/b', 'us-east-1/demo/z']);
  });

  it('maps pointers through merge keys and aliases back to where the value is written', () => {
    const content = `apiVersion: ecs-gitops/v1
kind: Service
metadata: {name: web, cluster: demo}
spec:
  taskDefinition:
    family: web
    containerDefinitions:
      - &app
        name: app
        image: nginx:1.27
        memory: "128"
      - <<: *app
        name: sidecar
`;
    const snapshot = validateDocuments([{ path: 'm.yaml', content }]);
    expect(snapshot.problems.map(formatProblem)).toEqual([
      'm.yaml:11:17: MANIFEST_WRONG_TYPE /spec/taskDefinition/containerDefinitions/0/memory: expected a whole number, found the text "128"; remove the quotes: 128',
      'm.yaml:11:17: MANIFEST_WRONG_TYPE /spec/taskDefinition/containerDefinitions/1/memory: expected a whole number, found the text "128"; remove the quotes: 128',
    ]);
  });

  it('skips empty documents between separators but reports a file with none', () => {
    expect(validateDocuments([{ path: 'a.yaml', content: `---\n---\n${service('web')}---\n` }]).problems).toEqual([]);
    expect(validateDocuments([{ path: 'a.yaml', content: '# only a comment\n---\n' }]).problems.map(formatProblem)).toEqual([
      'a.yaml:1:1: MANIFEST_EMPTY_FILE the file has no manifest documents; add one (apiVersion: ecs-gitops/v1, kind: Service, Cluster, CapacityProvider, ScheduledTask, Environment or Notifier) or delete the file',
    ]);
  });

  it('normalizes Windows separators in paths', () => {
    expect(validateDocuments([{ path: 'svc\\web.yaml', content: service('web') }]).files).toEqual(['svc/web.yaml']);
  });

  it('rejects limits that are not positive integers', () => {
    expect(() => validateDocuments([], { limits: { maxDepth: 0 } })).toThrow('manifest limit maxDepth must be a positive integer, got 0');
  });
});

describe('duplicate keys', () => {
  it('are found in every mapping, nested and flow, but merge keys are not duplicates', () => {
    const content = `apiVersion: ecs-gitops/v1
kind: Service
metadata: {name: web, cluster: demo, name: api}
spec:
  taskDefinition:
    family: web
    containerDefinitions:
      - {name: web, image: nginx, memory: 128}
    family: web2
`;
    expect(validateDocuments([{ path: 'd.yaml', content }]).problems.map(formatProblem)).toEqual([
      'd.yaml:3:38: MANIFEST_DUPLICATE_KEY this key appears twice in the same mapping',
      'd.yaml:9:5: MANIFEST_DUPLICATE_KEY this key appears twice in the same mapping',
    ]);
  });

  it('are reported for each repeat in a very large mapping', () => {
    const content = Array.from({ length: 6_000 }, (_, i) => `k${i % 3_000}: ${i}`).join('\n');
    const problems = validateDocuments([{ path: 'big.yaml', content }]).problems;
    expect(problems).toHaveLength(3_000);
    expect(problems.every((p) => p.code === 'MANIFEST_DUPLICATE_KEY')).toBe(true);
    expect(problems[0]).toMatchObject({ line: 3_001, column: 1 });
  });
});

describe('valid documents that rules must not reject', () => {
  const head = 'apiVersion: ecs-gitops/v1\nkind: Service\nmetadata: {name: web, cluster: demo}\nspec:\n';
  const net = '  networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-1]}}\n';
  it.each([
    ['Fargate through a capacity provider strategy', `${head}  capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT, weight: 1}]\n${net}  taskDefinition:\n    family: web\n    cpu: 1 vCPU\n    memory: 2 GB\n    networkMode: awsvpc\n    requiresCompatibilities: [FARGATE]\n    containerDefinitions: [{name: web, image: nginx}]\n`],
    ['EC2 host networking with matching ports', `${head}  launchType: EC2\n  taskDefinition:\n    family: web\n    networkMode: host\n    containerDefinitions: [{name: web, image: nginx, memoryReservation: 64, portMappings: [{containerPort: 80, hostPort: 80}]}]\n`],
    ['EC2 awsvpc with task-level memory and no container memory', `${head}  launchType: EC2\n${net}  taskDefinition:\n    family: web\n    memory: "512"\n    networkMode: awsvpc\n    containerDefinitions: [{name: web, image: nginx, portMappings: [{containerPort: 8080}]}]\n  loadBalancers: [{targetGroupArn: tg, containerName: web, containerPort: 8080}]\n`],
    ['Managed Instances, sizes left to ECS', `${head}  launchType: MANAGED_INSTANCES\n  taskDefinition:\n    family: web\n    requiresCompatibilities: [MANAGED_INSTANCES]\n    containerDefinitions: [{name: web, image: nginx}]\n`],
    ['a daemon on EC2 without desiredCount', `${head}  launchType: EC2\n  schedulingStrategy: DAEMON\n  taskDefinition:\n    family: web\n    containerDefinitions: [{name: agent, image: datadog/agent:7, memory: 256}, {name: sidecar, image: busybox, memory: 16, essential: false}]\n`],
    ['sync with every option and escaped pointers', `${head}  ${'taskDefinition: {family: web, containerDefinitions: [{name: web, image: nginx, memory: 128}], tags: {"a/b": c}}'}\n  sync:\n    mode: detect\n    images: pin-digest\n    ignoreDifferences: [/desiredCount, /taskDefinition/tags/a~1b, /taskDefinition/containerDefinitions/0/environment, /deploymentConfiguration/maximumPercent]\n`],
  ] as const)('%s', (_name, content) => {
    const snapshot = validateDocuments([{ path: 'ok.yaml', content }]);
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    expect(snapshot.services).toHaveLength(1);
  });
});
