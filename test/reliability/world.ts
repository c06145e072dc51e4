/**
 * Shared set-up for reliability tests: a sandbox account reached through the
 * fault proxy, and inspection helpers that read the sandbox directly (never
 * through the proxy) so assertions are not themselves faulted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EcsApi } from '../../src/ecs/ecs-api.js';
import { createSdkEcsApi } from '../../src/ecs/sdk-adapter.js';
import type { Sandbox } from '../../src/sandbox/index.js';

export interface LiveService {
  readonly name: string;
  readonly status: string;
  readonly taskDefinition: string;
  readonly primary?: { readonly taskDefinition: string; readonly rolloutState?: string };
}

/** Every task definition ARN in the account (all families, ACTIVE), read without faults. */
export async function allTaskDefinitions(api: EcsApi): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await api.send('ListTaskDefinitions', { maxResults: 100, ...(nextToken ? { nextToken } : {}) });
    arns.push(...(page.taskDefinitionArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

/** Revisions per family, e.g. { web: 2 }. */
export function revisionsPerFamily(arns: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const arn of arns) {
    const family = /task-definition\/([^:]+):\d+$/.exec(arn)?.[1] ?? arn;
    out[family] = (out[family] ?? 0) + 1;
  }
  return out;
}

/** Every service of a cluster with its task definition and PRIMARY deployment, read without faults. */
export async function liveServices(api: EcsApi, cluster: string): Promise<LiveService[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await api.send('ListServices', { cluster, maxResults: 100, ...(nextToken ? { nextToken } : {}) });
    arns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const out: LiveService[] = [];
  for (let i = 0; i < arns.length; i += 10) {
    const page = await api.send('DescribeServices', { cluster, services: arns.slice(i, i + 10) });
    for (const s of page.services ?? []) {
      const primary = s.deployments?.find((d) => d.status === 'PRIMARY');
      out.push({
        name: s.serviceName ?? '', status: s.status ?? '', taskDefinition: s.taskDefinition ?? '',
        ...(primary ? { primary: { taskDefinition: primary.taskDefinition ?? '', ...(primary.rolloutState ? { rolloutState: primary.rolloutState } : {}) } } : {}),
      });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A direct (unfaulted) API on one sandbox account. */
export function directApi(sandbox: Sandbox, accountId: string, region: string): EcsApi {
  const config = sandbox.clientConfig({ accountId, region });
  return createSdkEcsApi({ endpoint: config.endpoint, region: config.region, credentials: config.credentials }).api;
}

/** Operations the sandbox logged as reaching it with a given outcome, e.g. DeleteService. */
export function sandboxCalls(sandbox: Sandbox, accountId: string, operation: string): number {
  return sandbox.admin.callLog({ accountId, operation }).length;
}

/**
 * Figures for docs/reliability.md: written to $RELIABILITY_REPORT_DIR/<scenario>.json when set
 * (vitest hides a passing test's console output).
 */
export function reportFigures(scenario: string, figures: Record<string, unknown>): void {
  const dir = process.env.RELIABILITY_REPORT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${scenario}.json`), `${JSON.stringify({ scenario, ...figures }, null, 2)}\n`);
}
