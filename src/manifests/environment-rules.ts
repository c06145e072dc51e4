/**
 * Rules for `kind: Environment` (docs/manifests.md, "Environments") that say
 * more than a schema pattern can: what a name, an account id, a role ARN, an
 * external id, a session name or a variable name may look like, and that a
 * role lives in the environment's own account. Across documents: two
 * environments in one account must assume it the same way, since the
 * controller keeps one set of credentials per account.
 * Pure; written defensively (they run on documents that may also have schema errors).
 */
import type { ErrorObject } from 'ajv';
import {
  ACCOUNT_PATTERN,
  ENVIRONMENT_NAME_PATTERN,
  EXTERNAL_ID_PATTERN,
  ROLE_ARN_PATTERN,
  SESSION_NAME_PATTERN,
  VARIABLE_NAME_PATTERN,
} from './manifest-schema.js';
import type { RuleProblem } from './rule-problem.js';
import { describeValue } from './value-describe.js';

type Rec = Readonly<Record<string, unknown>>;

function rec(value: unknown): Rec | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Rec) : undefined;
}

const NAME = new RegExp(ENVIRONMENT_NAME_PATTERN);
const ACCOUNT = new RegExp(ACCOUNT_PATTERN);
const ROLE_ARN = new RegExp(ROLE_ARN_PATTERN);
const EXTERNAL_ID = new RegExp(EXTERNAL_ID_PATTERN);
const SESSION_NAME = new RegExp(SESSION_NAME_PATTERN);
const VARIABLE_NAME = new RegExp(VARIABLE_NAME_PATTERN);

/** Where these rules check the string format themselves; the schema's bare pattern errors there are dropped. */
const FORMAT_POINTERS: ReadonlySet<string> = new Set(['/metadata/name', '/spec/account', '/spec/roleArn', '/spec/externalId', '/spec/sessionName']);

/** True for an ajv error these rules report in their own words (a pattern on a field above, or a variable name). */
export function environmentRuleCovers(error: ErrorObject): boolean {
  if (error.keyword === 'pattern' && FORMAT_POINTERS.has(error.instancePath)) return true;
  // A bad variable name fails propertyNames (and its inner pattern, with propertyName set).
  return error.instancePath === '/spec/variables' && (error.keyword === 'propertyNames' || error.propertyName !== undefined);
}

function invalid(pointer: string, value: string, why: string): RuleProblem {
  return { code: 'MANIFEST_INVALID_VALUE', pointer, message: `${pointer}: ${JSON.stringify(value)} ${why}` };
}

/** The account a role ARN names (`arn:aws:iam::ACCOUNT:role/...`), or undefined when it is not one. */
export function roleAccount(roleArn: string): string | undefined {
  return ROLE_ARN.test(roleArn) ? roleArn.split(':')[4] : undefined;
}

/** One Environment document's own rules. */
export function environmentRules(document: Rec): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const name = rec(document.metadata)?.name;
  if (typeof name === 'string' && !NAME.test(name)) {
    problems.push(invalid('/metadata/name', name, 'is not a valid environment name: use 1-32 lower-case letters, digits and hyphens (-), starting and ending with a letter or digit (dev, staging, prod-eu)'));
  }
  const spec = rec(document.spec);
  if (!spec) return problems;
  const { account, roleArn, externalId, sessionName } = spec;
  if (typeof account === 'string' && !ACCOUNT.test(account)) {
    problems.push(invalid('/spec/account', account, 'is not an AWS account id: write its 12 digits, quoted (account: "123456789012")'));
  }
  if (typeof roleArn === 'string') {
    const inAccount = roleAccount(roleArn);
    if (inAccount === undefined) {
      problems.push(invalid('/spec/roleArn', roleArn, 'is not an IAM role ARN such as arn:aws:iam::123456789012:role/ecs-gitops-target'));
    } else if (typeof account === 'string' && ACCOUNT.test(account) && inAccount !== account) {
      problems.push({
        code: 'MANIFEST_ENVIRONMENT_CONFLICT',
        pointer: '/spec/roleArn',
        message: `/spec/roleArn: the role is in account ${inAccount} but the environment's account is ${account}; the controller assumes a role in the account it deploys to`,
      });
    }
  }
  if (typeof externalId === 'string' && !EXTERNAL_ID.test(externalId)) {
    problems.push(invalid('/spec/externalId', externalId, 'is not a valid STS external id: use 2-1224 letters, digits and _+=,.@:/-'));
  }
  if (typeof sessionName === 'string' && !SESSION_NAME.test(sessionName)) {
    problems.push(invalid('/spec/sessionName', sessionName, 'is not a valid STS session name: use 2-64 letters, digits and _+=,.@-'));
  }
  if (externalId !== undefined && roleArn === undefined) {
    problems.push({ code: 'MANIFEST_CONFLICTING_FIELDS', pointer: '/spec/externalId', message: '/spec/externalId: an external id is only sent when assuming spec.roleArn; set roleArn or remove externalId' });
  }
  const variables = rec(spec.variables);
  for (const variable of Object.keys(variables ?? {})) {
    if (!VARIABLE_NAME.test(variable)) {
      problems.push({
        code: 'MANIFEST_INVALID_VALUE',
        pointer: `/spec/variables/${variable.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        target: 'key',
        message: `/spec/variables: variable name ${describeValue(variable)} is not valid: use letters, digits and underscores, not starting with a digit (it is written \${var.NAME})`,
      });
    }
  }
  return problems;
}

/** What the cross-document checks need from one Environment document. */
export interface EnvironmentAccess {
  readonly name: string;
  readonly account: string;
  readonly roleArn: string | undefined;
  readonly externalId: string | undefined;
}

/**
 * Environments in one account that assume it differently (another role or
 * external id, or one with a role and one without): the controller keeps
 * one set of credentials per account (src/accounts), so it could not honour
 * both. Returns, per environment in conflict, the field that differs and the
 * names of the others.
 */
export function accountConflicts<E extends EnvironmentAccess>(environments: readonly E[]): Map<E, { field: 'roleArn' | 'externalId'; others: E[] }> {
  const byAccount = new Map<string, E[]>();
  for (const e of environments) byAccount.set(e.account, [...(byAccount.get(e.account) ?? []), e]);
  const conflicts = new Map<E, { field: 'roleArn' | 'externalId'; others: E[] }>();
  for (const group of byAccount.values()) {
    for (const e of group) {
      const roleOthers = group.filter((o) => o.roleArn !== e.roleArn);
      if (roleOthers.length > 0) {
        conflicts.set(e, { field: 'roleArn', others: roleOthers });
        continue;
      }
      const idOthers = group.filter((o) => o.externalId !== e.externalId);
      if (idOthers.length > 0) conflicts.set(e, { field: 'externalId', others: idOthers });
    }
  }
  return conflicts;
}
