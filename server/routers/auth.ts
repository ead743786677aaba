// Sign in / out and who am I. Failed sign-ins are counted per user name; past the limit the
// name is locked for the window, whatever the password.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { hashPassword, newSessionToken, SESSION_COOKIE, SESSION_DAYS, sessionCookie, THROTTLE, tokenHash, verifyPassword } from '../auth.ts';
import { authedProcedure, publicProcedure, router } from '../trpc.ts';
import { readableVillageIds } from '../scope.ts';

// A constant hash to compare against when the user does not exist, so timing does not tell.
const absentUserHash = hashPassword('absent-user-placeholder');

export const authRouter = router({
  login: publicProcedure
    .input(z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const now = ctx.runtime.clock();
      const key = `user:${input.username}`;
      const since = new Date(now.getTime() - THROTTLE.windowMinutes * 60_000).toISOString();
      if ((await store.countLoginFailures(key, since)) >= THROTTLE.failures) {
        throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: `too many failed sign-ins; try again in ${THROTTLE.windowMinutes} minutes` });
      }
      const user = await store.getUserByUsername(input.username);
      const ok = await verifyPassword(input.password, user?.passwordHash ?? (await absentUserHash));
      if (!user || !ok) {
        await store.recordLoginFailure(key, now.toISOString());
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'wrong user name or password' });
      }
      await store.clearLoginFailures(key);
      const token = newSessionToken();
      const expires = new Date(now.getTime() + SESSION_DAYS * 86400_000);
      await store.createSession({ tokenHash: tokenHash(token), userId: user.id, createdAt: now.toISOString(), expiresAt: expires.toISOString() });
      ctx.setCookie(sessionCookie(token, { secure: ctx.secureCookies, maxAgeSeconds: SESSION_DAYS * 86400 }));
      const { passwordHash: _secret, ...safe } = user;
      return { user: safe };
    }),

  logout: authedProcedure.mutation(async ({ ctx }) => {
    if (ctx.sessionTokenHash) await ctx.runtime.store.deleteSession(ctx.sessionTokenHash);
    ctx.setCookie(`${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
    return { ok: true };
  }),

  me: publicProcedure.query(async ({ ctx }) => {
    if (!ctx.user) return null;
    const { store } = ctx.runtime;
    const villages = await store.listVillages(ctx.user.townshipId);
    const readable = new Set(readableVillageIds(ctx.user, villages));
    return { user: ctx.user, township: await store.getTownship(ctx.user.townshipId), villages: villages.filter((v) => readable.has(v.id)) };
  }),
});
