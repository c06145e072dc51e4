/**
 * The web UI's HTML shell and its built assets (docs/ui.md "Assets").
 *
 * `npm run build:ui` (scripts/build-ui.ts) writes content-hashed files into
 * dist/ui/ with `.gz` and `.br` twins, and dist/ui/manifest.json naming them
 * (`{"js": "app-<hash>.js", "css": "app-<hash>.css"}`). Only files the
 * manifest names are served (no path from the URL ever reaches the file
 * system), compressed as the browser accepts, cached for a year (the name
 * changes with the content). The manifest is read again only when its
 * modification time changes, and each file once per manifest.
 *
 * The shell holds no inline script or style, so the Content-Security-Policy
 * can forbid both (docs/security.md "Web UI").
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJsonObject } from '../util/json-object.js';

/** dist/ui at the package root: `../../dist/ui` from src/web (tsx) and from dist/web (the build) alike. */
export const DEFAULT_UI_ASSETS_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

export const UI_MANIFEST = 'manifest.json';
/** Where the page's <noscript> and the not-built page point instead. */
const STATUS_PATH = '/api/v1/status';

export interface UiManifest {
  readonly js: string;
  readonly css: string;
}

export type AssetEncoding = 'br' | 'gzip' | 'identity';

export interface AssetVariant {
  readonly body: Buffer;
  readonly contentType: string;
  readonly encoding: AssetEncoding;
  readonly etag: string;
}

/** A file name without any path: what the build writes, and all a URL may name. */
const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The encodings an Accept-Encoding header allows, best first among those the
 * build writes (br, then gzip, then identity). `q=0` refuses one; `*` stands
 * for any not named.
 */
export function acceptedEncodings(header: string | undefined): AssetEncoding[] {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (name.length === 0) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    weights.set(name, q === undefined ? 1 : Number(q));
  }
  const weight = (name: string) => weights.get(name) ?? weights.get('*') ?? 0;
  // identity is always the last resort: a client refusing it too still gets a readable answer rather than a 406.
  return [...(['br', 'gzip'] as const).filter((e) => weight(e) > 0), 'identity'];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page: the stylesheet, the module script and a mount point; nothing inline. */
export function renderShell(manifest: UiManifest, assetPrefix: string): string {
  const href = (name: string) => escapeHtml(`${assetPrefix}${encodeURIComponent(name)}`);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<title>ecs-gitops</title>',
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="${href(manifest.css)}">`,
    `<script type="module" src="${href(manifest.js)}"></script>`,
    '</head>',
    '<body>',
    `<noscript>The ecs-gitops web UI needs JavaScript. The same data is in the JSON API: ${escapeHtml(STATUS_PATH)}.</noscript>`,
    '<div id="app"></div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The page `/` answers with while dist/ui/manifest.json is missing (503). */
export function notBuiltPage(): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><title>ecs-gitops: web UI not built</title><link rel="icon" href="data:,"></head>',
    '<body>',
    '<h1>The web UI is not built</h1>',
    '<p>The web UI is not built: run <code>npm run build:ui</code> (it writes dist/ui/), then reload this page.',
    ` The controller and its JSON API work without it: ${escapeHtml(STATUS_PATH)}.</p>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function parseManifest(text: string): UiManifest | undefined {
  const value = parseJsonObject(text);
  if (!value) return undefined;
  const { js, css } = value;
  if (typeof js !== 'string' || typeof css !== 'string' || !SAFE_FILE_NAME.test(js) || !SAFE_FILE_NAME.test(css)) return undefined;
  return { js, css };
}

interface LoadedManifest {
  readonly mtimeMs: number;
  readonly size: number;
  readonly manifest: UiManifest;
  readonly shell: string;
  readonly files: ReadonlySet<string>;
  /** name + encoding -> variant (undefined: that file or twin does not exist). */
  readonly variants: Map<string, AssetVariant | undefined>;
}

export class UiAssets {
  readonly #dir: string;
  readonly #assetPrefix: string;
  #loaded: LoadedManifest | undefined;
  #loading: Promise<LoadedManifest | undefined> | undefined;

  constructor(dir: string = DEFAULT_UI_ASSETS_DIR, assetPrefix = '/ui/') {
    this.#dir = dir;
    this.#assetPrefix = assetPrefix;
  }

  get dir(): string {
    return this.#dir;
  }

  /** The manifest as now on disk (re-read only when its mtime or size changed); undefined when missing or invalid. */
  async #current(): Promise<LoadedManifest | undefined> {
    // One stat per request is cheap; reading and parsing per request is what the cache avoids.
    this.#loading ??= (async () => {
      const path = join(this.#dir, UI_MANIFEST);
      let info;
      try {
        info = await stat(path);
      } catch {
        this.#loaded = undefined;
        return undefined;
      }
      if (this.#loaded && this.#loaded.mtimeMs === info.mtimeMs && this.#loaded.size === info.size) return this.#loaded;
      const manifest = parseManifest(await readFile(path, 'utf8').catch(() => ''));
      this.#loaded = manifest && {
        mtimeMs: info.mtimeMs, size: info.size, manifest,
        shell: renderShell(manifest, this.#assetPrefix),
        files: new Set([manifest.js, manifest.css]),
        variants: new Map(),
      };
      return this.#loaded;
    })().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  /** The HTML shell, or undefined when the UI is not built. */
  async shell(): Promise<string | undefined> {
    return (await this.#current())?.shell;
  }

  /**
   * The best variant of `name` for `acceptEncoding`, or undefined when `name`
   * is not a file the manifest lists (or it is missing on disk).
   */
  async asset(name: string, acceptEncoding: string | undefined): Promise<AssetVariant | undefined> {
    const loaded = await this.#current();
    if (!loaded || !loaded.files.has(name)) return undefined;
    for (const encoding of acceptedEncodings(acceptEncoding)) {
      const variant = await this.#variant(loaded, name, encoding);
      if (variant) return variant;
    }
    return undefined;
  }

  async #variant(loaded: LoadedManifest, name: string, encoding: AssetEncoding): Promise<AssetVariant | undefined> {
    const cacheKey = `${name}\0${encoding}`;
    if (loaded.variants.has(cacheKey)) return loaded.variants.get(cacheKey);
    const file = join(this.#dir, encoding === 'br' ? `${name}.br` : encoding === 'gzip' ? `${name}.gz` : name);
    const body = await readFile(file).catch(() => undefined);
    const variant = body && {
      body,
      contentType: contentTypeOf(name),
      encoding,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    };
    loaded.variants.set(cacheKey, variant);
    return variant;
  }
}
