// A township's organisation as one set of operations: setting a township up with its first admin,
// adding villages and people. The setup page and `villageflow init`, the organisation admin's
// procedures (server/routers/org.ts) and the demo seed all go through these, so the demo is an
// example of a real setup, not a back door. Every change is in the audit log.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { newSessionToken, tokenHash } from '../access/auth.ts';
import { InvalidInputError } from '../errors.ts';
import type { HistoryRecord } from '../../engine/index.ts';
import { checkGrantRoles, roleCatalogue, ROLE_KEY_INPUT } from './roles.ts';
import type { Instance, RoleGrant, Store, Village } from '../store/types.ts';

/** A user name: lower-case letters, digits, `.`, `_` and `-`, 3 to 40 characters. */
export const USERNAME = z.string().regex(/^[a-z0-9._-]{3,40}$/, 'must be 3 to 40 lower-case letters, digits, ".", "_" or "-"');
/** A mainland mobile number: 11 digits starting with 1. */
export const MOBILE = z.string().regex(/^1\d{10}$/, 'must be an 11-digit mobile number starting with 1');
/** A grant as given: which roles exist is the township's catalogue's (checkGrants). */
export const ROLE_GRANT = z.object({ role: ROLE_KEY_INPUT, villageId: z.string().max(100).nullable() });
const name = (max: number) => z.string().trim().min(1).max(max);
export const TOWNSHIP_NAME = name(100);
export const VILLAGE_NAME = name(100);
export const DISPLAY_NAME = name(100);

/** Who makes a change, for the audit log. */
export interface Actor {
  id: string;
  townshipId: string;
}

/**
 * Refuses grants a township cannot give: a role its catalogue lacks, a township role tied to a
 * village, a village role without one of its (unarchived) villages.
 */
export async function checkGrants(store: Store, townshipId: string, roles: RoleGrant[], kept: RoleGrant[] = []) {
  checkGrantRoles(await roleCatalogue(store, townshipId), roles);
  const villages = new Map((await store.listVillages(townshipId)).map((v) => [v.id, v]));
  const had = new Set(kept.map((g) => `${g.role}@${g.villageId}`));
  roles.forEach((g, i) => {
    const village = g.villageId === null ? undefined : villages.get(g.villageId);
    if (g.villageId !== null && !village) {
      throw new InvalidInputError(`${g.role} needs a village of this township`, [{ pointer: `/roles/${i}/villageId`, message: 'must be a village of this township' }]);
    }
    // A grant held before stays when its village is archived; a new one there is refused.
    if (village?.archivedAt && !had.has(`${g.role}@${g.villageId}`)) {
      throw new InvalidInputError(`village ${village.name} is archived; no new roles are granted there`, [{ pointer: `/roles/${i}/villageId`, message: 'is an archived village', code: 'villageArchived', params: { village: village.name } }]);
    }
  });
}

async function usernameFree(store: Store, username: string) {
  if (await store.getUserByUsername(username)) throw new InvalidInputError(`/username: user name ${username} is taken`, [{ pointer: '/username', message: 'is taken', code: 'usernameTaken', params: { username } }]);
}
export async function mobileFree(store: Store, mobile: string | null | undefined, userId?: string) {
  const holder = mobile ? await store.getUserByMobile(mobile) : null;
  if (holder && holder.id !== userId) throw new InvalidInputError(`/mobile: mobile ${mobile} is another user's`, [{ pointer: '/mobile', message: "is another user's", code: 'mobileTaken', params: { mobile: mobile! } }]);
}

export interface NewPerson {
  id?: string;
  username: string;
  displayName: string;
  passwordHash: string;
  roles: RoleGrant[];
  mobile?: string | null;
  /** A password someone else chose (an admin): the person chooses their own at first sign-in. */
  mustChangePassword: boolean;
}

