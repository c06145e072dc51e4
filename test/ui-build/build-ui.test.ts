/**
 * scripts/build-ui.ts: what the page's HTML and the server rely on. The
 * suite's global setup built dist/ui for this run (test/support/ui-build-global-setup.ts);
 * the build's own behaviours (stale files, errors) use temporary directories
 * so they never disturb the dist/ui other test files serve.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildUi, UiBuildError, type UiBuildResult } from '../../scripts/build-ui.js';

const root = path.resolve(import.meta.dirname, '../..');
/** The whole first load (script + stylesheet, gzip): the issue asks for well under 50 KB; this bound catches a heavy dependency slipping in. */
const FIRST_LOAD_GZIP_BOUND = 30 * 1024;
/**
 * XML namespace names Preact passes to createElementNS (SVG, MathML, XHTML):
 * identifiers the browser never fetches, the only absolute URLs allowed in the bundle.
 */
const NAMESPACE_URIS = new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xhtml', 'http://www.w3.org/1998/Math/MathML', 'http://www.w3.org/1999/xlink', 'http://www.w3.org/XML/1998/namespace']);

/** Absolute http(s) URLs outside /* … *\/ comments (esbuild keeps no other comment kind in minified output). */
export function externalUrls(text: string): string[] {
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, '');
  return [...withoutComments.matchAll(/https?:\/\/[^\s"'`)<>]*/g)].map((m) => m[0]).filter((url) => !NAMESPACE_URIS.has(url));
}

describe('the UI build of this test run (dist/ui)', () => {
  const { outDir, manifest } = inject('uiBuild');

  it('names a content-hashed script and stylesheet in manifest.json, and both exist', async () => {
    const onDisk = JSON.parse(await readFile(path.join(outDir, 'manifest.json'), 'utf8')) as unknown;
    expect(onDisk).toEqual(manifest);
    expect(manifest.js).toMatch(/^app-[A-Z0-9]{8}\.js$/);
    expect(manifest.css).toMatch(/^app-[A-Z0-9]{8}\.css$/);
    for (const file of [manifest.js, manifest.css]) expect(existsSync(path.join(outDir, file)), file).toBe(true);
  });

  it('writes .gz and .br twins that decompress to the same bytes', async () => {
    for (const file of [manifest.js, manifest.css]) {
      const original = await readFile(path.join(outDir, file));
      const gzip = await readFile(path.join(outDir, `${file}.gz`));
      const brotli = await readFile(path.join(outDir, `${file}.br`));
      expect(gunzipSync(gzip).equals(original), `${file}.gz`).toBe(true);
      expect(brotliDecompressSync(brotli).equals(original), `${file}.br`).toBe(true);
      expect(brotli.length).toBeLessThan(original.length / 2);
    }
  });

  it('references no external URL (no CDN, font or analytics: the page works offline under a same-origin CSP)', async () => {
    for (const file of [manifest.js, manifest.css]) {
      const text = await readFile(path.join(outDir, file), 'utf8');
      expect(externalUrls(text), file).toEqual([]);
    }
    const css = await readFile(path.join(outDir, manifest.css), 'utf8');
    expect(css).not.toMatch(/@import|@font-face|url\(/);
  });

  it('needs nothing the CSP forbids: no eval, no string-built functions', async () => {
    const js = await readFile(path.join(outDir, manifest.js), 'utf8');
    expect(js).not.toMatch(/\beval\(|new Function\(/);
  });

  it(`keeps the first load (script + stylesheet, gzip) under ${FIRST_LOAD_GZIP_BOUND / 1024} KB`, async () => {
    let gzip = 0;
    for (const file of [manifest.js, manifest.css]) gzip += (await readFile(path.join(outDir, `${file}.gz`))).length;
    expect(gzip).toBeLessThan(FIRST_LOAD_GZIP_BOUND);
  });

  it('leaves no file of an earlier build next to this one', async () => {
    const expected = [manifest.js, manifest.css].flatMap((f) => [f, `${f}.gz`, `${f}.br`]).concat('manifest.json');
    const files = (await readdir(outDir)).filter((f) => !f.endsWith('.tmp'));
    expect(files.sort()).toEqual(expected.sort());
  });
});

describe('buildUi into a temporary directory', () => {
  let work: string;
  let first: UiBuildResult;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'ecs-gitops-ui-build-'));
    await writeFile(path.join(work, 'app-OLDHASH1.js'), 'stale');
    await writeFile(path.join(work, 'app-OLDHASH1.js.br'), 'stale');
    first = await buildUi({ outDir: work });
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('removes files of earlier builds and reports them', async () => {
    expect([...first.removed].sort()).toEqual(['app-OLDHASH1.js', 'app-OLDHASH1.js.br']);
    expect(existsSync(path.join(work, 'app-OLDHASH1.js'))).toBe(false);
    expect(existsSync(path.join(work, first.manifest.js))).toBe(true);
  });

  it('names files by content: the same sources build to the same names', async () => {
    const second = await buildUi({ outDir: work });
    expect(second.manifest).toEqual(first.manifest);
    expect(second.removed).toEqual([]);
    expect(first.assets.map((a) => a.file).sort()).toEqual([first.manifest.css, first.manifest.js].sort());
  });

  it('fails with the file, line and reason when the sources do not compile', async () => {
    const broken = path.join(work, 'broken.tsx');
    await writeFile(broken, 'export const x = ;\n');
    const failure = await buildUi({ outDir: path.join(work, 'out-broken'), entry: broken }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UiBuildError);
    expect((failure as Error).message).toMatch(/UI build failed/);
    expect((failure as Error).message).toContain('broken.tsx:1:');
    expect(existsSync(path.join(work, 'out-broken', 'manifest.json'))).toBe(false);
  });

  it('refuses a Node module in the browser bundle (a value import from src/ that reaches node:crypto)', async () => {
    const entry = path.join(work, 'node-import.tsx');
    // A value import of the events module (eventId needs node:crypto), where the UI may only import its types.
    const events = JSON.stringify(path.join(root, 'src', 'events', 'types.ts'));
    const styles = JSON.stringify(path.join(root, 'ui', 'src', 'styles.css'));
    await writeFile(entry, `import { eventId } from ${events};\nimport ${styles};\nconsole.log(eventId);\n`);
    const failure = await buildUi({ outDir: path.join(work, 'out-node'), entry }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UiBuildError);
    expect((failure as Error).message).toMatch(/node:crypto/);
  });
});
