/**
 * Just enough of IAM's policy evaluation to put requests to the controller's
 * policy in tests: Allow statements only (the policy has no Deny), Action and
 * Resource with `*` wildcards, and the condition operators the policy uses
 * (StringEquals, StringEqualsIfExists, Null; a list of values is an OR, keys
 * and operators are ANDed), as described in the IAM User Guide's policy
 * evaluation logic. Anything else fails loudly rather than guessing.
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
    case 'Null':
      // "true": the key must be absent; "false": present.
      return expected.every((want) => (want === 'true' ? actual === undefined : actual !== undefined));
    default:
      throw new Error(`iam-evaluate: condition operator ${operator} is not modelled`);
  }
}

/** The Sids of the statements that allow the request (empty: implicitly denied). */
export function allowingStatements(statements: readonly PolicyStatement[], request: PolicyRequest): string[] {
  return statements.filter((s) => {
    if (s.Effect !== 'Allow') throw new Error(`iam-evaluate: ${s.Sid ?? 'a statement'} is not Allow`);
    if (!list(s.Action).some((a) => wildcardMatch(a, request.action))) return false;
    if (!list(s.Resource).some((r) => wildcardMatch(r, request.resource))) return false;
    return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, list(values), request.context)));
  }).map((s) => s.Sid ?? '(no Sid)');
}
