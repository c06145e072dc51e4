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
  readonly Parameters: Record<string, { Type: string; Default?: string; NoEcho?: boolean; MinLength?: number; AllowedPattern?: string }>;
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
    const value = given[name] ?? declaration.Default;
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

function resolveIn(template: Template, value: unknown, given: Record<string, string>, accountId: string): unknown {
  return resolve(value, { parameters: stackParameters(template, given), conditions: template.Conditions, pseudo: pseudo(accountId) });
}

/** The role's one inline policy as a stack with these parameters would hold it. */
export function rolePolicy(template: Template, roleLogicalId: string, given: Record<string, string>, accountId: string): PolicyDocument {
  const policies = resourceProperties(template, roleLogicalId).Policies as { PolicyDocument: unknown }[];
  if (policies.length !== 1) throw new Error(`${roleLogicalId} has ${policies.length} inline policies, expected one`);
  return resolveIn(template, policies[0]?.PolicyDocument, given, accountId) as PolicyDocument;
}

/** The role's trust policy as a stack with these parameters would hold it. */
export function roleTrust(template: Template, roleLogicalId: string, given: Record<string, string>, accountId: string): TrustDocument {
  return resolveIn(template, resourceProperties(template, roleLogicalId).AssumeRolePolicyDocument, given, accountId) as TrustDocument;
}
