// Bodies and rosters in a real browser: the township admin opens 机构名册 on the organisation page,
// sees a village's bodies with their members and rosters, marks a Party member probationary (one
// fewer voting member), and registers a new count of adult villagers with its day and source.
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { browserSuite, expectText, shotOf, signIn } from './browser.ts';

const env = browserSuite();

describe('bodies and rosters', () => {
  it('the township admin reads a village’s rosters, marks a probationary member and registers a count', async () => {
    const page = await env.browser.newPage({ locale: 'zh-CN' });
    page.setDefaultTimeout(15_000);
    await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/org`);
    const panel = page.getByTestId('rosters');
    await panel.getByRole('heading', { name: '机构名册' }).waitFor();
    await panel.getByLabel('村（社区）').selectOption({ label: '西岭村' });

    // The Party: eleven members, two of them probationary in the demo.
    const party = panel.locator('[data-testid="body"][data-role="party_member"]');
    await expectText(party.getByTestId('body-roster'), '11 人，其中有表决权 9 人');
    expect(await party.getByTestId('body-roster').textContent()).toBe('11 人，其中有表决权 9 人');
    expect(await party.getByRole('heading', { level: 3 }).textContent()).toBe('党员大会');
    await party.getByText('成员（11 人）').click();
    const member = party.locator('[data-testid="body-member"][data-name="西岭村党员7"]');
    await member.getByLabel('预备党员（列席，不表决）').check();
    await expectText(party.getByTestId('body-roster'), '11 人，其中有表决权 8 人');
    expect(await party.getByTestId('body-roster').textContent()).toBe('11 人，其中有表决权 8 人');
    expect(await member.getByLabel('预备党员（列席，不表决）').isChecked()).toBe(true);

    // The villagers' meeting is counted: a new count takes effect on its day.
    const villagers = panel.locator('[data-testid="body"][data-role="villager"]');
    expect(await villagers.textContent()).toContain('按登记人数计算');
    await expectText(villagers.getByTestId('body-roster'), '1268 人，其中有表决权 1268 人');
    expect(await villagers.getByTestId('body-roster').textContent()).toBe('1268 人，其中有表决权 1268 人');
    await villagers.getByText('登记人数', { exact: true }).click();
    const form = villagers.getByTestId('add-count');
    await form.getByLabel('人数').fill('1301');
    await form.getByLabel('生效日期').fill('2099-01-01');
    await form.getByLabel('依据（名册、文件名称）').fill('西岭村2099年村民名册');
    await form.getByRole('button', { name: '登记' }).click();
    await expectText(villagers.getByTestId('body-counts'), '1301 人（2099-01-01 起施行，依据：西岭村2099年村民名册');
    expect(await villagers.getByTestId('body-counts').textContent()).toContain('尚未施行');
    // Not in force yet: today's roster keeps the count in force today.
    expect(await villagers.getByTestId('body-roster').textContent()).toBe('1268 人，其中有表决权 1268 人');
    // The panel alone: the page's list of people above it is long.
    await shotOf(panel, 'org-rosters-zh');

    const { bodies } = await (await env.s.as('qs.auditor')).rosters.bodies.query({ villageId: 'xiling' });
    expect(bodies.find((b) => b.role === 'party_member')!.roster).toMatchObject({ members: 11, voting: 8 });
    await page.close();
  });
});
