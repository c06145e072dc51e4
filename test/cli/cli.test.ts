import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseArgs, type FlagSpec } from '../../src/cli/flags.js';
import { VERSION } from '../../src/version.js';
import { runCliCaptured } from '../support/run-cli.js';

const specs: readonly FlagSpec[] = [
  { name: 'resync', type: 'duration', default: '60s', description: 'resync interval' },
  { name: 'prune', type: 'boolean', description: 'delete owned services that left Git' },
  { name: 'mode', type: 'string', choices: ['auto', 'detect'], default: 'auto', description: 'sync mode' },
  { name: 'workers', type: 'integer', default: 4, description: 'workers' },
];

describe('flag parsing', () => {
  it.each([
    [['--resync', '90s'], {}, 'resync', 90_000],
    [['--resync=250ms'], {}, 'resync', 250],
    [[], { ECS_GITOPS_RESYNC: '2m' }, 'resync', 120_000],
    [['--resync', '5s'], { ECS_GITOPS_RESYNC: '2m' }, 'resync', 5000],
    [[], {}, 'resync', 60_000],
    [['--prune'], {}, 'prune', true],
    [['--no-prune'], { ECS_GITOPS_PRUNE: 'true' }, 'prune', false],
    [[], { ECS_GITOPS_PRUNE: 'true' }, 'prune', true],
    [['--mode', 'detect'], {}, 'mode', 'detect'],
    [['--workers', '8'], {}, 'workers', 8],
  ] as const)('%j with env %j gives %s=%j', (argv, env, flag, expected) => {
    expect(parseArgs(argv, specs, env, 1).flags[flag]).toEqual(expected);
  });

  it.each([
    [['--prnue'], 'CLI_UNKNOWN_FLAG', 'unknown flag --prnue (did you mean --prune?)'],
    [['--resync', 'soon'], 'CLI_BAD_FLAG_VALUE', '--resync: expected a duration such as 500ms, 60s or 5m, got "soon"'],
    [['--mode', 'fast'], 'CLI_BAD_FLAG_VALUE', '--mode: expected one of auto, detect, got "fast"'],
    [['--workers'], 'CLI_MISSING_FLAG_VALUE', '--workers needs a value'],
    [['a', 'b'], 'CLI_TOO_MANY_ARGUMENTS', 'expected at most 1 argument(s), got 2: a b'],
  ] as const)('%j fails with %s', (argv, code, message) => {
    expect(() => parseArgs(argv, specs, {}, 1)).toThrow(expect.objectContaining({ code, message }));
  });

  it('names the environment variable when its value is bad', () => {
    expect(() => parseArgs([], specs, { ECS_GITOPS_WORKERS: 'many' }, 1)).toThrow(
      'environment variable ECS_GITOPS_WORKERS: expected a whole number, got "many"',
    );
  });

  it('says which flags took their value from the environment; the command line wins and is not one of them', () => {
    const env = { ECS_GITOPS_WORKERS: '8', ECS_GITOPS_RESYNC: '30s' };
    expect([...(parseArgs(['--workers', '4'], specs, env, 1).fromEnv ?? [])].sort()).toEqual(['resync']);
    expect([...(parseArgs([], specs, env, 1).fromEnv ?? [])].sort()).toEqual(['resync', 'workers']);
  });

  it('freezes the parsed configuration', () => {
    const parsed = parseArgs([], specs, {}, 1);
    expect(Object.isFrozen(parsed.flags)).toBe(true);
  });
});

describe('ecs-gitops command', () => {
  it('prints the version', async () => {
    const result = await runCliCaptured(['--version']);
    expect(result).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('lists every command in --help', async () => {
    const result = await runCliCaptured(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['validate', 'diff', 'sync', 'run', 'export', 'sandbox']) expect(result.stdout).toContain(`  ${name}`);
  });

  it('suggests the closest command for a typo', async () => {
    const result = await runCliCaptured(['valdate']);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('error CLI_UNKNOWN_COMMAND: unknown command "valdate" (did you mean validate?)\n');
  });

  it('runs as a real process through the bin', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', '--version'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${VERSION}\n`);
  });
});
