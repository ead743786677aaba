// Who may read a matter (need-to-know): the one rule every read of an instance obeys, and the
// query-side form of it that lists use. Reading follows a person's part in the matter, not their
// presence in the village.
//
// Contract of readAccess(user, village, flow, people):
// - `village` is the matter's village, `flow` the flow version it runs on now, `people` who the
//   matter belongs to (matter_people: its starter, and its subject where the flow names one).
//   The answer is { read: false } or { read: true, as } where `as` is the first of:
//   - 'participant': the user holds, in the matter's village (or township-wide), a role the flow
//     makes a reader (engine readerRoles: step holders, electorates, then the flow's `readers` or
//     else every role a transition names), other than an own-matter role (`own`: the township's
//     role catalogue says which, server/org/roles.ts);
//   The user must hold a role in the matter's village (or township-wide) for any of these.
//   - 'subject': the matter is about the user: the flow's `subject` field names their account, or
//     they started it with an own-matter role of a flow that has a subject field (an applicant who
//     applied). They see their own personal values (server/matters/personal.ts);
//   - 'starter': the user started it (a villager who reported, a clerk who filed for someone);
//   - 'oversight': the user holds a township oversight role (OVERSIGHT_ROLES) for the village;
//   - 'auditor': the user is an auditor for the village.
// - Own-matter roles (the catalogue's `ownMatters`: built in, villager and applicant) are held by
//   everyone a matter may be about: holding one reads one's own matters only, never another's,
//   whatever the flow says.
// - Nothing outside the user's township is ever readable. A matter one may not read answers
//   NOT_FOUND, exactly like a missing one; lists leave it out. The public board is not governed
//   here: what a flow discloses is public by design.
// Callers that decide what a reader sees inside a matter (masking, ballots) take `as` from here and
// must not re-derive who reads.
import { readerRoles, transitionsOf, type CompiledFlow, type Flow, type InstanceSnapshot, type PlatformRole } from '../../engine/index.ts';
import { rolesIn } from './scope.ts';
import type { InboxScope, MatterPerson, ReadScope, User, Village } from '../store/types.ts';

export type ReadAs = 'participant' | 'subject' | 'starter' | 'oversight' | 'auditor';
export type ReadAccess = { read: true; as: ReadAs } | { read: false };

/** Township roles that oversee every matter of the township's villages (auditors read apart). */
export const OVERSIGHT_ROLES: readonly string[] = ['township_admin', 'township_reviewer'] satisfies PlatformRole[];
/** The roles of a township whose holders read only their own matters (its catalogue's `ownMatters`). */
export type OwnMatterRoles = ReadonlySet<string>;

const readersCache = new WeakMap<Flow, { own: OwnMatterRoles; set: Set<string> }>();
/** The roles that read every matter of the flow as participants. */
function participantRoles(flow: Flow, own: OwnMatterRoles): Set<string> {
  let cached = readersCache.get(flow);
  if (cached?.own !== own) readersCache.set(flow, (cached = { own, set: new Set(readerRoles(flow).filter((r) => !own.has(r))) }));
  return cached.set;
}

/** Whether `user` may read a matter of `flow` in `village` that belongs to `people`, and as what. */
export function readAccess(user: User, village: Village, flow: Flow, people: readonly MatterPerson[], own: OwnMatterRoles): ReadAccess {
  const roles = rolesIn(user, village);
  if (roles.length === 0) return { read: false };
  const readers = participantRoles(flow, own);
  if (roles.some((r) => readers.has(r))) return { read: true, as: 'participant' };
  const mine = people.filter((p) => p.personId === user.id);
  if (mine.some((p) => p.relation === 'subject')) return { read: true, as: 'subject' };
  if (mine.length > 0) return { read: true, as: 'starter' };
  if (roles.some((r) => OVERSIGHT_ROLES.includes(r))) return { read: true, as: 'oversight' };
  if (roles.includes('auditor')) return { read: true, as: 'auditor' };
  return { read: false };
}

/** Whether a user needs a matter's people to be told whether they read it: not if a role of theirs reads it anyway. */
export function readsAsParticipant(user: User, village: Village, flow: Flow, own: OwnMatterRoles): boolean {
  const readers = participantRoles(flow, own);
  return rolesIn(user, village).some((r) => readers.has(r));
}

/**
 * Whether the user may send an event to a matter they may not read: only an objection to a notice
 * the matter has posted on the public board (a disclosure step taking OBJECT from a role of theirs),
 * which is how the board lets anyone it concerns object. Everything else one does to a matter
 * (rating it, withdrawing it, filling its form) needs reading it: a villager acts on their own
 * matters only. The engine still decides whether the event is allowed; this only keeps such a
 * matter from being NOT_FOUND to its objector.
 */
export function objectsNow(user: User, village: Village, compiled: CompiledFlow, snapshot: InstanceSnapshot, type: string): boolean {
  if (snapshot.status === 'done' || type !== 'OBJECT') return false;
  const state = compiled.flow.states[snapshot.state];
  if (state?.kind !== 'disclosure') return false;
  const takes = new Set<string>();
  for (const { ref, t } of transitionsOf(compiled.flow, snapshot.state)) if (ref.event === 'OBJECT') for (const r of t.roles ?? state.roles ?? []) takes.add(r);
  return rolesIn(user, village).some((r) => r !== 'auditor' && takes.has(r));
}

/**
 * The matters a user may read, as a list query takes it (see ReadScope): built once per request from
 * the township's published flow versions, the same answer readAccess gives row by row. Villages
 * where the user oversees or audits are whole clauses; elsewhere the versions whose flows make one
 * of the user's roles a reader; and everywhere the user holds a role, the matters that are theirs
 * (matter_people: they started it or it is about them).
 */
export function readScope(user: User, villages: Village[], versions: { id: number; flow: Flow }[], own: OwnMatterRoles): ReadScope {
  const groups = new Map<string, { villageIds: string[]; flowVersionIds: number[] | null }>();
  const villageIds: string[] = [];
  for (const village of villages) {
    const roles = rolesIn(user, village);
    if (roles.length === 0) continue;
    villageIds.push(village.id);
    let ids: number[] | null;
    if (roles.some((r) => OVERSIGHT_ROLES.includes(r) || r === 'auditor')) ids = null;
    else ids = versions.filter((v) => roles.some((r) => participantRoles(v.flow, own).has(r))).map((v) => v.id);
    if (ids && ids.length === 0) continue;
    const key = ids ? ids.join(',') : '*';
    const group = groups.get(key);
    if (group) group.villageIds.push(village.id);
    else groups.set(key, { villageIds: [village.id], flowVersionIds: ids });
  }
  return { villageIds, clauses: [...groups.values()], person: user.id };
}

/**
 * The inbox's scopes: one per role the user acts with where they hold it. A task waits on a role
 * that holds its step, so that role reads the matter, except an own-matter role: its tasks count
 * only in the user's own matters (started by them or about them).
 */
export function inboxScopes(user: User, own: OwnMatterRoles): InboxScope[] {
  return user.roles
    .filter((g) => g.role !== 'auditor')
    .map((g) => ({ townshipId: user.townshipId, villageId: g.villageId, role: g.role, ...(own.has(g.role) ? { person: user.id } : {}) }));
}

/**
 * The villages whose every matter the user reads (oversight, audit): what township figures count.
 * Figures are over whole villages, never over the part of a village one participant may read.
 */
export function wholeVillageIds(scope: ReadScope): string[] {
  return scope.clauses.filter((c) => c.flowVersionIds === null).flatMap((c) => c.villageIds);
}
