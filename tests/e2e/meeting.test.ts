// Meetings in a real browser: a Party member casts (and changes) a ballot, the clerk closes the
// vote, then records the villagers' representative meeting while the outcome is worked out live,
// in Chinese and English, and the matter moves on to the township's review.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { shot, signIn, browserSuite, expectText, expectValue } from './browser.ts';

const ID = 'demo-dongping-road';
const env = browserSuite();

async function openInstance(page: Page, username: string): Promise<void> {
  // Fail with the locator's name rather than the test's timeout.
  page.setDefaultTimeout(10_000);
  await signIn(page, env.s.url, username, DEMO_PASSWORD);
  await page.goto(`${env.s.url}/instances/${ID}`);
  await page.getByTestId('instance').waitFor();
}

/** Waits until the page shows the instance in the given state. */
async function inState(page: Page, state: string): Promise<void> {
  await page.locator(`[data-testid="instance"][data-state="${state}"]`).waitFor();
}

async function castByApi(username: string, choice: 'for' | 'against' | 'abstain'): Promise<void> {
  const client = await env.s.as(username);
  const { instance } = await client.instances.get.query({ id: ID });
  await client.instances.send.mutate({ id: ID, seq: instance.seq, type: 'CAST_BALLOT', payload: { choice } });
}

