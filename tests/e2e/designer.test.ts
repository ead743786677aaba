// The flow designer in a real browser, as the township admin: build a three-step flow from
// nothing (a task with a form of four fields, a vote with a 2/3 quorum, an end), see its errors on
// the canvas and in the list, fix them, undo and redo, simulate it to the end, save the draft,
// publish, export it (the command line validates the file), give it to a village — and the
// village's secretary and clerk run an instance of it to completion in the web app. Then: a
// bundled flow imported and exported unchanged comes back byte for byte.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { shot, shotOf, signIn, browserSuite, settleCanvas, fitCanvas, expectText } from './browser.ts';
import { expectStep, fillMeeting, inOrder, inState, openFromInbox, visit } from './steps.ts';

const env = browserSuite();
const MATTER = '修村东路';

const node = (page: Page, id: string) => page.locator(`[data-testid="editor-canvas"] .ed-node[data-state="${id}"]`);

/** Drags from a node's source handle to another node's target handle, as a person connects two steps. */
async function connect(page: Page, from: string, to: string): Promise<void> {
  await settleCanvas(page);
  const source = node(page, from).locator('.ed-handle-source');
  const target = node(page, to).locator('.ed-handle-target');
  const a = (await source.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  // The target is measured again once the drag is under way: React Flow pans the canvas when a
  // connection is dragged near its edge.
  let b = (await target.boundingBox())!;
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2 + 20, { steps: 8 });
  b = (await target.boundingBox())!;
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
  await page.getByTestId('connect-dialog').waitFor();
}

