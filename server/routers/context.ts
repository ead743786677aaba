// Request context. `createContextInner` is pure data (store, runtime, user) so router tests can
// call procedures without HTTP; `createContext` reads the session cookie off a real request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseCookies, SESSION_COOKIE, userForToken } from '../access/auth.ts';
import { noteRequestUser } from '../log.ts';
import type { Runtime } from '../matters/runtime.ts';
import type { User } from '../store/types.ts';

export interface ContextInner {
  runtime: Runtime;
  user: User | null;
  sessionTokenHash: string | null;
  /** Sets a response cookie (login / logout); a no-op without HTTP. */
  setCookie: (cookie: string) => void;
  secureCookies: boolean;
  /** Who is asking, for sign-in throttling: the remote address of the connection (a proxy's, behind one). */
  clientKey: string;
}

export function createContextInner(opts: Partial<ContextInner> & { runtime: Runtime }): ContextInner {
  return { user: null, sessionTokenHash: null, setCookie: () => {}, secureCookies: false, clientKey: 'local', ...opts };
}

export async function createContext(runtime: Runtime, req: IncomingMessage, res: ServerResponse, secureCookies: boolean): Promise<ContextInner> {
  const token = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  const session = await userForToken(runtime.store, token, runtime.clock(), runtime.sessions);
  if (session) noteRequestUser(req, session.user.id);
  return createContextInner({
    runtime,
    user: session?.user ?? null,
    sessionTokenHash: session?.tokenHash ?? null,
    secureCookies,
    clientKey: req.socket.remoteAddress ?? 'unknown',
    setCookie: (cookie) => {
      const prev = res.getHeader('Set-Cookie');
      res.setHeader('Set-Cookie', [...(Array.isArray(prev) ? prev : prev ? [String(prev)] : []), cookie]);
    },
  });
}
