// The working-day calendar in a real browser. On 30 December 2026 a proxy service waits at 报送承办单位
// with a 3-working-day deadline that runs into 2027, whose schedule is not entered: the agent's
// inbox and the matter page say the due time is provisional. The township admin imports a 2027
// schedule from a holiday-cn file (a fixture MADE UP FOR TESTS, not the official schedule), sees the
// checks pass and how many matters it moves, and adopts it: the matter's due time moves and its page
// and the auditor's timeline say so in words. A schedule with a make-up day on a Tuesday shows the
// problem naming the date and cannot be adopted until the day is put right.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserSuite, fitCanvas, shot } from './browser.ts';
import { language, visit, type Visit } from './steps.ts';
import type { Client } from '../server/harness.ts';

// MADE UP FOR TESTS ONLY (see its $comment): 1-4 Jan 2027 off, Saturday 9 Jan a make-up working day.
const FIXTURE = 'tests/fixtures/calendar-2027.made-up.holiday-cn.json';
const made = () => JSON.parse(readFileSync(FIXTURE, 'utf8')) as { year: number; days: { name: string; date: string; isOffDay: boolean }[] };
const TITLE = '（测试用）关于2027年部分节假日安排的通知';
const NUMBER = '测试〔2026〕1号';
const PHONE = { width: 390, height: 844 };

// Wednesday 30 December 2026, 09:00 in China.
const env = browserSuite({ start: '2026-12-30T01:00:00.000Z' });

/** A proxy service at 报送承办单位 (deadline: 3 working days from now), as the 东坪村 agent. */
async function forwardingMatter(): Promise<string> {
  const agent = await env.s.as('dongping.agent');
  const { id } = await agent.instances.start.mutate({ villageId: 'dongping', flowId: 'proxy-service', title: '代办：马德顺养老保险待遇申领' });
  const send = async (payload: Record<string, unknown>) => {
    const seen = await agent.instances.get.query({ id });
    return agent.instances.send.mutate({ id, seq: seen.instance.seq, type: 'SUBMIT', payload });
  };
  await send({ item_code: 'QS-TEST-CAL', item_name: '城乡居民基本养老保险待遇申领', villager_name: '马德顺', id_number: '410323196603021536', phone: '13903791188', request: '申请领取养老保险待遇。', channel: 'walk_in', urgent: false, owner_staff_id: 'dongping-agent', owner_name: '代办员', promised_working_days: 5, no_fee_notice: true });
  const at = await send({ received: ['居民身份证复印件'], missing: [], complete: true, checked_on: '2026-12-30' });
  expect(at.state).toBe('forwarding');
  return id;
}

/** The preview panel once the server has answered for the schedule on the page. */
async function checked(page: Page, state: 'ok' | 'problems') {
  await page.locator(`[data-testid="calendar-preview"][data-state="${state}"]`).waitFor();
}

