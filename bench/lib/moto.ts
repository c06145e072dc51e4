/**
 * moto_server for the benchmarks that run replicas with --ha-table (bench
 * scenario 5's takeover row and scenario `ha`): DynamoDB on a loopback port,
 * the lease table's stand-in (docs/ha.md "The lease table"). It needs its port
 * up front, so it starts through startServerProcess, which retries on a fresh
 * port when the one picked was taken in between, as the tests' global setup
 * does (test/support/moto-global-setup.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawnLauncher, startServerProcess } from '../../test/support/listen-retry.js';
import { hasProgram } from '../../test/support/programs.js';
import type { CliProcess } from './processes.js';
import { createDynamoDbClient, DynamoLeaseTable } from '../../src/ha/lease-table.js';

/** Any key pair does for moto; never a real one. */
export const MOTO_CREDENTIALS = Object.freeze({ accessKeyId: 'AKIDBENCHMOTO000', secretAccessKey: 'bench-moto-dummy-not-a-secret' });

export interface MotoServer {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  /** The process, in the shape the bench stops its children in (bench/run.ts cleanup). */
  readonly proc: CliProcess;
}

/** Starts `moto_server -H 127.0.0.1 -p PORT`; an error naming the install when it is not on PATH. */
export async function startMoto(): Promise<MotoServer> {
  if (!hasProgram('moto_server')) throw new Error('the HA benchmarks need moto_server on PATH (pip install "moto[server]")');
  const moto = await startServerProcess({
    program: 'moto_server (bench)',
    launch: spawnLauncher('moto_server', (port) => ['-H', '127.0.0.1', '-p', String(port)], { keepChars: 4000 }),
    ready: async (port) => (await fetch(`http://127.0.0.1:${port}/moto-api/`)).ok,
    timeoutMs: 30_000,
  });
  const { child } = moto.value;
  if (child.pid === undefined) throw new Error('moto_server started without a pid');
  const proc: CliProcess = {
    pid: child.pid, child, output: () => moto.value.output(),
    stop: async (graceMs = 5000) => {
      await moto.stop(graceMs);
      return child.exitCode;
    },
  };
  return { endpoint: `http://127.0.0.1:${moto.port}`, proc };
}

/** The environment a replica needs to find its lease table in moto (the SDK reads AWS_ENDPOINT_URL_DYNAMODB). */
export function motoDynamoEnv(endpoint: string): Record<string, string> {
  return { AWS_ENDPOINT_URL_DYNAMODB: endpoint };
}

/** A reader of a lease table in moto, for the bench's own look at who holds which shard (no replica is asked). */
export function benchLeaseTable(endpoint: string, table: string, region: string): { table: DynamoLeaseTable; client: DynamoDBClient } {
  const client = createDynamoDbClient({ region, endpoint, credentials: { ...MOTO_CREDENTIALS }, requestTimeoutMs: 5_000 });
  return { table: new DynamoLeaseTable({ client, table }), client };
}
