// The flow designer in a real browser, as the township admin: build a three-step flow from
// nothing (a task with a form, a vote with a 2/3 quorum, an end), see its errors on the canvas
// and in the list, fix them, undo and redo, save the draft, publish, give it to a village — and a
// village secretary starts an instance. Then: a bundled flow imported and exported unchanged
// comes back byte for byte.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/seed.ts';
import { SCREENSHOTS, shot, signIn, browserSuite } from './browser.ts';

const env = browserSuite();

const node = (page: Page, id: string) => page.locator(`[data-testid="editor-canvas"] .ed-node[data-state="${id}"]`);

/** Drags from a node's source handle to another node's target handle, as a person connects two steps. */
async function connect(page: Page, from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await settle(page);
    const source = node(page, from).locator('.ed-handle-source');
    const target = node(page, to).locator('.ed-handle-target');
    const a = (await source.boundingBox())!;
    const b = (await target.boundingBox())!;
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 8 });
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
    await page.mouse.up();
    try {
      await page.getByTestId('connect-dialog').waitFor({ timeout: 2000 });
      return;
    } catch (error) {
      if (attempt >= 2) throw error; // the drawing moved under the pointer: once more
    }
  }
}

/** Waits until the canvas stops moving (layout and fit-view animations done). */
async function settle(page: Page): Promise<void> {
  const state = () =>
    page.evaluate(() => {
      const vp = document.querySelector('[data-testid="editor-canvas"] .react-flow__viewport')?.getAttribute('style') ?? '';
      const nodes = [...document.querySelectorAll('[data-testid="editor-canvas"] .react-flow__node')].map((n) => (n as HTMLElement).style.transform).join();
      return vp + nodes;
    });
  await page.locator('[data-testid="editor-canvas"][data-layout="ready"]').waitFor();
  let last = await state();
  let still = 0;
  for (let i = 0; i < 40 && still < 3; i++) {
    await page.waitForTimeout(120);
    const now = await state();
    still = now === last ? still + 1 : 0;
    last = now;
  }
}

