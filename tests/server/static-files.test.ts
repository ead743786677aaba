// The web app's files through the real server: gzip when the browser takes it, the hashed assets
// cached for good, index.html revalidated, client-side routes answered with index.html.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';

let s: TestServer;
let root: string;
const script = `export const labels = ${JSON.stringify(Array.from({ length: 200 }, (_, i) => `公开栏 notice ${i}`))};\n`;
const html = `<!doctype html><html lang="zh-CN"><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div>${' '.repeat(2000)}</body></html>`;
const png = Buffer.alloc(3000, 7);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'villageflow-static-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), html);
  writeFileSync(join(root, 'assets', 'index-abc123.js'), script);
  writeFileSync(join(root, 'assets', 'logo-def456.png'), png);
  s = await startTestServer({ seed: false, webRoot: root });
});
afterAll(async () => {
  await s.close();
  rmSync(root, { recursive: true, force: true });
});

/** The raw response: node:http does not decompress, unlike fetch. */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = get(s.url + path, { headers, method }, (res) => {
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

    const outside = await raw('/assets/..%2F..%2F..%2Fetc%2Fpasswd');
    expect(outside.body.toString('utf8')).toBe(html);
    expect((await raw('/%E0%A4%A')).status).toBe(400);
  });

  it('notices a file rebuilt in place', async () => {
    const next = script.replace('notice', '通知');
    writeFileSync(join(root, 'assets', 'index-abc123.js'), next);
    const res = await raw('/assets/index-abc123.js', { 'accept-encoding': 'gzip' });
    expect(gunzipSync(res.body).toString('utf8')).toBe(next);
  });
});
