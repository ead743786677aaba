// A real server for integration tests: HTTP on a free port, a temporary SQLite file, a clock the
// test moves, and tRPC clients that sign in as demo users and keep their session cookie.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../server/routers/_app.ts';
import { manualClock } from '../../server/clock.ts';
import { createAppServer } from '../../server/http.ts';
import { createLogger, type Logger } from '../../server/log.ts';
import { Runtime } from '../../server/runtime.ts';
import { Scheduler } from '../../server/scheduler.ts';
import { DEMO_PASSWORD, seedDemo } from '../../server/seed.ts';
import { SqliteStore } from '../../server/store/sqlite/index.ts';

export type Client = ReturnType<typeof createTRPCClient<AppRouter>>;

export function clientFor(url: string): { client: Client; cookies: Map<string, string> } {
  const cookies = new Map<string, string>();
  const fetchWithCookies: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    // Node's fetch sends no Origin; the server's CSRF check wants this header instead.
    headers.set('x-villageflow', '1');
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(input, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (value) cookies.set(name, value);
      else cookies.delete(name);
    }
    return res;
  };
  return { client: createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc`, fetch: fetchWithCookies })] }), cookies };
}

export interface TestServer {
  url: string;
  dbPath: string;
  clock: ReturnType<typeof manualClock>;
  runtime: Runtime;
  store: SqliteStore;
  scheduler: Scheduler;
  /** A client signed in as a demo user (password: the demo password). */
  as(username: string): Promise<Client>;
  anonymous(): Client;
  close(): Promise<void>;
}

export async function startTestServer(opts: { seed?: boolean; start?: string; webRoot?: string; logger?: Logger; dbPath?: string } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'villageflow-test-'));
  const dbPath = opts.dbPath ?? join(dir, 'test.db');
  const store = new SqliteStore(dbPath);
  await store.migrate();
  const clock = manualClock(opts.start ?? '2026-03-02T01:00:00.000Z');
  const runtime = new Runtime(store, clock);
  if (opts.seed !== false) await seedDemo(runtime);
  const scheduler = new Scheduler(runtime);
  // Quiet unless VILLAGEFLOW_LOG_LEVEL asks otherwise; a test may pass its own capturing logger.
  const server = createAppServer(runtime, { webRoot: opts.webRoot, logger: opts.logger ?? createLogger({ level: process.env.VILLAGEFLOW_LOG_LEVEL ?? 'silent' }) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    dbPath,
    clock,
    runtime,
    store,
    scheduler,
    async as(username) {
      const { client } = clientFor(url);
      await client.auth.login.mutate({ username, password: DEMO_PASSWORD });
      return client;
    },
    anonymous: () => clientFor(url).client,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await scheduler.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The tRPC error code (e.g. FORBIDDEN, CONFLICT) a call failed with. */
export async function errorOf(call: Promise<unknown>): Promise<{ code: string; message: string; data: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) {
      const data = (error.data ?? {}) as Record<string, unknown>;
      return { code: String(data.code), message: error.message, data };
    }
    throw error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
