// The service catalogue (事项清单) of a township: what an item holds (the six basic elements plus the
// service-guide fields of domain.md (d)), its CSV form (townships keep these lists in spreadsheets),
// the main steps of the flow that runs it (for the one-time notice, 一次性告知单), and the demo items.
import Papa from 'papaparse';
import { csvCellText, csvFile, type FlowIssue } from '../../engine/index.ts';
import { z } from 'zod';
import { transitionsOf, type TransitionConfig } from '../../engine/index.ts';
import { InvalidInputError, zodIssueCode } from '../errors.ts';
import { CATALOGUE_MODES, type CatalogueItem, type CatalogueMaterial, type Store } from '../store/types.ts';

export const materialSchema = z.object({
  name: z.string().trim().min(1).max(200),
  required: z.boolean(),
  copies: z.number().int().min(0).max(99),
  supplier: z.string().trim().max(100),
});

/** What an admin sends: everything but the township and the bookkeeping. */
export const itemInput = z.object({
  id: z.string().max(100).optional(),
  code: z.string().trim().min(1).max(64).regex(/^[0-9A-Za-z._-]+$/, 'letters, digits, dot, dash, underscore'),
  name: z.string().trim().min(1).max(200),
  type: z.string().trim().max(40),
  department: z.string().trim().max(200),
  legalBasis: z.string().trim().max(2000),
  serviceObject: z.string().trim().max(200),
  conditions: z.string().trim().max(2000),
  materials: z.array(materialSchema).max(50),
  promisedDays: z.number().int().min(0).max(365),
  statutoryDays: z.number().int().min(0).max(365),
  fee: z.string().trim().max(200),
  mode: z.enum(CATALOGUE_MODES),
  flowId: z.string().max(80).nullable(),
});
export type ItemInput = z.infer<typeof itemInput>;

/** Rules an item must keep beyond field shapes; each issue names its field. */
export function itemIssues(item: ItemInput, prefix = ''): FlowIssue[] {
  const issues: FlowIssue[] = [];
  if (item.mode !== 'inform' && !item.flowId) issues.push({ pointer: `${prefix}/flowId`, message: 'an item that is handled needs the flow that runs it', code: 'flowRequired' });
  if (item.statutoryDays > 0 && item.promisedDays > item.statutoryDays) {
    issues.push({ pointer: `${prefix}/promisedDays`, message: 'the promised limit cannot exceed the statutory one', code: 'promisedOverStatutory', params: { statutory: item.statutoryDays } });
  }
  return issues;
}

// ----------------------------------------------------------------------------------------------
// CSV: one row per item, Chinese headers as in the township's spreadsheet. Materials go in one
// cell, one material per line: 名称|必需 or 可选|份数|提供方.
// ----------------------------------------------------------------------------------------------
export const CSV_COLUMNS = [
  ['code', '事项编码'],
  ['name', '事项名称'],
  ['type', '事项类型'],
  ['department', '主管部门'],
  ['legalBasis', '设定依据'],
  ['serviceObject', '服务对象'],
  ['conditions', '受理条件'],
  ['materials', '申请材料'],
  ['promisedDays', '承诺时限（工作日）'],
  ['statutoryDays', '法定时限（工作日）'],
  ['fee', '收费标准'],
  ['mode', '办理方式'],
  ['flowId', '办理流程'],
] as const;

export const MODE_LABELS: Record<(typeof CATALOGUE_MODES)[number], string> = {
  village_accepts: '村级受理、乡镇办结',
  township_completes: '乡镇直接办理',
  proxy: '代办',
  inform: '公开告知',
};

function materialsCell(materials: CatalogueMaterial[]): string {
  return materials.map((m) => [m.name, m.required ? '必需' : '可选', String(m.copies), m.supplier].join('|')).join('\n');
}

function parseMaterials(cell: string): unknown[] {
  return cell
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name = '', required = '必需', copies = '1', supplier = ''] = line.split('|').map((x) => x.trim());
      return { name, required: !/^(可选|否|optional|no|false)$/i.test(required), copies: Number(copies || '1'), supplier };
    });
}

export function toCsv(items: CatalogueItem[]): string {
  const rows = items.map((i) =>
    CSV_COLUMNS.map(([key]) => {
      if (key === 'materials') return materialsCell(i.materials);
      if (key === 'mode') return MODE_LABELS[i.mode];
      if (key === 'flowId') return i.flowId ?? '';
      return String(i[key]);
    }),
  );
  return csvFile(
    CSV_COLUMNS.map(([, header]) => header),
    rows,
  );
}

