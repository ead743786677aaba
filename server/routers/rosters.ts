// Bodies and their rosters (server/org/rosters.ts): per village, each body with its members (names,
// probationary marks) or its registered counts, for township staff to read and the township admin
// to keep; the roster a matter's open meeting would be recorded against, for its readers; and a
// stored roster by the hash a meeting record names, for auditors.
import { z } from 'zod';
import { hashJson, type Text } from '../../engine/index.ts';
import { BODY_COUNT, BODY_ROLE, registerCount, setProbationary, townshipVillage } from '../org/organisation.ts';
import { peopleNames } from '../org/names.ts';
import { currentRoster, rosterDay, rosterOf, type RosterContent } from '../org/rosters.ts';
import { ServerRefusal } from '../errors.ts';
import { NotFoundError } from '../store/types.ts';
import { authedProcedure, router, townshipProcedure } from './trpc.ts';
import type { Runtime } from '../matters/runtime.ts';

const admin = townshipProcedure('township_admin');
const staff = townshipProcedure('township_admin', 'township_reviewer', 'auditor');
const VILLAGE_ID = z.string().max(100);

/** The meeting bodies the village's published flows name (vote steps' electorates), with their titles. */
async function electorates(runtime: Runtime, villageId: string): Promise<Map<string, Text[]>> {
  const out = new Map<string, Text[]>();
  for (const version of await runtime.store.flowsForVillage(villageId)) {
    for (const state of Object.values((await runtime.compiled(version.id)).flow.states)) {
      const vote = state.vote;
      if (!vote) continue;
      const titles = out.get(vote.electorate) ?? [];
      if (!titles.some((t) => t.zh === vote.body.zh)) titles.push(vote.body);
      out.set(vote.electorate, titles);
    }
  }
  return out;
}

export const rostersRouter = router({
  /**
   * A village's bodies on today's date (China time): the bodies its flows meet in first, then every
   * other role held or counted there. Each with its members (active first; deactivated ones marked,
   * they are on no roster), its registered counts newest first, and its roster today (null: none).
   */
  bodies: staff.input(z.object({ villageId: VILLAGE_ID })).query(async ({ ctx, input }) => {
    const { store } = ctx.runtime;
    const village = await townshipVillage(store, ctx.user.townshipId, input.villageId);
    const day = rosterDay(ctx.runtime.now());
    const named = await electorates(ctx.runtime, village.id);
    const grants = await store.villageGrants(village.id);
    const counts = await store.bodyCounts(village.id);
    const roles = [...new Set([...named.keys(), ...counts.map((c) => c.role), ...grants.map((g) => g.role)])];
    const bodies = await Promise.all(
      roles.map(async (role) => {
        const onDay = await store.bodyOnDay(village.id, role, day);
        let roster: { members: number; voting: number; hash: string } | null = null;
        try {
          const r = rosterOf(village, role, day, onDay, role);
          roster = { members: r.members, voting: r.voting, hash: r.hash };
        } catch (error) {
          // A body with no roster today (ROSTER_EMPTY) is listed without one; anything else is a fault.
          if (!(error instanceof ServerRefusal && error.code === 'ROSTER_EMPTY')) throw error;
        }
        return {
          role,
          titles: named.get(role) ?? [],
          kind: onDay.counted ? ('count' as const) : ('accounts' as const),
          members: grants.filter((g) => g.role === role).map(({ userId, displayName, probationary, deactivatedAt }) => ({ userId, displayName, probationary, deactivated: deactivatedAt !== null })),
          counts: counts.filter((c) => c.role === role),
          inForce: onDay.count,
          roster,
        };
      }),
    );
    const recorders = await peopleNames(store, ctx.user.townshipId, counts.map((c) => c.recordedBy));
    return {
      village: { id: village.id, name: village.name },
      day,
      bodies,
      recorderNames: Object.fromEntries(counts.map((c) => [c.recordedBy, recorders.get(c.recordedBy) ?? c.recordedBy])),
    };
  }),

  /** Marks a member's grant probationary (a probationary party member: attends, does not vote) or not. */
  setProbationary: admin
    .input(z.object({ userId: z.string().max(100), villageId: VILLAGE_ID, role: BODY_ROLE, probationary: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      await setProbationary(ctx.runtime.store, ctx.user, input, ctx.runtime.now());
      return { ok: true as const };
    }),

  /** Registers the count of a body without accounts (all adult villagers, household representatives), from a day on, by a document. */
  registerCount: admin.input(BODY_COUNT).mutation(({ ctx, input }) => registerCount(ctx.runtime.store, ctx.user, input, ctx.runtime.now())),

  /**
   * The roster a matter's open meeting or ballot is recorded against, as of now: the body, the day,
   * how many members and voting members, and where a counted body's number comes from. For its
   * readers (the clerk's meeting form shows these, read-only); null when the step holds no vote.
   */
  ofMatter: authedProcedure.input(z.object({ instanceId: z.string().max(100) })).query(async ({ ctx, input }) => {
    const { instance, village } = await ctx.runtime.readable(ctx.user, input.instanceId);
    const vote = (await ctx.runtime.compiled(instance.flowVersionId)).flow.states[instance.state]?.vote;
    if (!vote || instance.status === 'done') return null;
    const roster = await currentRoster(ctx.runtime.store, village, vote, ctx.runtime.now());
    const c = roster.content.kind === 'count' ? roster.content.count : null;
    return { body: vote.body, role: vote.electorate, day: roster.day, members: roster.members, voting: roster.voting, hash: roster.hash, count: c && { effectiveFrom: c.effectiveFrom, source: c.source } };
  }),

  /** A roster a meeting record names by hash, as stored, with its members' names: for auditors and the township admin. */
  snapshot: townshipProcedure('township_admin', 'auditor')
    .input(z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash in hex') }))
    .query(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const found = await store.rosterSnapshot(input.hash);
      const village = found && (await store.getVillage(found.villageId));
      if (!found || !village || village.townshipId !== ctx.user.townshipId) throw new NotFoundError(`no roster ${input.hash} is stored`);
      const content = JSON.parse(found.json) as RosterContent;
      const names = await peopleNames(store, ctx.user.townshipId, content.kind === 'accounts' ? content.members.map((m) => m.id) : [content.count.recordedBy]);
      return {
        hash: found.hash,
        intact: hashJson(content) === found.hash,
        village: { id: village.id, name: village.name },
        role: found.role,
        createdAt: found.createdAt,
        ...(content.kind === 'accounts'
          ? { kind: 'accounts' as const, members: content.members.map((m) => ({ userId: m.id, displayName: names.get(m.id) ?? m.id, probationary: m.probationary === true })) }
          : { kind: 'count' as const, count: { ...content.count, recordedByName: names.get(content.count.recordedBy) ?? content.count.recordedBy } }),
      };
    }),
});
