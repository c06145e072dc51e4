/**
 * --rate-limits, --secret-pattern and --mask-key-file (and their environment
 * twins) through the real CLI: bad values fail naming the flag and the key
 * before anything is read or applied; good values reach diff's rendering and
 * the controller behind sync (status diffs, the ECS rate limiter), against a
 * sandbox over HTTP.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli/command.js';
import { controllerConfigFrom, runCommand } from '../../src/cli/commands/run.js';
import { syncCommand } from '../../src/cli/commands/sync.js';
import { loggerFrom, maskOptionsFrom } from '../../src/cli/config-flags.js';
import { parseArgs } from '../../src/cli/flags.js';
import { maskValue } from '../../src/diff/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { ManifestDir } from '../controller/harness.js';
import { REGION, serviceManifest } from '../controller/harness.js';
import { runCliCaptured } from '../support/run-cli.js';
import { startCliSandbox, type CliSandbox } from './cli-sandbox.js';

/** A service whose container has plain environment variables. */
function serviceWithEnvironment(name: string, environment: Record<string, string>): Record<string, unknown> {
  const manifest = serviceManifest({ name }) as { spec: { taskDefinition: { containerDefinitions: Array<Record<string, unknown>> } } };
  const [container] = manifest.spec.taskDefinition.containerDefinitions;
  (container as Record<string, unknown>).environment = Object.entries(environment).map(([key, value]) => ({ name: key, value }));
  return manifest as unknown as Record<string, unknown>;
}

