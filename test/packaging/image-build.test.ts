/**
 * Performs the Dockerfile's build and runtime steps without Docker: the same
 * files copied (read from its COPY lines), the same npm commands (from its RUN
 * lines) in a temporary build directory and a separate runtime directory with
 * production dependencies only, then runs the result. That proves the build
 * works from a clean checkout, `dist/` needs no dev dependency, and the
 * entrypoint's program starts. apt-get steps need the image's OS and are
 * checked statically in dockerfile.test.ts; `npm cache clean` is skipped so
 * the shared npm cache stays warm.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import { LISTEN_ANY_PORT, waitForListenUrl } from '../support/listen-url.js';
import { copySteps, jsonForm, npmCommands, parseDockerfile, type Stage } from './dockerfile.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const stages = parseDockerfile(await readFile(path.join(root, 'Dockerfile'), 'utf8'));
const WORKDIR = '/app';

/** The stage's COPY steps applied to `dir` (the stage's /app); --from copies come from the named stage's directory. */
async function applyCopies(stage: Stage, dir: string, stageDirs: Map<string, string>): Promise<void> {
  for (const step of copySteps(stage)) {
    for (const source of step.sources) {
      const from = step.from ? path.join(stageDirs.get(step.from) ?? '', path.relative(WORKDIR, source)) : path.join(root, source);
      const dest = step.dest.endsWith('/') || step.sources.length > 1
        ? path.join(dir, step.dest, path.basename(source))
        : path.join(dir, step.dest);
      await cp(from, dest, { recursive: true });
    }
  }
}

async function applyNpm(stage: Stage, dir: string): Promise<string[]> {
  const done: string[] = [];
  for (const words of npmCommands(stage)) {
    if (words[1] === 'cache') continue;
    const args = words.slice(1);
    // Same command; these flags only keep the run quiet and use the warm cache.
    if (args[0] === 'ci') args.push('--prefer-offline', '--no-audit', '--no-fund');
    await run('npm', args, { cwd: dir, timeout: 240_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_ENV: stage === stages.at(-1) ? 'production' : 'development' } });
    done.push(words.join(' '));
  }
  return done;
}

/** The controller's modules under dist/; dist/ui/ holds the browser bundle, which Node does not load. */
async function jsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name === 'ui' && path.basename(dir) === 'dist') continue;
    if (entry.isDirectory()) out.push(...await jsFiles(full));
    else if (entry.name.endsWith('.js')) out.push(full);
  }
  return out;
}

