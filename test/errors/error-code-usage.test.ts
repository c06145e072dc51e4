/**
 * The catalog and the source agree: every code src/ produces is catalogued,
 * and every catalogued code is produced somewhere (a code nothing raises is
 * documentation of an error that cannot happen). See code-scan.ts for what
 * counts as producing a code; src/errors/ itself and generated files are not
 * scanned.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGS } from '../../src/errors/index.js';
import { collectCodeParams, scanProducedCodes, type CodeSite, type SourceText } from './code-scan.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sourcesUnder(dir: string): SourceText[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(dir, file).split(path.sep).join('/'))
    .sort()
    .map((file) => ({ file, text: readFileSync(path.join(root, file), 'utf8') }));
}

const all = sourcesUnder('src');
const scanned = all.filter((s) => !s.file.startsWith('src/errors/') && !/\.generated\.ts$/.test(s.file));
// Code parameters are learned from every file: GitopsError's constructor and errorCodeOf live in src/errors/.
const params = collectCodeParams(all);
const produced = scanProducedCodes(scanned, params);
const catalogued = new Set(Object.values(ERROR_CATALOGS).flatMap((catalog) => Object.keys(catalog)));

const where = (sites: readonly CodeSite[]) => sites.map((s) => `${s.code} at ${s.file}:${s.line}`);

describe('error codes in the source', () => {
  it('finds the codes of every area (the scan is not silently empty)', () => {
    const prefixes = new Set(produced.map((s) => s.code.split('_')[0]));
    for (const prefix of ['CLI', 'IO', 'MANIFEST', 'DIFF', 'AWS', 'CONTROLLER', 'SOURCE', 'OBSERVE', 'HTTP', 'EXPORT']) {
      expect(prefixes, prefix).toContain(prefix);
    }
  });

  it('raises only catalogued codes', () => {
    expect(where(produced.filter((s) => !catalogued.has(s.code)))).toEqual([]);
  });

  it('raises every catalogued code somewhere', () => {
    const raised = new Set(produced.map((s) => s.code));
    expect([...catalogued].filter((code) => !raised.has(code))).toEqual([]);
  });
});

describe('the code scan', () => {
  const scan = (text: string) => {
    const snippet = { file: 'snippet.ts', text };
    return scanProducedCodes([snippet], collectCodeParams([...all, snippet])).map((s) => s.code);
  };

  it('sees codes in every producing position', () => {
    expect(scan(`
      throw new GitopsError('A_NEW', 'message');
      throw new AwsCallError(cond ? 'A_COND' : 'A_OTHER', 'm', 'Name', 'Op', 'client_error', err);
      const r = httpError(404, 'A_HELPER', 'message');
      const w = errorCodeOf(err, 'A_FALLBACK');
      problems.push({ code: 'A_RECORD', message: 'm' });
      const code = isGitopsError(err) ? err.code : 'A_VARIABLE';
      const CODE = { missing: 'A_TABLE' } as const;
      function codeFor(name: string) { if (name) return 'A_RETURNED'; return 'A_RETURNED_TOO'; }
      class Sub extends GitopsError {}
      throw new Sub('A_SUBCLASS', 'm');
      class Own { fail(key: string, code: ErrorCode) {} go() { this.fail('k', 'A_METHOD'); } }
      out.write('A_PRINTED: sync finished');
      err.write(\`error A_PRINTED_TOO: \${message}\`);
    `).sort()).toEqual([
      'A_COND', 'A_FALLBACK', 'A_HELPER', 'A_METHOD', 'A_NEW', 'A_OTHER', 'A_PRINTED', 'A_PRINTED_TOO',
      'A_RECORD', 'A_RETURNED', 'A_RETURNED_TOO', 'A_SUBCLASS', 'A_TABLE', 'A_VARIABLE',
    ]);
  });

  it('ignores comparisons, types, sets of codes, environment names and AWS wire names', () => {
    expect(scan(`
      if (err.code === 'NOT_PRODUCED') {}
      interface P { readonly code: 'NOT_A_VALUE' | 'NOR_THIS'; }
      const USAGE_CODES = new Set(['ONLY_CLASSIFIED']);
      const region = env['AWS_REGION'] ?? readEnv('ECS_GITOPS_REGION');
      throw new SandboxApiError('InvalidParameterException', 'NOT_A_CODE message');
      logger.error({ code: failure.code }, 'not a code');
    `)).toEqual([]);
  });
});
