// The township's organisation: villages and the people who work in them, and the first setup of a
// township. Only township admins change villages, people or roles, and every change is in the
// audit log; villages are archived and people deactivated, never deleted (history names them).
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { hashPassword, passwordWeakness } from '../access/auth.ts';
import { InvalidInputError } from '../errors.ts';
import { actorNames, addPerson, addVillage, checkGrants, DISPLAY_NAME, MOBILE, mobileFree, ROLE_GRANT, setupTokenOpen, setupWithToken, TOWNSHIP_NAME, USERNAME, VILLAGE_NAME, villageNameFree } from '../org/organisation.ts';
import { csvFile } from '../../engine/index.ts';
import { commitImport, IMPORT_FILE, PEOPLE_COLUMNS, peopleRows, peopleTemplate, peopleXlsx, previewImport } from '../org/peopleImport.ts';
import { roleCatalogue } from '../org/roles.ts';
import { authedProcedure, publicProcedure, router, townshipProcedure } from './trpc.ts';
import { readableVillageIds } from '../access/scope.ts';
import type { Store, User, Village } from '../store/types.ts';

const admin = townshipProcedure('township_admin');
const TOKEN = z.string().min(1).max(200);

async function userOf(store: Store, townshipId: string, userId: string): Promise<User> {
  const user = await store.getUser(userId);
  if (!user || user.townshipId !== townshipId) throw new InvalidInputError(`/userId is not a user of this township: ${userId}`, [{ pointer: '/userId', message: 'is not a user of this township' }]);
  return user;
}
async function villageOf(store: Store, townshipId: string, villageId: string): Promise<Village> {
  const village = await store.getVillage(villageId);
  if (!village || village.townshipId !== townshipId) throw new InvalidInputError(`/villageId is not a village of this township: ${villageId}`, [{ pointer: '/villageId', message: 'is not a village of this township' }]);
  return village;
}
/** The township's name and its people as rows of the import's columns, for the exports. */
async function townshipPeople(store: Store, townshipId: string): Promise<{ name: string; rows: string[][] }> {
  const township = await store.getTownship(townshipId);
  return { name: township?.name ?? townshipId, rows: peopleRows(await store.listUsers(townshipId), await store.listVillages(townshipId), await roleCatalogue(store, townshipId)) };
}

