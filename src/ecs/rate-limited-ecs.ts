/**
 * Client-side rate limiting in front of any EcsApi: one token bucket per ECS
 * throttling category, shared by every worker that holds this wrapper. A
 * ThrottlingException that still gets through slows that category down and
 * is re-thrown, so the reconcile is retried with backoff (never dropped).
 *
 * An idempotent read (Describe*, List*) whose connection is reset is sent
 * once more, with a token of its own: a reused keep-alive socket the peer had
 * just closed should not fail a reconcile, and the second attempt counts
 * against ECS's limits like any call. A write is never sent again here: the
 * reset may have come after ECS applied it, and only the reconcile (which
 * reads first) can tell.
 */
import type { Clock } from '../util/clock.js';
import { classifyAwsError } from './aws-error.js';
import { READ_OPERATIONS, type EcsApi, type EcsInput, type EcsOperation, type EcsOutput } from './ecs-api.js';
import { DEFAULT_RATE_LIMITS, OPERATION_CATEGORY, RATE_CATEGORIES, type RateCategory } from './rate-limits.js';
import { TokenBucket, type BucketLimits } from './token-bucket.js';

/** How a category limiter is set up (every API's limiter takes the same options). */
export interface CategoryRateLimiterOptions<C extends RateCategory> {
  readonly clock: Clock;
  /**
   * Per-category limits; missing categories use DEFAULT_RATE_LIMITS (ECS's
   * published rates, and our choices for the other APIs). The same object
   * serves every API's limiter (`--rate-limits`, an Environment's
   * rateLimits): categories of other APIs in it are ignored.
   */
  readonly limits?: Partial<Readonly<Record<RateCategory, BucketLimits>>>;
  /**
   * Share of each refill rate left unused, for differences between our clock
   * and AWS's. Kept small: over a long run the rate is what bounds throughput.
   * @default 0.02
   */
  readonly rateHeadroom?: number;
  /**
   * Seconds of network jitter each bucket absorbs. Calls that leave us evenly
   * spaced can reach AWS bunched together; AWS's bucket then holds fewer
   * tokens than ours expects. Lowering our burst by this many seconds of
   * refill (at least one token) keeps AWS's bucket that far ahead of ours at
   * all times, whatever the load. A margin in tokens costs a constant few
   * calls, where a margin in rate would cost a share of every long run.
   * @default 0.25
   */
  readonly jitterSeconds?: number;
  /** Called with the seconds each call waited for a token (metric ecs_gitops_rate_limiter_wait_seconds). */
  readonly onWait?: (bucket: C, seconds: number) => void;
}

export type RateLimiterOptions = CategoryRateLimiterOptions<RateCategory>;

/**
 * One token bucket per rate category of an API, shared by every caller of
 * that API in one account and Region. Each API's limiter (ECS here,
 * Application Auto Scaling and CloudWatch, EventBridge Scheduler, the
 * lookups) extends it with a `wrap` that sends each operation through its
 * category's bucket (`through`): a ThrottlingException that still gets
 * through slows the bucket down and is re-thrown; a read whose connection was
 * reset is sent once more, a write never.
 */
export class CategoryRateLimiter<C extends RateCategory> {
  readonly buckets: ReadonlyMap<C, TokenBucket>;
  readonly #onWait: CategoryRateLimiterOptions<C>['onWait'];

  constructor(categories: readonly C[], options: CategoryRateLimiterOptions<C>) {
    const rateHeadroom = options.rateHeadroom ?? 0.02;
    const jitterSeconds = options.jitterSeconds ?? 0.25;
    if (!(rateHeadroom >= 0 && rateHeadroom < 1)) throw new RangeError(`rateHeadroom must be in [0, 1), got ${rateHeadroom}`);
    if (!(jitterSeconds >= 0 && Number.isFinite(jitterSeconds))) throw new RangeError(`jitterSeconds must be a finite number >= 0, got ${jitterSeconds}`);
    const buckets = new Map<C, TokenBucket>();
    for (const category of categories) {
      const limits = options.limits?.[category] ?? DEFAULT_RATE_LIMITS[category];
      buckets.set(category, new TokenBucket(category, clientSideLimits(limits, rateHeadroom, jitterSeconds), options.clock));
    }
    this.buckets = buckets;
    this.#onWait = options.onWait;
  }