/** Parses a catalogue CSV; every problem is reported with its row and column, or none is applied. */
export function fromCsv(csv: string): ItemInput[] {
  const text = csv.replace(/^\ufeff/, '');
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: 'greedy', transformHeader: (h) => h.trim() });
  const issues: FlowIssue[] = [];
  for (const e of parsed.errors) issues.push({ pointer: `/rows/${e.row ?? 0}`, message: e.message, code: 'csvUnreadable' });
  const headers = parsed.meta.fields ?? [];
  const byHeader = new Map<string, string>();
  for (const [key, header] of CSV_COLUMNS) {
    const found = headers.find((h) => h === header || h === key);
    if (found) byHeader.set(key, found);
    else if (key === 'code' || key === 'name' || key === 'mode') issues.push({ pointer: `/columns/${key}`, message: `missing column ${header}`, code: 'missingColumn' });
  }
  if (issues.length) throw new InvalidInputError(`the CSV cannot be read: ${issues[0]!.message}`, issues);
  const modeOf = (v: string) => (Object.entries(MODE_LABELS).find(([code, label]) => v === code || v === label)?.[0] ?? v) as ItemInput['mode'];
  const items: ItemInput[] = [];
  const codes = new Set<string>();
  parsed.data.forEach((row, n) => {
    const cell = (key: string) => (byHeader.has(key) ? csvCellText((row[byHeader.get(key)!] ?? '').trim()) : '');
    const days = (key: string) => (cell(key) === '' ? 0 : Number(cell(key)));
    const candidate = {
      code: cell('code'),
      name: cell('name'),
      type: cell('type'),
      department: cell('department'),
      legalBasis: cell('legalBasis'),
      serviceObject: cell('serviceObject'),
      conditions: cell('conditions'),
      materials: parseMaterials(cell('materials')),
      promisedDays: days('promisedDays'),
      statutoryDays: days('statutoryDays'),
      fee: cell('fee'),
      mode: modeOf(cell('mode')),
      flowId: cell('flowId') || null,
    };
    const result = itemInput.safeParse(candidate);
    if (!result.success) {
      for (const i of result.error.issues) issues.push({ pointer: `/rows/${n}/${i.path.join('/')}`, message: i.message, ...zodIssueCode(i) });
      return;
    }
    issues.push(...itemIssues(result.data, `/rows/${n}`));
    if (codes.has(result.data.code)) issues.push({ pointer: `/rows/${n}/code`, message: `code ${result.data.code} appears twice`, code: 'duplicateCode', params: { code: result.data.code } });
    codes.add(result.data.code);
    items.push(result.data);
  });
  if (issues.length) throw new InvalidInputError(`${issues.length} problem(s) in the CSV, nothing was imported; first: row ${issues[0]!.pointer} ${issues[0]!.message}`, issues);
  return items;
}

// ----------------------------------------------------------------------------------------------
// What a service started from an item carries in its START data, for flows that declare a
// top-level `service` property (docs/flow-language.md): the item, and its promise when it has one.
// ----------------------------------------------------------------------------------------------
export interface ServiceData {
  item_id: string;
  item_code: string;
  item_name: string;
  promised_working_days?: number;
}

/** The pointer a flow's deadline names to run on the item's promise. */
export const SERVICE_PROMISE = '/service/promised_working_days';

export function takesService(flow: { data: Record<string, unknown> }): boolean {
  const props = flow.data.properties as Record<string, unknown> | undefined;
  return !!props && Object.hasOwn(props, 'service');
}

export function serviceData(item: Pick<CatalogueItem, 'id' | 'code' | 'name' | 'promisedDays'>): ServiceData {
  return { item_id: item.id, item_code: item.code, item_name: item.name, ...(item.promisedDays > 0 ? { promised_working_days: item.promisedDays } : {}) };
}

// ----------------------------------------------------------------------------------------------
// The steps of the flow that runs an item, as a one-time notice lists them.
// ----------------------------------------------------------------------------------------------
interface Text {
  zh: string;
  en?: string;
}
interface FlowLike {
  initial: string;
  title: Text;
  roles?: Record<string, Text>;
  states: Record<string, { kind?: string; title?: Text; description?: Text; roles?: string[]; deadline?: { duration: string; calendar?: string; daysFrom?: string[] }; on?: Record<string, TransitionConfig | TransitionConfig[]> }>;
}
export interface NoticeStep {
  id: string;
  title: Text;
  description: Text | null;
  roles: Text[];
  /** e.g. { days: 5, working: true } from a P5D deadline. */
  deadline: { days: number; working: boolean } | null;
}

/**
 * The main line of a flow: from the initial state, each step's first way on (the first transition
 * of its first event that is not a deadline, a withdrawal, a return or a failed vote), until a final state.
 */
export function mainSteps(flow: FlowLike, promisedDays = 0): NoticeStep[] {
  const out: NoticeStep[] = [];
  const seen = new Set<string>();
  const SIDE = /^(DEADLINE\.|WITHDRAW|RETURN|REJECT|OBJECT|TIMER|VOTE\.(FAILED|NO_QUORUM))/;
  let id: string | undefined = flow.initial;
  while (id && !seen.has(id)) {
    seen.add(id);
    const state: FlowLike['states'][string] | undefined = flow.states[id];
    if (!state || state.kind === 'final') break;
    const days = /^P(\d+)D$/.exec(state.deadline?.duration ?? '');
    // A step whose deadline reads the item's promise (see serviceData) runs on that promise.
    const promised = promisedDays > 0 && state.deadline?.daysFrom?.[0] === SERVICE_PROMISE ? promisedDays : null;
    out.push({
      id,
      title: state.title ?? { zh: id },
      description: state.description ?? null,
      roles: (state.roles ?? []).map((r) => flow.roles?.[r] ?? { zh: r }),
      deadline: promised ?? days ? { days: promised ?? Number(days![1]), working: state.deadline?.calendar === 'working' } : null,
    });
    const next: string | undefined = transitionsOf(flow, id)
      .filter(({ ref, t }) => ref.event !== 'after' && !SIDE.test(ref.event) && typeof t.target === 'string' && !seen.has(t.target))[0]?.t.target;
    id = next;
  }
  return out;
}

