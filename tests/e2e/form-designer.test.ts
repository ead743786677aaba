// The form designer and the simulator in a real browser, inside the flow editor, as the township
// admin: add a yes/no question and a text shown only when it is answered “yes”, move it with the
// keyboard, see the live preview in both languages and the form JSON follow; then simulate the
// edited flow: start, fill the new form, record three meetings, let the disclosure period run out,
// watch the canvas mark the path, and save the run as a golden test case the engine replays.
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { baselineCalendar, compileFlow, simulate, type Flow, type FlowEvent } from '../../engine/index.ts';
import { shot, signIn, browserSuite, expectTexts, TAKE_SCREENSHOTS } from './browser.ts';
import { readFlowJson } from '../helpers.ts';
import { setForm } from '../../designer/editor/formData.ts';

const env = browserSuite();

const FLOW = 'four-deliberations-two-disclosures';

async function openEditor(page: Page): Promise<number> {
  page.setDefaultTimeout(10_000);
  await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
  const admin = await env.s.as('qs.admin');
  const versions = await admin.flows.list.query({ flowId: FLOW });
  const id = versions.find((v) => v.status === 'published')!.id;
  await page.goto(`${env.s.url}/designer/edit/${id}`);
  await page.getByTestId('editor').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="editor-canvas"] .react-flow__node').length > 5);
  return id;
}

/** The whole page, then the side panel alone, unrolled (it scrolls on its own in the editor); when the run takes screenshots. */
async function panelShots(page: Page, name: string): Promise<void> {
  if (!TAKE_SCREENSHOTS) return;
  const style = await page.addStyleTag({ content: '.ed-side { max-height: none !important; overflow: visible !important; position: static !important; }' });
  await shot(page, name);
  const box = (await page.locator('.ed-side').boundingBox())!;
  const scroll = await page.evaluate(() => window.scrollY);
  for (let y = 0, part = 1; y < box.height; y += 1000, part++) {
    const clip = { x: box.x, y: box.y + scroll + y, width: box.width, height: Math.min(1000, box.height - y) };
    await shot(page, `${name}-panel-${part}`, clip);
  }
  await style.evaluate((el) => (el as unknown as { remove(): void }).remove());
}

async function pickNames(designer: Locator): Promise<string[]> {
  return designer.locator('.fd2-list').first().locator(':scope > li .fd2-name').allTextContents();
}

async function recordMeeting(sim: Locator, counts: Record<string, string>): Promise<void> {
  const form = sim.getByTestId('meeting-record');
  await form.getByLabel('组成人员（应到）').fill(counts.members!);
  await form.getByLabel('有表决权人数').fill(counts.eligible!);
  await form.getByLabel('回避').fill('0');
  await form.getByLabel('实到人数').fill(counts.present!);
  await form.getByLabel('赞成', { exact: true }).fill(counts.for!);
  await form.getByLabel('反对').fill('0');
  await form.getByLabel('弃权').fill('0');
  await form.getByRole('button', { name: '提交会议记录' }).click();
}

