// Versions and their diff in the designer, as the township admin: open the published 五议两公开,
// start a new version of it, move the township review before the party members' meeting by
// re-pointing three transitions in the inspector, compare with the published 1.1.0 — the
// rerouted transitions are listed and marked on the canvas (with their old routes drawn faded) —
// then save and publish the new version, and migrate a matter of 东坪村 that was running on 1.1.0
// to it: it keeps its step, its history shows the migration, and it goes on by the new route.
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { shot, shotOf, signIn, browserSuite, fitCanvas, settleCanvas } from './browser.ts';

const env = browserSuite();

const FLOW = 'five-deliberations-two-disclosures';
const canvas = '[data-testid="editor-canvas"]';
const node = (page: Page, id: string) => page.locator(`${canvas} .ed-node[data-state="${id}"]`);
const label = (page: Page, edge: string) => page.locator(`${canvas} .ed-label[data-edge="${edge}"]`);


/** Through the inspector: select the step, pick its transition, choose the new target. */
async function reroute(page: Page, source: string, event: RegExp, target: string): Promise<void> {
  await fitCanvas(page);
  await node(page, source).locator('.fd-node-title').click();
  await page.getByTestId('inspector-state').waitFor();
  await page.getByTestId('transition-list').getByRole('button', { name: event }).click();
  await page.getByTestId('inspector-transition').waitFor();
  await page.getByTestId('transition-target').selectOption(target);
  expect(await page.getByTestId('transition-target').inputValue()).toBe(target);
}

