// The service catalogue in a real browser: a village service-station agent starts a proxy service
// from a catalogue item and prints the item's one-time notice (print media); once the villager has
// rated the service (through the API), the township admin sees the rating in the overview's
// satisfaction table, a village under 80% marked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer, type Client, type TestServer } from '../server/harness.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { buildWebApp, launch, shot, signIn, WEB_ROOT } from './browser.ts';

const PENSION = '11410323MB1234567X4000117005000';

let s: TestServer;
let browser: Browser;
beforeAll(async () => {
  buildWebApp();
  s = await startTestServer({ webRoot: WEB_ROOT });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

/** Takes a proxy service from registration to the villager's rating, as the village's users. */
async function completeAndRate(village: string, id: string, score: number) {
  const clients = new Map<string, Client>();
  // Staff open the matter and send with the record they saw; the villager, whose account the agent
  // names, rates with the record the agent's last step left.
  let seen = 0;
  const send = async (user: string, payload: Record<string, unknown>) => {
    if (!clients.has(user)) clients.set(user, await s.as(user));
    const c = clients.get(user)!;
    const seq = user.endsWith('.villager') ? seen : (await c.instances.get.query({ id })).instance.seq;
    const sent = await c.instances.send.mutate({ id, seq, type: 'SUBMIT', payload });
    seen = sent.seq;
    return sent;
  };
  const agent = `${village}.agent`;
  await send(agent, { item_code: PENSION, item_name: '城乡居民基本养老保险待遇申领', villager_name: '马德顺', villager_account: `${village}.villager`, id_number: '410323196603021536', phone: '13903791188', request: '申请领取养老保险待遇。', channel: 'walk_in', urgent: false, owner_staff_id: `${village}-agent`, owner_name: '代办员', promised_working_days: 5, no_fee_notice: true });
  await send(agent, { received: ['居民身份证复印件', '户口簿复印件', '社会保障卡复印件', '待遇申领表'], missing: [], complete: true, checked_on: '2026-03-02' });
  await send(agent, { forwarded_to: '乡镇便民服务中心社保窗口', forwarded_on: '2026-03-02', method: 'counter', promised_date: '2026-03-09' });
  await send('qs.officer', { outcome: 'completed', summary: '经审核符合领取条件。', handled_on: '2026-03-05' });
  await send(agent, { delivered_on: '2026-03-06', method: 'in_person', documents: ['待遇核定通知书'], villager_confirmed: true });
  await send(agent, { called_on: '2026-03-09', reached: true, feedback: '已到账。' });
  return send(`${village}.villager`, { score, comment: score >= 4 ? '满意' : '跑了好几趟' });
}

describe('service catalogue', () => {
  it('an agent starts a proxy service from an item and prints its one-time notice', async () => {
    const page = await browser.newPage();
    await signIn(page, s.url, 'dongping.agent', DEMO_PASSWORD);
    await page.getByRole('link', { name: '事项清单' }).click();
    await page.getByRole('heading', { name: '事项清单', level: 1 }).waitFor();
    const row = page.getByTestId(`item-${PENSION}`);
    await row.waitFor();
    // An agent keeps no catalogue: no admin buttons.
    expect(await page.getByRole('button', { name: '新增事项' }).count()).toBe(0);
    // Inform-only items have a notice but cannot be started.
    expect(await page.getByTestId('item-QS-GZ-003').getByRole('button', { name: '发起办理' }).count()).toBe(0);

    await row.getByRole('button', { name: '发起办理' }).click();
    await page.getByLabel('办事群众姓名（可选）').fill('马德顺');
    await shot(page, 'catalogue-agent');
    await page.getByRole('button', { name: '确认发起' }).click();
    await page.waitForURL(/\/instances\/[0-9a-f-]+$/);
    await page.getByRole('heading', { name: /城乡居民基本养老保险待遇申领：马德顺/ }).waitFor();
    const id = page.url().split('/').at(-1)!;
    const instance = await (await s.as('dongping.agent')).instances.get.query({ id });
    expect(instance.instance).toMatchObject({ flowId: 'proxy-service', state: 'registration', villageId: 'dongping' });
    // The registration form starts with the catalogue item and its promise (the form's prefill).
    const form = page.getByTestId('instance');
    expect(await form.getByLabel('事项编码').inputValue()).toBe(PENSION);
    expect(await form.getByLabel('事项名称').inputValue()).toBe('城乡居民基本养老保险待遇申领');
    expect(await form.getByLabel('承诺办结时限（工作日）').inputValue()).toBe('5');
    expect(await form.getByLabel('办事村民姓名').inputValue()).toBe('');

    await page.goto(`${s.url}/catalogue`);
    await page.getByTestId(`item-${PENSION}`).getByRole('link', { name: '一次性告知单' }).click();
    const notice = page.getByTestId('one-time-notice');
    await notice.waitFor();
    expect(await notice.getByRole('heading', { name: '一次性告知单' }).count()).toBe(1);
    expect(await page.getByTestId('notice-materials').locator('tbody tr').count()).toBe(4);
    const steps = await page.getByTestId('notice-steps').locator('li > strong').allTextContents();
    expect(steps).toEqual(['首问登记', '材料核验', '报送承办单位', '承办', '结果送达', '回访', '好差评']);
    expect(await notice.textContent()).toContain('时限：5 个工作日');

    await page.emulateMedia({ media: 'print' });
    // In print only the notice is left: no navigation, no buttons.
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: '打印告知单' }).isVisible()).toBe(false);
    await page.setViewportSize({ width: 794, height: 1123 });
    await shot(page, 'one-time-notice');
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.length).toBeGreaterThan(1000);
    await page.close();

    // The villager rates it (through the API): 5 in 东坪村; a second service in 西岭村 rated 2.
    expect((await completeAndRate('dongping', id, 5)).state).toBe('closed');
    const xiling = await (await s.as('xiling.agent')).catalogue.start.mutate({ itemId: 'item-pension', villageId: 'xiling' });
    expect((await completeAndRate('xiling', xiling.id, 2)).state).toBe('rectification');
  });

  it('the admin sees the catalogue and the ratings in the overview', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, s.url, 'qs.admin', DEMO_PASSWORD);
    await page.getByRole('link', { name: '事项清单' }).click();
    await page.getByTestId(`item-${PENSION}`).waitFor();
    await shot(page, 'catalogue');

    // The admin adds an item with one document through the form.
    await page.getByRole('button', { name: '新增事项' }).click();
    const editor = page.getByRole('region', { name: '新增事项' });
    await editor.getByLabel('事项编码').fill('QS-E2E-001');
    await editor.getByLabel('事项名称').fill('独生子女父母奖励扶助申请');
    await editor.getByRole('button', { name: '添加材料' }).click();
    await editor.getByLabel('材料名称').fill('独生子女父母光荣证');
    await shot(page, 'catalogue-editor');
    await editor.getByRole('button', { name: '保存' }).click();
    await page.getByText('已保存“独生子女父母奖励扶助申请”。').waitFor();
    const added = (await (await s.as('qs.admin')).catalogue.list.query()).find((i) => i.code === 'QS-E2E-001');
    expect(added).toMatchObject({ mode: 'proxy', flowId: 'proxy-service', materials: [{ name: '独生子女父母光荣证', required: true, copies: 1 }] });

    await page.getByRole('link', { name: '镇街总览' }).click();
    const villages = page.getByTestId('satisfaction-villages');
    await villages.waitFor();
    const cells = async (name: string) => (await villages.locator('tr', { has: page.getByRole('rowheader', { name, exact: true }) }).locator('td').allTextContents()).map((c) => c.trim());
    // 东坪村: the seeded pension claim (rated 5) and the one started here (rated 5).
    expect(await cells('东坪村')).toEqual(['2', '2', '100% (2/2)', '100% (2/2)', '100% (2/2)']);
    // 西岭村: the one rated 2 here, besides two seeded matters still running (not rated).
    const service = (await (await s.as('qs.admin')).stats.overview.query()).service;
    const xilingRates = service.villages.find((v) => v.id === 'xiling')!;
    expect(xilingRates).toMatchObject({ rated: 1, satisfied: 0, flagged: true });
    const xiling = await cells('西岭村');
    expect(xiling.slice(0, 2)).toEqual([String(xilingRates.started), '1']);
    expect(xiling[2]).toContain('0% (0/1)');
    expect(xiling[2]).toContain('低于 80%');
    expect(await villages.locator('tr.is-flagged').count()).toBe(2); // 西岭村 and the township total
    expect(await page.getByTestId('satisfaction-rule').textContent()).toContain('评价 4 分或 5 分');
    const items = page.getByTestId('satisfaction-items').locator('tbody tr');
    expect(await items.locator('th').allTextContents()).toEqual(service.items.map((i) => i.name));
    const pension = items.filter({ has: page.getByRole('rowheader', { name: '城乡居民基本养老保险待遇申领', exact: true }) });
    // The item: seeded 5, here 5 and 2 — two of three satisfied, under 80% and marked.
    const pensionCells = (await pension.locator('td').allTextContents()).map((c) => c.trim());
    expect(pensionCells.slice(0, 2)).toEqual(['3', '3']);
    expect(pensionCells[2]).toBe('⚠ 67% (2/3)低于 80%');
    await page.getByTestId('satisfaction-villages').scrollIntoViewIfNeeded();
    await shot(page, 'catalogue-overview');
    await page.close();
  });
});
