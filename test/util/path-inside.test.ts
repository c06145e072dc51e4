import { describe, expect, it } from 'vitest';
import { isInside } from '../../src/util/path-inside.js';

describe('isInside', () => {
  it.each([
    ['/repo', '/repo', true],
    ['/repo', '/repo/services/web.yaml', true],
    ['/repo', '/repo/..config', true],
    ['/repo', '/repo/a/../b', true],
    ['/repo', '/', false],
    ['/repo', '/repo-other/web.yaml', false],
    ['/repo', '/elsewhere', false],
    ['/repo/services', '/repo', false],
  ])('%s contains %s: %s', (root, candidate, inside) => {
    expect(isInside(root, candidate)).toBe(inside);
  });
});
