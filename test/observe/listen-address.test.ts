import { describe, expect, it } from 'vitest';
import { parseListenAddress } from '../../src/observe/listen-address.js';

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:9400', { host: '127.0.0.1', port: 9400 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['localhost:65535', { host: 'localhost', port: 65535 }],
    ['[::1]:9400', { host: '::1', port: 9400 }],
    [' 127.0.0.1:80 ', { host: '127.0.0.1', port: 80 }],
  ])('parses %j', (value, expected) => {
    expect(parseListenAddress(value)).toEqual(expected);
  });

  it.each(['9400', ':9400', '127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', '127.0.0.1:port', '::1:9400', 'a b:1', ''])(
    'rejects %j with OBSERVE_BAD_LISTEN_ADDRESS naming the flag and value',
    (value) => {
      expect(() => parseListenAddress(value)).toThrow(expect.objectContaining({ code: 'OBSERVE_BAD_LISTEN_ADDRESS' }));
      expect(() => parseListenAddress(value)).toThrow(`--listen: expected host:port such as 127.0.0.1:9400, got ${JSON.stringify(value)}`);
    },
  );
});
