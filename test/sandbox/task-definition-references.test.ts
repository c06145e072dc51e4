/**
 * RegisterTaskDefinition refuses names that point at nothing, as ECS does:
 * ClientException, HTTP 400, ECS's message. Real SDK over HTTP.
 */
import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { accountOn, rejectionOf, testSandbox } from './sandbox-harness.js';
import { REFERENCE_CASES, RESOLVED_REFERENCES } from './task-definition-reference-cases.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

describe('RegisterTaskDefinition cross-references', () => {
  it.each(REFERENCE_CASES.map((c) => [c.name, c] as const))('refuses %s', async (_name, c) => {
    const ecs = accountOn(sandbox).ecs();
    const err = await rejectionOf(ecs.send(new RegisterTaskDefinitionCommand(c.input)));
    expect(err.name).toBe('ClientException');
    expect(err.message).toBe(c.message);
    expect(err.$metadata?.httpStatusCode).toBe(400);
    // Nothing was registered.
    const described = await rejectionOf(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'refs' })));
    expect(described.name).toBe('ClientException');
  });

  it('registers a task definition whose every reference resolves', async () => {
    const ecs = accountOn(sandbox).ecs();
    const out = await ecs.send(new RegisterTaskDefinitionCommand(RESOLVED_REFERENCES));
    expect(out.taskDefinition?.revision).toBe(1);
    expect(out.taskDefinition?.containerDefinitions?.map((c) => c.name)).toEqual(['app', 'envoy', 'log_router']);
  });
});