// One journey in order: an admin imports the 2027 schedule from a file, checks and adopts it; a
// running matter's due time is recomputed and its page says so. Each step goes on from the one before.
describe('working-day calendar: the 2027 schedule imported, checked and adopted, a running matter recomputed', { timeout: 60_000 }, () => {
  let id: string;
  let api: Client;
  let agent: Visit;
  let admin: Visit;
  let page: Page;
  let affected: number;

  it("a matter due in 2027 has a provisional due time, and the agent's inbox and its page say so, naming the year", async () => {
    id = await forwardingMatter();
    api = await env.s.as('dongping.agent');
    const before = (await api.instances.get.query({ id })).step;
    // Provisional 2027 (the law only): 31 Dec, then 1 Jan is 元旦, 4 and 5 Jan → due 5 January.
    expect(before).toMatchObject({ dueProvisional: true, provisionalYears: [2027] });
    expect(before.due?.slice(0, 10)).toBe('2027-01-05');

    // The agent's inbox and the matter page say the due time is provisional, naming the year.
    agent = await visit(env.browser, env.s, 'dongping.agent', PHONE);
    const card = agent.page.getByTestId('inbox').locator('li', { hasText: '代办：马德顺养老保险待遇申领' });
    await card.getByTestId('provisional-note').waitFor();
    expect(await card.getByTestId('provisional-note').textContent()).toContain('2027年放假安排尚未录入');
    // A village agent keeps no calendar: no link to enter it.
    expect(await card.getByRole('link', { name: '录入2027年安排' }).count()).toBe(0);
    await shot(agent.page, 'calendar-inbox-provisional-phone-zh');
    await agent.page.goto(`${env.s.url}/instances/${id}`);
    await agent.page.getByTestId('step-due').waitFor();
    expect(await agent.page.getByTestId('step-due').textContent()).toContain('2027-01-05');
    await agent.page.getByTestId('provisional-note').waitFor();
  });

  it("the overview says 2027's due times are provisional, and 工作日历 lists 2027 so, with a link to enter it", async () => {
    // The admin: 工作日历 lists 2027 as provisional, with a link to enter it.
    admin = await visit(env.browser, env.s, 'qs.admin');
    page = admin.page;
    // The overview says which coming year's due times are provisional.
    await page.getByRole('link', { name: '镇街总览' }).click();
    const note = page.getByTestId('provisional-note');
    await note.waitFor();
    expect(await note.textContent()).toContain('2027年放假安排尚未录入');
    await shot(page, 'calendar-overview-provisional-desktop-zh');
    await page.getByRole('link', { name: '工作日历' }).click();
    const row2027 = page.getByTestId('calendar-year-2027');
    await row2027.waitFor();
    expect(await row2027.getAttribute('data-status')).toBe('provisional');
    expect(await page.getByTestId('calendar-year-2026').getAttribute('data-status')).toBe('baseline');
    await shot(page, 'calendar-years-desktop-zh');
    await row2027.getByRole('link', { name: '录入2027年安排' }).click();
    await page.getByTestId('calendar-editor').waitFor();
    await checked(page, 'problems'); // no notice entered yet
    await page.getByLabel('通知标题').fill(TITLE);
    await page.getByLabel('文号').fill(NUMBER);
  });

  it('the file: the server reads it, the months show it, the checks pass, one running matter will move', async () => {
    // The file: the server reads it, the months show it, the checks pass, one running matter moves.
    const previewed = page.waitForResponse((r) => r.url().includes('/trpc/calendar.preview') && r.request().postData()?.includes('holidayCn') === true);
    await page.getByTestId('calendar-import').setInputFiles(FIXTURE);
    expect((await previewed).ok()).toBe(true);
    await page.getByRole('status').filter({ hasText: '已从文件 calendar-2027.made-up.holiday-cn.json 读入 2027年' }).waitFor();
    await checked(page, 'ok');
    const months = page.getByTestId('calendar-months');
    expect(await months.locator('[data-date="2027-01-04"]').getAttribute('data-kind')).toBe('rest');
    expect(await months.locator('[data-date="2027-01-09"]').getAttribute('data-kind')).toBe('work');
    expect(await months.locator('[data-date="2027-01-01"]').textContent()).toContain('元旦');
    affected = (await (await env.s.as('qs.admin')).calendar.preview.mutate({ holidayCn: made(), title: TITLE, number: NUMBER })).affected;
    expect(affected).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('calendar-affected').textContent()).toBe(`启用后，${affected} 件正在办理的事项将重新计算办理期限。`);
    await shot(page, 'calendar-import-desktop-zh');
  });

  it('adopting it, once confirmed, makes 2027 official in the list and on the overview', async () => {
    // Adopt (confirming the question that names the year and the count).
    page.once('dialog', (d) => {
      expect(d.message()).toContain('2027');
      void d.accept();
    });
    const adopt = page.getByTestId('calendar-adopt');
    expect(await adopt.isEnabled()).toBe(true);
    await adopt.click();
    await page.getByTestId('calendar-adopted').waitFor();
    expect(await page.getByTestId('calendar-adopted').textContent()).toBe(`已启用2027年安排，重新计算了 ${affected} 件事项的期限。`);
    await page.locator('[data-testid="calendar-summary"][data-status="official"]').waitFor();
    expect(await page.getByTestId('calendar-source').textContent()).toBe(`依据：${TITLE}（${NUMBER}）`);
    await shot(page, 'calendar-year-official-desktop-zh');
    await page.getByRole('link', { name: /返回年份列表/ }).click();
    await page.locator('[data-testid="calendar-year-2027"][data-status="official"]').waitFor();
    expect(await page.getByTestId('calendar-year-2027').textContent()).toContain(NUMBER);
    await page.getByRole('link', { name: '镇街总览' }).click();
    await page.locator('[data-testid="overview-calendar"][data-provisional=""]').waitFor({ state: 'attached' });
    expect(await page.getByTestId('provisional-note').count()).toBe(0);
  });

  it('the matter is due 6 January now, no longer provisional, and its page says what was recomputed, in Chinese and English', async () => {
    // The matter: 31 Dec, then 5 and 6 January → due 6 January, no longer provisional; the page
    // says what was recomputed, in words.
    const after = (await api.instances.get.query({ id })).step;
    expect(after).toMatchObject({ dueProvisional: false, provisionalYears: [] });
    expect(after.due?.slice(0, 10)).toBe('2027-01-06');
    await agent.page.reload();
    await agent.page.getByTestId('recalendars').waitFor();
    expect(await agent.page.getByTestId('step-due').textContent()).toContain('2027-01-06');
    expect(await agent.page.getByTestId('provisional-note').count()).toBe(0);
    expect(await agent.page.getByTestId('recalendar').textContent()).toBe('“报送承办单位”的办理期限按2027年放假安排重新计算：原 1月5日 → 新 1月6日');
    await agent.page.getByTestId('recalendars').scrollIntoViewIfNeeded();
    await shot(agent.page, 'calendar-matter-recalendar-phone-zh');
    await language(agent.page, 'en', /^Now: /);
    expect(await agent.page.getByTestId('recalendar').textContent()).toBe('Deadline of “Forwarding” recomputed on the 2027 holiday schedule: was 5 Jan → now 6 Jan');
    await shot(agent.page, 'calendar-matter-recalendar-phone-en');
    await agent.close();
  });

  it("the auditor's timeline shows the record in the same words, with the calendar version", async () => {
    // The auditor's timeline shows the record in the same words, with the calendar version.
    const auditor = await visit(env.browser, env.s, 'qs.auditor');
    await auditor.page.goto(`${env.s.url}/audit/${id}`);
    const timeline = auditor.page.getByTestId('timeline');
    await timeline.waitFor();
    const row = timeline.locator('tr', { hasText: '按新放假安排重新计算期限（系统）' });
    expect(await row.getByTestId('recalendar').textContent()).toContain('原 1月5日 → 新 1月6日');
    expect(await row.getByTestId('recalendar').textContent()).toContain('日历版本');
    await row.scrollIntoViewIfNeeded();
    await shot(auditor.page, 'calendar-audit-timeline-desktop-zh');
    await auditor.close();
    await admin.close();
  });
});