describe('flag errors', () => {
  let tmp: string | undefined;
  afterEach(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    tmp = undefined;
  });

  it.each([
    [['--rate-limits', '{"service-modfy": {"burst": 100}}'],
      '--rate-limits: unknown rate category "service-modfy" (did you mean "service-modify"?); categories: cluster-read, cluster-modify, task-definition-read, task-definition-modify, service-read, service-modify, tag-read, tag-modify, '
        + 'task-read, task-launch, autoscaling-read, autoscaling-modify, cloudwatch-read, cloudwatch-modify, scheduler-read, scheduler-modify, ssm-read, cloudformation-read'],
    [['--rate-limits', '{"service-modify": {"burst": 0}}'], '--rate-limits: "service-modify".burst must be a whole number of 1 or more, got 0'],
    [['--rate-limits', '{"service-modify": {"burst": 2.5}}'], '--rate-limits: "service-modify".burst must be a whole number of 1 or more, got 2.5'],
    [['--rate-limits', '{"tag-read": {"refillPerSecond": "fast"}}'], '--rate-limits: "tag-read".refillPerSecond must be a number above 0, got "fast"'],
    [['--rate-limits', '{"tag-read": {"refillPerSecond": -1}}'], '--rate-limits: "tag-read".refillPerSecond must be a number above 0, got -1'],
    [['--rate-limits', '{"tag-read": {"refill": 5}}'],
      '--rate-limits: "tag-read": unknown field "refill" (did you mean "refillPerSecond"?); expected {"burst": n, "refillPerSecond": r}'],
    [['--rate-limits', '{"tag-read": 5}'], '--rate-limits: "tag-read" must be an object {"burst": n, "refillPerSecond": r}'],
    [['--rate-limits', '{"tag-read": '], expect.stringMatching(/^--rate-limits: not valid JSON: /)],
    [['--secret-pattern', '(PIN'], expect.stringMatching(/^--secret-pattern: not a valid regular expression: .*\(PIN/)],
    [['--secret-pattern', ''], '--secret-pattern: must not be empty (it would mark every environment variable secret)'],
    [['--adopt-clusters', 'prod,legacy (old)'], '--adopt-clusters: "legacy (old)" is not a cluster name, ARN or * pattern'],
  ])('sync %j fails with CLI_BAD_FLAG_VALUE naming the flag', async (argv, message) => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-flags-'));
    // Nothing is read: the manifests directory does not even exist.
    const result = await runCliCaptured(['sync', path.join(tmp, 'missing'), ...argv]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const [line] = result.stderr.split('\n');
    expect(line?.slice(0, 'error CLI_BAD_FLAG_VALUE: '.length)).toBe('error CLI_BAD_FLAG_VALUE: ');
    expect(line?.slice('error CLI_BAD_FLAG_VALUE: '.length)).toEqual(message);
  });

  it('reads --rate-limits from a file, and its environment twin, with the same checks', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-flags-'));
    const file = path.join(tmp, 'limits.json');
    await writeFile(file, '{"service-read": {"burst": 200}, "cluster-raed": {"burst": 1}}');
    const fromFile = await runCliCaptured(['sync', path.join(tmp, 'missing'), '--rate-limits', 'limits.json'], { cwd: tmp });
    expect(fromFile.stderr).toMatch(/^error CLI_BAD_FLAG_VALUE: --rate-limits: unknown rate category "cluster-raed" \(did you mean "cluster-read"\?\)/);
    await writeFile(file, '{"service-read": {"burst": 200}');
    const brokenFile = await runCliCaptured(['sync', path.join(tmp, 'missing'), '--rate-limits', file]);
    expect(brokenFile.stderr).toMatch(new RegExp(`^error CLI_BAD_FLAG_VALUE: --rate-limits: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON: `));
    const missing = await runCliCaptured(['sync', path.join(tmp, 'missing'), '--rate-limits', 'nope.json'], { cwd: tmp });
    expect(missing.stderr).toMatch(/^error IO_READ_FAILED: --rate-limits: cannot read nope\.json: ENOENT/);
    const fromEnv = await runCliCaptured(['run', '--repo', tmp], { env: { ECS_GITOPS_RATE_LIMITS: '{"service-read": {"burst": -3}}' } });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toBe('error CLI_BAD_FLAG_VALUE: --rate-limits: "service-read".burst must be a whole number of 1 or more, got -3\n');
  });

  it('rejects an empty or unreadable mask key file, and never takes the key on the command line', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'ecs-gitops-flags-'));
    await writeFile(path.join(tmp, 'empty.key'), '\n');
    const empty = await runCliCaptured(['diff', path.join(tmp, 'missing'), '--mask-key-file', 'empty.key'], { cwd: tmp });
    expect(empty).toMatchObject({ code: 1, stderr: 'error CLI_BAD_FLAG_VALUE: --mask-key-file: empty.key is empty\n' });
    const unreadable = await runCliCaptured(['diff', path.join(tmp, 'missing'), '--mask-key-file', 'nope.key'], { cwd: tmp });
    expect(unreadable.stderr).toMatch(/^error IO_READ_FAILED: --mask-key-file: cannot read nope\.key: ENOENT/);
    const onCommandLine = await runCliCaptured(['diff', path.join(tmp, 'missing'), '--mask-key', 'k']);
    expect(onCommandLine).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error CLI_UNKNOWN_FLAG: unknown flag --mask-key\b/) });
  });

  it.each(['run', 'sync', 'diff'])('%s --help lists the masking flags with their environment twins', async (command) => {
    const help = (await runCliCaptured([command, '--help'])).stdout;
    expect(help).toContain('[env ECS_GITOPS_SECRET_PATTERN]');
    expect(help).toContain('[env ECS_GITOPS_MASK_KEY_FILE]');
    expect(help.includes('[env ECS_GITOPS_RATE_LIMITS]')).toBe(command !== 'diff');
  });
});

