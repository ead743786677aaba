// 导入人员 in a real browser, on a phone-sized screen: the township admin downloads the template,
// chooses a sheet of 60 people with three bad rows, reads each row's problem in words (nothing is
// written), chooses the fixed sheet, imports all 60 and downloads the temporary passwords once.
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { browserSuite, shot, signIn } from './browser.ts';

const env = browserSuite();

async function sheet(fixed: boolean): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const ws = book.addWorksheet('人员');
  ws.addRow(['姓名', '用户名', '手机号', '村', '角色', '身份/组织']);
  for (let i = 0; i < 60; i++) {
    const row = i + 2;
    let village = i % 2 ? '西岭村' : '东坪村';
    let mobile = `137${String(20000000 + i).padStart(8, '0')}`;
    let roles = '村民';
    if (!fixed && row === 11) village = '北山村';
    if (!fixed && row === 31) mobile = '13720000000';
    if (!fixed && row === 51) roles = '村长';
    ws.addRow([`导入测试${i + 1}`, '', mobile, village, roles, i % 3 ? '' : '党员']);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

// One journey in order: template → 3 bad rows named in the preview → fixed sheet → 60 imported →
// passwords downloaded; each step goes on from where the one before left the page.
describe('importing people in the browser', { timeout: 60_000 }, () => {
  let page: Page;
  let panel: Locator;
  let before: number; // the township's people before the import

  it('the admin opens the import on a phone and downloads the template, headed 姓名', async () => {
    page = await env.browser.newPage({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, acceptDownloads: true });
    page.setDefaultTimeout(20_000);
    await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await page.getByRole('link', { name: '组织管理' }).click();
    panel = page.getByTestId('import-people');
    await panel.waitFor();
    before = (await env.s.store.listUsers('qingshan')).length;

    const [template] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: '下载模板' }).click()]);
    expect(template.suggestedFilename()).toBe('人员导入模板.xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync((await template.path())!) as unknown as ArrayBuffer);
    expect(book.worksheets[0]!.getRow(1).getCell(1).value).toBe('姓名');
  });

  it('a sheet with 3 bad rows: each named by row, column and value in the preview, and nobody written', async () => {
    await panel.getByLabel('选择表格文件').setInputFiles({ name: '人员.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await sheet(false) });
    await panel.getByTestId('import-problems-summary').filter({ hasText: '3 个问题，未写入任何人员' }).waitFor();
    const problems = panel.getByTestId('import-problems').locator('li');
    expect(await problems.allTextContents()).toEqual([
      '第 11 行 · 村 · “北山村”：本乡镇没有这个村（社区）',
      '第 31 行 · 手机号 · “13720000000”：手机号在表格中重复出现',
      '第 51 行 · 角色 · “村长”：不是本乡镇的角色',
    ]);
    expect(await panel.getByRole('button', { name: /^导入/ }).count()).toBe(0);
    await shot(page, 'people-import-problems');
    expect((await env.s.store.listUsers('qingshan')).length).toBe(before);
  });

  it('a file that is not a sheet is refused in words', async () => {
    // A file that is not a sheet is refused in words.
    await panel.getByLabel('选择表格文件').setInputFiles({ name: 'photo.xlsx', mimeType: 'image/png', buffer: Buffer.from('\x89PNG\r\n\x1a\n0000') });
    await panel.getByRole('alert').filter({ hasText: '这不是 .xlsx 文件' }).waitFor();
  });

  it('the sheet put right: all 60 rows can be imported, and are', async () => {
    await panel.getByLabel('选择表格文件').setInputFiles({ name: '人员.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await sheet(true) });
    await panel.getByRole('status').filter({ hasText: '全部 60 行都可以导入' }).waitFor();
    expect(await panel.getByTestId('import-rows').locator('tbody tr').count()).toBe(60);
    await panel.getByRole('button', { name: '导入 60 人' }).click();
    await panel.getByTestId('import-done').getByRole('status').filter({ hasText: '已导入 60 人' }).waitFor();
    expect((await env.s.store.listUsers('qingshan')).length).toBe(before + 60);
    await shot(page, 'people-import-done');
  });

  it('the temporary passwords download as a list of the 60, who appear in the people list', async () => {
    const [list] = await Promise.all([page.waitForEvent('download'), panel.getByRole('button', { name: '下载临时密码名单' }).click()]);
    const lines = readFileSync((await list.path())!, 'utf8').replace(/^\ufeff/, '').trim().split(/\r\n/);
    expect(lines[0]).toBe('姓名,用户名,手机号,村,临时密码');
    expect(lines).toHaveLength(61);
    expect(lines[1]).toMatch(/^导入测试1,13720000000,13720000000,东坪村,[A-Za-z2-9]{12}$/);
    // The imported people appear in the people list of the same page.
    await page.locator('[data-testid="person"][data-username="13720000000"]').waitFor();
    await page.close();
  });
});
