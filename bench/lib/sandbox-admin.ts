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
  constructor(readonly endpoint: string, readonly accountId: string) {}

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
    return (await this.#request<{ counts: Record<string, number> }>('GET', `calls?accountId=${this.accountId}`)).counts;
  }

  async throttled(): Promise<Record<string, number>> {
    return (await this.#request<{ throttled: Record<string, number> }>('GET', `calls/throttled?accountId=${this.accountId}`)).throttled;
  }

  async callLog(filter: { operation?: string; since?: number } = {}): Promise<CallRecord[]> {
    const params = new URLSearchParams({ accountId: this.accountId });
    if (filter.operation) params.set('operation', filter.operation);
    if (filter.since !== undefined) params.set('since', String(filter.since));
    return (await this.#request<{ calls: CallRecord[] }>('GET', `calls/log?${params.toString()}`)).calls;
  }

  async resetCalls(): Promise<void> {
    await this.#request('DELETE', `calls?accountId=${this.accountId}`);
  }

  /** 'real', 'off' or a scale factor; every bucket starts full again. */
  async setThrottling(throttling: 'real' | 'off' | number): Promise<void> {
    await this.#request('POST', 'throttling', { throttling });
  }

  async advanceClock(ms: number): Promise<void> {
    await this.#request('POST', 'clock', { advanceMs: ms });
  }

  async seed(doc: unknown): Promise<void> {
    await this.#request('POST', 'seed', doc);
  }
}
