// A new user's first sign-in in a real browser: the password the township admin chose opens only the
// form to choose one's own (the rule stated in words; a wrong current password, a mismatch and a weak
// password each told at once), and once it is saved the inbox opens, and stays open after a reload.
import { describe, expect, it } from 'vitest';
import { shot, browserSuite } from './browser.ts';

const env = browserSuite();

describe('first sign-in', () => {
  it('asks a new user for a password of their own before anything else', async () => {
    const admin = await env.s.as('qs.admin');
    await admin.org.createUser.mutate({ username: 'dongping.newclerk', displayName: '东坪村新记录员', password: 'given-by-admin', roles: [{ role: 'clerk', villageId: 'dongping' }] });

    const page = await env.browser.newPage({ locale: 'zh-CN' });
    page.setDefaultTimeout(15_000);
    await page.goto(`${env.s.url}/login`);
    await page.getByLabel('用户名').fill('dongping.newclerk');
    await page.getByLabel('密码').fill('given-by-admin');
    await page.getByRole('button', { name: '登录' }).click();

    const form = page.getByTestId('change-password');
    await form.getByRole('heading', { name: '设置新密码' }).waitFor();
    expect(await form.textContent()).toContain('至少 8 个字符，包含字母、数字、其他符号中的至少两类');
    // Nothing else of the app is there: no navigation, no inbox.
    expect(await page.getByTestId('who').count()).toBe(0);
    await shot(page, 'first-sign-in-change-password');

    const fill = async (current: string, next: string, confirm = next) => {
      await page.getByLabel('当前密码').fill(current);
      await page.getByLabel('新密码', { exact: true }).fill(next);
      await page.getByLabel('再次输入新密码').fill(confirm);
      await page.getByRole('button', { name: '保存新密码' }).click();
    };
    await fill('given-by-admin', 'dongping-2026', 'dongping-2027');
    await page.getByRole('alert').filter({ hasText: '两次输入的新密码不一致' }).waitFor();
    await fill('not-the-password', 'dongping-2026');
    await page.getByRole('alert').filter({ hasText: '当前密码不正确' }).waitFor();
    await fill('given-by-admin', '20260315');
    await page.getByRole('alert').filter({ hasText: '新密码不符合要求' }).waitFor();

    await fill('given-by-admin', 'dongping-2026');
    await page.getByTestId('who').waitFor();
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    expect(await page.getByTestId('change-password').count()).toBe(0);
    await page.reload();
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    await page.close();
  });
});
