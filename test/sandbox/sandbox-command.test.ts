/**
 * `ecs-gitops sandbox` driven as a user would: the command runs in-process
 * until its signal aborts, and the installed aws CLI (v1) talks to it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { QUICKSTART_SEED_PATH } from '../../src/sandbox/index.js';
import { requireProgram } from '../support/programs.js';
import { runCliCaptured } from '../support/run-cli.js';

const run = promisify(execFile);

interface Running {
  readonly endpoint: string;
  stop(): Promise<{ code: number; output: string }>;
}

async function startCommand(args: readonly string[]): Promise<Running> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let output = '';
  stdout.on('data', (c: Buffer) => (output += c.toString()));
  stderr.on('data', (c: Buffer) => (output += c.toString()));
  const controller = new AbortController();
  const exit = runCli(['sandbox', ...args], { stdout, stderr, env: {}, cwd: process.cwd(), signal: controller.signal });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearInterval(timer);
        resolve(m[1] as string);
      }
    }, 20);
    exit.then((code) => {
      clearInterval(timer);
      reject(new Error(`sandbox exited early with ${code}: ${output}`));
    }, reject);
  });
  return {
    endpoint,
    stop: async () => {
      controller.abort();
      return { code: await exit, output };
    },
  };
}

const hasAws = requireProgram('aws', 'pip install awscli');

describe('ecs-gitops sandbox', () => {
  let sandbox: Running;
  beforeAll(async () => {
    sandbox = await startCommand(['--port', '0', '--seed', QUICKSTART_SEED_PATH, '--throttling', 'off', '--clock-speed', '100']);
  });
  afterAll(async () => {
    const { code, output } = await sandbox.stop();
    expect(code).toBe(0);
    expect(output).toContain(`aws --endpoint-url ${sandbox.endpoint} ecs list-clusters`);
    expect(output).toContain(`AWS_ENDPOINT_URL_ECS=${sandbox.endpoint}`);
    expect(output).toContain('sandbox stopped');
  });

  it('serves the admin API with the clock speed given by --clock-speed', async () => {
    const res = await fetch(`${sandbox.endpoint}/_sandbox/health`);
    expect(await res.json()).toEqual({ ok: true });
    const clock = await (await fetch(`${sandbox.endpoint}/_sandbox/clock`)).json() as { speed: number };
    expect(clock.speed).toBe(100);
  });

  describe.runIf(hasAws)('driven by the aws CLI', () => {
    const aws = async (...args: string[]): Promise<unknown> => {
      const { stdout } = await run('aws', ['--endpoint-url', sandbox.endpoint, '--region', 'eu-west-1', '--output', 'json', ...args], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: '123456789012', AWS_SECRET_ACCESS_KEY: 'not-a-secret', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
        timeout: 30_000,
      });
      return stdout.trim() === '' ? {} : JSON.parse(stdout);
    };

    it('lists the seeded cluster and images', async () => {
      expect(await aws('ecs', 'list-clusters')).toEqual({ clusterArns: ['arn:aws:ecs:eu-west-1:123456789012:cluster/demo'] });
      const images = await aws('ecr', 'describe-images', '--repository-name', 'web') as { imageDetails: { imageTags: string[] }[] };
      expect(images.imageDetails[0]?.imageTags).toEqual(['1.4.2']);
    });

    it('registers a task definition, creates and describes a service', async () => {
      const td = await aws('ecs', 'register-task-definition', '--family', 'cli', '--network-mode', 'awsvpc', '--requires-compatibilities', 'FARGATE',
        '--cpu', '256', '--memory', '512', '--container-definitions', JSON.stringify([{ name: 'app', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2' }])) as { taskDefinition: { revision: number } };
      expect(td.taskDefinition.revision).toBe(1);
      await aws('ecs', 'create-service', '--cluster', 'demo', '--service-name', 'cli', '--task-definition', 'cli', '--desired-count', '1',
        '--launch-type', 'FARGATE', '--network-configuration', 'awsvpcConfiguration={subnets=[subnet-1]}');
      const out = await aws('ecs', 'describe-services', '--cluster', 'demo', '--services', 'cli', 'ghost') as {
        services: { taskDefinition: string; networkConfiguration: { awsvpcConfiguration: { assignPublicIp: string } } }[];
        failures: { reason: string }[];
      };
      expect(out.services[0]?.taskDefinition).toBe('arn:aws:ecs:eu-west-1:123456789012:task-definition/cli:1');
      expect(out.services[0]?.networkConfiguration.awsvpcConfiguration.assignPublicIp).toBe('DISABLED');
      expect(out.failures).toEqual([expect.objectContaining({ reason: 'MISSING' })]);
    });

    // One aws call per remaining operation of the sandbox's tables, in one test on one
    // sandbox: aws v1 starts Python for each call (~0.5 s), so they run sequentially
    // under a generous timeout. Each call reads back what the previous ones wrote.
    it('serves every other ECS and ECR operation to the aws CLI', async () => {
      const accountPrefix = 'arn:aws:ecs:eu-west-1:123456789012';
      const created = await aws('ecs', 'create-cluster', '--cluster-name', 'cli-ops', '--settings', 'name=containerInsights,value=enabled',
        '--tags', 'key=team,value=ops') as { cluster: { clusterArn: string; status: string; settings: unknown[] } };
      expect(created.cluster).toMatchObject({ clusterArn: `${accountPrefix}:cluster/cli-ops`, status: 'ACTIVE', settings: [{ name: 'containerInsights', value: 'enabled' }] });

      const updated = await aws('ecs', 'update-cluster', '--cluster', 'cli-ops', '--settings', 'name=containerInsights,value=disabled') as { cluster: { settings: unknown[] } };
      expect(updated.cluster.settings).toEqual([{ name: 'containerInsights', value: 'disabled' }]);
      const providers = await aws('ecs', 'put-cluster-capacity-providers', '--cluster', 'cli-ops', '--capacity-providers', 'FARGATE', 'FARGATE_SPOT',
        '--default-capacity-provider-strategy', 'capacityProvider=FARGATE,weight=1') as { cluster: { capacityProviders: string[] } };
      expect(providers.cluster.capacityProviders).toEqual(['FARGATE', 'FARGATE_SPOT']);
      const clusters = await aws('ecs', 'describe-clusters', '--clusters', 'cli-ops', 'ghost', '--include', 'TAGS') as {
        clusters: { clusterName: string; settings: unknown[]; capacityProviders: string[]; defaultCapacityProviderStrategy: unknown[]; tags: unknown[] }[];
        failures: { arn: string; reason: string }[];
      };
      expect(clusters.clusters).toEqual([expect.objectContaining({
        clusterName: 'cli-ops',
        settings: [{ name: 'containerInsights', value: 'disabled' }],
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
        tags: [{ key: 'team', value: 'ops' }],
      })]);
      expect(clusters.failures).toEqual([{ arn: `${accountPrefix}:cluster/ghost`, reason: 'MISSING' }]);

      const containers = JSON.stringify([{ name: 'app', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1.4.2' }]);
      for (let i = 0; i < 2; i++) {
        await aws('ecs', 'register-task-definition', '--family', 'cli-ops', '--network-mode', 'awsvpc', '--requires-compatibilities', 'FARGATE',
          '--cpu', '256', '--memory', '512', '--container-definitions', containers);
      }
      const td = await aws('ecs', 'describe-task-definition', '--task-definition', 'cli-ops:1') as { taskDefinition: { taskDefinitionArn: string; revision: number; status: string; cpu: string } };
      expect(td.taskDefinition).toMatchObject({ taskDefinitionArn: `${accountPrefix}:task-definition/cli-ops:1`, revision: 1, status: 'ACTIVE', cpu: '256' });
      expect(await aws('ecs', 'list-task-definitions', '--family-prefix', 'cli-ops')).toEqual({
        taskDefinitionArns: [`${accountPrefix}:task-definition/cli-ops:1`, `${accountPrefix}:task-definition/cli-ops:2`],
      });
      expect(await aws('ecs', 'list-task-definition-families', '--family-prefix', 'cli-o')).toEqual({ families: ['cli-ops'] });
      const deregistered = await aws('ecs', 'deregister-task-definition', '--task-definition', 'cli-ops:1') as { taskDefinition: { status: string } };
      expect(deregistered.taskDefinition.status).toBe('INACTIVE');
      expect(await aws('ecs', 'list-task-definitions', '--family-prefix', 'cli-ops')).toEqual({ taskDefinitionArns: [`${accountPrefix}:task-definition/cli-ops:2`] });

      await aws('ecs', 'create-service', '--cluster', 'cli-ops', '--service-name', 'svc', '--task-definition', 'cli-ops', '--desired-count', '1',
        '--launch-type', 'FARGATE', '--network-configuration', 'awsvpcConfiguration={subnets=[subnet-1]}');
      const scaled = await aws('ecs', 'update-service', '--cluster', 'cli-ops', '--service', 'svc', '--desired-count', '2') as { service: { desiredCount: number; taskDefinition: string } };
      expect(scaled.service).toMatchObject({ desiredCount: 2, taskDefinition: `${accountPrefix}:task-definition/cli-ops:2` });
      const serviceArn = `${accountPrefix}:service/cli-ops/svc`;
      expect(await aws('ecs', 'list-services', '--cluster', 'cli-ops')).toEqual({ serviceArns: [serviceArn] });

      // The sandbox clock runs at 100x: both tasks start within a few real seconds.
      let taskArns: string[] = [];
      for (let attempt = 0; attempt < 40 && taskArns.length < 2; attempt++) {
        taskArns = (await aws('ecs', 'list-tasks', '--cluster', 'cli-ops', '--service-name', 'svc') as { taskArns: string[] }).taskArns;
      }
      expect(taskArns).toHaveLength(2);
      for (const arn of taskArns) expect(arn).toMatch(/^arn:aws:ecs:eu-west-1:123456789012:task\/cli-ops\/[0-9a-f]+$/);
      const tasks = await aws('ecs', 'describe-tasks', '--cluster', 'cli-ops', '--tasks', ...taskArns) as {
        tasks: { taskArn: string; group: string; taskDefinitionArn: string; containers: { name: string }[] }[];
        failures: unknown[];
      };
      expect(tasks.tasks.map((t) => t.taskArn).sort()).toEqual([...taskArns].sort());
      for (const t of tasks.tasks) {
        expect(t).toMatchObject({ group: 'service:svc', taskDefinitionArn: `${accountPrefix}:task-definition/cli-ops:2`, containers: [expect.objectContaining({ name: 'app' })] });
      }
      expect(tasks.failures).toEqual([]);

      expect(await aws('ecs', 'tag-resource', '--resource-arn', serviceArn, '--tags', 'key=owner,value=cli', 'key=tier,value=web')).toEqual({});
      expect(await aws('ecs', 'untag-resource', '--resource-arn', serviceArn, '--tag-keys', 'tier')).toEqual({});
      expect(await aws('ecs', 'list-tags-for-resource', '--resource-arn', serviceArn)).toEqual({ tags: [{ key: 'owner', value: 'cli' }] });

      const deleted = await aws('ecs', 'delete-service', '--cluster', 'cli-ops', '--service', 'svc', '--force') as { service: { status: string; desiredCount: number } };
      expect(deleted.service).toMatchObject({ status: 'DRAINING', desiredCount: 0 });
      expect(await aws('ecs', 'list-services', '--cluster', 'cli-ops')).toEqual({ serviceArns: [] });

      const repo = await aws('ecr', 'create-repository', '--repository-name', 'cli-ops') as { repository: { repositoryName: string; repositoryUri: string } };
      expect(repo.repository).toMatchObject({ repositoryName: 'cli-ops', repositoryUri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cli-ops' });
      const repos = await aws('ecr', 'describe-repositories', '--repository-names', 'cli-ops') as { repositories: { repositoryName: string; imageTagMutability: string }[] };
      expect(repos.repositories).toEqual([expect.objectContaining({ repositoryName: 'cli-ops', imageTagMutability: 'MUTABLE' })]);
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', layers: [] });
      const pushed = await aws('ecr', 'put-image', '--repository-name', 'cli-ops', '--image-tag', 'v1', '--image-manifest', manifest) as { image: { imageId: { imageDigest: string; imageTag: string } } };
      // The sandbox digests are content digests: sha256 of the manifest bytes.
      const digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
      expect(pushed.image.imageId).toEqual({ imageDigest: digest, imageTag: 'v1' });
      const got = await aws('ecr', 'batch-get-image', '--repository-name', 'cli-ops', '--image-ids', 'imageTag=v1', 'imageTag=v2') as {
        images: { imageId: unknown; imageManifest: string }[];
        failures: { imageId: unknown; failureCode: string }[];
      };
      expect(got.images).toEqual([expect.objectContaining({ imageId: { imageDigest: digest, imageTag: 'v1' }, imageManifest: manifest })]);
      expect(got.failures).toEqual([expect.objectContaining({ imageId: { imageTag: 'v2' }, failureCode: 'ImageNotFound' })]);
    }, 240_000);

    it('shows AWS error names to the aws CLI', async () => {
      const err = await aws('ecs', 'describe-services', '--cluster', 'nope', '--services', 'x').then(() => undefined, (e: Error & { stderr: string }) => e);
      expect(err?.stderr).toContain('ClusterNotFoundException');
    });
  });
});

describe('ecs-gitops sandbox flags', () => {
  it.each([
    [['--throttling', 'sometimes'], "--throttling: expected 'real', 'off' or a number > 0"],
    [['--clock-speed', 'fast'], '--clock-speed: expected a number >= 0'],
    [['--port', '70000'], '--port: must be 0-65535'],
  ])('rejects %j', async (args, message) => {
    const result = await runCliCaptured(['sandbox', ...args]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('CLI_BAD_FLAG_VALUE');
    expect(result.stderr).toContain(message);
  });

  it('names the port when it is already in use', async () => {
    const busy = await startCommand(['--port', '0', '--throttling', 'off']);
    const port = new URL(busy.endpoint).port;
    const result = await runCliCaptured(['sandbox', '--port', port]);
    await busy.stop();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`CLI_BAD_FLAG_VALUE: --port/--host: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
  });

  it('fails with IO_READ_FAILED on a missing seed folder', async () => {
    const result = await runCliCaptured(['sandbox', '--port', '0', '--seed', '/nonexistent/seeds']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('IO_READ_FAILED');
  });
});
