// Global setup of the postgres test project: the PostgreSQL server every test database is made in.
// VILLAGEFLOW_TEST_PG_URL (a superuser URL; .ci/run starts one) is used as given; otherwise a
// throwaway cluster is started here and stopped when the run ends. Without PostgreSQL the run
// fails here, loudly: a store that was never tested must not look like a passing one.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startCluster } from './pg-cluster.ts';
import { dropSeededPgTemplates } from './server/harness.ts';

export default async function setup() {
  let stop = () => {};
  if (!process.env.VILLAGEFLOW_TEST_PG_URL) {
    const cluster = await startCluster();
    stop = () => cluster.stop();
    // Test workers start after this and inherit the environment.
    process.env.VILLAGEFLOW_TEST_PG_URL = cluster.url;
  }
  const client = new pg.Client({ connectionString: process.env.VILLAGEFLOW_TEST_PG_URL });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    stop();
    throw new Error(`VILLAGEFLOW_TEST_PG_URL does not answer: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
  // Names this run's seeded template databases (tests/server/harness.ts), dropped at the end.
  const run = randomBytes(4).toString('hex');
  process.env.VILLAGEFLOW_TEST_RUN = run;
  return async () => {
    await dropSeededPgTemplates(run).catch(() => {});
    stop();
  };
}
