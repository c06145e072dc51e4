/**
 * Resource keys (src/keys/resource-key.ts): the queue form of each kind, with
 * and without an account, what parseKey refuses (with KeyFormatError naming
 * the text), and properties: parseKey inverts formatKey on every valid key,
 * and on any string parseKey either refuses or returns the one key that
 * formats back to exactly that string.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KeyFormatError, capacityProviderIdentity, capacityProviderKey, clusterIdentity, clusterIdentityOf, clusterKey, formatKey,
  identityOf, isServiceIdentity, parseKey, serviceIdentity, serviceKey, servicePruneKey, withKind, type ClusterScopedKey, type ResourceKey,
} from '../../src/keys/index.js';

describe('formatKey / parseKey', () => {
  const cases: ReadonlyArray<{ readonly key: ResourceKey; readonly text: string; readonly identity: string }> = [
    { key: serviceKey('eu-west-1', 'demo', 'web'), text: 'eu-west-1/demo/web', identity: 'eu-west-1/demo/web' },
    { key: serviceKey('eu-west-1', 'demo', 'web', '123456789012'), text: '123456789012@eu-west-1/demo/web', identity: '123456789012@eu-west-1/demo/web' },
    { key: clusterKey('eu-west-1', 'demo'), text: 'cluster:eu-west-1/demo', identity: 'eu-west-1/demo' },
    { key: clusterKey('eu-west-1', 'demo', '123456789012'), text: 'cluster:123456789012@eu-west-1/demo', identity: '123456789012@eu-west-1/demo' },
    { key: servicePruneKey('eu-west-1', 'demo', 'web'), text: 'prune:eu-west-1/demo/web', identity: 'eu-west-1/demo/web' },
    { key: servicePruneKey('eu-west-1', 'demo', 'web', '123456789012'), text: 'prune:123456789012@eu-west-1/demo/web', identity: '123456789012@eu-west-1/demo/web' },
    // A capacity provider's queue key is its identity (status and manifests carry the prefix too).
    { key: capacityProviderKey('eu-west-1', 'ec2-spot'), text: 'capacity-provider:eu-west-1/ec2-spot', identity: 'capacity-provider:eu-west-1/ec2-spot' },
    { key: capacityProviderKey('eu-west-1', 'ec2-spot', '123456789012'), text: 'capacity-provider:123456789012@eu-west-1/ec2-spot', identity: 'capacity-provider:123456789012@eu-west-1/ec2-spot' },
    // Names that spell a prefix or a kind are only names.
    { key: serviceKey('cluster', 'prune', 'Service'), text: 'cluster/prune/Service', identity: 'cluster/prune/Service' },
    { key: capacityProviderKey('cluster', 'capacity-provider'), text: 'capacity-provider:cluster/capacity-provider', identity: 'capacity-provider:cluster/capacity-provider' },
  ];

  it.each(cases)('$text', ({ key, text, identity }) => {
    expect(formatKey(key)).toBe(text);
    expect(parseKey(text)).toStrictEqual(key);
    expect(identityOf(key)).toBe(identity);
    expect(isServiceIdentity(text)).toBe(key.kind === 'Service');
  });

  it('the factories leave account out rather than undefined (keys compare with toStrictEqual)', () => {
    expect(Object.keys(serviceKey('r', 'c', 'n'))).toEqual(['kind', 'region', 'cluster', 'name']);
    expect(Object.keys(parseKey('cluster:r/c'))).toEqual(['kind', 'region', 'cluster']);
  });

  it('identity helpers agree with identityOf', () => {
    expect(serviceIdentity('eu-west-1', 'demo', 'web', '1')).toBe(identityOf(serviceKey('eu-west-1', 'demo', 'web', '1')));
    expect(clusterIdentity('eu-west-1', 'demo')).toBe('eu-west-1/demo');
    expect(clusterIdentityOf(serviceKey('eu-west-1', 'demo', 'web', '1'))).toBe('1@eu-west-1/demo');
    expect(withKind(serviceKey('eu-west-1', 'demo', 'web'), 'ServicePrune')).toStrictEqual(servicePruneKey('eu-west-1', 'demo', 'web'));
    expect(withKind(servicePruneKey('eu-west-1', 'demo', 'web', '1'), 'Service')).toStrictEqual(serviceKey('eu-west-1', 'demo', 'web', '1'));
    expect(capacityProviderIdentity('eu-west-1', 'ec2', '1')).toBe(identityOf(capacityProviderKey('eu-west-1', 'ec2', '1')));
    expect(capacityProviderIdentity('eu-west-1', 'ec2')).toBe(formatKey(capacityProviderKey('eu-west-1', 'ec2')));
    expect(Object.keys(parseKey('capacity-provider:r/n'))).toEqual(['kind', 'region', 'name']);
  });

  it('capacityProviderIdentity refuses the parts formatKey refuses', () => {
    expect(() => capacityProviderIdentity('eu-west-1', 'a/b')).toThrow(/\(name "a\/b" must be non-empty/);
    expect(() => capacityProviderIdentity('', 'ec2')).toThrow(/\(region "" must be non-empty/);
    expect(() => capacityProviderIdentity('eu-west-1', 'ec2', '')).toThrow(/\(account "" must be non-empty/);
  });

  const refused: ReadonlyArray<readonly [string, string]> = [
    ['', 'empty'],
    ['eu-west-1', 'one segment'],
    ['eu-west-1/demo', 'a service key without a name'],
    ['eu-west-1/demo/web/extra', 'four segments'],
    ['eu-west-1//web', 'an empty cluster'],
    ['/demo/web', 'an empty region'],
    ['eu-west-1/demo/', 'an empty name'],
    ['cluster:', 'a bare cluster prefix'],
    ['cluster:eu-west-1', 'a cluster key with one segment'],
    ['cluster:eu-west-1/demo/web', 'a cluster key with a name'],
    ['prune:eu-west-1/demo', 'a prune key without a name'],
    ['prune:eu-west-1/demo/web/x', 'a prune key with four segments'],
    ['@eu-west-1/demo/web', 'an empty account'],
    ['a@b@eu-west-1/demo/web', "'@' twice"],
    ['a:b@eu-west-1/demo/web', "':' in the account"],
    ['eu-west-1/demo@x/web', "'@' inside the scope"],
    ['eu-west-1/de:mo/web', "':' inside a name"],
    ['other:eu-west-1/demo/web', 'an unknown prefix'],
    ['CLUSTER:eu-west-1/demo', 'a prefix in the wrong case'],
    ['prune:cluster:eu-west-1/demo/web', 'two prefixes'],
    ['capacity-provider:', 'a bare capacity provider prefix'],
    ['capacity-provider:eu-west-1', 'a capacity provider key with one segment'],
    ['capacity-provider:eu-west-1/demo/ec2', 'a capacity provider key with a cluster'],
    ['capacity-provider:eu-west-1/', 'a capacity provider key with an empty name'],
    ['capacity-provider:@eu-west-1/ec2', 'a capacity provider key with an empty account'],
    ['capacity-provider:cluster:eu-west-1/ec2', 'a capacity provider key with two prefixes'],
    ['Capacity-Provider:eu-west-1/ec2', 'a capacity provider prefix in the wrong case'],
  ];

  it.each(refused)('refuses %j (%s) with a KeyFormatError naming it', (text) => {
    let error: unknown;
    try {
      parseKey(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KeyFormatError);
    expect((error as KeyFormatError).key).toBe(text);
    expect((error as KeyFormatError).message).toContain(JSON.stringify(text));
    expect(isServiceIdentity(text)).toBe(false);
  });

  const badParts: ReadonlyArray<readonly [string, ClusterScopedKey, string]> = [
    ['an empty region', serviceKey('', 'demo', 'web'), 'region'],
    ['an empty cluster', clusterKey('eu-west-1', ''), 'cluster'],
    ['an empty name', servicePruneKey('eu-west-1', 'demo', ''), 'name'],
    ["'/' in a name", serviceKey('eu-west-1', 'demo', 'a/b'), 'name'],
    ["'@' in a cluster", clusterKey('eu-west-1', 'de@mo'), 'cluster'],
    ["':' in a region", serviceKey('eu:west', 'demo', 'web'), 'region'],
    ['an empty account', serviceKey('eu-west-1', 'demo', 'web', ''), 'account'],
    ["'/' in an account", clusterKey('eu-west-1', 'demo', '1/2'), 'account'],
  ];

  it.each(badParts)('formatKey refuses %s, saying which part', (_what, key, part) => {
    expect(() => formatKey(key)).toThrow(KeyFormatError);
    expect(() => formatKey(key)).toThrow(new RegExp(`\\(${part} ".*" must be non-empty`));
    // The error names the whole key it refuses, not just the part.
    let refused: unknown;
    try {
      formatKey(key);
    } catch (err) {
      refused = err;
    }
    expect((refused as KeyFormatError).key).toContain(`${key.region}/${key.cluster}`);
  });
});

describe('properties', () => {
  /** Any non-empty string without a separator, including unicode and spaces. */
  const part = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((s) => !/[/@:]/.test(s));
  const account = fc.option(part, { nil: undefined });
  const validKey: fc.Arbitrary<ResourceKey> = fc.oneof(
    fc.tuple(part, part, part, account).map(([r, c, n, a]) => serviceKey(r, c, n, a)),
    fc.tuple(part, part, account).map(([r, c, a]) => clusterKey(r, c, a)),
    fc.tuple(part, part, part, account).map(([r, c, n, a]) => servicePruneKey(r, c, n, a)),
    fc.tuple(part, part, account).map(([r, n, a]) => capacityProviderKey(r, n, a)),
  );

  it('parseKey(formatKey(k)) deep-equals k for every valid key', () => {
    fc.assert(fc.property(validKey, (k) => {
      expect(parseKey(formatKey(k))).toStrictEqual(k);
    }), { numRuns: 500 });
  });

  it('distinct keys format to distinct strings', () => {
    fc.assert(fc.property(validKey, validKey, (a, b) => {
      fc.pre(JSON.stringify(a) !== JSON.stringify(b));
      expect(formatKey(a)).not.toBe(formatKey(b));
    }), { numRuns: 500 });
  });

  it('on any string parseKey refuses with KeyFormatError or returns the key that formats back to exactly it', () => {
    const fragment = fc.constantFrom('a', 'b', '/', '@', ':', 'cluster:', 'prune:', 'capacity-provider:', '');
    const text = fc.array(fragment, { maxLength: 10 }).map((xs) => xs.join(''));
    fc.assert(fc.property(fc.oneof(text, validKey.map(formatKey)), (s) => {
      let parsed: ResourceKey | undefined;
      try {
        parsed = parseKey(s);
      } catch (err) {
        expect(err).toBeInstanceOf(KeyFormatError);
        return;
      }
      expect(formatKey(parsed)).toBe(s);
    }), { numRuns: 1000 });
  });
});
