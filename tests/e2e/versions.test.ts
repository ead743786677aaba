// Versions and their diff in the designer, as the township admin: open the published 五议两公开,
// start a new version of it, move the township review before the party members' meeting by
// re-pointing three transitions in the inspector, compare with the published 1.1.0 — the
// rerouted transitions are listed and marked on the canvas (with their old routes drawn faded) —
// then save and publish the new version.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/seed.ts';
import { SCREENSHOTS, shot, signIn, browserSuite } from './browser.ts';

const env = browserSuite();

const FLOW = 'five-deliberations-two-disclosures';
const canvas = '[data-testid="editor-canvas"]';
const node = (page: Page, id: string) => page.locator(`${canvas} .ed-node[data-state="${id}"]`);
const label = (page: Page, edge: string) => page.locator(`${canvas} .ed-label[data-edge="${edge}"]`);

/** Waits until the canvas stops moving (layout and fit-view animations done). */
async function settle(page: Page): Promise<void> {
  const state = () =>
    page.evaluate(() => {
      const vp = document.querySelector('[data-testid="editor-canvas"] .react-flow__viewport')?.getAttribute('style') ?? '';
      const nodes = [...document.querySelectorAll('[data-testid="editor-canvas"] .react-flow__node')].map((n) => (n as HTMLElement).style.transform).join();
      return vp + nodes;
    });
  await page.locator(`${canvas}[data-layout="ready"]`).waitFor();
  let last = await state();
  let still = 0;
  for (let i = 0; i < 40 && still < 3; i++) {
    await page.waitForTimeout(120);
    const now = await state();
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

async function fit(page: Page): Promise<void> {
  await settle(page);
  await page.locator('.react-flow__controls-fitview').click();
  await page.waitForTimeout(350);
  await settle(page);
}

/** Through the inspector: select the step, pick its transition, choose the new target. */
async function reroute(page: Page, source: string, event: RegExp, target: string): Promise<void> {
  await fit(page);
  await node(page, source).locator('.fd-node-title').click();
  await page.getByTestId('inspector-state').waitFor();
  await page.getByTestId('transition-list').getByRole('button', { name: event }).click();
  await page.getByTestId('inspector-transition').waitFor();
  await page.getByTestId('transition-target').selectOption(target);
  expect(await page.getByTestId('transition-target').inputValue()).toBe(target);
}

describe('versions and their diff', () => {
  it('moves the township review before the party members’ meeting, shows the diff against 1.1.0, publishes', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1600, height: 1000 } });
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

    // The township review before the party members' meeting.
    await reroute(page, 'two_committees', /^通过 →/, 'township_review');
    await reroute(page, 'township_review', /^同意 →/, 'party_members_meeting');
    await reroute(page, 'representatives_meeting', /^通过 →/, 'resolution_disclosure');
    await page.getByTestId('no-issues').waitFor();

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
      'transition changed two_committees:VOTE.PASSED:0',
      'transition changed representatives_meeting:VOTE.PASSED:0',
      'transition changed township_review:APPROVE:0',
    ]);
    const words = await page.getByTestId('diff-list').textContent();
    expect(words).toContain('两委商议 · 通过 → 乡镇审核');
    expect(words).toContain('原：');

    // On the canvas (brought into view): the rerouted edges are marked changed, their old routes drawn faded.
    await settle(page);
    for (const e of ['two_committees:VOTE.PASSED', 'township_review:APPROVE', 'representatives_meeting:VOTE.PASSED']) {
      expect(await label(page, e).getAttribute('data-diff')).toBe('changed');
      expect(await label(page, `vd-before:${e}`).getAttribute('data-diff')).toBe('before');
    }
    expect(await page.locator(`${canvas} .ed-label[data-diff="changed"]`).count()).toBe(3);
    expect(await page.locator(`${canvas} .ed-node[data-diff]`).count()).toBe(0);
    expect(await label(page, 'two_committees:VOTE.PASSED').locator('.vd-tag').textContent()).toBe('修改');
    await shot(page, 'designer-diff');
    await page.getByTestId('editor-canvas').screenshot({ path: `${SCREENSHOTS}/designer-diff-canvas.png` });

    // A diff item selects its transition.
    await page.getByTestId('diff-list').locator('li[data-key="township_review:APPROVE:0"] button').click();
    await page.getByTestId('diff-list').waitFor();
    expect(await label(page, 'township_review:APPROVE').getAttribute('class')).toContain('ed-selected');

    // Stop comparing: the marks go.
    await page.getByTestId('diff-close').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="editor-canvas"] [data-diff]'));

    // Save and publish the new version.
    await page.getByTestId('save-draft').click();
    await page.waitForURL(/\/designer\/edit\/\d+$/);
    await page.getByTestId('editor-status').filter({ hasText: '草稿' }).waitFor();
    await page.getByTestId('publish').click();
    await page.getByTestId('editor-status').filter({ hasText: '已发布' }).waitFor();
    const versions = await (await env.s.as('qs.admin')).flows.list.query({ flowId: FLOW });
    expect(versions.map((v) => `${v.version} ${v.status}`)).toEqual(['1.1.0 published', '1.1.1 published']);

    // Both versions are listed, the new one as the one being edited.
    await page.getByTestId('tab-versions').click();
    await page.locator('[data-testid="version-row"][data-version="1.1.1"] .vd-current').waitFor();
    expect(await page.getByTestId('version-row').count()).toBe(2);
    await page.close();
  }, 120_000);
});
