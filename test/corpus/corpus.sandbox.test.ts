/**
 * The corpus of real-world task definitions (docs/corpus.md) through the CLI
 * against one sandbox: each manifest validates, syncs and reaches a clean
 * diff, a second sync writes nothing, and `export` of the service diffs clean.
 *
 * Each case runs in an account of its own (so that its call counts are its
 * own, and cases run in parallel): the account id the definitions were
 * published for, 123456789012 after the account-id edit, is replaced by the
 * case's account in the copy that is synced, so an image in "the deploying
 * account" stays in the deploying account. The AWS-owned images
 * (aws-for-fluent-bit, App Mesh Envoy, Deep Learning Containers) are pushed
 * to their owners' accounts, so the sandbox can start their tasks, while no
 * case's account can read those repositories, as on AWS.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { SeedAccount, SeedDocument } from '../../src/sandbox/seed.js';
import { runCliCaptured, type CliResult } from '../support/run-cli.js';
import {
  CORPUS_ACCOUNT, CORPUS_CLUSTER, CORPUS_REGION, MUTATING_OPERATIONS, ecrImages, loadCorpus, type CorpusCase,
} from './corpus.js';

const cases = loadCorpus();
/** The account a case runs in: 12 digits, distinct per case. */
const accountOf = (c: CorpusCase) => String(200_000_000_000 + cases.indexOf(c));

function seedFor(all: readonly CorpusCase[]): SeedDocument {
  const accounts: SeedAccount[] = [];
  const cluster = { name: CORPUS_CLUSTER, capacityProviders: ['FARGATE', 'FARGATE_SPOT'] };
  const repositoriesOf = (images: ReturnType<typeof ecrImages>) => {
    const byName = new Map<string, string[]>();
    for (const image of images) byName.set(image.repository, [...(byName.get(image.repository) ?? []), image.tag]);
    return [...byName].map(([name, tags]) => ({ name, images: tags.map((tag) => ({ tags: [tag] })) }));
  };
  for (const c of all) {
    const own = ecrImages([c]).filter((image) => image.accountId === CORPUS_ACCOUNT);
    accounts.push({ accountId: accountOf(c), region: CORPUS_REGION, clusters: [cluster] });
    for (const region of new Set(own.map((image) => image.region))) {
      accounts.push({ accountId: accountOf(c), region, repositories: repositoriesOf(own.filter((image) => image.region === region)) });
    }
  }
  const awsOwned = ecrImages(all).filter((image) => image.accountId !== CORPUS_ACCOUNT);
  for (const target of new Set(awsOwned.map((image) => `${image.accountId}/${image.region}`))) {
    const [accountId = '', region = ''] = target.split('/');
    accounts.push({ accountId, region, repositories: repositoriesOf(awsOwned.filter((image) => image.accountId === accountId && image.region === region)) });
  }
  return { accounts };
}

describe('real-world corpus (sandbox)', () => {
  let sandbox: Sandbox;
  let work: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ clockSpeed: 200, throttling: 'off', seed: seedFor(cases) });
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-corpus-'));
  });
  afterAll(async () => {
    await sandbox?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const show = (step: string, r: CliResult) => `${step}: exit ${r.code}\n${r.stdout}\n${r.stderr}`;

  it('holds at least 30 definitions covering the kinds issue 18 names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const td = (c: CorpusCase) => c.spec.taskDefinition;
    const has = (predicate: (c: CorpusCase) => boolean) => cases.some(predicate);
    const text = (c: CorpusCase) => JSON.stringify(td(c));
    expect(has((c) => c.spec.launchType === 'FARGATE'), 'Fargate').toBe(true);
    expect(has((c) => c.spec.launchType === 'EC2'), 'EC2').toBe(true);
    expect(has((c) => text(c).includes('WINDOWS') || text(c).includes('windows')), 'Windows').toBe(true);
    for (const mode of ['awsvpc', 'bridge', 'host']) expect(has((c) => (td(c).networkMode ?? 'bridge') === mode), mode).toBe(true);
    for (const volume of ['efsVolumeConfiguration', 'fsxWindowsFileServerVolumeConfiguration', 'configuredAtLaunch', '"host"']) {
      expect(has((c) => text(c).includes(volume)), volume).toBe(true);
    }
    expect(has((c) => c.spec.volumeConfigurations !== undefined), 'EBS volumeConfigurations').toBe(true);
    expect(has((c) => text(c).includes('firelensConfiguration')), 'FireLens').toBe(true);
    expect(has((c) => text(c).includes('APPMESH')), 'App Mesh').toBe(true);
    expect(has((c) => text(c).includes('"GPU"')), 'GPU').toBe(true);
    expect(has((c) => text(c).includes('/dev/neuron0')), 'Inferentia').toBe(true);
    expect(has((c) => c.daemon), 'DAEMON').toBe(true);
  });

  // One test per definition running every step; soft assertions report each
  // failing step of a case, and the cases run in parallel (each in its account).
  it.concurrent.for(cases)('$name: validate, sync, diff clean, no-op resync, export round trip', async (corpusCase, { expect }) => {
    const account = accountOf(corpusCase);
    const env = {
      AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_ENDPOINT_URL_ECR: sandbox.endpoint, AWS_REGION: CORPUS_REGION,
      AWS_ACCESS_KEY_ID: account, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret',
    };
    const dir = path.join(work, corpusCase.name);
    await mkdir(path.join(dir, 'manifests'), { recursive: true });
    await writeFile(path.join(dir, 'manifests', `${corpusCase.name}.yaml`), corpusCase.text.split(CORPUS_ACCOUNT).join(account));
    const cli = (...argv: string[]) => runCliCaptured(argv, { env, cwd: dir });

    const validate = await cli('validate', 'manifests');
    expect.soft(validate.code, show('validate', validate)).toBe(0);

    const sync = await cli('sync', 'manifests', '--wait', '--timeout', '60s');
    expect.soft(sync.code, show('first sync', sync)).toBe(0);
    // Exit 0 means "all synced and healthy" (sync --help); the line says so too, DAEMON services included.
    const healthy = new RegExp(`/${corpusCase.name}\\s+Synced Healthy`);
    expect.soft(sync.stdout, show('first sync status', sync)).toMatch(healthy);
    const diff = await cli('diff', 'manifests');
    expect.soft(diff.code, show('diff after the first sync', diff)).toBe(0);

    sandbox.admin.resetCallCounts(account);
    const again = await cli('sync', 'manifests', '--wait', '--timeout', '60s');
    const counts = sandbox.callCounts(account);
    const writes = Object.fromEntries(MUTATING_OPERATIONS.filter((op) => (counts[op] ?? 0) > 0).map((op) => [op, counts[op]]));
    expect.soft(again.code, show('second sync', again)).toBe(0);
    expect.soft(again.stdout, show('second sync status', again)).toMatch(healthy);
    expect.soft(writes, show('mutating calls of the second sync', again)).toEqual({});

    const exported = await cli('export', '--cluster', CORPUS_CLUSTER, '--service', corpusCase.name, '--out', 'exported');
    expect.soft(exported.code, show('export', exported)).toBe(0);
    if (exported.code === 0) {
      const validateExport = await cli('validate', 'exported');
      expect.soft(validateExport.code, show('validate of the export', validateExport)).toBe(0);
      const diffExport = await cli('diff', 'exported');
      expect.soft(diffExport.code, show('diff of the export', diffExport)).toBe(0);
    }
  });
});
