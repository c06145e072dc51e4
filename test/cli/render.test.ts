/**
 * `ecs-gitops render` over a temp dir of manifests (docs/cli.md, "render"):
 * every instance once per environment with its heading, single-target
 * documents too, lookups as written; --env, --output json, problems and an
 * unknown environment.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { LookupUse, ServiceManifest, SourceLocation } from '../../src/manifests/index.js';
import { runCliCaptured } from '../support/run-cli.js';

/** What the YAML documents read back as (a Cluster reads as one too: only kind is looked at). */
type RenderedService = ServiceManifest & { readonly spec: { readonly environments?: unknown } };

interface ReportEntry {
  readonly kind: string;
  readonly key: string;
  readonly environment?: string;
  readonly account?: string;
  readonly region: string;
  readonly source: SourceLocation;
  readonly lookups: readonly LookupUse[];
}

const ENVIRONMENTS = `apiVersion: ecs-gitops/v1
kind: Environment
metadata: { name: dev }
spec: { account: "111111111111", region: eu-west-1, cluster: main, variables: { level: debug } }
---
apiVersion: ecs-gitops/v1
kind: Environment
metadata: { name: prod }
spec: { account: "222222222222", region: eu-central-1, cluster: main, variables: { level: warn }, sync: { mode: detect } }
`;

const WEB = `apiVersion: ecs-gitops/v1
kind: Service
metadata:
  name: web
  environments: [dev, prod]
spec:
  desiredCount: 1
  taskDefinition:
    family: web
    containerDefinitions:
      - name: app
        image: nginx:1.27
        memory: 128
        environment:
          - { name: LEVEL, value: "\${var.level}" }
          - { name: SUBNET, value: "\${ssm:/net/subnet}" }
      - name: sidecar
        image: envoy
        memory: 64
  environments:
    prod:
      desiredCount: 4
      taskDefinition:
        containerDefinitions:
          - name: app
            image: nginx:1.26
            environment:
              - { name: EXTRA, value: "1" }
`;

