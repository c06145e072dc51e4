/**
 * RegisterTaskDefinition cross-references on every backend: the sandbox
 * refuses names that point at nothing with ECS's ClientException and message.
 * moto 5.2.1 checks none of them (its ecs/models.py registers any
 * mountPoints, volumesFrom, dependsOn, proxyConfiguration and FireLens
 * settings as sent), so there each refusal runs as `it.fails`, and a moto
 * that starts checking is noticed.
 */
import { RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { REFERENCE_CASES, RESOLVED_REFERENCES } from '../sandbox/task-definition-reference-cases.js';
import {type Backend, contractBackends } from './backends.js';

const backends: Backend[] = contractBackends();

const MOTO_GAP = 'moto registers task definitions without checking names against volumes and containers (docs/ecs-facts.md#moto-521-vs-real-ecs)';

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  return { name: 'no error', message: '' };
}

describe.each(backends)('contract: $name', (backend) => {
  for (const c of REFERENCE_CASES) {
    const title = `task definition: RegisterTaskDefinition refuses ${c.name}`;
    const body = async (): Promise<void> => {
      const { ecs } = backend.account();
      expect(await failure(ecs.send(new RegisterTaskDefinitionCommand(c.input)))).toEqual({ name: 'ClientException', message: c.message });
    };
    if (backend.name === 'moto') it.fails(`${title} [known moto gap: ${MOTO_GAP}]`, body);
    else it(title, body);
  }

  it('task definition: RegisterTaskDefinition accepts references that all resolve', async () => {
    const { ecs } = backend.account();
    const out = await ecs.send(new RegisterTaskDefinitionCommand(RESOLVED_REFERENCES));
    expect(out.taskDefinition?.containerDefinitions?.map((c) => c.name)).toEqual(['app', 'envoy', 'log_router']);
  });
});
