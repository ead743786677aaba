// Personal values (docs/personal-data.md): a reader the flow allows reveals one, and the reveal is
// written to the audit log; everyone else sees masks (server/personal.ts).
import { z } from 'zod';
import { reveal } from '../personal.ts';
import { authedProcedure, router } from '../trpc.ts';

export const personalRouter = router({
  /** One value of a matter, by the commitment a masked value carries. A mutation: it writes the audit log. */
  reveal: authedProcedure
    .input(z.object({ id: z.string().max(100), commitment: z.string().regex(/^[0-9a-f]{64}$/) }))
    .mutation(({ ctx, input }) => reveal(ctx.runtime, ctx.user, input.id, input.commitment)),
});