const CLUSTER = `apiVersion: ecs-gitops/v1
kind: Cluster
metadata: { name: tools }
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecs-gitops-render-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function put(relative: string, content: string): void {
  mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
  writeFileSync(path.join(dir, relative), content);
}

describe('ecs-gitops render', () => {
  it('prints every instance as YAML after a heading, in file order, single-target documents too', async () => {
    put('environments.yaml', ENVIRONMENTS);
    put('services/web.yaml', WEB);
    put('clusters/tools.yaml', CLUSTER);
    const result = await runCliCaptured(['render', dir, '--region', 'us-west-2']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const headings = result.stdout.split('\n').filter((line) => line.startsWith('# '));
    expect(headings).toEqual([
      '# Cluster us-west-2/tools (region us-west-2) from clusters/tools.yaml:1',
      '# Service 111111111111@eu-west-1/main/web (environment dev, account 111111111111, region eu-west-1) from services/web.yaml:1',
      '# Service 222222222222@eu-central-1/main/web (environment prod, account 222222222222, region eu-central-1) from services/web.yaml:1',
    ]);
    const documents = parseAllDocuments(result.stdout).map((d) => d.toJS() as RenderedService);
    expect(documents.map((d) => d.kind)).toEqual(['Cluster', 'Service', 'Service']);
    const prod = documents[2] as RenderedService;
    expect(prod.metadata).toEqual({ name: 'web', cluster: 'main', region: 'eu-central-1' });
    expect(prod.spec.desiredCount).toBe(4);
    expect(prod.spec.sync).toEqual({ mode: 'detect' });
    expect(prod.spec.environments).toBeUndefined();
    // Containers and their environment variables merged by name; the lookup as written.
    expect(prod.spec.taskDefinition.containerDefinitions).toEqual([
      { name: 'app', image: 'nginx:1.26', memory: 128, environment: [{ name: 'LEVEL', value: 'warn' }, { name: 'SUBNET', value: '${ssm:/net/subnet}' }, { name: 'EXTRA', value: '1' }] },
      { name: 'sidecar', image: 'envoy', memory: 64 },
    ]);
    expect(documents[1]?.spec.taskDefinition.containerDefinitions?.[0]?.environment?.[0]).toEqual({ name: 'LEVEL', value: 'debug' });
  });

  it('prints one environment with --env, as JSON with --output json', async () => {
    put('environments.yaml', ENVIRONMENTS);
    put('services/web.yaml', WEB);
    put('clusters/tools.yaml', CLUSTER);
    const result = await runCliCaptured(['render', dir, '--env', 'dev', '--output', 'json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ReportEntry[];
    expect(report.map((r) => [r.kind, r.key, r.environment, r.account, r.region, r.source])).toEqual([
      ['Service', '111111111111@eu-west-1/main/web', 'dev', '111111111111', 'eu-west-1', { file: 'services/web.yaml', line: 1, column: 1 }],
    ]);
    expect(report[0]?.lookups).toEqual([
      { pointer: '/spec/taskDefinition/containerDefinitions/0/environment/1/value', lookup: { source: 'ssm', parameter: '/net/subnet', text: '${ssm:/net/subnet}' }, offset: 0 },
    ]);
  });

  it('refuses an unknown --env, listing the environments', async () => {
    put('environments.yaml', ENVIRONMENTS);
    const result = await runCliCaptured(['render', dir, '--env', 'stage']);
    expect(result).toEqual({
      code: 3,
      stdout: '',
      stderr: `error CLI_BAD_FLAG_VALUE: --env: no kind: Environment is named "stage" under ${dir}; environments: dev, prod\n`,
    });
  });

  it('exits 1 with the problems as validate prints them, and renders nothing', async () => {
    put('environments.yaml', ENVIRONMENTS);
    put('services/web.yaml', WEB.replace('desiredCount: 4', 'desiredCount: four'));
    const result = await runCliCaptured(['render', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe([
      'services/web.yaml:22:21: MANIFEST_WRONG_TYPE [environment prod] /spec/desiredCount: expected a whole number, found the text "four"',
      '1 problem in 1 of 2 files; nothing rendered (ecs-gitops validate says the same)',
      '',
    ].join('\n'));
    const validate = await runCliCaptured(['validate', dir]);
    expect(validate.stdout.split('\n')[0]).toBe(result.stderr.split('\n')[0]);
  });

  it('is listed in the help', async () => {
    const help = await runCliCaptured(['--help']);
    expect(help.stdout).toContain('  render ');
    const own = await runCliCaptured(['render', '--help']);
    expect(own.stdout).toContain('Usage: ecs-gitops render [DIR] [--env NAME] [--output yaml|json]');
  });
});

describe('ecs-gitops validate with environments', () => {
  it('counts rendered instances and environments, and reports them in JSON', async () => {
    put('environments.yaml', ENVIRONMENTS);
    put('services/web.yaml', WEB);
    put('clusters/tools.yaml', CLUSTER);
    const text = await runCliCaptured(['validate', dir]);
    expect(text).toEqual({ code: 0, stdout: 'valid: 3 files, 2 services, 1 cluster, 2 environments\n', stderr: '' });
    const json = JSON.parse((await runCliCaptured(['validate', dir, '--output', 'json'])).stdout) as {
      services: readonly { key: string; environment?: string; account?: string }[];
      environments: readonly { key: string; account: string }[];
    };
    expect(json.services.map((s) => [s.key, s.environment, s.account])).toEqual([
      ['111111111111@eu-west-1/main/web', 'dev', '111111111111'],
      ['222222222222@eu-central-1/main/web', 'prod', '222222222222'],
    ]);
    expect(json.environments.map((e) => [e.key, e.account])).toEqual([['environment:dev', '111111111111'], ['environment:prod', '222222222222']]);
  });
});
