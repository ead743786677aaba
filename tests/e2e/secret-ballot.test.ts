// A secret ballot in a real browser: a Party member picks, confirms and casts once; the page then
// says only that they voted (nothing on it, or in the instance the server sends it, holds the
// choice); the auditor's replay shows sealed ballots and, on closing, the ballot box.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { SealedBallot } from '../../engine/index.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { secretFlowJson } from '../helpers.ts';
import { shot, shotOf, signIn, browserSuite, fitCanvas } from './browser.ts';

const env = browserSuite();
let id: string;

async function send(username: string, type: string, payload: Record<string, unknown>) {
  const client = await env.s.as(username);
  const { instance } = await client.instances.get.query({ id });
  await client.instances.send.mutate({ id, seq: instance.seq, type, payload });
}

async function open(page: Page, username: string): Promise<void> {
  page.setDefaultTimeout(10_000);
  await signIn(page, env.s.url, username, DEMO_PASSWORD);
  await page.goto(`${env.s.url}/instances/${id}`);
  await page.locator('[data-testid="instance"][data-state="party_members_meeting"]').waitFor();
}

describe('a secret ballot in the browser', () => {
  it('a Party member confirms and casts once; afterwards the page says only that they voted', async () => {
    const admin = await env.s.as('qs.admin');
    const { version } = await admin.flows.saveDraft.mutate({ json: JSON.stringify(secretFlowJson()) });
    await admin.flows.publish.mutate({ id: version.id });
    id = (await (await env.s.as('dongping.secretary')).instances.start.mutate({ villageId: 'dongping', flowId: 'five-deliberations-two-disclosures', title: '无记名表决' })).id;
    await send('dongping.secretary', 'SUBMIT', { source: 'suggestion', subject: '修村道', category: 'public_welfare', content: '村道硬化', budget: 1000, branch_meeting_date: '2026-03-01', branch_minutes: '一致同意' });
    await send('dongping.clerk', 'RECORD_VOTE', { members: 7, eligible: 7, present: 6, for: 5, against: 1, abstain: 0, recused: 0 });

    const page = await env.browser.newPage();
    await open(page, 'dongping.party3');
    const ballot = page.locator('[data-testid="cast-ballot"][data-secret="true"]');
    await ballot.getByText('这是无记名投票').waitFor();
    expect(await ballot.getByTestId('my-ballot').textContent()).toContain('您尚未投票');
    // A pick is not yet a ballot: it asks, and a cancel sends nothing.
    await ballot.getByRole('button', { name: '反对' }).click();
    await ballot.getByRole('alertdialog').getByText('您选择了：反对').waitFor();
    await ballot.getByRole('button', { name: '取消' }).click();
    expect(await ballot.getByRole('alertdialog').count()).toBe(0);
    expect((await (await env.s.as('dongping.clerk')).instances.get.query({ id })).step.ballots!.cast).toBe(0);

    await ballot.getByRole('button', { name: '反对' }).click();
    await shot(page, 'secret-ballot-confirm-zh');
    await ballot.getByRole('button', { name: '确认投出' }).click();
    await page.locator('[data-testid="my-ballot"][data-mine="sealed"]').waitFor();
    expect(await ballot.getByTestId('my-ballot').textContent()).toContain('您已投票（无记名）');
    expect(await ballot.getByTestId('ballots-cast').textContent()).toContain('已有 1 人投票');
    // No choice left to press, none shown as chosen, and a reload brings none back.
    expect(await ballot.locator('button[data-choice]').count()).toBe(0);
    await page.reload();
    await page.locator('[data-testid="my-ballot"][data-mine="sealed"]').waitFor();
    expect(await page.getByTestId('cast-ballot').textContent()).not.toMatch(/反对|赞成|弃权/);
    const seen = await (await env.s.as('dongping.party3')).instances.get.query({ id });
    expect(seen.step.ballots).toEqual({ cast: 1, mine: 'sealed' });
    expect(seen.step.events).not.toContain('CAST_BALLOT');
    await shot(page, 'secret-ballot-cast-zh');
    await page.close();
  });

  it('the auditor sees sealed ballots, then the ballot box the vote was counted from', async () => {
    await send('dongping.party1', 'CAST_BALLOT', { choice: 'for' });
    await send('dongping.party2', 'CAST_BALLOT', { choice: 'for' });
    await send('dongping.clerk', 'CLOSE_VOTE', {});
    const records = await env.s.store.history(id);
    const box = records.at(-1)!.payload.box as SealedBallot[];
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    await signIn(page, env.s.url, 'qs.auditor', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/audit/${id}`);
    await page.locator('[data-testid="verify"][data-ok="true"]').waitFor();
    const rows = page.getByTestId('timeline').locator('tbody tr');
    const castAt = records.findIndex((r) => r.type === 'CAST_BALLOT');
    await rows.nth(castAt).locator('button').click();
    await page.locator(`[data-testid="step-detail"][data-seq="${castAt + 1}"]`).getByTestId('sealed-ballot').waitFor();
    // The record's payload: no choice (表决意见) is shown for it.
    expect(await page.getByTestId('step-detail').textContent()).not.toContain('表决意见');
    await rows.nth(records.length - 1).locator('button').click();
    const shown = page.locator(`[data-testid="step-detail"][data-seq="${records.length}"]`).getByTestId('ballot-box');
    await shown.waitFor();
    expect(await shown.textContent()).toContain('投票箱：3 张选票（赞成 2、反对 1、弃权 0）');
    for (const b of box) expect(await shown.textContent()).toContain(b.id);
    await shot(page, 'secret-ballot-audit-box-zh');
    await page.close();
  });

  it('the designer makes a ballot-mode vote secret, and only a ballot-mode one', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(10_000);
    await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/designer`);
    await page.locator('li[data-flow="five-deliberations-two-disclosures"] tr[data-version="1.1.0"] a').click();
    await page.getByTestId('editor').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="editor-canvas"] .react-flow__node').length === 14);
    await page.getByTestId('bump-version').click();
    await fitCanvas(page);
    await page.locator('[data-testid="editor-canvas"] .ed-node[data-state="party_members_meeting"] .fd-node-title').click();
    const vote = page.getByTestId('vote-part');
    await vote.waitFor();
    const secret = vote.getByTestId('vote-secret');
    expect(await secret.isChecked()).toBe(false);
    await vote.getByLabel('无记名投票').check();
    expect(await vote.textContent()).toContain('记录只写谁已投票，不写投了什么');
    await page.getByTestId('no-issues').waitFor();
    await vote.scrollIntoViewIfNeeded();
    await shotOf(page.locator('.ed-side'), 'secret-ballot-inspector-zh');
    // A meeting record has no ballots to keep secret: the switch goes, and so does the setting.
    await vote.getByLabel(/会议记录（记录员录入票数）/).check();
    expect(await secret.count()).toBe(0);
    await vote.getByLabel(/逐人投票/).check();
    expect(await secret.isChecked()).toBe(false);
    await secret.check();

    // Saving the bumped version makes a new draft, and the editor moves to its address.
    const opened = page.url();
    await page.getByTestId('save-draft').click();
    await page.waitForURL((u) => /\/designer\/edit\/\d+$/.test(u.pathname) && u.href !== opened);
    const versionId = Number(page.url().split('/designer/edit/')[1]);
    const saved = await (await env.s.as('qs.admin')).flows.get.query({ id: versionId });
    const states = (saved.flow as { states: Record<string, { vote?: { secret?: boolean; mode: string } }> }).states;
    expect(states.party_members_meeting!.vote).toMatchObject({ mode: 'ballot', secret: true });
    expect(states.two_committees!.vote!.secret).toBeUndefined();
    await page.close();
  });
});
