/**
 * CloudFormation, only as far as reading stack outputs goes: DescribeStacks
 * (query protocol, Version 2010-05-15). There is no template engine: stacks
 * come from the admin API or a seed, each CREATE_COMPLETE with the outputs
 * given (docs/sandbox.md, "CloudFormation").
 */
import { randomUUID } from 'node:crypto';
import { SandboxApiError } from './api-error.js';
import type { JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import type { RegionState, StackOutput, StackRecord } from './state.js';

const STACK_NAME = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;

/** An output as the admin API and seeds take it: the value, or the value with a description and export name. */
export type StackOutputInput = string | { readonly value: string; readonly description?: string; readonly exportName?: string };

/** Creates a stack, or replaces the outputs of the one with that name (its id and creation time stay). */
export function putStack(state: RegionState, now: number, stackName: string, outputs: Readonly<Record<string, StackOutputInput>>): StackRecord {
  if (!STACK_NAME.test(stackName)) {
    throw new SandboxApiError('ValidationError', `stackName ${JSON.stringify(stackName)} must start with a letter and hold only letters, digits and hyphens (at most 128).`);
  }
  const list: StackOutput[] = Object.entries(outputs).map(([key, raw]) => {
    const out = typeof raw === 'string' ? { value: raw } : raw;
    if (typeof out !== 'object' || out === null || typeof out.value !== 'string') {
      throw new SandboxApiError('ValidationError', `outputs.${key} must be a string, or {value, description?, exportName?}`);
    }
    return {
      OutputKey: key,
      OutputValue: out.value,
      ...(out.description !== undefined ? { Description: out.description } : {}),
      ...(out.exportName !== undefined ? { ExportName: out.exportName } : {}),
    };
  });
  const existing = state.stacks.get(stackName);
  if (existing) {
    existing.outputs = list;
    return existing;
  }
  const record: StackRecord = {
    name: stackName,
    id: `arn:aws:cloudformation:${state.region}:${state.account}:stack/${stackName}/${randomUUID()}`,
    createdAt: now,
    outputs: list,
  };
  state.stacks.set(stackName, record);
  return record;
}

function stackOut(stack: StackRecord): JsonObject {
  return {
    StackId: stack.id,
    StackName: stack.name,
    CreationTime: new Date(stack.createdAt).toISOString(),
    StackStatus: 'CREATE_COMPLETE',
    DisableRollback: false,
    ...(stack.outputs.length > 0 ? { Outputs: stack.outputs.map((o) => ({ ...o })) } : {}),
  };
}

/** By name or stack id; without StackName, every stack of the account and Region. */
export function describeStacks(ctx: OpContext, input: JsonObject): JsonObject {
  const wanted = typeof input.StackName === 'string' && input.StackName !== '' ? input.StackName : undefined;
  if (wanted === undefined) return { Stacks: [...ctx.state.stacks.values()].map(stackOut) };
  const stack = ctx.state.stacks.get(wanted) ?? [...ctx.state.stacks.values()].find((s) => s.id === wanted);
  if (!stack) throw new SandboxApiError('ValidationError', `Stack with id ${wanted} does not exist`);
  return { Stacks: [stackOut(stack)] };
}
