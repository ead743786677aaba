// `npm start`: migrate the database, seed the demo township on first run, deliver timers, and
// serve the API and the web app on one port. Configuration comes from the environment.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { scryptCostFromEnv, sessionPolicyFromEnv } from '../access/auth.ts';
import { clockFromEnv } from '../clock.ts';
import { createAppServer } from './http.ts';
import { createLogger, logLevelFromEnv } from '../log.ts';
import { Runtime } from '../matters/runtime.ts';
import { Scheduler } from '../matters/scheduler.ts';
import { openSetup, setupLink } from '../org/organisation.ts';
import { DEMO_PASSWORD, DEMO_TOWNSHIP, demoLogins, seedDemo } from './seed.ts';
import { DEFAULT_SQLITE_PATH, describeStore, openStore } from '../store/open.ts';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
// An SQLite file (the default), or postgres://… shared by several server processes.
const dbLocation = process.env.VILLAGEFLOW_DB ?? DEFAULT_SQLITE_PATH;
const seed = process.env.VILLAGEFLOW_SEED !== '0';
// How long sign-ins last; a bad value stops the start here, naming the variable.
const sessions = sessionPolicyFromEnv(process.env);
// The cost of new password hashes: lowered only by test runs, refused below the default in production.
scryptCostFromEnv(process.env);
const quiet = process.env.VILLAGEFLOW_QUIET === '1';
const log = (line: string) => quiet || console.log(line);
// JSON lines on stdout (VILLAGEFLOW_LOG_LEVEL, default info; warn when VILLAGEFLOW_QUIET=1).
const logger = createLogger({ level: logLevelFromEnv(process.env, quiet ? 'warn' : 'info') });

const webRoot = resolve('dist/web');
// Built by `npm run build`, or by `npm start` before this runs (scripts/build-web.ts): never here.
if (!existsSync(resolve(webRoot, 'index.html')) && process.env.VILLAGEFLOW_BUILD_WEB !== '0') {
  logger.warn({ webRoot }, 'the web app is not built: run `npm run build` (serving the API only)');
}

const store = openStore(dbLocation);
const applied = await store.migrate();
const runtime = new Runtime(store, clockFromEnv(process.env.VILLAGEFLOW_CLOCK), sessions);
// Processes started together on a new PostgreSQL database race to seed it: the loser's first
// insert fails, and the township is there.
const seeded = seed && (await seedDemo(runtime).catch(async (error: unknown) => ((await store.getTownship(DEMO_TOWNSHIP.id)) ? false : Promise.reject(error))));
// An empty database (no demo): a one-time setup link for the first township and its admin, shown
// here only (its token is stored hashed, valid until used; each start without a township issues one).
const setupToken = await openSetup(store, runtime.now());
// Recomputes an interrupted calendar adoption left undone (server/matters/runtime.ts recalendar).
const recalendared = await runtime.finishRecalendars();
if (recalendared) log(`recomputed the due times of ${recalendared} matter(s) after a calendar adoption`);
const scheduler = new Scheduler(runtime, Number(process.env.VILLAGEFLOW_TICK_MS ?? 1000), (f) =>
  logger.error({ instanceId: f.instanceId, timerId: f.timerId, error: f.error }, 'timer delivery failed'),
  (error) => logger.error({ err: error }, 'pruning ended sessions and old failed sign-ins failed'),
);
const server = createAppServer(runtime, { secureCookies: process.env.VILLAGEFLOW_SECURE_COOKIES === '1', webRoot, logger });

server.listen(port, host, () => {
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  scheduler.start();
  log(`villageflow 村务流程引擎 listening on http://${host === '0.0.0.0' ? 'localhost' : host}:${actualPort}`);
  log(`database ${describeStore(dbLocation)}${applied ? ` (${applied} migration(s) applied)` : ''}${seeded ? ', demo township 青山镇 seeded' : ''}`);
  if (seed) {
    log(`\ndemo logins (password for all: ${DEMO_PASSWORD}):`);
    for (const l of demoLogins()) log(`  ${l.username.padEnd(22)} ${l.displayName}`);
  }
  if (setupToken) {
    // Printed even when quiet: without it nobody can set the township up (or run `npx villageflow init`).
    console.log(`\nno township yet: open this one-time setup link to create the township and its first admin\n  ${setupLink(`http://${host === '0.0.0.0' ? 'localhost' : host}:${actualPort}`, setupToken)}\n(or run: npx villageflow init)`);
  }
  // A line tests wait for: the port actually bound (PORT=0 picks a free one).
  if (process.env.VILLAGEFLOW_READY_LINE === '1') console.log(`READY ${actualPort}`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: shutting down`);
  server.close();
  server.closeAllConnections();
  await scheduler.stop();
  await store.close();
  if ('commitStats' in store) logger.info({ ...(store.commitStats as object) }, 'event writes and their commits');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
