// Signing in, through the real server: failed sign-ins slow down one (user name, client address)
// with delays that double, never locking the user out from elsewhere; sessions end after a while
// without use and a fixed time after sign-in, as configured; the scheduler's tick prunes what ended.
// Other client addresses are real: the requests leave from 127.0.0.2, 127.0.0.3… (all loopback).
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_COST, DEFAULT_SESSION_POLICY, hashPassword, scryptCostFromEnv, sessionPolicyFromEnv, THROTTLE, throttleKey, throttleWait, verifyPassword } from '../../server/access/auth.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { clientFor, errorOf, startTestServer, type TestServer } from './harness.ts';

interface Answer {
  status: number;
  retryAfter: string | undefined;
  cookie: string | undefined;
  body: { result?: { data: { user: { username: string } } }; error?: { message: string; data: { code: string; engineCode?: string; retryAfterSeconds?: number } } };
}

/** auth.login sent from a given local address, as a phone elsewhere would. */
function loginFrom(s: TestServer, address: string, username: string, password: string): Promise<Answer> {
  const { hostname, port } = new URL(s.url);
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, path: '/trpc/auth.login', method: 'POST', localAddress: address, headers: { 'content-type': 'application/json', 'x-villageflow': '1', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            retryAfter: res.headers['retry-after'],
            cookie: res.headers['set-cookie']?.[0],
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer['body'],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const count = (s: TestServer, sql: string, ...params: unknown[]) => Number((s.store.db.prepare(sql).get(...params) as { n: number }).n);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('sign-in throttling', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  it('slows down one user name from one address with doubling delays; the user still signs in from elsewhere', async () => {
    const user = 'nanwan.party9';
    for (let i = 0; i < THROTTLE.free; i++) {
      const wrong = await loginFrom(s, '127.0.0.2', user, `guess-${i}`);
      expect(wrong.status).toBe(401);
      expect(wrong.body.error!.data.code).toBe('UNAUTHORIZED');
    }
    // Now that address waits 30 seconds, even with the right password, and is told so.
    const throttled = await loginFrom(s, '127.0.0.2', user, DEMO_PASSWORD);
    expect(throttled.status).toBe(429);
    expect(throttled.body.error!.data).toMatchObject({ code: 'TOO_MANY_REQUESTS', engineCode: 'SIGN_IN_THROTTLED', retryAfterSeconds: 30 });
    expect(throttled.retryAfter).toBe('30');
    expect(throttled.body.error!.message).toMatch(/try again in 30 seconds/);
    expect(throttled.cookie).toBeUndefined();

    // The user on their own phone (another address) signs in at once; so does anyone on the first one's address under another name.
    const elsewhere = await loginFrom(s, '127.0.0.3', user, DEMO_PASSWORD);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.result!.data.user.username).toBe(user);
    expect(elsewhere.cookie).toMatch(/^vf_session=/);
    expect((await loginFrom(s, '127.0.0.2', 'nanwan.party8', DEMO_PASSWORD)).status).toBe(200);

    // Each further failure doubles the wait: 30 s, 60 s, 120 s.
    let waited = 30;
    for (const next of [60, 120]) {
      s.clock.advance((waited - 1) * 1000);
      expect((await loginFrom(s, '127.0.0.2', user, 'guess-again')).body.error!.data.retryAfterSeconds).toBe(1);
      s.clock.advance(1000);
      expect((await loginFrom(s, '127.0.0.2', user, 'guess-again')).status).toBe(401);
      const again = await loginFrom(s, '127.0.0.2', user, DEMO_PASSWORD);
      expect(again.status).toBe(429);
      expect(again.retryAfter).toBe(String(next));
      waited = next;
    }
    // Refused tries are not failures: waiting out the delay is enough, and success forgets them.
    s.clock.advance(waited * 1000);
    expect((await loginFrom(s, '127.0.0.2', user, DEMO_PASSWORD)).status).toBe(200);
    expect(count(s, 'SELECT count(*) AS n FROM login_failures WHERE key = ?', throttleKey(user, '127.0.0.2'))).toBe(0);
  });

  it('caps the delay at an hour and forgets failures after a day', () => {
    const now = new Date('2026-03-02T10:00:00Z');
    const last = now.toISOString();
    expect(throttleWait({ count: THROTTLE.free - 1, last }, now)).toBe(0);
    expect(throttleWait({ count: THROTTLE.free, last }, now)).toBe(30);
    expect(throttleWait({ count: THROTTLE.free + 3, last }, now)).toBe(240);
    expect(throttleWait({ count: THROTTLE.free + 40, last }, now)).toBe(3600);
    expect(THROTTLE.forgetHours).toBe(24);
  });

  it('the scheduler tick prunes failed sign-ins older than a day', async () => {
    for (let i = 0; i < 3; i++) expect((await loginFrom(s, '127.0.0.4', 'xiling.party9', 'wrong')).status).toBe(401);
    const key = throttleKey('xiling.party9', '127.0.0.4');
    expect(count(s, 'SELECT count(*) AS n FROM login_failures WHERE key = ?', key)).toBe(3);
    s.clock.advance(23 * HOUR);
    await s.scheduler.tick();
    expect(count(s, 'SELECT count(*) AS n FROM login_failures WHERE key = ?', key)).toBe(3);
    s.clock.advance(HOUR + MINUTE);
    const report = await s.scheduler.tick();
    expect(report.pruned?.loginFailures).toBeGreaterThanOrEqual(3);
    expect(count(s, 'SELECT count(*) AS n FROM login_failures WHERE key = ?', key)).toBe(0);
  });
});

