import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/commands/validate.js';
import { parseArgs } from '../../src/cli/flags.js';
import { MINIMAL_SERVICE } from '../support/minimal-service.js';
import { runCliCaptured } from '../support/run-cli.js';

const VALID = MINIMAL_SERVICE;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecs-gitops-validate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function put(relative: string, content: string): void {
  mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
  writeFileSync(path.join(dir, relative), content);
}

describe('ecs-gitops validate', () => {
  it('exits 0 and says what it found when every manifest is valid', async () => {
    put('web.yaml', VALID);
    const result = await runCliCaptured(['validate', dir]);
    expect(result).toEqual({ code: 0, stdout: 'valid: 1 file, 1 service, 0 clusters\n', stderr: '' });
  });

  const ASG = 'arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:0b2c9c5e-1111-2222-3333-444455556666:autoScalingGroupName/ec2-asg';
  const PROVIDER = `apiVersion: ecs-gitops/v1
kind: CapacityProvider
metadata: {name: ec2}
spec:
  autoScalingGroupProvider:
    autoScalingGroupArn: ${ASG}
    managedScaling: {status: ENABLED, targetCapacity: 90}
`;
  const CLUSTER = `apiVersion: ecs-gitops/v1
kind: Cluster
metadata: {name: demo}
spec:
  capacityProviders: [ec2]
`;

  it('counts capacity providers in the summary and the JSON report when any is declared', async () => {
    put('web.yaml', VALID);
    put('clusters/demo.yaml', CLUSTER);
    put('capacity-providers/ec2.yaml', PROVIDER);
    const result = await runCliCaptured(['validate', dir]);
    expect(result).toEqual({ code: 0, stdout: 'valid: 3 files, 1 service, 1 cluster, 1 capacity provider\n', stderr: '' });

    put('capacity-providers/spot.yaml', PROVIDER.replace('name: ec2', 'name: spot').replace('ec2-asg', 'spot-asg'));
    const json = await runCliCaptured(['validate', dir, '--output', 'json', '--region', 'eu-west-1']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { capacityProviders: unknown[] }).capacityProviders).toEqual([
      { key: 'capacity-provider:eu-west-1/ec2', region: 'eu-west-1', name: 'ec2', source: { file: 'capacity-providers/ec2.yaml', line: 1, column: 1 }, contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      { key: 'capacity-provider:eu-west-1/spot', region: 'eu-west-1', name: 'spot', source: { file: 'capacity-providers/spot.yaml', line: 1, column: 1 }, contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect((await runCliCaptured(['validate', dir])).stdout).toBe('valid: 4 files, 1 service, 1 cluster, 2 capacity providers\n');
  });

  it('counts scheduled tasks in the summary and the JSON report when any is declared', async () => {
    put('web.yaml', VALID);
    put('jobs/report.yaml', `apiVersion: ecs-gitops/v1
kind: ScheduledTask
metadata: {name: report, cluster: demo}
spec:
  schedule: rate(1 hour)
  roleArn: arn:aws:iam::123456789012:role/scheduler
  taskDefinition:
    family: report
    containerDefinitions: [{name: report, image: busybox, memory: 128}]
`);
    expect((await runCliCaptured(['validate', dir])).stdout).toBe('valid: 2 files, 1 service, 0 clusters, 1 scheduled task\n');
    const json = await runCliCaptured(['validate', dir, '--output', 'json', '--region', 'eu-west-1']);
    expect((JSON.parse(json.stdout) as { scheduledTasks: unknown[] }).scheduledTasks).toEqual([
      { key: 'scheduled-task:eu-west-1/demo/report', region: 'eu-west-1', cluster: 'demo', name: 'report', source: { file: 'jobs/report.yaml', line: 1, column: 1 }, contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
  });

  it('counts the valid capacity providers when other files have problems', async () => {
    put('web.yaml', VALID.replace('family: web', 'family: web\n    cpu: 256'));
    put('capacity-providers/ec2.yaml', PROVIDER);
    const result = await runCliCaptured(['validate', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('1 problem in 1 of 2 files; 0 services, 0 clusters and 1 capacity provider valid\n');
  });

  it('validates ./manifests by default (the repository examples)', async () => {
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const result = await runCliCaptured(['validate'], { cwd: repo });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^valid: \d+ files, 6 services, 3 clusters, 1 scheduled task, 2 environments, 1 notifier\n$/);
  });

  it('exits 1 and prints every problem as file:line:col: CODE message, sorted, then a summary', async () => {
    put('b.yaml', VALID.replace('family: web', 'family: web\n    cpu: 256'));
    put('a/x.yaml', VALID.replace('kind: Service', 'kind: Servise').replace('name: web', 'name: x'));
    put('c.yaml', VALID.replace('name: web, cluster: demo', 'name: c, cluster: demo, nmae: y'));
    const result = await runCliCaptured(['validate', dir]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe([
      'a/x.yaml:2:7: MANIFEST_UNKNOWN_KIND /kind: the text "Servise" is not a kind ecs-gitops knows; expected Service, Cluster, CapacityProvider, ScheduledTask, Environment or Notifier; did you mean "Service"?',
      'b.yaml:7:10: MANIFEST_WRONG_TYPE /spec/taskDefinition/cpu: expected text (a string), found the number 256; quote it: "256"',
      'c.yaml:3:36: MANIFEST_UNKNOWN_FIELD /metadata/nmae: unknown field "nmae"; did you mean "name"?',
      '3 problems in 3 of 3 files; 0 services and 0 clusters valid',
      '',
    ].join('\n'));
    expect(result.code).toBe(1);
  });

  it('prints machine-readable JSON with --output json', async () => {
    put('web.yaml', VALID);
    put('bad.yaml', VALID.replace('name: web', 'name: api').replace('desiredCount', 'x').replace('image: nginx', 'image: nginx, essential: "yes"'));
    const result = await runCliCaptured(['validate', dir, '--output', 'json', '--region', 'eu-west-1']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toEqual({
      valid: false,
      files: ['bad.yaml', 'web.yaml'],
      services: [{
        key: 'eu-west-1/demo/web',
        region: 'eu-west-1',
        cluster: 'demo',
        name: 'web',
        source: { file: 'web.yaml', line: 1, column: 1 },
        contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      }],
      clusters: [],
      capacityProviders: [],
      scheduledTasks: [],
      warnings: [],
      problems: [{
        code: 'MANIFEST_WRONG_TYPE',
        file: 'bad.yaml',
        line: 7,
        column: 65,
        pointer: '/spec/taskDefinition/containerDefinitions/0/essential',
        documentIndex: 0,
        message: '/spec/taskDefinition/containerDefinitions/0/essential: expected true or false, found the text "yes"; YAML 1.2 reads yes/no/on/off as text: write true or false',
      }],
    });
  });

  it.each([
    ['--region flag', ['--region', 'ap-south-1'], {}, 'ap-south-1/demo/web'],
    ['ECS_GITOPS_REGION', [], { ECS_GITOPS_REGION: 'eu-north-1' }, 'eu-north-1/demo/web'],
    ['AWS_REGION', [], { AWS_REGION: 'eu-central-1' }, 'eu-central-1/demo/web'],
    // The same order as diff, sync, run and export (resolveRegion): the SDK's older variable counts too.
    ['AWS_DEFAULT_REGION', [], { AWS_DEFAULT_REGION: 'ap-northeast-2' }, 'ap-northeast-2/demo/web'],
    ['AWS_REGION over AWS_DEFAULT_REGION', [], { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'ap-northeast-2' }, 'eu-central-1/demo/web'],
    ['--region over both variables', ['--region', 'ap-south-1'], { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'ap-northeast-2' }, 'ap-south-1/demo/web'],
    ['nothing set', [], {}, 'us-east-1/demo/web'],
  ] as const)('takes the default region from %s', async (_name, flags, env, key) => {
    put('web.yaml', VALID);
    const result = await runCliCaptured(['validate', dir, '--output', 'json', ...flags], { env: { ...env } });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { services: { key: string }[] }).services.map((s) => s.key)).toEqual([key]);
  });

  it.each([
    ['a missing directory', (d: string) => ['validate', path.join(d, 'nope')], (d: string) => `error MANIFEST_ROOT_UNREADABLE: cannot read manifests root ${path.join(d, 'nope')}: it does not exist\n`],
    ['an unknown flag', () => ['validate', '--outptu', 'json'], () => 'error CLI_UNKNOWN_FLAG: unknown flag --outptu (did you mean --output?)\n'],
    ['a bad output format', () => ['validate', '--output', 'xml'], () => 'error CLI_BAD_FLAG_VALUE: --output: expected one of text, json, got "xml"\n'],
    ['a bad region', () => ['validate', '--region', 'Europe'], () => 'error CLI_BAD_FLAG_VALUE: --region: expected a region name such as eu-west-1, got "Europe"\n'],
    ['two directories', () => ['validate', 'a', 'b'], () => 'error CLI_TOO_MANY_ARGUMENTS: expected at most 1 argument(s), got 2: a b\n'],
  ] as const)('exits 3 for %s', async (_name, argv, stderr) => {
    const result = await runCliCaptured(argv(dir), { cwd: dir });
    expect(result).toEqual({ code: 3, stdout: '', stderr: stderr(dir) });
  });

  it('says so when the directory holds no manifests', async () => {
    const result = await runCliCaptured(['validate', dir]);
    expect(result).toEqual({ code: 0, stdout: `valid: no manifest files (*.yaml, *.yml, *.json) under ${dir}\n`, stderr: '' });
  });
});

describe('ecs-gitops validate on a terminal', () => {
  async function runOnTty(env: Record<string, string>): Promise<string> {
    const out = Object.assign(new PassThrough(), { isTTY: true });
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const args = parseArgs([dir], validateCommand.flags, env, validateCommand.maxPositionals);
    const code = await validateCommand.run({ args, stdout: out, stderr: new PassThrough(), env, cwd: dir, signal: new AbortController().signal });
    expect(code).toBe(1);
    return Buffer.concat(chunks).toString('utf8');
  }

  it('colours the code and the summary, and never with NO_COLOR', async () => {
    put('web.yaml', VALID.replace('kind: Service', 'kind: service'));
    const coloured = await runOnTty({});
    expect(coloured).toContain('web.yaml:2:7: \u001b[1m\u001b[31mMANIFEST_UNKNOWN_KIND\u001b[0m /kind:');
    expect(coloured).toContain('\u001b[31m1 problem in 1 of 1 file; 0 services and 0 clusters valid\u001b[0m');
    const plain = await runOnTty({ NO_COLOR: '1' });
    expect(plain).not.toContain('\u001b[');
    expect(plain).toContain('web.yaml:2:7: MANIFEST_UNKNOWN_KIND /kind:');
  });
});
