// The web app talks to the server only through this client; it imports the router's type, no code.
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../../server/routers/_app.ts';
import type { FlowIssue } from '../../engine/index.ts';

// `x-villageflow: 1` on every call: the server's CSRF check accepts a call without an Origin header
// only with it (server/access/security.ts); browsers send Origin anyway, so this is belt and braces.
export const api = createTRPCClient<AppRouter>({ links: [httpLink({ url: '/trpc', headers: { 'x-villageflow': '1' } })] });

export interface ApiErrorInfo {
  code: string;
  message: string;
  engineCode?: string;
  issues: FlowIssue[];
  fieldErrors?: Record<string, unknown>;
  /** A throttled sign-in: seconds until the next try is taken. */
  retryAfterSeconds?: number;
}

export function errorInfo(error: unknown): ApiErrorInfo {
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as { code?: string; engineCode?: string; issues?: FlowIssue[]; fieldErrors?: Record<string, unknown>; retryAfterSeconds?: number };
    return { code: data.code ?? 'UNKNOWN', message: error.message, engineCode: data.engineCode, issues: data.issues ?? [], fieldErrors: data.fieldErrors, retryAfterSeconds: data.retryAfterSeconds };
  }
  return { code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error), issues: [] };
}
