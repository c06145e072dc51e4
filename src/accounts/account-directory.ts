/**
 * What the declared environments say about each account and location
 * (docs/environments.md): the role to assume in an account, the rate limits
 * of a location (raised ECS quotas) and whether pruning is allowed there.
 * Updated from every snapshot, problems or not (a snapshot's environments
 * are only its clean Environment documents); read by the connection when it
 * makes a location's clients and by the controller when it builds a
 * location's buckets or prunes. An Environment that disappears (removed, or
 * its file broken) takes its role with it: its account's calls then fail
 * (AWS_ACCOUNT_WITHOUT_ROLE) rather than go out with the controller's own
 * credentials.
 *
 * It also carries the controller's own account, as the connection learns it
 * (STS GetCallerIdentity, src/app/runtime.ts): the prune passes need it to
 * see `OWN@region/...` and `region/...` as one resource (own-account.ts).
 */
import { locationOf } from '../keys/index.js';
import { DEFAULT_RATE_LIMITS, RATE_CATEGORIES, type RateCategory } from '../ecs/rate-limits.js';
import type { BucketLimits } from '../ecs/token-bucket.js';
import type { DesiredEnvironment } from '../manifests/types.js';

/** The role the controller assumes to act in an account. */
export interface AccountRole {
  readonly account: string;
  readonly roleArn: string;
  readonly externalId?: string;
  readonly sessionName?: string;
}

export type LocationRateLimits = Partial<Record<RateCategory, BucketLimits>>;

export class AccountDirectory {
  #roles = new Map<string, AccountRole>();
  #rateLimits = new Map<string, LocationRateLimits>();
  #pruneDenied = new Set<string>();
  #environments: readonly DesiredEnvironment[] = [];
  #generation = 0;
  #ownAccount: (() => Promise<string>) | undefined;

  /**
   * Takes the environments of a snapshot. validate-documents refuses two
   * environments that give one account different roles
   * (MANIFEST_ENVIRONMENT_CONFLICT), so the first one's role is the account's.
   */
  update(environments: readonly DesiredEnvironment[]): void {
    const roles = new Map<string, AccountRole>();
    const rateLimits = new Map<string, LocationRateLimits>();
    const pruneDenied = new Set<string>();
    for (const environment of environments) {
      const { account, region } = environment;
      const spec = environment.manifest.spec;
      if (spec.roleArn !== undefined && !roles.has(account)) {
        roles.set(account, {
          account, roleArn: spec.roleArn,
          ...(spec.externalId !== undefined ? { externalId: spec.externalId } : {}),
          ...(spec.sessionName !== undefined ? { sessionName: spec.sessionName } : {}),
        });
      }
      const location = locationOf({ account, region });
      if (spec.rateLimits !== undefined) rateLimits.set(location, { ...rateLimits.get(location), ...completeLimits(spec.rateLimits) });
      if (spec.sync?.prune === false) pruneDenied.add(location);
    }
    if (!sameRoles(this.#roles, roles)) this.#generation++;
    this.#roles = roles;
    this.#rateLimits = rateLimits;
    this.#pruneDenied = pruneDenied;
    this.#environments = environments;
  }

  /** Where the controller's own account is learned from (the connection sets it). */
  learnOwnAccountFrom(source: () => Promise<string>): void {
    this.#ownAccount = source;
  }

  /**
   * The account of the controller's own credentials; undefined when nothing
   * can tell (no connection, as in tests over a single fake API). Rejects
   * when it could not be learned: callers must not guess.
   */
  async ownAccount(): Promise<string | undefined> {
    return this.#ownAccount ? this.#ownAccount() : undefined;
  }

  /**
   * The role to assume in `account`; undefined = none is declared, and the
   * connection acts there only if `account` is the controller's own.
   */
  roleFor(account: string): AccountRole | undefined {
    return this.#roles.get(account);
  }

  /** Bumped whenever some account's role changes: clients made under an older generation may hold stale credentials. */
  get generation(): number {
    return this.#generation;
  }

  /** The environment's rate limits for a location (`[account@]region`), over the controller's; undefined = the controller's. */
  rateLimitsFor(location: string): LocationRateLimits | undefined {
    return this.#rateLimits.get(location);
  }

  /** False when an environment at this location sets `sync.prune: false`. */
  pruneAllowed(location: string): boolean {
    return !this.#pruneDenied.has(location);
  }

  /** Every location an environment names (for scans that must visit each account and Region). */
  locations(): readonly string[] {
    return [...new Set(this.#environments.map((e) => locationOf({ account: e.account, region: e.region })))];
  }

  get environments(): readonly DesiredEnvironment[] {
    return this.#environments;
  }
}

/** validate-documents checked the categories and values; fields left out keep the defaults, as with --rate-limits. */
function completeLimits(raw: NonNullable<DesiredEnvironment['manifest']['spec']['rateLimits']>): LocationRateLimits {
  const out: LocationRateLimits = {};
  for (const [category, entry] of Object.entries(raw)) {
    if (!(RATE_CATEGORIES as readonly string[]).includes(category)) continue;
    const defaults = DEFAULT_RATE_LIMITS[category as RateCategory];
    out[category as RateCategory] = {
      burst: entry.burst ?? defaults.burst,
      refillPerSecond: entry.refillPerSecond ?? defaults.refillPerSecond,
    };
  }
  return out;
}

function sameRoles(a: ReadonlyMap<string, AccountRole>, b: ReadonlyMap<string, AccountRole>): boolean {
  if (a.size !== b.size) return false;
  for (const [account, role] of a) {
    const other = b.get(account);
    if (!other || other.roleArn !== role.roleArn || other.externalId !== role.externalId || other.sessionName !== role.sessionName) return false;
  }
  return true;
}
