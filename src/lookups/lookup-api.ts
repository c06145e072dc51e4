/**
 * The lookups the controller resolves at apply time (docs/environments.md,
 * "Lookups"): SSM Parameter Store parameters and CloudFormation stack
 * outputs, read in the account and Region of the resource that uses them.
 * The SDK adapter (lookup-sdk-adapter.ts) speaks AWS; tests may pass any
 * LookupApi.
 */
import type { LookupUse } from '../manifests/types.js';

export type LookupOperation = 'GetParameter' | 'DescribeStacks';

/** SSM's GetParameter and CloudFormation's DescribeStacks, in PascalCase wire shapes (the SDK's). */
export interface LookupApi {
  send(operation: LookupOperation, input: Readonly<Record<string, unknown>>, signal?: AbortSignal): Promise<Record<string, unknown>>;
}

export interface LookupResolver {
  /**
   * `manifest` with every lookup in `lookups` replaced by its value, read in
   * `location` (`[account@]region`, src/keys): a string that is exactly one
   * StringList lookup inside an array becomes that many items. Values are
   * cached (TTL) and reads rate-limited per location. Throws a GitopsError
   * CONTROLLER_LOOKUP_FAILED naming the lookup, the location and AWS's answer
   * (not found, SecureString refused, access denied).
   */
  resolve<M>(manifest: M, lookups: readonly LookupUse[], location: string, signal: AbortSignal): Promise<M>;
}
