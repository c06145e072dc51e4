/**
 * Bad input to the bench's process helpers fails with a message naming what
 * is wrong: a Dockerfile whose ENTRYPOINT the bench cannot read its Node flags
 * from, and a cgroup the controller cannot join (BENCH_CONTROLLER_CGROUP).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployedNodeArgs, startCli } from '../../bench/lib/processes.js';

describe('deployedNodeArgs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-dockerfile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function dockerfile(text: string): Promise<string> {
    const file = path.join(dir, `Dockerfile-${Math.random().toString(36).slice(2)}`);
    await writeFile(file, text);
    return file;
  }

  it('reads the flags between node and dist/cli/bin.js of the last ENTRYPOINT', async () => {
    const file = await dockerfile('FROM node:22\nENTRYPOINT ["node", "dist/cli/bin.js"]\nENTRYPOINT ["tini", "--", "node", "--a", "--b=1", "dist/cli/bin.js", "run"]\n');
    expect(deployedNodeArgs(file)).toEqual(['--a', '--b=1']);
  });

  it('names the file when there is no ENTRYPOINT in JSON form', async () => {
    const file = await dockerfile('FROM node:22\nENTRYPOINT node dist/cli/bin.js run\n');
    expect(() => deployedNodeArgs(file)).toThrow(`${file}: no ENTRYPOINT in JSON form`);
  });

  it('names the file and the ENTRYPOINT when it does not run node ... dist/cli/bin.js', async () => {
    const file = await dockerfile('FROM node:22\nENTRYPOINT ["/usr/bin/tini", "--", "dist/cli/bin.js", "run"]\n');
    expect(() => deployedNodeArgs(file)).toThrow(/does not run node \.\.\. dist\/cli\/bin\.js/);
  });
});

describe('startCli in a cgroup', () => {
  it('exits 97 saying which cgroup it could not join, before Node starts', async () => {
    const cgroup = path.join(tmpdir(), 'ecs-gitops-no-such-cgroup', 'x');
    const proc = startCli(['--help'], {}, [], cgroup);
    // 'close' comes after the exit and after the output streams ended.
    const code = await new Promise((resolve) => proc.child.once('close', resolve));
    expect(code).toBe(97);
    expect(proc.output()).toContain(`cannot join cgroup ${cgroup}`);
  });
});
