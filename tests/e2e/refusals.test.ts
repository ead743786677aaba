// Refusals in the reader's words (designer/app/refusals.ts): three refusals of the server, each of a
// different kind, read in Chinese in a real browser, with the field named by its label and none of
// the server's English sentence or JSON pointer on the page.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { browserSuite, shot, signIn } from './browser.ts';

const env = browserSuite();

/** What the page shows, and that no English words of the server's message, nor a pointer, are among it. */
async function shownText(page: Page, english: RegExp[]): Promise<string> {
  const text = await page.locator('main').innerText();
  for (const words of english) expect(text).not.toMatch(words);
  return text;
}

describe('refusals in Chinese', () => {
  it('a form field the server refuses (the villager named by an unknown account) is named by its label beside the field', async () => {
    // A 代办 matter from the catalogue: the registration form comes with the item filled in.
    const agent = await env.s.as('dongping.agent');
    const { id } = await agent.catalogue.start.mutate({ itemId: 'item-pension', villageId: 'dongping', subject: '马德顺' });
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await signIn(page, env.s.url, 'dongping.agent', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/instances/${id}`);
    const form = page.locator('.step-form');
    await form.getByLabel('办事村民姓名').fill('马德顺');
    // The form's own checks pass (any login name may be typed); the server knows no such account here.
    await form.getByLabel('办事村民的登录账号').fill('nobody.here');
    await form.getByLabel('公民身份号码').fill('410323196603021536');
    await form.getByLabel('联系电话').fill('13903791188');
    await form.getByLabel('办理诉求').fill('申请领取城乡居民基本养老保险待遇');
    await form.getByLabel('到站办理').check();
    await form.getByLabel('急事急办').check();
    await form.getByLabel('急事急办').uncheck();
    // The case owner's account is the agent's own, shown by name (no id to type).
    expect(await form.getByTestId('account-field').textContent()).toBe('东坪村便民服务站代办员 dongping-agent');
    await form.getByLabel('首问责任人姓名').fill('东坪村便民服务站代办员');
    await form.getByLabel('已告知代办不收取任何费用').check();
    await form.getByRole('button', { name: '提交' }).click();

    const alert = page.getByTestId('send-error');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('表单有误，请按提示修改后重新提交。 「办事村民的登录账号」：“nobody.here”不是东坪村的账号，请填写本村（社区）人员的用户名');
    // Beside the field too, in the same words.
    expect(await form.innerText()).toContain('“nobody.here”不是东坪村的账号');
    await shownText(page, [/no account/, /holds a role/, /villager_account/, /\/registration/]);
    await shot(page, 'refusal-subject-zh');
    // Nothing was recorded: the matter is still at its first step.
    expect((await agent.instances.get.query({ id })).instance.seq).toBe(1);
    await page.close();
  });

  it('a meeting count the server refuses (members other than the roster) reads as the numbers in Chinese', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await signIn(page, env.s.url, 'dongping.clerk', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/instances/demo-dongping-road`);
    await page.locator('[data-testid="instance"][data-state="party_members_meeting"]').waitFor();
    const form = page.getByTestId('close-vote');
    // The members come from the roster, read-only on the page; the server's check is the one that
    // counts, so the record is sent as an older page that let the clerk type them might: one more.
    const members = Number(await form.getByLabel('组成人员（应到）').inputValue());
    expect(members).toBeGreaterThan(0);
    await page.route('**/trpc/instances.send', async (route) => {
      const body = JSON.parse(route.request().postData()!) as { payload: Record<string, unknown> };
      body.payload.members = members + 1;
      await route.continue({ postData: JSON.stringify(body) });
    });
    await form.getByRole('button', { name: '结束表决' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: '确定结束' }).click();

    const alert = page.getByTestId('send-error');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(new RegExp(`的名册有 ${members} 人，记录却写 ${members + 1} 人`));
    await shownText(page, [/roster on/, /the record says/, /\/members/]);
    await shot(page, 'refusal-vote-count-zh');
    await page.close();
  });

  it('an organisation change the server refuses (a user name already taken) says so in Chinese', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/org`);
    const add = page.getByTestId('add-person');
    await add.locator('summary').click();
    await add.getByLabel('姓名').fill('王小明');
    await add.getByLabel('用户名').fill('dongping.clerk');
    await add.getByLabel('临时密码').fill('Qingshan-2026!');
    await add.getByRole('button', { name: '添加人员' }).click();
    const alert = add.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('这个用户名已被使用，请换一个');
    await shownText(page, [/is taken/, /user name dongping\.clerk/, /\/username/]);
    await shot(page, 'refusal-org-zh');
    await page.close();
  });
});