async function issueLevels(page: Page): Promise<string[]> {
  return page.getByTestId('issue-list').locator('li[data-level]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-level')}: ${e.textContent}`));
}

async function waitLayout(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="editor-canvas"] .react-flow__node').length === n, count);
  await settle(page);
}

async function clickNode(page: Page, id: string): Promise<void> {
  await node(page, id).locator('.fd-node-title').click();
  await page.getByTestId('inspector-state').waitFor();
}

async function selectVal(l: Locator, v: string) {
  await l.selectOption(v);
}

describe('flow designer', () => {
  it('builds, checks, fixes, publishes a new flow that a village can start', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1500, height: 950 } });
    await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await page.getByRole('link', { name: '流程设计' }).click();
    await page.getByTestId('designer-home').waitFor();
    // The township's flows and their versions are listed.
    expect(await page.getByTestId('flow-list').locator('li[data-flow]').count()).toBeGreaterThanOrEqual(2);
    await page.getByTestId('new-blank').click();
    await page.getByTestId('editor').waitFor();
    await waitLayout(page, 1);

    // A lone task leads nowhere: an error on its node and in the list.
    expect(await node(page, 'proposal').getAttribute('data-issue')).toBe('error');
    expect((await issueLevels(page)).join('\n')).toContain('no way out');
    expect(await page.getByTestId('publish').isDisabled()).toBe(true);

    // Name the flow.
    await page.getByTestId('flow-id').fill('village-road-repair');
    await page.getByTestId('flow-title-zh').fill('村道维修');
    await page.getByTestId('flow-title-en').fill('Village road repair');

    // The task gets a form (the default one, then a field more through the form JSON).
    await clickNode(page, 'proposal');
    await page.getByTestId('add-form').click();
    await page.getByTestId('form-json-details').locator('summary').click();
    const formJson = page.getByTestId('form-json');
    const form = JSON.parse(await formJson.inputValue());
    form.schema.properties.budget = { type: 'number', title: '预算（元）', 'x-en': { title: 'Budget (yuan)' }, minimum: 0 };
    await formJson.fill(JSON.stringify(form, null, 2));
    await page.getByTestId('state-title-zh').fill('维修提议');
    await page.getByTestId('state-title-en').fill('Repair proposal');

    // A vote (a representatives' meeting, 2/3 quorum by default) and an end, from the palette.
    await page.getByTestId('palette-vote').click();
    await waitLayout(page, 2);
    await page.getByTestId('state-title-zh').fill('村民代表会议表决');
    await page.getByTestId('state-title-en').fill("Representatives' vote");
    await page.getByTestId('palette-final').click();
    await waitLayout(page, 3);
    await selectVal(page.getByTestId('final-outcome'), 'adopted');
    await page.getByTestId('state-title-zh').fill('已通过');
    await page.getByTestId('state-title-en').fill('Adopted');

    // A step added by mistake goes with the Delete key.
    await page.getByTestId('palette-review').click();
    await waitLayout(page, 4);
    await clickNode(page, 'review');
    await page.keyboard.press('Delete');
    await waitLayout(page, 3);
    expect(await node(page, 'review').count()).toBe(0);

    // Connect by dragging: the event is asked for, with the source kind's events offered first.
    await connect(page, 'proposal', 'meeting');
    expect(await page.getByTestId('connect-event').inputValue()).toBe('SUBMIT');
    await page.getByTestId('connect-add').click();
    await connect(page, 'meeting', 'end');
    expect(await page.getByTestId('connect-event').inputValue()).toBe('VOTE.PASSED');
    await page.getByTestId('connect-add').click();
    await page.waitForTimeout(400);

    // The vote still lacks VOTE.FAILED and VOTE.NO_QUORUM: errors on the vote's node and in the list.
    await page.waitForFunction(() => document.querySelector('.ed-node[data-state="meeting"]')?.getAttribute('data-issue') === 'error');
    const listed = (await issueLevels(page)).join('\n');
    expect(listed).toContain('needs "VOTE.FAILED"');
    expect(listed).toContain('needs "VOTE.NO_QUORUM"');
    expect(await node(page, 'meeting').locator('[data-testid="issue-badge"]').count()).toBe(1);
    await shot(page, 'designer-errors');

    // Clicking the error in the list selects the step.
    await page.getByTestId('issue-list').getByRole('button', { name: /VOTE\.FAILED/ }).click();
    await page.getByTestId('inspector-state').waitFor();
    expect(await page.getByTestId('state-id').inputValue()).toBe('meeting');

    // Fix: failed → the end (rejected would be better, but one end will do), no quorum → meet again.
    await selectVal(page.getByTestId('new-transition-event'), 'VOTE.FAILED');
    await selectVal(page.getByTestId('new-transition-target'), 'end');
    await page.getByTestId('add-transition').click();
    await selectVal(page.getByTestId('new-transition-event'), 'VOTE.NO_QUORUM');
    await selectVal(page.getByTestId('new-transition-target'), 'meeting');
    await page.getByTestId('add-transition').click();
    await page.getByTestId('no-issues').waitFor();
    expect(await node(page, 'meeting').getAttribute('data-issue')).toBeNull();

    // Undo the last edit: the error is back; redo: gone again. Keyboard and buttons both.
    await page.getByTestId('undo').click();
    await page.waitForFunction(() => document.querySelector('.ed-node[data-state="meeting"]')?.getAttribute('data-issue') === 'error');
    expect((await issueLevels(page)).join('\n')).toContain('VOTE.NO_QUORUM');
    await page.getByTestId('redo').click();
    await page.getByTestId('no-issues').waitFor();
    await page.locator('.ed-palette h2').click(); // focus out of any field
    await page.keyboard.press('Control+z');
    await page.waitForFunction(() => !document.querySelector('[data-testid="no-issues"]'));
    await page.keyboard.press('Control+Shift+z');
    await page.getByTestId('no-issues').waitFor();

    // A guard is checked as it is typed; one that does not check stays out of the flow.
    await page.locator('.ed-label[data-edge="meeting:VOTE.PASSED"]').click();
    await page.getByTestId('inspector-transition').waitFor();
    await page.getByTestId('transition-guard').fill('vote.for >');
    await page.getByTestId('inspector-transition').locator('.ed-problem').waitFor();
    expect(await page.getByTestId('transition-guard').getAttribute('aria-invalid')).toBe('true');
    await page.getByTestId('transition-guard').fill('vote.for > 3');
    await page.waitForFunction(() => !document.querySelector('[data-testid="inspector-transition"] .ed-problem'));
    await page.getByTestId('transition-guard').fill('');
    await clickNode(page, 'meeting');

    // A quorum under 2/3 for a representatives' meeting is unlawful: publishing is refused.
    await page.getByTestId('vote-quorum-ratio').fill('1/2');
    await page.waitForFunction(() => document.querySelector('.ed-node[data-state="meeting"]')?.getAttribute('data-issue') === 'statutory');
    expect((await issueLevels(page)).some((l) => l.startsWith('statutory') && l.includes('三分之二'))).toBe(true);
    expect(await page.getByTestId('publish').isDisabled()).toBe(true);
    await page.getByTestId('vote-quorum-ratio').fill('2/3');
    await page.getByTestId('no-issues').waitFor();
    expect(await page.getByTestId('publish').isDisabled()).toBe(false);

    // Renaming a step renames every transition into it.
    await clickNode(page, 'end');
    await page.getByTestId('state-id').fill('adopted');
    await page.getByTestId('state-id').press('Enter');
    await node(page, 'adopted').waitFor();
    expect(await node(page, 'end').count()).toBe(0);
    await page.getByTestId('no-issues').waitFor();
    expect(await page.locator('[data-testid="editor-canvas"] .ed-label[data-edge="meeting:VOTE.PASSED"]').count()).toBe(1);

    // Screenshots: the whole canvas, and the inspector of the vote.
    await page.locator('.react-flow__controls-fitview').click();
    await page.waitForTimeout(400);
    await shot(page, 'designer-canvas');
    await page.getByTestId('editor-canvas').screenshot({ path: `${SCREENSHOTS}/designer-canvas-detail.png` });
    // The inspector of the vote, from its top (the side panel scrolls on its own).
    await clickNode(page, 'meeting');
    await page.locator('.ed-side').evaluate((el) => el.scrollTo(0, 0));
    await page.locator('.ed-side').screenshot({ path: `${SCREENSHOTS}/designer-inspector.png` });
    await page.getByTestId('vote-part').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.locator('.ed-side').screenshot({ path: `${SCREENSHOTS}/designer-inspector-vote.png` });

    // The task's form in the form designer; the simulator in its tab.
    await clickNode(page, 'proposal');
    await page.getByTestId('inspector-state').locator('.ed-form-part').scrollIntoViewIfNeeded();
    await shot(page, 'designer-form');
    await page.getByTestId('tab-simulate').click();
    await page.getByTestId('simulator').waitFor();
    // Starting a simulated instance marks the states it went through on the canvas.
    await page.getByTestId('simulator').getByRole('button', { name: '发起' }).click();
    await page.waitForFunction(() => document.querySelector('.ed-node[data-state="proposal"]')?.getAttribute('data-onpath') === 'true');
    await shot(page, 'designer-simulate');
    await page.getByTestId('tab-inspector').click();

    // Save the draft: the address becomes the version's; then publish.
    await page.getByTestId('save-draft').click();
    await page.waitForURL(/\/designer\/edit\/\d+$/);
    await page.getByTestId('editor-message').waitFor();
    expect(await page.getByTestId('editor-status').textContent()).toBe('草稿');
    await page.getByTestId('publish').click();
    await page.getByTestId('editor-status').filter({ hasText: '已发布' }).waitFor();
    // A published version is frozen: the editor offers a new version number.
    expect(await page.getByTestId('save-draft').isDisabled()).toBe(true);
    await page.getByTestId('bump-version').waitFor();
    await shot(page, 'designer-published');

    // Give it to 东坪村.
    await page.getByTestId('villages-panel').locator('summary').click();
    await page.getByTestId('villages-panel').getByLabel('东坪村').check();
    await page.getByTestId('save-villages').click();
    await page.getByTestId('villages-panel').getByRole('status').waitFor();
    await page.close();

    // The village's secretary can start it (API).
    const secretary = await env.s.as('dongping.secretary');
    const offered = await secretary.flows.forVillage.query({ villageId: 'dongping' });
    expect(offered.map((f) => f.flowId)).toContain('village-road-repair');
    const started = await secretary.instances.start.mutate({ villageId: 'dongping', flowId: 'village-road-repair', title: '修村东路' });
    expect(started).toMatchObject({ state: 'proposal', status: 'active' });
  }, 120_000);

  it('exports an imported flow unchanged, byte for byte', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/designer`);
    await page.getByTestId('designer-home').waitFor();
    const path = 'flows/five-deliberations-two-disclosures.flow.json';
    await page.getByTestId('home-import-file').setInputFiles(path);
    await page.getByTestId('editor').waitFor();
    await page.getByTestId('no-issues').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
    expect(download.suggestedFilename()).toBe('five-deliberations-two-disclosures.flow.json');
    const saved = await download.path();
    expect(readFileSync(saved).equals(readFileSync(path))).toBe(true);
    await shot(page, 'designer-imported');

    // A new flow from a published one: a copy with its own id and version, in English too.
    await page.goto(`${env.s.url}/designer`);
    await page.getByTestId('copy-four-deliberations-two-disclosures').click();
    await page.getByTestId('editor').waitFor();
    expect(await page.getByTestId('flow-id').inputValue()).toBe('four-deliberations-two-disclosures-copy');
    expect(await page.getByTestId('flow-version').inputValue()).toBe('1.0.0');
    expect(await page.getByTestId('flow-title-zh').inputValue()).toBe('四议两公开（副本）');
    await page.getByTestId('no-issues').waitFor();
    await page.getByLabel(/语言|Language/).selectOption('en');
    await page.getByRole('button', { name: 'Publish' }).waitFor();
    await page.locator('[data-testid="editor-canvas"] .ed-node[data-state="representatives_meeting"]').click();
    await page.getByTestId('inspector-state').waitFor();
    await shot(page, 'designer-en');
    await page.getByLabel(/语言|Language/).selectOption('zh');
    await page.close();
  }, 60_000);
});
