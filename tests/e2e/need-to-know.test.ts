// Need-to-know in the browser: a villager signed in sees their own matters only, in the inbox and
// in 全部事项 (All matters), and a 低保 file of the village is, to them, a matter that does not
// exist; the committee member who handles it reads it.
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { browserSuite, shot, signIn } from './browser.ts';

const env = browserSuite();
/** The seeded 低保 file's title (the applicant's name is personal, so it names the household's file number). */
const DIBAO = '最低生活保障审核确认：东坪村 QS-2026-0117';

describe('need-to-know', () => {
  it("a villager's inbox and matter list hold their own matters only", async () => {
    const page = await env.browser.newPage();
    await signIn(page, env.s.url, 'dongping.villager', DEMO_PASSWORD);
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    // Nothing waits on them: not the village's proposals, nor anyone's 低保 or services.
    await page.getByText('没有等待您处理的事项').waitFor();

    // They report an incident (网格事件) themselves: it is theirs, and waits on them.
    const api = await env.s.as('dongping.villager');
    const mine = await api.instances.start.mutate({ villageId: 'dongping', flowId: 'grid-incident', title: '东坪村：村口垃圾堆放' });
    await page.reload();
    const inbox = page.getByTestId('inbox');
    await inbox.waitFor();
    expect(await inbox.locator('li').allInnerTexts()).toEqual([expect.stringContaining('东坪村：村口垃圾堆放')]);
    await shot(page, 'need-to-know-inbox');

    await page.getByRole('link', { name: '全部事项' }).click();
    await page.getByRole('heading', { name: '全部事项' }).waitFor();
    const rows = page.locator('table.table tbody tr');
    await page.locator('table.table').waitFor();
    // The incident they reported earlier (seeded), the new one, and the 代办 matter that names them
    // as the villager it is for (its subject); nothing else of 东坪村.
    const titles = (await rows.locator('td:first-child').allInnerTexts()).sort();
    expect(titles).toEqual(['东坪村：村口垃圾堆放', '东坪村：网格事件', '城乡居民基本养老保险待遇申领：马德顺'].sort());
    expect(await page.getByText(DIBAO).count()).toBe(0);
    await shot(page, 'need-to-know-list');

    // Opening the 低保 file by its address: the same answer as a matter that does not exist.
    await page.goto(`${env.s.url}/instances/demo-dongping-dibao`);
    await page.getByRole('alert').waitFor();
    // Said in the reader's language, by the refusal's kind (common.refusals), not the server's English.
    expect(await page.getByRole('alert').innerText()).toContain('找不到该事项，或您无权查看');
    expect(await page.content()).not.toContain('QS-2026-0117');
    // Their own matter opens.
    await page.goto(`${env.s.url}/instances/${mine.id}`);
    await page.getByRole('heading', { name: '东坪村：村口垃圾堆放' }).waitFor();
    await page.close();
  });

  it('the committee member who handles 低保 reads the file', async () => {
    const page = await env.browser.newPage();
    await signIn(page, env.s.url, 'dongping.committee', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/instances`);
    await page.locator('table.table').waitFor();
    await page.getByRole('link', { name: DIBAO }).click();
    await page.getByRole('heading', { name: DIBAO }).waitFor();
    // The township's acceptance review names who decided by name (server/org/names.ts), never the user id.
    await page.getByText('青山镇镇审核人').first().waitFor();
    expect(await page.getByTestId('instance').innerText()).not.toContain('qs-reviewer');
    await page.close();
  });

  it('the applicant reads their own file, their own values unmasked', async () => {
    const page = await env.browser.newPage();
    await signIn(page, env.s.url, 'dongping.applicant', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/instances`);
    await page.locator('table.table').waitFor();
    await page.getByRole('link', { name: DIBAO }).click();
    await page.getByRole('heading', { name: DIBAO }).waitFor();
    await page.getByText('410323196805124521').first().waitFor();
    // Nothing of theirs is masked: no masked value, so nothing to press "show" on.
    expect(await page.getByTestId('personal').count()).toBe(0);
    await shot(page, 'need-to-know-applicant');
    await page.close();
  });

  it('a villager objects to a notice from the board, without reading the matter', async () => {
    const board = await env.s.anonymous().board.village.query({ villageId: 'dongping' });
    const notice = board.current.find((n) => n.objection);
    expect(notice, 'a seeded notice of 东坪村 that takes objections').toBeDefined();
    const page = await env.browser.newPage();
    // Not signed in: asked to sign in, no form.
    await page.goto(`${env.s.url}/board/dongping`);
    const card = page.locator(`[data-testid="notice"][data-hash="${notice!.recordHash}"]`);
    await card.getByRole('link', { name: '登录后可在网上提出异议' }).waitFor();
    expect(await card.getByRole('button', { name: '提出异议' }).count()).toBe(0);

    await signIn(page, env.s.url, 'dongping.villager', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/board/dongping`);
    await card.getByRole('button', { name: '提出异议' }).click();
    await card.getByLabel('异议内容').fill('公示的预算与村民代表会议通过的数额不一致，请核实。');
    await shot(page, 'board-objection-form');
    await card.getByRole('button', { name: '提交异议' }).click();
    await page.getByRole('status').filter({ hasText: '异议已提交' }).waitFor();
    await shot(page, 'board-objection-sent');

    // Recorded in the matter's history as the villager's objection, which the auditor reads.
    const history = await (await env.s.as('qs.auditor')).audit.history.query({ id: notice!.instanceId });
    const last = history.at(-1)!;
    expect(last).toMatchObject({ type: 'OBJECT', actor: { id: expect.any(String), role: 'villager' }, payload: { reason: '公示的预算与村民代表会议通过的数额不一致，请核实。' } });
    // The villager still cannot read the matter itself.
    const villager = await env.s.as('dongping.villager');
    await expect(villager.instances.get.query({ id: notice!.instanceId })).rejects.toThrow(/does not exist/);
    await page.close();
  });
});
