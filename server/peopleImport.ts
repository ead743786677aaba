// Bulk import of people from the spreadsheets townships keep (.xlsx or .csv, Chinese or English
// headers): a preview that names every row's problems by row and column before anything is
// written, then a commit that checks again and adds everyone in one transaction or nobody. Each
// imported person gets a temporary password, returned once to the admin (never stored in clear,
// never logged), which they change at first sign-in. Cells are kept as text exactly as typed
// (a cell like `=HYPERLINK(...)` is a name, not a formula); exports neutralise them (engine/csv.ts).
import { randomInt, randomUUID } from 'node:crypto';
import type ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { z } from 'zod';
import { common } from '../designer/i18n/messages/common.ts';
import { hashTemporaryPassword } from './auth.ts';
import { InvalidInputError } from './errors.ts';
import { DISPLAY_NAME, MOBILE, USERNAME, type Actor } from './organisation.ts';
import { TOWNSHIP_ROLES, VILLAGE_ROLES, type Role, type RoleGrant, type Store, type User, type Village } from './store/types.ts';

/** The largest file taken (a township's whole roster is far smaller). */
export const IMPORT_MAX_BYTES = 2 * 1024 * 1024;
/** The most people one import adds. */
export const IMPORT_MAX_ROWS = 5000;

/** The columns, in the template's order: key, Chinese header, English header. */
export const PEOPLE_COLUMNS = [
  ['displayName', '姓名', 'name'],
  ['username', '用户名', 'username'],
  ['mobile', '手机号', 'mobile'],
  ['village', '村', 'village'],
  ['roles', '角色', 'roles'],
  ['bodies', '身份/组织', 'bodies'],
] as const;
export type PeopleColumn = (typeof PEOPLE_COLUMNS)[number][0];
const HEADER_ALIASES: Record<string, PeopleColumn> = { 村社区: 'village', '村（社区）': 'village', 村庄: 'village', 手机: 'mobile', 电话: 'mobile', 身份: 'bodies', 组织: 'bodies', display_name: 'displayName' };

/** Why a row cannot be imported: a code the web app says in words, with the value concerned. */
export type ImportProblemCode =
  | 'missing_name'
  | 'bad_name'
  | 'bad_username'
  | 'missing_login'
  | 'bad_mobile'
  | 'duplicate_mobile'
  | 'mobile_taken'
  | 'duplicate_username'
  | 'username_taken'
  | 'unknown_village'
  | 'archived_village'
  | 'missing_village'
  | 'bad_role'
  | 'admin_role'
  | 'bad_body';
export interface ImportProblem {
  /** The spreadsheet's row number (the header is row 1). */
  row: number;
  column: PeopleColumn;
  code: ImportProblemCode;
  value: string;
  /** In English, for logs and API users; the web app says it from the code. */
  message: string;
}
export interface ImportRow {
  row: number;
  displayName: string;
  username: string;
  mobile: string | null;
  villageName: string;
  roles: RoleGrant[];
}
export interface ImportPreview {
  rows: ImportRow[];
  problems: ImportProblem[];
}

export const IMPORT_FILE = z.object({
  kind: z.enum(['xlsx', 'csv']),
  /** The file's bytes in base64. */
  base64: z.string().max(Math.ceil(IMPORT_MAX_BYTES / 3) * 4 + 4, `the file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`),
});
export type ImportFile = z.infer<typeof IMPORT_FILE>;

const refuse = (message: string, pointer = '/file') => new InvalidInputError(message, [{ pointer, message }]);

/** Text of a CSV file: UTF-8 (with or without BOM), else GBK as Excel in China saves it. */
function csvText(bytes: Buffer): string {
  if (bytes.includes(0)) throw refuse('the file is not a CSV text file (it holds binary data); save the sheet as .xlsx or .csv');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\ufeff/, '');
  } catch {
    try {
      return new TextDecoder('gbk', { fatal: true }).decode(bytes);
    } catch {
      throw refuse('the CSV file is neither UTF-8 nor GBK text; save it again as "CSV UTF-8"');
    }
  }
}

/**
 * ExcelJS, loaded when a spreadsheet is first read or written: loading it takes most of a second,
 * which every server start (and every test file that starts one) would otherwise pay.
 */
async function workbook(): Promise<ExcelJS.Workbook> {
  const { default: excel } = await import('exceljs');
  return new excel.Workbook();
}

