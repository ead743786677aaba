// Sign in / out and who am I. Failed sign-ins are counted per (user name, client address) and
// slow down that pair only (server/access/auth.ts): nobody elsewhere can lock a named user out.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { hashPassword, newSession, newSessionToken, passwordWeakness, SESSION_COOKIE, sessionCookie, throttleKey, throttleSince, throttleWait, verifyPassword } from '../access/auth.ts';
import type { ContextInner } from './context.ts';
import { InvalidInputError, ServerRefusal } from '../errors.ts';
import { authedProcedure, publicProcedure, router, signedInProcedure } from './trpc.ts';
import { readableVillageIds } from '../access/scope.ts';

// A constant hash to compare against when the user does not exist, so timing does not tell.
const absentUserHash = hashPassword('absent-user-placeholder');

/** Refuses a (user name, address) that must still wait after failed sign-ins; returns its throttle key. */
async function throttled(ctx: ContextInner, username: string): Promise<string> {
  const now = ctx.runtime.clock();
  const key = throttleKey(username, ctx.clientKey);
  const wait = throttleWait(await ctx.runtime.store.loginFailures(key, throttleSince(now)), now);
  if (wait > 0) throw new ServerRefusal('SIGN_IN_THROTTLED', `too many failed sign-ins for this user name from this address; try again in ${wait} seconds`, wait);
  return key;
}

export const authRouter = router({
  login: publicProcedure
    .input(z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const now = ctx.runtime.clock();
      const key = await throttled(ctx, input.username);
      // The user name, or else a mobile number a user has.
      const user = (await store.getUserByUsername(input.username)) ?? (/^1\d{10}$/.test(input.username) ? await store.getUserByMobile(input.username) : null);
      const ok = await verifyPassword(input.password, user?.passwordHash ?? (await absentUserHash));
      if (!user || !ok) {
        await store.recordLoginFailure(key, now.toISOString());
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'wrong user name or password' });
      }
      await store.clearLoginFailures(key);
      // Told only to whoever knows the password: the account exists but is closed.
      if (user.deactivatedAt) throw new ServerRefusal('ACCOUNT_DEACTIVATED', 'this account was deactivated by the township admin');
      await store.recordSignIn(user.id, { at: now.toISOString(), address: ctx.clientKey });
      const token = newSessionToken();
      await store.createSession(newSession(user.id, token, now, ctx.runtime.sessions));
      ctx.setCookie(sessionCookie(token, { secure: ctx.secureCookies, maxAgeSeconds: Math.round(ctx.runtime.sessions.maxHours * 3600) }));
      const { passwordHash: _secret, ...safe } = user;
      return { user: safe };
    }),

  /**
   * The user's own new password, which ends the need to change it and every other session of the
   * user. A wrong current password counts as a failed sign-in (the same slowing down).
   */
  changePassword: signedInProcedure
    .input(z.object({ current: z.string().min(1).max(200), next: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const now = ctx.runtime.clock();
      const key = await throttled(ctx, ctx.user.username);
      const user = (await store.getUserByUsername(ctx.user.username))!;
      if (!(await verifyPassword(input.current, user.passwordHash))) {
        await store.recordLoginFailure(key, now.toISOString());
        throw new InvalidInputError('/current: is not your current password', [{ pointer: '/current', message: 'is not your current password', code: 'currentPasswordWrong' }]);
      }
      const weakness = passwordWeakness(input.next, { username: user.username, current: input.current });
      if (weakness) throw new InvalidInputError(`/next: ${weakness}`, [{ pointer: '/next', message: weakness, code: 'passwordWeak' }]);
      await store.setPassword(user.id, await hashPassword(input.next), false);
      await store.clearLoginFailures(key);
      await store.deleteSessionsOf(user.id, ctx.sessionTokenHash);
      await store.audit({ townshipId: user.townshipId, at: now.toISOString(), actorId: user.id, action: 'user.password', target: user.id, details: { by: 'self' } });
      return { user: { ...ctx.user, mustChangePassword: false } };
    }),

  /** One's own latest sign-ins (when, from which address), newest first. */
  signIns: authedProcedure.query(({ ctx }) => ctx.runtime.store.signIns(ctx.user.id, 20)),

  logout: signedInProcedure.mutation(async ({ ctx }) => {
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
