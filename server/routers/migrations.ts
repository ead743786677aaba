// Moving running instances to another published version of their flow: the plan (every running
// instance, where it would land, what stands in the way) and the migration. Township admins only.
import { z } from 'zod';
import { migrateInstance, migrationPlan } from '../matters/migrate.ts';
import { router, townshipProcedure } from './trpc.ts';

const stateId = z.string().min(1).max(200);

export const migrationsRouter = router({
  plan: townshipProcedure('township_admin')
    .input(z.object({ toVersionId: z.number().int(), fromVersionId: z.number().int().optional(), landings: z.record(z.string().max(100), stateId).optional() }))
    .query(({ ctx, input }) => migrationPlan(ctx.runtime, ctx.user, input)),

  migrate: townshipProcedure('township_admin')
    .input(z.object({ instanceId: z.string().max(100), seq: z.number().int().min(1), toVersionId: z.number().int(), landing: stateId.optional(), reason: z.string().max(5000).optional() }))
    .mutation(async ({ ctx, input }) => {
      const { snapshot: _snapshot, ...instance } = await migrateInstance(ctx.runtime, ctx.user, input);
      return instance;
    }),
});
