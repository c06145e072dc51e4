/**
 * The CloudFormation templates in deploy/cloudformation/ read as data, and
 * the IAM documents of their roles resolved for given parameters (over the
 * templates' defaults), so tests can put requests to them (iam-evaluate.ts)
 * and compare them with the documents in deploy/iam/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { resolve } from './cfn-resolve.js';
import type { PolicyStatement, TrustStatement } from './iam-evaluate.js';

export const repositoryRoot = path.resolve(import.meta.dirname, '../..');

export interface Template {
  readonly Parameters: Record<string, { Type: string; Default?: string | number; NoEcho?: boolean; MinLength?: number; MinValue?: number; AllowedPattern?: string }>;
  readonly Conditions: Record<string, unknown>;
  readonly Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }>;
  readonly Outputs: Record<string, { Description?: string; Value: unknown }>;
}

export interface PolicyDocument { readonly Version: string; readonly Statement: PolicyStatement[] }
export interface TrustDocument { readonly Version: string; readonly Statement: TrustStatement[] }

export function readRepositoryFile(relative: string): string {
  return readFileSync(path.join(repositoryRoot, relative), 'utf8');
}

export function loadTemplate(relative: string): { readonly text: string; readonly template: Template } {
  const text = readRepositoryFile(relative);
  return { text, template: parse(text) as Template };
}

export function loadJson<T>(relative: string): T {
  return JSON.parse(readRepositoryFile(relative)) as T;
}

/** `AWS::Partition`, `AWS::AccountId`, `AWS::Region`. */
export function pseudo(accountId: string, region = 'eu-west-1'): Record<string, string> {
  return { 'AWS::Partition': 'aws', 'AWS::AccountId': accountId, 'AWS::Region': region };
}

/** The parameter values a stack would see: the defaults, overridden by `given`; list parameters split on commas as CloudFormation does. */
export function stackParameters(template: Template, given: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, declaration] of Object.entries(template.Parameters)) {
    const declared = declaration.Default;
    const value = given[name] ?? (declared === undefined ? undefined : String(declared));
    if (value === undefined) continue;
    out[name] = declaration.Type === 'CommaDelimitedList' || declaration.Type.startsWith('List<') ? value.split(',') : value;
  }
  for (const name of Object.keys(given)) if (!(name in template.Parameters)) throw new Error(`template has no parameter ${name}`);
  return out;
}

export function resourceProperties(template: Template, logicalId: string): Record<string, unknown> {
  const r = template.Resources[logicalId];
  if (!r) throw new Error(`template has no resource ${logicalId}`);
  return r.Properties;
}

/** What only a deployed stack knows: `Fn::GetAtt` ("LogicalId.Attribute") and a resource's `Ref` ("LogicalId"). */
export type Attributes = Readonly<Record<string, string>>;

/**
 * The attributes a policy is compared under when no stack is at hand: the
 * lease table's ARN as any stack's table in the account, named ecs-gitops*
 * (its TableName is ecs-gitops-<stack>-leases), the scope
 * deploy/iam/ecs-gitops-policy.json grants for it.
 */
export function anyStackAttributes(accountId: string): Attributes {
  return { 'LeaseTable.Arn': `arn:aws:dynamodb:*:${accountId}:table/ecs-gitops*` };
}

/** Replaces each `Fn::GetAtt`, and each `Ref` of a name in `attributes`, with its value; a `Fn::GetAtt` not given fails loudly. */
export function withAttributes(value: unknown, attributes: Attributes): unknown {
  if (Array.isArray(value)) return value.map((v) => withAttributes(v, attributes));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const [first] = entries;
  if (entries.length === 1 && first?.[0] === 'Fn::GetAtt') {
    const key = (first[1] as string[]).join('.');
    const attribute = attributes[key];
    if (attribute === undefined) throw new Error(`cfn-template: no value for Fn::GetAtt ${key}`);
    return attribute;
  }
  if (entries.length === 1 && first?.[0] === 'Ref' && typeof first[1] === 'string' && attributes[first[1]] !== undefined) return attributes[first[1]];
  return Object.fromEntries(entries.map(([k, v]) => [k, withAttributes(v, attributes)]));
}

function resolveIn(template: Template, value: unknown, given: Record<string, string>, accountId: string, attributes: Attributes): unknown {
  return resolve(withAttributes(value, attributes), { parameters: stackParameters(template, given), conditions: template.Conditions, pseudo: pseudo(accountId) });
}

/**
 * The role's one inline policy as a stack with these parameters would hold it;
 * `Fn::GetAtt` takes `attributes` (default: anyStackAttributes(accountId)).
 */
export function rolePolicy(
  template: Template, roleLogicalId: string, given: Record<string, string>, accountId: string, attributes: Attributes = anyStackAttributes(accountId),
): PolicyDocument {
  const policies = resourceProperties(template, roleLogicalId).Policies as { PolicyDocument: unknown }[];
  if (policies.length !== 1) throw new Error(`${roleLogicalId} has ${policies.length} inline policies, expected one`);
  return resolveIn(template, policies[0]?.PolicyDocument, given, accountId, attributes) as PolicyDocument;
}

/** A resource's property (an IAM::Policy's PolicyDocument, a container definition, ...) as a stack with these parameters would hold it. */
export function resolvedProperty(
  template: Template, logicalId: string, property: string, given: Record<string, string>, accountId: string, attributes: Attributes = anyStackAttributes(accountId),
): unknown {
  return resolveIn(template, resourceProperties(template, logicalId)[property], given, accountId, attributes);
}

/** The role's trust policy as a stack with these parameters would hold it. */
export function roleTrust(template: Template, roleLogicalId: string, given: Record<string, string>, accountId: string): TrustDocument {
  return resolveIn(template, resourceProperties(template, roleLogicalId).AssumeRolePolicyDocument, given, accountId, {}) as TrustDocument;
}
