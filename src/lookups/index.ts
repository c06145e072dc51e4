/**
 * The lookups at apply time (docs/environments.md, "Lookups"): contract,
 * resolver, substitution, rate limits. The SDK adapter is imported from
 * lookup-sdk-adapter.ts itself (src/app/runtime.ts), so the pure parts do not
 * load the SSM and CloudFormation clients.
 */
export type { LookupApi, LookupOperation, LookupResolver } from './lookup-api.js';
export {
  CachingLookupResolver, DEFAULT_LOOKUP_TTL_MS, LOOKUP_RESULTS, LOOKUP_SOURCES, describeLocation,
  type CachingLookupResolverOptions, type LookupResult, type LookupSource,
} from './lookup-resolver.js';
export { substituteLookups, type LookupValue } from './substitute-lookups.js';
export {
  LOOKUP_OPERATION_CATEGORY, LocationLookupLimiters, LookupRateLimiter,
  type LocationLookupLimitersOptions, type LookupRateLimiterOptions,
} from './rate-limited-lookups.js';