/** A cell as the text typed in it: a formula is kept as its text (`=…`), never evaluated. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ('formula' in value && typeof value.formula === 'string') return `=${value.formula}`;
  if ('sharedFormula' in value && typeof value.sharedFormula === 'string') return `=${value.sharedFormula}`;
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('error' in value) return String(value.error);
  return '';
}

/** The rows of the file's first sheet as text cells, the header first. */
export async function readRows(file: ImportFile): Promise<string[][]> {
  const bytes = Buffer.from(file.base64, 'base64');
  if (bytes.length > IMPORT_MAX_BYTES) throw refuse(`the file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`);
  if (bytes.length === 0) throw refuse('the file is empty');
  const zip = bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  const oldExcel = bytes.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]));
  if (oldExcel) throw refuse('old Excel files (.xls) are not read; save the sheet as .xlsx');
  if (file.kind === 'csv') {
    if (zip) throw refuse('this is not a CSV file (it looks like .xlsx); choose it as .xlsx');
    // Blank lines are kept (and skipped later), so row numbers are the spreadsheet's.
    const parsed = Papa.parse<string[]>(csvText(bytes), { skipEmptyLines: false });
    return parsed.data.map((r) => r.map(String));
  }
  if (!zip) throw refuse('this is not an .xlsx file');
  const book = await workbook();
  try {
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw refuse('the .xlsx file cannot be read; open it in Excel or WPS and save it again');
  }
  const sheet = book.worksheets[0];
  if (!sheet) throw refuse('the .xlsx file has no sheet');
  if (sheet.rowCount > IMPORT_MAX_ROWS + 1) throw refuse(`the sheet has more than ${IMPORT_MAX_ROWS} rows; import it in parts`);
  const rows: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, n) => {
    const cells: string[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellText(row.getCell(c).value));
    rows[n - 1] = cells;
  });
  return Array.from(rows, (r) => r ?? []);
}

/** Role labels as a township's sheet writes them (zh or en, or the role's code), to the role. */
const ROLE_BY_LABEL: Map<string, Role> = (() => {
  const map = new Map<string, Role>();
  for (const role of [...TOWNSHIP_ROLES, ...VILLAGE_ROLES]) {
    map.set(role, role);
    for (const lang of ['zh', 'en'] as const) {
      const label = common[lang].roleNames[role];
      if (label) map.set(label.toLowerCase(), role);
    }
  }
  return map;
})();
/** Memberships of a village's bodies, as the 身份/组织 column writes them (the first label is the template's): for now each stands for the role that acts for it. */
const BODIES: [Role, string[]][] = [
  ['party_member', ['党员', '中共党员', 'party member', 'party_member']],
  ['villager_representative', ['村民代表', '村民代表会议', 'villager representative', 'villager_representative']],
  ['committee_member', ['两委', '村两委', '村两委成员', '村委会', '村委委员', '村民委员会', 'committee member', 'committee_member']],
  ['supervisory_member', ['监委会', '村务监督委员会', '村务监督委员会成员', 'supervisory committee', 'supervisory_member']],
  ['villager', ['村民', 'villager']],
];
const BODY_BY_LABEL = new Map(BODIES.flatMap(([role, labels]) => labels.map((l) => [l, role] as const)));
const split = (cell: string) =>
  cell
    .split(/[、,，;；\n/]+/)
    .map((s) => s.trim())
    .filter(Boolean);

const MESSAGES: Record<ImportProblemCode, string> = {
  missing_name: 'has no name',
  bad_name: 'the name is longer than 100 characters',
  bad_username: 'the user name must be 3 to 40 lower-case letters, digits, ".", "_" or "-"',
  missing_login: 'needs a user name or a mobile number',
  bad_mobile: 'the mobile number must have 11 digits starting with 1',
  duplicate_mobile: 'the mobile number appears on another row of the file',
  mobile_taken: "the mobile number is another person's already",
  duplicate_username: 'the user name appears on another row of the file',
  username_taken: 'the user name is taken already',
  unknown_village: 'no village of the township has this name',
  archived_village: 'the village is archived',
  missing_village: 'a village role needs the village',
  bad_role: 'is not a role of the township',
  admin_role: 'township admins are not imported; grant it on the person’s page',
  bad_body: 'is not a body of the village',
};

