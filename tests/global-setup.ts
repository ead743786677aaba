// Runs once before all test files: the web app the browser tests serve, built into a folder of its
// own (named after the contents it is built from), so test runs side by side (or a developer's
// dist/web) never rebuild it under each other, and a run whose sources were built before reuses it.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
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

const root = resolve(import.meta.dirname, '..');
/**
 * Everything the build reads: the web app, the engine it bundles, the flow schema, the build's and
 * TypeScript's settings, package.json (its `imports` map) and the installed packages (npm's record
 * of node_modules). scripts/build-web.ts lists the same by modification time; here it is contents.
 */
const BUILD_INPUTS = ['designer', 'engine', 'flows/flow.schema.json', 'vite.config.ts', 'tsconfig.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json'];
const CACHE_PREFIX = 'villageflow-web-build-';
const DAY_MS = 24 * 3600_000;

/**
 * SHA-256 over the path and contents of every file the build reads. Not the Node that runs the
 * build: the bundle is the same whichever runs it, and .ci/run's second run (Node 24, in a copy of
 * the checkout) serves the first one's build.
 */
function buildKey(): string {
  const hash = createHash('sha256');
  const add = (path: string) => {
    if (!existsSync(path)) return void hash.update(`missing ${relative(root, path)}\0`);
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) add(join(path, name));
      return;
    }
    hash.update(`${relative(root, path)}\0`).update(readFileSync(path)).update('\0');
  };
  for (const input of BUILD_INPUTS) add(join(root, input));
  return hash.digest('hex').slice(0, 32);
}

/**
 * The production build of exactly these sources: built once into a folder named after their
 * contents, and reused by later runs (and other checkouts) while nothing it reads has changed, so a
 * run never serves a build of other sources. Folders unused for a day are removed.
 */
async function productionWebOfTheseSources(): Promise<string> {
  const dir = join(tmpdir(), `${CACHE_PREFIX}${buildKey()}`);
  if (existsSync(join(dir, 'index.html'))) {
    const now = new Date();
    utimesSync(dir, now, now);
  } else {
    // Built aside and renamed into place whole: a run side by side finds a complete build or none.
    const own = mkdtempSync(`${dir}.`);
    await buildProductionWeb(own);
    try {
      renameSync(own, dir);
    } catch {
      rmSync(own, { recursive: true, force: true }); // another run put the same build there first
    }
  }
  for (const name of readdirSync(tmpdir())) {
    const path = join(tmpdir(), name);
    if (!name.startsWith(CACHE_PREFIX) || path === dir) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > DAY_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another run meanwhile
    }
  }
  return dir;
}

export default async function setup() {
  const dir = await productionWebOfTheseSources();
  // The demo township is seeded once per run (per start time) there and copied for each test server
  // (tests/server/harness.ts).
  const seeds = mkdtempSync(join(tmpdir(), 'villageflow-seed-'));
  // Test workers start after this and inherit the environment.
  process.env.VILLAGEFLOW_TEST_WEB_ROOT = dir;
  process.env.VILLAGEFLOW_TEST_SEED_DIR = seeds;
  // "Now" for browser tests that start at the present: one instant per run, so they share one seed.
  process.env.VILLAGEFLOW_TEST_NOW = new Date().toISOString();
  return () => {
    rmSync(seeds, { recursive: true, force: true });
  };
}
