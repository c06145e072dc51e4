/**
 * `ecs-gitops sandbox`: serves the embedded ECS/ECR sandbox on loopback until
 * interrupted, and prints how to point the aws CLI and the SDK at it.
 */
import path from 'node:path';
import { GitopsError } from '../../errors/index.js';
import type { ThrottlingOption } from '../../sandbox/index.js';
import type { CommandSpec } from '../command.js';

function parseThrottling(raw: string): ThrottlingOption | undefined {
  if (raw === 'real' || raw === 'off') return raw;
  const scale = Number(raw);
  return Number.isFinite(scale) && scale > 0 ? { scale } : undefined;
}

export const sandboxCommand: CommandSpec = {
  name: 'sandbox',
  summary: 'serve the embedded ECS/ECR sandbox (AWS JSON 1.1 on 127.0.0.1) until interrupted',
  usage: '[--port N] [--seed DIR] [--throttling real|off|<scale>] [--clock-speed X]',
  maxPositionals: 0,
  usageExitCode: 1,
  flags: [
    { name: 'port', type: 'integer', default: 4599, description: 'port to listen on (0 picks a free one)',
      validate: (v) => (typeof v === 'number' && (v < 0 || v > 65535) ? 'must be 0-65535' : undefined) },
    { name: 'host', type: 'string', default: '127.0.0.1', description: 'address to listen on' },
    { name: 'seed', type: 'string', description: 'seed file or folder of *.yaml/*.json seed files (clusters, ECR repositories, images)' },
    { name: 'throttling', type: 'string', default: 'real', description: "ECS API rate limits: 'real', 'off', or a scale factor such as 10",
      validate: (v) => (typeof v === 'string' && parseThrottling(v) === undefined ? "expected 'real', 'off' or a number > 0" : undefined) },
    { name: 'clock-speed', type: 'string', default: '1', description: 'simulated seconds per real second (0 freezes the clock)',
      validate: (v) => (typeof v === 'string' && !(Number(v) >= 0) ? 'expected a number >= 0' : undefined) },
  ],
  async run(ctx) {
    const { startSandbox } = await import('../../sandbox/index.js');
    const seed = ctx.args.flags.seed as string | undefined;
    const port = ctx.args.flags.port as number;
    const host = ctx.args.flags.host as string;
    let sandbox: Awaited<ReturnType<typeof startSandbox>>;
    try {
      sandbox = await startSandbox({
        port,
        host,
        throttling: parseThrottling(ctx.args.flags.throttling as string) ?? 'real',
        clockSpeed: Number(ctx.args.flags['clock-speed']),
        ...(seed ? { seed: path.resolve(ctx.cwd, seed) } : {}),
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new GitopsError('CLI_BAD_FLAG_VALUE', `--port/--host: cannot listen on ${host}:${port} (${code}); pick another port or --port 0`, { flag: 'port' });
      }
      throw err;
    }
    const e = sandbox.endpoint;
    ctx.stdout.write([
      `ECS/ECR sandbox listening on ${e}`,
      '',
      'aws CLI:',
      `  AWS_ACCESS_KEY_ID=123456789012 AWS_SECRET_ACCESS_KEY=x AWS_DEFAULT_REGION=eu-west-1 aws --endpoint-url ${e} ecs list-clusters`,
      'SDK / ecs-gitops:',
      `  export AWS_ENDPOINT_URL_ECS=${e} AWS_ENDPOINT_URL_ECR=${e} AWS_REGION=eu-west-1`,
      '  export AWS_ACCESS_KEY_ID=123456789012 AWS_SECRET_ACCESS_KEY=x   # a 12-digit key id selects the account',
      `Admin API: ${e}/_sandbox/ (reset, calls, clock, images/crashing, services/scale, ...; see docs/sandbox.md)`,
      'Stop with Ctrl-C.',
      '',
    ].join('\n'));
    if (!ctx.signal.aborted) {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    await sandbox.close();
    ctx.stdout.write('sandbox stopped\n');
    return 0;
  },
};
