/**
 * Tests that need an external program (moto_server, git, promtool) skip when it
 * is missing on a developer's machine, but fail when CI=true: CI must never
 * pass by skipping.
 */
import { spawnSync } from 'node:child_process';

export function hasProgram(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export function isCi(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/** True when tests needing `name` should run; throws when CI=true and it is missing. */
export function requireProgram(name: string, installHint: string): boolean {
  if (hasProgram(name)) return true;
  if (isCi()) throw new Error(`${name} is required when CI=true but was not found on PATH (${installHint})`);
  return false;
}
