// Runs once before all test files: builds the web app the browser tests serve into a folder of its
// own, so test runs side by side (or a developer's dist/web) never rebuild it under each other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';

/** The production build people get, into `dir` (also what bench/web.bench.ts measures). */
export async function buildProductionWeb(dir: string): Promise<void> {
  // Vitest runs with NODE_ENV=test; the app under test is the production build.
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: 'vite.config.ts', mode: 'production', logLevel: 'warn', build: { outDir: dir, emptyOutDir: true } });
  } finally {
    process.env.NODE_ENV = before;
  }
}

export default async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'villageflow-web-'));
  // The demo township is seeded once per run (per start time) there and copied for each test server
  // (tests/server/harness.ts).
  const seeds = mkdtempSync(join(tmpdir(), 'villageflow-seed-'));
  await buildProductionWeb(dir);
  // Test workers start after this and inherit the environment.
  process.env.VILLAGEFLOW_TEST_WEB_ROOT = dir;
  process.env.VILLAGEFLOW_TEST_SEED_DIR = seeds;
  // "Now" for browser tests that start at the present: one instant per run, so they share one seed.
  process.env.VILLAGEFLOW_TEST_NOW = new Date().toISOString();
  return () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(seeds, { recursive: true, force: true });
  };
}
