// Sign in / out and who am I. Failed sign-ins are counted per (user name, client address) and
// slow down that pair only (server/auth.ts): nobody elsewhere can lock a named user out.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { hashPassword, newSession, newSessionToken, SESSION_COOKIE, sessionCookie, throttleKey, throttleSince, throttleWait, verifyPassword } from '../auth.ts';
import { ServerRefusal } from '../errors.ts';
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
      const key = throttleKey(input.username, ctx.clientKey);
      const wait = throttleWait(await store.loginFailures(key, throttleSince(now)), now);
      if (wait > 0) {
        throw new ServerRefusal('SIGN_IN_THROTTLED', `too many failed sign-ins for this user name from this address; try again in ${wait} seconds`, wait);
      }
      const user = await store.getUserByUsername(input.username);
      const ok = await verifyPassword(input.password, user?.passwordHash ?? (await absentUserHash));
      if (!user || !ok) {
        await store.recordLoginFailure(key, now.toISOString());
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'wrong user name or password' });
      }
      await store.clearLoginFailures(key);
      const token = newSessionToken();
      await store.createSession(newSession(user.id, token, now, ctx.runtime.sessions));
      ctx.setCookie(sessionCookie(token, { secure: ctx.secureCookies, maxAgeSeconds: Math.round(ctx.runtime.sessions.maxHours * 3600) }));
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
