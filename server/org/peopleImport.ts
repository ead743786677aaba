// Bulk import of people from the spreadsheets townships keep (.xlsx or .csv, Chinese or English
// headers): a preview that names every row's problems by row and column before anything is
// written, then a commit that checks again and adds everyone in one transaction or nobody. Each
// imported person gets a temporary password, returned once to the admin (never stored in clear,
// never logged), which they change at first sign-in. Cells are kept as text exactly as typed
// (a cell like `=HYPERLINK(...)` is a name, not a formula); exports neutralise them (CSV: engine/csv.ts;
// .xlsx: text cells only). An .xlsx that would unpack to far more than a sheet (a zip bomb) is refused unread.
import { randomInt, randomUUID } from 'node:crypto';
import type ExcelJS from 'exceljs';
import JSZip from 'jszip';
import Papa from 'papaparse';
import { z } from 'zod';
import { hashTemporaryPassword } from '../access/auth.ts';
import { InvalidInputError } from '../errors.ts';
import { DISPLAY_NAME, MOBILE, USERNAME, type Actor } from './organisation.ts';
import { BODY_WORDS } from '../../engine/index.ts';
import { roleCatalogue } from './roles.ts';
import type { CatalogueRole, RoleGrant, Store, User, Village } from '../store/types.ts';

/** The largest file taken (a township's whole roster is far smaller). */
export const IMPORT_MAX_BYTES = 2 * 1024 * 1024;
/** The most people one import adds. */
export const IMPORT_MAX_ROWS = 5000;
/**
 * The most an .xlsx may unpack to, all its parts together: a full sheet of 5000 people unpacks to a
 * few MB. Far more is a zip bomb (a small file that inflates to gigabytes), refused before exceljs
 * reads it, since exceljs inflates every part whole into memory.
 */
export const IMPORT_MAX_UNPACKED_BYTES = 50 * 1024 * 1024;

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
const unreadable = () => refuse('the .xlsx file cannot be read; open it in Excel or WPS and save it again');

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
 * Refuses an .xlsx whose parts unpack to more than IMPORT_MAX_UNPACKED_BYTES. The parts are inflated
 * as a stream and counted, stopping at the limit, rather than trusting the sizes the zip declares
 * (a crafted file can declare small sizes; JSZip checks them only after inflating a part whole).
 */
