// One HTTP server for the API (/trpc) and the web app (static files, when built).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createContext } from './context.ts';
import { appRouter } from './routers/_app.ts';
import type { Runtime } from './runtime.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

function securityHeaders(res: ServerResponse) {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('X-Frame-Options', 'DENY');
}

const PLACEHOLDER = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>villageflow 村务流程引擎</title>
<body style="font-family: sans-serif; max-width: 40rem; margin: 3rem auto"><h1>villageflow 村务流程引擎</h1>
<p>API 已运行于 <code>/trpc</code>。网页应用尚未构建。</p><p>The API runs at <code>/trpc</code>; the web app is not built yet.</p></body></html>`;

export function createAppServer(runtime: Runtime, opts: { secureCookies?: boolean; webRoot?: string } = {}): Server {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req, res }) => createContext(runtime, req, res, opts.secureCookies ?? false),
  });
  const webRoot = opts.webRoot && existsSync(opts.webRoot) ? resolve(opts.webRoot) : null;
  return createServer((req, res) => {
    securityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/trpc/')) return trpc(req, res);
    if (url.pathname === '/healthz') {
      res.setHeader('Content-Type', 'application/json');
      return res.end(JSON.stringify({ ok: true, now: runtime.now() }));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      return res.end();
    }
    if (!webRoot) {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      return res.end(PLACEHOLDER);
    }
    // Static files; anything else is a client-side route and gets index.html.
    let file = normalize(join(webRoot, decodeURIComponent(url.pathname)));
    if (!file.startsWith(webRoot) || !existsSync(file) || statSync(file).isDirectory()) file = join(webRoot, 'index.html');
    res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
    createReadStream(file).pipe(res);
  });
}
