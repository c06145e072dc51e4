/**
 * The quick start's try-next step 10 (src/cli/commands/start.ts, README "Try
 * next"): with the repository's own manifests/ (copied to a temp dir),
 * checkout (CANARY, a PAUSE hook at POST_TEST_TRAFFIC_SHIFT) comes up Healthy
 * on its first deployment; a new image waits for approval with test traffic on
 * the new revision; the step's own commands, run as a user runs them (the CLI
 * in its own process, the clock skip over HTTP), let it finish, or roll it back
 * and the controller holds the change until the file changes again.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { ServiceStatus } from '../../src/controller/status.js';
import { eventually } from '../controller/harness.js';
import { startQuickStartCopy, statusOf } from './quick-start-harness.js';
import { runCliProcess } from './cli-process.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const image = (tag: string) => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/checkout:${tag}`;

/** Step 10 as printed: the environment and `ecs-gitops` arguments of its command, and its clock skip. */
function stepTen(stdout: string) {
  const step = stdout.slice(stdout.indexOf(' 10. '), stdout.indexOf('Press Ctrl-C'));
  const command = /(AWS_ENDPOINT_URL=\S+(?: AWS_\w+=\S+)*) \\\n\s+npm run -s ecs-gitops -- (continue checkout \S+)\n/.exec(step);
  const clock = /curl -X POST (\S+) -d '(\{"advanceMs":\d+\})'/.exec(step);
  if (!command?.[1] || !command[2] || !clock?.[1] || !clock[2]) throw new Error(`step 10 not printed as expected:\n${step}`);
  const env = Object.fromEntries(command[1].split(' ').map((pair) => pair.split('=') as [string, string]));
  return { step, env, args: command[2].split(' '), clockUrl: clock[1], clockBody: clock[2] };
}

