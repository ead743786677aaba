// The township's organisation: villages and the people who work in them. Only township admins
// change people or roles, and every change is in the audit log.
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../auth.ts';
import { InvalidInputError } from '../errors.ts';
import { authedProcedure, router, townshipProcedure } from '../trpc.ts';
import { readableVillageIds } from '../scope.ts';
import { TOWNSHIP_ROLES, VILLAGE_ROLES, type RoleGrant, type Store } from '../store/types.ts';

const roleGrant = z.object({ role: z.enum([...TOWNSHIP_ROLES, ...VILLAGE_ROLES]), villageId: z.string().max(100).nullable() });

async function checkGrants(store: Store, townshipId: string, roles: RoleGrant[]) {
  const villages = new Set((await store.listVillages(townshipId)).map((v) => v.id));
  roles.forEach((g, i) => {
    const township = (TOWNSHIP_ROLES as readonly string[]).includes(g.role);
    if (township && g.villageId !== null) throw new InvalidInputError(`${g.role} is a township role; it takes no village`, [{ pointer: `/roles/${i}/villageId`, message: 'must be null' }]);
    if (!township && (g.villageId === null || !villages.has(g.villageId))) {
      throw new InvalidInputError(`${g.role} needs a village of this township`, [{ pointer: `/roles/${i}/villageId`, message: 'must be a village of this township' }]);
    }
  });
}

export const orgRouter = router({
  villages: authedProcedure.query(async ({ ctx }) => {
    const villages = await ctx.runtime.store.listVillages(ctx.user.townshipId);
    const readable = new Set(readableVillageIds(ctx.user, villages));
    return villages.filter((v) => readable.has(v.id));
  }),

  users: townshipProcedure('township_admin').query(({ ctx }) => ctx.runtime.store.listUsers(ctx.user.townshipId)),

  createUser: townshipProcedure('township_admin')
    .input(z.object({ username: z.string().regex(/^[a-z0-9._-]{3,40}$/), displayName: z.string().min(1).max(100), password: z.string().min(8).max(200), roles: z.array(roleGrant).max(50) }))
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      await checkGrants(store, ctx.user.townshipId, input.roles);
      if (await store.getUserByUsername(input.username)) throw new InvalidInputError(`user name ${input.username} is taken`, [{ pointer: '/username', message: 'is taken' }]);
      const id = randomUUID();
      // The admin chose the password: the user chooses their own at first sign-in.
      await store.createUser({ id, townshipId: ctx.user.townshipId, username: input.username, displayName: input.displayName, passwordHash: await hashPassword(input.password), roles: input.roles, mustChangePassword: true });
      await store.audit({ townshipId: ctx.user.townshipId, at: ctx.runtime.now(), actorId: ctx.user.id, action: 'user.create', target: id, details: { username: input.username, roles: input.roles } });
      return store.getUser(id);
    }),

  /** A forgotten password: the admin sets one to hand over; the user's sessions end and they choose their own at the next sign-in. */
  resetPassword: townshipProcedure('township_admin')
    .input(z.object({ userId: z.string().max(100), password: z.string().min(8).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const user = await store.getUser(input.userId);
      if (!user || user.townshipId !== ctx.user.townshipId) throw new InvalidInputError(`user ${input.userId} is not in this township`, [{ pointer: '/userId', message: 'is not a user of this township' }]);
      await store.setPassword(user.id, await hashPassword(input.password), true);
      await store.deleteSessionsOf(user.id, null);
      await store.audit({ townshipId: ctx.user.townshipId, at: ctx.runtime.now(), actorId: ctx.user.id, action: 'user.password_reset', target: user.id, details: { username: user.username } });
      return store.getUser(user.id);
    }),

  setRoles: townshipProcedure('township_admin')
    .input(z.object({ userId: z.string().max(100), roles: z.array(roleGrant).max(50) }))
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const user = await store.getUser(input.userId);
      if (!user || user.townshipId !== ctx.user.townshipId) throw new InvalidInputError(`user ${input.userId} is not in this township`);
      await checkGrants(store, ctx.user.townshipId, input.roles);
      await store.setRoles(user.id, input.roles);
      await store.audit({ townshipId: ctx.user.townshipId, at: ctx.runtime.now(), actorId: ctx.user.id, action: 'user.roles', target: user.id, details: { before: user.roles, after: input.roles } });
      return store.getUser(user.id);
    }),
});
