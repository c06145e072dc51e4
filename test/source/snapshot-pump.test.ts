/**
 * The pump with a controlled read function: requests made during a read share
 * one follow-up read; revisions superseded before they were read are never
 * delivered; nothing older after newer; failures keep the current snapshot.
 */
import { describe, expect, it } from 'vitest';
import { GitopsError } from '../../src/errors/define.js';
import type { RevisionedSnapshot } from '../../src/source/consistent-snapshot.js';
import { silentLogger } from '../../src/observe/logger.js';
import { SnapshotPump } from '../../src/source/snapshot-pump.js';

function snap(revision: string, hash = revision): RevisionedSnapshot {
  return {
    root: '/m',
    revision,
    services: [{ key: 'r/c/s', region: 'r', cluster: 'c', name: 's', manifest: {} as never, source: { file: 's.yaml', line: 1, column: 1 }, contentHash: hash }],
    clusters: [],
    problems: [],
    files: ['s.yaml'],
    filesWithProblems: new Set(),
    blockedKeys: new Set(),
  };
}

function deferred(): { promise: Promise<void>; release: () => void } {
  let release = () => undefined as void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

/** A fake checkout whose HEAD moves when the test says; each read sees HEAD as it is when the read starts. */
function fakeCheckout() {
  const state = { head: 1, reads: 0, gate: undefined as ReturnType<typeof deferred> | undefined };
  const read = async () => {
    state.reads++;
    const seen = state.head;
    await state.gate?.promise;
    return snap(`rev${seen}`);
  };
  return { state, read };
}

describe('SnapshotPump', () => {
  it('coalesces requests made during a read into one follow-up read that sees only the newest revision', async () => {
    const { state, read } = fakeCheckout();
    const delivered: string[] = [];
    const pump = new SnapshotPump({ read, logger: silentLogger() });
    pump.listen((s) => delivered.push(s.revision));
    state.gate = deferred();
    const first = pump.read();
    for (let head = 2; head <= 50; head++) {
      state.head = head;
      pump.request();
    }
    const gate = state.gate;
    state.gate = undefined;
    gate.release();
    await first;
    const last = await pump.read();
    expect(last).toMatchObject({ ok: true });
    expect(state.reads).toBe(3); // the first, one for the 49 requests, one for the final read()
    expect(delivered).toEqual(['rev1', 'rev50']);
    expect(pump.current()?.revision).toBe('rev50');
  });

  it('delivers nothing when a read finds the same revision and content', async () => {
    const delivered: string[] = [];
    const pump = new SnapshotPump({ read: () => Promise.resolve(snap('r1')), logger: silentLogger() });
    pump.listen((s) => delivered.push(s.revision));
    expect(await pump.read()).toMatchObject({ ok: true, delivered: true });
    expect(await pump.read()).toMatchObject({ ok: true, delivered: false });
    expect(delivered).toEqual(['r1']);
  });

  it('delivers a same-revision read whose content differs (an unversioned or dirty tree)', async () => {
    const reads = [snap('r1', 'h1'), snap('r1', 'h2')];
    const changes: string[][] = [];
    const pump = new SnapshotPump({ read: () => Promise.resolve(reads.shift()), logger: silentLogger() });
    pump.listen((_s, c) => changes.push([...c.changed]));
    await pump.read();
    await pump.read();
    expect(changes).toEqual([[], ['r/c/s']]);
  });

  it('keeps the current snapshot and reports a failed read', async () => {
    const errors: string[] = [];
    let fail = false;
    const pump = new SnapshotPump({
      read: () => (fail ? Promise.reject(new GitopsError('SOURCE_FETCH_FAILED', 'down')) : Promise.resolve(snap('r1'))),
      logger: silentLogger(),
      onError: (e) => errors.push(e.code),
    });
    await pump.read();
    fail = true;
    expect(await pump.read()).toMatchObject({ ok: false, error: { code: 'SOURCE_FETCH_FAILED' } });
    expect(pump.current()?.revision).toBe('r1');
    expect(errors).toEqual(['SOURCE_FETCH_FAILED']);
  });

  it('wraps a non-Gitops failure as SOURCE_LOAD_FAILED and survives a throwing listener', async () => {
    let n = 0;
    const pump = new SnapshotPump({ read: () => (n++ === 0 ? Promise.reject(new Error('disk')) : Promise.resolve(snap('r2'))), logger: silentLogger() });
    pump.listen(() => {
      throw new Error('listener bug');
    });
    expect(await pump.read()).toMatchObject({ ok: false, error: { code: 'SOURCE_LOAD_FAILED' } });
    expect(await pump.read()).toMatchObject({ ok: true, delivered: true });
  });

  it('close aborts the read in flight and answers later requests as closed', async () => {
    let aborted = false;
    const pump = new SnapshotPump({
      read: (signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          }),
        ),
      logger: silentLogger(),
    });
    const inFlight = pump.read();
    await pump.close();
    expect(aborted).toBe(true);
    expect(await inFlight).toMatchObject({ ok: false });
    expect(await pump.read()).toMatchObject({ ok: false });
    expect(pump.current()).toBeUndefined();
  });
});
