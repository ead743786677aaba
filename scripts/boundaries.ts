// The dependency rules of the code, checked over the import graph (run by `npm test`, in
// tests/boundaries.test.ts; by hand: `npx tsx scripts/boundaries.ts`):
//   - the engine stays pure: it imports nothing of the server, the web app or the command line,
//     no React, tRPC or database client, and no Node built-in (node:fs, node:crypto, …);
//   - the web app takes nothing from the server but the AppRouter type: a value import refused;
//   - outside the engine, the engine is imported through engine/index.ts only;
//   - no production start code (server/, cli/) imports the build tools (vite, esbuild, vitest);
//   - no two folders import each other, directly or round a longer cycle (a folder: a part's
//     subfolder with all below it, or the files at the part's top; known cycles are listed below).
// The graph of value imports is esbuild's (its metafile: it resolves as the bundler and Node do and
// drops type-only imports); type-only imports (`import type … from`) are read from the text.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { build, type Metafile } from 'esbuild';

export interface Edge {
  from: string;
  /** A file of the tree (relative, with '/'), or a package / Node built-in as written. */
  to: string;
  external: boolean;
  typeOnly: boolean;
}
export interface Violation {
  rule: string;
  from: string;
  to: string;
}

const PARTS = ['engine', 'server', 'designer', 'cli', 'scripts'];
const CODE = /\.(ts|tsx|js|mjs)$/;
/** Packages the pure engine may not use: UI, transport, storage, logging. */
const ENGINE_FORBIDDEN_PACKAGES = /^(react|react-dom|@trpc\/|@tanstack\/|wouter|better-sqlite3|pg|pino|@xyflow\/|recharts|vite|vitest|esbuild)(\/|$)/;
/** The one server module the web app may read, for its AppRouter type. */
const APP_ROUTER = 'server/routers/_app.ts';
const BUILD_TOOLS = /^(vite|vitest|esbuild|@vitejs\/)(\/|$)/;
/** Files that may import engine internals: cli/generate-validators.ts generates the engine's precompiled validators from its schema backend. */
const ENGINE_INTERNALS_ALLOWED = new Set(['cli/generate-validators.ts']);

function filesUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  const full = join(root, dir);
  let names: string[];
  try {
    names = readdirSync(full);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(full, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(root, join(dir, name)));
    else if (CODE.test(name) && !name.endsWith('.d.ts')) out.push(join(dir, name).split(sep).join('/'));
  }
  return out;
}

function isBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!);
}

async function valueEdges(root: string, entries: string[], platform: 'node' | 'browser'): Promise<Edge[]> {
  if (!entries.length) return [];
  const result = await build({
    absWorkingDir: root,
    entryPoints: entries,
    bundle: true,
    write: false,
    metafile: true,
    outdir: 'out',
    platform,
    format: 'esm',
    packages: 'external',
    external: ['*.css'],
    logLevel: 'silent',
    tsconfig: join(root, 'tsconfig.json'),
  });
  const meta: Metafile = result.metafile;
  const edges: Edge[] = [];
  for (const [from, input] of Object.entries(meta.inputs)) {
    for (const i of input.imports) {
      if (i.path.endsWith('.css')) continue;
      edges.push({ from, to: i.external ? (i.original ?? i.path) : i.path, external: !!i.external, typeOnly: false });
    }
  }
  return edges;
}

/** `import type … from '…'` and `export type … from '…'`: invisible to a bundler, still a dependency. */
function typeEdges(root: string, files: string[]): Edge[] {
  const edges: Edge[] = [];
  const re = /^\s*(?:import|export)\s+type\s[^;]*?\sfrom\s+['"]([^'"]+)['"]/gms;
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(re)) {
      const spec = m[1]!;
      const local = spec.startsWith('.');
      const to = local ? relative(root, resolve(root, dirname(file), spec)).split(sep).join('/') : spec;
      edges.push({ from: file, to, external: !local, typeOnly: true });
    }
  }
  return edges;
}

