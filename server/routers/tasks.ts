// The inbox (待办): open steps waiting on a role the user holds where they hold it, in matters the
// user may read (server/access/readRule.ts); overdue first, then the longest waiting.
import { inboxScopes } from '../access/readRule.ts';
import { authedProcedure, router } from './trpc.ts';

export const tasksRouter = router({
  inbox: authedProcedure.query(async ({ ctx }) => {
    const tasks = await ctx.runtime.store.inbox(inboxScopes(ctx.user, await ctx.runtime.ownMatterRoles(ctx.user)), 200);
    // One row per instance even when the user holds several of the roles it waits on.
    const seen = new Set<string>();
    const unique = tasks.filter((t) => !seen.has(t.instanceId) && seen.add(t.instanceId));
    const rows = await Promise.all(
      unique.map(async (t) => {
        const instance = (await ctx.runtime.store.getInstance(t.instanceId))!;
        const flow = (await ctx.runtime.compiled(instance.flowVersionId)).flow;
        // The scopes already keep to readable matters; the rule itself has the last word.
        if (!(await ctx.runtime.access(ctx.user, await ctx.runtime.village(t.villageId), instance)).read) return null;
        const state = flow.states[t.state];
        // A member who has cast a ballot has nothing left to do unless they also close the vote.
        const voted = state?.vote?.mode === 'ballot' && ctx.user.id in instance.snapshot.context.ballots;
        const closes = ctx.user.roles.some((g) => state?.roles?.includes(g.role) && (g.villageId === null || g.villageId === t.villageId));
        if (voted && !closes) return null;
        const due = await ctx.runtime.dueCalendar(instance.townshipId, instance.snapshot.context.timers[`${t.state}:deadline`]);
        return { ...t, ...due, stepTitle: state?.title ?? { zh: t.state }, flowTitle: flow.title };
      }),
    );
    return rows.filter((r) => r !== null);
  }),
});
