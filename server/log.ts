// Structured logs (pino): one JSON line per request, errors with their stack (server side only).
// A request line names the method and the path — never the query string (tRPC GET inputs live
// there), bodies, headers, cookies or tokens. Redaction is a second net for anything logged by
// mistake: passwords, cookies, session tokens and ID numbers are censored wherever they sit.
// The request line itself skips that net (see requestLogger): its fields are fixed and carry no
// secret, and the wildcard paths cost ≈ 20x the rest of the line on every request.
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

/**
 * Without a destination, lines go to stdout in batches of at least 4 kB, written asynchronously,
 * instead of one blocking write(2) per request. What is buffered leaves within a second (a timer)
 * and when the process exits (pino flushes on exit, crashes included); only a killed process or
 * machine can lose the last second of lines.
 */
export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  const options = {
    level: opts.level ?? logLevelFromEnv(),
    base: { app: 'villageflow' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
  };
  if (opts.destination) return pino(options, opts.destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  const timer = setInterval(() => stdout.flush(), 1000).unref();
  stdout.once('close', () => clearInterval(timer));
  return pino(options, stdout);
}

/**
 * The logger for the one line per request: `logger` without redaction. Only for objects whose
 * fields are fixed by the caller and hold no secret (request id, method, path, status, duration,
 * user id); anything else goes through `logger`.
 */
export function requestLogger(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
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
