// The web app in a real browser: sign in, see the inbox in Chinese, switch to English.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/harness.ts';
import { DEMO_PASSWORD } from '../../server/seed.ts';
import { buildWebApp, launch, shot, signIn, WEB_ROOT } from './browser.ts';

let s: TestServer;
let browser: Browser;
beforeAll(async () => {
  buildWebApp();
  s = await startTestServer({ webRoot: WEB_ROOT, start: new Date().toISOString() });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

describe('web app', () => {
  it('signs in and shows the inbox, in Chinese then English', async () => {
    const page = await browser.newPage();
    await signIn(page, s.url, 'qs.reviewer', DEMO_PASSWORD);
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    expect(await page.getByTestId('inbox').locator('li').count()).toBeGreaterThan(0);
    await shot(page, 'smoke-inbox-zh');
    await page.getByLabel(/语言|Language/).selectOption('en');
    await page.getByRole('heading', { name: 'My inbox' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'My inbox' }).waitFor();
    await shot(page, 'smoke-inbox-en');
  });
});
