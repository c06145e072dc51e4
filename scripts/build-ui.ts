/**
 * Builds the browser UI (ui/src/main.tsx) into dist/ui/: one minified bundle
 * and its stylesheet under content-hashed names (served with immutable
 * caching, src/web/api-types.ts UI_ASSET_PREFIX), each with .gz and .br twins
 * compressed once here at the highest quality so the server only picks a
 * file, and manifest.json naming them for the page's HTML. Files of earlier
 * builds are removed. `npm run build:ui`; `npm start`, `npm run build` and
 * `npm install` (prepare) run it, and the test suite's global setup too.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import { build, type Message } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
export const UI_ENTRY = path.join(root, 'ui', 'src', 'main.tsx');
export const UI_OUT_DIR = path.join(root, 'dist', 'ui');
export const UI_MANIFEST = 'manifest.json';

/** dist/ui/manifest.json: the built files' names, relative to dist/ui/ (and to UI_ASSET_PREFIX). */
export interface UiManifest {
  readonly js: string;
  readonly css: string;
}

export interface BuiltAsset {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly brotliBytes: number;
}

export interface UiBuildResult {
  readonly outDir: string;
  readonly manifest: UiManifest;
  readonly assets: readonly BuiltAsset[];
  readonly removed: readonly string[];
  readonly ms: number;
}

/** A build that esbuild refused: its messages with file and line, so the reason reads without a stack. */
export class UiBuildError extends Error {
  constructor(entry: string, readonly messages: readonly Message[]) {
    super(`UI build failed (${path.relative(process.cwd(), entry) || entry}):\n${messages.map(formatMessage).join('\n')}`);
    this.name = 'UiBuildError';
  }
}

function formatMessage(message: Message): string {
  const where = message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : '';
  return `  ${where}${message.text}`;
}

/** Writes through a temporary name and renames, so a server (or a parallel build) never reads half a file. */
async function writeAtomically(file: string, contents: Uint8Array | string): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}

export async function buildUi(options: { readonly outDir?: string; readonly entry?: string } = {}): Promise<UiBuildResult> {
  const started = performance.now();
  const outDir = options.outDir ?? UI_OUT_DIR;
  const entry = options.entry ?? UI_ENTRY;
  let result;
  try {
    result = await build({
      entryPoints: { app: entry },
      bundle: true,
      minify: true,
      // iife: the page may load it with a classic or a module <script>; nothing is exported.
      format: 'iife',
      platform: 'browser',
      target: 'es2020',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      entryNames: '[name]-[hash]',
      assetNames: '[name]-[hash]',
      outdir: outDir,
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
      loader: { '.css': 'css' },
      define: { 'process.env.NODE_ENV': '"production"' },
    });
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) throw new UiBuildError(entry, errors);
    throw error;
  }
  if (result.errors.length > 0) throw new UiBuildError(entry, result.errors);

  const unexpected = result.outputFiles.map((f) => path.basename(f.path)).filter((f) => !f.endsWith('.js') && !f.endsWith('.css'));
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (unexpected.length > 0 || !js || !css || result.outputFiles.length !== 2) {
    // An imported image or font would be one more request (and must not be a URL to elsewhere): keep the page two files.
    const got = result.outputFiles.map((f) => path.basename(f.path)).join(', ');
    throw new UiBuildError(entry, [{ id: '', pluginName: '', text: `expected one .js and one .css output, got ${got} (does the entry import its stylesheet? is an image or font imported?)`, location: null, notes: [], detail: undefined }]);
  }

  await mkdir(outDir, { recursive: true });
  const assets: BuiltAsset[] = [];
  const written = new Set<string>([UI_MANIFEST]);
  for (const output of [js, css]) {
    const file = path.basename(output.path);
    const gzip = gzipSync(output.contents, { level: zlibConstants.Z_BEST_COMPRESSION });
    const brotli = brotliCompressSync(output.contents, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: zlibConstants.BROTLI_MAX_QUALITY,
        [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: output.contents.length,
      },
    });
    await writeAtomically(path.join(outDir, file), output.contents);
    await writeAtomically(path.join(outDir, `${file}.gz`), gzip);
    await writeAtomically(path.join(outDir, `${file}.br`), brotli);
    for (const name of [file, `${file}.gz`, `${file}.br`]) written.add(name);
    assets.push({ file, bytes: output.contents.length, gzipBytes: gzip.length, brotliBytes: brotli.length });
  }
  const manifest: UiManifest = { js: path.basename(js.path), css: path.basename(css.path) };
  await writeAtomically(path.join(outDir, UI_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);

  const removed: string[] = [];
  for (const name of await readdir(outDir)) {
    // Another build's temporary file is not stale: it is about to be renamed into place.
    if (written.has(name) || name.endsWith('.tmp')) continue;
    await rm(path.join(outDir, name), { force: true, recursive: true });
    removed.push(name);
  }
  return { outDir, manifest, assets, removed, ms: performance.now() - started };
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export function describeBuild(result: UiBuildResult): string {
  const lines = result.assets.map((a) => `  ${a.file.padEnd(28)} ${kilobytes(a.bytes).padStart(9)}  gzip ${kilobytes(a.gzipBytes).padStart(8)}  br ${kilobytes(a.brotliBytes).padStart(8)}`);
  const total = (pick: (a: BuiltAsset) => number) => kilobytes(result.assets.reduce((sum, a) => sum + pick(a), 0));
  lines.push(`  ${'first load'.padEnd(28)} ${total((a) => a.bytes).padStart(9)}  gzip ${total((a) => a.gzipBytes).padStart(8)}  br ${total((a) => a.brotliBytes).padStart(8)}`);
  return `UI built into ${path.relative(process.cwd(), result.outDir) || '.'} in ${Math.round(result.ms)} ms${result.removed.length > 0 ? ` (removed ${result.removed.length} stale files)` : ''}\n${lines.join('\n')}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    console.log(describeBuild(await buildUi()));
  } catch (error) {
    console.error(error instanceof UiBuildError ? error.message : error);
    process.exitCode = 1;
  }
}
