// Vite builds the web app (designer/ → dist/web); Vitest runs every test under tests/.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { configDefaults, defineConfig } from 'vitest/config';

const here = fileURLToPath(new URL('.', import.meta.url));

// Server tests of SQLite itself (its file, or the SqliteStore class): no PostgreSQL counterpart.
const SQLITE_ONLY: Record<string, string> = {
  'tests/server/backup.test.ts': "SQLite's online backup API and a verified restore of the file",
  'tests/server/tamper.test.ts': 'it opens the SQLite file and drops its triggers directly',
  'tests/server/group-commit.test.ts': "the SQLite store's own group commit, tested on an SqliteStore",
  'tests/server/store-queries.test.ts': "the SQLite store's index-following queries against plain SQL on an SqliteStore",
};
// Tests of pure code: no server, database, spawned process, environment change or fake timers.
const UNIT = ['tests/engine/**/*.test.ts', 'tests/web/**/*.test.ts', 'tests/flows/**/*.test.ts'];
// Several server processes share one database only on PostgreSQL; migrate-store moves data into it.
const POSTGRES_ONLY = ['tests/server/multiprocess.test.ts', 'tests/server/pg-store.test.ts', 'tests/cli/migrate-store.test.ts'];

export default defineConfig({
  root: 'designer',
  plugins: [react()],
  build: { outDir: `${here}dist/web`, emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/trpc': 'http://127.0.0.1:3000' } },
  test: {
    root: here,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // A worker imports the server and engine graph once and runs file after file in it, instead of
    // importing it again for every file (import was about a sixth of the suite's CPU). Test files
    // themselves are still evaluated afresh; what they share is module state of our code, which
    // keeps only caches of pure results (compiled flows, parsed pointers, prepared statements).
    isolate: false,
    // Vitest's default is one worker less than the cores: one worker on a 2-core machine. Test files
    // are isolated (each server on its own port and database, its own Chromium) and spend much of
    // their time waiting on Chromium, PostgreSQL and HTTP, so two run side by side even there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Password hashes at scrypt N = 2^10 instead of 2^15: every sign-in of every test would pay the
    // production cost (tests/server/sign-in.test.ts checks that default). Spawned servers inherit it.
    env: { VILLAGEFLOW_SCRYPT_COST: '10' },
    // The pure tests (engine, web app logic, flows: no server, no database; `--project unit`) apart.
    // Every other test on the default store (SQLite); the server suite again on PostgreSQL.
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: { name: 'sqlite', include: ['tests/**/*.test.ts'], exclude: [...configDefaults.exclude, ...UNIT, ...POSTGRES_ONLY], globalSetup: ['tests/global-setup.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['tests/server/**/*.test.ts', ...POSTGRES_ONLY],
          exclude: [...configDefaults.exclude, ...Object.keys(SQLITE_ONLY)],
          globalSetup: ['tests/pg-setup.ts'],
          env: { VILLAGEFLOW_TEST_STORE: 'postgres', VILLAGEFLOW_SCRYPT_COST: '10' },
        },
      },
    ],
  },
});
