// Bulk import of people (issue 18 item 3): a township admin imports 60 people from an .xlsx; the
// preview names the three bad rows by row and column and nothing is written; the fixed file adds
// all 60 in one go, each with a temporary password to change at first sign-in, every one in the
// audit log. Bad files (wrong type, too large, GBK, formula cells) are refused or kept as text and
// exported safely. Both stores.
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { common } from '../../designer/i18n/messages/common.ts';
import { openSetup } from '../../server/org/organisation.ts';
import { IMPORT_MAX_BYTES } from '../../server/org/peopleImport.ts';
import { clientFor, errorOf, startTestServer, type Client, type TestServer } from './harness.ts';
import { xlsxBomb } from './zip-bomb.ts';

let s: TestServer;
let admin: Client;
/** The admin's session cookie, for raw HTTP calls. */
let adminCookie = '';
const ADMIN_PASSWORD = 'Lianhua-2026!';
const HYPERLINK = '=HYPERLINK("http://example.invalid/x","点我")';

async function signIn(login: string, password: string): Promise<Client> {
  const { client } = clientFor(s.url);
  await client.auth.login.mutate({ username: login, password });
  return client;
}

type Row = (string | { formula: string })[];
async function xlsx(rows: Row[]): Promise<{ kind: 'xlsx'; base64: string }> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('人员');
  sheet.addRow(['姓名', '用户名', '手机号', '村', '角色', '身份/组织']);
  for (const r of rows) sheet.addRow(r);
  return { kind: 'xlsx', base64: Buffer.from(await book.xlsx.writeBuffer()).toString('base64') };
}
const csv = (text: string | Buffer) => ({ kind: 'csv' as const, base64: Buffer.from(text).toString('base64') });

/** 60 made-up people of 东村 and 西村; rows 11, 31 and 51 of the sheet are bad unless fixed. */
function people(fixed: boolean): Row[] {
  return Array.from({ length: 60 }, (_, i) => {
    const row = i + 2;
    const mobile = `139${String(10000000 + i).padStart(8, '0')}`;
    const village = i % 2 ? '西村' : '东村';
    const roles = i % 10 === 0 ? '村民代表、会议记录员' : '村民';
    const bodies = i % 3 === 0 ? '党员' : '';
    const person: Row = [`测试人员${i + 1}`, i % 4 === 0 ? `person${i + 1}` : '', mobile, village, roles, bodies];
    if (!fixed && row === 11) person[3] = '北村'; // no such village
    if (!fixed && row === 31) person[2] = `139${String(10000000).padStart(8, '0')}`; // the mobile of row 2
    if (!fixed && row === 51) person[4] = '村长'; // not a role
    return person;
  });
}

const countUsers = async () => (await s.store.listUsers(townshipId)).length;
let townshipId: string;

