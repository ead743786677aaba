// The township overview in a real browser: the township admin sees the three demo villages with
// their counts (an overdue one highlighted) and the recharts chart of the slowest steps, in Chinese,
// in English, and on a phone-sized screen.
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../server/harness.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { STATS_CSV_HEADERS } from '../../server/matters/stats.ts';
import { buildWebApp, expectText, launch, shot, signIn, TEST_NOW, WEB_ROOT } from './browser.ts';

let s: TestServer;
let browser: Browser;
let expected: Awaited<ReturnType<Awaited<ReturnType<TestServer['as']>>['stats']['overview']['query']>>;
beforeAll(async () => {
  buildWebApp();
  s = await startTestServer({ webRoot: WEB_ROOT, start: TEST_NOW });
  // Three weeks pass: disclosure periods end and open steps run past their deadlines.
  s.clock.advance(21 * 86400_000);
  await s.scheduler.tick();
  expected = await (await s.as('qs.admin')).stats.overview.query();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function villageRows(page: Page) {
  return page.getByTestId('overview-villages').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent?.trim())));
}

describe('township overview', () => {
  it('shows the villages and the slowest steps, in Chinese then English', async () => {
    expect(expected.township.overdue).toBeGreaterThan(0);
    const page = await browser.newPage();
    await signIn(page, s.url, 'qs.admin', DEMO_PASSWORD);
    await page.getByRole('link', { name: '镇街总览' }).click();
    await page.getByRole('heading', { name: '镇街总览', level: 1 }).waitFor();
    await page.getByTestId('overview-villages').waitFor();

    expect(await villageRows(page)).toEqual(expected.villages.map((v) => [v.name, String(v.running), String(v.done), v.overdue ? `⚠${v.overdue}` : '0']));
    expect((await villageRows(page)).map((r) => r[0])).toEqual(['东坪村', '南湾社区', '西岭村']);
    expect(await page.locator('.overdue-cell').count()).toBeGreaterThan(0);

    const chart = page.getByTestId('slow-steps-chart');
    await chart.locator('.recharts-responsive-container svg.recharts-surface').waitFor();
    const top = Math.min(10, expected.township.steps.length);
    expect(await chart.locator('.recharts-bar-rectangle').count()).toBe(top);
    // The slowest step's Chinese title labels the chart, and the accessible table carries the numbers.
    const slowest = expected.township.steps[0]!;
    await expectText(chart.locator('.overview-step-label').first(), slowest.title.zh);
    const table = page.getByRole('table', { name: /办理最慢的步骤/ });
    expect(await table.locator('tbody tr').count()).toBe(top);
    expect(await table.locator('tbody tr').first().locator('th').textContent()).toBe(slowest.title.zh);
    await shot(page, 'overview-zh');

    await page.getByLabel(/语言|Language/).selectOption('en');
    await page.getByRole('heading', { name: 'Township overview', level: 1 }).waitFor();
    await expectText(chart.locator('.overview-step-label').first(), slowest.title.en!);
    expect(await page.getByRole('table', { name: /The slowest steps/ }).locator('tbody tr').first().locator('th').textContent()).toBe(slowest.title.en);
    await shot(page, 'overview-en');

    // One village's steps only.
    await page.getByLabel('Show').selectOption('nanwan');
    const nanwan = expected.villages.find((v) => v.id === 'nanwan')!;
    const bars = Math.min(10, nanwan.steps.length);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="slow-steps-chart"] .recharts-bar-rectangle').length === n, bars);
    expect(await chart.locator('.recharts-bar-rectangle').count()).toBe(bars);
    await page.close();
  });

  it('shows completion and time per village and item, and downloads every figure as a CSV spreadsheet', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, s.url, 'qs.admin', DEMO_PASSWORD);
    await page.goto(`${s.url}/overview`);
    const villages = page.getByTestId('figures-villages');
    await villages.waitFor();
    const rows = await villages.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent?.trim() ?? '')));
    expect(rows.map((r) => [r[0], r[1]])).toEqual(expected.villages.map((v) => [v.name, String(v.figures.started)]));
    const pct = (r: number | null, n: number, of: number) => (r === null ? '—' : `${Math.round(r * 100)}% (${n}/${of})`);
    expect(rows.map((r) => r[2])).toEqual(expected.villages.map((v) => pct(v.figures.completion, v.figures.done, v.figures.started)));
    expect(await page.getByTestId('figures-items').locator('tbody tr').count()).toBe(expected.breakdown.length);
    expect(await page.getByTestId('figures-rule').textContent()).toContain('90%用时');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出统计表（CSV）' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^青山镇-办理统计-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const parsed = Papa.parse<string[]>(csv.slice(1), { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const [header, ...data] = parsed.data;
    expect(header).toEqual([...STATS_CSV_HEADERS]);
    expect(data[0]!.slice(0, 6)).toEqual(['全镇', '青山镇', '', '', String(expected.township.figures.started), String(expected.township.figures.done)]);
    expect(data.filter((r) => r[0] === '村（社区）').map((r) => [r[1], r[4], r[5]])).toEqual(expected.villages.map((v) => [v.name, String(v.figures.started), String(v.figures.done)]));
    const stepRows = data.filter((r) => r[0] === '步骤');
    expect(stepRows).toHaveLength(expected.township.steps.length + expected.villages.reduce((n, v) => n + v.steps.length, 0));
    const slowest = expected.township.steps[0]!;
    expect(stepRows[0]!.slice(1, 4)).toEqual(['青山镇', slowest.flowTitle.zh, slowest.title.zh]);
    expect(stepRows[0]![14]).toBe((Math.round(slowest.p90Ms / 360_000) / 10).toFixed(1));
    await page.getByRole('status').filter({ hasText: '已导出' }).waitFor();
    await page.getByTestId('figures-villages').scrollIntoViewIfNeeded();
    await shot(page, 'overview-figures');
    await page.close();
  });

  it('is readable on a phone', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    await signIn(page, s.url, 'qs.reviewer', DEMO_PASSWORD);
    await page.goto(`${s.url}/overview`);
    await page.getByTestId('slow-steps-chart').locator('svg.recharts-surface').waitFor();
    // Nothing wider than the screen: no sideways scrolling of the page.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const svgWidth = await page.getByTestId('slow-steps-chart').locator('svg.recharts-surface').evaluate((e) => e.getBoundingClientRect().width);
    expect(svgWidth).toBeGreaterThan(250);
    await shot(page, 'overview-phone');
    // Older readers' settings: large text and high contrast still fit the screen.
    await page.getByLabel('大字模式').check();
    await page.getByLabel('高对比度').check();
    await page.locator('html.large-text').waitFor({ state: 'attached' });
    await page.getByTestId('slow-steps-chart').locator('.overview-step-label').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'overview-phone-large');
    // Long English titles wrap inside the screen.
    await page.getByLabel(/语言|Language/).selectOption('en');
    await page.getByRole('heading', { name: 'Township overview', level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The village table fits its panel (no sideways scrolling inside it either).
    const table = page.getByTestId('overview-villages');
    expect(await table.evaluate((e) => e.getBoundingClientRect().right - e.parentElement!.getBoundingClientRect().right)).toBeLessThanOrEqual(0.5);
    const right = await page.getByTestId('slow-steps-chart').locator('.overview-step-label').evaluateAll((els) => Math.max(...els.map((e) => e.getBoundingClientRect().right)));
    expect(right).toBeLessThanOrEqual(390);
    await shot(page, 'overview-phone-en');
    await page.close();
  });

  it('tells village staff the page is not theirs, without asking the server', async () => {
    const page = await browser.newPage();
    await signIn(page, s.url, 'dongping.secretary', DEMO_PASSWORD);
    await page.goto(`${s.url}/overview`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('乡镇管理员');
    await page.close();
  });
});
