import { describe, expect, it } from 'vitest';
import { parseJsonObject } from '../../src/util/json-object.js';

describe('parseJsonObject', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['  {"error":{"code":"X"}}\n', { error: { code: 'X' } }],
    ['{}', {}],
    ['null', undefined],
    ['[1,2]', undefined],
    ['"text"', undefined],
    ['42', undefined],
    ['<html>bad gateway</html>', undefined],
    ['', undefined],
    ['{"a":', undefined],
  ])('%j → %j', (text, expected) => {
    expect(parseJsonObject(text)).toEqual(expected);
  });
});