beforeAll(async () => {
  s = await startTestServer({ seed: false });
  const token = (await openSetup(s.store, s.runtime.now()))!;
  townshipId = (await s.anonymous().org.setup.mutate({ token, townshipName: '莲花镇', username: 'lh.admin', displayName: '莲花镇管理员', password: ADMIN_PASSWORD })).townshipId;
  const signedIn = clientFor(s.url);
  await signedIn.client.auth.login.mutate({ username: 'lh.admin', password: ADMIN_PASSWORD });
  admin = signedIn.client;
  adminCookie = [...signedIn.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  await admin.org.createVillage.mutate({ name: '东村', kind: 'village' });
  await admin.org.createVillage.mutate({ name: '西村', kind: 'village' });
}, 60_000);
afterAll(() => s?.close());

describe('importing people from an .xlsx', () => {
  it('the template has the Chinese headers and one made-up person', async () => {
    const { filename, base64 } = await admin.org.importTemplate.query();
    expect(filename).toMatch(/\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(base64, 'base64') as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.getRow(1).values).toEqual([undefined, '姓名', '用户名', '手机号', '村', '角色', '身份/组织']);
    expect(sheet.getRow(2).getCell(1).value).toBe('张示例');
    expect(sheet.rowCount).toBe(2);
    // The second sheet says what the columns take: this township's villages, the roles, the bodies.
    const help = book.getWorksheet('说明')!;
    const column = (n: number) => help.getColumn(n).values.filter((v): v is string => typeof v === 'string');
    expect(column(1).slice(1).sort()).toEqual(['东村', '西村'].sort());
    expect(column(2)).toContain('村民代表');
    expect(column(2)).not.toContain('乡镇管理员');
    expect(column(3)).toContain('党员');
  });

  it('the preview names the three bad rows by row and column; committing them writes nothing', async () => {
    const file = await xlsx(people(false));
    const preview = await admin.org.importPreview.mutate({ file });
    expect(preview.problems.map((p) => [p.row, p.column, p.code, p.value])).toEqual([
      [11, 'village', 'unknown_village', '北村'],
      [31, 'mobile', 'duplicate_mobile', '13910000000'],
      [51, 'roles', 'bad_role', '村长'],
    ]);
    expect(preview.rows).toHaveLength(60);
    expect(preview.rows[0]).toMatchObject({ row: 2, displayName: '测试人员1', username: 'person1', mobile: '13910000000', villageName: '东村' });
    // No user name: the mobile number is the user name.
    expect(preview.rows[1]).toMatchObject({ row: 3, username: '13910000001' });
    const before = await countUsers();
    const auditBefore = (await admin.audit.log.query({})).length;
    const error = await errorOf(admin.org.importCommit.mutate({ file, fileName: '人员.xlsx' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^3 problem\(s\) in the file, nobody was added; first: row 11, village: 北村/);
    expect((error.data.issues as { pointer: string }[]).map((i) => i.pointer)).toEqual(['/rows/11/village', '/rows/31/mobile', '/rows/51/roles']);
    expect(await countUsers()).toBe(before);
    expect((await admin.audit.log.query({})).length).toBe(auditBefore);
  });

  it('the fixed file adds all 60 in one go, with temporary passwords, roles in their villages and the audit log', async () => {
    const file = await xlsx(people(true));
    expect((await admin.org.importPreview.mutate({ file })).problems).toEqual([]);
    const before = await countUsers();
    const { people: added } = await admin.org.importCommit.mutate({ file, fileName: '人员.xlsx' });
    expect(added).toHaveLength(60);
    expect(await countUsers()).toBe(before + 60);
    const villages = new Map((await admin.org.allVillages.query()).map((v) => [v.name, v.id]));
    const users = new Map((await admin.org.users.query()).map((u) => [u.username, u]));
    const byRole = (a: { role: string }, b: { role: string }) => a.role.localeCompare(b.role);
    expect(users.get('person1')!.roles.sort(byRole)).toEqual([
      { role: 'clerk', villageId: villages.get('东村') },
      { role: 'party_member', villageId: villages.get('东村') },
      { role: 'villager_representative', villageId: villages.get('东村') },
    ]);
    expect(users.get('13910000001')!.roles).toEqual([{ role: 'villager', villageId: villages.get('西村') }]);
    // Each person signs in with the password handed over and must choose their own first.
    const first = added[0]!;
    expect(first.temporaryPassword).toMatch(/^[A-Za-z2-9]{12}$/);
    expect(new Set(added.map((p) => p.temporaryPassword)).size).toBe(60);
    const person = await signIn('13910000000', first.temporaryPassword);
    expect((await person.auth.me.query())!.user.mustChangePassword).toBe(true);
    // One entry for the import and one per person, none carrying a password.
    const log = await admin.audit.log.query({ limit: 200 });
    expect(log.filter((e) => e.action === 'user.import')).toHaveLength(1);
    expect(log.filter((e) => e.action === 'user.create' && (e.details as { import?: unknown }).import)).toHaveLength(60);
    expect(JSON.stringify(log)).not.toContain(first.temporaryPassword);
  });

  it('a second import of the same file is refused: every user name and mobile is taken', async () => {
    const before = await countUsers();
    const preview = await admin.org.importPreview.mutate({ file: await xlsx(people(true)) });
    expect(new Set(preview.problems.map((p) => p.code))).toEqual(new Set(['mobile_taken', 'username_taken']));
    expect(new Set(preview.problems.map((p) => p.row)).size).toBe(60);
    expect(await countUsers()).toBe(before);
  });
});

describe('the store adds all or nobody', () => {
  it('a user name taken meanwhile (after the check) refuses the whole batch, audit entries too', async () => {
    const before = await countUsers();
    const auditBefore = (await s.store.auditLog(townshipId, 1000)).length;
    const user = (id: string, username: string) => ({ id, townshipId, username, displayName: id, passwordHash: 'x', roles: [], mobile: null, mustChangePassword: true });
    const audit = { townshipId, at: s.runtime.now(), actorId: 'x', action: 'user.import', target: townshipId, details: {} };
    await expect(s.store.createUsers([user('race-1', 'race.one'), user('race-2', 'lh.admin')], [audit])).rejects.toThrow(/taken already; nobody was added/);
    expect(await countUsers()).toBe(before);
    expect(await s.store.getUser('race-1')).toBeNull();
    expect((await s.store.auditLog(townshipId, 1000)).length).toBe(auditBefore);
  });
});

describe('bad import files', () => {
  const refused = async (file: { kind: 'xlsx' | 'csv'; base64: string }, message: RegExp, code = 'BAD_REQUEST') => {
    const before = await countUsers();
    const error = await errorOf(admin.org.importCommit.mutate({ file, fileName: 'bad' }));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(await countUsers()).toBe(before);
  };

  it('a picture, an old .xls, a CSV sent as .xlsx and an .xlsx sent as CSV are refused in words', async () => {
    await refused({ kind: 'xlsx', base64: Buffer.from('\x89PNG\r\n\x1a\n0000').toString('base64') }, /not an \.xlsx file/);
    await refused({ kind: 'xlsx', base64: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2, 3]).toString('base64') }, /\.xls\) are not read/);
    await refused({ kind: 'csv', base64: (await xlsx([])).base64 }, /looks like \.xlsx/);
    await refused({ kind: 'csv', base64: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]).toString('base64') }, /binary data/);
    await refused(csv(''), /empty/);
    await refused(csv('name,phone\nx,1'), /must be the headers; missing: 手机号 \(mobile\), 村 \(village\), 角色 \(roles\)$/);
    await refused({ kind: 'xlsx', base64: Buffer.from('PK\x03\x04 not really a zip').toString('base64') }, /cannot be read/);
  });

  it('a file over the limit is refused before it is read: 2.5 MB by its size, 10 MB by the request limit', async () => {
    await refused(csv(Buffer.alloc(2.5 * 1024 * 1024, 'a')), /larger than 2 MB/);
    await refused(csv(Buffer.alloc(10 * 1024 * 1024, 'a')), /./, 'PAYLOAD_TOO_LARGE');
  });

  it('a GBK-encoded CSV (as Excel in China saves it) is read; headers in English too', async () => {
    // 姓名,手机号,村,角色 / 张三,13700000001,东村,村民 in GBK.
    const gbk = Buffer.concat([
      Buffer.from([0xd0, 0xd5, 0xc3, 0xfb]), Buffer.from(','), Buffer.from([0xca, 0xd6, 0xbb, 0xfa, 0xba, 0xc5]), Buffer.from(','), Buffer.from([0xb4, 0xe5]), Buffer.from(','), Buffer.from([0xbd, 0xc7, 0xc9, 0xab]),
      Buffer.from('\r\n'), Buffer.from([0xd5, 0xc5, 0xc8, 0xfd]), Buffer.from(',13700000001,'), Buffer.from([0xb6, 0xab, 0xb4, 0xe5]), Buffer.from(','), Buffer.from([0xb4, 0xe5, 0xc3, 0xf1]), Buffer.from('\r\n'),
    ]);
    const preview = await admin.org.importPreview.mutate({ file: csv(gbk) });
    expect(preview.problems).toEqual([]);
    expect(preview.rows).toMatchObject([{ displayName: '张三', mobile: '13700000001', villageName: '东村', roles: [{ role: 'villager' }] }]);
    const english = await admin.org.importPreview.mutate({ file: csv('\ufeffname,mobile,village,roles,bodies\nLi Si,13700000002,西村,Villager,party member\n') });
    expect(english.problems).toEqual([]);
    expect(english.rows[0]!.roles.map((g) => g.role)).toEqual(['villager', 'party_member']);
  });

  it('every row problem is named: missing name, bad mobile, bad user name, duplicate user name, admin role, village role without a village, unknown body', async () => {
    const preview = await admin.org.importPreview.mutate({
      file: csv(['姓名,用户名,手机号,村,角色,身份/组织', ',,13700000003,东村,村民,', '王五,,12345,东村,村民,', '赵六,Bad Name!,,东村,村民,', '钱七,same.name,,东村,村民,', '孙八,same.name,,东村,村民,', '周九,,13700000004,,乡镇管理员,', '吴十,,13700000005,,村民,', '郑一,,13700000006,东村,村民,少先队'].join('\n')),
    });
    expect(preview.problems.map((p) => [p.row, p.column, p.code])).toEqual([
      [2, 'displayName', 'missing_name'],
      [3, 'mobile', 'bad_mobile'],
      [4, 'username', 'bad_username'],
      [6, 'username', 'duplicate_username'],
      [7, 'roles', 'admin_role'],
      [8, 'village', 'missing_village'],
      [9, 'bodies', 'bad_body'],
    ]);
    // Blank lines count, as the spreadsheet numbers its rows.
    const gaps = await admin.org.importPreview.mutate({ file: csv('姓名,手机号,村,角色\n\n,,,\n王五,123,东村,村民\n') });
    expect(gaps.problems.map((p) => [p.row, p.code])).toEqual([[4, 'bad_mobile']]);
  });
});

