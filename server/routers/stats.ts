// Figures for township staff: running, finished and overdue matters per village, and how long each
// flow step takes. Township roles only; village staff see their own matters in the lists.
import { townshipOverview } from '../stats.ts';
import { router, townshipProcedure } from '../trpc.ts';

export const statsRouter = router({
  overview: townshipProcedure('township_admin', 'township_reviewer', 'auditor').query(({ ctx }) => townshipOverview(ctx.runtime, ctx.user)),
});
