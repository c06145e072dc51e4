import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeSegment, joinPointer, parsePointer } from '../../src/manifests/json-pointer.js';
import { canonicalJson, contentHash } from '../../src/manifests/canonical-json.js';

describe('JSON pointers', () => {
  it.each([
    ['', []],
    ['/desiredCount', ['desiredCount']],
    ['/tags/a~1b', ['tags', 'a/b']],
    ['/x/~0y', ['x', '~y']],
    ['/containerDefinitions/0/image', ['containerDefinitions', '0', 'image']],
    ['/', ['']],
    ['desiredCount', undefined],
    ['/bad~2escape', undefined],
    ['/trailing~', undefined],
  ] as const)('%j parses to %j', (pointer, segments) => {
    expect(parsePointer(pointer)).toEqual(segments);
  });

  it('escape and parse are inverses for any segments', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }), (segments) => {
        expect(parsePointer(joinPointer('', ...segments))).toEqual(segments);
        for (const s of segments) expect(escapeSegment(s).includes('/')).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('canonical JSON and content hashes', () => {
  it('ignore key order at every level, but not list order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
  });

  it('give equal hashes for the same value built in any key order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(contentHash(reversed)).toBe(contentHash(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });
});
