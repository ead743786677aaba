// The audit replay and the public board in a real browser: an auditor replays an instance step by
// step, sees its chain verified and downloads a bundle the CLI verifies offline; a signed-out
// villager reads a village's board, with a QR code of each notice's record hash, and prints it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { HistoryRecord } from '../../engine/index.ts';
import { startTestServer, type TestServer } from '../server/harness.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { main } from '../../cli/villageflow.ts';
import { buildWebApp, launch, shot, signIn, TEST_NOW, WEB_ROOT } from './browser.ts';

let s: TestServer;
let browser: Browser;
let dir: string;
beforeAll(async () => {
  buildWebApp();
  s = await startTestServer({ webRoot: WEB_ROOT, start: TEST_NOW });
  browser = await launch();
  dir = mkdtempSync(join(tmpdir(), 'villageflow-bundle-'));
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function replayStep(page: Page): Promise<number> {
  return Number(await page.getByTestId('replay').getAttribute('data-step'));
}

async function waitForStep(page: Page, n: number): Promise<void> {
  await page.locator(`[data-testid="replay"][data-step="${n}"]`).waitFor();
}

// In order: each step goes on from where the one before left the auditor's page.
describe('audit replay: the chain verified, every step replayed with what changed, a bundle the CLI verifies', () => {
  let page: Page;
  let records: HistoryRecord[];
  let diff: Locator;

  it('verifies the chain and shows its head', async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, s.url, 'qs.auditor', DEMO_PASSWORD);
    await page.goto(`${s.url}/audit/demo-dongping-road`);

    records = await s.store.history('demo-dongping-road');
    const verify = page.getByTestId('verify');
    await page.getByText(`链条完整 · 已验证 ${records.length} 条记录`).waitFor();
    expect(await verify.getAttribute('data-ok')).toBe('true');
    expect(await verify.locator('code').textContent()).toBe(records.at(-1)!.hash);
  });

  it('the timeline has one row per record: who, by name with the id beside it, their role and the step after', async () => {
    // The timeline: one row per record, with who (id and role) and the step after.
    const rows = page.getByTestId('timeline').locator('tbody tr');
    expect(await rows.count()).toBe(records.length);
    // Who, by name, the id beside it.
    await rows.nth(1).getByTestId('actor-name').filter({ hasText: '东坪村党组织书记' }).waitFor();
    expect(await rows.nth(1).textContent()).toContain('dongping-secretary');
    expect(await rows.nth(1).textContent()).toContain('村党组织书记');
    expect(await rows.nth(1).textContent()).toContain('两委商议');
  });

  it('replays step by step: the start records no data, step 2 adds the proposal, step 3 the meeting and its quorum', async () => {
    // Replay: step 1 starts the flow and records no data; step 2 adds the proposal; step 3 the meeting.
    diff = page.getByTestId('diff');
    expect(await replayStep(page)).toBe(1);
    await diff.getByText('此步未改变已登记的数据').waitFor();
    await page.getByRole('button', { name: /下一步/ }).click();
    await waitForStep(page, 2);
    await diff.locator('[data-kind="added"]').first().waitFor();
    expect(await diff.textContent()).toContain('党支部提议表');
    expect(await diff.textContent()).toContain('硬化村东组通组道路');
    expect(await diff.textContent()).toContain('386,000');
    expect(await page.getByTestId('step-detail').textContent()).toContain('「党支部提议」→「两委商议」');
    await shot(page, 'audit-replay-step2');

    await page.getByRole('button', { name: /下一步/ }).click();
    await waitForStep(page, 3);
    expect(await diff.textContent()).toContain('村“两委”联席会议');
    expect(await diff.textContent()).not.toContain('党支部提议表');
    await diff.getByTestId('vote-summary').waitFor();
    const meeting = await page.getByTestId('step-detail').textContent();
    expect(meeting).toContain('法定人数：实到 6 人');
    expect(meeting).toContain('已满足');
    await shot(page, 'audit-test-replay-zh');
  });

  it('steps back with the keyboard and the button; a timeline row jumps straight to its step', async () => {
    // Back with the keyboard, then with the button; a timeline row jumps straight to its step.
    await page.getByRole('heading', { name: '逐步回放' }).click();
    await page.keyboard.press('ArrowLeft');
    await waitForStep(page, 2);
    expect(await diff.textContent()).toContain('党支部提议表');
    await page.getByRole('button', { name: /上一步/ }).click();
    await waitForStep(page, 1);
    await diff.getByText('此步未改变已登记的数据').waitFor();
    await page.keyboard.press('End');
    await waitForStep(page, records.length);
    await page.getByRole('button', { name: '回放到第 3 条记录' }).click();
    await waitForStep(page, 3);
  });

  it('reads in English', async () => {
    await page.getByLabel(/语言|Language/).selectOption('en');
    await page.getByText(`Chain intact · ${records.length} records verified`).waitFor();
    await page.getByRole('heading', { name: 'Step-by-step replay' }).waitFor();
    expect(await diff.textContent()).toContain('Joint meeting of the two village committees');
    await shot(page, 'audit-test-replay-en');
  });

  it('the bundle, as downloaded, verifies offline and ends in the head the page showed', async () => {
    // The bundle, as downloaded, verifies offline, and ends in the head the page showed.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-bundle').click()]);
    expect(download.suggestedFilename()).toBe('demo-dongping-road.bundle.json');
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await main(['verify', file], io), err.join('\n')).toBe(0);
    expect(out).toEqual([`verified ${records.length} records`]);
    expect(await main(['verify', file, '--head', records.at(-1)!.hash], io), err.join('\n')).toBe(0);
    await page.close();
  });
});

