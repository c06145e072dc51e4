/**
 * The controller's own account has two spellings of every location: a bare
 * Region (`eu-west-1`) and, once an Environment names that account,
 * `OWN@eu-west-1`. Both reach the same ECS clusters, so anything that
 * compares live resources with declared ones (the prune passes) must treat
 * `OWN@region/...` and `region/...` as one resource, and visit each real
 * location once (docs/controller.md, "Many accounts and Regions").
 * Pure: the own account is passed in (learned by the connection through STS
 * GetCallerIdentity, src/app/runtime.ts).
 */
import { parseLocation } from '../keys/index.js';

/**
 * Every identity and queue key reads `[kind-prefix:][account@]region/...`
 * (src/keys: regions, clusters and names hold no ':' or '@'), so the account
 * is found by its place; a cluster's identity, which parseKey does not take
 * alone, is handled alike.
 */
const SPELLED = /^((?:[a-z-]+:)?)(?:([^:@/]+)@)?([^:@]+)$/;

/** `[account@]region` with the own account's `account@` dropped. */
export function normalizeLocation(location: string, own: string | undefined): string {
  const parsed = parseLocation(location);
  return own !== undefined && parsed.account === own ? parsed.region : location;
}

/**
 * An identity or queue key (any kind) with the own account's `account@`
 * dropped; text that is no key is returned as is.
 */
export function normalizeIdentity(text: string, own: string | undefined): string {
  const m = own === undefined ? null : SPELLED.exec(text);
  return m && m[2] === own ? `${m[1]}${m[3]}` : text;
}

/**
 * The locations to visit, one per real location: the two spellings of an
 * own-account location are one. The `account@` spelling is kept when both
 * occur: it is reachable either way (the account's role, or the own
 * credentials once the own account is confirmed), and it is the one an
 * Environment named.
 */
export function distinctLocations(locations: Iterable<string>, own: string | undefined): string[] {
  const chosen = new Map<string, string>();
  for (const location of locations) {
    const normal = normalizeLocation(location, own);
    const known = chosen.get(normal);
    if (known === undefined || (!known.includes('@') && location.includes('@'))) chosen.set(normal, location);
  }
  return [...chosen.values()];
}

/** True when some location names an account: only then can two spellings of one location exist. */
export function namesAnAccount(locations: Iterable<string>): boolean {
  for (const location of locations) if (parseLocation(location).account !== undefined) return true;
  return false;
}

/**
 * The other spelling of an own-account identity or queue key: `OWN@region/...`
 * for `region/...` and back; undefined for another account's key, when the
 * own account is unknown, or for text that is no key.
 */
export function otherSpelling(text: string, own: string | undefined): string | undefined {
  const m = own === undefined ? null : SPELLED.exec(text);
  if (!m || !(m[3] ?? '').includes('/')) return undefined;
  if (m[2] === undefined) return `${m[1]}${own}@${m[3]}`;
  return m[2] === own ? `${m[1]}${m[3]}` : undefined;
}

/** A location and, in the own account, its other spelling (`region` and `OWN@region`). */
export function ownSpellings(location: string, own: string | undefined): string[] {
  if (own === undefined) return [location];
  const { account, region } = parseLocation(location);
  if (account !== undefined && account !== own) return [location];
  return [region, `${own}@${region}`];
}