/** Reads the file and checks every row against the township; nothing is written. */
export async function previewImport(store: Store, townshipId: string, file: ImportFile): Promise<ImportPreview> {
  const [header = [], ...body] = await readRows(file);
  const columns = new Map<PeopleColumn, number>();
  header.forEach((h, i) => {
    const text = h.trim().toLowerCase();
    const key = PEOPLE_COLUMNS.find(([k, zh, en]) => text === zh || text === en || text === k.toLowerCase())?.[0] ?? HEADER_ALIASES[text];
    if (key && !columns.has(key)) columns.set(key, i);
  });
  const missing = PEOPLE_COLUMNS.filter(([k]) => k === 'displayName' || k === 'mobile' || k === 'village' || k === 'roles').filter(([k]) => !columns.has(k));
  if (missing.length) throw refuse(`the first row must be the headers; missing: ${missing.map(([, zh, en]) => `${zh} (${en})`).join(', ')}`, '/file/header');
  if (body.length > IMPORT_MAX_ROWS) throw refuse(`the sheet has more than ${IMPORT_MAX_ROWS} rows; import it in parts`);

  const villages = await store.listVillages(townshipId);
  const problems: ImportProblem[] = [];
  const rows: ImportRow[] = [];
  const mobiles = new Map<string, number>();
  const usernames = new Map<string, number>();
  for (const [i, cells] of body.entries()) {
    const row = i + 2;
    const cell = (k: PeopleColumn) => (columns.has(k) ? (cells[columns.get(k)!] ?? '').trim() : '');
    if (PEOPLE_COLUMNS.every(([k]) => cell(k) === '')) continue;
    const problem = (column: PeopleColumn, code: ImportProblemCode, value = cell(column)) => problems.push({ row, column, code, value, message: `row ${row}, ${column}: ${value ? `${value}: ` : ''}${MESSAGES[code]}` });

    const displayName = cell('displayName');
    if (!displayName) problem('displayName', 'missing_name');
    else if (!DISPLAY_NAME.safeParse(displayName).success) problem('displayName', 'bad_name');

    const mobile = cell('mobile').replace(/[\s-]/g, '') || null;
    const mobileOk = !!mobile && MOBILE.safeParse(mobile).success;
    const problemsBefore = problems.length;
    if (mobile && !mobileOk) problem('mobile', 'bad_mobile');
    else if (mobile && mobiles.has(mobile)) problem('mobile', 'duplicate_mobile');
    else if (mobile && (await store.getUserByMobile(mobile))) problem('mobile', 'mobile_taken');
    if (mobile) mobiles.set(mobile, row);

    // No user name: the mobile number is one (people sign in with it either way). A problem of the
    // mobile is said once, as the mobile's, not again as the user name made of it.
    const derived = !cell('username');
    const username = cell('username').toLowerCase() || (mobileOk ? mobile! : '');
    const mobileSaid = problems.length > problemsBefore;
    if (!username && !mobile) problem('username', 'missing_login');
    else if (!username || (derived && mobileSaid)) {
      // said as the mobile's problem
    } else if (!USERNAME.safeParse(username).success) problem('username', 'bad_username', username);
    else if (usernames.has(username)) problem('username', 'duplicate_username', username);
    else if (await store.getUserByUsername(username)) problem('username', 'username_taken', username);
    if (username) usernames.set(username, row);

    const villageName = cell('village');
    const village: Village | undefined = villageName ? (villages.find((v) => v.name === villageName && !v.archivedAt) ?? villages.find((v) => v.name === villageName)) : undefined;
    if (villageName && !village) problem('village', 'unknown_village');
    else if (village?.archivedAt) problem('village', 'archived_village');

    const roles: RoleGrant[] = [];
    const grant = (role: Role, column: PeopleColumn, label: string) => {
      const township = (TOWNSHIP_ROLES as readonly string[]).includes(role);
      if (role === 'township_admin') return problem(column, 'admin_role', label);
      if (!township && !villageName) return problem('village', 'missing_village', label);
      const villageId = township ? null : (village?.id ?? '');
      if (!roles.some((g) => g.role === role && g.villageId === villageId)) roles.push({ role, villageId });
    };
    for (const label of split(cell('roles'))) {
      const role = ROLE_BY_LABEL.get(label.toLowerCase());
      if (role) grant(role, 'roles', label);
      else problem('roles', 'bad_role', label);
    }
    for (const label of split(cell('bodies'))) {
      const role = BODY_BY_LABEL.get(label.toLowerCase());
      if (role) grant(role, 'bodies', label);
      else problem('bodies', 'bad_body', label);
    }
    rows.push({ row, displayName, username, mobile, villageName, roles });
  }
  return { rows, problems };
}

/** A temporary password to hand over: 12 random characters without look-alikes (0/O, 1/l/I). */
function temporaryPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from({ length: 12 }, () => alphabet[randomInt(alphabet.length)]).join('');
}

