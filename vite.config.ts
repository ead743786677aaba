// Vite builds the web app (designer/ → dist/web); Vitest runs every test under tests/.
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
    // Every test on the default store (SQLite); the server suite again on PostgreSQL.
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['tests/**/*.test.ts'], exclude: [...configDefaults.exclude, ...POSTGRES_ONLY], globalSetup: ['tests/global-setup.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['tests/server/**/*.test.ts', ...POSTGRES_ONLY],
          exclude: [...configDefaults.exclude, ...Object.keys(SQLITE_ONLY)],
          globalSetup: ['tests/pg-setup.ts'],
          env: { VILLAGEFLOW_TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});
