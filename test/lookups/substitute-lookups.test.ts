/**
 * The pure substitution of resolved lookups (src/lookups/substitute-lookups.ts):
 * tables for every placement (whole string, inside a string, several in one
 * string, StringList in an array item, in a field, beside text), the
 * contract errors, and properties: no lookups gives an equal object, values
 * equal to their own text give an equal object, the input is never changed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GitopsError } from '../../src/errors/index.js';
import type { LookupRef, LookupUse } from '../../src/manifests/types.js';
import { substituteLookups, type LookupValue } from '../../src/lookups/substitute-lookups.js';

const ssm = (parameter: string): LookupRef => ({ source: 'ssm', parameter, text: `\${ssm:${parameter}}` });
const cfn = (stack: string, output: string): LookupRef => ({ source: 'cfn', stack, output, text: `\${cfn:${stack}.${output}}` });
const use = (pointer: string, lookup: LookupRef, offset = 0): LookupUse => ({ pointer, lookup, offset });

const VALUES: Readonly<Record<string, LookupValue>> = {
  '${ssm:/net/private-subnets}': { kind: 'list', items: ['subnet-a', 'subnet-b', 'subnet-c'], text: 'subnet-a,subnet-b,subnet-c' },
  '${ssm:/net/sg}': { kind: 'text', text: 'sg-123' },
  '${ssm:/app/level}': { kind: 'text', text: 'warn' },
  '${cfn:net.TargetGroupArn}': { kind: 'text', text: 'arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/abc' },
  '${cfn:net.Vpc}': { kind: 'text', text: 'vpc-9' },
  // A value that looks like a lookup: inserted as text, never resolved again.
  '${ssm:/tricky}': { kind: 'text', text: '${ssm:/net/sg}' },
};
const valueOf = (lookup: LookupRef): LookupValue => {
  const value = VALUES[lookup.text];
  if (!value) throw new Error(`no value for ${lookup.text}`);
  return value;
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('substituteLookups', () => {
  it.each<[string, unknown, LookupUse[], unknown]>([
    ['a whole string', { spec: { a: '${ssm:/net/sg}' } }, [use('/spec/a', ssm('/net/sg'))], { spec: { a: 'sg-123' } }],
    ['inside text', { spec: { a: 'level=${ssm:/app/level};' } }, [use('/spec/a', ssm('/app/level'), 6)], { spec: { a: 'level=warn;' } }],
    ['twice in one string', { a: '${ssm:/app/level}-${ssm:/app/level}' }, [use('/a', ssm('/app/level')), use('/a', ssm('/app/level'), 18)], { a: 'warn-warn' }],
    ['two lookups in one string', { a: '${cfn:net.Vpc}/${ssm:/net/sg}' }, [use('/a', cfn('net', 'Vpc')), use('/a', ssm('/net/sg'), 15)], { a: 'vpc-9/sg-123' }],
    ['two lookups in one string, listed last first', { a: '${cfn:net.Vpc}/${ssm:/net/sg}' }, [use('/a', ssm('/net/sg'), 15), use('/a', cfn('net', 'Vpc'))], { a: 'vpc-9/sg-123' }],
    // An escaped `$${ssm:/app/level}` renders to the lookup's text; only the use's offset is replaced.
    ['the same text beside the lookup is left alone', { a: '${ssm:/app/level} ${ssm:/app/level}' }, [use('/a', ssm('/app/level'), 18)], { a: '${ssm:/app/level} warn' }],
    ['a lookup beside the same text after it', { a: '${ssm:/app/level} ${ssm:/app/level}' }, [use('/a', ssm('/app/level'))], { a: 'warn ${ssm:/app/level}' }],
    ['a value longer than its lookup before another', { a: '${ssm:/net/sg}${cfn:net.TargetGroupArn}.' }, [use('/a', ssm('/net/sg')), use('/a', cfn('net', 'TargetGroupArn'), 14)],
      { a: 'sg-123arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/abc.' }],
    ['a StringList that is the whole item but beside nothing else expands; one after other text does not',
      { s: ['${ssm:/net/private-subnets}', 'x${ssm:/net/private-subnets}'] }, [use('/s/0', ssm('/net/private-subnets')), use('/s/1', ssm('/net/private-subnets'), 1)],
      { s: ['subnet-a', 'subnet-b', 'subnet-c', 'xsubnet-a,subnet-b,subnet-c'] }],
    ['a StringList that is a whole array item becomes that many items',
      { spec: { subnets: ['${ssm:/net/private-subnets}'] } }, [use('/spec/subnets/0', ssm('/net/private-subnets'))],
      { spec: { subnets: ['subnet-a', 'subnet-b', 'subnet-c'] } }],
    ['a StringList among other items keeps their order',
      { s: ['subnet-x', '${ssm:/net/private-subnets}', 'subnet-y'] }, [use('/s/1', ssm('/net/private-subnets'))],
      { s: ['subnet-x', 'subnet-a', 'subnet-b', 'subnet-c', 'subnet-y'] }],
    ['two StringLists in one array (indices are the rendered manifest\'s)',
      { s: ['${ssm:/net/private-subnets}', '${ssm:/net/sg}', '${ssm:/net/private-subnets}'] },
      [use('/s/0', ssm('/net/private-subnets')), use('/s/1', ssm('/net/sg')), use('/s/2', ssm('/net/private-subnets'))],
      { s: ['subnet-a', 'subnet-b', 'subnet-c', 'sg-123', 'subnet-a', 'subnet-b', 'subnet-c'] }],
    ['a StringList in a field inserts its comma-separated text',
      { env: { value: '${ssm:/net/private-subnets}' } }, [use('/env/value', ssm('/net/private-subnets'))],
      { env: { value: 'subnet-a,subnet-b,subnet-c' } }],
    ['a StringList beside text in an array item inserts its text',
      { args: ['--subnets=${ssm:/net/private-subnets}'] }, [use('/args/0', ssm('/net/private-subnets'), '--subnets='.length)],
      { args: ['--subnets=subnet-a,subnet-b,subnet-c'] }],
    ['a StringList in a nested array of objects',
      { c: [{ name: 'app', environment: [{ name: 'S', value: 'x' }] }], n: { subnets: ['${ssm:/net/private-subnets}'] } },
      [use('/n/subnets/0', ssm('/net/private-subnets'))],
      { c: [{ name: 'app', environment: [{ name: 'S', value: 'x' }] }], n: { subnets: ['subnet-a', 'subnet-b', 'subnet-c'] } }],
    ['a value that looks like a lookup is not resolved again', { a: '${ssm:/tricky}' }, [use('/a', ssm('/tricky'))], { a: '${ssm:/net/sg}' }],
    ['other ${...} text is left alone', { a: '${HOME}/${ssm:/net/sg}' }, [use('/a', ssm('/net/sg'), 8)], { a: '${HOME}/sg-123' }],
    ['a key with / and ~ (escaped in the pointer)', { tags: { 'a/b~c': '${ssm:/net/sg}' } }, [use('/tags/a~1b~0c', ssm('/net/sg'))], { tags: { 'a/b~c': 'sg-123' } }],
  ])('%s', (_what, manifest, lookups, expected) => {
    const input = deepFreeze(structuredClone(manifest));
    expect(substituteLookups(input, lookups, valueOf)).toEqual(expected);
    expect(input).toEqual(manifest);
  });

  it('shares what it does not change and copies the path to what it does', () => {
    const manifest = deepFreeze({ spec: { a: '${ssm:/net/sg}', b: { untouched: [1, 2] } }, metadata: { name: 'web' } });
    const out = substituteLookups(manifest, [use('/spec/a', ssm('/net/sg'))], valueOf);
    expect(out).not.toBe(manifest);
    expect(out.spec).not.toBe(manifest.spec);
    expect(out.metadata).toBe(manifest.metadata);
    expect(out.spec.b).toBe(manifest.spec.b);
  });

  it('asks for each value once per string, however often it occurs', () => {
    const asked: string[] = [];
    substituteLookups({ a: '${ssm:/app/level}${ssm:/app/level}' }, [use('/a', ssm('/app/level')), use('/a', ssm('/app/level'), 17)], (lookup) => {
      asked.push(lookup.text);
      return valueOf(lookup);
    });
    expect(asked).toEqual(['${ssm:/app/level}']);
  });

  it('lets a refusal from valueOf through', () => {
    const refused = new GitopsError('CONTROLLER_LOOKUP_FAILED', 'refused');
    expect(() => substituteLookups({ a: '${ssm:/x}' }, [use('/a', ssm('/x'))], () => {
      throw refused;
    })).toThrow(refused);
  });

  it.each<[string, unknown, LookupUse[], string]>([
    ['a missing field', { spec: {} }, [use('/spec/a', ssm('/net/sg'))], 'lookup ${ssm:/net/sg} at /spec/a (offset 0): the manifest has no field "a" there'],
    ['an index past the end', { s: [] }, [use('/s/0', ssm('/net/sg'))], 'lookup ${ssm:/net/sg} at /s/0 (offset 0): the manifest\'s array has no item "0"'],
    ['a non-index in an array', { s: ['x'] }, [use('/s/-', ssm('/net/sg'))], 'lookup ${ssm:/net/sg} at /s/- (offset 0): the manifest\'s array has no item "-"'],
    ['a number where the string should be', { a: 3 }, [use('/a', ssm('/net/sg'))], 'lookup ${ssm:/net/sg} at /a (offset 0): the manifest holds number there, not a string'],
    ['a string without the lookup', { a: 'plain' }, [use('/a', ssm('/net/sg'))], 'lookup ${ssm:/net/sg} at /a (offset 0): the string there holds "plain" at that offset, not the lookup'],
    ['the lookup elsewhere than its offset', { a: 'x ${ssm:/net/sg}' }, [use('/a', ssm('/net/sg'), 1)], 'lookup ${ssm:/net/sg} at /a (offset 1): the string there holds " ${ssm:/net/sg" at that offset, not the lookup'],
    ['an offset past the end', { a: '${ssm:/net/sg}' }, [use('/a', ssm('/net/sg'), 20)], 'lookup ${ssm:/net/sg} at /a (offset 20): the string there holds "" at that offset, not the lookup'],
    ['a negative offset', { a: '${ssm:/net/sg}' }, [use('/a', ssm('/net/sg'), -1)], 'lookup ${ssm:/net/sg} at /a (offset -1): the offset is not an index into the string'],
    ['a fractional offset', { a: '${ssm:/net/sg}' }, [use('/a', ssm('/net/sg'), 0.5)], 'lookup ${ssm:/net/sg} at /a (offset 0.5): the offset is not an index into the string'],
    ['two uses of one occurrence', { a: '${ssm:/net/sg}' }, [use('/a', ssm('/net/sg')), use('/a', ssm('/net/sg'))], 'lookup ${ssm:/net/sg} at /a (offset 0): it overlaps another lookup of the same string'],
    ['a path through a string', { a: 'x' }, [use('/a/b', ssm('/net/sg'))], 'lookup ${ssm:/net/sg} at /a/b (offset 0): the manifest holds string on the way, not an object or array'],
    ['a pointer without a leading slash', { a: 'x' }, [use('a', ssm('/net/sg'))], 'lookup ${ssm:/net/sg} at a (offset 0): the pointer does not start with "/"'],
  ])('names the pointer and offset when the render contract is broken: %s', (_what, manifest, lookups, message) => {
    let caught: unknown;
    try {
      substituteLookups(manifest, lookups, valueOf);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GitopsError);
    expect((caught as GitopsError).code).toBe('CONTROLLER_LOOKUP_FAILED');
    expect((caught as GitopsError).message).toBe(message);
  });

  // JSON values whose strings never contain `${` (so they hold no lookup of their own).
  const plainJson = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.string().filter((s) => !s.includes('${')), fc.integer(), fc.boolean(), fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tie('value'), { maxKeys: 4 })),
  })).value;

  it('returns an equal object when the manifest has no lookups', () => {
    fc.assert(fc.property(plainJson, (manifest) => {
      const frozen = deepFreeze(structuredClone(manifest));
      expect(substituteLookups(frozen, [], valueOf)).toEqual(manifest);
    }));
  });

  /** Every string leaf's pointer (RFC 6901 escaped). */
  function stringPointers(value: unknown, pointer = ''): string[] {
    if (typeof value === 'string') return [pointer];
    if (Array.isArray(value)) return value.flatMap((item, i) => stringPointers(item, `${pointer}/${i}`));
    if (value !== null && typeof value === 'object') {
      return Object.entries(value).flatMap(([k, v]) => stringPointers(v, `${pointer}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`));
    }
    return [];
  }

  function setAt(root: unknown, pointer: string, text: string): unknown {
    const parts = pointer.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = parts.pop() as string;
    let node = root as Record<string, unknown>;
    for (const part of parts) node = node[part] as Record<string, unknown>;
    node[last] = text;
    return root;
  }

  it('replaces exactly the strings the lookups name, and leaves the input as it was', () => {
    fc.assert(fc.property(plainJson.filter((v) => stringPointers(v).length > 0 && stringPointers(v).every((p) => p !== '')), fc.nat(), (json, seed) => {
      const pointers = stringPointers(json);
      const chosen = pointers.filter((_, i) => (seed >> (i % 30)) & 1 || i === seed % pointers.length);
      const manifest = structuredClone(json);
      const expected = structuredClone(json);
      const lookups = chosen.map((pointer, i) => {
        const lookup = ssm(`/p${i}`);
        setAt(manifest, pointer, `pre-${lookup.text}-post`);
        setAt(expected, pointer, `pre-value of /p${i}-post`);
        return use(pointer, lookup, 'pre-'.length);
      });
      const frozen = deepFreeze(structuredClone(manifest));
      const out = substituteLookups(frozen, lookups, (lookup) => ({ kind: 'text', text: `value of ${(lookup as { parameter: string }).parameter}` }));
      expect(out).toEqual(expected);
      expect(frozen).toEqual(manifest);
    }));
  });
});
