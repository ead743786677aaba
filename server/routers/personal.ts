// Personal values (docs/personal-data.md): a reader the flow allows reveals one, and the reveal is
// written to the audit log; everyone else sees masks (server/matters/personal.ts); erasure after retention.
import { z } from 'zod';
import { erase, reveal } from '../matters/personal.ts';
import { authedProcedure, router, townshipProcedure } from './trpc.ts';

export const personalRouter = router({
  /** One value of a matter, by the commitment a masked value carries. A mutation: it writes the audit log. */
  reveal: authedProcedure
    .input(z.object({ id: z.string().max(100), commitment: z.string().regex(/^[0-9a-f]{64}$/) }))
    .mutation(({ ctx, input }) => reveal(ctx.runtime, ctx.user, input.id, input.commitment)),

  /** After the retention period, a township admin erases a matter's personal values; the chain still verifies. */
  erase: townshipProcedure('township_admin')
    .input(z.object({ id: z.string().max(100) }))
    .mutation(({ ctx, input }) => erase(ctx.runtime, ctx.user, input.id)),
});