// ----------------------------------------------------------------------------------------------
// Demo items for 青山镇.
// ----------------------------------------------------------------------------------------------
const m = (name: string, required = true, copies = 1, supplier = '申请人'): CatalogueMaterial => ({ name, required, copies, supplier });

export const DEMO_ITEMS: (ItemInput & { id: string })[] = [
  {
    id: 'item-pension',
    code: '11410323MB1234567X4000117005000',
    name: '城乡居民基本养老保险待遇申领',
    type: '公共服务',
    department: '县人力资源和社会保障局',
    legalBasis: '《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）',
    serviceObject: '年满60周岁、累计缴费满15年的城乡居民基本养老保险参保人',
    conditions: '年满60周岁，未领取国家规定的基本养老保障待遇，累计缴费满15年',
    materials: [m('居民身份证复印件'), m('户口簿复印件'), m('社会保障卡复印件'), m('待遇申领表（本人签字）', true, 1, '便民服务站提供')],
    promisedDays: 5,
    statutoryDays: 20,
    fee: '不收费',
    mode: 'proxy',
    flowId: 'proxy-service',
  },
  {
    id: 'item-disability',
    code: '11410323MB1234567X4000117006000',
    name: '困难残疾人生活补贴和重度残疾人护理补贴申请',
    type: '行政给付',
    department: '县民政局',
    legalBasis: '《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》（国发〔2015〕52号）',
    serviceObject: '持第二代残疾人证的困难残疾人和重度残疾人',
    conditions: '具有本县户籍，持有第二代残疾人证；生活补贴须为低保家庭成员',
    materials: [m('居民身份证复印件'), m('第二代残疾人证复印件'), m('户口簿复印件'), m('银行账户复印件', false), m('补贴申请审批表', true, 2, '便民服务站提供')],
    promisedDays: 10,
    statutoryDays: 20,
    fee: '不收费',
    mode: 'proxy',
    flowId: 'proxy-service',
  },
  {
    id: 'item-dibao',
    code: '11410323MB1234567X4000117001000',
    name: '最低生活保障审核确认',
    type: '行政给付',
    department: '县民政局',
    legalBasis: '《社会救助暂行办法》第十一条；《最低生活保障审核确认办法》（民发〔2021〕57号）',
    serviceObject: '共同生活的家庭成员人均收入低于当地最低生活保障标准、且财产状况符合规定的家庭',
    conditions: '家庭人均收入低于当地低保标准，家庭财产符合当地规定',
    materials: [m('最低生活保障申请书'), m('家庭成员居民身份证、户口簿复印件'), m('家庭收入和财产状况声明'), m('家庭经济状况核对授权书'), m('残疾、疾病等特殊情况证明', false)],
    promisedDays: 30,
    statutoryDays: 30,
    fee: '不收费',
    mode: 'village_accepts',
    flowId: 'social-assistance',
  },
  {
    id: 'item-public-works',
    code: 'QS-YSYY-001',
    name: '村内公益事业一事一议筹资筹劳方案审核',
    type: '其他行政权力',
    department: '县农业农村局',
    legalBasis: '《村民一事一议筹资筹劳管理办法》（国办发〔2007〕4号）',
    serviceObject: '村民委员会',
    conditions: '方案经村民会议或村民代表会议讨论通过，筹资筹劳不超过省定限额',
    materials: [m('一事一议筹资筹劳方案', true, 2, '村委会'), m('村民会议（代表会议）决议及签名', true, 1, '村委会'), m('入户征求意见记录', true, 1, '村民代表')],
    promisedDays: 7,
    statutoryDays: 7,
    fee: '不收费',
    mode: 'township_completes',
    flowId: 'one-matter-one-discussion',
  },
  {
    id: 'item-homestead',
    code: 'QS-GZ-003',
    name: '农村宅基地申请政策告知',
    type: '公共服务',
    department: '乡镇自然资源所',
    legalBasis: '《中华人民共和国土地管理法》第六十二条',
    serviceObject: '本村集体经济组织成员',
    conditions: '一户一宅；符合村庄规划',
    materials: [m('居民身份证、户口簿', true, 1), m('农村宅基地和建房（规划许可）申请表', true, 1, '乡镇自然资源所')],
    promisedDays: 0,
    statutoryDays: 0,
    fee: '不收费',
    mode: 'inform',
    flowId: null,
  },
];

export async function seedCatalogue(store: Store, townshipId: string, by: string, at: string): Promise<void> {
  await store.upsertCatalogueItems(DEMO_ITEMS.map((i) => ({ ...i, townshipId, updatedBy: by, updatedAt: at })));
}
