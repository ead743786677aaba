// One 五议两公开 matter carried through the web app from the branch's proposal to the disclosure of
// its results, by the people who handle each step, each signing in through the login form, with
// the server's clock moved to the day each step happens: the secretary proposes (one refused
// submit first), the two committees turn it down and then agree to the revised plan, the Party
// members vote by ballot, the representatives resolve, the township approves, the resolution is on
// the public board for seven days, the results are reported, the auditor replays the chain, and a
// villager reads the results on the board without signing in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/harness.ts';
import { buildWebApp, expectText, launch, shot, WEB_ROOT } from './browser.ts';
import { at, expectStep, fillMeeting, inboxEntry, inOrder, language, openFromInbox, visit } from './steps.ts';

const TITLE = '东坪村：修建村西组便民桥';
const SUBJECT = '修建村西组跨河便民桥';
const CONTENT_V1 = '村西组至村小学须涉水过河，汛期学生和群众出行不安全。拟在原漫水路处新建钢筋混凝土平板桥一座，长24米、宽5米，两侧设护栏。资金来源：上级一事一议财政奖补资金15万元，村集体经济收入13.8万元。';
const CONTENT_V2 = '村西组至村小学须涉水过河，汛期学生和群众出行不安全。拟在原漫水路处新建钢筋混凝土平板桥一座，长24米、宽4.5米，两侧设护栏，桥面宽度按两委商议意见调减。资金来源：上级一事一议财政奖补资金15万元，村集体经济收入9.6万元。工程通过公开比选确定施工单位。';
const MINUTES = '2026年3月27日召开支委会，应到5人，实到5人。会议听取了村西组党员和群众代表关于修建便民桥的建议，经讨论一致同意提议，提交村“两委”联席会议商议。';

let s: TestServer;
let browser: Browser;
let id = '';

beforeAll(async () => {
  buildWebApp();
  s = await startTestServer({ webRoot: WEB_ROOT, start: '2026-04-01T09:00:00+08:00' });
  browser = await launch();
});
// Each step carries on from the one before.
inOrder();
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function serverView() {
  return (await s.as('dongping.clerk')).instances.get.query({ id });
}