// One journey in order: each step goes on from where the one before left the form and the page.
describe('form designer and simulator: a conditional question designed, previewed, and the edited flow simulated to a golden run', { timeout: 60_000 }, () => {
  let page: Page;
  const errors: string[] = [];
  let designer: Locator;
  let preview: Locator;
  let editor: Locator;
  let form: ReturnType<typeof JSON.parse>; // the form JSON as the designer wrote it
  let sim: Locator;

  it('shows the bundled proposal form field by field, and as a villager sees it', async () => {
    page = await env.browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await openEditor(page);
    await page.locator('[data-testid="editor-canvas"] .ed-node[data-state="proposal"] .fd-node-title').click();
    await page.getByTestId('inspector-state').waitFor();
    designer = page.getByTestId('form-designer');
    await designer.waitFor();
    preview = designer.getByTestId('form-preview');

    // The bundled proposal form, field by field, and as a villager sees it.
    expect(await pickNames(designer)).toEqual(['动议来源', '事项名称', '事项类别', '事项内容', '预算金额', '支委会会议日期', '支委会纪要']);
    await preview.getByLabel(/^事项名称/).waitFor();
    expect(await designer.getByLabel('提交后保存到').inputValue()).toBe('/proposal');
  });

  it('adds a yes/no question after the picked last field, and a long text shown only when the answer is yes', async () => {
    // Pick the last field, then add a yes/no question after it.
    await designer.locator('[data-pick="branch_minutes"]').click();
    await designer.getByLabel('新字段类型').selectOption('yesNo');
    await designer.getByRole('button', { name: '添加字段' }).click();
    editor = designer.locator('.fd2-editor').first();
    await editor.getByLabel('名称（中文）').fill('是否占用耕地');
    await editor.getByLabel('名称（英文，可不填）').fill('Uses farmland');
    await editor.getByLabel('字段标识').fill('farmland');
    await editor.getByLabel('必填').check();
    // A long text shown only when the answer is yes.
    await designer.getByLabel('新字段类型').selectOption('longText');
    await designer.getByRole('button', { name: '添加字段' }).click();
    await editor.getByLabel('名称（中文）').fill('占地情况说明');
    await editor.getByLabel('名称（英文，可不填）').fill('Farmland details');
    await editor.getByLabel('填写说明（中文）').fill('写明地块、面积和补偿办法');
    await editor.getByLabel('字段标识').fill('farmland_details');
    await editor.getByLabel('必填').check();
    await editor.getByLabel('只在前面某一项选了特定答案时显示').check();
    await editor.getByLabel('当这一项').selectOption('farmland');
    await editor.getByLabel('选的是').selectOption('true');
    expect(await pickNames(designer)).toEqual(['动议来源', '事项名称', '事项类别', '事项内容', '预算金额', '支委会会议日期', '支委会纪要', '是否占用耕地', '占地情况说明']);
  });

  it('reorders by keyboard: Alt+↑ moves the picked field up and keeps the focus on it, Alt+↓ back', async () => {
    // Keyboard reordering: Alt+↑ moves the picked field up and keeps the focus on it.
    await designer.locator('[data-pick="farmland"]').focus();
    await page.keyboard.press('Alt+ArrowUp');
    await expectTexts(page, '[data-testid="form-designer"] .fd2-list', ':scope > li .fd2-name', ['动议来源', '事项名称', '事项类别', '事项内容', '预算金额', '支委会会议日期', '是否占用耕地', '支委会纪要', '占地情况说明']);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-pick'))).toBe('farmland');
    await page.keyboard.press('Alt+ArrowDown');
    await expectTexts(page, '[data-testid="form-designer"] .fd2-list', ':scope > li .fd2-name', ['动议来源', '事项名称', '事项类别', '事项内容', '预算金额', '支委会会议日期', '支委会纪要', '是否占用耕地', '占地情况说明']);
  });

  it('in the preview the condition holds only once “是” is chosen', async () => {
    // The preview: the condition holds only once “是” is chosen.
    const yes = preview.getByRole('radio', { name: '是', exact: true });
    await yes.waitFor();
    expect(await preview.getByLabel(/^占地情况说明/).count()).toBe(0);
    await yes.check();
    await preview.getByLabel(/^占地情况说明/).waitFor();
    expect(await preview.textContent()).toContain('写明地块、面积和补偿办法');
    await panelShots(page, 'form-designer');
    await preview.getByRole('button', { name: 'English' }).click();
    await preview.getByText('Uses farmland').waitFor();
    expect(await preview.getByRole('radio', { name: 'Yes', exact: true }).count()).toBe(1);
    expect(await preview.textContent()).toContain('Budget (yuan)');
    await preview.getByRole('button', { name: '中文' }).click();
  });

  it('adds a table of materials, rows of item and amount; the preview adds rows', async () => {
    // A table of materials: rows of item and amount; the preview adds rows.
    await designer.getByLabel('新字段类型').selectOption('table');
    await designer.getByRole('button', { name: '添加字段' }).click();
    await editor.getByLabel('名称（中文）').first().fill('用料清单');
    await editor.getByLabel('字段标识').first().fill('materials');
    const columns = editor.locator('.fd2-columns');
    await columns.getByLabel('新列类型').selectOption('money');
    await columns.getByRole('button', { name: '添加列' }).click();
    await columns.locator('.fd2-editor').getByLabel('名称（中文）').fill('金额');
    await columns.locator('.fd2-editor').getByLabel('字段标识').fill('amount');
    await preview.locator('.btn-add').click();
    await preview.getByLabel(/^金额（元）/).waitFor();
    await preview.getByLabel(/^项目/).fill('水泥');
  });

  it("edits a choice's options", async () => {
    // A choice's options, as the designer edits them.
    await designer.locator('[data-pick="source"]').click();
    expect(await editor.getByLabel('第 2 个选项的中文').inputValue()).toBe('村干部提出');
    expect(await editor.getByLabel('第 2 个选项保存的值').inputValue()).toBe('cadre');
    await panelShots(page, 'form-designer-options');
  });

  it('the form JSON in the flow follows: the question, and the text under an if/then, after the picked field', async () => {
    // The form JSON in the flow follows: the question, and the text under an if/then.
    await page.getByTestId('form-json-details').locator('summary').click();
    form = JSON.parse(await page.getByTestId('form-json').inputValue());
    expect(form.schema.properties.farmland).toMatchObject({ type: 'boolean', title: '是否占用耕地', 'x-en': { title: 'Uses farmland' } });
    expect(form.schema.required).toContain('farmland');
    expect(form.schema.allOf).toEqual([
      { if: { properties: { farmland: { const: true } }, required: ['farmland'] }, then: { properties: { farmland_details: expect.objectContaining({ title: '占地情况说明' }) }, required: ['farmland_details'] } },
    ]);
    // Added after the picked field (the yes/no question, picked when it was moved).
    expect(form.uiSchema['ui:order'].slice(-3)).toEqual(['farmland', 'materials', 'farmland_details']);
    expect(form.schema.properties.materials).toMatchObject({ type: 'array', items: { type: 'object', required: ['item'], properties: { amount: { type: 'number', minimum: 0, title: '金额（元）' } } } });
  });

  it('simulates the edited flow to its end: the new fields asked, the text required once shown, the path marked', async () => {
    // Simulate the edited flow.
    await page.getByTestId('tab-simulate').click();
    sim = page.getByTestId('simulator');
    await sim.getByTestId('sim-start').click();
    const status = sim.getByTestId('sim-status');
    await sim.locator('[data-testid="sim-status"][data-state="proposal"]').waitFor();
    await sim.getByLabel(/^动议来源/).selectOption({ label: '村干部提出' });
    await sim.getByLabel(/^事项名称/).fill('修建村东组通组道路');
    await sim.getByLabel(/^事项类别/).selectOption({ label: '公益事业建设' });
    await sim.getByLabel(/^事项内容/).fill('硬化道路1.2公里');
    await sim.getByLabel(/^预算金额/).fill('386000');
    await sim.getByLabel(/^支委会会议日期/).fill('2026-02-27');
    await sim.getByLabel(/^支委会纪要/).fill('支委会一致同意提议');
    await sim.getByRole('radio', { name: '是', exact: true }).check();
    // Required once shown: submitting without it is refused next to the field.
    await sim.getByRole('button', { name: '提交', exact: true }).click();
    await sim.locator('.has-error').first().waitFor();
    expect(await status.getAttribute('data-state')).toBe('proposal');
    await sim.getByLabel(/^占地情况说明/).fill('占用村东组耕地0.3亩，按标准补偿');
    await sim.getByRole('button', { name: '提交', exact: true }).click();
    await sim.locator('[data-testid="sim-status"][data-state="two_committees"]').waitFor();
    expect(await sim.getByTestId('sim-role').inputValue()).toBe('clerk');

    await recordMeeting(sim, { members: '7', eligible: '7', present: '6', for: '5' });
    await sim.locator('[data-testid="sim-status"][data-state="party_members_meeting"]').waitFor();
    await recordMeeting(sim, { members: '24', eligible: '22', present: '19', for: '17' });
    await sim.locator('[data-testid="sim-status"][data-state="representatives_meeting"]').waitFor();
    await recordMeeting(sim, { members: '33', eligible: '33', present: '29', for: '26' });
    await sim.locator('[data-testid="sim-status"][data-state="resolution_disclosure"]').waitFor();
    // A disclosure is nobody's task: villagers may object; the clock runs the period out.
    expect(await sim.getByTestId('sim-role').locator('option').allTextContents()).toContain('村民');
    await sim.getByTestId('sim-plus-day').click();
    expect(await status.getAttribute('data-state')).toBe('resolution_disclosure');
    await sim.getByTestId('sim-next-timer').click();
    await sim.locator('[data-testid="sim-status"][data-state="implementation"]').waitFor();
    expect(await status.textContent()).toContain('resolution_disclosure:disclosure');

    // The canvas marks the path taken.
    const marked = await page.locator('[data-testid="editor-canvas"] .ed-node[data-onpath="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(marked.sort()).toEqual(['implementation', 'party_members_meeting', 'proposal', 'representatives_meeting', 'resolution_disclosure', 'two_committees']);
    const history = await sim.getByTestId('sim-history').locator('li').allTextContents();
    expect(history).toHaveLength(6);
    expect(history[5]).toContain('系统');
  });

  it('saves the simulation as a golden test case that the engine replays against the edited flow to the same hashes', async () => {
    // Save as a golden test case: the download holds a run the engine replays to the same hashes.
    await sim.getByLabel('用例名称（英文）').fill('farmland happy path');
    const saved = page.waitForEvent('download');
    await sim.getByTestId('sim-save').click();
    await saved;
    const link = sim.getByTestId('sim-download');
    expect(await link.getAttribute('download')).toBe(`${FLOW}.farmland-happy-path.run.json`);
    const run = JSON.parse(await page.evaluate(async (href) => (await fetch(href)).text(), (await link.getAttribute('href'))!)) as { flow: string; events: FlowEvent[]; expect: { final: string; hashes: string[] } };
    expect(run.flow).toBe(`${FLOW}.flow.json`);
    expect(run.expect.final).toBe('implementation');
    expect(run.events.map((e) => e.type)).toEqual(['START', 'SUBMIT', 'RECORD_VOTE', 'RECORD_VOTE', 'RECORD_VOTE', 'TIMER']);
    expect(run.events[1]!.payload).toMatchObject({ farmland: true, farmland_details: '占用村东组耕地0.3亩，按标准补偿', budget: 386000 });
    await panelShots(page, 'simulator');

    // The engine replays it against the flow as edited: the bundled flow with the new form, its
    // new fields declared in the proposal part of the data schema too.
    const edited = setForm(readFlowJson(`flows/${FLOW}.flow.json`) as unknown as Flow, 'proposal', form);
    const declared = (edited.data.$defs as Record<string, { properties: Record<string, unknown> }>).proposal!.properties;
    expect(declared.farmland).toEqual(form.schema.properties.farmland);
    expect(declared.materials).toEqual(form.schema.properties.materials);
    // On the calendar the designer's simulation counts on (the baseline, provisional years beyond).
    const steps = simulate(compileFlow(edited), run.events, { calendar: baselineCalendar() });
    expect(steps.map((x) => x.record.hash)).toEqual(run.expect.hashes);
    expect(errors).toEqual([]);
    await page.close();
  });
});
