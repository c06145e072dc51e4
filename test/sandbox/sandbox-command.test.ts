/**
 * `ecs-gitops sandbox` driven as a user would: the command runs in-process
 * until its signal aborts, and the installed aws CLI (v1) talks to it.
 */
import { execFile } from 'node:child_process';
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
