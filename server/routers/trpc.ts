// The one initTRPC of the server: procedures, the error formatter, and the auth middlewares.
import { initTRPC, TRPCError } from '@trpc/server';
import type { ContextInner } from './context.ts';
import { detailsOf, ServerRefusal, toTRPCError } from '../errors.ts';
import { hasTownshipRole } from '../access/scope.ts';
import type { PlatformRole } from '../store/types.ts';

/** The largest request body the HTTP server reads (server/host/http.ts); a larger one is refused, in words. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** tRPC refuses a body over the limit with its code alone as the message; people read this instead. */
const TOO_LARGE = `what was sent is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB; send less at a time (a sheet of people: import it in parts)`;

const t = initTRPC.context<ContextInner>().create({
  // Not the development shape: tRPC would read each error's stack (formatting it costs more than
  // the rest of a refusal) only for the formatter below to drop it.
  isDev: false,
  errorFormatter({ shape, error }) {
    // No stack traces leave the server; engine details (code, field issues) do.
    const { stack: _stack, ...data } = shape.data;
    const message = error.code === 'PAYLOAD_TOO_LARGE' && error.message === 'PAYLOAD_TOO_LARGE' ? TOO_LARGE : shape.message;
    return { ...shape, message, data: { ...data, ...detailsOf(error) } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Maps every thrown error through the one table in errors.ts. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  // tRPC wraps anything that is not a TRPCError as INTERNAL_SERVER_ERROR with the original as cause.
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR' && result.error.cause) throw toTRPCError(result.error.cause);
  return result;
});

export const publicProcedure = t.procedure.use(mapErrors);

/** Signed in, whatever the password's state: only changing the password and signing out use it. */
export const signedInProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  // Only the narrowed key: tRPC merges it into the context itself, so spreading the whole context
  // here would copy it once more on every request.
  return next({ ctx: { user: ctx.user } });
});

/** Signed in with a password of one's own: a password an admin chose is changed before anything else. */
export const authedProcedure = signedInProcedure.use(({ ctx, next }) => {
  if (ctx.user.mustChangePassword) throw new ServerRefusal('PASSWORD_CHANGE_REQUIRED', 'choose a new password first (auth.changePassword)');
  return next();
});

export function townshipProcedure(...roles: PlatformRole[]) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!hasTownshipRole(ctx.user, ...roles)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `needs one of the township roles ${roles.join(', ')}` });
    }
    return next();
  });
}
