// Hardening: security headers on every answer, CSRF refusal of cross-origin mutations, request
// ids, and structured request logs that never carry passwords, cookies, tokens or ID numbers.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { startTestServer, type TestServer } from './harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIVE = 'five-deliberations-two-disclosures';

/** Log lines written by the server under test, parsed. */
const lines: Record<string, unknown>[] = [];
const raw: string[] = [];
const capture = {
  write(msg: string) {
    raw.push(msg);
    lines.push(JSON.parse(msg) as Record<string, unknown>);
  },
};

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ webRoot: join(ROOT, 'dist', 'web'), logger: createLogger({ level: 'debug', destination: capture }) });
});
afterAll(() => s?.close());

/** Signs in over raw HTTP; returns the session cookie pair ("vf_session=…"). */
async function signIn(username: string): Promise<string> {
  const res = await fetch(`${s.url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-villageflow': '1' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('vf_session='));
  expect(cookie).toBeTruthy();
  return cookie!.split(';')[0]!;
}

const instanceCount = () => (s.store.db.prepare('SELECT count(*) AS n FROM instances').get() as { n: number }).n;
const startBody = JSON.stringify({ villageId: 'nanwan', flowId: FIVE, title: '南湾社区：跨站测试' });

describe('security headers', () => {
  it('are on the web app, the API and the health check', async () => {
    for (const path of ['/', '/login', '/healthz', '/trpc/auth.me']) {
      const res = await fetch(s.url + path);
      await res.arrayBuffer();
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(res.headers.get('permissions-policy'), path).toMatch(/camera=\(\)/);
      expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      // Plain HTTP (VILLAGEFLOW_SECURE_COOKIES unset): no HSTS.
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
  });

  it('the app policy allows only its own origin: no inline script, no eval', async () => {
    const csp = (await fetch(s.url + '/')).headers.get('content-security-policy')!;
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['script-src']).not.toContain("'unsafe-inline'");
    expect(directives['object-src']).toEqual(["'none'"]);
    // API answers are never documents.
    expect((await fetch(s.url + '/healthz')).headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('HSTS is sent when cookies are secure (behind TLS)', async () => {
    const { createAppServer } = await import('../../server/host/http.ts');
    const server = createAppServer(s.runtime, { secureCookies: true, logger: createLogger({ level: 'silent' }) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('CSRF', () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await signIn('nanwan.secretary');
  });

  it('a cross-origin POST with the session cookie is 403 and changes nothing', async () => {
    const before = instanceCount();
    const auditBefore = s.store.db.prepare('SELECT count(*) AS n FROM audit_log').get();
    for (const headers of [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: 'http://evil.example', 'x-villageflow': '1' },
      // Same host name, another port: another origin.
      { origin: s.url.replace(/:\d+$/, ':1') },
      { referer: 'http://evil.example/page', 'x-villageflow': '1' },
    ] as Record<string, string>[]) {
      const res = await fetch(`${s.url}/trpc/instances.start`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, ...headers }, body: startBody });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/json');
      const body = (await res.json()) as { error: { message: string; data: { code: string } } };
      expect(body.error.data.code).toBe('FORBIDDEN');
      expect(body.error.message).toMatch(/refused/);
    }
    expect(instanceCount()).toBe(before);
    expect(s.store.db.prepare('SELECT count(*) AS n FROM audit_log').get()).toEqual(auditBefore);
  });

  it('a POST with neither Origin nor the client header is refused too', async () => {
    const before = instanceCount();
    const res = await fetch(`${s.url}/trpc/instances.start`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: startBody });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/x-villageflow/);
    expect(instanceCount()).toBe(before);
  });

  it('a login from another origin is refused (no login CSRF)', async () => {
    const res = await fetch(`${s.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ username: 'nanwan.secretary', password: DEMO_PASSWORD }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('same-origin (Origin naming this server) and header-carrying clients work', async () => {
    const before = instanceCount();
    const sameOrigin = await fetch(`${s.url}/trpc/instances.start`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, origin: s.url }, body: startBody });
    expect(sameOrigin.status).toBe(200);
    const withHeader = await fetch(`${s.url}/trpc/instances.start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-villageflow': '1', referer: `${s.url}/instances` },
      body: startBody,
    });
    expect(withHeader.status).toBe(200);
    expect(instanceCount()).toBe(before + 2);
  });

  it('reads (GET) need no header: a cross-origin page cannot read the answer anyway', async () => {
    const res = await fetch(`${s.url}/trpc/auth.me`, { headers: { cookie, origin: 'http://evil.example' } });
    expect(res.status).toBe(200);
    // And no CORS grant is ever made.
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('request ids and logs', () => {
  it('every answer carries a fresh x-request-id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${s.url}/healthz`);
      await res.arrayBuffer();
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      ids.add(id!);
    }
    expect(ids.size).toBe(3);
  });

  it('one JSON line per request, with id, method, path, status, duration and user; no secrets', async () => {
    lines.length = 0;
    raw.length = 0;
    const cookie = await signIn('nanwan.secretary');
    const token = cookie.split('=')[1]!;
    const res = await fetch(`${s.url}/trpc/auth.me?input=${encodeURIComponent(JSON.stringify({ id_number: '110101199003074514' }))}`, { headers: { cookie } });
    await res.arrayBuffer();
    const reqId = res.headers.get('x-request-id');
    const line = lines.find((l) => l.reqId === reqId && l.msg === 'request');
    expect(line).toMatchObject({ level: 30, method: 'GET', path: '/trpc/auth.me', status: 200, userId: 'nanwan-secretary' });
    expect(typeof line!.ms).toBe('number');
    expect(typeof line!.time).toBe('string');
    const login = lines.find((l) => l.msg === 'request' && l.path === '/trpc/auth.login');
    expect(login).toMatchObject({ method: 'POST', status: 200 });
    expect(login).not.toHaveProperty('userId');

    const all = raw.join('');
    expect(all).not.toContain(DEMO_PASSWORD);
    expect(all).not.toContain(token);
    expect(all).not.toMatch(/vf_session|cookie/i);
    // The query string (tRPC inputs) never reaches the log.
    expect(all).not.toContain('110101199003074514');
    expect(all).not.toContain('input=');
  });

  it('a cross-origin refusal is logged as a warning with its request id', async () => {
    lines.length = 0;
    const res = await fetch(`${s.url}/trpc/auth.logout`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    await res.arrayBuffer();
    const reqId = res.headers.get('x-request-id');
    expect(lines.find((l) => l.reqId === reqId && l.level === 40)).toMatchObject({ origin: 'http://evil.example' });
    expect(lines.find((l) => l.reqId === reqId && l.msg === 'request')).toMatchObject({ status: 403 });
  });

  it('redaction catches secrets logged by mistake', () => {
    const out: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (m: string) => void out.push(m) } });
    logger.info(
      { password: 'p1', user: { passwordHash: 'h', id_number: '110101199003074514' }, req: { headers: { cookie: 'vf_session=abc', authorization: 'Bearer t' } }, data: { form: { id_number: 'x2' } }, token: 't3' },
      'oops',
    );
    const text = out.join('');
    for (const secret of ['p1', '"h"', '110101199003074514', 'vf_session=abc', 'Bearer t', 'x2', 't3']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });
});