describe('session limits (defaults: 8 hours idle, 7 days at most)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  it('a session used every few hours lasts; one left alone for 8 hours ends', async () => {
    expect(DEFAULT_SESSION_POLICY).toEqual({ idleMinutes: 480, maxHours: 168 });
    const used = clientFor(s.url);
    const left = clientFor(s.url);
    await used.client.auth.login.mutate({ username: 'dongping.clerk', password: DEMO_PASSWORD });
    await left.client.auth.login.mutate({ username: 'dongping.secretary', password: DEMO_PASSWORD });
    expect((await left.client.auth.me.query())?.user.username).toBe('dongping.secretary');
    for (let h = 7; h <= 21; h += 7) {
      s.clock.advance(7 * HOUR);
      expect((await used.client.auth.me.query())?.user.username, `after ${h} hours`).toBe('dongping.clerk');
    }
    // 21 hours since the secretary's last request.
    expect(await left.client.auth.me.query()).toBeNull();
    expect((await used.client.tasks.inbox.query()).length).toBeGreaterThanOrEqual(0);
  });

  it('ends 7 days after sign-in however much it is used, and the tick prunes ended sessions', async () => {
    const { client, cookies } = clientFor(s.url);
    await client.auth.login.mutate({ username: 'xiling.clerk', password: DEMO_PASSWORD });
    const signedIn = s.clock().getTime();
    for (let h = 6; h < 168; h += 6) {
      s.clock.set(new Date(signedIn + h * HOUR));
      expect((await client.auth.me.query())?.user.username, `after ${h} hours`).toBe('xiling.clerk');
    }
    s.clock.set(new Date(signedIn + 168 * HOUR));
    expect(await client.auth.me.query()).toBeNull();
    expect(cookies.get('vf_session')).toBeTruthy();

    const before = count(s, 'SELECT count(*) AS n FROM sessions');
    expect(before).toBeGreaterThan(0);
    const report = await s.scheduler.tick();
    // Every session of this file has ended by now: all pruned.
    expect(report.pruned?.sessions).toBe(before);
    expect(count(s, 'SELECT count(*) AS n FROM sessions')).toBe(0);
  });
});

