/**
 * EcsReader with a task definition store (src/ecs/task-definition-store.ts)
 * against the sandbox over the real SDK: a second reader on the same store (a
 * restarted controller) answers the task definitions the first read with no
 * DescribeTaskDefinition; a miss is read from ECS and saved, and so is a
 * registration; a store that fails falls back to ECS.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RegisterTaskDefinitionCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { EcsCallCounter } from '../../src/ecs/call-counter.js';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { EcsReader, type LiveTaskDefinition } from '../../src/ecs/ecs-reader.js';
import { DiskTaskDefinitionStore } from '../../src/ecs/disk-task-definition-store.js';
import type { TaskDefinitionStore } from '../../src/ecs/task-definition-store.js';
import { ecsApiFromClient } from '../../src/ecs/sdk-adapter.js';
import { RegionAccessPool } from '../../src/controller/regions.js';
import { systemClock } from '../../src/util/clock.js';
import { accountOn, fargateTaskDefinition, testSandbox } from '../sandbox/sandbox-harness.js';

const COUNT = 50;

/** Counts loads and saves through a store. */
class CountingStore implements TaskDefinitionStore {
  loads = 0;
  saved: string[] = [];
  constructor(readonly inner: TaskDefinitionStore) {}
  load(location: string, signal?: AbortSignal): Promise<LiveTaskDefinition[]> {
    this.loads++;
    return this.inner.load(location, signal);
  }
  save(location: string, entries: readonly LiveTaskDefinition[]): void {
    this.saved.push(...entries.map((e) => e.taskDefinition.taskDefinitionArn ?? ''));
    this.inner.save(location, entries);
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
}

describe('EcsReader with a task definition store', () => {
  let sandbox: Sandbox;
  let ecs: ECSClient;
  let api: EcsApi;
  let counter: EcsCallCounter;
  let location: string;
  const arns: string[] = [];
  const dirs: string[] = [];

  const storeDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reader-store-'));
    dirs.push(dir);
    return path.join(dir, 'task-definitions');
  };
  const register = async (family: string): Promise<LiveTaskDefinition> => {
    const out = await ecs.send(new RegisterTaskDefinitionCommand({ ...fargateTaskDefinition(family), tags: [{ key: 'ecs-gitops/hash', value: family }] }));
    if (!out.taskDefinition) throw new Error('no task definition registered');
    return { taskDefinition: out.taskDefinition, tags: out.tags ?? [] };
  };
  const reader = (store?: TaskDefinitionStore) => new EcsReader({
    ecs: api, clock: systemClock, ...(store ? { taskDefinitionStore: { store, location } } : {}),
  });

  beforeAll(async () => {
    sandbox = await testSandbox();
    const account = accountOn(sandbox);
    location = `${account.accountId}@${account.region}`;
    ecs = account.ecs();
    for (let i = 0; i < COUNT; i++) arns.push((await register(`fam${i}`)).taskDefinition.taskDefinitionArn ?? '');
    counter = new EcsCallCounter();
    api = counter.wrap(ecsApiFromClient(ecs));
  });
  afterAll(async () => {
    await sandbox.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${COUNT} task definitions a first reader read with no DescribeTaskDefinition, after one load`, async () => {
    const dir = storeDir();
    const firstStore = new CountingStore(new DiskTaskDefinitionStore(dir));
    counter.reset();
    const first = await Promise.all(arns.map((arn) => reader(firstStore).taskDefinition(arn)));
    expect(counter.count('DescribeTaskDefinition')).toBe(COUNT);
    expect(firstStore.saved.sort()).toEqual([...arns].sort());
    await firstStore.flush();

    // The restart: a new store object on the same directory, a new reader.
    const secondStore = new CountingStore(new DiskTaskDefinitionStore(dir));
    const restarted = reader(secondStore);
    counter.reset();
    const second = await Promise.all(arns.map((arn) => restarted.taskDefinition(arn)));
    expect(counter.count('DescribeTaskDefinition')).toBe(0);
    // Concurrent look-ups share one load; nothing read. Each loaded entry is handed to save once, on its first use
    // (the store learns it is in use), and the store writes nothing for it.
    expect(secondStore.loads).toBe(1);
    expect(secondStore.saved.sort()).toEqual([...arns].sort());
    await secondStore.flush();
    expect(readFileSync(new DiskTaskDefinitionStore(dir).fileFor(location), 'utf8').split('\n').filter(Boolean)).toHaveLength(COUNT);
    expect(second).toEqual(first);
    expect(second[0]?.tags).toEqual([{ key: 'ecs-gitops/hash', value: 'fam0' }]);
    // Later look-ups are served from memory: no second load, no second save.
    await restarted.taskDefinition(arns[1] ?? '');
    expect(secondStore.loads).toBe(1);
    expect(secondStore.saved).toHaveLength(COUNT);
  });

  it('reloadTaskDefinitions: what another writer stored since the first load is answered with no DescribeTaskDefinition', async () => {
    const dir = storeDir();
    const store = new CountingStore(new DiskTaskDefinitionStore(dir));
    const replica = reader(store);
    counter.reset();
    // The first load (empty), and ten look-ups read from ECS.
    await Promise.all(arns.slice(0, 10).map((arn) => replica.taskDefinition(arn)));
    expect(counter.count('DescribeTaskDefinition')).toBe(10);
    expect(store.loads).toBe(1);

    // Another replica (its own reader and store on the shared storage) learns thirty more.
    const peerStore = new DiskTaskDefinitionStore(dir);
    const peer = await Promise.all(arns.slice(10, 40).map((arn) => reader(peerStore).taskDefinition(arn)));
    await peerStore.flush();

    // Taking the shard over: reload, and look-ups made at once wait for it rather than reading ECS.
    counter.reset();
    const reloading = replica.reloadTaskDefinitions();
    // Asked again while pending: the same reload.
    const again = replica.reloadTaskDefinitions();
    const answers = await Promise.all(arns.slice(10, 40).map((arn) => replica.taskDefinition(arn)));
    await Promise.all([reloading, again]);
    expect(counter.count('DescribeTaskDefinition')).toBe(0);
    expect(store.loads).toBe(2);
    expect(answers).toEqual(peer);
    // What it had is kept, and a miss still goes to ECS.
    await replica.taskDefinition(arns[0] ?? '');
    await replica.taskDefinition(arns[45] ?? '');
    expect(counter.count('DescribeTaskDefinition')).toBe(1);
    // A reader without a store has nothing to reload.
    await expect(reader().reloadTaskDefinitions()).resolves.toBeUndefined();
  });

  it('RegionAccessPool.reloadTaskDefinitions reloads the location\'s reader, and is nothing for a location not used yet', async () => {
    const dir = storeDir();
    const store = new CountingStore(new DiskTaskDefinitionStore(dir));
    const lifetime = new AbortController();
    const pool = new RegionAccessPool({ ecs: api, clock: systemClock, signal: lifetime.signal, rateLimits: false, taskDefinitionStore: store });
    await pool.get(location).reader.taskDefinition(arns[0] ?? '');
    const peerStore = new DiskTaskDefinitionStore(dir);
    await Promise.all(arns.slice(1, 11).map((arn) => reader(peerStore).taskDefinition(arn)));
    await peerStore.flush();

    counter.reset();
    await pool.reloadTaskDefinitions(location);
    await pool.reloadTaskDefinitions('eu-north-1');
    expect(store.loads).toBe(2);
    expect(pool.locations()).toEqual([location]);
    await Promise.all(arns.slice(1, 11).map((arn) => pool.get(location).reader.taskDefinition(arn)));
    expect(counter.count('DescribeTaskDefinition')).toBe(0);
    lifetime.abort();
  });

  it('reads a miss from ECS and saves it, and saves a registration, for the next restart', async () => {
    const dir = storeDir();
    const seeded = new DiskTaskDefinitionStore(dir);
    await Promise.all(arns.slice(0, 5).map((arn) => reader(seeded).taskDefinition(arn)));
    await seeded.flush();

    const store = new DiskTaskDefinitionStore(dir);
    const restarted = reader(store);
    counter.reset();
    await Promise.all(arns.slice(0, 6).map((arn) => restarted.taskDefinition(arn)));
    // Five from the store, the sixth a miss.
    expect(counter.count('DescribeTaskDefinition')).toBe(1);
    // A registration: remembered, so neither this reader nor the next reads it.
    const registered = await register('registered-here');
    restarted.rememberTaskDefinition(registered);
    await restarted.taskDefinition(registered.taskDefinition.taskDefinitionArn ?? '');
    expect(counter.count('DescribeTaskDefinition')).toBe(1);
    await store.flush();

    const again = reader(new DiskTaskDefinitionStore(dir));
    counter.reset();
    const answers = await Promise.all([...arns.slice(0, 6), registered.taskDefinition.taskDefinitionArn ?? ''].map((arn) => again.taskDefinition(arn)));
    expect(counter.count('DescribeTaskDefinition')).toBe(0);
    expect(answers.at(-1)).toEqual(registered);
  });

  it('reads ECS as without a store when the store fails to load or save', async () => {
    const failing: TaskDefinitionStore = {
      load: () => Promise.reject(new Error('disk on fire')),
      save: () => {
        throw new Error('disk on fire');
      },
      flush: () => Promise.resolve(),
    };
    const withFailing = reader(failing);
    const plain = reader();
    counter.reset();
    const answers = await Promise.all(arns.slice(0, 10).map((arn) => withFailing.taskDefinition(arn)));
    expect(counter.count('DescribeTaskDefinition')).toBe(10);
    expect(answers).toEqual(await Promise.all(arns.slice(0, 10).map((arn) => plain.taskDefinition(arn))));
    // Cached in memory as without a store.
    await withFailing.taskDefinition(arns[0] ?? '');
    expect(counter.count('DescribeTaskDefinition')).toBe(20);
    // A store whose load throws at once is the same.
    const throwing = reader({ ...failing, load: () => { throw new Error('sync failure'); } });
    expect((await throwing.taskDefinition(arns[0] ?? '')).taskDefinition.taskDefinitionArn).toBe(arns[0]);
  });
});