/** Every import of the tree's code (engine, server, designer, cli, scripts). */
export async function importGraph(root: string): Promise<Edge[]> {
  const files = PARTS.flatMap((p) => filesUnder(root, p));
  const web = files.filter((f) => f.startsWith('designer/'));
  const node = files.filter((f) => !f.startsWith('designer/'));
  const [a, b] = await Promise.all([valueEdges(root, node, 'node'), valueEdges(root, web, 'browser')]);
  const seen = new Set<string>();
  const out: Edge[] = [];
  for (const e of [...a, ...b, ...typeEdges(root, files)]) {
    const key = `${e.from}\0${e.to}\0${e.typeOnly}`;
    if (!seen.has(key)) out.push(e), seen.add(key);
  }
  return out;
}

const part = (file: string) => file.split('/')[0]!;
/** The folder a file belongs to for the cycle rule: a part's subfolder, with what is below it (server/store holds server/store/pg), or the part itself. */
const folder = (file: string) => {
  const dirs = file.split('/').slice(0, -1);
  return dirs.slice(0, 2).join('/');
};
/**
 * Cycles known and not yet removed, each with the work that removes it. A new cycle, or one of
 * these growing to take in another folder, fails the check.
 */
const KNOWN_CYCLES: Record<string, string> = {
};

/** The rules above, over a graph. */
export function checkRules(edges: Edge[]): Violation[] {
  const out: Violation[] = [];
  const add = (rule: string, e: Edge) => out.push({ rule, from: e.from, to: e.to });
  for (const e of edges) {
    const from = part(e.from);
    if (from === 'engine') {
      if (!e.external && ['server', 'designer', 'cli', 'scripts'].includes(part(e.to))) add('the engine imports no server, web app or command-line code', e);
      if (e.external && !e.typeOnly && isBuiltin(e.to)) add('the engine imports no Node built-in (no I/O)', e);
      if (e.external && ENGINE_FORBIDDEN_PACKAGES.test(e.to)) add('the engine imports no UI, transport or storage package', e);
    }
    if (from === 'designer' && !e.external && part(e.to) === 'server') {
      if (!e.typeOnly) add('the web app imports only types from the server', e);
      else if (e.to !== APP_ROUTER) add('the web app imports no server type but the AppRouter', e);
    }
    if (from === 'designer' && e.external && !e.typeOnly && isBuiltin(e.to)) add('the web app imports no Node built-in', e);
    if (from !== 'engine' && !e.external && part(e.to) === 'engine' && e.to !== 'engine/index.ts') {
      if (!ENGINE_INTERNALS_ALLOWED.has(e.from)) add('outside the engine, the engine is imported through engine/index.ts', e);
    }
    if ((from === 'server' || from === 'cli') && e.external && !e.typeOnly && BUILD_TOOLS.test(e.to)) add('production code imports no build tool', e);
  }
  out.push(...folderCycles(edges));
  return out;
}

/** Cycles between folders (strongly connected components of the folder graph), one violation each. */
export function folderCycles(edges: Edge[]): Violation[] {
  const graph = new Map<string, Map<string, Edge>>();
  for (const e of edges) {
    if (e.external) continue;
    const a = folder(e.from);
    const b = folder(e.to);
    if (a === b) continue;
    if (!graph.has(a)) graph.set(a, new Map());
    if (!graph.has(b)) graph.set(b, new Map());
    if (!graph.get(a)!.has(b)) graph.get(a)!.set(b, e);
  }
  // Tarjan's strongly connected components.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)!.keys()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) components.push(c.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.filter((c) => !Object.hasOwn(KNOWN_CYCLES, c.join(', '))).map((c) => {
    const inside = new Set(c);
    const witnesses = c.flatMap((a) => [...graph.get(a)!].filter(([b]) => inside.has(b)).map(([, e]) => `${e.from} → ${e.to}`));
    return { rule: `no cycle between folders (${c.join(', ')})`, from: c[0]!, to: witnesses.join('; ') };
  });
}

/** Checks the tree at `root`; the violations, none when it keeps the rules. */
export async function checkBoundaries(root: string): Promise<Violation[]> {
  return checkRules(await importGraph(root));
}

if (process.argv[1] === import.meta.filename) {
  const root = resolve(import.meta.dirname, '..');
  const violations = await checkBoundaries(root);
  for (const v of violations) console.log(`${v.rule}: ${v.from} → ${v.to}`);
  if (violations.length) process.exitCode = 1;
  else console.log('boundaries: ok');
}
