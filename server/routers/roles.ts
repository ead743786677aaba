// The township's role catalogue (server/org/roles.ts): everyone signed in reads it (a role is shown by
// its label wherever it appears); a township admin adds roles and edits their labels. Roles are
// never removed. Every change is in the audit log.
import { z } from 'zod';
import { InvalidInputError } from '../errors.ts';
import { catalogueRows, checkNewRoles, NEW_ROLE, ROLE_KEY_INPUT, ROLE_LABEL_INPUT, roleCatalogue } from '../org/roles.ts';
import { authedProcedure, router, townshipProcedure } from './trpc.ts';

const admin = townshipProcedure('township_admin');

export const rolesRouter = router({
  /** The township's roles: built-in first, then its own as they were added. */
  list: authedProcedure.query(async ({ ctx }) =>
    (await roleCatalogue(ctx.runtime.store, ctx.user.townshipId)).map(({ key, label, scope, builtIn, ownMatters }) => ({ key, label, scope, builtIn, ownMatters })),
  ),

  add: admin.input(NEW_ROLE).mutation(async ({ ctx, input }) => {
    const { store } = ctx.runtime;
    const at = ctx.runtime.now();
    const catalogue = await roleCatalogue(store, ctx.user.townshipId);
    checkNewRoles(catalogue, [input], () => '');
    const [row] = catalogueRows([input], ctx.user.id, at);
    await store.addRoles(ctx.user.townshipId, [row!], [{ townshipId: ctx.user.townshipId, at, actorId: ctx.user.id, action: 'role.create', target: input.key, details: { label: input.label, scope: input.scope, ownMatters: input.ownMatters } }]);
    ctx.runtime.roles.forget(ctx.user.townshipId);
    return { key: row!.key, label: row!.label, scope: row!.scope, builtIn: false, ownMatters: row!.ownMatters };
  }),

  /** A role's labels in Chinese and English (built-in roles' too); its key, scope and reading stay. */
  setLabel: admin.input(z.object({ key: ROLE_KEY_INPUT, label: ROLE_LABEL_INPUT })).mutation(async ({ ctx, input }) => {
    const { store } = ctx.runtime;
    const at = ctx.runtime.now();
    const catalogue = await roleCatalogue(store, ctx.user.townshipId);
    const role = catalogue.find((r) => r.key === input.key);
    if (!role) throw new InvalidInputError(`/key: ${input.key} is not a role of this township`, [{ pointer: '/key', message: 'is not a role of this township' }]);
    checkNewRoles(catalogue.filter((r) => r.key !== role.key), [{ ...role, label: input.label }], () => '');
    // A built-in role the township has not changed before gets its row now (written when it is first changed).
    await store.setRoleLabel(ctx.user.townshipId, { ...role, createdAt: role.createdAt || at }, input.label, { townshipId: ctx.user.townshipId, at, actorId: ctx.user.id, action: 'role.label', target: role.key, details: { before: role.label, after: input.label } });
    return { key: role.key, label: input.label, scope: role.scope, builtIn: role.builtIn, ownMatters: role.ownMatters };
  }),
});
