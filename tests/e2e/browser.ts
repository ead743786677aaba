// Browser tests drive Debian's Chromium through playwright-core against a real server; the web
// app is built once per run. Screenshots, for people to look at (never asserted), are taken only
// with VILLAGEFLOW_SCREENSHOTS=1, into test-output/screenshots (not committed).
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/harness.ts';

export const SCREENSHOTS = 'test-output/screenshots';
/** Whether this run takes the screenshots (VILLAGEFLOW_SCREENSHOTS=1): each costs Chromium a full paint and a PNG. */
export const TAKE_SCREENSHOTS = process.env.VILLAGEFLOW_SCREENSHOTS === '1';
/**
 * Debian's Chromium headless shell (package chromium-headless-shell, what Playwright itself runs for
 * headless tests): the same engine without the browser's UI, at about half the CPU of the full
 * browser run headless (calendar's browser file: 9-10 s against 15-21 s of Chromium CPU); else the
 * full browser. CHROMIUM_PATH names another.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => existsSync(p)) ?? '/usr/bin/chromium-headless-shell';
/** Where this test run's build of the web app is (tests/global-setup.ts builds it once per run). */
export const WEB_ROOT = process.env.VILLAGEFLOW_TEST_WEB_ROOT ?? 'dist/web';
/**
 * The present for tests that start their server now: the run's start (tests/global-setup.ts), so
 * they share one seeded database (tests/server/harness.ts); a few minutes before the real present.
 */
export const TEST_NOW = process.env.VILLAGEFLOW_TEST_NOW ?? new Date().toISOString();

/** Checks the web app build is there; tests/global-setup.ts makes it. */
export function buildWebApp(): void {
  if (!existsSync(`${WEB_ROOT}/index.html`)) throw new Error(`${WEB_ROOT} has no build: the test run builds it in tests/global-setup.ts`);
}

/**
 * The Chromium of this test worker: launched by the first browser test file the worker runs and
 * kept for the ones after it (workers run file after file, vitest `isolate: false`), so each file
 * pays for contexts, not for a browser (about 0.6 s of CPU a launch). Launched again if it died.
 * Playwright closes it when the worker exits.
 */
let workerChromium: Promise<Browser> | undefined;
function chromiumOfWorker(): Promise<Browser> {
  workerChromium ??= chromium
    .launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    .then(
      (browser) => {
        browser.on('disconnected', () => (workerChromium = undefined));
        return browser;
      },
      (error: unknown) => {
        workerChromium = undefined;
        throw error;
      },
    );
  return workerChromium;
}

/**
 * A browser for one test file: the worker's Chromium, through which the file opens contexts and
 * pages of its own (each context as isolated as in a browser of its own: cookies, storage, cache);
 * its close() closes those and leaves the browser to the next file.
 */
