// One HTTP server for the API (/trpc) and the web app (static files, when built).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createContext } from '../routers/context.ts';
import { detailsOf } from '../errors.ts';
import { createLogger, requestInfo, requestLogger, trackRequest, type Logger } from '../log.ts';
import { appRouter } from '../routers/_app.ts';
import type { Runtime } from '../matters/runtime.ts';
import { csrfRefusal, refuseCsrf, securityHeaders } from '../access/security.ts';
import { staticFiles } from './staticFiles.ts';
import { MAX_BODY_BYTES } from '../routers/trpc.ts';

const PLACEHOLDER = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>villageflow 村务流程引擎</title>
<body style="font-family: sans-serif; max-width: 40rem; margin: 3rem auto"><h1>villageflow 村务流程引擎</h1>
<p>API 已运行于 <code>/trpc</code>。网页应用尚未构建。</p><p>The API runs at <code>/trpc</code>; the web app is not built yet.</p></body></html>`;

export interface AppServerOptions {
  secureCookies?: boolean;
  webRoot?: string;
  /** Where request and error lines go; by default a pino logger at VILLAGEFLOW_LOG_LEVEL. */
  logger?: Logger;
}

export function createAppServer(runtime: Runtime, opts: AppServerOptions = {}): Server {
  const logger = opts.logger ?? createLogger();
  const requestLog = requestLogger(logger);
  const secure = opts.secureCookies ?? false;
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req, res }) => createContext(runtime, req, res, secure),
    // A throttled sign-in says when to try again in the standard header too.
    responseMeta: ({ errors }) => {
      const wait = errors.map((e) => detailsOf(e).retryAfterSeconds).find((s) => s !== undefined);
      return wait === undefined ? {} : { headers: { 'Retry-After': String(wait) } };
    },
    onError: ({ error, path, req }) => {
      const reqId = requestInfo(req)?.id;
      // Expected refusals (bad input, conflicts, permissions) are the client's business: a debug
      // line without stack. Anything internal is logged with its cause's stack, here only.
      if (error.code === 'INTERNAL_SERVER_ERROR') logger.error({ reqId, procedure: path, err: error.cause ?? error }, 'internal error');
      else logger.debug({ reqId, procedure: path, code: error.code }, error.message);
    },
  });
  const web = opts.webRoot && existsSync(opts.webRoot) ? staticFiles(resolve(opts.webRoot)) : null;
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const info = { id: randomUUID() } as { id: string; userId?: string };
    trackRequest(req, info);
    res.setHeader('x-request-id', info.id);
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.once('finish', () => {
      requestLog.info(
        {
          reqId: info.id,
          method: req.method,
          // The path only: query strings carry tRPC inputs (names, ID numbers) and stay out of logs.
          path: url.pathname,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          ...(info.userId ? { userId: info.userId } : {}),
        },
        'request',
      );
    });
    const api = url.pathname.startsWith('/trpc/');
    securityHeaders(res, { secure, document: !api && url.pathname !== '/healthz' });
    if (api) {
      const refusal = csrfRefusal(req);
      if (refusal) {
        logger.warn({ reqId: info.id, path: url.pathname, origin: req.headers.origin ?? null }, refusal);
        req.resume();
        return refuseCsrf(res, refusal);
      }
      return trpc(req, res);
    }
    if (url.pathname === '/healthz') {
      res.setHeader('Content-Type', 'application/json');
      return res.end(JSON.stringify({ ok: true, now: runtime.now() }));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      return res.end();
    }
    if (!web) {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      return res.end(PLACEHOLDER);
    }
    web.serve(req, res, url.pathname);
  });
  // An idle keep-alive connection is closed by the server only well after any client would have
  // stopped reusing it (fetch/undici: 4 s; proxies: about a minute). With Node's default of 5 s a
  // busy event loop let the two cross: a request sent on a socket the server was closing failed
  // with ECONNRESET (seen in the test suite under load).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
