// Going live in a real browser, from an empty database (no demo): the one-time setup link creates
// the township and its admin; the admin signs in, adds two villages and a person with a grant,
// resets their password; the person signs in by mobile and must choose their own; deactivated, they
// cannot sign in, and what they did still reads with their name in the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openSetup } from '../../server/org/organisation.ts';
import { browserSuite, shot, signIn } from './browser.ts';
import { inOrder } from './steps.ts';

const env = browserSuite({ seed: false });

/** Fills a form field by its label, exactly. */
const fill = (page: Page, label: string, value: string) => page.getByLabel(label, { exact: true }).fill(value);

// One story, told in order: each step starts where the one before left the township.
describe('going live', () => {
  inOrder();
  // The admin's page, and the person's phone.
  let page: Page;
  let phone: Page;
  const card = () => page.locator('[data-testid="person"][data-username="donghu.clerk"]');
  beforeAll(async () => {
    page = await env.browser.newPage({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
    page.setDefaultTimeout(15_000);
    phone = await env.browser.newPage({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
    phone.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await phone?.close();
    await page?.close();
  });

  it('the one-time setup link creates the township and its admin, and is spent', async () => {
    const token = (await openSetup(env.s.store, env.s.runtime.now()))!;
    // The setup page, as the link printed at start opens it.
    await page.goto(`${env.s.url}/setup#${token}`);
    await page.getByTestId('setup-form').waitFor();
    await fill(page, '乡镇名称', '莲花镇');
    await fill(page, '管理员用户名', 'lh.admin');
    await fill(page, '管理员姓名', '莲花镇管理员');
    await fill(page, '密码', 'Lianhua-2026!');
    await fill(page, '再次输入密码', 'Lianhua-2026!');
    await shot(page, 'go-live-setup');
    await page.getByRole('button', { name: '创建乡镇' }).click();
    await page.getByTestId('setup-done').waitFor();
    // The link is spent: opened again, it says so.
    await page.reload();
    await page.getByTestId('setup-invalid').waitFor();
  });

  it('the admin signs in and adds two villages; a second of the same name is refused in words', async () => {
    await signIn(page, env.s.url, 'lh.admin', 'Lianhua-2026!');
    await page.getByRole('link', { name: '组织管理' }).click();
    const org = page.getByTestId('org');
    await org.waitFor();
    for (const [name, kind] of [['东湖村', '行政村'], ['西山社区', '社区']] as const) {
      await fill(page, '名称', name);
      await page.getByLabel('类型').selectOption({ label: kind });
      await page.getByTestId('add-village').getByRole('button', { name: '添加' }).click();
      await page.locator(`[data-testid="village"][data-name="${name}"]`).waitFor();
    }
    // A second 东湖村 is refused, in words.
    await fill(page, '名称', '东湖村');
    await page.getByTestId('add-village').getByRole('button', { name: '添加' }).click();
    await org.getByRole('alert').filter({ hasText: '已有同名的村（社区）' }).waitFor();
    expect(await page.getByTestId('village').count()).toBe(2);
  });

  it('the admin adds a person with a mobile and a grant, and resets their password', async () => {
    // A person with a mobile and a grant in 东湖村.
    await page.getByTestId('add-person').locator('summary').click();
    const add = page.getByTestId('add-person');
    await add.getByLabel('姓名').fill('王秀英');
    await add.getByLabel('用户名').fill('donghu.clerk');
    await add.getByLabel('手机号').fill('13800138000');
    await add.getByLabel(/临时密码/).fill('handed-over-1');
    await add.getByLabel('角色').selectOption({ label: '会议记录员' });
    await add.getByLabel('村（社区）').selectOption({ label: '东湖村' });
    await add.getByRole('button', { name: '添加人员' }).click();
    await add.getByRole('status').filter({ hasText: '已添加 王秀英' }).waitFor();
    expect(await card().getByTestId('grants').textContent()).toBe('会议记录员 · 东湖村');

    // The password handed over was lost: the admin sets a temporary one.
    await card().getByRole('button', { name: '重置密码' }).click();
    await card().getByLabel(/临时密码/).fill('handed-over-2');
    await card().getByRole('button', { name: '设置临时密码' }).click();
    await card().getByRole('status').filter({ hasText: '已重置' }).waitFor();
    await shot(page, 'go-live-org');
  });

  it('the person signs in by mobile and must choose a password of their own', async () => {
    await phone.goto(`${env.s.url}/login`);
    await phone.getByLabel('用户名或手机号').fill('13800138000');
    await phone.getByLabel('密码').fill('handed-over-2');
    await phone.getByRole('button', { name: '登录' }).click();
    await phone.getByTestId('change-password').waitFor();
    await phone.getByLabel('当前密码').fill('handed-over-2');
    await phone.getByLabel('新密码', { exact: true }).fill('Qiuju-2026!');
    await phone.getByLabel('再次输入新密码').fill('Qiuju-2026!');
    await phone.getByRole('button', { name: '保存新密码' }).click();
    await phone.getByTestId('who').waitFor();
    // Their own account: the sign-in just made.
    await phone.getByRole('link', { name: '我的账户' }).click();
    await phone.getByTestId('sign-ins').waitFor();
    expect(await phone.getByTestId('sign-ins').locator('tbody tr').count()).toBe(1);
  });

  it('deactivated, the person is signed out and cannot sign in again', async () => {
    // Deactivated: their session ends and they cannot sign in again.
    await page.reload();
    await card().getByRole('button', { name: '停用' }).click();
    await card().getByText('已停用').waitFor();
    await phone.reload();
    await phone.getByRole('button', { name: '登录' }).waitFor();
    await phone.getByLabel('用户名或手机号').fill('donghu.clerk');
    await phone.getByLabel('密码').fill('Qiuju-2026!');
    await phone.getByRole('button', { name: '登录' }).click();
    await phone.getByRole('alert').filter({ hasText: '此账号已停用' }).waitFor();
  });

  it('what the person did still reads with their name in the audit log', async () => {
    // What they did (choosing their password) still reads with their name.
    await page.goto(`${env.s.url}/audit-log`);
    const entry = page.locator('[data-testid="audit-entry"][data-action="user.password"]');
    await entry.waitFor();
    expect(await entry.textContent()).toContain('王秀英');
    expect(await entry.textContent()).toContain('修改自己的密码');
    await shot(page, 'go-live-audit-log');
  });
});
