/**
 * Issue 18, section 3: what real users paste. `aws ecs describe-task-definition`
 * output under spec.taskDefinition (fixtures/describe-task-definition.json was
 * recorded from the sandbox with the aws CLI v1: register-task-definition,
 * deregister-task-definition, describe-task-definition, so it carries every
 * read-only field, deregisteredAt included), and a Fargate service whose task
 * definition leaves requiresCompatibilities to ECS.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, formatWarning, READ_ONLY_TASK_DEFINITION_FIELDS, validateDocuments } from '../../src/manifests/index.js';
import { REGION } from '../controller/harness.js';
import { runCliCaptured } from '../support/run-cli.js';
import { startCliSandbox, type CliSandbox } from '../cli/cli-sandbox.js';

const DESCRIBED = readFileSync(new URL('./fixtures/describe-task-definition.json', import.meta.url), 'utf8');

/** The describe output's taskDefinition object, pasted as text (indentation and all) into a JSON manifest. */
function pastedManifest(name: string): string {
  const start = DESCRIBED.indexOf('{', DESCRIBED.indexOf('"taskDefinition"'));
  const end = DESCRIBED.lastIndexOf('}', DESCRIBED.lastIndexOf('}') - 1);
  const taskDefinition = DESCRIBED.slice(start, end + 1);
  return [
    '{',
    '  "apiVersion": "ecs-gitops/v1",',
    '  "kind": "Service",',
    `  "metadata": {"name": "${name}", "cluster": "demo", "region": "${REGION}"},`,
    '  "spec": {',
    '    "desiredCount": 1,',
    '    "launchType": "FARGATE",',
    '    "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a"], "securityGroups": ["sg-1"]}},',
    `    "taskDefinition": ${taskDefinition}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** 1-based line and column of the key `"field"` in `text`. */
function keyPosition(text: string, field: string): string {
  const offset = text.indexOf(`"${field}"`);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

describe('pasted describe-task-definition output', () => {
  it('validates with one warning per read-only field, and the manifest leaves them out', () => {
    const content = pastedManifest('web');
    const snapshot = validateDocuments([{ path: 'web.json', content }], { defaultRegion: REGION });
    expect(snapshot.problems.map(formatProblem)).toEqual([]);
    expect(snapshot.services.map((s) => s.key)).toEqual([`${REGION}/demo/web`]);
    // The fixture holds all nine (deleteRequestedAt added by hand: the sandbox does not delete revisions); each is reported at its key.
    expect(READ_ONLY_TASK_DEFINITION_FIELDS.every((field) => content.includes(`"${field}"`))).toBe(true);
    expect(snapshot.warnings?.map(formatWarning)).toEqual(
      READ_ONLY_TASK_DEFINITION_FIELDS
        .map((field) => `web.json:${keyPosition(content, field)}: warning MANIFEST_READ_ONLY_FIELD /spec/taskDefinition/${field}: "${field}" is read-only: ECS sets it when it registers a revision (describe-task-definition output), so it is ignored; remove it to silence this warning`)
        .sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1])),
    );
    const taskDefinition = snapshot.services[0]?.manifest.spec.taskDefinition as unknown as Record<string, unknown>;
    for (const field of READ_ONLY_TASK_DEFINITION_FIELDS) expect(taskDefinition).not.toHaveProperty(field);
    expect(taskDefinition).toMatchObject({ family: 'web', cpu: '256', memory: '512', requiresCompatibilities: ['FARGATE'] });
  });

  it('a read-only field does not hide a real problem next to it', () => {
    const content = pastedManifest('web').replace('"family": "web"', '"family": "web", "cpus": "1"');
    const snapshot = validateDocuments([{ path: 'web.json', content }], { defaultRegion: REGION });
    expect(snapshot.problems.map((p) => `${p.code} ${p.pointer}`)).toEqual(['MANIFEST_UNKNOWN_FIELD /spec/taskDefinition/cpus']);
    expect(snapshot.warnings).toHaveLength(READ_ONLY_TASK_DEFINITION_FIELDS.length);
    expect(snapshot.services).toEqual([]);
  });

  describe('end to end against the sandbox', () => {
    let setup: CliSandbox;
    beforeEach(async () => {
      setup = await startCliSandbox('345678901234');
    });
    afterEach(() => setup.close());

    it('validate exits 0 printing the warnings; sync applies it; diff is clean afterwards', async () => {
      const content = pastedManifest('web');
      await setup.dir.write('web.json', content);

      const validate = await runCliCaptured(['validate', setup.dir.root], { env: setup.env });
      expect(validate.code).toBe(0);
      expect(validate.stdout).toContain(`web.json:${keyPosition(content, 'taskDefinitionArn')}: warning MANIFEST_READ_ONLY_FIELD /spec/taskDefinition/taskDefinitionArn: "taskDefinitionArn" is read-only`);
      expect(validate.stdout).toContain(`web.json:${keyPosition(content, 'deregisteredAt')}: warning MANIFEST_READ_ONLY_FIELD /spec/taskDefinition/deregisteredAt:`);
      expect(validate.stdout).toContain(`valid: 1 file, 1 service, 0 clusters (${READ_ONLY_TASK_DEFINITION_FIELDS.length} warnings)`);

      const json = await runCliCaptured(['validate', setup.dir.root, '--output', 'json'], { env: setup.env });
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, problems: [], warnings: expect.arrayContaining([expect.objectContaining({ code: 'MANIFEST_READ_ONLY_FIELD', pointer: '/spec/taskDefinition/revision' })]) });

      const sync = await runCliCaptured(['sync', setup.dir.root, '--wait', '--timeout', '60s'], { env: setup.env });
      expect(sync.stderr).toContain('warning MANIFEST_READ_ONLY_FIELD /spec/taskDefinition/compatibilities');
      expect(sync.stdout).toContain(`${REGION}/demo/web  Synced Healthy`);
      expect(sync.code).toBe(0);

      const diff = await runCliCaptured(['diff', setup.dir.root], { env: setup.env });
      expect(diff.stderr).toContain('warning MANIFEST_READ_ONLY_FIELD /spec/taskDefinition/status');
      expect(diff.stdout).toContain('1 service: 1 in sync, 0 out of sync, 0 missing');
      expect(diff.code).toBe(0);
    });

    it('a Fargate service whose task definition leaves requiresCompatibilities to ECS validates, syncs and stays in sync', async () => {
      const manifest = {
        apiVersion: 'ecs-gitops/v1',
        kind: 'Service',
        metadata: { name: 'api', cluster: 'demo', region: REGION },
        spec: {
          desiredCount: 1,
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-a'] } },
          taskDefinition: {
            family: 'api',
            networkMode: 'awsvpc',
            cpu: '512',
            memory: '1 GB',
            containerDefinitions: [{ name: 'api', image: 'nginx:1.27', portMappings: [{ containerPort: 8080 }] }],
          },
        },
      };
      await setup.dir.write('api.yaml', [manifest]);
      const validate = await runCliCaptured(['validate', setup.dir.root], { env: setup.env });
      expect(validate.stdout).toBe('valid: 1 file, 1 service, 0 clusters\n');
      expect(validate.code).toBe(0);
      const sync = await runCliCaptured(['sync', setup.dir.root, '--wait', '--timeout', '60s'], { env: setup.env });
      expect(sync.stdout).toContain(`${REGION}/demo/api  Synced Healthy`);
      expect(sync.code).toBe(0);
      const diff = await runCliCaptured(['diff', setup.dir.root], { env: setup.env });
      expect(diff.stdout).toContain('1 service: 1 in sync, 0 out of sync, 0 missing');
      expect(diff.code).toBe(0);
    });
  });
});