async function refuseZipBomb(bytes: Buffer): Promise<void> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch {
    throw unreadable();
  }
  let total = 0;
  const tooBig = () => refuse(`the .xlsx file unpacks to more than ${IMPORT_MAX_UNPACKED_BYTES / 1024 / 1024} MB, far more than a sheet of people; save it again from Excel or WPS, or import it in parts`);
  for (const entry of Object.values(zip.files)) {
    if (entry.dir) continue;
    await new Promise<void>((resolve, reject) => {
      const stream = entry.nodeStream('nodebuffer') as NodeJS.ReadableStream & { destroy(): void };
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total <= IMPORT_MAX_UNPACKED_BYTES) return;
        stream.removeAllListeners('data');
        stream.destroy();
        reject(tooBig());
      });
      stream.on('end', resolve);
      stream.on('error', () => reject(unreadable()));
    });
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
  await refuseZipBomb(bytes);
  const book = await workbook();
  try {
    await book.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw unreadable();
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

/** The township's roles as its sheet writes them (the zh or en label, or the key), to the role. */
function rolesByLabel(catalogue: CatalogueRole[]): Map<string, CatalogueRole> {
  const map = new Map<string, CatalogueRole>();
  for (const r of catalogue) for (const word of [r.key, r.label.zh, r.label.en]) map.set(word.toLowerCase(), r);
  return map;
}
/**
 * Memberships of a village's bodies, as the 身份/组织 column writes them (engine/roles.ts BODY_WORDS,
 * or the role's key): for now each stands for the role that acts for it, where the catalogue has it.
 */
function bodiesByWord(catalogue: CatalogueRole[]): Map<string, CatalogueRole> {
  const byKey = new Map(catalogue.map((r) => [r.key, r]));
  const map = new Map<string, CatalogueRole>();
  for (const [key, words] of Object.entries(BODY_WORDS)) {
    const role = byKey.get(key);
    if (role) for (const word of [key, ...words]) map.set(word.toLowerCase(), role);
  }
  return map;
}
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
  const catalogue = await roleCatalogue(store, townshipId);
  const roleByLabel = rolesByLabel(catalogue);
  const bodyByWord = bodiesByWord(catalogue);
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
    const grant = (role: CatalogueRole, column: PeopleColumn, label: string) => {
      const township = role.scope === 'township';
      if (role.key === 'township_admin') return problem(column, 'admin_role', label);
      if (!township && !villageName) return problem('village', 'missing_village', label);
      const villageId = township ? null : (village?.id ?? '');
      if (!roles.some((g) => g.role === role.key && g.villageId === villageId)) roles.push({ role: role.key, villageId });
    };
    for (const label of split(cell('roles'))) {
      const role = roleByLabel.get(label.toLowerCase());
      if (role) grant(role, 'roles', label);
      else problem('roles', 'bad_role', label);
    }
    for (const label of split(cell('bodies'))) {
      const role = bodyByWord.get(label.toLowerCase());
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

/**
 * The template: the Chinese headers and one made-up person on the first sheet (the one read), and a
 * second sheet 说明 with what the columns take: the township's villages, the roles, the bodies.
 */
export async function peopleTemplate(villages: Village[], catalogue: CatalogueRole[]): Promise<Buffer> {
  const book = await workbook();
  peopleSheet(book, [['张示例', 'zhang.shili', '13800000000', '示例村', '村民代表、会议记录员', '党员']]);
  const help = book.addWorksheet('说明');
  const roles = catalogue.filter((r) => r.key !== 'township_admin').map((r) => r.label.zh);
  const bodyLabels = Object.entries(BODY_WORDS).filter(([key]) => catalogue.some((r) => r.key === key)).map(([, words]) => words[0]);
  const live = villages.filter((v) => !v.archivedAt).map((v) => v.name);
  help.addRow(['村（本乡镇的村、社区）', '角色（多个用“、”分开）', '身份/组织', '说明']);
  help.getRow(1).font = { bold: true };
  const notes = ['第一张表“人员”的第一行是表头，从第二行起每行一人；请删去示例行。', '用户名可不填：不填时手机号就是用户名。', '每人导入后有一个临时密码，首次登录时须修改。'];
  for (let i = 0; i < Math.max(live.length, roles.length, notes.length); i++) help.addRow([live[i] ?? null, roles[i] ?? null, bodyLabels[i] ?? null, notes[i] ?? null]);
  help.columns.forEach((c) => (c.width = 28));
  return Buffer.from(await book.xlsx.writeBuffer());
}

/**
 * The sheet 人员 of the import's columns, the Chinese headers first. Every cell is written as a
 * text cell: a name like `=1+1` stays text (exceljs writes a formula only from a { formula } value).
 */
function peopleSheet(book: ExcelJS.Workbook, rows: string[][]): void {
  const sheet = book.addWorksheet('人员');
  sheet.addRow(PEOPLE_COLUMNS.map(([, zh]) => zh));
  for (const row of rows) sheet.addRow(row);
  sheet.getRow(1).font = { bold: true };
  sheet.columns.forEach((c) => (c.width = 18));
  // Mobile numbers as text, so Excel does not turn them into numbers.
  sheet.getColumn(3).numFmt = '@';
}

/** The township's people as an .xlsx in the import's columns (it reads back in as an import). */
export async function peopleXlsx(rows: string[][]): Promise<Buffer> {
  const book = await workbook();
  peopleSheet(book, rows);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** The township's people as rows of the import's columns (an export that reads back in). */
export function peopleRows(users: User[], villages: Village[], catalogue: CatalogueRole[]): string[][] {
  const villageName = new Map(villages.map((v) => [v.id, v.name]));
  const roleName = new Map(catalogue.map((r) => [r.key, r.label.zh]));
  return users.map((u) => {
    const villageIds = [...new Set(u.roles.map((g) => g.villageId).filter((id): id is string => !!id))];
    return [u.displayName, u.username, u.mobile ?? '', villageIds.map((id) => villageName.get(id) ?? id).join('、'), u.roles.map((g) => roleName.get(g.role) ?? g.role).join('、'), ''];
  });
}