describe('working-day calendar', () => {
  it('a make-up working day on a Tuesday is named as a problem and the schedule cannot be adopted until it is put right', async () => {
    const file = made();
    file.days.push({ name: '元旦', date: '2027-01-12', isOffDay: false }); // a Tuesday
    const admin = await visit(env.browser, env.s, 'qs.admin', PHONE);
    const page = admin.page;
    await page.goto(`${env.s.url}/calendar/2027`);
    await page.getByTestId('calendar-edit').click();
    await page.getByTestId('calendar-editor').waitFor();
    await page.getByTestId('calendar-import').setInputFiles({ name: 'calendar-2027-tuesday.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
    await page.getByRole('status').filter({ hasText: 'calendar-2027-tuesday.json' }).waitFor();
    await checked(page, 'problems');
    const problem = page.getByTestId('calendar-problems').locator('li[data-code="WORKDAY_NOT_WEEKEND"]');
    expect(await problem.getAttribute('data-date')).toBe('2027-01-12');
    expect(await problem.textContent()).toContain('2027-01-12');
    expect(await page.getByTestId('calendar-months').locator('[data-date="2027-01-12"]').getAttribute('class')).toContain('cal-flagged');
    expect(await page.getByTestId('calendar-adopt').isDisabled()).toBe(true);
    await shot(page, 'calendar-problem-phone-zh');
    await language(page, 'en', 'Working calendar 2027');
    expect(await problem.textContent()).toContain('2027-01-12');
    await shot(page, 'calendar-problem-phone-en');

    // Clicking the Tuesday makes it an ordinary working day again: the checks pass.
    await page.getByTestId('calendar-months').locator('[data-date="2027-01-12"]').click();
    await checked(page, 'ok');
    expect(await page.getByTestId('calendar-adopt').isEnabled()).toBe(true);
    // Clicking a weekday makes it a rest day, which can be named (a bridge day, say).
    const monday = page.getByTestId('calendar-months').locator('[data-date="2027-03-08"]');
    await monday.click();
    expect(await monday.getAttribute('data-kind')).toBe('rest');
    await page.getByLabel('Holiday name of 8 Mar').fill('Test day');
    await monday.getByText('Test day').waitFor();
    await checked(page, 'ok');
    await shot(page, 'calendar-editor-phone-en');
    await page.getByRole('link', { name: /Back to the years/ }).click();
    await page.locator('[data-testid="calendar-year-2027"][data-status="official"]').waitFor();
    await shot(page, 'calendar-years-phone-en');
    // Large text (older readers): the months still fit a phone.
    await page.getByLabel('Large text').check();
    await page.getByRole('link', { name: '2027' }).click();
    await page.getByTestId('calendar-months').waitFor();
    const width = await page.getByTestId('calendar-months').evaluate((el) => el.scrollWidth);
    expect(width).toBeLessThanOrEqual(PHONE.width);
    await shot(page, 'calendar-year-phone-en-large');
    await admin.close();
  }, 60_000);

  it('the designer shows where a working-day deadline would end if the step started today, on the adopted 2027 schedule', async () => {
    const admin = await visit(env.browser, env.s, 'qs.admin');
    const page = admin.page;
    const versions = await (await env.s.as('qs.admin')).flows.list.query({ flowId: 'proxy-service' });
    await page.goto(`${env.s.url}/designer/edit/${versions.find((v) => v.status === 'published')!.id}`);
    await page.getByTestId('editor').waitFor();
    // The whole flow in view, so the step can be clicked where it is drawn.
    await fitCanvas(page);
    await page.locator('[data-testid="editor-canvas"] .ed-node[data-state="forwarding"] .fd-node-title').click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="state-id"]') as HTMLInputElement | null)?.value === 'forwarding');
    // 报送承办单位: 3 working days from Wednesday 30 December 2026 on the adopted (made-up) 2027
    // schedule: 31 December, then 1-4 January off, 5 and 6 January.
    const end = page.getByTestId('period-end');
    await end.waitFor();
    expect(await end.getAttribute('data-date')).toBe('2027-01-06');
    expect(await end.textContent()).toBe(' → 若今天开始，2027年1月6日结束');
    expect(await end.getAttribute('data-provisional')).toBeNull();
    await end.scrollIntoViewIfNeeded();
    await shot(page, 'calendar-designer-period-desktop-zh');
    // The header's language (the designer has a select of its own for the flow's texts).
    await page.locator('header.top').getByLabel('语言').selectOption('en');
    await page.getByText(' → if started today, ends 6 Jan 2027').waitFor();
    await shot(page, 'calendar-designer-period-desktop-en');
    await admin.close();
  }, 60_000);
});