describe('password hashing cost', () => {
  it('is scrypt N = 2^15 by default; a lower VILLAGEFLOW_SCRYPT_COST is for tests only and refused in production', () => {
    expect(DEFAULT_SCRYPT_COST).toBe(15);
    expect(scryptCostFromEnv({})).toBe(15);
    expect(scryptCostFromEnv({ VILLAGEFLOW_SCRYPT_COST: '10', NODE_ENV: 'test' })).toBe(10);
    expect(scryptCostFromEnv({ VILLAGEFLOW_SCRYPT_COST: '16', NODE_ENV: 'production' })).toBe(16);
    expect(() => scryptCostFromEnv({ VILLAGEFLOW_SCRYPT_COST: '10', NODE_ENV: 'production' })).toThrow(/VILLAGEFLOW_SCRYPT_COST=10 is below 15/);
    expect(() => scryptCostFromEnv({ VILLAGEFLOW_SCRYPT_COST: 'high' })).toThrow(/VILLAGEFLOW_SCRYPT_COST must be a whole number/);
    expect(() => scryptCostFromEnv({ VILLAGEFLOW_SCRYPT_COST: '2' })).toThrow(/VILLAGEFLOW_SCRYPT_COST/);
  });

  it('a hash keeps the cost it was made at: one made at the production cost verifies under the test cost, and the reverse', async () => {
    const before = process.env.VILLAGEFLOW_SCRYPT_COST;
    try {
      delete process.env.VILLAGEFLOW_SCRYPT_COST;
      const production = await hashPassword('dongping-2026');
      expect(production).toMatch(/^scrypt\$32768\$8\$1\$/);
      process.env.VILLAGEFLOW_SCRYPT_COST = '10';
      const cheap = await hashPassword('dongping-2026');
      expect(cheap).toMatch(/^scrypt\$1024\$8\$1\$/);
      expect(await verifyPassword('dongping-2026', production)).toBe(true);
      expect(await verifyPassword('dongping-2027', production)).toBe(false);
      delete process.env.VILLAGEFLOW_SCRYPT_COST;
      expect(await verifyPassword('dongping-2026', cheap)).toBe(true);
      expect(await verifyPassword('dongping-2027', cheap)).toBe(false);
    } finally {
      if (before === undefined) delete process.env.VILLAGEFLOW_SCRYPT_COST;
      else process.env.VILLAGEFLOW_SCRYPT_COST = before;
    }
  });
});

describe('session limits from the environment', () => {
  it('reads VILLAGEFLOW_SESSION_IDLE_MINUTES and VILLAGEFLOW_SESSION_MAX_HOURS, and names a bad one', () => {
    expect(sessionPolicyFromEnv({})).toEqual(DEFAULT_SESSION_POLICY);
    expect(sessionPolicyFromEnv({ VILLAGEFLOW_SESSION_IDLE_MINUTES: '30', VILLAGEFLOW_SESSION_MAX_HOURS: '12' })).toEqual({ idleMinutes: 30, maxHours: 12 });
    expect(() => sessionPolicyFromEnv({ VILLAGEFLOW_SESSION_IDLE_MINUTES: 'half an hour' })).toThrow(/VILLAGEFLOW_SESSION_IDLE_MINUTES must be a positive number/);
    expect(() => sessionPolicyFromEnv({ VILLAGEFLOW_SESSION_MAX_HOURS: '0' })).toThrow(/VILLAGEFLOW_SESSION_MAX_HOURS/);
  });

  it('a server configured for 30 idle minutes and 2 hours holds to them, in the cookie too', async () => {
    const s = await startTestServer({ sessions: { idleMinutes: 30, maxHours: 2 } });
    try {
      const answer = await loginFrom(s, '127.0.0.1', 'nanwan.clerk', DEMO_PASSWORD);
      expect(answer.cookie).toMatch(/Max-Age=7200/);
      const { client, cookies } = clientFor(s.url);
      cookies.set('vf_session', answer.cookie!.split(';')[0]!.split('=')[1]!);
      s.clock.advance(29 * MINUTE);
      expect((await client.auth.me.query())?.user.username).toBe('nanwan.clerk');
      s.clock.advance(29 * MINUTE);
      expect((await client.auth.me.query())?.user.username).toBe('nanwan.clerk');
      s.clock.advance(31 * MINUTE);
      expect(await client.auth.me.query()).toBeNull();
    } finally {
      await s.close();
    }
  });
});

