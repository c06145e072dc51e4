/**
 * Hostile input: mutations of the example manifests (truncated, bit-flipped,
 * random unicode spliced in, huge values, deep nesting, alias bombs, many
 * documents) and fast-check generated text go through validateDocuments.
 * It never throws, every failure is a coded problem on the right file, the
 * loader's own limits (file size, depth, alias count, documents) are what
 * stop the pathological cases, and heap growth stays bounded. Per-file times
 * are measured and reported (RELIABILITY_REPORT_DIR); the only bound on them
 * is a generous hang guard (PER_FILE_HANG_GUARD_MS).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MANIFEST_LIMITS, validateDocuments } from '../../src/manifests/index.js';
import { MANIFEST_ERROR_CODES } from '../../src/errors/manifest-codes.js';
import { seededRandom } from '../support/fault-proxy.js';
import { ROOT } from './controller-process.js';
import { reportFigures } from './world.js';

function exampleFiles(): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) out.push({ path: path.relative(path.join(ROOT, 'manifests'), full), text: readFileSync(full, 'utf8') });
    }
  };
  walk(path.join(ROOT, 'manifests'));
  return out;
}

const KNOWN_CODES = new Set(Object.keys(MANIFEST_ERROR_CODES));
const timings: number[] = [];
/**
 * A hang guard, not a timing threshold: validation of one file takes
 * milliseconds (measured on a loaded 2-vCPU machine: p50 1 ms, p99 22 ms,
 * max 0.5 s for the largest input), so only a pathological case (catastrophic regex backtracking, an unbounded
 * alias expansion) comes near it. validateDocuments is synchronous, so
 * vitest's test timeout cannot interrupt it: this bound is what turns such
 * a case into a failure that names the file, instead of a suite that crawls.
 */
const PER_FILE_HANG_GUARD_MS = 5000;

/** Validates one file; checks the result is well-formed. Never lets an exception through silently. */
function check(name: string, content: string | Uint8Array): ReturnType<typeof validateDocuments> {
  const started = performance.now();
  const snapshot = validateDocuments([{ path: name, content }], { defaultRegion: 'eu-west-1' });
  const elapsed = performance.now() - started;
  timings.push(elapsed);
  expect(elapsed, `validating ${name} took ${Math.round(elapsed)} ms: hang guard`).toBeLessThan(PER_FILE_HANG_GUARD_MS);
  for (const p of snapshot.problems) {
    expect(KNOWN_CODES.has(p.code), `${p.code} is declared`).toBe(true);
    expect(p.file).toBe(name);
    expect(typeof p.message).toBe('string');
  }
  return snapshot;
}

const codesOf = (snapshot: ReturnType<typeof validateDocuments>) => snapshot.problems.map((p) => p.code);

