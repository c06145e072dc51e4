/** The Dockerfile's promises, read from the file itself (no Docker engine here). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployedNodeArgs } from '../../bench/lib/processes.js';
import { copySteps, dockerIgnored, jsonForm, npmCommands, parseDockerfileWithArgs, type Stage } from './dockerfile.js';

const root = path.resolve(import.meta.dirname, '../..');
const { globalArgs, stages } = parseDockerfileWithArgs(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1) as Stage;
const build = stages[0] as Stage;
const last = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1);

describe('Dockerfile', () => {
  it('is multi-stage on a maintained Node LTS base (22 or 24)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      const major = /^node:(\d+)[-.]/.exec(stage.from)?.[1];
      expect(['22', '24'], stage.from).toContain(major);
    }
    expect(build.name).toBe('build');
  });

  it('pins every base image by digest, the tag kept for people', () => {
    // image:tag@sha256:<64 hex>, or image:tag@${ARG} where the ARG is declared
    // before the first FROM with no default (the build then fails without a
    // digest instead of taking whatever the tag names) or a real-looking one.
    for (const stage of stages) {
      const match = /^[\w./-]+:[\w.-]+@(?:sha256:([0-9a-f]{64})|\$\{(\w+)\})$/.exec(stage.from);
      expect(match, `${stage.from} is not pinned by digest`).not.toBeNull();
      const argName = match?.[2];
      if (argName === undefined) continue;
      const arg = globalArgs.find((a) => a.name === argName);
      expect(arg, `${argName} is not declared before the first FROM`).toBeDefined();
      if (arg?.default !== undefined) expect(arg.default).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it('builds with dev dependencies and ships production dependencies only, never running install scripts', () => {
    expect(npmCommands(build)).toEqual([['npm', 'ci', '--ignore-scripts'], ['npm', 'run', 'build']]);
    const runtimeNpm = npmCommands(runtime);
    expect(runtimeNpm[0]?.slice(0, 3)).toEqual(['npm', 'ci', '--omit=dev']);
    for (const stage of stages) {
      for (const words of npmCommands(stage).filter((w) => w[1] === 'ci' || w[1] === 'install')) expect(words, stage.name).toContain('--ignore-scripts');
    }
    expect(copySteps(runtime)).toContainEqual({ from: 'build', sources: ['/app/dist'], dest: './dist' });
    // `npm run build` also bundles the browser UI (scripts/build-ui.ts) into dist/ui: its sources are in the build stage.
    const buildSources = copySteps(build).flatMap((c) => c.sources);
    expect(buildSources).toEqual(expect.arrayContaining(['src', 'ui', 'scripts/build-ui.ts']));
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toContain('npm run build:ui');
    expect(runtime.instructions.find((i) => i.keyword === 'ENV')?.args).toContain('NODE_ENV=production');
  });

  it('installs git, openssh-client and tini in the runtime image', () => {
    const install = runtime.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).find((a) => a.includes('apt-get install'));
    expect(install).toBeDefined();
    const packages = (install ?? '').split('&&').find((p) => p.includes('apt-get install'))?.trim().split(/\s+/) ?? [];
    expect(packages).toEqual(expect.arrayContaining(['git', 'openssh-client', 'tini', 'ca-certificates']));
  });

  it('runs as a non-root user', () => {
    const user = last(runtime, 'USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    // Nothing after USER switches back.
    const index = runtime.instructions.findIndex((i) => i.keyword === 'USER');
    expect(runtime.instructions.slice(index + 1).some((i) => i.keyword === 'USER')).toBe(false);
  });

  it('checks /healthz on the metrics port and exposes 9400', () => {
    const health = last(runtime, 'HEALTHCHECK');
    expect(health?.args).toMatch(/^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD /);
    expect(jsonForm(health)?.join(' ')).toContain('http://127.0.0.1:9400/healthz');
    expect(last(runtime, 'EXPOSE')?.args).toBe('9400');
    expect(last(runtime, 'ENV')?.args).toContain('ECS_GITOPS_LISTEN=0.0.0.0:9400');
  });

  it('starts `ecs-gitops run` under tini (exec form, so signals reach it), with single-threaded GC', () => {
    expect(jsonForm(last(runtime, 'ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--', 'node', '--single-threaded-gc', 'dist/cli/bin.js', 'run']);
    // The bench runs its controllers with the image's Node flags.
    expect(deployedNodeArgs(path.join(root, 'Dockerfile'))).toEqual(['--single-threaded-gc']);
    const bin = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['ecs-gitops'];
    expect(bin).toBe('dist/cli/bin.js');
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const sources = stages.flatMap(copySteps).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) {
      expect(existsSync(path.join(root, source)), source).toBe(true);
      expect(dockerIgnored(root, source), source).toBe(false);
    }
    for (const local of ['node_modules', 'dist', '.git', 'coverage', '.env']) expect(dockerIgnored(root, local), local).toBe(true);
  });
});
