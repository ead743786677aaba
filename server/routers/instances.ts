// Running processes: start one, read it with its current step, send an event, list them.
import { z } from 'zod';
import { ForbiddenError } from '../errors.ts';
import { actingRoles } from '../access/scope.ts';
import { personalView } from '../matters/personal.ts';
import { deciderNames } from '../org/names.ts';
import { stepView } from '../matters/steps.ts';
import { authedProcedure, router } from './trpc.ts';
import type { Instance } from '../store/types.ts';

// Zod silently drops an own "__proto__" key while copying a record; refuse it instead, so what is
// recorded is exactly what was sent.
const json = z
  .custom<Record<string, unknown>>((v) => !(v !== null && typeof v === 'object' && Object.hasOwn(v, '__proto__')), { message: 'the key "__proto__" is not allowed' })
  .pipe(z.record(z.string(), z.unknown()));

function summary(i: Instance) {
  const { snapshot: _snapshot, ...rest } = i;
  return rest;
}

export const instancesRouter = router({
  start: authedProcedure
    .input(z.object({ villageId: z.string().max(100), flowId: z.string().max(80), title: z.string().max(200).optional(), data: json.optional() }))
    .mutation(async ({ ctx, input }) => summary(await ctx.runtime.start(ctx.user, input))),

  get: authedProcedure.input(z.object({ id: z.string().max(100) })).query(async ({ ctx, input }) => {
    const { instance, village, as } = await ctx.runtime.readable(ctx.user, input.id);
    const compiled = await ctx.runtime.compiled(instance.flowVersionId);
    const personal = await personalView(ctx.runtime, ctx.user, village, instance, as);
    const step = stepView(compiled, instance.snapshot, ctx.user.id, actingRoles(ctx.user, village));
    const timers = instance.snapshot.context.timers;
    return {
      instance: summary(instance),
      village,
      /** Why this user reads it (server/access/readRule.ts): participant, subject, oversight or auditor. */
      readAs: as,
      data: personal.data(instance.snapshot.context.data),
      /** Who the recorded decisions name (a review's, a meeting's `by`), by id: people read names. */
      names: await deciderNames(ctx.runtime.store, instance.townshipId, instance.snapshot.context.data, instance.snapshot.context.votes),
      /** Whether this reader may press "show" on a masked personal value. */
      canReveal: personal.canReveal,
      votes: instance.snapshot.context.votes,
      objections: instance.snapshot.context.objections,
      // The step's deadline, and every running timer (deadline, notice period, timeouts), each with
      // whether its due time was counted on a provisional calendar year.
      step: { ...step, ...(await ctx.runtime.dueCalendar(instance.townshipId, timers[`${instance.snapshot.state}:deadline`])) },
      timers: await Promise.all(Object.entries(timers).map(async ([id, t]) => ({ id, due: t.due, ...(await ctx.runtime.dueCalendar(instance.townshipId, t)) }))),
      flow: compiled.flow,
    };
  }),

  send: authedProcedure
    .input(z.object({ id: z.string().max(100), seq: z.number().int().min(1), type: z.string().max(64), payload: json.optional() }))
    .mutation(async ({ ctx, input }) => summary(await ctx.runtime.send(ctx.user, { instanceId: input.id, seq: input.seq, type: input.type, payload: input.payload }))),

  list: authedProcedure
    .input(
      z.object({
        villageId: z.string().max(100).optional(),
        flowId: z.string().max(80).optional(),
        state: z.string().max(64).optional(),
        status: z.enum(['active', 'done']).optional(),
        overdue: z.boolean().optional(),
        limit: z.number().int().min(1).max(500).optional(),
        offset: z.number().int().min(0).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const { store } = ctx.runtime;
      const villages = await store.listVillages(ctx.user.townshipId);
      // Only what the read rule lets this user read (server/access/readRule.ts), filtered in the query.
      const read = await ctx.runtime.readScope(ctx.user, villages);
      let villageIds = read.villageIds;
      if (input.villageId) {
        if (!villageIds.includes(input.villageId)) throw new ForbiddenError(`you have no role in village ${input.villageId}`);
        villageIds = [input.villageId];
      }
      const rows = await store.listInstances({ townshipId: ctx.user.townshipId, ...input, villageIds, read });
      // Words, not ids: each row names its step by the title of its own flow version.
      return Promise.all(
        rows.map(async (i) => {
          const flow = (await ctx.runtime.compiled(i.flowVersionId)).flow;
          return { ...summary(i), stepTitle: flow.states[i.state]?.title ?? { zh: i.state } };
        }),
      );
    }),
});