export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run .ci/run or apt-get install chromium-headless-shell fonts-noto-cjk`);
  if (TAKE_SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  const browser = await chromiumOfWorker();
  const opened = new Set<BrowserContext>();
  // Every page reads as a reader who asked for less motion (prefers-reduced-motion, which a test may
  // still override): the drawings then move their view at once (designer/diagram/motion.ts), so a
  // settled view is never an animation another move interrupted, and Chromium paints no frames of it.
  const newContext: Browser['newContext'] = async (options = {}) => {
    const context = await browser.newContext({ reducedMotion: 'reduce', ...options });
    opened.add(context);
    context.on('close', () => opened.delete(context));
    return context;
  };
  // As Browser.newPage: a page in a context of its own, which closes with it.
  const newPage: Browser['newPage'] = async (options = {}) => {
    const context = await newContext(options);
    const page = await context.newPage();
    page.on('close', () => void context.close().catch(() => {}));
    return page;
  };
  const close: Browser['close'] = async () => {
    await Promise.all([...opened].map((context) => context.close().catch(() => {})));
  };
  const own: Record<PropertyKey, unknown> = { newContext, newPage, close };
  return new Proxy(browser, {
    get: (target, key) => {
      if (key in own) return own[key];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A screenshot of the whole page, or of `clip` on it (page coordinates), when the run takes them. */
export async function shot(page: Page, name: string, clip?: { x: number; y: number; width: number; height: number }): Promise<void> {
  if (TAKE_SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true, ...(clip ? { clip } : {}) });
}

/** A screenshot of one element, when the run takes them. */
export async function shotOf(locator: Locator, name: string): Promise<void> {
  if (TAKE_SCREENSHOTS) await locator.screenshot({ path: `${SCREENSHOTS}/${name}.png` });
}

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel(/用户名|User name/).fill(username);
  await page.getByLabel(/密码|Password/).fill(password);
  await page.getByRole('button', { name: /登录|Sign in/ }).click();
  await page.getByTestId('who').waitFor();
}

/**
 * The usual browser suite: a real server (demo township seeded) serving this run's web build, and
 * Chromium; both started before the file's tests and closed after them.
 */
export function browserSuite(opts: Omit<Parameters<typeof startTestServer>[0] & object, 'webRoot'> = {}): { s: TestServer; browser: Browser } {
  const env = {} as { s: TestServer; browser: Browser };
  beforeAll(async () => {
    buildWebApp();
    env.s = await startTestServer({ webRoot: WEB_ROOT, start: TEST_NOW, ...opts });
    env.browser = await launch();
  });
  afterAll(async () => {
    await env.browser?.close();
    await env.s?.close();
  });
  return env;
}

/**
 * Waits until the designer's canvas has settled: its layout done and the moves that follow it (a
 * fit after a new layout, a look at an issue, the fit-view button) finished. The app says so with
 * data-settled (designer/editor/Canvas.tsx).
 */
export async function settleCanvas(page: Page): Promise<void> {
  await page.locator('[data-testid="editor-canvas"][data-settled="true"]').waitFor();
}

/**
 * Brings the whole flow into view on the designer's canvas (its fit-view button) and waits until it
 * has settled. A step is clicked where it is drawn, and one outside the canvas cannot be: React
 * Flow undoes the scroll that would show it.
 */
export async function fitCanvas(page: Page): Promise<void> {
  await settleCanvas(page);
  await page.locator('.react-flow__controls-fitview').click();
  await settleCanvas(page);
}

/** Waits until a step diagram (designer/diagram/FlowDiagram.tsx) is laid out and its view has stopped moving. */
export async function settleDiagram(page: Page): Promise<void> {
  await page.locator('[data-testid="diagram"][data-settled="true"]').waitFor();
}

/**
 * Waits until the element's text contains `text` (the app re-renders it as numbers are typed or an
 * answer arrives), with Playwright's own wait on the page and its timeout, then asserts it.
 */
export async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.filter({ hasText: text }).waitFor();
  expect(await locator.textContent()).toContain(text);
}

/** Waits until the input `locator` holds `value` (a number the page fills in, say), then asserts it. */
export async function expectValue(locator: Locator, value: string): Promise<void> {
  const input = await locator.elementHandle();
  await locator.page().waitForFunction(([el, v]) => (el as HTMLInputElement | null)?.value === v, [input, value] as const);
  expect(await locator.inputValue()).toBe(value);
}

/**
 * Waits until the texts of the elements `selector` matches inside the first match of `within` are
 * `want`, in order (a list the app reorders or fills in), then asserts them.
 */
export async function expectTexts(page: Page, within: string, selector: string, want: string[]): Promise<void> {
  await page.waitForFunction(
    ([w, sel, expected]) => JSON.stringify([...(document.querySelector(w)?.querySelectorAll(sel) ?? [])].map((e) => e.textContent)) === expected,
    [within, selector, JSON.stringify(want)] as const,
  );
  expect(await page.locator(within).first().locator(selector).allTextContents()).toEqual(want);
}
