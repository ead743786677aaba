// Bodies and their rosters. A body is a role in a village: the two committees (committee_member),
// the party members (party_member), the villagers' representatives, ... A body is one of two kinds,
// by data alone: counted, when a registered count exists for it (all adult villagers, household
// representatives: people without accounts), or else its members are the active users holding its
// role there, a probationary grant attending without a vote.
//
// When a meeting is recorded (RECORD_VOTE) or a ballot closed (CLOSE_VOTE) the server supplies the
// body's numbers from its roster on that day, passes the roster's hash and numbers in the payload
// (the engine holds members and eligible to them, engine/votes.ts rosterProblems) and stores the
// roster itself, content-addressed, in the record's transaction, for an auditor to read by hash.
import { chinaDate, hashJson, type VoteConfig, type VoteRoster } from '../../engine/index.ts';
import { InvalidInputError, ServerRefusal } from '../errors.ts';
import type { BodyOnDay, RosterSnapshot, Store, Village } from '../store/types.ts';

/** What a roster snapshot holds (its canonical JSON is hashed): the members by id with their marks, or the count record. */
export type RosterContent =
  | { village: string; role: string; kind: 'accounts'; members: { id: string; probationary?: true }[] }
  | { village: string; role: string; kind: 'count'; count: { id: number; count: number; effectiveFrom: string; source: string; recordedBy: string; recordedAt: string } };

/** A body's roster on a day: its numbers, what is hashed, and the hash. */
export interface Roster extends VoteRoster {
  day: string;
  content: RosterContent;
}

/** The day (China time) an instant falls on: the roster in force then is the one used. */
export function rosterDay(at: string): string {
  return chinaDate(Date.parse(at));
}

/** A body's roster on a day, or a refusal saying what the township admin has to set up. */
export function rosterOf(village: Village, role: string, day: string, body: BodyOnDay, bodyName: string): Roster {
  let content: RosterContent;
  let members: number;
  let voting: number;
  if (body.counted) {
    const c = body.count;
    if (!c) {
      throw new ServerRefusal('ROSTER_EMPTY', `${bodyName} of ${village.name} has no registered count in force on ${day}: the township admin registers one that takes effect by then`);
    }
    content = { village: village.id, role, kind: 'count', count: { id: c.id, count: c.count, effectiveFrom: c.effectiveFrom, source: c.source, recordedBy: c.recordedBy, recordedAt: c.recordedAt } };
    members = voting = c.count;
  } else {
    if (!body.members.length) {
      throw new ServerRefusal(
        'ROSTER_EMPTY',
        `${bodyName} of ${village.name} has no roster on ${day}: no active user holds the role ${role} there and no count is registered; the township admin grants the role to its members or registers its count`,
      );
    }
    content = { village: village.id, role, kind: 'accounts', members: body.members.map((m) => (m.probationary ? { id: m.userId, probationary: true as const } : { id: m.userId })) };
    members = body.members.length;
    voting = body.members.filter((m) => !m.probationary).length;
  }
  return { hash: hashJson(content), members, voting, day, content };
}

/**
 * Rosters worked out from a body the store handed out. The store keeps a body it read until its
 * tables change (server/store/store.ts bodyOnDay) and hands out that same frozen object for the same
 * village, role and day: its roster (and hash) is then the same, and is not worked out again.
 */
const rostersOfBodies = new WeakMap<BodyOnDay, Roster>();

/** A body's roster on the day of `at`, read from the store. */
export async function currentRoster(store: Store, village: Village, vote: Pick<VoteConfig, 'electorate' | 'body'>, at: string): Promise<Roster> {
  const day = rosterDay(at);
  const body = await store.bodyOnDay(village.id, vote.electorate, day);
  let roster = rostersOfBodies.get(body);
  if (!roster) rostersOfBodies.set(body, (roster = rosterOf(village, vote.electorate, day, body, vote.body.zh)));
  return roster;
}

