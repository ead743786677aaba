// The web app's files through the real server: gzip when the browser takes it, the hashed assets
// cached for good, index.html revalidated, client-side routes answered with index.html.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let s: TestServer;
let root: string;
/** A folder beside the root whose name starts with the root's (the root "x", it "x-x"), holding a secret. */
let sibling: string;
const secret = 'outside the web root: never served';
const script = `export const labels = ${JSON.stringify(Array.from({ length: 200 }, (_, i) => `公开栏 notice ${i}`))};\n`;
const html = `<!doctype html><html lang="zh-CN"><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div>${' '.repeat(2000)}</body></html>`;
const png = Buffer.alloc(3000, 7);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'villageflow-static-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), html);
  writeFileSync(join(root, 'assets', 'index-abc123.js'), script);
  writeFileSync(join(root, 'assets', 'logo-def456.png'), png);
  sibling = `${root}-x`;
  mkdirSync(sibling);
  writeFileSync(join(sibling, 'f'), secret);
  writeFileSync(join(dirname(root), `${basename(root)}.secret`), secret);
  s = await startTestServer({ seed: false, webRoot: root });
});
afterAll(async () => {
  await s.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(sibling, { recursive: true, force: true });
  rmSync(join(dirname(root), `${basename(root)}.secret`), { force: true });
});

/** The raw response: node:http does not decompress, unlike fetch, and sends the path as it is. */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = get({ hostname, port, path, headers, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

describe('static files', () => {
  it('sends a script gzip-compressed to a browser that accepts it, and the same bytes uncompressed otherwise', async () => {
    const zipped = await raw('/assets/index-abc123.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length);
    expect(zipped.body.length).toBeLessThan(Buffer.byteLength(script) / 2);
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(script);

    for (const headers of [{}, { 'accept-encoding': 'gzip;q=0, identity' }, { 'accept-encoding': 'br' }] as Record<string, string>[]) {
      const plain = await raw('/assets/index-abc123.js', headers);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.toString('utf8')).toBe(script);
    }
  });

  it('lets the browser keep hashed assets for good and revalidate index.html', async () => {
    expect((await raw('/assets/index-abc123.js')).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const page = await raw('/', { 'accept-encoding': 'gzip' });
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['vary']).toBe('Accept-Encoding');
    expect(gunzipSync(page.body).toString('utf8')).toBe(html);
  });

  it('answers a client-side route with index.html, and leaves images uncompressed', async () => {
    const route = await raw('/board/v-dongping');
    expect(route.status).toBe(200);
    expect(route.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(route.body.toString('utf8')).toBe(html);

    const image = await raw('/assets/logo-def456.png', { 'accept-encoding': 'gzip' });
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.body.equals(png)).toBe(true);
  });

  it('sends headers without a body for HEAD, and refuses paths outside the app or not decodable', async () => {
    const head = await raw('/assets/index-abc123.js', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    expect(head.body.length).toBe(0);

    expect((await raw('/assets/..%2F..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    expect((await raw('/%E0%A4%A')).status).toBe(400);
  });

  it('never serves a file outside the web root, however the path is spelled', async () => {
    const name = basename(root);
    const refused: [string, number][] = [
      // encoded traversal into a sibling folder whose name starts with the root's
      [`/..%2f${name}-x/f`, 404],
      [`/..%2F${name}-x%2Ff`, 404],
      [`/%2e%2e%2f${name}-x/f`, 404],
      [`/assets/..%2f..%2f${name}-x/f`, 404],
      [`/..%2f${name}.secret`, 404],
      // double-encoded: a '%' left after decoding
      [`/..%252f${name}-x%252ff`, 400],
      [`/%252e%252e%252f${name}.secret`, 400],
      // backslashes
      [`/..%5c${name}-x%5cf`, 400],
      [`/assets%5c..%5c..%5c${name}.secret`, 400],
      // NUL bytes
      ['/index.html%00.png', 400],
      [`/..%2f${name}-x/f%00`, 400],
    ];
    for (const [path, status] of refused) {
      const res = await raw(path);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(res.body.toString('utf8')).not.toContain(secret);
    }
    // Dots sent unencoded are resolved by the URL parser before the files are looked at: what is
    // left is a path inside the root, a client-side route answered with index.html.
    const dots = await raw(`/../${name}-x/f`);
    expect(dots.body.toString('utf8')).toBe(html);
    // Inside the root, an encoded slash is only a slash.
    expect((await raw('/assets/..%2Findex.html')).body.toString('utf8')).toBe(html);
  });

  it('notices a file rebuilt in place', async () => {
    const next = script.replace('notice', '通知');
    writeFileSync(join(root, 'assets', 'index-abc123.js'), next);
    const res = await raw('/assets/index-abc123.js', { 'accept-encoding': 'gzip' });
    expect(gunzipSync(res.body).toString('utf8')).toBe(next);
  });
});
