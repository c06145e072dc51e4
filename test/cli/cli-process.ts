/**
 * Runs the real `ecs-gitops` binary (src/cli/bin.ts under tsx) in a child
 * process, as a user's shell would: its own process, environment, exit code.
 * Asynchronous, so a sandbox served by the test's own process keeps answering.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliResult } from '../support/run-cli.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function runCliProcess(argv: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...argv], {
      cwd: REPO_ROOT,
      // PATH and HOME only from this process: no AWS_* or ECS_GITOPS_* setting leaks in. Node's
      // warnings (the SDK's notice about Node 20) would otherwise be the only stderr output.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', NODE_NO_WARNINGS: '1', ...env },
      encoding: 'utf8',
      timeout: timeoutMs,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : undefined) : 0;
      if (code === undefined) reject(err ?? new Error('no exit code'));
      else resolve({ code, stdout, stderr });
    });
  });
}
