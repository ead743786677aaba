// Audit: an instance's history, every intermediate snapshot, the engine's verify over the stored
// chain, an export bundle that `villageflow verify` checks offline, and the administrative log.
import { z } from 'zod';
import { replay, verify } from '../../engine/index.ts';
import { authedProcedure, router, townshipProcedure } from '../trpc.ts';

const byId = z.object({ id: z.string().max(100) });

export const auditRouter = router({
  history: authedProcedure.input(byId).query(async ({ ctx, input }) => {
    const { instance } = await ctx.runtime.readable(ctx.user, input.id);
    return ctx.runtime.store.history(instance.id);
  }),

  replay: authedProcedure.input(byId).query(async ({ ctx, input }) => {
    const { instance } = await ctx.runtime.readable(ctx.user, input.id);
    const compiled = await ctx.runtime.compiled(instance.flowVersionId);
    const records = await ctx.runtime.store.history(instance.id);
    const result = verify(compiled, records, { head: instance.head });
    // Replay only what verifies: a tampered tail is not shown as if it were history.
    const good = result.ok ? records : records.slice(0, result.index);
    const snapshots = replay(compiled, good);
    return {
      verified: result,
      steps: good.map((record, i) => ({ record, state: snapshots[i]!.state, status: snapshots[i]!.status, data: snapshots[i]!.context.data, votes: snapshots[i]!.context.votes })),
    };
  }),

  verify: authedProcedure.input(byId).query(async ({ ctx, input }) => {
    const { instance } = await ctx.runtime.readable(ctx.user, input.id);
    const compiled = await ctx.runtime.compiled(instance.flowVersionId);
    return verify(compiled, await ctx.runtime.store.history(instance.id), { head: instance.head });
  }),

  export: authedProcedure.input(byId).query(async ({ ctx, input }) => {
    const { instance, village } = await ctx.runtime.readable(ctx.user, input.id);
    const version = (await ctx.runtime.store.getFlowVersion(instance.flowVersionId))!;
    return {
      format: 'villageflow-bundle/1',
      exportedAt: ctx.runtime.now(),
      instance: { id: instance.id, title: instance.title, village: { id: village.id, name: village.name }, state: instance.state, status: instance.status, head: instance.head },
      flow: JSON.parse(version.json) as unknown,
      history: await ctx.runtime.store.history(instance.id),
    };
  }),

  log: townshipProcedure('township_admin', 'auditor')
    .input(z.object({ limit: z.number().int().min(1).max(1000).optional() }).optional())
    .query(({ ctx, input }) => ctx.runtime.store.auditLog(ctx.user.townshipId, input?.limit ?? 200)),
});