describe('log lines honour --secret-pattern', () => {
  const PIN = 'planted-pin-0815';
  /** What a reconcile might log: a container's environment, DOOR_PIN secret only by the user's pattern. */
  const fields = { containerDefinitions: [{ environment: [{ name: 'DOOR_PIN', value: PIN }, { name: 'LOG_LEVEL', value: 'debug' }] }] };

  function context(argv: string[], flags: typeof runCommand.flags, env: Record<string, string>) {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const ctx: CommandContext = {
      args: parseArgs(argv, flags, env, 1), stdout: out, stderr: out, env, cwd: process.cwd(), signal: new AbortController().signal,
    };
    return { ctx, text: () => text };
  }

  it.each([
    ['--secret-pattern', ['--secret-pattern', '_pin$'], {}],
    ['ECS_GITOPS_SECRET_PATTERN', [], { ECS_GITOPS_SECRET_PATTERN: '_PIN$' }],
  ])('run\'s logger scrubs a value named only by %s', async (_label, argv, env) => {
    const { ctx, text } = context(['--repo', '.', ...argv], runCommand.flags, env);
    const { logger } = controllerConfigFrom(ctx, await maskOptionsFrom(ctx));
    logger.info(fields, 'reconciled');
    logger.child(fields).warn('bound');
    expect(text()).toContain('"msg":"bound"');
    expect(text()).not.toContain(PIN);
    expect(text()).toContain('"value":"debug"');
  });

  it('sync\'s logger (pretty, on stderr) scrubs it too, and without the pattern the value is printed', async () => {
    const masked = context(['--secret-pattern', 'door_pin'], syncCommand.flags, {});
    const logger = loggerFrom(masked.ctx, await maskOptionsFrom(masked.ctx), { destination: masked.ctx.stderr, format: 'pretty', colorize: false });
    logger.warn(fields, 'not applied');
    expect(masked.text()).toContain('not applied');
    expect(masked.text()).not.toContain(PIN);

    const plain = context([], syncCommand.flags, {});
    loggerFrom(plain.ctx, await maskOptionsFrom(plain.ctx), { destination: plain.ctx.stderr, format: 'pretty', colorize: false }).warn(fields, 'not applied');
    expect(plain.text()).toContain(PIN);
  });
});