describe('public board', () => {
  it('shows a village’s notices signed out, with QR codes of their record hashes, and prints them', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${s.url}/board/dongping`);
    await page.getByRole('heading', { name: '东坪村 村务公开' }).waitFor();
    expect(await page.getByTestId('who').count()).toBe(0);
    // The village picker lists the township's villages, the current one marked.
    const nav = page.getByRole('navigation', { name: '村（社区）' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(expect.arrayContaining(['东坪村', '西岭村', '南湾社区']));
    expect(await nav.locator('[aria-current="page"]').textContent()).toBe('东坪村');

    // demo-dongping-pond is in its implementation-result disclosure: on the board now.
    const pondHashes = new Set((await s.store.history('demo-dongping-pond')).map((r) => r.hash));
    const notices = page.getByTestId('notice');
    expect(await notices.count()).toBe(1);
    const notice = notices.first();
    expect(pondHashes.has((await notice.getAttribute('data-hash'))!)).toBe(true);
    const text = (await notice.textContent())!;
    for (const expected of ['实施结果公开', '公示期：', '事项名称', '硬化村东组通组道路', '预算金额（元）', '386,000', '组织实施情况', '村民代表会议', '赞成', '已满足']) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain('{"');
    expect(await notice.locator('code.notice-hash').textContent()).toBe(await notice.getAttribute('data-hash'));
    const qr = notice.getByTestId('qr');
    await qr.waitFor();
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    // What was disclosed before: its resolution disclosure, ended.
    expect(await page.getByTestId('past').locator('tbody tr').count()).toBeGreaterThan(0);
    await shot(page, 'board-test-zh');

    await page.getByLabel(/语言|Language/).selectOption('en');
    await page.getByRole('heading', { name: 'Disclosed now' }).waitFor();
    expect(await notice.textContent()).toContain('Disclosure of results');
    await shot(page, 'board-test-en');

    // Printed: no header, no village picker, no buttons; the notice with its QR code.
    await page.getByLabel(/语言|Language/).selectOption('zh');
    await page.getByRole('heading', { name: '正在公示' }).waitFor();
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.board-header').isVisible()).toBe(false);
    expect(await nav.isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: '打印公告' }).isVisible()).toBe(false);
    expect(await notice.isVisible()).toBe(true);
    expect(await qr.isVisible()).toBe(true);
    await shot(page, 'board-print');
    // On paper (A4, the stylesheet's @page), each notice takes exactly one page.
    const pdf = await page.pdf({ preferCSSPageSize: true });
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length).toBe(await notices.count());
    await context.close();
  });

  it('lets a reader pick a village from /board', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${s.url}/board`);
    await page.getByText('请选择要查看的村（社区）').waitFor();
    await page.getByRole('link', { name: '南湾社区' }).click();
    await page.getByRole('heading', { name: '南湾社区 村务公开' }).waitFor();
    await page.getByText('目前没有正在公示的事项').waitFor();
    expect(await page.getByTestId('past').locator('tbody tr').count()).toBe(2);
    await context.close();
  });
});

describe('audit of an edited chain', () => {
  it('names the first record that does not verify, and replays only what does', async () => {
    const id = 'demo-xiling-square';
    const records = await s.store.history(id);
    const target = records.find((r) => r.type === 'RECORD_VOTE')!;
    // An attacker with the database file drops the append-only trigger and edits a meeting's count.
    s.store.db.exec('DROP TRIGGER history_no_update');
    s.store.db.prepare('UPDATE history SET payload = ? WHERE instance_id = ? AND seq = ?').run(JSON.stringify({ ...target.payload, for: 7, abstain: 0 }), id, target.seq);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, s.url, 'qs.auditor', DEMO_PASSWORD);
    await page.goto(`${s.url}/audit/${id}`);
    const verify = page.getByTestId('verify');
    await page.getByText(`链条不完整：第 ${target.seq} 条记录未通过核验`).waitFor();
    expect(await verify.getAttribute('data-ok')).toBe('false');
    expect(await verify.textContent()).toContain('it was edited');
    // The timeline still lists every stored record, the edited one marked; the replay stops before it.
    const rows = page.getByTestId('timeline').locator('tbody tr');
    expect(await rows.count()).toBe(records.length);
    expect(await page.getByTestId('timeline').locator('tr[data-verified="true"]').count()).toBe(target.seq - 1);
    expect(await rows.nth(target.seq - 1).textContent()).toContain('未通过核验');
    expect(await page.getByTestId('replay').getByText(`第 1 步 / 共 ${target.seq - 1} 步`).count()).toBe(1);
    await shot(page, 'audit-tampered');
    await page.close();
  });
});
