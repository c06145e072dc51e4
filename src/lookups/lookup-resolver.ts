/**
 * Resolves `${ssm:…}` and `${cfn:…}` lookups at apply time
 * (docs/environments.md, "Lookups"), in the location (`[account@]region`) of
 * the resource that uses them:
 *
 * - one GetParameter (WithDecryption false) per distinct parameter and one
 *   DescribeStacks per stack, whatever number of its outputs are used;
 * - answers cached per location for `ttlMs` (five minutes by default), so a
 *   resync of a thousand services reads each value once per TTL, and a
 *   changed value is seen by the first reconcile after its entry expires;
 * - concurrent resolves of one value share one call (the call is aborted only
 *   when every caller waiting for it has given up);
 * - a failed read is not cached: the next reconcile (retried with backoff by
 *   the controller) asks AWS again.
 *
 * A SecureString is refused: its plain text would end up in the task
 * definition, which anyone with ecs:DescribeTaskDefinition can read; ECS
 * injects secrets itself through `secrets` (valueFrom). Every failure is a
 * CONTROLLER_LOOKUP_FAILED naming the lookup as written, the account and
 * Region, and AWS's error code and message.
 */
import { AwsCallError, awsErrorName } from '../ecs/aws-error.js';
import { GitopsError } from '../errors/index.js';
import { parseLocation } from '../keys/index.js';
import type { LookupRef, LookupUse } from '../manifests/types.js';
import type { Clock } from '../util/clock.js';
import type { LookupApi, LookupResolver } from './lookup-api.js';
import { substituteLookups, type LookupValue } from './substitute-lookups.js';

/** The `source` label of ecs_gitops_lookups_total. */
export type LookupSource = 'ssm' | 'cloudformation';
/** The `result` label: hit = answered from the cache (or by a call already in flight), miss = read from AWS, error = failed or refused. */
export type LookupResult = 'hit' | 'miss' | 'error';

export const LOOKUP_SOURCES: readonly LookupSource[] = ['ssm', 'cloudformation'];
export const LOOKUP_RESULTS: readonly LookupResult[] = ['hit', 'miss', 'error'];

export const DEFAULT_LOOKUP_TTL_MS = 300_000;

export interface CachingLookupResolverOptions {
  /** The location's LookupApi (rate-limited: LocationLookupLimiters). */
  readonly api: (location: string) => LookupApi;
  readonly clock: Clock;
  /** How long an answer is reused. @default 300000 (five minutes) */
  readonly ttlMs?: number;
  /** Called once per distinct read a resolve needs (metric ecs_gitops_lookups_total{source,result}). */
  readonly onLookup?: (source: LookupSource, result: LookupResult) => void;
}

/** What one read keeps: never a SecureString's (encrypted) value. */
type Answer =
  | { readonly source: 'ssm'; readonly name: string; readonly type: string; readonly value: string }
  | { readonly source: 'cloudformation'; readonly stack: string; readonly status: string; readonly outputs: ReadonlyMap<string, string> };

interface Entry {
  readonly promise: Promise<Answer>;
  readonly controller: AbortController;
  waiters: number;
  settled: boolean;
  /** Set once the read succeeded. */
  expiresAt?: number;
}

/** `${ssm:/a}` and `${cfn:stack.Out}` read the same thing as every other lookup of that parameter or stack. */
function readKey(lookup: LookupRef): string {
  return lookup.source === 'ssm' ? `ssm:${lookup.parameter}` : `cfn:${lookup.stack}`;
}

const sourceOf = (lookup: LookupRef): LookupSource => (lookup.source === 'ssm' ? 'ssm' : 'cloudformation');

/** `account 222222222222, Region eu-west-1`, or the Region alone with the controller's own account. */
export function describeLocation(location: string): string {
  try {
    const { account, region } = parseLocation(location);
    return account !== undefined ? `account ${account}, Region ${region}` : `Region ${region} (the controller's own account)`;
  } catch {
    return JSON.stringify(location);
  }
}

