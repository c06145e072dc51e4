/**
 * What the CLI command tests share: a sandbox on loopback with one account and
 * a `demo` cluster, a manifests folder, and the AWS environment pointing the
 * CLI at both.
 */
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManifestDir, REGION } from '../controller/harness.js';

export interface CliSandbox {
  readonly sandbox: Sandbox;
  readonly dir: ManifestDir;
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export async function startCliSandbox(accountId: string): Promise<CliSandbox> {
  const sandbox = await startSandbox({ clockSpeed: 40, throttling: 'off' });
  sandbox.admin.seed({ accounts: [{ accountId, region: REGION, clusters: [{ name: 'demo' }] }] });
  const dir = await ManifestDir.create();
  return {
    sandbox,
    dir,
    env: {
      AWS_ENDPOINT_URL_ECS: sandbox.endpoint, AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: accountId, AWS_SECRET_ACCESS_KEY: 'sandbox-not-a-secret',
    },
    async close() {
      await sandbox.close();
      await dir.dispose();
    },
  };
}