describe('formula cells', () => {
  it('a formula in an .xlsx and a formula-like CSV cell are kept as the text typed and exported as text', async () => {
    const fromXlsx = await xlsx([[{ formula: HYPERLINK.slice(1) }, 'formula.one', '13600000001', '东村', '村民', '']]);
    await admin.org.importCommit.mutate({ file: fromXlsx, fileName: 'f.xlsx' });
    await admin.org.importCommit.mutate({ file: csv(`姓名,用户名,手机号,村,角色\n"+SUM(1,2)",formula.two,13600000002,东村,村民\n"@cmd",formula.three,13600000003,东村,村民\n`), fileName: 'f.csv' });
    const users = new Map((await admin.org.users.query()).map((u) => [u.username, u.displayName]));
    expect(users.get('formula.one')).toBe(HYPERLINK);
    expect(users.get('formula.two')).toBe('+SUM(1,2)');
    expect(users.get('formula.three')).toBe('@cmd');
    const { csv: exported } = await admin.org.exportPeople.query();
    const rows = Papa.parse<string[]>(exported.replace(/^\ufeff/, '')).data;
    const names = new Map(rows.map((r) => [r[1], r[0]]));
    expect(names.get('formula.one')).toBe(`'${HYPERLINK}`);
    expect(names.get('formula.two')).toBe("'+SUM(1,2)");
    expect(names.get('formula.three')).toBe("'@cmd");
    expect(names.get('lh.admin')).toBe('莲花镇管理员');
  });
});

