/**
 * Real Git repositories in temp dirs for the source tests: a hermetic git
 * (no user or system config), helpers to write service manifests and commit.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const GIT_ENV: Record<string, string> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_TERMINAL_PROMPT: '0',
};

// The tests' own git calls that use process.env stay hermetic too (the code under test drops inherited GIT_* variables itself).
Object.assign(process.env, { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' });

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const made: string[] = [];

export function tempDir(prefix = 'ecs-gitops-source-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function initRepo(dir = tempDir()): string {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  return dir;
}

export function serviceYaml(name: string, image: string, cluster = 'apps'): string {
  return [
    'apiVersion: ecs-gitops/v1',
    'kind: Service',
    'metadata:',
    `  name: ${name}`,
    `  cluster: ${cluster}`,
    'spec:',
    '  desiredCount: 1',
    '  taskDefinition:',
    `    family: ${name}`,
    '    containerDefinitions:',
    `      - name: ${name}`,
    `        image: ${image}`,
    '        memory: 128',
    '',
  ].join('\n');
}

export function writeFile(dir: string, file: string, content: string): void {
  const full = path.join(dir, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
}

export function writeService(dir: string, file: string, name: string, image: string): void {
  writeFile(dir, file, serviceYaml(name, image));
}

/** Stages everything and commits; returns the new HEAD. */
export function commitAll(dir: string, message = 'change'): string {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

export function key(name: string, cluster = 'apps', region = 'us-east-1'): string {
  return `${region}/${cluster}/${name}`;
}
