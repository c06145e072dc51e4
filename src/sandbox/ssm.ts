/**
 * SSM Parameter Store (AWS JSON 1.1, `X-Amz-Target: AmazonSSM.<Op>`):
 * PutParameter, GetParameter, GetParameters and DeleteParameter, per account
 * and Region, with versions. A SecureString's value comes back decrypted only
 * with WithDecryption; otherwise an opaque ciphertext stands in for it, as AWS
 * returns KMS ciphertext (there is no KMS here: nothing is really encrypted).
 */
import { createHash } from 'node:crypto';
import { SandboxApiError } from './api-error.js';
import type { JsonObject } from './json-input.js';
import type { OpContext } from './op-context.js';
import type { ParameterRecord, ParameterVersion, RegionState } from './state.js';

export const PARAMETER_TYPES = ['String', 'StringList', 'SecureString'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

const NAME = /^[a-zA-Z0-9_.\-/]+$/;
const MAX_NAME = 1011;
const MAX_VALUE = 4096;
const MAX_GET_PARAMETERS = 10;

const validation = (message: string): SandboxApiError => new SandboxApiError('ValidationException', message);
const notFound = (name: string): SandboxApiError => new SandboxApiError('ParameterNotFound', `Parameter ${name} not found.`);

function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name === '') throw validation(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  if (name.length > MAX_NAME) throw validation(`1 validation error detected: Value '${name}' at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_NAME}`);
  if (!NAME.test(name)) {
    throw validation(`Parameter name ${name}: only a mix of letters, numbers and the symbols . - _ / is allowed, with a leading / when the name has a path.`);
  }
  if (name.includes('/') && !name.startsWith('/')) throw validation(`Parameter name must be a fully qualified name: ${name} has a path, so it must begin with /.`);
  if (/^\/?(aws|ssm)/i.test(name)) throw validation(`Parameter name ${name}: can't be prefixed with "aws" or "ssm" (case-insensitive).`);
  return name;
}

export function parameterArn(state: RegionState, name: string): string {
  return `arn:aws:ssm:${state.region}:${state.account}:parameter/${name.replace(/^\//, '')}`;
}

/** Stands in for KMS ciphertext: stable per version, and does not reveal the value. */
function ciphertext(state: RegionState, name: string, v: ParameterVersion): string {
  const digest = createHash('sha256').update(`${state.account}/${state.region}/${name}/${v.version}/${v.value}`).digest('base64');
  return `AQICAHsandbox${digest}`;
}

function parameterOut(state: RegionState, record: ParameterRecord, v: ParameterVersion, decrypt: boolean, selector?: string): JsonObject {
  return {
    Name: record.name,
    Type: v.type,
    Value: v.type === 'SecureString' && !decrypt ? ciphertext(state, record.name, v) : v.value,
    Version: v.version,
    ...(selector !== undefined ? { Selector: selector } : {}),
    LastModifiedDate: v.lastModified / 1000,
    ARN: parameterArn(state, record.name),
    DataType: 'text',
  };
}

/** `name`, or `name:version` (GetParameter's version selector). */
function lookup(state: RegionState, requested: string): { record: ParameterRecord; version: ParameterVersion; selector?: string } | undefined {
  const m = /^(.*):(\d+)$/.exec(requested);
  const name = m ? (m[1] as string) : requested;
  const record = state.parameters.get(name);
  if (!record) return undefined;
  if (!m) return { record, version: record.versions[record.versions.length - 1] as ParameterVersion };
  const version = record.versions.find((v) => v.version === Number(m[2]));
  if (!version) throw new SandboxApiError('ParameterVersionNotFound', `Systems Manager could not find version ${m[2]} of ${name}. Verify the version and try again.`);
  return { record, version, selector: `:${m[2]}` };
}

/** Stores a version (the admin API and seeds use it too); returns the new version number. */
export function putParameterRecord(
  state: RegionState, now: number, input: { name: string; value: string; type?: string; overwrite?: boolean; description?: string },
): number {
  const name = checkName(input.name);
  if (typeof input.value !== 'string' || input.value === '') {
    throw validation("1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  if (input.value.length > MAX_VALUE) throw validation(`1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to ${MAX_VALUE}`);
  if (input.type !== undefined && !(PARAMETER_TYPES as readonly string[]).includes(input.type)) {
    throw validation(`1 validation error detected: Value '${input.type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]`);
  }
  const existing = state.parameters.get(name);
  const current = existing?.versions[existing.versions.length - 1];
  if (current && !input.overwrite) {
    throw new SandboxApiError('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
  }
  const type = (input.type ?? current?.type) as ParameterType | undefined;
  if (!type) throw validation('A parameter type is required when you create a parameter.');
  const record = existing ?? { name, versions: [] };
  const version = (current?.version ?? 0) + 1;
  const description = input.description ?? current?.description;
  record.versions.push({ type, value: input.value, version, lastModified: now, ...(description !== undefined ? { description } : {}) });
  state.parameters.set(name, record);
  return version;
}

export function putParameter(ctx: OpContext, input: JsonObject): JsonObject {
  const version = putParameterRecord(ctx.state, ctx.now, {
    name: checkName(input.Name),
    value: typeof input.Value === 'string' ? input.Value : '',
    ...(typeof input.Type === 'string' ? { type: input.Type } : {}),
    overwrite: input.Overwrite === true,
    ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
  });
  return { Version: version, Tier: 'Standard' };
}

export function getParameter(ctx: OpContext, input: JsonObject): JsonObject {
  if (typeof input.Name !== 'string' || input.Name === '') throw validation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
  const found = lookup(ctx.state, input.Name);
  if (!found) throw notFound(input.Name);
  return { Parameter: parameterOut(ctx.state, found.record, found.version, input.WithDecryption === true, found.selector) };
}

export function getParameters(ctx: OpContext, input: JsonObject): JsonObject {
  const names = input.Names;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
    throw validation("1 validation error detected: Value null at 'names' failed to satisfy constraint: Member must not be null");
  }
  if (names.length > MAX_GET_PARAMETERS) {
    throw validation(`1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to ${MAX_GET_PARAMETERS}`);
  }
  const parameters: JsonObject[] = [];
  const invalid: string[] = [];
  for (const name of new Set(names as string[])) {
    let found: ReturnType<typeof lookup>;
    try {
      found = lookup(ctx.state, name);
    } catch {
      found = undefined;
    }
    if (found) parameters.push(parameterOut(ctx.state, found.record, found.version, input.WithDecryption === true, found.selector));
    else invalid.push(name);
  }
  return { Parameters: parameters, InvalidParameters: invalid };
}

export function deleteParameter(ctx: OpContext, input: JsonObject): JsonObject {
  const name = typeof input.Name === 'string' ? input.Name : '';
  if (!ctx.state.parameters.delete(name)) throw notFound(name);
  return {};
}