async function issueLevels(page: Page): Promise<string[]> {
  return page.getByTestId('issue-list').locator('li[data-level]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-level')}: ${e.textContent}`));
}

async function waitLayout(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="editor-canvas"] .react-flow__node').length === n, count);
  await settleCanvas(page);
}

async function clickNode(page: Page, id: string): Promise<void> {
  // The whole flow in view first: a step outside the canvas cannot be clicked (React Flow undoes the
  // scroll that would show it), which once left the inspector on the previous step under load.
  await fitCanvas(page);
  await node(page, id).locator('.fd-node-title').click();
  // The inspector of that very step.
  await page.waitForFunction((want) => (document.querySelector('[data-testid="state-id"]') as HTMLInputElement | null)?.value === want, id);
}

async function selectVal(l: Locator, v: string) {
  await l.selectOption(v);
}

// One journey in order: each step below goes on from where the one before left the page (and the
// flow it builds); once one fails, the rest are skipped.
describe('flow designer: a new flow built, checked, fixed, simulated, published, and run by a village', { timeout: 60_000 }, () => {
  inOrder();
  let page: Page;
  let id: string; // the village's instance of the new flow

  it('opens a blank flow: its lone task leads nowhere, an error on its node and in the list, and publishing is refused', async () => {
    page = await env.browser.newPage({ viewport: { width: 1500, height: 950 }, acceptDownloads: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await page.getByRole('link', { name: '流程设计' }).click();
    await page.getByTestId('designer-home').waitFor();
    // The township's flows and their versions are listed (the page shows before the list arrives).
    await page.getByTestId('flow-list').locator('li[data-flow]').first().waitFor();
    expect(await page.getByTestId('flow-list').locator('li[data-flow]').count()).toBeGreaterThanOrEqual(2);
    await page.getByTestId('new-blank').click();
    await page.getByTestId('editor').waitFor();
    await waitLayout(page, 1);

    // A lone task leads nowhere: an error on its node and in the list.
    expect(await node(page, 'proposal').getAttribute('data-issue')).toBe('error');
    expect((await issueLevels(page)).join('\n')).toContain('步骤“proposal”没有出路');
    expect(await page.getByTestId('publish').isDisabled()).toBe(true);
  });

  it('names the flow and gives its task a form: the default one, a field through the form JSON, two in the form designer', async () => {
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
    // Two fields more in the form designer: what is to be repaired (required) and when work starts.
    const designer = page.getByTestId('form-designer');
    const fieldEditor = designer.locator('.fd2-editor').first();
    for (const [type, zh, en, key] of [
      ['longText', '维修内容', 'Repair work', 'content'],
      ['date', '计划开工日期', 'Planned start', 'start_date'],
    ] as const) {
      await designer.getByLabel('新字段类型').selectOption(type);
      await designer.getByRole('button', { name: '添加字段' }).click();
      await fieldEditor.getByLabel('名称（中文）').fill(zh);
      await fieldEditor.getByLabel('名称（英文，可不填）').fill(en);
      await fieldEditor.getByLabel('字段标识').fill(key);
      await fieldEditor.getByLabel('字段标识').press('Enter'); // typed text goes into the flow on Enter or blur
      if (key === 'content') await fieldEditor.getByLabel('必填').check();
    }
    await designer.getByTestId('form-preview').getByLabel(/^计划开工日期/).waitFor();
    // The form JSON follows the form designer's edits.
    const fields = (json: string) => Object.keys((JSON.parse(json) as { schema: { properties: object } }).schema.properties);
    await page.waitForFunction(() => (document.querySelector('[data-testid="form-json"]') as HTMLTextAreaElement | null)?.value.includes('"start_date"'));
    expect(fields(await formJson.inputValue())).toEqual(['subject', 'content', 'start_date', 'budget']);
    expect(JSON.parse(await formJson.inputValue()).schema.required).toEqual(['subject', 'content']);
    await page.getByTestId('state-title-zh').fill('维修提议');
    await page.getByTestId('state-title-en').fill('Repair proposal');
  });

  it('adds a vote and an end from the palette; a step added by mistake goes with the Delete key', async () => {
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
  });

  it("connects steps by dragging, the source kind's events offered first; the vote still lacking two outcomes is an error on its node and in the list", async () => {
    // Connect by dragging: the event is asked for, with the source kind's events offered first.
    await connect(page, 'proposal', 'meeting');
    expect(await page.getByTestId('connect-event').inputValue()).toBe('SUBMIT');
    await page.getByTestId('connect-add').click();
    await connect(page, 'meeting', 'end');
    expect(await page.getByTestId('connect-event').inputValue()).toBe('VOTE.PASSED');
    await page.getByTestId('connect-add').click();
    await waitLayout(page, 3);

    // The vote still lacks VOTE.FAILED and VOTE.NO_QUORUM: errors on the vote's node and in the list.
    await page.waitForFunction(() => document.querySelector('.ed-node[data-state="meeting"]')?.getAttribute('data-issue') === 'error');
    const listed = (await issueLevels(page)).join('\n');
    expect(listed).toContain('会议表决步骤需要处理事件“VOTE.FAILED”');
    expect(listed).toContain('设有到会人数规则的会议表决步骤需要处理事件“VOTE.NO_QUORUM”');
    expect(await node(page, 'meeting').locator('[data-testid="issue-badge"]').count()).toBe(1);
    await shot(page, 'designer-errors');
  });

  it('an error in the list selects its step; the missing outcomes fix it; undo and redo, by keyboard and buttons', async () => {
    // Clicking the error in the list selects the step.
    await page.getByTestId('issue-list').getByRole('button', { name: /VOTE\.FAILED/ }).click();
    await page.getByTestId('inspector-state').waitFor();
    expect(await page.getByTestId('state-id').inputValue()).toBe('meeting');

    // Fix: failed → back to the proposal for revision, no quorum → meet again.
    await selectVal(page.getByTestId('new-transition-event'), 'VOTE.FAILED');
    await selectVal(page.getByTestId('new-transition-target'), 'proposal');
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
  });

  it('checks a guard as it is typed, and keeps one that does not check out of the flow', async () => {
    // A guard is checked as it is typed; one that does not check stays out of the flow.
    // The whole flow in view first, as for a step (clickNode): a label outside the canvas cannot be clicked.
    await fitCanvas(page);
    await page.locator('.ed-label[data-edge="meeting#VOTE.PASSED#0"]').click();
    await page.getByTestId('inspector-transition').waitFor();
    await page.getByTestId('transition-guard').fill('vote.for >');
    await page.getByTestId('inspector-transition').locator('.ed-problem').waitFor();
    expect(await page.getByTestId('inspector-transition').locator('.ed-problem').textContent()).toMatch(/^条件“vote\.for >”有误：/);
    expect(await page.getByTestId('transition-guard').getAttribute('aria-invalid')).toBe('true');
    await page.getByTestId('transition-guard').fill('vote.for > 3');
    await page.waitForFunction(() => !document.querySelector('[data-testid="inspector-transition"] .ed-problem'));
    await page.getByTestId('transition-guard').fill('');
    await clickNode(page, 'meeting');
  });

  it("refuses to publish a representatives' vote under a 2/3 quorum", async () => {
    // A quorum under 2/3 for a representatives' meeting is unlawful: publishing is refused.
    await page.getByTestId('vote-quorum-ratio').fill('1/2');
    await page.waitForFunction(() => document.querySelector('.ed-node[data-state="meeting"]')?.getAttribute('data-issue') === 'statutory');
    expect((await issueLevels(page)).some((l) => l.startsWith('statutory') && l.includes('三分之二'))).toBe(true);
    expect(await page.getByTestId('publish').isDisabled()).toBe(true);
    await page.getByTestId('vote-quorum-ratio').fill('2/3');
    await page.getByTestId('no-issues').waitFor();
    expect(await page.getByTestId('publish').isDisabled()).toBe(false);
  });

  it('renaming a step renames every transition into it', async () => {
    // Renaming a step renames every transition into it.
    await clickNode(page, 'end');
    await page.getByTestId('state-id').fill('adopted');
    await page.getByTestId('state-id').press('Enter');
    await node(page, 'adopted').waitFor();
    expect(await node(page, 'end').count()).toBe(0);
    await page.getByTestId('no-issues').waitFor();
    // The edge into the renamed step is drawn once that new node is measured and laid out.
    await settleCanvas(page);
    expect(await page.locator('[data-testid="editor-canvas"] .ed-label[data-edge="meeting#VOTE.PASSED#0"]').count()).toBe(1);
  });

  it('adds a timer of 10 working days, refusing weeks and a second timer of the same length', async () => {
    // A timer: a meeting not held within 10 working days sends the matter back to the proposal.
    // Weeks cannot be counted in working days: refused with the reason, until it is days.
    await clickNode(page, 'meeting');
    const adder = page.getByTestId('timer-adder');
    await adder.getByLabel('单位').selectOption('W');
    await adder.getByTestId('new-timer-calendar').selectOption('working');
    await adder.getByTestId('new-timer-target').selectOption('proposal');
    expect(await adder.getByTestId('new-timer-problem').textContent()).toBe('按工作日计算时只能用整天数（例如 5 天）。');
    expect(await adder.getByTestId('add-timer').isDisabled()).toBe(true);
    await adder.getByLabel('单位').selectOption('D');
    await adder.getByTestId('new-timer-amount').fill('10');
    expect(await adder.getByTestId('new-timer-problem').count()).toBe(0);
    await adder.getByTestId('add-timer').click();
    await page.locator('[data-testid="editor-canvas"] .ed-label[data-edge="meeting:after:P10D"]').waitFor();
    expect(await page.getByTestId('transition-list').getByRole('button', { name: /^10个工作日后 → 维修提议/ }).count()).toBe(1);
    await page.getByTestId('no-issues').waitFor();
    // The same length twice is refused.
    await adder.getByTestId('new-timer-target').selectOption('adopted');
    expect(await adder.getByTestId('new-timer-problem').textContent()).toBe('本步骤已有相同时长的计时流转。');
    await adder.getByTestId('new-timer-target').selectOption('');
    await clickNode(page, 'adopted');
  });

  it('shows the canvas, the inspector of the vote and the form designer beside its preview (screenshots)', async () => {
    // Screenshots: the whole canvas, and the inspector of the vote.
    await page.locator('.react-flow__controls-fitview').click();
    await settleCanvas(page);
    await shot(page, 'designer-canvas');
    await shotOf(page.getByTestId('editor-canvas'), 'designer-canvas-detail');
    // The inspector of the vote, from its top (the side panel scrolls on its own).
    await clickNode(page, 'meeting');
    await page.locator('.ed-side').evaluate((el) => el.scrollTo(0, 0));
    await shotOf(page.locator('.ed-side'), 'designer-inspector');
    await page.getByTestId('vote-part').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shotOf(page.locator('.ed-side'), 'designer-inspector-vote');

    // The task's form in the form designer, its live preview beside it: on a narrower screen the
    // side panel goes under the canvas and has room for both; unrolled to show the whole form.
    await clickNode(page, 'proposal');
    await page.setViewportSize({ width: 1100, height: 950 });
    const unroll = await page.addStyleTag({ content: '.ed-side { max-height: none !important; overflow: visible !important; position: static !important; } .fd2-preview { position: static !important; }' });
    const formDesigner = page.getByTestId('form-designer');
    await formDesigner.getByTestId('form-preview').getByLabel(/^维修内容/).fill('村东路K0+300至K0+800段路面破损，重铺水泥混凝土路面');
    const formPart = page.getByTestId('inspector-state').locator('.ed-form-part');
    await formPart.scrollIntoViewIfNeeded();
    const box = (await formPart.boundingBox())!;
    const scrolled = await page.evaluate(() => window.scrollY);
    // A margin round the fieldset: its legend sits on the border, half outside the box.
    await shot(page, 'designer-form', { x: box.x - 12, y: box.y + scrolled - 16, width: box.width + 24, height: box.height + 28 });
    await unroll.evaluate((el) => (el as unknown as { remove(): void }).remove());
    await page.setViewportSize({ width: 1500, height: 950 });
  });

  it('simulates the flow to its end: the canvas marks the path, the outcome shows', async () => {
    // Simulate the flow to its end: the secretary fills the four fields, the clerk records a
    // meeting that has its 2/3 quorum and passes; the canvas marks the path, the outcome shows.
    await page.getByTestId('tab-simulate').click();
    const sim = page.getByTestId('simulator');
    await sim.getByTestId('sim-start').click();
    await sim.locator('[data-testid="sim-status"][data-state="proposal"]').waitFor();
    await page.waitForFunction(() => document.querySelector('.ed-node[data-state="proposal"]')?.getAttribute('data-onpath') === 'true');
    await sim.getByLabel(/^事项名称/).fill('修村东路');
    await sim.getByLabel(/^维修内容/).fill('重铺村东路破损路面500米');
    await sim.getByLabel(/^预算/).fill('52000');
    await sim.getByLabel(/^计划开工日期/).fill('2026-05-10');
    await sim.getByRole('button', { name: '提交', exact: true }).click();
    await sim.locator('[data-testid="sim-status"][data-state="meeting"]').waitFor();
    expect(await sim.getByTestId('sim-role').inputValue()).toBe('clerk');
    const simMeeting = sim.getByTestId('meeting-record');
    // 21 of 30 present is 7/10 ≥ 2/3; 18 of 21 for.
    await fillMeeting(simMeeting, { members: 30, eligible: 30, recused: 0, present: 21, for: 18, against: 2, abstain: 1 });
    await expectText(simMeeting.getByTestId('live-outcome'), '→ 通过');
    await simMeeting.getByRole('button', { name: '提交会议记录' }).click();
    const simDone = sim.locator('[data-testid="sim-status"][data-state="adopted"][data-status="done"]');
    await simDone.waitFor();
    expect(await sim.getByTestId('sim-outcome').textContent()).toBe('已通过并实施');
    await page.locator('[data-testid="editor-canvas"] .ed-node[data-state="adopted"][data-onpath="true"]').waitFor();
    expect(await page.locator('[data-testid="editor-canvas"] .ed-node[data-onpath="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')).sort())).toEqual(['adopted', 'meeting', 'proposal']);
    const simHistory = await sim.getByTestId('sim-history').locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
    expect(simHistory).toEqual(['START', 'SUBMIT', 'RECORD_VOTE']);
    await shot(page, 'designer-simulate');
    await page.getByTestId('tab-inspector').click();
  });

  it('saves the draft, then publishes it for no village, and it says so; a published version is frozen', async () => {
    // Save the draft: the address becomes the version's; then publish.
    await page.getByTestId('save-draft').click();
    await page.waitForURL(/\/designer\/edit\/\d+$/);
    await page.getByTestId('editor-message').waitFor();
    expect(await page.getByTestId('editor-status').textContent()).toBe('草稿');
    // Publishing asks which villages: a new flow offers every village; untick them all, and it says
    // that no village can start it then.
    await page.getByTestId('publish').click();
    const chooser = page.getByTestId('publish-villages');
    for (const name of ['东坪村', '西岭村', '南湾社区']) await chooser.getByLabel(name).uncheck();
    await chooser.getByText('没有选择任何村').waitFor();
    await page.getByTestId('publish-confirm').click();
    await page.getByTestId('editor-status').filter({ hasText: '已发布' }).waitFor();
    expect(await page.getByTestId('editor-message').textContent()).toContain('尚未在任何村启用');
    // A published version is frozen: the editor offers a new version number.
    expect(await page.getByTestId('save-draft').isDisabled()).toBe(true);
    await page.getByTestId('bump-version').waitFor();
    await shot(page, 'designer-published');
  });

  it('gives it to 东坪村', async () => {
    // Give it to 东坪村.
    await page.getByTestId('villages-panel').locator('summary').click();
    await page.getByTestId('villages-panel').getByLabel('东坪村').check();
    await page.getByTestId('save-villages').click();
    await page.getByTestId('villages-panel').getByRole('status').waitFor();
  });

  it('exports a flow file the command line accepts', async () => {
    // What the designer exports is a flow file the command line accepts.
    const dir = mkdtempSync(join(tmpdir(), 'villageflow-export-'));
    try {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()]);
      expect(download.suggestedFilename()).toBe('village-road-repair.flow.json');
      const file = join(dir, download.suggestedFilename());
      await download.saveAs(file);
      const exported = JSON.parse(readFileSync(file, 'utf8'));
      expect(Object.keys(exported.states)).toEqual(['proposal', 'meeting', 'adopted']);
      expect(exported.states.meeting.vote.quorum).toEqual({ of: 'all', op: '>=', ratio: '2/3' });
      expect(exported.states.meeting.after).toEqual({ P10D: { target: 'proposal', calendar: 'working' } });
      // The form's fields are declared in the data part it saves to, titles and all.
      expect(exported.data.properties.proposal.properties).toEqual(exported.states.proposal.form.schema.properties);
      const cli = spawnSync(process.execPath, ['cli/bin.js', 'validate', file], { encoding: 'utf8' });
      expect(cli.stderr).toBe('');
      expect(cli.stdout).toBe(`ok ${file}\n`);
      expect(cli.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await page.close();
  });

  it("东坪村's secretary starts it from the inbox and fills the form", async () => {
    // 东坪村 runs it in the web app: the secretary starts it from the inbox and fills the form…
    const secretary = await visit(env.browser, env.s, 'dongping.secretary');
    await secretary.page.getByRole('heading', { name: '我的待办' }).waitFor();
    const starting = secretary.page.getByRole('region', { name: '发起新事项' });
    await starting.getByRole('option', { name: '村道维修' }).waitFor({ state: 'attached' });
    await starting.getByLabel('选择流程').selectOption({ label: '村道维修' });
    await starting.getByLabel('事项名称').fill(MATTER);
    await starting.getByRole('button', { name: '发起' }).click();
    await expectStep(secretary.page, 'proposal', '当前：维修提议');
    id = secretary.page.url().split('/instances/')[1]!;
    await secretary.page.getByLabel('事项名称').fill('重铺村东路路面');
    await secretary.page.getByLabel('维修内容').fill('村东路K0+300至K0+800段路面破损，重铺水泥混凝土路面500米');
    await secretary.page.getByLabel('预算（元）').fill('52000');
    await secretary.page.getByLabel('计划开工日期').fill('2026-05-10');
    await secretary.page.getByRole('button', { name: '提交', exact: true }).click();
    await expectStep(secretary.page, 'meeting', '当前：村民代表会议表决');
    await secretary.close();
  });

  it("the clerk records the representatives' meeting: quorum met, passed, the matter is done", async () => {
    // …the clerk records the representatives' meeting: quorum met, passed, the matter is done.
    const clerk = await visit(env.browser, env.s, 'dongping.clerk');
    await openFromInbox(clerk.page, MATTER, '村民代表会议表决');
    const record = clerk.page.getByTestId('meeting-record');
    // The representatives' roster of 东坪村 gives the members (33): 24 present is at least two thirds; 20 of 24 for.
    await fillMeeting(record, { members: 33, eligible: 33, recused: 0, present: 24, for: 20, against: 3, abstain: 1 });
    await expectText(record.getByTestId('live-outcome'), '→ 通过');
    await record.getByRole('button', { name: '提交会议记录' }).click();
    await inState(clerk.page, 'adopted');
    expect(await clerk.page.getByTestId('outcome').textContent()).toBe('结果: 已通过并实施');
    // The recorded data reads with the form's titles (the data schema has them), not the keys.
    const recorded = clerk.page.getByRole('region', { name: '已登记的信息' });
    await recorded.getByText('计划开工日期').waitFor();
    expect(await recorded.getByText('start_date').count()).toBe(0);
    await shot(clerk.page, 'designer-new-flow-done');
    await clerk.close();

    const view = await (await env.s.as('dongping.clerk')).instances.get.query({ id });
    expect(view.instance).toMatchObject({ flowId: 'village-road-repair', state: 'adopted', status: 'done', outcome: 'adopted' });
    expect(view.data.proposal).toMatchObject({ subject: '重铺村东路路面', budget: 52000, start_date: '2026-05-10' });
    expect(view.votes.meeting).toMatchObject({ outcome: 'passed', members: 33, eligible: 33, present: 24, for: 20, roster: { members: 33, voting: 33 } });
  });
});

describe('flow designer: imports and copies', () => {
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
    // The whole flow in view before a step is clicked (under load a click once missed it).
    await fitCanvas(page);
    await page.locator('[data-testid="editor-canvas"] .ed-node[data-state="representatives_meeting"]').click();
    await page.getByTestId('inspector-state').waitFor();
    await settleCanvas(page);
    await shot(page, 'designer-en');
    await page.getByLabel(/语言|Language/).selectOption('zh');
    await page.close();
  }, 60_000);
});
