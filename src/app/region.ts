/**
 * The default region every command uses, in one place. Kept apart from
 * runtime.ts (which loads the AWS SDK) so `validate`, which never talks to
 * AWS, can share it without paying for the SDK.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** --region, then AWS_REGION / AWS_DEFAULT_REGION, then `fallback`. */
export function resolveRegion(flag: unknown, env: Env, fallback: string): string {
  if (typeof flag === 'string' && flag !== '') return flag;
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || fallback;
}