export class CachingLookupResolver implements LookupResolver {
  readonly #api: (location: string) => LookupApi;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #onLookup: CachingLookupResolverOptions['onLookup'];
  /** `location` NUL `readKey`: one entry per value and location. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: CachingLookupResolverOptions) {
    const ttlMs = options.ttlMs ?? DEFAULT_LOOKUP_TTL_MS;
    if (!(Number.isFinite(ttlMs) && ttlMs >= 0)) throw new RangeError(`lookup cache ttlMs must be a finite number >= 0, got ${ttlMs}`);
    this.#api = options.api;
    this.#clock = options.clock;
    this.#ttlMs = ttlMs;
    this.#onLookup = options.onLookup;
  }

  async resolve<M>(manifest: M, lookups: readonly LookupUse[], location: string, signal: AbortSignal): Promise<M> {
    if (lookups.length === 0) return manifest;
    signal.throwIfAborted();
    const reads = new Map<string, LookupRef>();
    for (const use of lookups) if (!reads.has(readKey(use.lookup))) reads.set(readKey(use.lookup), use.lookup);
    const settled = await Promise.allSettled([...reads.values()].map((lookup) => this.#read(lookup, location, signal)));
    signal.throwIfAborted();
    const answers = new Map<string, Answer>();
    const failures: GitopsError[] = [];
    [...reads.values()].forEach((lookup, i) => {
      const outcome = settled[i] as PromiseSettledResult<{ answer: Answer; fresh: boolean }>;
      if (outcome.status === 'rejected') {
        this.#onLookup?.(sourceOf(lookup), 'error');
        failures.push(this.#readFailed(lookup, location, outcome.reason));
        return;
      }
      const refusal = this.#refusal(lookup, outcome.value.answer, location, lookups);
      if (refusal) {
        this.#onLookup?.(sourceOf(lookup), 'error');
        failures.push(refusal);
        return;
      }
      this.#onLookup?.(sourceOf(lookup), outcome.value.fresh ? 'miss' : 'hit');
      answers.set(readKey(lookup), outcome.value.answer);
    });
    if (failures.length > 0) {
      const [first] = failures as [GitopsError, ...GitopsError[]];
      if (failures.length === 1) throw first;
      throw new GitopsError('CONTROLLER_LOOKUP_FAILED', `${first.message} (and ${failures.length - 1} more: ${failures.slice(1).map((f) => String(f.details.lookup)).join(', ')})`,
        { ...first.details, failed: failures.map((f) => f.details.lookup) }, { cause: first });
    }
    return substituteLookups(manifest, lookups, (lookup) => valueOf(lookup, answers.get(readKey(lookup)) as Answer));
  }

  /** Why an answer cannot be used for the lookups of this read (a SecureString, a missing output), or undefined. */
  #refusal(lookup: LookupRef, answer: Answer, location: string, uses: readonly LookupUse[]): GitopsError | undefined {
    if (answer.source === 'ssm') {
      if (answer.type === 'SecureString') {
        return lookupError(lookup, location, `parameter ${answer.name} is a SecureString; secrets belong in the task definition's secrets (valueFrom), which ECS injects at run time`);
      }
      return undefined;
    }
    for (const use of uses) {
      const other = use.lookup;
      if (other.source !== 'cfn' || other.stack !== answer.stack || answer.outputs.has(other.output)) continue;
      const known = [...answer.outputs.keys()].sort();
      return lookupError(other, location, `stack ${answer.stack} (${answer.status}) has no output ${other.output}; `
        + (known.length > 0 ? `its outputs: ${known.join(', ')}` : 'it has no outputs'));
    }
    return undefined;
  }

  #readFailed(lookup: LookupRef, location: string, err: unknown): GitopsError {
    if (err instanceof GitopsError && err.code === 'CONTROLLER_LOOKUP_FAILED') return err;
    const name = awsErrorName(err);
    // AWS's own words: an AwsCallError's message repeats the API, operation and name, its cause is the SDK's error.
    const source = err instanceof AwsCallError && err.cause instanceof Error ? err.cause : err;
    const message = source instanceof Error ? source.message : String(source);
    const what = lookup.source === 'ssm'
      ? (name === 'ParameterNotFound' ? `parameter ${lookup.parameter} does not exist` : `parameter ${lookup.parameter} could not be read`)
      : (/does not exist/i.test(message) ? `stack ${lookup.stack} does not exist` : `stack ${lookup.stack} could not be read`);
    return lookupError(lookup, location, `${what} (${name}: ${message})`, { awsError: name }, err);
  }

  /** The answer for `lookup` in `location`: cached, joined while in flight, or read now (`fresh`). */
  async #read(lookup: LookupRef, location: string, signal: AbortSignal): Promise<{ answer: Answer; fresh: boolean }> {
    const key = `${location}\u0000${readKey(lookup)}`;
    const now = this.#clock.now();
    let entry = this.#entries.get(key);
    if (entry && entry.settled && entry.expiresAt !== undefined && now < entry.expiresAt) {
      return { answer: await entry.promise, fresh: false };
    }
    let fresh = false;
    if (!entry || entry.settled) {
      fresh = true;
      entry = this.#start(key, lookup, location);
    }
    return { answer: await this.#wait(key, entry, signal), fresh };
  }

  #start(key: string, lookup: LookupRef, location: string): Entry {
    const controller = new AbortController();
    const api = this.#api(location);
    const call = lookup.source === 'ssm' ? readParameter(api, lookup.parameter, controller.signal) : readStack(api, lookup.stack, controller.signal);
    const entry: Entry = { promise: call, controller, waiters: 0, settled: false };
    this.#entries.set(key, entry);
    call.then(
      () => {
        entry.settled = true;
        entry.expiresAt = this.#clock.now() + this.#ttlMs;
        // A TTL of 0 caches nothing: only callers already waiting share the answer.
        if (this.#ttlMs === 0 && this.#entries.get(key) === entry) this.#entries.delete(key);
      },
      () => {
        entry.settled = true;
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return entry;
  }

  /** Waits for a shared call; a caller that aborts stops waiting, and the call stops when nobody waits any more. */
  #wait(key: string, entry: Entry, signal: AbortSignal): Promise<Answer> {
    entry.waiters++;
    return new Promise<Answer>((resolve, reject) => {
      let done = false;
      const finish = (): void => {
        done = true;
        entry.waiters--;
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        if (done) return;
        finish();
        if (entry.waiters === 0 && !entry.settled) {
          entry.controller.abort(signal.reason);
          if (this.#entries.get(key) === entry) this.#entries.delete(key);
        }
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) {
        onAbort();
        return;
      }
      entry.promise.then(
        (answer) => {
          if (done) return;
          finish();
          resolve(answer);
        },
        (err: unknown) => {
          if (done) return;
          finish();
          reject(err);
        },
      );
    });
  }
}

function lookupError(lookup: LookupRef, location: string, why: string, extra: Record<string, unknown> = {}, cause?: unknown): GitopsError {
  return new GitopsError('CONTROLLER_LOOKUP_FAILED', `lookup ${lookup.text} in ${describeLocation(location)}: ${why}`,
    { lookup: lookup.text, location, ...extra }, cause === undefined ? undefined : { cause });
}

async function readParameter(api: LookupApi, name: string, signal: AbortSignal): Promise<Answer> {
  const output = await api.send('GetParameter', { Name: name, WithDecryption: false }, signal);
  const parameter = (output.Parameter ?? {}) as { Type?: unknown; Value?: unknown; Name?: unknown };
  const type = typeof parameter.Type === 'string' ? parameter.Type : 'String';
  // A SecureString's value (ciphertext without decryption) is of no use and not kept.
  const value = type === 'SecureString' ? '' : typeof parameter.Value === 'string' ? parameter.Value : '';
  return { source: 'ssm', name, type, value };
}

async function readStack(api: LookupApi, stack: string, signal: AbortSignal): Promise<Answer> {
  const output = await api.send('DescribeStacks', { StackName: stack }, signal);
  const stacks = Array.isArray(output.Stacks) ? (output.Stacks as { StackStatus?: unknown; Outputs?: unknown }[]) : [];
  const found = stacks[0];
  if (!found) throw Object.assign(new Error(`Stack with id ${stack} does not exist (DescribeStacks returned no stack)`), { name: 'ValidationError' });
  const outputs = new Map<string, string>();
  for (const item of Array.isArray(found.Outputs) ? (found.Outputs as { OutputKey?: unknown; OutputValue?: unknown }[]) : []) {
    if (typeof item.OutputKey === 'string' && typeof item.OutputValue === 'string') outputs.set(item.OutputKey, item.OutputValue);
  }
  return { source: 'cloudformation', stack, status: typeof found.StackStatus === 'string' ? found.StackStatus : 'UNKNOWN', outputs };
}

/**
 * The value a lookup inserts. A StringList's items are its comma-separated
 * parts (Parameter Store keeps the text as written: `a,b,c`), trimmed so
 * `a, b` gives ids without spaces.
 */
function valueOf(lookup: LookupRef, answer: Answer): LookupValue {
  if (answer.source === 'cloudformation') {
    return { kind: 'text', text: answer.outputs.get((lookup as Extract<LookupRef, { source: 'cfn' }>).output) as string };
  }
  if (answer.type === 'StringList') {
    return { kind: 'list', text: answer.value, items: answer.value.split(',').map((item) => item.trim()) };
  }
  return { kind: 'text', text: answer.value };
}
