/**
 * `/` and /ui/ over a real server with a fake built UI in a temp dir:
 * the page's security headers, no inline script or style in it, assets in
 * every encoding decoding to the same bytes, 304 on a matching ETag, nothing
 * but the manifest's files served, and the not-built page.
 */
import { request as httpRequest } from 'node:http';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_UI_ASSETS_DIR, acceptedEncodings } from '../../src/web/assets.js';
import { FAKE_CSS, FAKE_JS, fakeUiBuild, startWebServer, type WebServer } from './web-support.js';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(build = fakeUiBuild()): Promise<WebServer & { dir: string }> {
  cleanups.push(() => build.dispose());
  const web = await startWebServer({ uiAssetsDir: build.dir });
  cleanups.push(() => web.server.close());
  return { ...web, dir: build.dir };
}

/** Raw GET (fetch decodes bodies itself and sends its own Accept-Encoding). */
function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ hostname, port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface Tag {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Text up to the closing tag, for script and style. */
  readonly content?: string;
}

/** A small HTML tokenizer: enough to list every tag with its attributes and the body of script/style elements. */
function parseTags(html: string): Tag[] {
  const tags: Tag[] = [];
  const tagPattern = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*\/?>/g;
  let match: RegExpExecArray | null;
  while ((match = tagPattern.exec(html))) {
    const name = (match[1] ?? '').toLowerCase();
    const attributes: Record<string, string> = {};
    for (const a of (match[2] ?? '').matchAll(/([^\s=>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
      attributes[(a[1] ?? '').toLowerCase()] = a[2] ?? a[3] ?? a[4] ?? '';
    }
    let content: string | undefined;
    if (name === 'script' || name === 'style') {
      const close = html.toLowerCase().indexOf(`</${name}`, tagPattern.lastIndex);
      content = html.slice(tagPattern.lastIndex, close < 0 ? undefined : close);
    }
    tags.push({ name, attributes, ...(content !== undefined ? { content } : {}) });
  }
  return tags;
}

describe('the web UI page', () => {
  it('answers / with the shell and the security headers, exactly', async () => {
    const { server } = await start();
    const res = await get(server.url, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toBe(CSP);
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-cache');
    const head = await get(server.url, '/', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-security-policy']).toBe(CSP);
  });

  it('holds no inline script, style, event handler or foreign URL, and names the manifest\'s assets', async () => {
    const { server } = await start();
    const html = (await get(server.url, '/')).body.toString('utf8');
    const tags = parseTags(html);
    expect(tags.map((t) => t.name)).toEqual(expect.arrayContaining(['html', 'head', 'body', 'script', 'link', 'noscript']));
    for (const tag of tags) {
      expect(Object.keys(tag.attributes).filter((a) => a.startsWith('on') || a === 'style'), `${tag.name} attributes`).toEqual([]);
      if (tag.name === 'script') {
        expect(tag.attributes.src).toBe('/ui/app-1a2b3c4d.js');
        expect(tag.content?.trim()).toBe('');
      }
      expect(tag.name).not.toBe('style');
      for (const value of Object.values(tag.attributes)) expect(value).not.toMatch(/^(https?:)?\/\/|^javascript:/i);
    }
    expect(tags.find((t) => t.name === 'link' && t.attributes.rel === 'stylesheet')?.attributes.href).toBe('/ui/app-5e6f7a8b.css');
    expect(tags.find((t) => t.name === 'link' && t.attributes.rel === 'icon')?.attributes.href).toBe('data:,');
    expect(html).toContain('<noscript>');
    expect(tags.some((t) => t.name === 'div' && t.attributes.id === 'app')).toBe(true);
  });

  it('answers 503 with the build command while the UI is not built, and the page once it is (manifest read again on change)', async () => {
    const build = fakeUiBuild({ manifest: false });
    const { server, dir } = await start(build);
    const missing = await get(server.url, '/');
    expect(missing.status).toBe(503);
    expect(missing.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(missing.headers['content-security-policy']).toBe(CSP);
    expect(missing.body.toString()).toContain('The web UI is not built: run <code>npm run build:ui</code>');
    expect((await get(server.url, '/ui/app-1a2b3c4d.js')).status).toBe(404);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ js: 'app-1a2b3c4d.js', css: 'app-5e6f7a8b.css' }));
    const built = await get(server.url, '/');
    expect(built.status).toBe(200);
    expect(built.body.toString()).toContain('/ui/app-1a2b3c4d.js');
    // A rebuild writes a new manifest: the page names the new files.
    writeFileSync(join(dir, 'app-99999999.js'), FAKE_JS);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ js: 'app-99999999.js', css: 'app-5e6f7a8b.css' }));
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'manifest.json'), later, later);
    expect((await get(server.url, '/')).body.toString()).toContain('/ui/app-99999999.js');
    expect((await get(server.url, '/ui/app-99999999.js')).status).toBe(200);
    expect((await get(server.url, '/ui/app-1a2b3c4d.js')).status).toBe(404);
  });

  it('serves each asset as br, gzip or identity by Accept-Encoding, all decoding to the same bytes, cached immutably', async () => {
    const { server } = await start();
    for (const [name, text, type] of [['app-1a2b3c4d.js', FAKE_JS, 'text/javascript; charset=utf-8'], ['app-5e6f7a8b.css', FAKE_CSS, 'text/css; charset=utf-8']] as const) {
      const br = await get(server.url, `/ui/${name}`, { 'accept-encoding': 'gzip, deflate, br' });
      const gz = await get(server.url, `/ui/${name}`, { 'accept-encoding': 'gzip' });
      const plain = await get(server.url, `/ui/${name}`);
      expect([br.headers['content-encoding'], gz.headers['content-encoding'], plain.headers['content-encoding']]).toEqual(['br', 'gzip', undefined]);
      expect(brotliDecompressSync(br.body).toString()).toBe(text);
      expect(gunzipSync(gz.body).toString()).toBe(text);
      expect(plain.body.toString()).toBe(text);
      expect(br.body.length).toBeLessThan(plain.body.length);
      for (const res of [br, gz, plain]) {
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toBe(type);
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(res.headers.vary).toBe('Accept-Encoding');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
      }
      // Each encoding is its own representation: its own ETag.
      expect(new Set([br.headers.etag, gz.headers.etag, plain.headers.etag]).size).toBe(3);
    }
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const { server } = await start();
    const first = await get(server.url, '/ui/app-1a2b3c4d.js', { 'accept-encoding': 'br' });
    const etag = String(first.headers.etag);
    const again = await get(server.url, '/ui/app-1a2b3c4d.js', { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // Another encoding's tag does not match this one.
    const other = await get(server.url, '/ui/app-1a2b3c4d.js', { 'if-none-match': etag });
    expect(other.status).toBe(200);
  });

  it.each([
    '/ui/manifest.json',
    '/ui/secret-notes.txt',
    '/ui/app-1a2b3c4d.js.br',
    '/ui/../package.json',
    '/ui/..%2Fpackage.json',
    '/ui/%2e%2e/%2e%2e/package.json',
    '/ui/..%5C..%5Cpackage.json',
    '/ui/',
    '/ui/app-1a2b3c4d.js/',
    '/ui/%2Fetc%2Fpasswd',
    '/index.html',
  ])('refuses %s (only the manifest\'s files are served)', async (path) => {
    const { server } = await start();
    const res = await get(server.url, path);
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain('"name"');
    expect(res.body.toString()).not.toContain('not listed');
  });

  it('is read-only', async () => {
    const { server } = await start();
    expect((await fetch(`${server.url}/`, { method: 'POST', body: 'x' })).status).toBe(405);
    expect((await fetch(`${server.url}/ui/app-1a2b3c4d.js`, { method: 'DELETE' })).status).toBe(405);
  });

  it('finds dist/ui at the package root by default', () => {
    expect(DEFAULT_UI_ASSETS_DIR).toBe(`${join(new URL('../..', import.meta.url).pathname, 'dist', 'ui')}/`);
  });

  it.each([
    [undefined, ['identity']],
    ['gzip, deflate, br', ['br', 'gzip', 'identity']],
    ['br;q=0, gzip;q=0.5', ['gzip', 'identity']],
    ['*', ['br', 'gzip', 'identity']],
    ['*;q=0, identity', ['identity']],
    ['GZIP', ['gzip', 'identity']],
  ])('Accept-Encoding %j allows %j', (header, expected) => {
    expect(acceptedEncodings(header)).toEqual(expected);
  });
});
