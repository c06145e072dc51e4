/**
 * Keeps `npm run bench` from rotting: runs `bench/run.ts --quick --json` as a
 * user would (a separate process that itself starts the sandbox and the
 * controller as processes) and checks that it completes and reports every
 * figure as a number. Never asserts times: those are BENCHMARKS.md's job.
 * It does assert the steady resync's call counts against their ideals (ECS's
 * and, for the autoscaled fifth of the fleet, Application Auto Scaling's and
 * CloudWatch's), and the accounts scenario's per-location calls and
 * AssumeRole count: counts, not timings, so a batching regression fails here.
 * The mass rollout's follow (issue 22): every BLUE_GREEN rollout SUCCESSFUL, at
 * most one DescribeServiceDeployments per followed rollout per poll, none after
 * the rollouts ended, and one duration histogram observation per rollout.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireProgram } from '../support/programs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const hasGit = requireProgram('git', 'apt-get install git');

interface Figure { scenario: string; name: string; value: number | null; unit: string; target?: string; met?: boolean }
interface BenchJson {
  quick: boolean;
  throttling: { sandbox: string; scale: number };
  machine: { cpus: number };
  figures: Figure[];
  details: Record<string, unknown>;
  error?: string;
}

function runBench(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'run.ts'), ...args], {
      cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    // SIGINT lets the bench stop the processes it started.
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!hasGit)('npm run bench -- --quick --json', () => {
  it('completes and reports every figure of every scenario as a number', async () => {
    const { code, stdout, stderr } = await runBench(['--quick', '--json'], 540_000);
    expect(code, stderr.slice(-4000)).toBe(0);
    const result = JSON.parse(stdout) as BenchJson;
    expect(result.error).toBeUndefined();
    expect(result.quick).toBe(true);
    expect(result.throttling).toMatchObject({ sandbox: 'real', scale: 1 });
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(new Set(result.figures.map((f) => f.scenario))).toEqual(new Set(['1 steady', '2 latency', '3 rollout', '4 scale', '5 cold', '6 accounts', '8 ui']));
    for (const f of result.figures) {
      if (f.value === null) {
        // Only the rollout ratio may be absent, and only when its yardstick is 0 (everything fits in the bursts).
        expect(f.name).toBe('ratio to the limit');
        expect((result.details.rollout as { limitSeconds: number }).limitSeconds).toBe(0);
        continue;
      }
      expect(Number.isFinite(f.value), `${f.scenario} / ${f.name}`).toBe(true);
      if (f.target !== undefined) expect(typeof f.met, `${f.scenario} / ${f.name}`).toBe('boolean');
    }
    const names = result.figures.map((f) => `${f.scenario}: ${f.name}`);
    for (const expected of [
      /1 steady: ratio to ideal/, /1 steady: ECS calls for one resync/, /1 steady: scaling ratio to ideal/, /1 steady: Application Auto Scaling \+ CloudWatch calls/, /2 latency: .*p50/, /2 latency: .*p99/,
      /3 rollout: commit -> last UpdateService/, /3 rollout: RegisterTaskDefinition calls/, /3 rollout: ThrottlingExceptions/,
      /3 rollout: commit -> every BLUE_GREEN rollout SUCCESSFUL/, /3 rollout: BLUE_GREEN rollout look-ups \/ \(watched rollouts x polls\)/,
      /3 rollout: follow DescribeServices \(ideal/, /3 rollout: follow rollout look-ups in DescribeServiceDeployments \(bound/, /3 rollout: follow DescribeServiceDeployments calls \(ideal/, /3 rollout: follow reads \/ ideal/,
      /3 rollout: ThrottlingExceptions, commit -> every rollout ended/, /3 rollout: ecs_gitops_deployment_duration_seconds_count/,
      /4 scale: controller RSS/, /4 scale: ECS calls for the resync/, /4 scale: controller CPU per resync/, /4 scale: SDK floor at ECS's rate/, /5 cold: process start to all/,
      /8 ui: fleet view cold load, 'fleet-rendered'/, /8 ui: bytes transferred for the fleet view/, /8 ui: status change -> row shown, median/, /8 ui: GET \/api\/v1\/services p50/,
    ]) expect(names.some((n) => expected.test(n)), String(expected)).toBe(true);
    // Batching: one resync of the steady fleet costs exactly its ideal, on ECS and on the scaling APIs.
    const steady = (name: string) => result.figures.find((f) => f.scenario === '1 steady' && f.name === name)?.value;
    const scaling = (result.details.steady as { scaling: { declared: { targets: number }; calls: Record<string, number> } }).scaling;
    expect(scaling.declared.targets, 'the steady fleet has autoscaled services').toBeGreaterThan(0);
    expect(steady('ratio to ideal'), 'ECS calls / ideal').toBe(1);
    expect(steady('scaling ratio to ideal'), `scaling calls / ideal: ${JSON.stringify(scaling.calls)}`).toBe(1);
    // The follow (issue 22): a quarter of the rollout fleet BLUE_GREEN, every rollout followed to SUCCESSFUL,
    // at most one DescribeServiceDeployments per followed rollout per poll, none once they ended, one histogram observation each.
    const follow = (result.details.rollout as { follow: {
      services: number; blueGreenServices: number; proxyAgrees: boolean; deploymentReadsAfterEnd: number; durationCountIncrease: number;
      blueGreen: { rollouts: number; polls: number; ratio: number }; rolling: { ratio: number }; results: Record<string, Record<string, number>>;
    } }).follow;
    // Every 4th service of each cluster (rounded up per cluster): 8 of the --quick 20, 52 of the full 200.
    expect(follow.blueGreenServices, 'about a quarter of the rollout fleet deploys BLUE_GREEN').toBeGreaterThanOrEqual(follow.services / 4);
    expect(follow.blueGreenServices, 'about a quarter of the rollout fleet deploys BLUE_GREEN').toBeLessThan(follow.services / 2);
    expect(follow.results.BLUE_GREEN, JSON.stringify(follow.results)).toEqual({ completed: follow.blueGreenServices });
    expect(follow.blueGreen.rollouts).toBe(follow.blueGreenServices);
    expect(follow.blueGreen.polls, 'every BLUE_GREEN rollout was polled').toBeGreaterThanOrEqual(follow.blueGreenServices);
    expect(follow.blueGreen.ratio, 'DescribeServiceDeployments per BLUE_GREEN poll').toBeGreaterThan(0);
    expect(follow.blueGreen.ratio, 'DescribeServiceDeployments per BLUE_GREEN poll').toBeLessThanOrEqual(1);
    expect(follow.rolling.ratio, 'DescribeServiceDeployments per ROLLING poll').toBeLessThanOrEqual(1);
    expect(follow.deploymentReadsAfterEnd, 'the follow stops with the rollouts').toBe(0);
    expect(follow.durationCountIncrease, 'ecs_gitops_deployment_duration_seconds_count: one per rollout').toBe(follow.services);
    expect(follow.proxyAgrees, 'the recording proxy saw every call the sandbox logged').toBe(true);
    // Many accounts (issue 21): every location's resync at its ideal, one AssumeRole per account for the whole run.
    const accounts = result.figures.filter((f) => f.scenario === '6 accounts');
    const perLocation = accounts.filter((f) => /^ratio to ideal at \d{12}@/.test(f.name));
    expect(perLocation, 'one ratio per account and Region').toHaveLength(8);
    for (const f of perLocation) expect(f.value, f.name).toBe(1);
    expect(accounts.find((f) => f.name.startsWith('AssumeRole calls in the whole run'))?.value).toBe(4);
    expect(accounts.find((f) => f.name === 'AssumeRole calls during the resync')?.value).toBe(0);
    // The web UI (issue 24): every commit's row showed the change on the open page (counts, not timings).
    expect(result.figures.find((f) => f.scenario === '8 ui' && f.name.startsWith('commits whose row never showed'))?.value).toBe(0);
    // The table went to stderr, with a verdict for every target.
    expect(stderr).toMatch(/ratio to ideal/);
    expect(stderr).toMatch(/sandbox throttling real/);
  }, 600_000);
});
