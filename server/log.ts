// Structured logs (pino): one JSON line per request, errors with their stack (server side only).
// A request line names the method and the path — never the query string (tRPC GET inputs live
// there), bodies, headers, cookies or tokens. Redaction is a second net for anything logged by
// mistake: passwords, cookies, session tokens and ID numbers are censored wherever they sit.
import type { IncomingMessage } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

const SECRET_KEYS = ['password', 'newPassword', 'oldPassword', 'currentPassword', 'passwordHash', 'password_hash', 'token', 'sessionToken', 'tokenHash', 'cookie', 'authorization', 'id_number', 'idNumber'];

/** pino redact paths: each secret key at the top level and up to two objects down, and in headers. */
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers["set-cookie"]',
];

/** The level from VILLAGEFLOW_LOG_LEVEL (default 'info'; 'silent' turns logging off). */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env, fallback = 'info'): string {
  return env.VILLAGEFLOW_LOG_LEVEL?.trim() || fallback;
}

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const options = {
    level: opts.level ?? logLevelFromEnv(),
    base: { app: 'villageflow' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** What a request's log line needs to know from deeper layers (the signed-in user). */
export interface RequestInfo {
  id: string;
  userId?: string;
}
const requests = new WeakMap<IncomingMessage, RequestInfo>();

export function trackRequest(req: IncomingMessage, info: RequestInfo): void {
  requests.set(req, info);
}
export function requestInfo(req: IncomingMessage): RequestInfo | undefined {
  return requests.get(req);
}
/** Called by the context once the session cookie is resolved. */
export function noteRequestUser(req: IncomingMessage, userId: string): void {
  const info = requests.get(req);
  if (info) info.userId = userId;
}