describe('五议两公开 in the browser, from proposal to the disclosure of results', { timeout: 60_000 }, () => {
  it('1. the secretary starts a new 五议两公开 from the inbox and lands on the proposal form', async () => {
    const { page, close } = await visit(browser, s, 'dongping.secretary');
    await page.getByRole('heading', { name: '我的待办' }).waitFor();
    const start = page.getByRole('region', { name: '发起新事项' });
    await start.getByRole('option', { name: '五议两公开' }).waitFor({ state: 'attached' });
    await page.getByTestId('inbox').or(page.getByText('没有等待您处理的事项')).waitFor();
    await shot(page, 'inbox-zh');
    await language(page, 'en', 'My inbox');
    await page.getByRole('region', { name: 'Start a new matter' }).getByRole('option', { name: 'Five deliberations, two disclosures' }).waitFor({ state: 'attached' });
    await shot(page, 'inbox-en');
    await language(page, 'zh', '我的待办');

    await start.getByLabel('选择流程').selectOption({ label: '五议两公开' });
    await start.getByLabel('事项名称').fill(TITLE);
    await start.getByRole('button', { name: '发起' }).click();
    await expectStep(page, 'proposal', '当前：党支部提议');
    id = page.url().split('/instances/')[1]!;
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(TITLE);
    await page.getByLabel('事项名称').waitFor();
    // The title typed when starting is the proposal's subject to begin with.
    expect(await page.getByLabel('事项名称').inputValue()).toBe(TITLE);
    await shot(page, 'form-step-zh');
    await language(page, 'en', 'Now: Party branch proposal');
    await page.getByLabel('Subject').waitFor();
    await shot(page, 'form-step-en');
    await language(page, 'zh', '当前：党支部提议');
    await close();
  });

  it('2. a submit with empty required fields and a negative budget is refused at the fields; then the proposal goes to the two committees', async () => {
    await at(s, '2026-04-01T10:30:00+08:00');
    const { page, close } = await visit(browser, s, 'dongping.secretary');
    await openFromInbox(page, TITLE, '党支部提议');
    const seq = await page.getByTestId('instance').getAttribute('data-seq');
    await page.getByLabel('事项名称').fill(SUBJECT);
    await page.getByLabel('预算金额（元）').fill('-50000');
    await page.getByRole('button', { name: '提交' }).click();
    // The errors are next to their fields; nothing was sent; what was typed is still there.
    // A field's errors, found from its label: the list RJSF puts under that field.
    const fieldError = async (label: string) => page.locator(`[id="${await page.getByLabel(label).getAttribute('id')}__error"]`);
    await (await fieldError('预算金额（元）')).waitFor();
    for (const label of ['动议来源', '事项类别', '事项内容', '支委会会议日期', '支委会纪要', '预算金额（元）']) {
      expect(await (await fieldError(label)).count(), label).toBe(1);
    }
    expect(await (await fieldError('事项名称')).count()).toBe(0);
    // In the reader's language, not the validator's English.
    expect(await (await fieldError('预算金额（元）')).textContent()).toBe('不能小于 0');
    expect(await (await fieldError('事项内容')).textContent()).toBe('请填写此项');
    expect(await (await fieldError('事项类别')).textContent()).toBe('请填写此项');
    await shot(page, 'form-step-errors-zh');
    expect(await page.getByTestId('instance').getAttribute('data-state')).toBe('proposal');
    expect(await page.getByTestId('instance').getAttribute('data-seq')).toBe(seq);
    const before = await serverView();
    expect(before.instance.state).toBe('proposal');
    expect(before.instance.seq).toBe(Number(seq));
    expect(before.data.proposal).toBeUndefined();
    expect(await page.getByLabel('事项名称').inputValue()).toBe(SUBJECT);
    expect(await page.getByLabel('预算金额（元）').inputValue()).toBe('-50000');

    await page.getByLabel('动议来源').selectOption({ label: '党员或村民建议' });
    await page.getByLabel('事项类别').selectOption({ label: '公益事业建设' });
    await page.getByLabel('事项内容').fill(CONTENT_V1);
    await page.getByLabel('预算金额（元）').fill('288000');
    await page.getByLabel('支委会会议日期').fill('2026-03-27');
    await page.getByLabel('支委会纪要').fill(MINUTES);
    await page.getByRole('button', { name: '提交' }).click();
    await expectStep(page, 'two_committees', '当前：两委商议');
    await page.getByText('此步骤由 会议记录员 办理，您可以查看。').waitFor();
    const after = await serverView();
    expect(after.data.proposal).toMatchObject({ source: 'suggestion', subject: SUBJECT, category: 'public_welfare', budget: 288000, branch_meeting_date: '2026-03-27' });
    await close();
  });

  it('3. the two committees turn the proposal down; the secretary revises it; the two committees agree', async () => {
    await at(s, '2026-04-03T15:00:00+08:00');
    let clerk = await visit(browser, s, 'dongping.clerk');
    await openFromInbox(clerk.page, TITLE, '两委商议');
    await expectStep(clerk.page, 'two_committees', '当前：两委商议');
    let form = clerk.page.getByTestId('meeting-record');
    await fillMeeting(form, { members: 7, eligible: 7, recused: 0, present: 6, for: 2, against: 4, abstain: 0 });
    await expectText(form.getByTestId('live-outcome'), '出席 6/7 > 1/2 ✓ · 赞成 2/6 > 1/2 ✗ → 未通过');
    await form.getByLabel('会议情况说明').fill('多数成员认为桥面宽度和村集体出资偏大，建议党支部调整方案后重新提交');
    await form.getByRole('button', { name: '提交会议记录' }).click();
    // Not agreed: back to the branch (the diagram marks the proposal as the current step again).
    await expectStep(clerk.page, 'proposal', '当前：党支部提议');
    await clerk.page.getByText('此步骤由 村党组织书记 办理，您可以查看。').waitFor();
    expect((await serverView()).votes.two_committees).toMatchObject({ outcome: 'failed', for: 2, against: 4 });
    await clerk.close();

    await at(s, '2026-04-07T10:00:00+08:00');
    const secretary = await visit(browser, s, 'dongping.secretary');
    await openFromInbox(secretary.page, TITLE, '党支部提议');
    await expectStep(secretary.page, 'proposal', '当前：党支部提议');
    // The proposal as submitted is there to revise, not to type again.
    expect(await secretary.page.getByLabel('事项名称').inputValue()).toBe(SUBJECT);
    expect(await secretary.page.getByLabel('支委会纪要').inputValue()).toBe(MINUTES);
    await secretary.page.getByLabel('事项内容').fill(CONTENT_V2);
    await secretary.page.getByLabel('预算金额（元）').fill('246000');
    await secretary.page.getByLabel('支委会会议日期').fill('2026-04-06');
    await secretary.page.getByLabel('支委会纪要').fill(`${MINUTES}4月6日支委会根据两委商议意见调整桥面宽度和资金来源，重新提议。`);
    await secretary.page.getByRole('button', { name: '提交' }).click();
    await expectStep(secretary.page, 'two_committees', '当前：两委商议');
    await secretary.close();

    await at(s, '2026-04-09T15:00:00+08:00');
    clerk = await visit(browser, s, 'dongping.clerk');
    await openFromInbox(clerk.page, TITLE, '两委商议');
    form = clerk.page.getByTestId('meeting-record');
    await fillMeeting(form, { members: 7, eligible: 7, recused: 0, present: 7, for: 6, against: 0, abstain: 1 });
    await expectText(form.getByTestId('live-outcome'), '出席 7/7 > 1/2 ✓ · 赞成 6/7 > 1/2 ✓ → 通过');
    await form.getByRole('button', { name: '提交会议记录' }).click();
    await expectStep(clerk.page, 'party_members_meeting', '当前：党员大会审议');
    const view = await serverView();
    expect(view.votes.two_committees).toMatchObject({ outcome: 'passed', for: 6 });
    expect(view.data.proposal).toMatchObject({ budget: 246000, content: CONTENT_V2 });
    await clerk.close();
  });

  it('4. Party members cast ballots, the clerk closes the vote, then records the representatives’ resolution', async () => {
    await at(s, '2026-04-14T09:00:00+08:00');
    // Two members vote in the browser, from their inboxes.
    for (const [username, choice] of [['dongping.party1', '赞成'], ['dongping.secretary', '赞成']] as const) {
      const member = await visit(browser, s, username);
      await openFromInbox(member.page, TITLE, '党员大会审议');
      await expectStep(member.page, 'party_members_meeting', '当前：党员大会审议');
      const ballot = member.page.getByTestId('cast-ballot');
      await expectText(ballot.getByTestId('my-ballot'), '您尚未投票');
      await ballot.getByRole('button', { name: choice }).click();
      await member.page.locator('[data-testid="my-ballot"][data-mine="for"]').waitFor();
      // Voted: nothing left for this member in the inbox.
      await member.page.getByRole('navigation', { name: 'main' }).getByRole('link', { name: '待办' }).click();
      await member.page.getByRole('heading', { name: '我的待办' }).waitFor();
      await member.page.getByTestId('inbox').or(member.page.getByText('没有等待您处理的事项')).waitFor();
      await inboxEntry(member.page, TITLE).waitFor({ state: 'detached' });
      expect(await inboxEntry(member.page, TITLE).count()).toBe(0);
      await member.close();
    }
    // The rest by the API, a few minutes apart.
    const rest: [string, 'for' | 'against' | 'abstain'][] = [
      ['dongping.committee', 'for'],
      ['dongping.party2', 'for'],
      ['dongping.party3', 'for'],
      ['dongping.party4', 'abstain'],
      ['dongping.party5', 'for'],
      ['dongping.party6', 'for'],
      ['dongping.party7', 'against'],
      ['dongping.party8', 'for'],
    ];
    for (const [i, [username, choice]] of rest.entries()) {
      s.clock.set(new Date(Date.parse('2026-04-14T09:05:00+08:00') + i * 180_000));
      const client = await s.as(username);
      const { instance } = await client.instances.get.query({ id });
      await client.instances.send.mutate({ id, seq: instance.seq, type: 'CAST_BALLOT', payload: { choice } });
    }

    await at(s, '2026-04-14T10:00:00+08:00');
    let clerk = await visit(browser, s, 'dongping.clerk');
    await openFromInbox(clerk.page, TITLE, '党员大会审议');
    const close = clerk.page.getByTestId('close-vote');
    expect(await close.getByTestId('close-cast').textContent()).toBe('10');
    // The Party's numbers come from its roster in 东坪村 on the day: shown, not typed.
    expect(await close.getByLabel('组成人员（应到）').inputValue()).toBe('11');
    expect(await close.getByLabel('有表决权人数').inputValue()).toBe('11');
    await expectText(close.getByTestId('close-live'), '出席 10/11 > 1/2 ✓');
    await close.getByRole('button', { name: '结束表决' }).click();
    await clerk.page.getByRole('alertdialog').getByRole('button', { name: '确定结束' }).click();
    await expectStep(clerk.page, 'representatives_meeting', '当前：村民代表会议决议');
    expect((await serverView()).votes.party_members_meeting).toMatchObject({ outcome: 'passed', members: 11, eligible: 11, present: 10, for: 8, against: 1, abstain: 1, roster: { members: 11, voting: 11 } });
    await clerk.close();

    await at(s, '2026-04-20T14:00:00+08:00');
    clerk = await visit(browser, s, 'dongping.clerk');
    await openFromInbox(clerk.page, TITLE, '村民代表会议决议');
    const form = clerk.page.getByTestId('meeting-record');
    await fillMeeting(form, { members: 33, eligible: 33, recused: 0, present: 30, for: 27, against: 1, abstain: 2 });
    await form.getByLabel('乡镇列席人员').fill('青山镇 何某某（包村干部）');
    await form.getByLabel('会议情况说明').fill('会议议题于4月16日书面告知全体代表');
    await expectText(form.getByTestId('live-outcome'), '出席 30/33 ≥ 2/3 ✓ · 赞成 27/30 > 1/2 ✓ → 通过');
    await shot(clerk.page, 'meeting-record-zh');
    await language(clerk.page, 'en', 'Meeting record');
    expect(await form.getByTestId('live-outcome').textContent()).toContain('Present 30/33 ≥ 2/3 ✓ · For 27/30 > 1/2 ✓ → passed');
    await shot(clerk.page, 'meeting-record-en');
    await language(clerk.page, 'zh', '会议记录');
    await form.getByRole('button', { name: '提交会议记录' }).click();
    await expectStep(clerk.page, 'township_review', '当前：乡镇审核');
    expect((await serverView()).votes.representatives_meeting).toMatchObject({ outcome: 'passed', present: 30, for: 27, attendees: ['青山镇 何某某（包村干部）'] });
    await clerk.close();
  });

  it('5. the township approves with an opinion; the resolution is on the public board', async () => {
    await at(s, '2026-04-24T10:00:00+08:00');
    const reviewer = await visit(browser, s, 'qs.reviewer');
    await openFromInbox(reviewer.page, TITLE, '乡镇审核');
    await expectStep(reviewer.page, 'township_review', '当前：乡镇审核');
    await reviewer.page.getByLabel('意见').fill('决议程序合法，内容符合法律法规和政策规定，同意实施。');
    await reviewer.page.getByRole('button', { name: '同意', exact: true }).click();
    await expectStep(reviewer.page, 'resolution_disclosure', '当前：决议公开');
    await reviewer.page.getByTestId('disclosure').waitFor();
    expect(((await serverView()).data as { reviews?: { township?: unknown } }).reviews?.township).toMatchObject({ decision: 'approve', opinion: '决议程序合法，内容符合法律法规和政策规定，同意实施。' });
    await reviewer.close();

    const villager = await visit(browser, s);
    await villager.page.goto(`${s.url}/board/dongping`);
    await villager.page.getByRole('heading', { name: '东坪村 村务公开' }).waitFor();
    expect(await villager.page.getByTestId('who').count()).toBe(0);
    const notice = villager.page.getByTestId('notice').filter({ hasText: TITLE });
    await notice.waitFor();
    const text = (await notice.textContent())!;
    for (const expected of ['五议两公开 · 决议公开', '公示期：2026-04-24 10:00 至 2026-05-01 10:00', SUBJECT, '公益事业建设', '预算金额（元）', '246,000', '决议程序合法']) {
      expect(text).toContain(expected);
    }
    await villager.close();
  });

  it('6. after the seven days the resolution disclosure ends; the committee reports the implementation', async () => {
    await at(s, '2026-04-28T09:00:00+08:00');
    let committee = await visit(browser, s, 'dongping.committee');
    await committee.page.goto(`${s.url}/instances/${id}`);
    await expectStep(committee.page, 'resolution_disclosure', '当前：决议公开');
    await committee.page.getByText('正在公示').first().waitFor();
    await committee.close();
    // Seven natural days after the township's approval, the scheduler ends the disclosure. Three
    // days on, the session of the 28th has ended (8 idle hours): the member signs in again.
    await at(s, '2026-05-01T10:05:00+08:00');
    committee = await visit(browser, s, 'dongping.committee');
    await committee.page.goto(`${s.url}/instances/${id}`);
    await expectStep(committee.page, 'implementation', '当前：组织实施');
    await committee.close();

    await at(s, '2026-06-30T16:00:00+08:00');
    committee = await visit(browser, s, 'dongping.committee');
    await openFromInbox(committee.page, TITLE, '组织实施');
    const page = committee.page;
    await page.getByLabel('合同编号').fill('DZC-QL-2026-012');
    await page.getByLabel('承建（承包）单位').fill('县恒通路桥工程有限公司');
    await page.getByLabel('合同金额（元）').fill('238600');
    await page.getByLabel('实际支出金额（元）').fill('236900');
    await page.getByLabel('实施进度情况').fill('5月12日开工，6月25日完工，新建平板桥一座，长24米、宽4.5米，护栏48米。');
    await page.getByLabel('完成日期').fill('2026-06-25');
    await page.getByLabel('验收情况').fill('6月28日镇农业农村办、村务监督委员会、村民代表共同验收，质量合格。');
    await page.getByRole('button', { name: '提交' }).click();
    await expectStep(page, 'result_disclosure', '当前：实施结果公开');
    expect((await serverView()).data.implementation).toMatchObject({ contract_no: 'DZC-QL-2026-012', spent_amount: 236900, completion_date: '2026-06-25' });
    await committee.close();
  });

  it('7. the auditor sees the chain verified and steps through the replay', async () => {
    await at(s, '2026-07-01T09:00:00+08:00');
    const records = await s.store.history(id);
    const auditor = await visit(browser, s, 'qs.auditor');
    const page = auditor.page;
    await page.goto(`${s.url}/audit/${id}`);
    await page.getByText(`链条完整 · 已验证 ${records.length} 条记录`).waitFor();
    expect(await page.getByTestId('verify').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('verify').locator('code').textContent()).toBe(records.at(-1)!.hash);
    expect(await page.getByTestId('timeline').locator('tbody tr').count()).toBe(records.length);

    const replay = page.getByTestId('replay');
    const diff = page.getByTestId('diff');
    const step = (n: number) => page.locator(`[data-testid="replay"][data-step="${n}"]`).waitFor();
    await step(1);
    // 2: the first proposal; 3: the two committees turn it down, back to the branch.
    await replay.getByRole('button', { name: /下一步/ }).click();
    await step(2);
    expect(await diff.textContent()).toContain(SUBJECT);
    expect(await diff.textContent()).toContain('288,000');
    await replay.getByRole('button', { name: /下一步/ }).click();
    await step(3);
    expect(await page.getByTestId('step-detail').textContent()).toContain('「两委商议」→「党支部提议」');
    await diff.getByTestId('vote-summary').waitFor();
    // The meeting's numbers came from the two committees' roster: its counts and fingerprint, and, opened, its members.
    const roster = page.getByTestId('record-roster');
    expect(await roster.textContent()).toContain('组成人员 7 人，其中有表决权 7 人');
    await roster.getByText('查看名册').click();
    await roster.getByTestId('roster-snapshot').waitFor();
    expect(await roster.getByTestId('roster-snapshot').textContent()).toContain('保存的名册与指纹一致');
    expect(await roster.getByTestId('roster-snapshot').textContent()).toContain('东坪村两委委员');
    // 4: the revised proposal changes the budget.
    await replay.getByRole('button', { name: /下一步/ }).click();
    await step(4);
    expect(await diff.textContent()).toContain('246,000');
    await shot(page, 'audit-replay-zh');
    await language(page, 'en', 'Step-by-step replay');
    await page.getByText(`Chain intact · ${records.length} records verified`).waitFor();
    await shot(page, 'audit-replay-en');
    await auditor.close();
  });

  it('8. a villager reads the implementation results on the board without signing in', async () => {
    await at(s, '2026-07-02T08:30:00+08:00');
    const villager = await visit(browser, s, undefined, { width: 1100, height: 900 });
    const page = villager.page;
    await page.goto(`${s.url}/board/dongping`);
    await page.getByRole('heading', { name: '东坪村 村务公开' }).waitFor();
    expect(await page.getByTestId('who').count()).toBe(0);
    const notice = page.getByTestId('notice').filter({ hasText: TITLE });
    await notice.waitFor();
    const text = (await notice.textContent())!;
    for (const expected of ['五议两公开 · 实施结果公开', '公示期：2026-06-30 16:00 至 2026-07-07 16:00', SUBJECT, '246,000', '组织实施情况', 'DZC-QL-2026-012', '236,900', '县恒通路桥工程有限公司', '村民代表会议']) {
      expect(text).toContain(expected);
    }
    expect(await notice.getAttribute('data-hash')).toBe((await s.store.history(id)).at(-1)!.hash);
    await notice.getByTestId('qr').waitFor();
    // The resolution's notice is now among those disclosed before.
    expect(await page.getByTestId('past').textContent()).toContain(TITLE);
    await shot(page, 'board-zh');
    await language(page, 'en', 'Disclosed now');
    expect(await notice.textContent()).toContain('Disclosure of results');
    await shot(page, 'board-en');
    await villager.close();
  });
});
