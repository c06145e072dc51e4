/**
 * The quick start's try-next steps 8 and 9 (src/cli/commands/start.ts, README
 * "Try next"): with the repository's own manifests/ (copied to a temp dir),
 * `api` is rendered for dev and prod, each in its own sandbox account reached
 * through STS AssumeRole, with its subnets looked up in that account's SSM;
 * `render --env prod` prints prod's instance; `promote api --from dev --to
 * prod`, pointed at the quick start's sandbox as the banner prints it, writes
 * dev's image into prod's override and the running controller deploys it in
 * prod's account.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { eventually } from '../controller/harness.js';
import { startQuickStartCopy, statusOf } from './quick-start-harness.js';
import { runCliProcess } from './cli-process.js';

const TOOLS = '123456789012';
const DEV = '111111111111';
const PROD = '222222222222';
const REGION = 'eu-west-1';
const image = (tag: string) => `${TOOLS}.dkr.ecr.${REGION}.amazonaws.com/api:${tag}`;

describe('quick start, try next steps 8 and 9: one manifest in two accounts, and a promotion', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs api in dev\'s and prod\'s accounts, renders prod, and deploys what promote writes into prod\'s override', async () => {
    const started = await startQuickStartCopy('ecs-gitops-start-envs-');
    dir = started.dir;
    const { cli, url } = started;
    try {
      expect(cli.stdout()).toContain('Try next:');
      const { endpoint } = started;
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(cli.stdout()).toContain(`envs       dev (account ${DEV}, ${REGION}), prod (account ${PROD}, ${REGION}), through STS AssumeRole on the sandbox`);
      const api = async (account: string) => (await statusOf(url)).find((s) => s.key === `${account}@${REGION}/apps/api`);
      await eventually(async () => (await api(DEV))?.health === 'Healthy' && (await api(PROD))?.health === 'Healthy', async () => [await api(DEV), await api(PROD)]);
      expect(await api(PROD)).toMatchObject({ account: PROD, environment: 'prod', sync: 'Synced' });

      // Each account runs its own instance, with the subnets its own SSM holds.
      const ecsIn = (account: string) => new ECSClient({ endpoint, region: REGION, credentials: { accessKeyId: account, secretAccessKey: 'x' } });
      const live = async (account: string) => {
        const ecs = ecsIn(account);
        try {
          const service = (await ecs.send(new DescribeServicesCommand({ cluster: 'apps', services: ['api'] }))).services?.[0];
          const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service?.taskDefinition }));
          return { service, container: td.taskDefinition?.containerDefinitions?.[0] };
        } finally {
          ecs.destroy();
        }
      };
      const prodBefore = await live(PROD);
      expect(prodBefore.service?.desiredCount).toBe(2);
      expect(prodBefore.container?.image).toBe(image('1.0.0'));
      expect(prodBefore.service?.networkConfiguration?.awsvpcConfiguration?.subnets).toEqual(['subnet-0prod000000000001', 'subnet-0prod000000000002', 'subnet-0prod000000000003']);
      expect(prodBefore.container?.environment).toEqual(expect.arrayContaining([{ name: 'STAGE', value: 'prod' }, { name: 'LOG_LEVEL', value: 'warn' }]));
      const devBefore = await live(DEV);
      expect(devBefore.container?.image).toBe(image('1.1.0'));
      expect(devBefore.service?.networkConfiguration?.awsvpcConfiguration?.subnets).toEqual(['subnet-0dev0000000000001', 'subnet-0dev0000000000002']);

      // Step 8: render prints prod's instance as the controller applies it.
      const rendered = await runCliProcess(['render', dir, '--env', 'prod'], {});
      expect(rendered.code, rendered.stderr).toBe(0);
      expect(rendered.stdout).toContain(`# Service ${PROD}@${REGION}/apps/api (environment prod, account ${PROD}, region ${REGION})`);
      expect(rendered.stdout).toContain(`image: ${image('1.0.0')}`);
      expect(rendered.stdout).not.toContain(`${DEV}@`);

      // Step 9: promote with the environment the banner prints.
      const promoteLine = /AWS_ENDPOINT_URL=(\S+) AWS_ACCESS_KEY_ID=(\d+) AWS_SECRET_ACCESS_KEY=x AWS_REGION=(\S+)/.exec(cli.stdout());
      expect(promoteLine?.[1]).toBe(endpoint);
      const promoted = await runCliProcess(['promote', 'api', '--from', 'dev', '--to', 'prod', dir], {
        AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: promoteLine?.[2] as string, AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: promoteLine?.[3] as string,
      });
      expect(promoted.code, promoted.stderr).toBe(0);
      expect(await readFile(path.join(dir, 'services', 'api.yaml'), 'utf8')).toContain(`image: ${image('1.1.0')}`);
      await eventually(async () => (await live(PROD)).container?.image === image('1.1.0'), async () => live(PROD), 30_000);
      await eventually(async () => (await api(PROD))?.sync === 'Synced' && (await api(PROD))?.health === 'Healthy', async () => api(PROD), 30_000);
      expect((await live(DEV)).container?.image).toBe(image('1.1.0'));
    } finally {
      cli.stop();
    }
    expect(await cli.exit).toBe(0);
  }, 90_000);
});
