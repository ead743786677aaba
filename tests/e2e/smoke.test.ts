// The web app in a real browser: sign in, see the inbox in Chinese, switch to English.
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { shot, signIn, browserSuite } from './browser.ts';

const env = browserSuite();

describe('web app', () => {
  it('signs in and shows the inbox, in Chinese then English', async () => {
    const page = await env.browser.newPage();
    await signIn(page, env.s.url, 'qs.reviewer', DEMO_PASSWORD);
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    // The heading shows before the inbox's rows arrive: wait for the first row, then count.
    await page.getByTestId('inbox').locator('li').first().waitFor();
    expect(await page.getByTestId('inbox').locator('li').count()).toBeGreaterThan(0);
    await shot(page, 'smoke-inbox-zh');
    await page.getByLabel(/语言|Language/).selectOption('en');
    await page.getByRole('heading', { name: 'My inbox' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'My inbox' }).waitFor();
    await shot(page, 'smoke-inbox-en');
  });
});