describe('quick start, try next step 10: a canary that waits for approval', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The quick start on a copy of manifests/, checkout Healthy on 3.2.0 after its first deployment, then changed to 3.3.0 and waiting. */
  async function startAndChangeCheckout(extraFlags: readonly string[] = []) {
    const started = await startQuickStartCopy('ecs-gitops-start-deployments-', extraFlags);
    dir = started.dir;
    const { cli, url, endpoint } = started;
    let last: ServiceStatus | undefined;
    const checkout = async () => (last = (await statusOf(url)).find((s) => s.service === 'checkout'));
    const ecs = new ECSClient({ endpoint, region: REGION, credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'x' }, maxAttempts: 1 });
    const liveImage = async () => {
      const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['checkout'] }))).services?.[0];
      return (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service?.taskDefinition }))).taskDefinition?.containerDefinitions?.[0]?.image;
    };

    // The quick start comes up clean with checkout in it: its first deployment has no blue, so it scales up
    // like a rolling one, and the PAUSE hook does not hold it.
    let all: ServiceStatus[] = [];
    await eventually(async () => {
      all = await statusOf(url);
      return all.length === 6 && all.every((s) => s.sync === 'Synced' && s.health === 'Healthy');
    }, () => ({ services: all.map((s) => [s.key, s.sync, s.health, s.rollout?.state]), out: cli.stdout().slice(-3000) }), 30_000);
    await eventually(async () => (await checkout())?.rollout?.state === 'SUCCESSFUL', () => ({ checkout: last }));
    expect(last?.rollout).toMatchObject({ strategy: 'CANARY', source: 'service-deployment' });
    expect(last?.rollout?.waitingForApproval).toBeUndefined();
    expect(await liveImage()).toBe(image('3.2.0'));

    // The step's change: the new tag, which the seed's ECR holds.
    const file = path.join(dir, 'services', 'checkout.yaml');
    const original = await readFile(file, 'utf8');
    expect(original).toContain(`image: ${image('3.2.0')}`);
    await writeFile(file, original.replace(':3.2.0', ':3.3.0'));
    await eventually(async () => (await checkout())?.rollout?.waitingForApproval !== undefined, () => ({ checkout: last, out: cli.stdout().slice(-3000) }), 30_000);
    expect(last?.health).toBe('Progressing');
    expect(last?.rollout).toMatchObject({
      strategy: 'CANARY', source: 'service-deployment', state: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
      reason: 'waiting for approval at POST_TEST_TRAFFIC_SHIFT', testTrafficPercent: 100, productionTrafficPercent: 0,
      waitingForApproval: { stage: 'POST_TEST_TRAFFIC_SHIFT' },
    });
    // Waiting is checkout's alone: the rest of the quick start stays Healthy and Synced.
    const others = (await statusOf(url)).filter((s) => s.service !== 'checkout');
    expect(others.map((s) => `${s.key} ${s.sync} ${s.health}`)).toEqual(others.map((s) => `${s.key} Synced Healthy`));
    return { cli, url, endpoint, file, original, checkout, liveImage, last: () => last, close: () => ecs.destroy() };
  }

  it('continue (the printed command, its own process) lets the canary go on; the clock skip ends the bake times: Healthy on 3.3.0', async () => {
    const run = await startAndChangeCheckout();
    const { cli, checkout } = run;
    try {
      const printed = stepTen(cli.stdout());
      expect(printed.env).toEqual({ AWS_ENDPOINT_URL: run.endpoint, AWS_ACCESS_KEY_ID: ACCOUNT, AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: REGION });
      // DIR as printed: relative to the directory npm start runs in (here, as for runCliProcess, the repository).
      expect(printed.args.slice(0, 2)).toEqual(['continue', 'checkout']);
      expect(path.resolve(printed.args[2] as string)).toBe(path.dirname(path.dirname(run.file)));
      expect(printed.clockUrl).toBe(`${run.endpoint}/_sandbox/clock`);

      const continued = await runCliProcess(printed.args, printed.env);
      expect(continued.code, continued.stderr).toBe(0);
      expect(continued.stdout).toContain(`${REGION}/demo/checkout: continued service deployment arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/demo/checkout/`);
      expect(continued.stdout).toContain('stage POST_TEST_TRAFFIC_SHIFT');

      // The canary: 20% of production traffic, baking for 2 simulated minutes (the clock runs at real speed here).
      await eventually(async () => (await checkout())?.rollout?.productionTrafficPercent === 20, () => ({ checkout: run.last() }), 30_000);
      expect(run.last()?.rollout?.waitingForApproval).toBeUndefined();
      expect(run.last()?.health).toBe('Progressing');

      const skip = await fetch(printed.clockUrl, { method: 'POST', body: printed.clockBody });
      expect(skip.status, await skip.text()).toBe(200);
      await eventually(async () => {
        const s = await checkout();
        return s?.health === 'Healthy' && s.sync === 'Synced' && s.rollout?.state === 'SUCCESSFUL';
      }, () => ({ checkout: run.last(), out: cli.stdout().slice(-3000) }), 30_000);
      expect(run.last()?.rollout).toMatchObject({ strategy: 'CANARY', productionTrafficPercent: 100, result: 'completed' });
      expect(await run.liveImage()).toBe(image('3.3.0'));
    } finally {
      run.close();
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
  }, 120_000);

  it('rollback instead of continue: Degraded, "rolled back by hand ... fix or revert in Git", held on 3.2.0 until the file changes', async () => {
    // A short resync, so the hold is seen to survive several passes.
    const run = await startAndChangeCheckout(['--resync', '1s']);
    const { cli, checkout } = run;
    try {
      const printed = stepTen(cli.stdout());
      const args = printed.args.map((a) => (a === 'continue' ? 'rollback' : a));
      const rolledBack = await runCliProcess(args, printed.env);
      expect(rolledBack.code, rolledBack.stderr).toBe(0);
      expect(rolledBack.stdout).toContain(`${REGION}/demo/checkout: rollback requested for service deployment`);

      await eventually(async () => (await checkout())?.rollout?.rolledBackByHandAt !== undefined && run.last()?.rollout?.state === 'ROLLBACK_SUCCESSFUL',
        () => ({ checkout: run.last(), out: cli.stdout().slice(-3000) }), 30_000);
      const held = run.last();
      expect(held?.health).toBe('Degraded');
      expect(held?.sync).toBe('OutOfSync');
      expect(held?.lastError?.code).toBe('CONTROLLER_ROLLOUT_ROLLED_BACK_BY_HAND');
      expect(held?.lastError?.message).toMatch(/rolled back by hand at \S+; fix or revert in Git/);
      expect(await run.liveImage()).toBe(image('3.2.0'));

      // Held: several resyncs later the controller has not applied 3.3.0 again.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect((await checkout())?.health).toBe('Degraded');
      expect(await run.liveImage()).toBe(image('3.2.0'));

      // Revert in Git (here: the file): Git says what runs again.
      await writeFile(run.file, run.original);
      await eventually(async () => {
        const s = await checkout();
        return s?.sync === 'Synced' && s.health === 'Healthy' && s.lastError === undefined;
      }, () => ({ checkout: run.last(), out: cli.stdout().slice(-3000) }), 30_000);
      expect(await run.liveImage()).toBe(image('3.2.0'));
    } finally {
      run.close();
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
  }, 120_000);
});