describe('a password an admin chose is changed at first sign-in', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  it('a new user signs in, can do nothing but choose a password (stated rule) or sign out, then works', async () => {
    const admin = await s.as('qs.admin');
    const created = await admin.org.createUser.mutate({ username: 'dongping.clerk2', displayName: '东坪村记录员2', password: 'given-by-admin', roles: [{ role: 'clerk', villageId: 'dongping' }] });
    expect(created!.mustChangePassword).toBe(true);

    const { client } = clientFor(s.url);
    const signedIn = await client.auth.login.mutate({ username: 'dongping.clerk2', password: 'given-by-admin' });
    expect(signedIn.user.mustChangePassword).toBe(true);
    expect((await client.auth.me.query())?.user.mustChangePassword).toBe(true);
    // Each call starts only when awaited: three promises made at once would leave two rejected
    // with no handler while the first is awaited (an unhandled rejection, which fails the run).
    for (const call of [() => client.tasks.inbox.query(), () => client.org.villages.query(), () => client.instances.start.mutate({ villageId: 'dongping', flowId: 'five-deliberations-two-disclosures' })]) {
      const refused = await errorOf(call());
      expect(refused).toMatchObject({ code: 'FORBIDDEN', data: { engineCode: 'PASSWORD_CHANGE_REQUIRED' } });
    }
    const weak = await errorOf(client.auth.changePassword.mutate({ current: 'given-by-admin', next: '12345678' }));
    expect(weak.code).toBe('BAD_REQUEST');
    expect(weak.data.fieldErrors).toEqual({ next: { __errors: [expect.stringMatching(/^must be at least 8 characters, mixing at least two of letters, digits and other characters/)] } });
    const wrong = await errorOf(client.auth.changePassword.mutate({ current: 'not-it', next: 'dongping-2026' }));
    expect(wrong.data.fieldErrors).toEqual({ current: { __errors: ['is not your current password'] } });

    const changed = await client.auth.changePassword.mutate({ current: 'given-by-admin', next: 'dongping-2026' });
    expect(changed.user.mustChangePassword).toBe(false);
    expect(Array.isArray(await client.tasks.inbox.query())).toBe(true);
    const log = await admin.audit.log.query({ limit: 2 });
    expect(log.map((e) => e.action)).toEqual(['user.password', 'user.create']);
    expect(JSON.stringify(log)).not.toMatch(/dongping-2026|given-by-admin|scrypt/);
    // The old password no longer signs in; the new one does, with nothing left to change.
    expect((await errorOf(clientFor(s.url).client.auth.login.mutate({ username: 'dongping.clerk2', password: 'given-by-admin' }))).code).toBe('UNAUTHORIZED');
    expect((await clientFor(s.url).client.auth.login.mutate({ username: 'dongping.clerk2', password: 'dongping-2026' })).user.mustChangePassword).toBe(false);
  });

  it('sign-out works while a change is required', async () => {
    const admin = await s.as('qs.admin');
    await admin.org.createUser.mutate({ username: 'xiling.clerk2', displayName: '西岭村记录员2', password: 'given-by-admin', roles: [{ role: 'clerk', villageId: 'xiling' }] });
    const { client, cookies } = clientFor(s.url);
    await client.auth.login.mutate({ username: 'xiling.clerk2', password: 'given-by-admin' });
    expect(await client.auth.logout.mutate()).toEqual({ ok: true });
    expect(cookies.has('vf_session')).toBe(false);
  });

  it("a reset ends the user's sessions and asks for a new password at the next sign-in; a change ends the user's other sessions", async () => {
    const phone = clientFor(s.url).client;
    const office = clientFor(s.url).client;
    await phone.auth.login.mutate({ username: 'nanwan.clerk', password: DEMO_PASSWORD });
    await office.auth.login.mutate({ username: 'nanwan.clerk', password: DEMO_PASSWORD });
    const admin = await s.as('qs.admin');
    expect((await admin.org.resetPassword.mutate({ userId: 'nanwan-clerk', password: 'handed-over-1' }))!.mustChangePassword).toBe(true);
    expect(await phone.auth.me.query()).toBeNull();
    expect(await office.auth.me.query()).toBeNull();
    expect((await admin.audit.log.query({ limit: 1 }))[0]).toMatchObject({ action: 'user.password_reset', target: 'nanwan-clerk' });

    await phone.auth.login.mutate({ username: 'nanwan.clerk', password: 'handed-over-1' });
    await office.auth.login.mutate({ username: 'nanwan.clerk', password: 'handed-over-1' });
    expect((await errorOf(office.tasks.inbox.query())).data.engineCode).toBe('PASSWORD_CHANGE_REQUIRED');
    await phone.auth.changePassword.mutate({ current: 'handed-over-1', next: 'nanwan-own-1' });
    expect(Array.isArray(await phone.tasks.inbox.query())).toBe(true);
    expect(await office.auth.me.query()).toBeNull();
  });

  it('the demo users (seeded) sign in without being asked to change anything', async () => {
    const client = await s.as('dongping.secretary');
    expect((await client.auth.me.query())?.user.mustChangePassword).toBe(false);
    expect(Array.isArray(await client.tasks.inbox.query())).toBe(true);
  });
});