describe('masking and rate limit flags against a sandbox', () => {
  let sandbox: Sandbox;
  let dir: ManifestDir;
  let env: Record<string, string>;
  const accountId = '210987654321';
  const pin = '4711-not-in-the-default-pattern';
  const password = 'hunter2';

  let setup: CliSandbox;

  beforeEach(async () => {
    setup = await startCliSandbox(accountId);
    ({ sandbox, dir, env } = setup);
  });
  afterEach(() => setup.close());

  it('diff masks what --secret-pattern names with the key from --mask-key-file or ECS_GITOPS_MASK_KEY', async () => {
    await dir.write('svc.yaml', [serviceWithEnvironment('web', { DOOR_PIN: pin, DB_PASSWORD: password })]);
    // The default pattern does not know DOOR_PIN: its value is shown as is.
    const plain = await runCliCaptured(['diff', dir.root], { env });
    expect(plain.code).toBe(2);
    expect(plain.stdout).toContain(pin);
    expect(plain.stdout).not.toContain(password);

    const keyFile = path.join(dir.root, '..', `${path.basename(dir.root)}.mask-key`);
    await writeFile(keyFile, 'per-installation-key\n');
    try {
      const masked = await runCliCaptured(['diff', dir.root, '--secret-pattern', '_pin$', '--mask-key-file', keyFile], { env });
      expect(masked.code).toBe(2);
      expect(masked.stdout).not.toContain(pin);
      expect(masked.stdout).toContain(maskValue(pin, { maskKey: 'per-installation-key' }));
      // The pattern replaces the default: DB_PASSWORD no longer matches it.
      expect(masked.stdout).toContain(password);
    } finally {
      await rm(keyFile, { force: true });
    }

    const fromEnv = await runCliCaptured(['diff', dir.root, '--output', 'json'], { env: { ...env, ECS_GITOPS_SECRET_PATTERN: 'PIN|PASSWORD', ECS_GITOPS_MASK_KEY: 'key-from-env' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stdout).not.toContain(pin);
    expect(fromEnv.stdout).not.toContain(password);
    expect(fromEnv.stdout).toContain(maskValue(pin, { maskKey: 'key-from-env' }));
    expect(fromEnv.stdout).toContain(maskValue(password, { maskKey: 'key-from-env' }));
  });

  it('sync reports status diffs masked with the same options', async () => {
    await dir.write('svc.yaml', [serviceWithEnvironment('web', { DOOR_PIN: pin })]);
    const result = await runCliCaptured(['sync', dir.root, '--mode', 'detect', '--output', 'json', '--secret-pattern', 'pin'], {
      env: { ...env, ECS_GITOPS_MASK_KEY: 'sync-key' },
    });
    expect(result.stdout).not.toContain(pin);
    const report = JSON.parse(result.stdout) as { services: Array<{ key: string; diff: unknown[] }> };
    expect(report.services).toEqual([expect.objectContaining({ key: `${REGION}/demo/web` })]);
    expect(JSON.stringify(report.services[0]?.diff)).toContain(maskValue(pin, { maskKey: 'sync-key' }));
  });

  it('sync applies --rate-limits: with one service-modify token and one more every 2 s, the second CreateService reaches ECS at least 2 s after the first', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 }), serviceManifest({ name: 'api', desiredCount: 1 })]);
    const result = await runCliCaptured(['sync', dir.root, '--rate-limits', '{"service-modify": {"burst": 1, "refillPerSecond": 0.5}}'], { env });
    expect(result.stdout).toContain('sync complete: 2/2 services ok');
    expect(result.code).toBe(0);
    // Arrival times at the sandbox, so process start-up does not count: with ECS's default burst
    // of 50 both creates arrive together.
    const creates = sandbox.admin.callLog({ accountId, operation: 'CreateService' }).map((c) => c.at);
    expect(creates).toHaveLength(2);
    expect(Math.abs((creates[1] ?? 0) - (creates[0] ?? 0))).toBeGreaterThanOrEqual(1900);
  }, 30_000);

  it('sync --timeout ends the run even while a reconcile waits for a rate-limit token', async () => {
    await dir.write('svc.yaml', [serviceManifest({ name: 'web', desiredCount: 1 }), serviceManifest({ name: 'api', desiredCount: 1 })]);
    // The second CreateService would wait 100 s for its token; the deadline is 3 s.
    const result = await runCliCaptured(['sync', dir.root, '--output', 'json', '--timeout', '3s',
      '--rate-limits', '{"service-modify": {"burst": 1, "refillPerSecond": 0.01}}'], { env });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; timedOut: boolean };
    expect(report).toMatchObject({ ok: false, timedOut: true });
    expect(sandbox.admin.callLog({ accountId, operation: 'CreateService' })).toHaveLength(1);
  }, 60_000);
});

describe('run --correction-loop-retry', () => {
  const configOf = (argv: readonly string[], env: Record<string, string> = {}) => {
    const out = new PassThrough();
    const ctx: CommandContext = {
      args: parseArgs(['--repo', '.', ...argv], runCommand.flags, env, 0), stdout: out, stderr: out, env, cwd: process.cwd(), signal: new AbortController().signal,
    };
    return controllerConfigFrom(ctx, {}).correctionLoop;
  };

  it.each([
    [[], {}, { firstRetryMs: 60_000, maxRetryMs: 600_000 }],
    [['--correction-loop-retry', '90s'], {}, { firstRetryMs: 90_000, maxRetryMs: 600_000 }],
    [[], { ECS_GITOPS_CORRECTION_LOOP_RETRY: '5m' }, { firstRetryMs: 300_000, maxRetryMs: 600_000 }],
    // A first retry longer than ten minutes is also the longest.
    [['--correction-loop-retry', '20m'], {}, { firstRetryMs: 1_200_000, maxRetryMs: 1_200_000 }],
  ])('%j %j -> %j', (argv, env, expected) => {
    expect(configOf(argv, env)).toEqual(expected);
  });

  it('refuses a retry under a second, naming the flag', () => {
    expect(() => configOf(['--correction-loop-retry', '500ms'])).toThrow(/correction-loop-retry.*at least 1s/);
  });
});
