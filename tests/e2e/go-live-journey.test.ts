// Issue 18's going-live journey in a real browser, from an empty database (no demo): the one-time
// setup link creates the township and its admin; the admin adds two villages, imports 60 people
// from an .xlsx (three bad rows named in the preview and nothing written; the fixed sheet imports
// all 60, with the members of 东湖村's two committees, Party and representatives), grants a clerk and
// one more representative in 东湖村, and publishes 四议两公开 from its file to both villages through
// the designer, its two committees' meeting recorded by a role of its own (两委联席会议记录人): the
// publish dialog offers to add it to the township's roles, and the admin grants it. The imported
// secretary, that recorder and the clerk sign in on their phones with the temporary passwords handed
// over, choose their own, and carry a matter through the two committees, the Party members and the
// representatives, each meeting's denominators from its body's roster, to its disclosure. The clerk
// is deactivated: they cannot sign in, and what they did still reads with their name. The steps
// share one server and one admin page, in order.
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { openSetup } from '../../server/org/organisation.ts';
import { clientFor } from '../server/harness.ts';
import { xlsxBomb } from '../server/zip-bomb.ts';
import { browserSuite, fitCanvas, shot, signIn } from './browser.ts';
import { fillMeeting, inOrder, inState, openFromInbox, type Visit, visit } from './steps.ts';

const env = browserSuite({ seed: false });

const PHONE = { width: 390, height: 844 };
const ADMIN = { username: 'lh.admin', password: 'Lianhua-2026!' };
const VILLAGES = [
  ['东湖村', '行政村'],
  ['西山社区', '社区'],
] as const;
const FLOW_FILE = 'flows/four-deliberations-two-disclosures.flow.json';
const TITLE = '东湖村：硬化村南组通组道路';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The 60 people's mobiles: 136 0000 0000 onwards, by their place in the sheet. */
const mobile = (i: number) => `136${String(i).padStart(8, '0')}`;
/** Who signs in and acts: the branch secretary (row 2) and the one who becomes the meeting clerk (row 4), both of 东湖村. */
const SECRETARY = { i: 0, name: '李建国', username: 'donghu.shuji', password: 'Jianguo-2026!' };
const CLERK = { i: 2, name: '王秀英', mobile: mobile(2), password: 'Xiuying-2026!' };
/** A 东湖村 villager made a representative by a grant after the import. */
const NEW_REP = { i: 4, name: '赵红梅' };
/** A 东湖村 villager granted the flow's own role, which records the two committees' joint meeting. */
const RECORDER = { i: 10, name: '陈志强', password: 'Zhiqiang-2026!' };
const JOINT_RECORDER = { key: 'joint_recorder', zh: '两委联席会议记录人', en: 'Joint meeting recorder' };
/** The last person's name as someone typed it: a formula, which stays a name (issue 18's bad input). */
const FORMULA = '=HYPERLINK("http://x","点我")';
/** The name of everyone else: 人员01 to 人员60, by their place in the sheet. */
const person = (i: number) => `人员${String(i + 1).padStart(2, '0')}`;

/**
 * The township's sheet of 60 people in the template's columns (server/org/peopleImport.ts PEOPLE_COLUMNS):
 * even places in 东湖村, odd in 西山社区; the secretary by their role, and by the 身份/组织 column every fifth
 * (from the second) a representative, every third a Party member, and seven in each village members of
 * the two committees (places 0, 1, 8, 9 … 48, 49). Unless fixed, three rows are bad: row 11 names
 * a village the township has not, row 31 repeats the secretary's mobile, row 51 a role there is not.
 */