  bucket(category: C): TokenBucket {
    return this.buckets.get(category) as TokenBucket;
  }

  /** `call` once a token of `category` is taken (and, when `idempotent`, once more after a reset connection). */
  protected through<T>(category: C, call: () => Promise<T>, idempotent: boolean, signal: AbortSignal | undefined): Promise<T> {
    return sendThroughBucket(this.bucket(category), call, {
      idempotent,
      ...(signal ? { signal } : {}),
      ...(this.#onWait ? { onWait: (seconds: number) => this.#onWait?.(category, seconds) } : {}),
    });
  }
}

export class EcsRateLimiter extends CategoryRateLimiter<RateCategory> {
  constructor(options: RateLimiterOptions) {
    super(RATE_CATEGORIES, options);
  }

  /** Wraps `inner` so every call (and a read's one retry after a reset connection) first takes a token of its category. */
  wrap(inner: EcsApi): EcsApi {
    return {
      send: <Op extends EcsOperation>(operation: Op, input: EcsInput<Op>, signal?: AbortSignal): Promise<EcsOutput<Op>> =>
        this.through(OPERATION_CATEGORY[operation], () => inner.send(operation, input, signal), READ_OPERATIONS.has(operation), signal),
    };
  }
}

/**
 * Node's codes for a connection the peer closed under a request: ECONNRESET
 * ("socket hang up" before the answer, "aborted" in the middle of its body)
 * or EPIPE (written to a socket already closed), typically a reused
 * keep-alive socket the server had just dropped. The request may or may not
 * have been processed. aws-error.ts classifies them as network_error.
 */
const CONNECTION_RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Whether `err` (as the SDK threw it, or wrapped in an AwsCallError as its
 * cause) is a connection reset. The SDK's node-http-handler renames these
 * errors TimeoutError but keeps Node's `code`, which is what is read here; a
 * real timeout (ETIMEDOUT, or the handler's own socket timeout) is not one.
 */
export function isConnectionReset(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_RESET_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export interface BucketCallOptions {
  /** The call only reads (sending it twice changes nothing): retried once after a reset connection. */
  readonly idempotent: boolean;
  readonly signal?: AbortSignal;
  /** Seconds each attempt waited for its token. */
  readonly onWait?: (seconds: number) => void;
}

/** Attempts of an idempotent read whose connection is reset: the first and one more. */
export const RESET_READ_ATTEMPTS = 2;

/**
 * One AWS call through `bucket` (none: no client-side limit): a token per
 * attempt, the bucket slowed down when AWS throttles anyway, and an
 * idempotent read whose connection was reset sent once more (never after an
 * abort). ECS calls (EcsRateLimiter) and ECR look-ups (ImageResolver) share it.
 */
export async function sendThroughBucket<T>(bucket: TokenBucket | undefined, call: () => Promise<T>, options: BucketCallOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (bucket) {
      const waited = await bucket.take(options.signal);
      options.onWait?.(waited);
    }
    try {
      const output = await call();
      bucket?.reward();
      return output;
    } catch (err) {
      if (classifyAwsError(err) === 'throttled') bucket?.penalize();
      const retry = options.idempotent && attempt < RESET_READ_ATTEMPTS && options.signal?.aborted !== true && isConnectionReset(err);
      if (!retry) throw err;
    }
  }
}

/** The bucket we keep for one of AWS's: see RateLimiterOptions for the margins. */
export function clientSideLimits(limits: BucketLimits, rateHeadroom: number, jitterSeconds: number): BucketLimits {
  const jitterTokens = jitterSeconds > 0 ? Math.max(1, Math.ceil(limits.refillPerSecond * jitterSeconds)) : 0;
  return {
    burst: Math.max(1, Math.floor(limits.burst) - jitterTokens),
    refillPerSecond: limits.refillPerSecond * (1 - rateHeadroom),
  };
}
