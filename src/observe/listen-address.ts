/**
 * Parses the `--listen host:port` value of the metrics/status server. Kept
 * apart from the server so the CLI can validate the flag before starting
 * anything. IPv6 hosts are written in brackets ([::1]:9400).
 */
import { isIP } from 'node:net';
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

/**
 * True when `host` only accepts connections from this machine: the IPv4
 * loopback block 127.0.0.0/8 (also IPv4-mapped), ::1, or the name localhost.
 * Everything else (0.0.0.0, ::, a LAN or VPC address, another name) can be
 * reached from other hosts.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost' || name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  const ipv4 = name.startsWith('::ffff:') ? name.slice('::ffff:'.length) : name;
  return isIP(ipv4) === 4 && ipv4.split('.')[0] === '127';
}
