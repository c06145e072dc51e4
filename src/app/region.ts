/**
 * The default region every command uses, in one place. Kept apart from
 * runtime.ts (which loads the AWS SDK) so `validate`, which never talks to
 * AWS, can share it without paying for the SDK.
 */
import { REGION_PATTERN } from '../manifests/manifest-schema.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** --region, then AWS_REGION / AWS_DEFAULT_REGION, then `fallback`. */
export function resolveRegion(flag: unknown, env: Env, fallback: string): string {
  if (typeof flag === 'string' && flag !== '') return flag;
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || fallback;
}

const REGION_NAME = new RegExp(REGION_PATTERN);

/** A --region flag's check (validate, render): a Region name as manifests write it, such as eu-west-1. */
export function regionFlagProblem(value: unknown): string | undefined {
  return value === undefined || (typeof value === 'string' && REGION_NAME.test(value))
    ? undefined
    : `expected a region name such as eu-west-1, got ${JSON.stringify(value)}`;
}