describe('hostile manifests never crash, hang or blow up validation', () => {
  const examples = exampleFiles();

  it('has example files to mutate', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
    // Alone, a file that lists environments names environments declared in other files: those count as known.
    const standalone = examples.filter((e) => !/^\s+environments:/m.test(e.text) && !/^kind: Environment/m.test(e.text));
    expect(standalone.length).toBeGreaterThanOrEqual(2);
    for (const e of standalone) expect(check(e.path, e.text).problems).toEqual([]);
    const together = validateDocuments(examples.map((e) => ({ path: e.path, content: e.text })), { defaultRegion: 'eu-west-1' });
    expect(together.problems).toEqual([]);
  });

  it('seeded mutations of every example: truncation, bit flips, unicode splices, line shuffles', () => {
    const random = seededRandom(4242);
    const pickInt = (n: number) => Math.floor(random() * n);
    const unicode = ['\u0000', '\uFEFF', '\u202E', '\uD800', '😀', 'ﬀ', '\t', '\r', '&a', '*a', '!!binary', '{', '[', ': ', '- ', '"', '\'', '|', '>', '%YAML 1.1\n', '---\n', '...\n'];
    let tried = 0;
    const start = heapUsed();
    for (const example of examples) {
      const bytes = Buffer.from(example.text, 'utf8');
      for (let i = 0; i < 150; i++) {
        const kind = i % 4;
        let content: string | Uint8Array;
        if (kind === 0) content = bytes.subarray(0, pickInt(bytes.length));
        else if (kind === 1) {
          const copy = Buffer.from(bytes);
          for (let f = 0; f < 1 + pickInt(8); f++) {
            const at = pickInt(copy.length);
            copy[at] = (copy[at] ?? 0) ^ (1 << pickInt(8));
          }
          content = copy;
        } else if (kind === 2) {
          let text = example.text;
          for (let s = 0; s < 1 + pickInt(4); s++) {
            const at = pickInt(text.length);
            text = text.slice(0, at) + unicode[pickInt(unicode.length)] + text.slice(at);
          }
          content = text;
        } else {
          const lines = example.text.split('\n');
          const a = pickInt(lines.length);
          const b = pickInt(lines.length);
          [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
          content = lines.join('\n');
        }
        check(example.path, content);
        tried++;
      }
    }
    expect(tried).toBe(examples.length * 150);
    mutationCount += tried;
    expect(heapUsed() - start).toBeLessThan(256 * 1024 * 1024);
  });

  it('pathological shapes are stopped by the loader limits with their own codes', () => {
    const base = examples.find((e) => /desiredCount: \d/.test(e.text))?.text ?? '';
    expect(base).not.toBe('');
    const cases: Array<[string, string | Uint8Array, string]> = [
      ['huge file', base + `\n# ${'x'.repeat(DEFAULT_MANIFEST_LIMITS.maxFileBytes)}\n`, 'MANIFEST_FILE_TOO_LARGE'],
      ['deep flow nesting', `${'['.repeat(5000)}${']'.repeat(5000)}\n`, 'MANIFEST_TOO_DEEP'],
      ['deep block nesting', Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' 1\n', 'MANIFEST_TOO_DEEP'],
      ['alias bomb', ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => {
        const prev = i === 0 ? 'a' : `l${i - 1}`;
        return `l${i}: &l${i} [${Array(10).fill(`*${prev}`).join(',')}]`;
      })].join('\n') + '\n', 'MANIFEST_ALIAS_LIMIT'],
      ['too many documents', Array.from({ length: DEFAULT_MANIFEST_LIMITS.maxDocumentsPerFile + 5 }, () => 'a: 1').join('\n---\n'), 'MANIFEST_TOO_MANY_DOCUMENTS'],
      ['binary', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256), 'MANIFEST_BINARY_FILE'],
      ['invalid utf-8', Buffer.concat([Buffer.from(base), Buffer.from([0xc3, 0x28, 0xff])]), 'MANIFEST_NOT_UTF8'],
    ];
    for (const [name, content, code] of cases) {
      expect(codesOf(check(`${name.replace(/ /g, '-')}.yaml`, content)), name).toContain(code);
    }
    mutationCount += cases.length;
    // Huge values inside the size limit are validated, not crashed on.
    const hugeImage = base.replace(/image: .*/, `image: ${'a'.repeat(200_000)}`);
    expect(hugeImage).not.toBe(base);
    // Deterministic: the same hostile bytes give the same verdict twice.
    expect(codesOf(check('huge-value.yaml', hugeImage))).toEqual(codesOf(check('huge-value.yaml', hugeImage)));
    const hugeNumber = base.replace(/desiredCount: .*/, `desiredCount: ${'9'.repeat(400)}`);
    expect(hugeNumber).not.toBe(base);
    expect(codesOf(check('huge-number.yaml', hugeNumber)).length).toBeGreaterThan(0);
  });

  it('fast-check: arbitrary text and arbitrary JSON-like values never throw', () => {
    const start = heapUsed();
    let runs = 0;
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 2000 }), fc.string({ unit: 'binary', maxLength: 2000 }), fc.uint8Array({ maxLength: 2000 })), (content) => {
      check('fc.yaml', content);
      runs++;
    }), { seed: 99, numRuns: 400 });
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 40 }), (value) => {
      const doc = { apiVersion: 'ecs-gitops/v1', kind: 'Service', metadata: { name: 'x', cluster: 'demo' }, spec: value };
      check('fc.json', JSON.stringify(doc));
      runs++;
    }), { seed: 100, numRuns: 400 });
    mutationCount += runs;
    expect(runs).toBe(800);
    expect(heapUsed() - start).toBeLessThan(256 * 1024 * 1024);
    timings.sort((a, b) => a - b);
    reportFigures('hostile-manifests', {
      inputs: mutationCount,
      perFileMs: { p50: timings[Math.floor(timings.length / 2)], p99: timings[Math.floor(timings.length * 0.99)], max: timings[timings.length - 1] },
    });
  });
});

let mutationCount = 0;
function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}
