/**
 * Which Node the project runs on, read from the files that decide it:
 * .ci/run pins the Node that CI installs (NODE_VERSION=x.y.z), the Dockerfile
 * names the image's Node major, package.json's engines admits what the code
 * supports. Under CI=true the suite must be running on the pinned major, so a
 * CI run that fell back to the machine's Node fails here instead of passing on
 * the wrong version.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile.js';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

type Version = [number, number, number];
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const parse = (text: string): Version => {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!m) throw new Error(`not a version: ${text}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
};

/**
 * Whether `version` satisfies an engines range, for the range forms npm
 * packages use (`>=X.Y.Z`, `^X`, `X || >=Y`, `X.x`, `*`); any other form
 * throws, so an unread range fails the test instead of passing it.
 */
function admits(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) => {
    const comparators = alternative.trim().replace(/([<>]=?|\^|~|=)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return comparators.every((comparator) => {
      if (comparator === '*' || comparator === 'x') return true;
      const m = /^(>=|>|<=|<|\^|~|=)?v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(comparator);
      if (!m) throw new Error(`unsupported engines range: ${range}`);
      const [, op = '', major, minor, patch] = m;
      const num = (part: string | undefined) => (part === undefined || part === 'x' || part === '*' ? undefined : Number(part));
      const low: Version = [Number(major), num(minor) ?? 0, num(patch) ?? 0];
      const c = compare(v, low);
      const partial = num(minor) === undefined ? 0 : num(patch) === undefined ? 1 : 2;
      const nextMajor: Version = [low[0] + 1, 0, 0];
      const nextMinor: Version = [low[0], low[1] + 1, 0];
      switch (op) {
        case '>=': return c >= 0;
        case '<': return c < 0;
        case '^':
          if (low[0] === 0) throw new Error(`unsupported engines range: ${range}`);
          return c >= 0 && compare(v, nextMajor) < 0;
        case '~': return c >= 0 && compare(v, partial === 0 ? nextMajor : nextMinor) < 0;
        case '':
        case '=':
          return partial === 0 ? v[0] === low[0] : partial === 1 ? v[0] === low[0] && v[1] === low[1] : c === 0;
        default: throw new Error(`unsupported engines range: ${range}`);
      }
    });
  });
}

const pinned = /^NODE_VERSION=(\d+\.\d+\.\d+)$/m.exec(read('.ci/run'))?.[1];
const pinnedMajor = Number(pinned?.split('.')[0]);
const dockerMajors = parseDockerfile(read('Dockerfile')).map((stage) => Number(/^node:(\d+)[-.]/.exec(stage.from)?.[1]));
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }> };

describe('the Node version', () => {
  it('is pinned exactly in .ci/run, at the Dockerfile\'s Node major', () => {
    expect(pinned, '.ci/run has no NODE_VERSION=x.y.z line').toBeDefined();
    expect(dockerMajors.length).toBeGreaterThanOrEqual(2);
    for (const major of dockerMajors) expect(pinnedMajor, `.ci/run pins Node ${pinned}, the Dockerfile uses node:${major}`).toBe(major);
  });

  it.runIf(process.env.CI === 'true')('under CI=true, the suite runs on the pinned major', () => {
    expect(Number(process.versions.node.split('.')[0]), `CI runs Node ${process.version} (${process.execPath}), .ci/run pins ${pinned}`).toBe(pinnedMajor);
  });

  it('is admitted by package.json engines: the running Node, the pinned one and the engines floor', () => {
    const floor = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(pkg.engines.node);
    expect(floor, `engines.node is not of the form >=X(.Y(.Z)): ${pkg.engines.node}`).not.toBeNull();
    expect(admits(process.versions.node, pkg.engines.node), `engines ${pkg.engines.node} rejects the running Node ${process.version}`).toBe(true);
    expect(admits(pinned ?? '0.0.0', pkg.engines.node), `engines ${pkg.engines.node} rejects the pinned Node ${pinned}`).toBe(true);
  });

  it('is no lower in engines than any production dependency in package-lock.json requires', () => {
    const floor = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(pkg.engines.node);
    const floorVersion = `${floor?.[1]}.${floor?.[2] ?? 0}.${floor?.[3] ?? 0}`;
    const checked: string[] = [];
    const rejecting: string[] = [];
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (key === '' || entry.dev) continue;
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!range) continue;
      checked.push(key);
      for (const version of [floorVersion, pinned ?? '0.0.0']) {
        if (!admits(version, range)) rejecting.push(`${key.replace(/^.*node_modules\//, '')} (engines ${range}) rejects Node ${version}`);
      }
    }
    expect(checked.length, 'no production dependency declares engines: the scan read nothing').toBeGreaterThan(10);
    expect(rejecting).toEqual([]);
  });

  it('reads engines ranges as npm does', () => {
    expect(admits('20.19.0', '>=20.19')).toBe(true);
    expect(admits('20.18.3', '>=20.19')).toBe(false);
    expect(admits('20.19.0', '>= 14.16.0')).toBe(true);
    expect(admits('20.19.0', '>=22.0.0')).toBe(false);
    expect(admits('20.19.0', '^16 || ^18 || >=20')).toBe(true);
    expect(admits('19.1.0', '^16 || ^18 || >=20')).toBe(false);
    expect(admits('22.23.5', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(admits('22.11.0', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(admits('20.19.0', '>= 10.x')).toBe(true);
    expect(admits('23.1.0', '20 || >=22')).toBe(true);
    expect(admits('21.0.0', '20 || >=22')).toBe(false);
    expect(admits('22.23.5', '*')).toBe(true);
    expect(() => admits('22.23.5', 'node-lts')).toThrow(/unsupported/);
  });
});