async function sheet(fixed: boolean): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const ws = book.addWorksheet('人员');
  ws.addRow(['姓名', '用户名', '手机号', '村', '角色', '身份/组织']);
  for (let i = 0; i < 60; i++) {
    const row = i + 2;
    const names: Record<number, string> = { [SECRETARY.i]: SECRETARY.name, [CLERK.i]: CLERK.name, [NEW_REP.i]: NEW_REP.name, [RECORDER.i]: RECORDER.name, 59: FORMULA };
    let village: string = i % 2 ? '西山社区' : '东湖村';
    let phone = mobile(i);
    let roles = i === SECRETARY.i ? '村党组织书记' : '村民';
    const bodies = [i % 5 === 1 ? '村民代表' : '', i % 3 === 0 ? '党员' : '', i % 8 < 2 && i < 56 ? '两委' : ''].filter(Boolean).join('、');
    if (!fixed && row === 11) village = '北山村';
    if (!fixed && row === 31) phone = mobile(SECRETARY.i);
    if (!fixed && row === 51) roles = '村长';
    ws.addRow([names[i] ?? person(i), i === SECRETARY.i ? SECRETARY.username : '', phone, village, roles, bodies]);
  }
  // Mobile numbers as text, as the template keeps them.
  ws.getColumn(3).numFmt = '@';
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** The step a matter is at, as its page says it on a phone. */
async function atStep(page: Page, state: string, title: string): Promise<void> {
  await inState(page, state);
  expect(await page.locator('#step-title').textContent()).toContain(title);
}

/** Fills a form field by its label, exactly. */
const fill = (page: Page, label: string, value: string) => page.getByLabel(label, { exact: true }).fill(value);

/** A first sign-in by mobile or user name with the temporary password: the app asks for one's own first. */
async function firstSignIn(page: Page, login: string, temporary: string, own: string): Promise<void> {
  await page.goto(`${env.s.url}/login`);
  await page.getByLabel('用户名或手机号').fill(login);
  await page.getByLabel('密码').fill(temporary);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByTestId('change-password').waitFor();
  expect(await page.getByTestId('who').count()).toBe(0);
  await page.getByLabel('当前密码').fill(temporary);
  await page.getByLabel('新密码', { exact: true }).fill(own);
  await page.getByLabel('再次输入新密码').fill(own);
  await page.getByRole('button', { name: '保存新密码' }).click();
  await page.getByRole('heading', { name: '我的待办' }).waitFor();
}

// Shared by the steps, in order.
let admin: Page;
let townshipId = '';
let passwords = new Map<string, string>();
let clerkPhone: Visit;
let matterId = '';
afterAll(async () => {
  await clerkPhone?.close();
  await admin?.close();
});

const people = async () => env.s.store.listUsers(townshipId);
/** A person card's grants in words, in the order shown. */
const grantsOf = async (card: Locator) => ((await card.getByTestId('grants').textContent()) ?? '').split('；');
/** The people list of the org page, narrowed to one person by its search box, and their card. */
async function findPerson(name: string) {
  await admin.getByLabel('查找姓名、用户名或手机号').fill(name);
  const card = admin.getByTestId('person').filter({ has: admin.getByText(name, { exact: true }) });
  await card.waitFor();
  expect(await admin.getByTestId('person').count()).toBe(1);
  return card;
}