export const orgRouter = router({
  villages: authedProcedure.query(async ({ ctx }) => {
    const villages = await ctx.runtime.store.listVillages(ctx.user.townshipId);
    const readable = new Set(readableVillageIds(ctx.user, villages));
    return villages.filter((v) => readable.has(v.id));
  }),

  users: admin.query(({ ctx }) => ctx.runtime.store.listUsers(ctx.user.townshipId)),

  /** The display names of the people an instance's history names, for a reader of that instance: words, not ids. */
  names: authedProcedure.input(z.object({ instanceId: z.string().max(100) })).query(async ({ ctx, input }) => {
    const { instance } = await ctx.runtime.readable(ctx.user, input.instanceId);
    return actorNames(ctx.runtime.store, instance, await ctx.runtime.store.history(instance.id));
  }),

  createUser: admin
    .input(z.object({ username: USERNAME, displayName: DISPLAY_NAME, password: z.string().min(8).max(200), roles: z.array(ROLE_GRANT).max(50), mobile: MOBILE.nullish() }))
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      // The admin chose the password: the user chooses their own at first sign-in.
      const id = await addPerson(store, ctx.user, { username: input.username, displayName: input.displayName, passwordHash: await hashPassword(input.password), roles: input.roles, mobile: input.mobile ?? null, mustChangePassword: true }, ctx.runtime.now());
      return store.getUser(id);
    }),

  /** A person's display name or mobile (null: none). */
  updateUser: admin
    .input(z.object({ userId: z.string().max(100), displayName: DISPLAY_NAME.optional(), mobile: MOBILE.nullable().optional() }))
    .mutation(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const user = await userOf(store, ctx.user.townshipId, input.userId);
      await mobileFree(store, input.mobile, user.id);
      const change = { displayName: input.displayName, mobile: input.mobile };
      await store.updateUser(user.id, change);
      await store.audit({ townshipId: ctx.user.townshipId, at: ctx.runtime.now(), actorId: ctx.user.id, action: 'user.update', target: user.id, details: { before: { displayName: user.displayName, mobile: user.mobile ?? null }, after: { displayName: input.displayName ?? user.displayName, mobile: input.mobile === undefined ? (user.mobile ?? null) : input.mobile } } });
      return store.getUser(user.id);
    }),

  /** Deactivates a person (they cannot sign in, their sessions end, their history stays) or makes them active again. */
  setActive: admin.input(z.object({ userId: z.string().max(100), active: z.boolean() })).mutation(async ({ ctx, input }) => {
    const { store } = ctx.runtime;
    const user = await userOf(store, ctx.user.townshipId, input.userId);
    if (user.id === ctx.user.id && !input.active) throw new InvalidInputError('/userId: you cannot deactivate yourself', [{ pointer: '/userId', message: 'is you', code: 'deactivateSelf' }]);
    if (!!user.deactivatedAt === !input.active) return user;
    const at = ctx.runtime.now();
    await store.updateUser(user.id, { deactivatedAt: input.active ? null : at });
    if (!input.active) await store.deleteSessionsOf(user.id, null);
    await store.audit({ townshipId: ctx.user.townshipId, at, actorId: ctx.user.id, action: input.active ? 'user.reactivate' : 'user.deactivate', target: user.id, details: { username: user.username } });
    return store.getUser(user.id);
  }),

  /** A forgotten password: the admin sets one to hand over; the user's sessions end and they choose their own at the next sign-in. */
  resetPassword: admin.input(z.object({ userId: z.string().max(100), password: z.string().min(8).max(200) })).mutation(async ({ ctx, input }) => {
    const { store } = ctx.runtime;
    const user = await userOf(store, ctx.user.townshipId, input.userId);
    await store.setPassword(user.id, await hashPassword(input.password), true);
    await store.deleteSessionsOf(user.id, null);
    await store.audit({ townshipId: ctx.user.townshipId, at: ctx.runtime.now(), actorId: ctx.user.id, action: 'user.password_reset', target: user.id, details: { username: user.username } });
    return store.getUser(user.id);
  }),

  setRoles: admin.input(z.object({ userId: z.string().max(100), roles: z.array(ROLE_GRANT).max(50) })).mutation(async ({ ctx, input }) => {
    const { store } = ctx.runtime;
    const user = await store.getUser(input.userId);
    if (!user || user.townshipId !== ctx.user.townshipId) throw new InvalidInputError(`user ${input.userId} is not in this township`);
    await checkGrants(store, ctx.user.townshipId, input.roles, user.roles);
    // The township keeps an admin: one cannot give up one's own administration.
    if (user.id === ctx.user.id && !input.roles.some((g) => g.role === 'township_admin')) {
      throw new InvalidInputError('/roles: you cannot remove your own township_admin role', [{ pointer: '/roles', message: 'must keep your own township_admin role', code: 'keepOwnAdmin' }]);
    }
    await store.setRoles(user.id, input.roles);
    await store.audit({ townshipId: ctx.user.townshipId, at: ctx.runtime.now(), actorId: ctx.user.id, action: 'user.roles', target: user.id, details: { before: user.roles, after: input.roles } });
    return store.getUser(user.id);
  }),

  /** The import template: an .xlsx with the Chinese headers, one made-up person, and what the columns take (base64). */
  importTemplate: admin.query(async ({ ctx }) => ({ filename: '人员导入模板.xlsx', base64: (await peopleTemplate(await ctx.runtime.store.listVillages(ctx.user.townshipId), await roleCatalogue(ctx.runtime.store, ctx.user.townshipId))).toString('base64') })),

  /** Reads a sheet of people and names every row's problems; nothing is written. */
  importPreview: admin.input(z.object({ file: IMPORT_FILE })).mutation(({ ctx, input }) => previewImport(ctx.runtime.store, ctx.user.townshipId, input.file)),

  /**
   * Adds every person of the sheet in one transaction, or nobody when any row has a problem. Returns
   * each person's temporary password once, for the admin to hand over (never logged or stored in clear).
   */
  importCommit: admin.input(z.object({ file: IMPORT_FILE, fileName: z.string().trim().max(200) })).mutation(async ({ ctx, input }) => ({
    people: await commitImport(ctx.runtime.store, ctx.user, input.file, input.fileName, ctx.runtime.now()),
  })),

  /** The township's people as a CSV in the import's columns (cells a spreadsheet would run as formulas are made text). */
  exportPeople: admin.query(async ({ ctx }) => {
    const { name, rows } = await townshipPeople(ctx.runtime.store, ctx.user.townshipId);
    return { filename: `${name}-人员.csv`, csv: csvFile(PEOPLE_COLUMNS.map(([, zh]) => zh), rows) };
  }),

  /** The same as an .xlsx (base64), every cell a text cell, never a formula. */
  exportPeopleXlsx: admin.query(async ({ ctx }) => {
    const { name, rows } = await townshipPeople(ctx.runtime.store, ctx.user.townshipId);
    return { filename: `${name}-人员.xlsx`, base64: (await peopleXlsx(rows)).toString('base64') };
  }),

  /** Every village of the township, archived ones too (the admin's list). */
  allVillages: admin.query(({ ctx }) => ctx.runtime.store.listVillages(ctx.user.townshipId)),

  createVillage: admin.input(z.object({ name: VILLAGE_NAME, kind: z.enum(['village', 'community']) })).mutation(({ ctx, input }) => addVillage(ctx.runtime.store, ctx.user, input, ctx.runtime.now())),

  renameVillage: admin.input(z.object({ villageId: z.string().max(100), name: VILLAGE_NAME })).mutation(async ({ ctx, input }) => {
    const { store } = ctx.runtime;
    const village = await villageOf(store, ctx.user.townshipId, input.villageId);
    await villageNameFree(store, ctx.user.townshipId, input.name, village.id);
    await store.updateVillage(village.id, { name: input.name });
    ctx.runtime.forgetVillage(village.id);
    await store.audit({ townshipId: ctx.user.townshipId, at: ctx.runtime.now(), actorId: ctx.user.id, action: 'village.rename', target: village.id, details: { before: village.name, after: input.name } });
    return store.getVillage(village.id);
  }),

  /** Archives a village (no new matters start there; its history stays) or restores it. */
  setVillageArchived: admin.input(z.object({ villageId: z.string().max(100), archived: z.boolean() })).mutation(async ({ ctx, input }) => {
    const { store } = ctx.runtime;
    const village = await villageOf(store, ctx.user.townshipId, input.villageId);
    if (!!village.archivedAt === input.archived) return village;
    if (!input.archived) await villageNameFree(store, ctx.user.townshipId, village.name, village.id);
    const at = ctx.runtime.now();
    await store.updateVillage(village.id, { archivedAt: input.archived ? at : null });
    ctx.runtime.forgetVillage(village.id);
    await store.audit({ townshipId: ctx.user.townshipId, at, actorId: ctx.user.id, action: input.archived ? 'village.archive' : 'village.restore', target: village.id, details: { name: village.name } });
    return store.getVillage(village.id);
  }),

  /** Whether a setup link is still good (before the form is filled in). */
  setupStatus: publicProcedure.input(z.object({ token: TOKEN })).query(async ({ ctx, input }) => ({ open: await setupTokenOpen(ctx.runtime.store, input.token) })),

  /** The one-time setup link's form: the township and its first admin, who then signs in. */
  setup: publicProcedure
    .input(z.object({ token: TOKEN, townshipName: TOWNSHIP_NAME, username: USERNAME, displayName: DISPLAY_NAME, password: z.string().min(1).max(200), mobile: MOBILE.nullish() }))
    .mutation(async ({ ctx, input }) => {
      const weakness = passwordWeakness(input.password, { username: input.username, current: '' });
      if (weakness) throw new InvalidInputError(`/password: ${weakness}`, [{ pointer: '/password', message: weakness, code: 'passwordWeak' }]);
      const { store } = ctx.runtime;
      const admin = { username: input.username, displayName: input.displayName, passwordHash: await hashPassword(input.password), mobile: input.mobile ?? null };
      const made = await setupWithToken(store, input.token, { name: input.townshipName, admin }, ctx.runtime.now()).catch((error: unknown) => {
        if (error instanceof InvalidInputError && error.issues[0]?.pointer === '/token') throw new TRPCError({ code: 'NOT_FOUND', message: error.message });
        throw error;
      });
      return { townshipId: made.townshipId, username: input.username };
    }),
});