describe('bad import files: renamed files, 10 MB through the HTTP server, zip bombs', () => {
  const refused = async (file: { kind: 'xlsx' | 'csv'; base64: string }, message: RegExp) => {
    const before = await countUsers();
    const error = await errorOf(admin.org.importPreview.mutate({ file }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(message);
    expect((error.data.issues as { pointer: string }[]).map((i) => i.pointer)).toEqual(['/file']);
    expect(await countUsers()).toBe(before);
  };
  const b64 = (bytes: string | Buffer) => Buffer.from(bytes).toString('base64');

  it('a PDF renamed .xlsx, a zip that is no workbook, and binary bytes named .csv are refused in words', async () => {
    await refused({ kind: 'xlsx', base64: b64('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n') }, /^this is not an \.xlsx file$/);
    const notABook = new JSZip().file('readme.txt', '这不是表格');
    await refused({ kind: 'xlsx', base64: (await notABook.generateAsync({ type: 'nodebuffer' })).toString('base64') }, /cannot be read|has no sheet/);
    // A PDF named .csv holds no NUL in its first bytes here, but is not text either way once it has some.
    await refused({ kind: 'csv', base64: b64(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0, 0xff, 0xfe, 0])])) }, /not a CSV text file/);
  });

  it('10 MB through the real HTTP server: a 413 with a typed error in words, answered (not a dropped connection), nothing written, the server still serving', async () => {
    const before = await countUsers();
    const huge = { file: { kind: 'xlsx', base64: 'UEsDBA'.padEnd(10 * 1024 * 1024, 'A') } };
    const res = await fetch(`${s.url}/trpc/org.importPreview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-villageflow': '1', cookie: adminCookie },
      body: JSON.stringify(huge),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { message: string; data: { code: string; httpStatus: number; stack?: string } } };
    expect(body.error.data).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 });
    expect(body.error.data.stack).toBeUndefined();
    expect(body.error.message).toBe('what was sent is larger than 4 MB; send less at a time (a sheet of people: import it in parts)');
    // The web app's client sees the same, typed; in Chinese it reads from common.refusals by the code.
    const error = await errorOf(admin.org.importCommit.mutate({ file: huge.file as { kind: 'xlsx'; base64: string }, fileName: '大表.xlsx' }));
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toMatch(/larger than 4 MB/);
    expect(common.zh.refusals.PAYLOAD_TOO_LARGE).toBe('提交的内容超过 4 MB，请分批提交（人员表格请分批导入）。');
    expect(common.en.refusals.PAYLOAD_TOO_LARGE).toMatch(/larger than 4 MB/);
    expect(await countUsers()).toBe(before);
    expect((await admin.org.allVillages.query()).map((v) => v.name).sort()).toEqual(['东村', '西村'].sort());
  });

  it.each([
    ['declaring its true size', false],
    ['declaring a tiny size (a crafted file)', true],
  ])('an .xlsx zip bomb %s is refused in words before exceljs inflates it, the memory barely moving', async (_, lie) => {
    const bomb = await xlsxBomb(300, lie);
    expect(bomb.length).toBeLessThan(IMPORT_MAX_BYTES);
    const before = await countUsers();
    // The process's peak resident memory: inflating 300 MB into memory would raise it by that much.
    const peak = process.resourceUsage().maxRSS;
    const error = await errorOf(admin.org.importPreview.mutate({ file: { kind: 'xlsx', base64: bomb.toString('base64') } }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toBe('the .xlsx file unpacks to more than 50 MB, far more than a sheet of people; save it again from Excel or WPS, or import it in parts');
    expect((process.resourceUsage().maxRSS - peak) / 1024).toBeLessThan(150);
    expect(await countUsers()).toBe(before);
  });
});

describe('formula-like cells, issue 18: kept as text, shown as text, exported as text', () => {
  const CELLS = ['=HYPERLINK("http://x","点我")', '=1+1', '+1+1', '-1+1', '@SUM(A1)'];

  it('typed as text or entered as formulas in an .xlsx, each is a name as typed; the export makes none a formula', async () => {
    const rows: Row[] = CELLS.flatMap((text, i) => [
      [text, `cell.text${i}`, `1350000000${i}`, '东村', '村民', ''],
      // The same, as a formula cell (Excel strips the leading =; the import keeps it as the text typed).
      ...(text.startsWith('=') ? [[{ formula: text.slice(1) }, `cell.formula${i}`, `1350000001${i}`, '东村', '村民', ''] as Row] : []),
    ]);
    const preview = await admin.org.importPreview.mutate({ file: await xlsx(rows) });
    expect(preview.problems).toEqual([]);
    expect(preview.rows.map((r) => r.displayName)).toEqual(rows.map((r) => (typeof r[0] === 'string' ? r[0] : `=${r[0]!.formula}`)));
    await admin.org.importCommit.mutate({ file: await xlsx(rows), fileName: '公式.xlsx' });
    const stored = new Map((await admin.org.users.query()).map((u) => [u.username, u.displayName]));
    CELLS.forEach((text, i) => expect(stored.get(`cell.text${i}`)).toBe(text));
    expect(stored.get('cell.formula0')).toBe(CELLS[0]);
    expect(stored.get('cell.formula1')).toBe('=1+1');

    // CSV: a cell a spreadsheet would evaluate starts with ' (engine/csv.ts csvCellText).
    const { csv: exported } = await admin.org.exportPeople.query();
    const names = new Map(Papa.parse<string[]>(exported.replace(/^\ufeff/, '')).data.map((r) => [r[1], r[0]]));
    CELLS.forEach((text, i) => expect(names.get(`cell.text${i}`)).toBe(`'${text}`));
    // .xlsx: text cells holding the names as typed; not one formula, so nothing runs when it is opened.
    const { filename, base64 } = await admin.org.exportPeopleXlsx.query();
    expect(filename).toBe('莲花镇-人员.xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(base64, 'base64') as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.getRow(1).values).toEqual([undefined, '姓名', '用户名', '手机号', '村', '角色', '身份/组织']);
    const cells: ExcelJS.Cell[] = [];
    sheet.eachRow((row) => row.eachCell((cell) => cells.push(cell)));
    expect(cells.filter((c) => c.type !== ExcelJS.ValueType.String)).toEqual([]);
    const xlsxNames = new Map<string, string>();
    sheet.eachRow((row) => xlsxNames.set(String(row.getCell(2).value), String(row.getCell(1).value)));
    CELLS.forEach((text, i) => expect(xlsxNames.get(`cell.text${i}`)).toBe(text));
    expect(xlsxNames.get('cell.formula1')).toBe('=1+1');
    // Exported and imported again, the names come back as typed (here: every one taken already).
    const again = await admin.org.importPreview.mutate({ file: { kind: 'xlsx', base64 } });
    expect(again.rows.find((r) => r.username === 'cell.text0')?.displayName).toBe(CELLS[0]);
  });
});