/** Adds a person to the actor's township; returns their id. */
export async function addPerson(store: Store, actor: Actor, p: NewPerson, at: string): Promise<string> {
  await checkGrants(store, actor.townshipId, p.roles);
  await usernameFree(store, p.username);
  await mobileFree(store, p.mobile);
  const id = p.id ?? randomUUID();
  await store.createUser({ id, townshipId: actor.townshipId, username: p.username, displayName: p.displayName, passwordHash: p.passwordHash, roles: p.roles, mobile: p.mobile ?? null, mustChangePassword: p.mustChangePassword });
  await store.audit({ townshipId: actor.townshipId, at, actorId: actor.id, action: 'user.create', target: id, details: { username: p.username, displayName: p.displayName, roles: p.roles, ...(p.mobile ? { mobile: p.mobile } : {}) } });
  return id;
}

/** Adds a village (or community) to the actor's township; two live villages of a township do not share a name. */
export async function addVillage(store: Store, actor: Actor, v: { id?: string; name: string; kind: Village['kind'] }, at: string): Promise<Village> {
  await villageNameFree(store, actor.townshipId, v.name);
  const village: Village = { id: v.id ?? randomUUID(), townshipId: actor.townshipId, name: v.name, kind: v.kind };
  await store.createVillage(village);
  await store.audit({ townshipId: actor.townshipId, at, actorId: actor.id, action: 'village.create', target: village.id, details: { name: v.name, kind: v.kind } });
  return { ...village, archivedAt: null };
}
export async function villageNameFree(store: Store, townshipId: string, name: string, villageId?: string) {
  const same = (await store.listVillages(townshipId)).find((v) => v.name === name && !v.archivedAt && v.id !== villageId);
  if (same) throw new InvalidInputError(`/name: the township has a village named ${name} already`, [{ pointer: '/name', message: 'is the name of another village', code: 'villageNameTaken', params: { name } }]);
}

/** A new township and its first admin (who chose their own password); the admin is the actor of both. */
export async function createTownship(store: Store, t: { id?: string; name: string; admin: Omit<NewPerson, 'roles' | 'mustChangePassword'> }, at: string): Promise<{ townshipId: string; adminId: string }> {
  await usernameFree(store, t.admin.username);
  await mobileFree(store, t.admin.mobile);
  const townshipId = t.id ?? randomUUID();
  const adminId = t.admin.id ?? randomUUID();
  await store.createTownship({ id: townshipId, name: t.name });
  await store.createUser({ id: adminId, townshipId, username: t.admin.username, displayName: t.admin.displayName, passwordHash: t.admin.passwordHash, roles: [{ role: 'township_admin', villageId: null }], mobile: t.admin.mobile ?? null });
  await store.audit({ townshipId, at, actorId: adminId, action: 'township.create', target: townshipId, details: { name: t.name } });
  await store.audit({ townshipId, at, actorId: adminId, action: 'user.create', target: adminId, details: { username: t.admin.username, displayName: t.admin.displayName, roles: [{ role: 'township_admin', villageId: null }] } });
  return { townshipId, adminId };
}

/**
 * A one-time setup link's token, for a database without any township: only its hash is stored, the
 * token itself is shown once (on the console). Returns null when a township exists already.
 */
export async function openSetup(store: Store, at: string): Promise<string | null> {
  if ((await store.listTownships()).length) return null;
  const token = newSessionToken();
  await store.createSetupToken(tokenHash(token), at);
  return token;
}

/** The setup link's address: the token in the fragment, so it never reaches a request log. */
export function setupLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/$/, '')}/setup#${token}`;
}

export async function setupTokenOpen(store: Store, token: string): Promise<boolean> {
  return store.setupTokenOpen(tokenHash(token));
}

/** Uses a setup token (once) to create the township and its first admin. */
export async function setupWithToken(store: Store, token: string, t: Parameters<typeof createTownship>[1], at: string) {
  const hash = tokenHash(token);
  if (!(await store.setupTokenOpen(hash))) throw new InvalidInputError('/token: this setup link is not valid or was used already', [{ pointer: '/token', message: 'is not valid or was used already', code: 'setupLinkUsed' }]);
  // Checked before the token is spent, so a taken name does not burn the link.
  await usernameFree(store, t.admin.username);
  if (!(await store.useSetupToken(hash, at))) throw new InvalidInputError('/token: this setup link was used already', [{ pointer: '/token', message: 'was used already', code: 'setupLinkUsed' }]);
  return createTownship(store, t, at);
}

