/**
 * A small client for the sandbox's admin API (/_sandbox/), the benchmarks'
 * source of truth for what the controller asked ECS: call counts, throttles,
 * the timestamped call log, throttling and the simulated clock.
 */
export interface CallRecord {
  readonly at: number;
  readonly accountId: string;
  readonly region: string;
  readonly operation: string;
  readonly target?: string;
  readonly outcome: 'ok' | 'throttled' | 'error';
}

export class SandboxAdminClient {
  /** Without `accountId`, the call counts, throttles and log are every account's (summed). */
  constructor(readonly endpoint: string, readonly accountId?: string) {}

  /** `?accountId=ID`, or nothing for every account. */
  get #accountQuery(): string {
    return this.accountId === undefined ? '' : `?accountId=${this.accountId}`;
  }

  async #request<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.endpoint}/_sandbox/${route}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox admin ${method} ${route}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async callCounts(): Promise<Record<string, number>> {
    return (await this.#request<{ counts: Record<string, number> }>('GET', `calls${this.#accountQuery}`)).counts;
  }

  async throttled(): Promise<Record<string, number>> {
    return (await this.#request<{ throttled: Record<string, number> }>('GET', `calls/throttled${this.#accountQuery}`)).throttled;
  }

  async callLog(filter: { operation?: string; since?: number } = {}): Promise<CallRecord[]> {
    const params = new URLSearchParams(this.accountId === undefined ? {} : { accountId: this.accountId });
    if (filter.operation) params.set('operation', filter.operation);
    if (filter.since !== undefined) params.set('since', String(filter.since));
    return (await this.#request<{ calls: CallRecord[] }>('GET', `calls/log?${params.toString()}`)).calls;
  }

  async resetCalls(): Promise<void> {
    await this.#request('DELETE', `calls${this.#accountQuery}`);
  }

  /** 'real', 'off' or a scale factor; every bucket starts full again. */
  async setThrottling(throttling: 'real' | 'off' | number): Promise<void> {
    await this.#request('POST', 'throttling', { throttling });
  }

  async advanceClock(ms: number): Promise<void> {
    await this.#request('POST', 'clock', { advanceMs: ms });
  }

  /** STS AssumeRole calls per role ARN since the sandbox started (refused ones included; not cleared by resetCalls). */
  async assumeRoleCalls(): Promise<Record<string, number>> {
    return (await this.#request<{ assumeRole: Record<string, number> }>('GET', 'sts/calls')).assumeRole;
  }

  async seed(doc: unknown): Promise<void> {
    await this.#request('POST', 'seed', doc);
  }
}
