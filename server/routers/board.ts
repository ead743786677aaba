// The public board: no sign-in; only what flows have disclosed, only while disclosed.
import { z } from 'zod';
import { villageBoard } from '../matters/board.ts';
import { NotFoundError } from '../store/types.ts';
import { authedProcedure, publicProcedure, router } from './trpc.ts';

export const boardRouter = router({
  villages: publicProcedure.input(z.object({ townshipId: z.string().max(100) })).query(async ({ ctx, input }) =>
    (await ctx.runtime.store.listVillages(input.townshipId)).map((v) => ({ id: v.id, name: v.name, kind: v.kind })),
  ),
  /**
   * An objection to a notice on the board, by a signed-in person whose role the notice's step takes
   * it from (a villager reads only their own matters, so the board is where they object). Sent as
   * the engine's OBJECT at the matter's current record; the answer says only that it was recorded.
   */
  object: authedProcedure
    .input(z.object({ instanceId: z.string().max(100), reason: z.string().trim().min(1).max(5000), contact: z.string().trim().max(200).optional() }))
    .mutation(async ({ ctx, input }) => {
      const instance = await ctx.runtime.store.getInstance(input.instanceId);
      if (!instance || instance.townshipId !== ctx.user.townshipId) throw new NotFoundError(`instance ${input.instanceId} does not exist`);
      const payload = input.contact ? { reason: input.reason, contact: input.contact } : { reason: input.reason };
      const after = await ctx.runtime.send(ctx.user, { instanceId: instance.id, seq: instance.seq, type: 'OBJECT', payload });
      return { recorded: true, at: after.updatedAt };
    }),
  village: publicProcedure.input(z.object({ villageId: z.string().max(100) })).query(({ ctx, input }) => villageBoard(ctx.runtime, input.villageId)),
});
