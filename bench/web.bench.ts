// The web app: how much JavaScript a browser downloads (the production build, gzip-compressed as a
// server would send it), and how long the flow designer takes to show a 100-state flow in Chromium
// — from navigation until every state is on the canvas and the layout is done.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type BrowserContext } from 'playwright-core';
import { buildProductionWeb } from '../tests/global-setup.ts';
import { validateFlow } from '../engine/index.ts';
import { saveDraft } from '../server/matters/flows.ts';
import { createAppServer } from '../server/host/http.ts';
import { createLogger } from '../server/log.ts';
import { Runtime } from '../server/matters/runtime.ts';
import { DEMO_PASSWORD, DEMO_TOWNSHIP, DEMO_VILLAGES, seedDemo } from '../server/host/seed.ts';
import { SqliteStore } from '../server/store/sqlite/index.ts';
import type { Benchmark, Result } from './lib.ts';
import { loadLine } from './machine-load.ts';
import { chainFlow } from './web-flow.ts';

const STATES = 100;
const SAMPLES = Number(process.env.BENCH_WEB_SAMPLES ?? 7);
// The flags of tests/e2e/browser.ts.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface WebResult extends Result {
  p50Ms?: number;
  p99Ms?: number;
  /** Gzip size (input is the same); rawBytes uncompressed. */
  bytes?: number;
  rawBytes?: number;
}

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.m?js$/.test(f))
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

const sizeRow = (task: string, raw: number, gz: number, what: string): WebResult => ({
  bench: 'web',
  task,
  unit: 'bytes',
  perOp: 1,
  input: gz,
  inputUnit: `bytes gzip (${raw} raw, ${what})`,
  opsPerSec: 0,
  itemsPerSec: 0,
  usPerItem: 0,
  rmePct: 0,
  samples: 1,
  bytes: gz,
  rawBytes: raw,
});

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

interface App {
  url: string;
  context: BrowserContext;
  /** The generated flow's version, saved as a draft of the demo township. */
  versionId: number;
}

