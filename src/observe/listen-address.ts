/**
 * Parses the `--listen host:port` value of the metrics/status server. Kept
 * apart from the server so the CLI can validate the flag before starting
 * anything. IPv6 hosts are written in brackets ([::1]:9400).
 */
import { GitopsError } from '../errors/index.js';

export const DEFAULT_LISTEN = '127.0.0.1:9400';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function parseListenAddress(value: string, flag = '--listen'): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  const host = match ? (match[1] ?? match[2]) : undefined;
  if (!match || host === undefined || host.length === 0 || !Number.isInteger(port) || port > 65535) {
    throw new GitopsError(
      'OBSERVE_BAD_LISTEN_ADDRESS',
      `${flag}: expected host:port such as ${DEFAULT_LISTEN}, got ${JSON.stringify(value)}`,
      { flag, value },
    );
  }
  return { host, port };
}