export interface ImportedPerson {
  id: string;
  row: number;
  displayName: string;
  username: string;
  mobile: string | null;
  villageName: string;
  /** Shown once to the admin to hand over; the person chooses their own at first sign-in. */
  temporaryPassword: string;
}

/** Checks the file again and adds every person in one transaction, or refuses them all naming every problem. */
export async function commitImport(store: Store, actor: Actor, file: ImportFile, fileName: string, at: string): Promise<ImportedPerson[]> {
  const { rows, problems } = await previewImport(store, actor.townshipId, file);
  if (problems.length) {
    throw new InvalidInputError(
      `${problems.length} problem(s) in the file, nobody was added; first: ${problems[0]!.message}`,
      problems.map((p) => ({ pointer: `/rows/${p.row}/${p.column}`, message: MESSAGES[p.code] })),
    );
  }
  if (!rows.length) throw refuse('the file has no people below its headers');
  const people = await Promise.all(
    rows.map(async (r) => {
      const password = temporaryPassword();
      return { r, id: randomUUID(), password, passwordHash: await hashTemporaryPassword(password) };
    }),
  );
  const users = people.map(({ r, id, passwordHash }) => ({ id, townshipId: actor.townshipId, username: r.username, displayName: r.displayName, passwordHash, roles: r.roles, mobile: r.mobile, mustChangePassword: true }));
  const audits = [
    { townshipId: actor.townshipId, at, actorId: actor.id, action: 'user.import', target: actor.townshipId, details: { file: fileName, count: users.length } },
    ...users.map((u, i) => ({ townshipId: actor.townshipId, at, actorId: actor.id, action: 'user.create', target: u.id, details: { username: u.username, displayName: u.displayName, roles: u.roles, ...(u.mobile ? { mobile: u.mobile } : {}), import: { file: fileName, row: people[i]!.r.row } } })),
  ];
  await store.createUsers(users, audits);
  return people.map(({ r, id, password }) => ({ id, row: r.row, displayName: r.displayName, username: r.username, mobile: r.mobile, villageName: r.villageName, temporaryPassword: password }));
}

const BODY_LABELS = BODIES.map(([, labels]) => labels[0]);

/**
 * The template: the Chinese headers and one made-up person on the first sheet (the one read), and a
 * second sheet 说明 with what the columns take: the township's villages, the roles, the bodies.
 */
export async function peopleTemplate(villages: Village[]): Promise<Buffer> {
  const book = await workbook();
  const sheet = book.addWorksheet('人员');
  sheet.addRow(PEOPLE_COLUMNS.map(([, zh]) => zh));
  sheet.addRow(['张示例', 'zhang.shili', '13800000000', '示例村', '村民代表、会议记录员', '党员']);
  sheet.getRow(1).font = { bold: true };
  sheet.columns.forEach((c) => (c.width = 18));
  // Mobile numbers as text, so Excel does not turn them into numbers.
  sheet.getColumn(3).numFmt = '@';
  const help = book.addWorksheet('说明');
  const roles = [...TOWNSHIP_ROLES, ...VILLAGE_ROLES].filter((r) => r !== 'township_admin').map((r) => common.zh.roleNames[r] ?? r);
  const live = villages.filter((v) => !v.archivedAt).map((v) => v.name);
  help.addRow(['村（本乡镇的村、社区）', '角色（多个用“、”分开）', '身份/组织', '说明']);
  help.getRow(1).font = { bold: true };
  const notes = ['第一张表“人员”的第一行是表头，从第二行起每行一人；请删去示例行。', '用户名可不填：不填时手机号就是用户名。', '每人导入后有一个临时密码，首次登录时须修改。'];
  for (let i = 0; i < Math.max(live.length, roles.length, notes.length); i++) help.addRow([live[i] ?? null, roles[i] ?? null, BODY_LABELS[i] ?? null, notes[i] ?? null]);
  help.columns.forEach((c) => (c.width = 28));
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** The township's people as rows of the import's columns (an export that reads back in). */
export function peopleRows(users: User[], villages: Village[]): string[][] {
  const villageName = new Map(villages.map((v) => [v.id, v.name]));
  return users.map((u) => {
    const villageIds = [...new Set(u.roles.map((g) => g.villageId).filter((id): id is string => !!id))];
    return [u.displayName, u.username, u.mobile ?? '', villageIds.map((id) => villageName.get(id) ?? id).join('、'), u.roles.map((g) => common.zh.roleNames[g.role] ?? g.role).join('、'), ''];
  });
}
