// Response headers every answer carries, and the CSRF rule for cookie-authenticated calls.
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The web app's Content-Security-Policy: only its own scripts, styles, images and API.
 *
 * script-src is 'self' alone: no inline scripts, no scripts from anywhere else, and no compiling
 * strings into code (no 'unsafe-eval'), so an injected `<script>`, `onclick=` or a string handed to
 * `eval`/`Function` does not run. The app checks forms and flows in the browser without compiling
 * code, though Ajv (the server's validator) compiles each schema with `Function(...)`: the web build
 * gets engine/schemaBackend.browser.ts instead — the flow language's schema and JSON Schema's own
 * meta-schema as Ajv standalone validators generated ahead (engine/precompiled.generated.js), and
 * the schemas township admins write at run time (step forms, instance data) interpreted
 * (engine/schemaInterpreter.ts), with Ajv's error objects either way; RJSF's forms use the same
 * interpreter (designer/forms/formValidator.ts). tests/e2e/csp.test.ts proves the policy holds.
 *
 * img-src allows data: for the QR codes of printed notices (rendered as data:image/svg+xml) and
 * blob: for previews of meeting photos the user picks (URL.createObjectURL). connect-src allows
 * blob: so the page can read back files it made itself (exports, simulator runs); blob: URLs can
 * only be made by the page's own origin.
 *
 * style-src allows 'unsafe-inline'. The app itself does not need it (its CSS is one stylesheet and
 * React sets `style` props through the CSSOM, which CSP does not govern), but the browser tests
 * inject a <style> for their screenshots; tightening this to 'self' needs those tests to open
 * their pages with `bypassCSP`. Inline styles cannot run code; the script policy is what matters.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** API and health answers are data, never documents: nothing may load from or frame them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()';

export function securityHeaders(res: ServerResponse, opts: { secure: boolean; document: boolean }): void {
  res.setHeader('Content-Security-Policy', opts.document ? APP_CSP : API_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  // frame-ancestors 'none' in the CSP; X-Frame-Options for browsers that predate it.
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  // Only behind TLS: HSTS on plain HTTP would be ignored at best and lock a LAN install out at worst.
  if (opts.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
}

/** The header the web client (and every script or test client) sends with each API call. */
export const CLIENT_HEADER = 'x-villageflow';

function hostOf(value: string): string | null {
  try {
    return new URL(value).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * CSRF: the session cookie is SameSite=Lax, and on top of that a state-changing call (POST) must
 * come from the server's own origin. Browsers send Origin with every POST; when it names another
 * host than the one the request was sent to (Host), the call is refused. A request without Origin
 * (older browsers, or non-browser clients) must carry the custom header `x-villageflow`, which a
 * page on another origin cannot add without a CORS preflight — and the server never grants one.
 * Only the host (name and port) is compared, not the scheme, so a TLS-terminating proxy that
 * forwards the Host header works unchanged.
 *
 * Returns null when the request may go ahead, otherwise the reason it is refused.
 */
export function csrfRefusal(req: IncomingMessage): string | null {
  if (req.method !== 'POST') return null;
  const host = req.headers.host?.toLowerCase();
  if (!host) return 'the request has no Host header';
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const from = origin === 'null' ? null : hostOf(origin);
    return from === host ? null : `cross-origin request refused: Origin ${origin} is not this server (${host})`;
  }
  const referer = req.headers.referer;
  if (referer !== undefined && hostOf(referer) !== host) return `cross-origin request refused: Referer names another origin than this server (${host})`;
  if (req.headers[CLIENT_HEADER] !== '1') return `request refused: a call without an Origin header must carry the header ${CLIENT_HEADER}: 1`;
  return null;
}

/** A 403 in the shape a tRPC client reads as an error (code FORBIDDEN), so the app shows the message. */
export function refuseCsrf(res: ServerResponse, message: string): void {
  res.statusCode = 403;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ error: { message, code: -32003, data: { code: 'FORBIDDEN', httpStatus: 403, reason: 'CSRF' } } }));
}