/** The real server on the build in `webRoot` (demo township seeded) and Chromium, for `fn`. */
async function withApp<T>(webRoot: string, fn: (app: App) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'villageflow-bench-web-'));
  const store = new SqliteStore(join(dir, 'web.db'));
  await store.migrate();
  const runtime = new Runtime(store, () => new Date());
  await seedDemo(runtime);
  const flow = chainFlow(STATES);
  const issues = validateFlow(flow);
  if (issues.length) throw new Error(`the generated ${STATES}-state flow is invalid: ${issues[0]!.pointer} ${issues[0]!.message}`);
  const { version } = await saveDraft(store, DEMO_TOWNSHIP.id, JSON.stringify(flow, null, 2), 'qs-admin', runtime.now());
  const server = createAppServer(runtime, { webRoot, logger: createLogger({ level: 'silent' }) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1500, height: 950 } });
    return await fn({ url, context, versionId: version.id });
  } finally {
    await browser.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds from navigation start until the designer shows every state, laid out, per sample. */
async function designerTimes({ url, context, versionId }: App): Promise<number[]> {
  // Signs in through the API: the request context shares the browser context's cookies.
  const login = await context.request.post(`${url}/trpc/auth.login`, { data: { username: 'qs.admin', password: DEMO_PASSWORD }, headers: { 'x-villageflow': '1' } });
  if (!login.ok()) throw new Error(`sign-in failed: ${login.status()} ${await login.text()}`);
  const times: number[] = [];
  // The first visit fills the HTTP cache and is not counted: a designer opens flows in a session.
  for (let i = 0; i <= SAMPLES; i++) {
    const page = await context.newPage();
    await page.goto(`${url}/designer/edit/${versionId}`);
    const handle = await page.waitForFunction(
      (n) => {
        const canvas = document.querySelector('[data-testid="editor-canvas"][data-layout="ready"]');
        return canvas && canvas.querySelectorAll('.react-flow__node').length === n ? performance.now() : false;
      },
      STATES,
      { polling: 'raf', timeout: 60_000 },
    );
    const ms = (await handle.jsonValue()) as number;
    if (i > 0) times.push(ms);
    await page.close();
  }
  return times;
}

/**
 * The scripts a villager's phone fetches to show a village's public board, on a first visit (an
 * empty cache): their paths and the bytes that came over the wire (what the server sent: gzip).
 */
async function boardScripts({ url, context }: App): Promise<{ path: string; wire: number }[]> {
  const page = await context.newPage();
  const scripts: Promise<{ path: string; wire: number }>[] = [];
  page.on('response', (res) => {
    if (res.request().resourceType() !== 'script') return;
    scripts.push(
      res.body().then(async (body) => {
        const length = (await res.allHeaders())['content-length'];
        // Playwright hands over the decoded body; the wire size is the response's Content-Length.
        return { path: new URL(res.url()).pathname, wire: length === undefined ? body.length : Number(length) };
      }),
    );
  });
  await page.goto(`${url}/board/${DEMO_VILLAGES[0]!.id}`);
  await page.waitForSelector('[data-testid="board"]', { timeout: 60_000 });
  await page.close();
  return Promise.all(scripts);
}

const bench: Benchmark = {
  name: 'web',
  description: `gzip size of the web app's JavaScript; time for the designer to show a ${STATES}-state flow in Chromium`,
  async run() {
    const out = mkdtempSync(join(tmpdir(), 'villageflow-bench-build-'));
    try {
      const t0 = performance.now();
      await buildProductionWeb(out);
      console.log(`  built the web app in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const files = jsFiles(out).map((f) => {
        const raw = readFileSync(f);
        return { name: relative(out, f), raw: raw.length, gz: gzipSync(raw).length };
      });
      if (files.length === 0) throw new Error('the build emitted no JavaScript');
      files.sort((a, b) => b.gz - a.gz);
      const total = files.reduce((s, f) => ({ raw: s.raw + f.raw, gz: s.gz + f.gz }), { raw: 0, gz: 0 });
      const entry = readFileSync(join(out, 'index.html'), 'utf8');
      const initial = files.filter((f) => entry.includes(f.name.replace(/\\/g, '/')));
      const initialSize = initial.reduce((s, f) => ({ raw: s.raw + f.raw, gz: s.gz + f.gz }), { raw: 0, gz: 0 });
      const results: WebResult[] = [
        sizeRow('JavaScript, all chunks (gzip)', total.raw, total.gz, `${files.length} files`),
        sizeRow('JavaScript, loaded by index.html (gzip)', initialSize.raw, initialSize.gz, `${initial.length} files`),
        sizeRow(`largest chunk: ${files[0]!.name} (gzip)`, files[0]!.raw, files[0]!.gz, '1 file'),
      ];
      const { times: unsorted, board } = await withApp(out, async (app) => ({ board: await boardScripts(app), times: await designerTimes(app) }));
      const times = unsorted.sort((a, b) => a - b);
      const boardFiles = files.filter((f) => board.some((b) => b.path === `/${f.name.replace(/\\/g, '/')}`));
      if (boardFiles.length !== board.length) throw new Error(`the board fetched scripts the build does not have: ${board.map((b) => b.path).join(', ')}`);
      const boardWire = board.reduce((sum, b) => sum + b.wire, 0);
      results.push(sizeRow('JavaScript, the public board on a first visit (as sent)', boardFiles.reduce((sum, f) => sum + f.raw, 0), boardWire, `${board.length} files`));
      const mean = times.reduce((s, t) => s + t, 0) / times.length;
      const sd = Math.sqrt(times.reduce((s, t) => s + (t - mean) ** 2, 0) / Math.max(1, times.length - 1));
      results.push({
        bench: 'web',
        task: `designer shows a ${STATES}-state flow`,
        unit: 'page loads',
        perOp: 1,
        input: STATES,
        inputUnit: 'states',
        opsPerSec: 1000 / mean,
        itemsPerSec: 1000 / mean,
        usPerItem: mean * 1000,
        rmePct: ((1.96 * sd) / Math.sqrt(times.length) / mean) * 100,
        samples: times.length,
        p50Ms: quantile(times, 0.5),
        p99Ms: quantile(times, 0.99),
      });
      webFiles = files;
      return results;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
  summarize(results) {
    const rs = results as WebResult[];
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    const lines = rs.filter((r) => r.bytes !== undefined).map((r) => `${r.task}: ${kb(r.bytes!)} gzip, ${kb(r.rawBytes!)} raw`);
    lines.push(`largest chunks (gzip): ${webFiles.slice(0, 5).map((f) => `${f.name} ${kb(f.gz)}`).join(', ')}`);
    const d = rs.find((r) => r.p50Ms !== undefined);
    if (d) lines.push(`${d.task}: p50 ${d.p50Ms!.toFixed(0)} ms, slowest ${d.p99Ms!.toFixed(0)} ms of ${d.samples} page loads (navigation start → all ${STATES} nodes laid out)`);
    lines.push(loadLine());
    return lines;
  },
};
let webFiles: { name: string; raw: number; gz: number }[] = [];
export default bench;
