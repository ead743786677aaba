// Builds the web app (designer/ → dist/web) with Vite: `npm run build` always, `npm start` (its
// prestart) only when dist/web is missing or older than what it is built from. The server itself
// never builds it: production start imports no build tool (tests/boundaries.test.ts).
//   tsx scripts/build-web.ts            build
//   tsx scripts/build-web.ts --if-stale build only when missing or stale; VILLAGEFLOW_BUILD_WEB=0 skips
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '..');
const index = join(root, 'dist/web/index.html');
/** What the web app is built from: its code, the engine it runs, the flow schema, the build's setup. */
const SOURCES = ['designer', 'engine', 'flows/flow.schema.json', 'vite.config.ts', 'package-lock.json'];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let t = stat.mtimeMs;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

/** Why the built app must be (re)built, or null when it is up to date. */
export function staleReason(): string | null {
  if (!existsSync(index)) return 'dist/web has no build yet';
  const built = statSync(index).mtimeMs;
  const changed = SOURCES.find((s) => newest(join(root, s)) > built);
  return changed ? `${changed} changed since dist/web was built` : null;
}

const ifStale = process.argv.includes('--if-stale');
const reason = ifStale ? (process.env.VILLAGEFLOW_BUILD_WEB === '0' ? null : staleReason()) : 'asked to';
if (reason) {
  console.log(`building the web app (${reason})…`);
  await build({ configFile: join(root, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
}
