/**
 * Just enough of IAM's policy evaluation to put requests to the controller's
 * policy in tests: Allow statements only (the policy has no Deny), Action and
 * Resource with `*` wildcards, and the condition operators the policies use
 * (StringEquals, StringEqualsIfExists, Null, ArnLike; a list of values is an
 * OR, keys and operators are ANDed), as described in the IAM User Guide's
 * policy evaluation logic. Trust policies (a role's AssumeRolePolicyDocument)
 * are matched by Principal instead of Resource. Anything else fails loudly
 * rather than guessing.
 */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition context: aws:ResourceTag/..., aws:RequestTag/..., ecs:CreateAction, iam:PassedToService. Absent keys are absent. */
  readonly context: Readonly<Record<string, string>>;
}

import { globToRegExp } from '../../src/util/glob.js';

const list = (value: string | readonly string[]): readonly string[] => (typeof value === 'string' ? [value] : value);

function wildcardMatch(pattern: string, value: string): boolean {
  return globToRegExp(pattern).test(value);
}

function conditionHolds(operator: string, key: string, expected: readonly string[], context: PolicyRequest['context']): boolean {
  const actual = context[key];
  switch (operator) {
    case 'StringEquals':
      return actual !== undefined && expected.includes(actual);
    case 'StringEqualsIfExists':
      return actual === undefined || expected.includes(actual);
    case 'ArnLike':
      // Wildcards within the ARN (the policies' patterns keep each `*` inside one ARN field or the resource path).
      return actual !== undefined && expected.some((pattern) => wildcardMatch(pattern, actual));
    case 'Null':
      // "true": the key must be absent; "false": present.
      return expected.every((want) => (want === 'true' ? actual === undefined : actual !== undefined));
    default:
      throw new Error(`iam-evaluate: condition operator ${operator} is not modelled`);
  }
}

function conditionsHold(s: { readonly Condition?: PolicyStatement['Condition'] }, context: PolicyRequest['context']): boolean {
  return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, list(values), context)));
}

export interface TrustStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal: Readonly<Record<string, string | readonly string[]>>;
  readonly Action: string | readonly string[];
  readonly Condition?: PolicyStatement['Condition'];
}

export interface TrustRequest {
  /** The calling principal, e.g. `{ AWS: 'arn:aws:iam::111111111111:role/ecs-gitops-TaskRole-X' }`. */
  readonly principal: Readonly<Record<string, string>>;
  readonly action: string;
  /** Condition context: sts:ExternalId when the caller sends one. */
  readonly context: Readonly<Record<string, string>>;
}

/**
 * The Sids of a trust policy's statements that let `principal` call `action`
 * on the role (empty: denied). Principals match exactly: the policies name
 * one role ARN, never a wildcard.
 */
export function trustingStatements(statements: readonly TrustStatement[], request: TrustRequest): string[] {
  return statements.filter((s) => {
    if (s.Effect !== 'Allow') throw new Error(`iam-evaluate: ${s.Sid ?? 'a statement'} is not Allow`);
    if (!list(s.Action).includes(request.action)) return false;
    const named = Object.entries(s.Principal).some(([kind, values]) => request.principal[kind] !== undefined && list(values).includes(request.principal[kind] as string));
    return named && conditionsHold(s, request.context);
  }).map((s) => s.Sid ?? '(no Sid)');
}

/** The Sids of the statements that allow the request (empty: implicitly denied). */
export function allowingStatements(statements: readonly PolicyStatement[], request: PolicyRequest): string[] {
  return statements.filter((s) => {
    if (s.Effect !== 'Allow') throw new Error(`iam-evaluate: ${s.Sid ?? 'a statement'} is not Allow`);
    if (!list(s.Action).some((a) => wildcardMatch(a, request.action))) return false;
    if (!list(s.Resource).some((r) => wildcardMatch(r, request.resource))) return false;
    return conditionsHold(s, request.context);
  }).map((s) => s.Sid ?? '(no Sid)');
}
