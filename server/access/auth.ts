// Passwords (scrypt, memory-hard, from node:crypto), session tokens (random; only their SHA-256
// is stored), the session cookie and its limits, and sign-in throttling per (user name, address).
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Session, Store, User } from '../store/types.ts';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

/** scrypt's cost as log2 N: N = 2^15 (32 MiB of memory per hash, about 0.1 s on a small server). */
export const DEFAULT_SCRYPT_COST = 15;
const SCRYPT = { r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/**
 * The cost new password hashes are made at, from VILLAGEFLOW_SCRYPT_COST (log2 N, default 15). Only
 * test runs set it lower, where every sign-in would otherwise pay the production cost; with
 * NODE_ENV=production a cost below the default is refused. A bad value stops the start, by name.
 * A hash keeps the cost it was made at, so hashes made at any cost verify.
 */
export function scryptCostFromEnv(env: Record<string, string | undefined>): number {
  const text = env.VILLAGEFLOW_SCRYPT_COST;
  if (text === undefined || text === '') return DEFAULT_SCRYPT_COST;
  const cost = Number(text);
  if (!Number.isInteger(cost) || cost < 4 || cost > 20) throw new Error(`VILLAGEFLOW_SCRYPT_COST must be a whole number from 4 to 20 (log2 of scrypt's N), not ${JSON.stringify(text)}`);
  if (cost < DEFAULT_SCRYPT_COST && env.NODE_ENV === 'production') {
    throw new Error(`VILLAGEFLOW_SCRYPT_COST=${cost} is below ${DEFAULT_SCRYPT_COST}, which is only for tests: unset it in production`);
  }
  return cost;
}
const KEY_LENGTH = 32;
export const SESSION_COOKIE = 'vf_session';

/**
 * How long a session lasts: it ends after `idleMinutes` without a request, and `maxHours` after
 * sign-in whatever its use. The defaults suit cadres on their own phones: signed in once a working
 * day, a phone left signed in overnight or lost is signed out, a session in constant use is
 * renewed weekly.
 */
export interface SessionPolicy {
  idleMinutes: number;
  maxHours: number;
}
export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMinutes: 8 * 60, maxHours: 7 * 24 };
/** A session's last request is written at most this often (not on every request). */
const TOUCH_MS = 60_000;

/** The policy from VILLAGEFLOW_SESSION_IDLE_MINUTES and VILLAGEFLOW_SESSION_MAX_HOURS; a bad value stops the start, by name. */
export function sessionPolicyFromEnv(env: Record<string, string | undefined>): SessionPolicy {
  const read = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(text)}`);
    return value;
  };
  return {
    idleMinutes: read('VILLAGEFLOW_SESSION_IDLE_MINUTES', DEFAULT_SESSION_POLICY.idleMinutes),
    maxHours: read('VILLAGEFLOW_SESSION_MAX_HOURS', DEFAULT_SESSION_POLICY.maxHours),
  };
}

/**
 * Failed sign-ins are counted per (user name, client address), so nobody can lock a named user out
 * from elsewhere: the user signs in from their own phone as before. The first `free` failures cost
 * nothing; after that each try waits a delay that doubles with every failure (30 s, 1 min, 2 min…
 * up to an hour) after the last one. Failures are forgotten after `forgetHours` and on success.
 */
export const THROTTLE = { free: 5, firstDelaySeconds: 30, maxDelaySeconds: 3600, forgetHours: 24 };

export function throttleKey(username: string, clientAddress: string): string {
  return JSON.stringify([username, clientAddress]);
}

/** Seconds to wait before the next try, given the recent failures of a (user name, address); 0: try now. */
export function throttleWait(failures: { count: number; last: string | null }, now: Date): number {
  if (failures.count < THROTTLE.free || !failures.last) return 0;
  const delay = Math.min(THROTTLE.firstDelaySeconds * 2 ** (failures.count - THROTTLE.free), THROTTLE.maxDelaySeconds);
  const waited = (now.getTime() - Date.parse(failures.last)) / 1000;
  return waited >= delay ? 0 : Math.ceil(delay - waited);
}

/** Since when failures count. */
export function throttleSince(now: Date): string {
  return new Date(now.getTime() - THROTTLE.forgetHours * 3600_000).toISOString();
}

export async function hashPassword(password: string, N = 2 ** scryptCostFromEnv(process.env)): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { ...SCRYPT, N });
  return ['scrypt', N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}
/**
 * A machine-made temporary password (a bulk import's: 12 random characters, about 70 bits) needs no
 * memory-hard cost to resist guessing, and is replaced at first sign-in: a cheaper scrypt (N = 2^12,
 * or the configured cost if lower, as in tests), so importing a township's people takes seconds, not
 * minutes. The cost travels in the hash.
 */
export function hashTemporaryPassword(password: string): Promise<string> {
  return hashPassword(password, 2 ** Math.min(12, scryptCostFromEnv(process.env)));
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT.maxmem });
  return timingSafeEqual(actual, expected);
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A forged cookie with broken %-escapes is kept as sent (it matches no session), not a 500. */
function decodeCookieValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeCookieValue(part.slice(i + 1).trim());
  }
  return out;
}

export function sessionCookie(token: string, opts: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${opts.maxAgeSeconds}`,
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

/** The rule a password a user chooses must meet, as the error states it. */
export const PASSWORD_RULE = 'at least 8 characters, mixing at least two of letters, digits and other characters, not containing the user name, and not the current password';

/** Why a password the user chose is too weak, or null when it meets PASSWORD_RULE. */
export function passwordWeakness(next: string, opts: { username: string; current: string }): string | null {
  const kinds = [/\p{L}/u, /\p{N}/u, /[^\p{L}\p{N}]/u].filter((kind) => kind.test(next)).length;
  const weak = [...next].length < 8 || kinds < 2 || next === opts.current || next.toLowerCase().includes(opts.username.toLowerCase());
  return weak ? `must be ${PASSWORD_RULE}` : null;
}

/** A new session's times: its absolute end is fixed at sign-in. */
export function newSession(userId: string, token: string, now: Date, policy: SessionPolicy): Session {
  const at = now.toISOString();
  return { tokenHash: tokenHash(token), userId, createdAt: at, lastSeenAt: at, expiresAt: new Date(now.getTime() + policy.maxHours * 3600_000).toISOString() };
}

/** The oldest last request a live session may have. */
function idleCutoff(now: Date, policy: SessionPolicy): string {
  return new Date(now.getTime() - policy.idleMinutes * 60_000).toISOString();
}

/** The user behind a session token, if the session exists and has reached neither limit; its use is noted. */
export async function userForToken(store: Store, token: string | undefined, now: Date, policy: SessionPolicy): Promise<{ user: User; tokenHash: string } | null> {
  if (!token || token.length > 200) return null;
  const hash = tokenHash(token);
  const session = await store.getSession(hash);
  if (!session || session.expiresAt <= now.toISOString() || session.lastSeenAt <= idleCutoff(now, policy)) return null;
  const user = await store.getUser(session.userId);
  if (!user || user.deactivatedAt) return null;
  if (now.getTime() - Date.parse(session.lastSeenAt) >= TOUCH_MS) await store.touchSession(hash, now.toISOString());
  return { user, tokenHash: hash };
}

/** Removes sessions past either limit and failed sign-ins too old to count. */
export function pruneSignIns(store: Store, now: Date, policy: SessionPolicy): Promise<{ sessions: number; loginFailures: number }> {
  return store.pruneSignIns({ now: now.toISOString(), idleBefore: idleCutoff(now, policy), failuresBefore: throttleSince(now) });
}