describe('meetings in the browser', () => {
  it('a Party member casts a ballot and may change it until the vote closes', async () => {
    const page = await env.browser.newPage();
    await openInstance(page, 'dongping.party4');
    await inState(page, 'party_members_meeting');
    const before = (await (await env.s.as('dongping.clerk')).instances.get.query({ id: ID })).step.ballots!.cast;
    const ballot = page.getByTestId('cast-ballot');
    await expectText(ballot.getByTestId('my-ballot'), '您尚未投票');
    await expectText(ballot.getByTestId('ballots-cast'), `已有 ${before} 人投票`);
    // The rule in words and its legal basis are shown with the ballot.
    const rules = await page.getByTestId('vote-rules').textContent();
    expect(rules).toContain('党员大会');
    expect(rules).toContain('赞成票超过有表决权人员的半数');
    expect(rules).toContain('《中国共产党支部工作条例（试行）》第十一条');

    await ballot.getByRole('button', { name: '反对' }).click();
    await page.locator('[data-testid="my-ballot"][data-mine="against"]').waitFor();
    expect(await ballot.getByTestId('my-ballot').textContent()).toContain('您的选择：反对');
    expect(await ballot.getByTestId('ballots-cast').textContent()).toContain(`已有 ${before + 1} 人投票`);
    expect(await ballot.getByRole('button', { name: '反对' }).getAttribute('aria-pressed')).toBe('true');
    // Changed before the vote closes (from the keyboard): still one ballot from this member.
    await ballot.getByRole('button', { name: '赞成' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="my-ballot"][data-mine="for"]').waitFor();
    expect(await ballot.getByTestId('my-ballot').textContent()).toContain('您的选择：赞成');
    expect(await ballot.getByTestId('ballots-cast').textContent()).toContain(`已有 ${before + 1} 人投票`);
    await shot(page, 'meeting-ballot-zh');
    const view = await (await env.s.as('dongping.clerk')).instances.get.query({ id: ID });
    expect(view.step.ballots!.cast).toBe(before + 1);
    await page.close();
  });

  it('the clerk closes the vote after the others have voted', async () => {
    for (const n of [5, 6, 7, 8, 9]) await castByApi(`dongping.party${n}`, 'for');
    const cast = (await (await env.s.as('dongping.clerk')).instances.get.query({ id: ID })).step.ballots!.cast;
    const page = await env.browser.newPage();
    await openInstance(page, 'dongping.clerk');
    await inState(page, 'party_members_meeting');
    const form = page.getByTestId('close-vote');
    expect(await form.getByTestId('close-cast').textContent()).toBe(String(cast));
    // The body's numbers come from its roster on the day (东坪村: eleven Party members, all voting), shown, not typed.
    await expectValue(form.getByLabel('组成人员（应到）'), '11');
    expect(await form.getByLabel('有表决权人数').inputValue()).toBe('11');
    expect(await form.getByLabel('有表决权人数').isEditable()).toBe(false);
    expect(await form.getByTestId('roster-note').textContent()).toContain('11 人，其中有表决权 11 人');
    await expectText(form.getByTestId('close-live'), `出席 ${cast}/11 > 1/2 ✓`);
    await shot(page, 'meeting-close-zh');
    await form.getByRole('button', { name: '结束表决' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: '确定结束' }).click();
    await inState(page, 'representatives_meeting');
    const view = await (await env.s.as('dongping.clerk')).instances.get.query({ id: ID });
    expect(view.votes.party_members_meeting).toMatchObject({ outcome: 'passed', members: 11, eligible: 11, present: cast, roster: { members: 11, voting: 11 } });
    await page.close();
  });

  it('the clerk records the representatives’ meeting, seeing the outcome as the numbers are typed', async () => {
    const page = await env.browser.newPage();
    await openInstance(page, 'dongping.clerk');
    await inState(page, 'representatives_meeting');
    const form = page.getByTestId('meeting-record');
    const live = form.getByTestId('live-outcome');
    const rules = await form.getByTestId('vote-rules').textContent();
    expect(rules).toContain('村民代表会议');
    expect(rules).toContain('到会人数达到组成人员的三分之二以上');
    expect(rules).toContain('赞成票超过到会人员的半数');
    expect(rules).toContain('《中华人民共和国村民委员会组织法》');
    expect(await live.textContent()).toContain('填写组成人员');

    // Members and those entitled come from the representatives' roster; a recusal leaves one fewer entitled.
    await expectValue(form.getByLabel('组成人员（应到）'), '33');
    await form.getByLabel('回避').fill('1');
    await expectValue(form.getByLabel('有表决权人数'), '32');
    await form.getByLabel('回避').fill('0');
    await expectValue(form.getByLabel('有表决权人数'), '33');
    await form.getByLabel('实到人数').fill('20');
    await form.getByLabel('赞成', { exact: true }).fill('15');
    await expectText(live, '出席 20/33 ≥ 2/3 ✗');
    expect(await live.textContent()).toContain('未达法定人数');
    // Numbers that do not add up are named at their field before anything is sent.
    await form.getByLabel('反对').fill('10');
    await expectText(form.getByTestId('error-for'), '赞成、反对、弃权合计（25）超过了实到人数（20）');
    expect(await live.textContent()).toContain('人数前后不一致');
    await shot(page, 'meeting-record-problem-zh');
    await form.getByLabel('反对').fill('1');
    expect(await form.getByTestId('error-for').count()).toBe(0);
    await form.getByLabel('弃权').fill('2');
    // Enough came: quorum met and more than half of those present in favour.
    await form.getByLabel('实到人数').fill('29');
    await expectText(live, '出席 29/33 ≥ 2/3 ✓ · 赞成 15/29 > 1/2 ✓ → 通过');
    await form.getByLabel('赞成', { exact: true }).fill('26');
    await expectText(live, '赞成 26/29 > 1/2 ✓ → 通过');
    // A consistency problem replaces the outcome: never 通过 beside numbers that contradict each other.
    await form.getByLabel('反对').fill('10');
    await expectText(live, '人数前后不一致');
    expect(await live.textContent()).not.toContain('通过');
    expect(await live.textContent()).toContain('赞成、反对、弃权合计（38）超过了实到人数（29）');
    await form.getByLabel('反对').fill('1');
    await expectText(live, '赞成 26/29 > 1/2 ✓ → 通过');

    // The sign-in sheet is fingerprinted in the browser; only the reference is sent.
    const photo = await page.screenshot({ clip: { x: 0, y: 0, width: 120, height: 80 } });
    const hex = createHash('sha256').update(photo).digest('hex');
    await form.getByLabel('签到表照片').setInputFiles({ name: '签到表.png', mimeType: 'image/png', buffer: photo });
    await expectText(form.getByTestId('sign-in-files'), `签到表.png指纹 ${hex.slice(0, 16)}`);
    await form.getByLabel('乡镇列席人员').fill('青山镇 何某某（包村干部）\n\n青山镇 李某某 ');
    await form.getByLabel('会议情况说明').fill('会议议题于三日前书面告知全体代表');
    await shot(page, 'meeting-test-record-zh');

    await page.getByLabel(/语言|Language/).selectOption('en');
    await form.getByRole('heading', { name: 'Meeting record' }).waitFor();
    expect(await live.textContent()).toContain('Present 29/33 ≥ 2/3 ✓ · For 26/29 > 1/2 ✓ → passed');
    expect(await form.getByTestId('vote-rules').textContent()).toContain('at least two thirds of all members attend');
    expect(await form.getByLabel('Entitled to vote').inputValue()).toBe('33');
    await shot(page, 'meeting-test-record-en');

    await form.getByRole('button', { name: 'Submit the meeting record' }).click();
    await inState(page, 'township_review');
    const view = await (await env.s.as('dongping.clerk')).instances.get.query({ id: ID });
    expect(view.votes.representatives_meeting).toMatchObject({
      outcome: 'passed',
      members: 33,
      eligible: 33,
      present: 29,
      for: 26,
      against: 1,
      abstain: 2,
      recused: 0,
      signIn: [`sha256:${hex}:签到表.png`],
      attendees: ['青山镇 何某某（包村干部）', '青山镇 李某某'],
      notes: '会议议题于三日前书面告知全体代表',
    });
    await page.close();
  });
});