/** A 东湖村 person, found on the org page, granted a role in 东湖村 there: before, they are a villager only. */
async function grant(name: string, role: string): Promise<void> {
  const card = await findPerson(name);
  expect(await grantsOf(card)).toEqual(['村民 · 东湖村']);
  await card.getByRole('button', { name: '角色授权' }).click();
  const editor = card.getByTestId('grants-editor');
  await editor.getByLabel('角色').selectOption({ label: role });
  await editor.getByLabel('村（社区）').selectOption({ label: '东湖村' });
  await editor.getByRole('button', { name: '添加授权' }).click();
  await editor.getByRole('button', { name: '保存授权' }).click();
  await card.getByRole('status').filter({ hasText: '已保存' }).waitFor();
  await card.getByTestId('grants').filter({ hasText: `${role} · 东湖村` }).waitFor();
  expect((await grantsOf(card)).sort()).toEqual(['村民 · 东湖村', `${role} · 东湖村`].sort());
}
/** The names of 东湖村's active people holding a role there, as the store has them: a body's roster. */
async function holding(role: string): Promise<string[]> {
  const villageId = (await env.s.store.listVillages(townshipId)).find((v) => v.name === '东湖村')!.id;
  const us = await people();
  return us.filter((u) => !u.deactivatedAt && u.roles.some((g) => g.role === role && g.villageId === villageId)).map((u) => u.displayName).sort();
}
/** A meeting form's roster numbers: shown, and not open to the clerk's typing. */
async function rosterShown(form: Locator): Promise<{ members: string; eligible: string }> {
  const members = form.getByLabel('组成人员（应到）');
  const eligible = form.getByLabel('有表决权人数');
  expect(await members.isEditable()).toBe(false);
  expect(await eligible.isEditable()).toBe(false);
  return { members: await members.inputValue(), eligible: await eligible.inputValue() };
}
describe('going live, from the setup link to a deactivated user’s history', { timeout: 120_000 }, () => {
  inOrder();
  it('1. the setup link creates the township and its admin, once', async () => {
    const token = (await openSetup(env.s.store, env.s.runtime.now()))!;
    admin = await env.browser.newPage({ locale: 'zh-CN', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    admin.setDefaultTimeout(20_000);
    await admin.goto(`${env.s.url}/setup#${token}`);
    await admin.getByTestId('setup-form').waitFor();
    await fill(admin, '乡镇名称', '莲花镇');
    await fill(admin, '管理员用户名', ADMIN.username);
    await fill(admin, '管理员姓名', '莲花镇管理员');
    await fill(admin, '密码', ADMIN.password);
    await fill(admin, '再次输入密码', ADMIN.password);
    await admin.getByRole('button', { name: '创建乡镇' }).click();
    await admin.getByTestId('setup-done').waitFor();
    await admin.reload();
    await admin.getByTestId('setup-invalid').waitFor();
    townshipId = (await env.s.store.getUserByUsername(ADMIN.username))!.townshipId;
    expect((await people()).map((u) => u.username)).toEqual([ADMIN.username]);
  });

  it('2. the admin signs in and adds two villages', async () => {
    await signIn(admin, env.s.url, ADMIN.username, ADMIN.password);
    await admin.getByRole('link', { name: '组织管理' }).click();
    await admin.getByTestId('org').waitFor();
    for (const [name, kind] of VILLAGES) {
      await fill(admin, '名称', name);
      await admin.getByLabel('类型').selectOption({ label: kind });
      await admin.getByTestId('add-village').getByRole('button', { name: '添加' }).click();
      await admin.locator(`[data-testid="village"][data-name="${name}"]`).waitFor();
    }
    expect(await admin.getByTestId('village').count()).toBe(2);
    expect((await env.s.store.listVillages(townshipId)).map((v) => v.name).sort()).toEqual(['东湖村', '西山社区'].sort());
  });

  it('3. the sheet of 60 with three bad rows: each problem in words, nobody written', async () => {
    const panel = admin.getByTestId('import-people');
    await panel.waitFor();
    // The template the township fills: the same headers as the sheet built here.
    const [template] = await Promise.all([admin.waitForEvent('download'), panel.getByRole('button', { name: '下载模板' }).click()]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync((await template.path())!) as unknown as ArrayBuffer);
    expect(book.worksheets[0]!.getRow(1).values).toEqual([undefined, '姓名', '用户名', '手机号', '村', '角色', '身份/组织']);

    const audit = (await env.s.store.auditLog(townshipId, 1000)).length;
    await panel.getByLabel('选择表格文件').setInputFiles({ name: '莲花镇人员.xlsx', mimeType: XLSX, buffer: await sheet(false) });
    await panel.getByTestId('import-problems-summary').filter({ hasText: '3 个问题，未写入任何人员' }).waitFor();
    expect(await panel.getByTestId('import-problems').locator('li').allTextContents()).toEqual([
      '第 11 行 · 村 · “北山村”：本乡镇没有这个村（社区）',
      `第 31 行 · 手机号 · “${mobile(SECRETARY.i)}”：手机号在表格中重复出现`,
      '第 51 行 · 角色 · “村长”：不是本乡镇的角色',
    ]);
    expect(await panel.getByRole('button', { name: /^导入/ }).count()).toBe(0);
    await shot(admin, 'go-live-journey-import-problems');
    expect(await people()).toHaveLength(1);
    expect(await env.s.store.auditLog(townshipId, 1000)).toHaveLength(audit);

    // Files that are no sheet of people are refused in words, before the preview: a 10 MB file by
    // its size (it is not sent), an .xlsx zip bomb (300 MB inside) by the server before it is read.
    await panel.getByLabel('选择表格文件').setInputFiles({ name: '莲花镇人员.xlsx', mimeType: XLSX, buffer: Buffer.alloc(10 * 1024 * 1024, 'P') });
    await panel.getByRole('alert').filter({ hasText: '文件超过 2 MB，请分批导入。' }).waitFor();
    await panel.getByLabel('选择表格文件').setInputFiles({ name: '莲花镇人员.xlsx', mimeType: XLSX, buffer: await xlsxBomb(300) });
    await panel.getByRole('alert').filter({ hasText: '这个 .xlsx 文件解压后超过 50 MB' }).waitFor();
    expect(await panel.getByTestId('import-problems').count()).toBe(0);
    expect(await people()).toHaveLength(1);
  });

  it('4. the fixed sheet imports all 60; the temporary passwords are downloaded once', async () => {
    const panel = admin.getByTestId('import-people');
    await panel.getByLabel('选择表格文件').setInputFiles({ name: '莲花镇人员.xlsx', mimeType: XLSX, buffer: await sheet(true) });
    await panel.getByRole('status').filter({ hasText: '全部 60 行都可以导入' }).waitFor();
    expect(await panel.getByTestId('import-rows').locator('tbody tr').count()).toBe(60);
    // The formula typed as a name is shown as the text typed, not a link.
    expect(await panel.getByTestId('import-rows').locator('tbody tr').last().locator('td').nth(1).textContent()).toBe(FORMULA);
    expect(await panel.getByTestId('import-rows').getByRole('link').count()).toBe(0);
    await panel.getByRole('button', { name: '导入 60 人' }).click();
    await panel.getByTestId('import-done').getByRole('status').filter({ hasText: '已导入 60 人' }).waitFor();
    expect(await people()).toHaveLength(61);

    const [list] = await Promise.all([admin.waitForEvent('download'), panel.getByRole('button', { name: '下载临时密码名单' }).click()]);
    const rows = Papa.parse<string[]>(readFileSync((await list.path())!, 'utf8').replace(/^\ufeff/, ''), { skipEmptyLines: true }).data;
    expect(rows[0]).toEqual(['姓名', '用户名', '手机号', '村', '临时密码']);
    expect(rows).toHaveLength(61);
    passwords = new Map(rows.slice(1).map((r) => [r[0]!, r[4]!]));
    expect(rows[1]).toEqual([SECRETARY.name, SECRETARY.username, mobile(SECRETARY.i), '东湖村', passwords.get(SECRETARY.name)]);
    // The people appear in the list, each still to choose a password; the role columns are grants already.
    const secretary = await findPerson(SECRETARY.name);
    expect(await grantsOf(secretary)).toEqual(['村两委成员 · 东湖村', '党员 · 东湖村', '村党组织书记 · 东湖村']);
    expect(await secretary.getByText('待改密码').count()).toBe(1);
    await shot(admin, 'go-live-journey-imported');

    // Exported, the formula stays text: the CSV starts it with ', the .xlsx holds it in a text cell.
    const download = async (button: string) => {
      const [file] = await Promise.all([admin.waitForEvent('download'), panel.getByRole('button', { name: button }).click()]);
      return readFileSync((await file.path())!);
    };
    const csv = Papa.parse<string[]>((await download('导出人员名单（CSV）')).toString('utf8').replace(/^\ufeff/, ''), { skipEmptyLines: true }).data;
    expect(csv.find((r) => r[2] === mobile(59))?.[0]).toBe(`'${FORMULA}`);
    const exported = new ExcelJS.Workbook();
    await exported.xlsx.load((await download('导出人员名单（Excel）')) as unknown as ArrayBuffer);
    const cells: ExcelJS.Cell[] = [];
    exported.worksheets[0]!.eachRow((row) => (row.getCell(3).value === mobile(59) ? cells.push(row.getCell(1)) : undefined));
    expect(cells.map((c) => [c.type, c.value])).toEqual([[ExcelJS.ValueType.String, FORMULA]]);
  });

  it('5. grants: a meeting clerk and one more representative in 东湖村', async () => {
    await grant(CLERK.name, '会议记录员');
    await grant(NEW_REP.name, '村民代表');
    await shot(admin, 'go-live-journey-grants');

    expect(await holding('clerk')).toEqual([CLERK.name]);
    // Representatives: those the sheet's 身份/组织 column made (every fifth, 东湖村's), and the one granted now.
    expect(await holding('villager_representative')).toEqual([...[6, 16, 26, 36, 46, 56].map(person), NEW_REP.name].sort());
    // The two committees and the Party, as the sheet made them.
    expect(await holding('committee_member')).toEqual([SECRETARY.name, ...[8, 16, 24, 32, 40, 48].map(person)].sort());
    expect(await holding('party_member')).toEqual([SECRETARY.name, ...[6, 12, 18, 24, 30, 36, 42, 48, 54].map(person)].sort());
  });

  it('6. 四议两公开 is imported into the designer, its two committees’ meeting given a role of its own, and published to both villages', async () => {
    await admin.goto(`${env.s.url}/designer`);
    await admin.getByTestId('designer-home').waitFor();
    // A new township has no flows yet: the bundled file is imported, as a real admin would.
    await admin.getByTestId('designer-home').getByText('暂无', { exact: true }).waitFor();
    expect(await admin.getByTestId('flow-list').count()).toBe(0);
    await admin.getByTestId('home-import-file').setInputFiles(FLOW_FILE);
    await admin.getByTestId('editor').waitFor();
    await admin.getByTestId('no-issues').waitFor();
    // The township records the joint meeting of its two committees by a recorder of its own: a role
    // the flow gets here, which the township's role catalogue has not.
    expect((await env.s.store.listRoles(townshipId)).map((r) => r.key)).not.toContain(JOINT_RECORDER.key);
    const roles = admin.getByTestId('roles-editor');
    await roles.getByLabel('新角色标识').fill(JOINT_RECORDER.key);
    await roles.getByRole('button', { name: '添加角色' }).click();
    const added = roles.locator('.ed-role').last();
    expect(await added.getByLabel('角色标识').inputValue()).toBe(JOINT_RECORDER.key);
    await added.getByLabel('中文').fill(JOINT_RECORDER.zh);
    await added.getByLabel('English').fill(JOINT_RECORDER.en);
    await fitCanvas(admin);
    await admin.locator('[data-testid="editor-canvas"] .ed-node[data-state="two_committees"]').click();
    const acting = admin.locator('[data-testid="inspector-state"][data-state="two_committees"]').getByRole('group', { name: '办理角色' });
    await acting.getByRole('checkbox', { name: new RegExp(`^${JOINT_RECORDER.zh}`) }).check();
    await acting.getByRole('checkbox', { name: /^会议记录员/ }).uncheck();
    await admin.getByTestId('no-issues').waitFor();

    await admin.getByTestId('publish').click();
    const chooser = admin.getByTestId('publish-villages');
    await chooser.waitFor();
    // Publishing offers to add the role to the township's catalogue, with the flow's labels, and only it.
    const offer = chooser.getByTestId('publish-roles');
    expect(await offer.textContent()).toContain('这个流程用到的下列角色还不在本乡镇的角色目录中。发布时一并添加，或取消后修改流程。');
    expect(await offer.getByTestId('publish-role').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')))).toEqual([JOINT_RECORDER.key]);
    const role = offer.locator(`[data-testid="publish-role"][data-key="${JOINT_RECORDER.key}"]`);
    expect(await role.getByLabel('中文名称').inputValue()).toBe(JOINT_RECORDER.zh);
    expect(await role.getByLabel('英文名称').inputValue()).toBe(JOINT_RECORDER.en);
    expect(await chooser.getByTestId('publish-confirm').textContent()).toContain('添加这些角色并发布');
    // A flow published for the first time: every village ticked, each by name.
    for (const [name] of VILLAGES) expect(await chooser.getByLabel(name).isChecked()).toBe(true);
    await chooser.getByLabel('西山社区').uncheck();
    await chooser.getByTestId('publish-confirm').filter({ hasText: '1 个村' }).waitFor();
    await chooser.getByLabel('西山社区').check();
    await shot(admin, 'go-live-journey-publish');
    await chooser.getByTestId('publish-confirm').filter({ hasText: '发布（2 个村）' }).click();
    await admin.getByTestId('editor-status').filter({ hasText: '已发布' }).waitFor();
    await admin.getByText('已在 2 个村（社区）启用。').waitFor();
    const live = await env.s.store.listFlowVersions(townshipId);
    expect(live.map((v) => `${v.flowId} ${v.version} ${v.status}`)).toEqual(['four-deliberations-two-disclosures 1.1.0 published']);
    expect((await env.s.store.listRoles(townshipId)).find((r) => r.key === JOINT_RECORDER.key)).toMatchObject({ label: { zh: JOINT_RECORDER.zh, en: JOINT_RECORDER.en }, scope: 'village', builtIn: false });

    // The admin grants the new role, by its name, to a 东湖村 villager.
    await admin.goto(`${env.s.url}/org`);
    await admin.getByTestId('org').waitFor();
    await grant(RECORDER.name, JOINT_RECORDER.zh);
    expect(await holding(JOINT_RECORDER.key)).toEqual([RECORDER.name]);
  });

  it('7. the secretary signs in on their phone with the password handed over, chooses their own, and proposes', async () => {
    const phone = await visit(env.browser, env.s, undefined, PHONE);
    const page = phone.page;
    page.setDefaultTimeout(20_000);
    await firstSignIn(page, mobile(SECRETARY.i), passwords.get(SECRETARY.name)!, SECRETARY.password);
    const start = page.getByRole('region', { name: '发起新事项' });
    await start.getByRole('option', { name: '四议两公开' }).waitFor({ state: 'attached' });
    await start.getByLabel('选择流程').selectOption({ label: '四议两公开' });
    await start.getByLabel('事项名称').fill(TITLE);
    await start.getByRole('button', { name: '发起' }).click();
    await atStep(page, 'proposal', '当前：党支部提议');
    matterId = page.url().split('/instances/')[1]!;
    await page.getByLabel('动议来源').selectOption({ label: '党员或村民建议' });
    await page.getByLabel('事项类别').selectOption({ label: '公益事业建设' });
    await page.getByLabel('事项内容').fill('村南组至村部道路为土路，雨天泥泞。拟硬化路面长1.2公里、宽3.5米，资金来源为一事一议财政奖补资金和村集体经济收入。');
    await page.getByLabel('预算金额（元）').fill('360000');
    await page.getByLabel('支委会会议日期').fill('2026-11-30');
    await page.getByLabel('支委会纪要').fill('支委会应到5人，实到5人，一致同意提议硬化村南组通组道路，提交村“两委”联席会议商议。');
    await shot(page, 'go-live-journey-proposal');
    await page.getByRole('button', { name: '提交' }).click();
    await atStep(page, 'two_committees', '当前：两委商议');
    await page.getByText(`此步骤由 ${JOINT_RECORDER.zh} 办理，您可以查看。`).waitFor();
    await phone.close();
  });

  it('8. the recorder records the two committees’ meeting; the clerk the Party members’ and the representatives’, each body’s numbers from its roster', async () => {
    // The holder of the flow's own role: the matter waits on them, and they record the joint meeting.
    const recorder = await visit(env.browser, env.s, undefined, PHONE);
    let page = recorder.page;
    page.setDefaultTimeout(20_000);
    await firstSignIn(page, mobile(RECORDER.i), passwords.get(RECORDER.name)!, RECORDER.password);
    expect(await page.getByTestId('who').textContent()).toContain(JOINT_RECORDER.zh);
    await openFromInbox(page, TITLE, '两委商议');
    await atStep(page, 'two_committees', '当前：两委商议');
    let form = page.getByTestId('meeting-record');
    // 东湖村's two committees: the seven the sheet named, shown and not typed.
    expect(await holding('committee_member')).toHaveLength(7);
    expect(await rosterShown(form)).toEqual({ members: '7', eligible: '7' });
    await fillMeeting(form, { members: 7, eligible: 7, recused: 0, present: 6, for: 6, against: 0, abstain: 0 });
    await form.getByTestId('live-outcome').filter({ hasText: '→ 通过' }).waitFor();
    await form.getByLabel('会议情况说明').fill('两委成员一致同意，提交党员大会审议');
    await shot(page, 'go-live-journey-two-committees');
    await form.getByRole('button', { name: '提交会议记录' }).click();
    await atStep(page, 'party_members_meeting', '当前：党员大会审议');
    await recorder.close();

    // The clerk, by mobile: the Party members' meeting, against 东湖村's ten Party members.
    clerkPhone = await visit(env.browser, env.s, undefined, PHONE);
    page = clerkPhone.page;
    page.setDefaultTimeout(20_000);
    await firstSignIn(page, CLERK.mobile, passwords.get(CLERK.name)!, CLERK.password);
    await openFromInbox(page, TITLE, '党员大会审议');
    await atStep(page, 'party_members_meeting', '当前：党员大会审议');
    form = page.getByTestId('meeting-record');
    const party = (await holding('party_member')).length;
    expect(await rosterShown(form)).toEqual({ members: String(party), eligible: String(party) });
    await fillMeeting(form, { members: party, eligible: party, recused: 0, present: 9, for: 8, against: 1, abstain: 0 });
    await form.getByTestId('live-outcome').filter({ hasText: '→ 通过' }).waitFor();
    await form.getByRole('button', { name: '提交会议记录' }).click();
    await atStep(page, 'representatives_meeting', '当前：村民代表会议决议');

    // The representatives' meeting: its denominators are 东湖村's representatives (the seven of step
    // 5), read-only; one recused leaves six entitled to vote. The clerk types who came and the tally.
    form = page.getByTestId('meeting-record');
    const reps = (await holding('villager_representative')).length;
    expect(reps).toBe(7);
    expect(await form.getByTestId('roster-note').textContent()).toContain(`${reps} 人，其中有表决权 ${reps} 人`);
    expect(await rosterShown(form)).toEqual({ members: String(reps), eligible: String(reps) });
    await form.getByLabel('回避').fill('1');
    expect(await rosterShown(form)).toEqual({ members: String(reps), eligible: String(reps - 1) });
    await fillMeeting(form, { members: reps, eligible: reps - 1, recused: 1, present: 6, for: 5, against: 1, abstain: 0 });
    await form.getByTestId('live-outcome').filter({ hasText: '→ 通过' }).waitFor();
    await shot(page, 'go-live-journey-representatives');
    await form.getByRole('button', { name: '提交会议记录' }).click();
    await atStep(page, 'resolution_disclosure', '当前：决议公开');

    const { client } = clientFor(env.s.url);
    await client.auth.login.mutate(ADMIN);
    const view = await client.instances.get.query({ id: matterId });
    expect(view.votes.two_committees).toMatchObject({ outcome: 'passed', present: 6, for: 6, members: 7 });
    expect(view.votes.party_members_meeting).toMatchObject({ outcome: 'passed', present: 9, for: 8, members: party });
    expect(view.votes.representatives_meeting).toMatchObject({ outcome: 'passed', present: 6, for: 5, members: reps, eligible: reps - 1 });
    // The history: each meeting by whom and as what, recorded with its body's roster, which names
    // the very people the store holds in that role.
    const meetings = (await env.s.store.history(matterId)).filter((r) => r.type === 'RECORD_VOTE');
    expect(meetings.map((r) => r.actor.role)).toEqual([JOINT_RECORDER.key, 'clerk', 'clerk']);
    const byId = new Map((await people()).map((u) => [u.id, u.displayName]));
    for (const [record, role] of [[meetings[0]!, 'committee_member'], [meetings[1]!, 'party_member'], [meetings[2]!, 'villager_representative']] as const) {
      const roster = record.payload.roster as { hash: string; members: number; voting: number };
      const members = await holding(role);
      expect(roster).toMatchObject({ members: members.length, voting: members.length });
      expect(record.payload.members).toBe(members.length);
      const stored = JSON.parse((await env.s.store.rosterSnapshot(roster.hash))!.json) as { members: { id: string }[] };
      expect(stored.members.map((m) => byId.get(m.id)).sort()).toEqual(members);
    }
    expect(meetings[2]!.payload).toMatchObject({ members: reps, eligible: reps - 1, recused: 1, present: 6 });
  });

  it('9. deactivated, the clerk cannot sign in; what they did still reads with their name', async () => {
    await admin.goto(`${env.s.url}/org`);
    const card = await findPerson(CLERK.name);
    await card.getByRole('button', { name: '停用' }).click();
    await card.getByText('已停用').waitFor();

    // Their open session ends; signing in again is refused in words.
    const page = clerkPhone.page;
    await page.reload();
    await page.getByRole('button', { name: '登录' }).waitFor();
    await page.getByLabel('用户名或手机号').fill(CLERK.mobile);
    await page.getByLabel('密码').fill(CLERK.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('alert').filter({ hasText: '此账号已停用' }).waitFor();
    expect(await page.getByTestId('who').count()).toBe(0);
    await shot(page, 'go-live-journey-deactivated');

    // The matter's history: the Party members' and the representatives' meetings were recorded by
    // 王秀英, by name; the two committees' by the recorder, as the township's own role.
    await admin.goto(`${env.s.url}/audit/${matterId}`);
    const timeline = admin.getByTestId('timeline');
    await timeline.waitFor();
    const byClerk = timeline.locator('tbody tr').filter({ hasText: '会议记录员' });
    expect(await byClerk.count()).toBe(2);
    for (const row of await byClerk.all()) expect(await row.getByTestId('actor-name').textContent()).toContain(CLERK.name);
    const byRecorder = timeline.locator('tbody tr').filter({ hasText: JOINT_RECORDER.zh });
    expect(await byRecorder.count()).toBe(1);
    expect(await byRecorder.getByTestId('actor-name').textContent()).toContain(RECORDER.name);
    await shot(admin, 'go-live-journey-timeline');

    // The township's audit log: choosing their password, and their deactivation, by name.
    await admin.goto(`${env.s.url}/audit-log`);
    const password = admin.locator('[data-testid="audit-entry"][data-action="user.password"]').filter({ hasText: CLERK.name });
    await password.waitFor();
    expect(await password.textContent()).toContain('修改自己的密码');
    const deactivated = admin.locator('[data-testid="audit-entry"][data-action="user.deactivate"]');
    await deactivated.waitFor();
    expect(await deactivated.textContent()).toContain(CLERK.name);
  });
});
