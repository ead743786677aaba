// The dependency rules (scripts/boundaries.ts) hold for the tree, and the check fails on a bad
// import planted in a copy of it: an engine file doing I/O, the web app taking server code, an
// engine internal imported past engine/index.ts, the server importing the build tool, two folders
// importing each other.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBoundaries, checkRules, importGraph } from '../scripts/boundaries.ts';

const root = resolve(import.meta.dirname, '..');
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function copyOfTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'villageflow-boundaries-'));
  copies.push(dir);
  for (const part of ['engine', 'server', 'designer', 'cli', 'scripts', 'flows', 'package.json', 'tsconfig.json']) cpSync(join(root, part), join(dir, part), { recursive: true });
  return dir;
}

describe('boundaries', () => {
  it('hold for the tree: the engine pure, the web app taking only types from the server, no folder cycles', async () => {
    // The graph checkBoundaries(root) checks, made once for both assertions.
    const graph = await importGraph(root);
    expect(checkRules(graph)).toEqual([]);
    // The web app's one use of the server, its AppRouter type, is seen and allowed.
    expect(graph).toContainEqual({ from: 'designer/app/trpc.ts', to: 'server/routers/_app.ts', external: false, typeOnly: true });
  });

  it('fail on planted bad imports, each named', async () => {
    const dir = copyOfTree();
    const plant = (file: string, text: string) => writeFileSync(join(dir, file), text);
    plant('engine/planted.ts', "import { readFileSync } from 'node:fs';\nimport { createLogger } from '../server/log.ts';\nexport const f = () => (createLogger, readFileSync('x'));\n");
    plant('designer/app/planted.ts', "import { createAppServer } from '../../server/host/http.ts';\nimport type { AppRouter } from '../../server/routers/_app.ts';\nexport type R = AppRouter;\nexport const s = createAppServer;\n");
    plant('designer/app/plantedType.ts', "import type { Store } from '../../server/store/types.ts';\nexport type S = Store;\n");
    plant('designer/app/plantedInline.ts', "import { type AppRouter } from '../../server/routers/_app.ts';\nexport type R = AppRouter;\n");
    plant('server/planted.ts', "import { build } from 'vite';\nimport { hashJson } from '../engine/hash.ts';\nimport type { Flow } from '../engine/types.ts';\nexport const b = [build, hashJson] as unknown as Flow;\n");
    plant('designer/runner/plantedA.ts', "import { b } from '../editor/plantedB.ts';\nexport const a = () => b;\n");
    plant('designer/editor/plantedB.ts', "import { a } from '../runner/plantedA.ts';\nexport const b = () => a;\n");
    // A module at server/'s top reaching for the routers: the cycle server/host removed, back.
    plant('server/plantedRouters.ts', "import { appRouter } from './routers/_app.ts';\nexport const r = appRouter;\n");

    const found = (await checkBoundaries(dir)).map((v) => `${v.rule} | ${v.from} | ${v.to}`);
    const expected = [
      'the engine imports no Node built-in (no I/O) | engine/planted.ts | node:fs',
      'the engine imports no server, web app or command-line code | engine/planted.ts | server/log.ts',
      'the web app imports only types from the server | designer/app/planted.ts | server/host/http.ts',
      // `import { type X }` keeps a bare import of the module at run time: refused like a value.
      'the web app imports only types from the server | designer/app/plantedInline.ts | server/routers/_app.ts',
      'the web app imports no server type but the AppRouter | designer/app/plantedType.ts | server/store/types.ts',
      'production code imports no build tool | server/planted.ts | vite',
      'outside the engine, the engine is imported through engine/index.ts | server/planted.ts | engine/hash.ts',
      'outside the engine, the engine is imported through engine/index.ts | server/planted.ts | engine/types.ts',
    ];
    for (const line of expected) expect(found).toContain(line);
    // The two planted folders; the server's top and its routers; and the engine, which the planted engine file ties to the server.
    const cycles = found.filter((l) => l.startsWith('no cycle between folders')).map((l) => l.split(' | ')[0]);
    expect(cycles.sort()).toEqual([
      'no cycle between folders (designer/editor, designer/runner)',
      // One cycle through them all: the planted engine file ties the engine (and the store, which
      // uses it) to the server's top, and the planted router import ties in the routers and the
      // areas they import (each of which imports the store).
      'no cycle between folders (engine, server, server/access, server/matters, server/org, server/routers, server/store)',
    ]);
    // The planted type-only import of the AppRouter is no violation; nothing else is reported.
    expect(found.filter((l) => l.includes('designer/app/planted.ts | server/routers/_app.ts'))).toEqual([]);
    expect(found).toHaveLength(expected.length + 2);
  });
});