// One journey in order: each step goes on from where the one before left the page, the new version
// and the running matter.
describe('versions and their diff: the township review moved before the party members’ meeting, compared with 1.1.0, published, a running matter migrated', { timeout: 60_000 }, () => {
  let page: Page;
  let running: { id: string; seq: number };
  let panel: Locator;
  let row: Locator;
  let result: Locator;

  it('a matter of 东坪村 runs on 1.1.0; the admin opens 1.1.0 in the designer and starts version 1.1.1 of it', async () => {
    // A matter of 东坪村 running on 1.1.0, at the two committees' meeting (a step both versions have).
    const secretary = await env.s.as('dongping.secretary');
    running = await secretary.instances.start.mutate({ villageId: 'dongping', flowId: FLOW, title: '修缮村文化活动室' });
    const proposal = { source: 'suggestion', subject: '修缮村文化活动室', category: 'public_welfare', content: '村文化活动室屋顶漏雨，拟翻修屋面并更换门窗。', budget: 86000, branch_meeting_date: '2026-02-27', branch_minutes: '支委会一致同意提议修缮村文化活动室。' };
    expect((await secretary.instances.send.mutate({ id: running.id, seq: running.seq, type: 'SUBMIT', payload: proposal })).state).toBe('two_committees');

    page = await env.browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/designer`);
    await page.getByTestId('designer-home').waitFor();
    await page.locator(`li[data-flow="${FLOW}"] tr[data-version="1.1.0"] a`).click();
    await page.getByTestId('editor').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="editor-canvas"] .react-flow__node').length === 14);
    expect(await page.getByTestId('editor-status').textContent()).toBe('已发布');

    // A new version of the published one.
    await page.getByTestId('bump-version').click();
    await page.locator('.ed-palette h2').click();
    await page.keyboard.press('Escape');
    await page.getByTestId('inspector-flow').waitFor();
    expect(await page.getByTestId('flow-version').inputValue()).toBe('1.1.1');
  });

  it("re-points three transitions in the inspector: the township review comes before the party members' meeting", async () => {
    // The township review before the party members' meeting.
    await reroute(page, 'two_committees', /^通过 →/, 'township_review');
    await reroute(page, 'township_review', /^同意 →/, 'party_members_meeting');
    await reroute(page, 'representatives_meeting', /^通过 →/, 'resolution_disclosure');
    await page.getByTestId('no-issues').waitFor();
  });

  it('compared with 1.1.0, the rerouted transitions are listed, and marked on the canvas with their old routes drawn faded', async () => {
    // Compare with the published 1.1.0.
    await page.getByTestId('tab-versions').click();
    await page.getByTestId('versions-panel').waitFor();
    await page.locator('[data-testid="version-row"][data-version="1.1.0"]').waitFor();
    await page.getByTestId('compare-1.1.0').click();
    await page.getByTestId('diff-list').waitFor();
    await page.getByTestId('diff-bar').waitFor();
    const listed = await page.getByTestId('diff-list').locator('li[data-diff]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-diff')} ${e.getAttribute('data-mark')} ${e.getAttribute('data-key')}`));
    expect(listed).toEqual([
      'top changed top:version',
      'transition changed two_committees#VOTE.PASSED#0',
      'transition changed representatives_meeting#VOTE.PASSED#0',
      'transition changed township_review#APPROVE#0',
    ]);
    const words = await page.getByTestId('diff-list').textContent();
    expect(words).toContain('两委商议 · 通过 → 乡镇审核');
    expect(words).toContain('原：');

    // On the canvas (brought into view): the rerouted edges are marked changed, their old routes drawn faded.
    await settleCanvas(page);
    for (const e of ['two_committees#VOTE.PASSED#0', 'township_review#APPROVE#0', 'representatives_meeting#VOTE.PASSED#0']) {
      expect(await label(page, e).getAttribute('data-diff')).toBe('changed');
      expect(await label(page, `vd-before:${e}`).getAttribute('data-diff')).toBe('before');
    }
    expect(await page.locator(`${canvas} .ed-label[data-diff="changed"]`).count()).toBe(3);
    expect(await page.locator(`${canvas} .ed-node[data-diff]`).count()).toBe(0);
    expect(await label(page, 'two_committees#VOTE.PASSED#0').locator('.vd-tag').textContent()).toBe('修改');
    await shot(page, 'designer-diff');
    await shotOf(page.getByTestId('editor-canvas'), 'designer-diff-canvas');
  });

  it('a diff item selects its transition; when comparing stops the marks go', async () => {
    // A diff item selects its transition.
    await page.getByTestId('diff-list').locator('li[data-key="township_review#APPROVE#0"] button').click();
    await page.getByTestId('diff-list').waitFor();
    expect(await label(page, 'township_review#APPROVE#0').getAttribute('class')).toContain('ed-selected');

    // Stop comparing: the marks go.
    await page.getByTestId('diff-close').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="editor-canvas"] [data-diff]'));
  });

  it('saves and publishes 1.1.1 in the villages 1.1.0 is live in; both versions are listed, the new one as the one edited', async () => {
    // Save and publish the new version.
    await page.getByTestId('save-draft').click();
    await page.waitForURL(/\/designer\/edit\/\d+$/);
    await page.getByTestId('editor-status').filter({ hasText: '草稿' }).waitFor();
    await page.getByTestId('publish').click();
    // The villages it is live in now stay ticked.
    await page.getByTestId('publish-confirm').filter({ hasText: '3' }).click();
    await page.getByTestId('editor-status').filter({ hasText: '已发布' }).waitFor();
    const versions = await (await env.s.as('qs.admin')).flows.list.query({ flowId: FLOW });
    expect(versions.map((v) => `${v.version} ${v.status}`)).toEqual(['1.1.0 published', '1.1.1 published']);

    // Both versions are listed, the new one as the one being edited.
    await page.getByTestId('tab-versions').click();
    await page.locator('[data-testid="version-row"][data-version="1.1.1"] .vd-current').waitFor();
    expect(await page.getByTestId('version-row').count()).toBe(2);
  });

  it('lists the running matters of 1.1.0 with where each would land, refusing one mid-ballot and a change of step kind, in words', async () => {
    // The running matters of 1.1.0, each with where it would land in 1.1.1.
    panel = page.getByTestId('migration-panel');
    await panel.waitFor();
    expect(await panel.locator('h3').textContent()).toBe('把运行中的事项迁移到 v1.1.1');
    row = panel.locator(`[data-testid="migration-row"][data-instance="${running.id}"]`);
    await row.waitFor();
    expect(await row.getByTestId('migration-landing').inputValue()).toBe('two_committees');
    expect(await row.getAttribute('data-problems')).toBe('0');
    // The seeded road is mid-ballot: refused in words, its button disabled.
    const road = panel.locator('[data-testid="migration-row"][data-instance="demo-dongping-road"]');
    expect(await road.locator('[data-code="BALLOTS_OPEN"]').textContent()).toMatch(/已有 \d+ 张选票/);
    expect(await road.getByTestId('migration-go').isDisabled()).toBe(true);
    // Choosing a task step for a meeting is refused too, naming both; back to the same step.
    await row.getByTestId('migration-landing').selectOption('proposal');
    await row.locator('[data-code="KIND_CHANGED"]').waitFor();
    expect(await row.locator('[data-code="KIND_CHANGED"]').textContent()).toContain('两委商议');
    expect(await row.getByTestId('migration-go').isDisabled()).toBe(true);
    await row.getByTestId('migration-landing').selectOption('two_committees');
    await panel.locator(`[data-testid="migration-row"][data-instance="${running.id}"][data-problems="0"]`).waitFor();
    await row.scrollIntoViewIfNeeded();
    await shot(page, 'designer-migration');
  });

  it('migrates the matter with a reason: it keeps its step', async () => {
    await panel.getByTestId('migration-reason').fill('乡镇审核提前到党员大会之前');
    await row.getByTestId('migration-go').click();
    result = panel.locator(`[data-testid="migration-result"][data-instance="${running.id}"]`);
    await result.waitFor();
    expect(await result.textContent()).toContain('已迁移到 v1.1.1');
    await row.waitFor({ state: 'detached' });
    await shot(page, 'designer-migration-done');
  });

  it('its history shows the migration, and the chain across both versions verifies', async () => {
    // Its history shows the migration, and the chain across both versions verifies.
    await result.getByRole('link').click();
    await page.getByTestId('timeline').waitFor();
    expect(await page.getByTestId('timeline').textContent()).toContain('迁移到新版本');
    expect(await page.getByTestId('verify').getAttribute('data-ok')).toBe('true');
    const auditor = await env.s.as('qs.auditor');
    const records = await auditor.audit.history.query({ id: running.id });
    expect(records.at(-1)).toMatchObject({ type: 'MIGRATE', state: 'two_committees', payload: { from: { version: '1.1.0' }, to: { version: '1.1.1' }, reason: '乡镇审核提前到党员大会之前' } });
    await page.keyboard.press('End');
    await page.locator(`[data-testid="step-detail"][data-seq="${records.length}"]`).waitFor();
    expect(await page.getByTestId('migration-payload').textContent()).toContain('从版本 1.1.0 迁移到版本 1.1.1：两委商议 → 两委商议');
    expect(await page.getByTestId('migration-payload').textContent()).toContain('理由：乡镇审核提前到党员大会之前');
    await shot(page, 'audit-migration');
    expect(await auditor.audit.verify.query({ id: running.id })).toMatchObject({ ok: true, count: records.length });
  });

  it("it goes on by 1.1.1's route: after the two committees, the township review", async () => {
    // It goes on by 1.1.1's route: after the two committees, the township review.
    const clerk = await env.s.as('dongping.clerk');
    const seen = await clerk.instances.get.query({ id: running.id });
    const next = await clerk.instances.send.mutate({ id: running.id, seq: seen.instance.seq, type: 'RECORD_VOTE', payload: { members: 7, eligible: 7, present: 6, for: 5, against: 0, abstain: 1, recused: 0 } });
    expect(next.state).toBe('township_review');
    await page.close();
  });
});