/** The display names of the people an instance's records and its start name, by id (deactivated people too: history keeps their names). */
export async function actorNames(store: Store, instance: Pick<Instance, 'townshipId' | 'startedBy'>, records: HistoryRecord[]): Promise<Record<string, string>> {
  const ids = new Set([instance.startedBy, ...records.map((r) => r.actor?.id).filter((id): id is string => !!id)]);
  const users = await store.listUsers(instance.townshipId);
  return Object.fromEntries(users.filter((u) => ids.has(u.id)).map((u) => [u.id, u.displayName]));
}

// --- Bodies and rosters (server/org/rosters.ts): a grant's probationary mark, a body's registered count.

/** A day as YYYY-MM-DD that exists in the calendar. */
export const DAY = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD').refine((d) => {
  const t = Date.parse(`${d}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d;
}, 'is not a day of the calendar');
/** A village role's key, as grants and flows name it. */
export const BODY_ROLE = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a role key');
/** A new registered count: how many, from which day, by which document. */
export const BODY_COUNT = z.object({
  villageId: z.string().max(100),
  role: BODY_ROLE,
  count: z.number().int().min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000'),
  effectiveFrom: DAY,
  source: z.string().trim().min(1, 'must name the document the count comes from').max(200),
});

/** A village of the township, or a refusal naming the field. */
export async function townshipVillage(store: Store, townshipId: string, villageId: string, pointer = '/villageId'): Promise<Village> {
  const village = await store.getVillage(villageId);
  if (!village || village.townshipId !== townshipId) throw new InvalidInputError(`${pointer} is not a village of this township: ${villageId}`, [{ pointer, message: 'is not a village of this township' }]);
  return village;
}

/** Registers the count of a body without accounts (from a day on, by a document), in the audit log. A body is counted from then on. */
export async function registerCount(store: Store, actor: Actor, c: z.infer<typeof BODY_COUNT>, at: string) {
  const village = await townshipVillage(store, actor.townshipId, c.villageId);
  if (village.archivedAt) throw new InvalidInputError(`/villageId is archived (${village.name}): no counts are registered there`, [{ pointer: '/villageId', message: 'is an archived village', code: 'villageArchived', params: { village: village.name } }]);
  const role = (await roleCatalogue(store, actor.townshipId)).find((r) => r.key === c.role);
  if (!role || role.scope !== 'village') throw new InvalidInputError(`/role is not a village role of the township's catalogue: ${c.role}`, [{ pointer: '/role', message: 'is not a village role' }]);
  const count = { townshipId: actor.townshipId, villageId: village.id, role: c.role, count: c.count, effectiveFrom: c.effectiveFrom, source: c.source.trim(), recordedBy: actor.id, recordedAt: at };
  return store.registerBodyCount(count, {
    townshipId: actor.townshipId, at, actorId: actor.id, action: 'roster.count', target: village.id,
    details: { role: c.role, count: c.count, effectiveFrom: c.effectiveFrom, source: count.source },
  });
}

/** Marks a person's grant of a role in a village probationary (attends, does not vote) or not, in the audit log. */
export async function setProbationary(store: Store, actor: Actor, g: { userId: string; villageId: string; role: string; probationary: boolean }, at: string) {
  const village = await townshipVillage(store, actor.townshipId, g.villageId);
  const user = await store.getUser(g.userId);
  if (!user || user.townshipId !== actor.townshipId) throw new InvalidInputError(`/userId is not a user of this township: ${g.userId}`, [{ pointer: '/userId', message: 'is not a user of this township' }]);
  const done = await store.setProbationary(g, { townshipId: actor.townshipId, at, actorId: actor.id, action: 'roster.probationary', target: user.id, details: { village: village.id, role: g.role, probationary: g.probationary } });
  if (!done) throw new InvalidInputError(`/role is not a role ${user.displayName} holds in ${village.name}: ${g.role}`, [{ pointer: '/role', message: 'is not a role this person holds in the village' }]);
}
