/**
 * A Prometheus counter whose value is a count the owner already keeps and
 * that only grows, read at scrape time: the owner's hot path makes no metric
 * call (the web UI's stream, the HA lease manager).
 */
import { Counter, type Registry } from 'prom-client';

export function cumulativeCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let reported = 0;
  new Counter({
    name, help, registers: [registry],
    collect() {
      const now = read();
      if (now > reported) this.inc(now - reported);
      reported = now;
    },
  });
}
