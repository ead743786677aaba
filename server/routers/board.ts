// The public board: no sign-in; only what flows have disclosed, only while disclosed.
import { z } from 'zod';
import { villageBoard } from '../board.ts';
import { publicProcedure, router } from '../trpc.ts';

export const boardRouter = router({
  villages: publicProcedure.input(z.object({ townshipId: z.string().max(100) })).query(async ({ ctx, input }) =>
    (await ctx.runtime.store.listVillages(input.townshipId)).map((v) => ({ id: v.id, name: v.name, kind: v.kind })),
  ),
  village: publicProcedure.input(z.object({ villageId: z.string().max(100) })).query(({ ctx, input }) => villageBoard(ctx.runtime, input.villageId)),
});