describe('the Dockerfile steps, performed in temporary directories', () => {
  let work: string;
  let runtimeDir: string;
  const commands: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-image-'));
    const stageDirs = new Map<string, string>();
    for (const [index, stage] of stages.entries()) {
      const dir = path.join(work, stage.name ?? `stage${index}`);
      await applyCopies(stage, dir, stageDirs);
      commands.push(...await applyNpm(stage, dir));
      stageDirs.set(stage.name ?? String(index), dir);
    }
    runtimeDir = path.join(work, stages.at(-1)?.name ?? '');
  }, 420_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ran the build and production installs', () => {
    // The build, too, without any dependency's install script.
    expect(commands).toEqual(['npm ci --ignore-scripts', 'npm run build', 'npm ci --omit=dev --ignore-scripts']);
  });

  it('ships no dev dependency in the runtime node_modules', async () => {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(existsSync(path.join(runtimeDir, 'node_modules', 'yaml', 'package.json'))).toBe(true);
    const present = Object.keys(pkg.devDependencies).filter((dev) => existsSync(path.join(runtimeDir, 'node_modules', dev, 'package.json')));
    expect(present).toEqual([]);
  });

  it('ships the built browser UI: manifest.json naming a script and a stylesheet, each with .gz and .br twins', async () => {
    const uiDir = path.join(runtimeDir, 'dist', 'ui');
    const manifest = JSON.parse(await readFile(path.join(uiDir, 'manifest.json'), 'utf8')) as { js: string; css: string };
    expect(manifest.js).toMatch(/^app-[A-Z0-9]+\.js$/);
    expect(manifest.css).toMatch(/^app-[A-Z0-9]+\.css$/);
    for (const file of [manifest.js, manifest.css]) {
      for (const suffix of ['', '.gz', '.br']) expect(existsSync(path.join(uiDir, file + suffix)), file + suffix).toBe(true);
    }
  });

  it('imports from dist only Node built-ins and production dependencies', async () => {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const allowed = new Set(Object.keys(pkg.dependencies));
    const builtins = new Set(builtinModules);
    const files = await jsFiles(path.join(runtimeDir, 'dist'));
    expect(files.length).toBeGreaterThan(20);
    const offenders: string[] = [];
    const external = new Set<string>();
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      // No quote before `from`: `export const command = { flags: [{ name: 'from', ... }] }` is not an import.
      for (const match of text.matchAll(/^(?:import|export)\s[^;'"]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
        const spec = match[1] ?? match[2] ?? '';
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
        external.add(name);
        if (!allowed.has(name)) offenders.push(`${path.relative(runtimeDir, file)}: ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
    // The scan sees the real dependencies (it is not vacuous).
    expect([...external]).toEqual(expect.arrayContaining(['@aws-sdk/client-ecs', 'yaml', 'ajv']));
  });

  it('loads every dist module with production dependencies only', async () => {
    const files = (await jsFiles(path.join(runtimeDir, 'dist'))).filter((f) => !f.endsWith(`${path.sep}bin.js`));
    const script = `for (const f of ${JSON.stringify(files)}) await import(f); console.log('loaded', ${files.length});`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: runtimeDir, timeout: 60_000 });
    expect(stdout.trim()).toBe(`loaded ${files.length}`);
  });

  it('runs `ecs-gitops --version` and `validate` on the example manifests', async () => {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
    const version = await run(process.execPath, ['dist/cli/bin.js', '--version'], { cwd: runtimeDir, timeout: 60_000 });
    expect(version.stdout.trim()).toBe(pkg.version);
    const validate = await run(process.execPath, ['dist/cli/bin.js', 'validate', path.join(root, 'manifests')], { cwd: runtimeDir, timeout: 60_000 });
    expect(validate.stdout).toMatch(/valid|ok|✓/i);
  });

  it('answers `run --help` through the entrypoint program', async () => {
    const help = await run(process.execPath, ['dist/cli/bin.js', 'run', '--help'], { cwd: runtimeDir, timeout: 60_000 });
    expect(help.stdout).toContain('--git-url');
  });

  it('starts the ENTRYPOINT configured by ECS_GITOPS_* variables only, answers the HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const runtimeStage = stages.at(-1) as Stage;
    const entrypoint = jsonForm(runtimeStage.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1)) ?? [];
    // tini is the image's PID 1; here the process under it is started directly.
    const program = entrypoint.slice(entrypoint.indexOf('--') + 1);
    // node, its flags, the entry point.
    expect(program[0]).toBe('node');
    expect(program.slice(1).findIndex((word) => !word.startsWith('--'))).toBe(program.indexOf('dist/cli/bin.js') - 1);

    // A local Git remote holding the example manifests.
    const remote = path.join(work, 'remote');
    await cp(path.join(root, 'manifests'), path.join(remote, 'manifests'), { recursive: true });
    const git = (...args: string[]) => run('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: remote });
    await git('init', '-q', '-b', 'main');
    await git('add', '.');
    await git('commit', '-q', '-m', 'manifests');

    const sandbox = await startSandbox({ throttling: 'off' });
    const imageEnv = Object.fromEntries(
      (runtimeStage.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ').match(/\S+=\S+/g) ?? [])
        .map((pair) => pair.split('=') as [string, string]),
    );
    const child = spawn(process.execPath, program.slice(1), {
      cwd: runtimeDir,
      env: {
        PATH: process.env.PATH, HOME: work, ...imageEnv,
        // Port 0: the kernel picks it (no race for a pre-picked port); the controller logs the bound address.
        ECS_GITOPS_LISTEN: LISTEN_ANY_PORT,
        ECS_GITOPS_GIT_URL: `file://${remote}`, ECS_GITOPS_GIT_REF: 'main', ECS_GITOPS_PATH: 'manifests', ECS_GITOPS_MODE: 'detect',
        AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_ECS: sandbox.endpoint,
        AWS_ACCESS_KEY_ID: '123456789012', AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await waitForListenUrl(() => output, { what: 'the ENTRYPOINT program', stopped: () => child.exitCode !== null, timeoutMs: 30_000 });
      let healthy = false;
      for (let attempt = 0; attempt < 150 && !healthy && child.exitCode === null; attempt++) {
        healthy = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
        if (!healthy) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(healthy, output).toBe(true);
      // The HEALTHCHECK command itself, pointed at this port.
      const health = jsonForm(runtimeStage.instructions.filter((i) => i.keyword === 'HEALTHCHECK').at(-1)) ?? [];
      const probe = health.map((arg) => arg.replace('127.0.0.1:9400', new URL(url).host));
      await expect(run(process.execPath, probe.slice(1), { timeout: 30_000 })).resolves.toBeDefined();
      // It fetched the remote named only by the variables, at its HEAD.
      const head = (await git('rev-parse', 'HEAD')).stdout.trim();
      for (let attempt = 0; attempt < 150 && !output.includes('"msg":"controller started"'); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(output).toContain(`"revision":"${head}","services":6,"problems":0`);
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      expect(output).toContain('"msg":"stopped"');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await sandbox.close();
    }
  }, 120_000);
});
