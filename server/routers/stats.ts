// Figures for township staff: running, finished and overdue matters per village, completion and
// on-time rates, time per item and per step (average and 90th percentile), satisfaction; and the
// same as a CSV spreadsheet. Township roles only; village staff see their own matters in the lists.
import { statisticsCsv, townshipOverview } from '../matters/stats.ts';
import { router, townshipProcedure } from './trpc.ts';

const readers = townshipProcedure('township_admin', 'township_reviewer', 'auditor');

export const statsRouter = router({
  overview: readers.query(({ ctx }) => townshipOverview(ctx.runtime, ctx.user)),

  exportCsv: readers.query(async ({ ctx }) => {
    const township = await ctx.runtime.store.getTownship(ctx.user.townshipId);
    const name = township?.name ?? ctx.user.townshipId;
    const at = ctx.runtime.now();
    const day = new Date(Date.parse(at) + 8 * 3600_000).toISOString().slice(0, 10);
    return { filename: `${name}-办理统计-${day}.csv`, csv: statisticsCsv(await townshipOverview(ctx.runtime, ctx.user), name) };
  }),
});
