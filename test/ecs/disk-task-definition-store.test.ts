/**
 * The state dir's task definition store (src/ecs/disk-task-definition-store.ts)
 * on the real file system: what one store saves a second one (a restarted
 * controller) loads; torn and corrupt lines are skipped and reported; an ARN
 * is written once; the file is rewritten past its bound; the directory and
 * files are private; each location has its own file.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveTaskDefinition } from '../../src/ecs/ecs-reader.js';
import { DiskTaskDefinitionStore, taskDefinitionStoreFileName } from '../../src/ecs/disk-task-definition-store.js';

const LOCATION = '123456789012@eu-west-1';
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'td-store-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function td(family: string, revision: number, image = 'nginx:1.27'): LiveTaskDefinition {
  return {
    taskDefinition: {
      taskDefinitionArn: `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:${revision}`,
      family, revision, status: 'ACTIVE',
      registeredAt: new Date('2026-12-01T10:00:00.123Z'),
      containerDefinitions: [{ name: 'app', image, essential: true, portMappings: [{ containerPort: 8080, protocol: 'tcp' }] }],
    },
    tags: [{ key: 'ecs-gitops/hash', value: `h-${family}-${revision}` }],
  };
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

function collect(): { errors: { message: string; line?: number }[]; onError: (e: Error, c: { line?: number }) => void } {
  const errors: { message: string; line?: number }[] = [];
  return { errors, onError: (e, c) => errors.push({ message: e.message, ...(c.line !== undefined ? { line: c.line } : {}) }) };
}

describe('DiskTaskDefinitionStore', () => {
  it('gives a second store on the same directory what the first saved, dates and tags included', async () => {
    const dir = path.join(tempDir(), 'task-definitions');
    const first = new DiskTaskDefinitionStore(dir);
    expect(await first.load(LOCATION)).toEqual([]);
    first.save(LOCATION, [td('web', 1), td('api', 3)]);
    first.save(LOCATION, [td('worker', 7)]);
    await first.flush();
    const loaded = await new DiskTaskDefinitionStore(dir).load(LOCATION);
    expect(loaded).toEqual([td('web', 1), td('api', 3), td('worker', 7)]);
    expect(loaded[0]?.taskDefinition.registeredAt).toBeInstanceOf(Date);
    const file = first.fileFor(LOCATION);
    expect(path.basename(file)).toBe('123456789012@eu-west-1.jsonl');
    expect(JSON.parse(lines(file)[0] ?? '')).toMatchObject({ arn: td('web', 1).taskDefinition.taskDefinitionArn, tags: td('web', 1).tags });
  });

  it('skips a torn last line, reports it, and starts the next append on a line of its own', async () => {
    const dir = tempDir();
    const store = new DiskTaskDefinitionStore(dir);
    store.save(LOCATION, [td('web', 1), td('web', 2)]);
    await store.flush();
    const file = store.fileFor(LOCATION);
    const whole = readFileSync(file, 'utf8');
    // A crash mid-append: half of a third line.
    appendFileSync(file, JSON.stringify({ arn: 'x', taskDefinition: td('web', 3).taskDefinition, tags: [] }).slice(0, 40));
    expect(whole.endsWith('\n')).toBe(true);
    const { errors, onError } = collect();
    const restarted = new DiskTaskDefinitionStore(dir, { onError });
    expect(await restarted.load(LOCATION)).toEqual([td('web', 1), td('web', 2)]);
    expect(errors).toEqual([{ message: expect.stringContaining('torn') as string, line: 3 }]);
    restarted.save(LOCATION, [td('web', 4)]);
    await restarted.flush();
    expect(await new DiskTaskDefinitionStore(dir).load(LOCATION)).toEqual([td('web', 1), td('web', 2), td('web', 4)]);
  });

  it('skips a corrupt line anywhere and loads the others', async () => {
    const dir = tempDir();
    const store = new DiskTaskDefinitionStore(dir);
    const file = store.fileFor(LOCATION);
    const good = (v: LiveTaskDefinition) => `${JSON.stringify({ arn: v.taskDefinition.taskDefinitionArn, taskDefinition: v.taskDefinition, tags: v.tags })}\n`;
    writeFileSync(file, [
      good(td('web', 1)),
      '{"arn": "not closed\n',
      `${JSON.stringify({ arn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/other:1', taskDefinition: td('web', 2).taskDefinition, tags: [] })}\n`,
      '[1, 2]\n',
      good(td('web', 5)),
    ].join(''));
    const { errors, onError } = collect();
    expect(await new DiskTaskDefinitionStore(dir, { onError }).load(LOCATION)).toEqual([td('web', 1), td('web', 5)]);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4]);
  });

  it('writes an ARN once, whether saved twice, already loaded, or already in the file', async () => {
    const dir = tempDir();
    const store = new DiskTaskDefinitionStore(dir);
    store.save(LOCATION, [td('web', 1), td('web', 1)]);
    store.save(LOCATION, [td('web', 1)]);
    await store.flush();
    store.save(LOCATION, [td('web', 1), td('web', 2)]);
    await store.flush();
    const file = store.fileFor(LOCATION);
    expect(lines(file)).toHaveLength(2);
    // A restarted store that saves before loading still finds the file's ARNs.
    const restarted = new DiskTaskDefinitionStore(dir);
    restarted.save(LOCATION, [td('web', 2), td('web', 3)]);
    await restarted.flush();
    expect(lines(file)).toHaveLength(3);
    const loaded = new DiskTaskDefinitionStore(dir);
    await loaded.load(LOCATION);
    loaded.save(LOCATION, [td('web', 1), td('web', 3)]);
    await loaded.flush();
    expect(lines(file)).toHaveLength(3);
  });

  it('rewrites a file past maxEntries with its newest distinct entries, through a temp file', async () => {
    const dir = tempDir();
    const store = new DiskTaskDefinitionStore(dir, { maxEntries: 8 });
    const file = store.fileFor(LOCATION);
    // Duplicates a store never writes itself (an older writer): the newest line of an ARN wins.
    writeFileSync(file, [td('web', 1, 'old'), td('web', 2), td('web', 1, 'new')]
      .map((v) => `${JSON.stringify({ arn: v.taskDefinition.taskDefinitionArn, taskDefinition: v.taskDefinition, tags: v.tags })}\n`).join(''));
    store.save(LOCATION, [td('web', 3), td('web', 4), td('web', 5), td('web', 6)]);
    await store.flush();
    expect(lines(file)).toHaveLength(7);
    store.save(LOCATION, [td('web', 7), td('web', 8)]);
    await store.flush();
    // 9 lines > 8: rewritten with the newest 6 (3/4 of the bound) of its 8 distinct entries.
    expect(lines(file)).toHaveLength(6);
    const loaded = await new DiskTaskDefinitionStore(dir).load(LOCATION);
    expect(loaded.map((v) => v.taskDefinition.revision)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(readdirSync(dir)).toEqual([path.basename(file)]);
    // The file and the store go on: appends after the rewrite land, ARNs kept are not written again.
    store.save(LOCATION, [td('web', 8), td('web', 9)]);
    await store.flush();
    expect(lines(file)).toHaveLength(7);
    // Duplicates within the bound: the newest of an ARN kept.
    const dupDir = tempDir();
    const dupStore = new DiskTaskDefinitionStore(dupDir, { maxEntries: 4 });
    writeFileSync(dupStore.fileFor(LOCATION), [td('web', 1, 'old'), td('web', 2), td('web', 1, 'new'), td('web', 2)]
      .map((v) => `${JSON.stringify({ arn: v.taskDefinition.taskDefinitionArn, taskDefinition: v.taskDefinition, tags: v.tags })}\n`).join(''));
    dupStore.save(LOCATION, [td('web', 3)]);
    await dupStore.flush();
    expect(lines(dupStore.fileFor(LOCATION))).toHaveLength(3);
    expect((await new DiskTaskDefinitionStore(dupDir).load(LOCATION)).map((v) => v.taskDefinition.containerDefinitions?.[0]?.image))
      .toEqual(['new', 'nginx:1.27', 'nginx:1.27']);
  });

  it('keeps the entries in use through a rewrite: those saved, and those loaded and then used, before the newest of the rest', async () => {
    const dir = tempDir();
    // An earlier process wrote revisions 1-6, oldest first.
    const earlier = new DiskTaskDefinitionStore(dir);
    earlier.save(LOCATION, [1, 2, 3, 4, 5, 6].map((r) => td('web', r)));
    await earlier.flush();

    const store = new DiskTaskDefinitionStore(dir, { maxEntries: 8 });
    expect(await store.load(LOCATION)).toHaveLength(6);
    // The reader answers with loaded revisions 1 and 2 (the oldest in the file) and hands them to save on first use:
    // nothing is written for them.
    store.save(LOCATION, [td('web', 1)]);
    store.save(LOCATION, [td('web', 2)]);
    await store.flush();
    expect(lines(store.fileFor(LOCATION))).toHaveLength(6);
    // Three new ones make 9 lines > 8: rewritten with 6 (3/4 of the bound): the five in use, then the newest other (6).
    store.save(LOCATION, [td('web', 7), td('web', 8), td('web', 9)]);
    await store.flush();
    const kept = (await new DiskTaskDefinitionStore(dir).load(LOCATION)).map((v) => v.taskDefinition.revision);
    // Those in use are written last, so the next process counts them among the newest.
    expect(kept).toEqual([6, 1, 2, 7, 8, 9]);

    // More in use than the bound: the most recently used are kept.
    const crowded = new DiskTaskDefinitionStore(tempDir(), { maxEntries: 4 });
    crowded.save(LOCATION, [1, 2, 3, 4, 5].map((r) => td('web', r)));
    await crowded.flush();
    expect((await new DiskTaskDefinitionStore(path.dirname(crowded.fileFor(LOCATION))).load(LOCATION)).map((v) => v.taskDefinition.revision))
      .toEqual([3, 4, 5]);
  });

  it('creates its directory 0700 and its files 0600', async () => {
    const dir = path.join(tempDir(), 'state', 'task-definitions');
    const store = new DiskTaskDefinitionStore(dir, { maxEntries: 2 });
    store.save(LOCATION, [td('web', 1)]);
    await store.flush();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(store.fileFor(LOCATION)).mode & 0o777).toBe(0o600);
    // The rewritten file too.
    store.save(LOCATION, [td('web', 2), td('web', 3)]);
    await store.flush();
    expect(lines(store.fileFor(LOCATION))).toHaveLength(1);
    expect(statSync(store.fileFor(LOCATION)).mode & 0o777).toBe(0o600);
  });

  it('keeps each location in a file of its own, with a safe name', async () => {
    const dir = tempDir();
    const store = new DiskTaskDefinitionStore(dir);
    store.save(LOCATION, [td('web', 1)]);
    store.save('eu-central-1', [td('api', 1)]);
    store.save('../escape', [td('worker', 1)]);
    await store.flush();
    expect(readdirSync(dir).sort()).toEqual(['%2E%2E%2Fescape.jsonl', '123456789012@eu-west-1.jsonl', 'eu-central-1.jsonl']);
    const restarted = new DiskTaskDefinitionStore(dir);
    expect(await restarted.load(LOCATION)).toEqual([td('web', 1)]);
    expect(await restarted.load('eu-central-1')).toEqual([td('api', 1)]);
    expect(await restarted.load('eu-west-2')).toEqual([]);
    expect(taskDefinitionStoreFileName('123456789012@eu-west-1')).toBe('123456789012@eu-west-1.jsonl');
  });

  it('reports a directory it cannot write to and loads nothing from an unreadable file, without throwing', async () => {
    const base = tempDir();
    const blocked = path.join(base, 'file-not-dir');
    writeFileSync(blocked, 'x');
    const { errors, onError } = collect();
    const store = new DiskTaskDefinitionStore(path.join(blocked, 'task-definitions'), { onError });
    store.save(LOCATION, [td('web', 1)]);
    await store.flush();
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('could not be written') as string]);
    const dirAsFile = tempDir();
    mkdirSync(path.join(dirAsFile, taskDefinitionStoreFileName(LOCATION)));
    const reading = collect();
    expect(await new DiskTaskDefinitionStore(dirAsFile, { onError: reading.onError }).load(LOCATION)).toEqual([]);
    expect(reading.errors.map((e) => e.message)).toEqual([expect.stringContaining('could not be read') as string]);
  });
});