/** The snapshot the store keeps of a roster. */
export function rosterSnapshot(villageId: string, role: string, roster: Roster, at: string): RosterSnapshot {
  return { hash: roster.hash, villageId, role, json: JSON.stringify(roster.content), createdAt: at };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * A meeting record's or closing's payload with the roster's numbers: members and eligible filled in
 * where the sender left them out (eligible: the voting members less those recused), and `roster`
 * passed for the engine to hold them to. A sender's own numbers stay, so a mismatch is refused by
 * the engine naming both; a sender cannot supply the roster.
 */
export function withRoster(payload: Record<string, unknown>, roster: Roster): Record<string, unknown> {
  if (Object.hasOwn(payload, 'roster')) {
    throw new InvalidInputError('/roster: the roster is supplied by the server from the body\'s members on the meeting day: leave out "roster"', [{ pointer: '/roster', message: 'is supplied by the server' }]);
  }
  const recused = isCount(payload.recused) ? payload.recused : 0;
  return {
    ...payload,
    members: payload.members ?? roster.members,
    eligible: payload.eligible ?? Math.max(0, roster.voting - recused),
    roster: { hash: roster.hash, members: roster.members, voting: roster.voting },
  };
}

/** Refuses a ballot by anyone but a voting member of the body (not on its roster, or probationary). A counted body has no list to hold a voter to: its role decides. */
export async function checkVoter(store: Store, village: Village, vote: Pick<VoteConfig, 'electorate' | 'body'>, userId: string, at: string): Promise<void> {
  const member = await store.rosterMember(village.id, vote.electorate, userId);
  if (member && !member.probationary) return;
  if (!member && (await store.bodyOnDay(village.id, vote.electorate, rosterDay(at))).counted) return;
  throw new ServerRefusal(
    'NOT_ON_ROSTER',
    member ? `a probationary member of ${vote.body.zh} attends but does not vote: no ballot is taken` : `you are not on the roster of ${vote.body.zh} of ${village.name}: no ballot is taken`,
  );
}

/** A stored roster as an export bundle carries it: its hash and what was hashed. */
export interface BundledRoster {
  hash: string;
  content: RosterContent;
}

/** The stored rosters a chain's meeting records name, for the export bundle (oldest record first, each once). */
export async function chainRosters(store: Store, records: readonly { payload?: Record<string, unknown> }[]): Promise<BundledRoster[]> {
  const hashes = [...new Set(records.map((r) => (r.payload?.roster as { hash?: unknown } | undefined)?.hash).filter((h): h is string => typeof h === 'string'))];
  const found = await Promise.all(hashes.map((h) => store.rosterSnapshot(h)));
  return found.flatMap((s) => (s ? [{ hash: s.hash, content: JSON.parse(s.json) as RosterContent }] : []));
}

/**
 * Why a chain's meeting records do not agree with the rosters given (an export bundle's, or the
 * store's for audit.verify), or null: each roster a record names must be there, match its hash,
 * and have the members and voting members the record says (what an auditor checks against the
 * roster in force on the meeting day).
 */
export function rosterBundleProblem(records: readonly { seq: number; payload?: Record<string, unknown> }[], rosters: readonly BundledRoster[]): { seq: number; reason: string } | null {
  const byHash = new Map(rosters.map((r) => [r.hash, r]));
  for (const record of records) {
    const named = record.payload?.roster as { hash: string; members: number; voting: number } | undefined;
    if (!named) continue;
    const roster = byHash.get(named.hash);
    if (!roster) return { seq: record.seq, reason: `names roster ${named.hash}, which is missing` };
    if (hashJson(roster.content) !== roster.hash) return { seq: record.seq, reason: `roster ${named.hash} does not match its hash` };
    const c = roster.content;
    const members = c.kind === 'count' ? c.count.count : c.members.length;
    const voting = c.kind === 'count' ? c.count.count : c.members.filter((m) => !m.probationary).length;
    if (members !== named.members || voting !== named.voting) {
      return { seq: record.seq, reason: `roster ${named.hash} has ${members} members, ${voting} voting; the record says ${named.members}, ${named.voting}` };
    }
  }
  return null;
}
