// The app router: one router per resource. The web app imports only the AppRouter type.
import { router } from './trpc.ts';
import { auditRouter } from './audit.ts';
import { authRouter } from './auth.ts';
import { boardRouter } from './board.ts';
import { calendarRouter } from './calendar.ts';
import { catalogueRouter } from './catalogue.ts';
import { flowsRouter } from './flows.ts';
import { instancesRouter } from './instances.ts';
import { migrationsRouter } from './migrations.ts';
import { orgRouter } from './org.ts';
import { personalRouter } from './personal.ts';
import { rolesRouter } from './roles.ts';
import { rostersRouter } from './rosters.ts';
import { statsRouter } from './stats.ts';
import { tasksRouter } from './tasks.ts';

export const appRouter = router({
  auth: authRouter,
  org: orgRouter,
  roles: rolesRouter,
  flows: flowsRouter,
  instances: instancesRouter,
  tasks: tasksRouter,
  audit: auditRouter,
  board: boardRouter,
  stats: statsRouter,
  catalogue: catalogueRouter,
  migrations: migrationsRouter,
  personal: personalRouter,
  calendar: calendarRouter,
  rosters: rostersRouter,
});

export type AppRouter = typeof appRouter;
