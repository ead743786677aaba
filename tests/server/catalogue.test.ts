// The service catalogue (事项清单): township admins keep it (each change audit-logged), everyone of
// the township reads it, other townships see nothing of it; a CSV export imports back unchanged;
// village staff start a proxy service from an item, and the villager's rating moves the
// satisfaction figure of the overview (score 4 or 5 of 5 counts as satisfied).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/access/auth.ts';
import { addPeriod } from '../../engine/index.ts';
import { fromCsv, mainSteps, serviceData, toCsv } from '../../server/matters/catalogue.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { errorOf, startTestServer, TEST_STORE, type Client, type TestServer } from './harness.ts';
import proxyFlow from '../../flows/proxy-service.flow.json' with { type: 'json' };

let s: TestServer;
/** A person keeps their session until it ends, then signs in again. */
const as = (username: string): Promise<Client> => s.person(username);

const ITEM = {
  code: 'QS-TEST-001',
  name: '测试事项：农村危房改造补助申请',
  type: '行政给付',
  department: '县住房和城乡建设局',
  legalBasis: '《农村危房改造补助资金管理办法》',
  serviceObject: '农村低收入群体等重点对象',
  conditions: '住房经鉴定为C级或D级危房',
  materials: [
    { name: '居民身份证复印件', required: true, copies: 1, supplier: '申请人' },
    { name: '危房鉴定报告, "C级"', required: false, copies: 2, supplier: '乡镇' },
  ],
  promisedDays: 15,
  statutoryDays: 30,
  fee: '不收费',
  mode: 'proxy' as const,
  flowId: 'proxy-service',
};

beforeAll(async () => {
  s = await startTestServer();
  await s.store.createTownship({ id: 'hetang', name: '荷塘镇' });
  await s.store.createVillage({ id: 'shangzhuang', townshipId: 'hetang', name: '上庄村', kind: 'village' });
  await s.store.createUser({ id: 'ht-admin', townshipId: 'hetang', username: 'ht.admin', displayName: '荷塘镇管理员', passwordHash: await hashPassword(DEMO_PASSWORD), roles: [{ role: 'township_admin', villageId: null }] });
});
afterAll(() => s?.close());

describe('the catalogue: reading and keeping it', () => {
  it('the demo township has its items; every user of the township reads them, with the one-time notice steps', async () => {
    const list = await (await as('dongping.agent')).catalogue.list.query();
    expect(list.map((i) => i.name)).toContain('城乡居民基本养老保险待遇申领');
    const pension = list.find((i) => i.id === 'item-pension')!;
    expect(pension).toMatchObject({ mode: 'proxy', flowId: 'proxy-service', promisedDays: 5, statutoryDays: 20 });
    const notice = await (await as('xiling.villager')).catalogue.get.query({ id: 'item-pension' });
    expect(notice.steps.map((x) => x.id)).toEqual(['registration', 'materials_check', 'forwarding', 'handling', 'result_return', 'follow_up', 'rating']);
    expect(notice.steps.find((x) => x.id === 'handling')!.deadline).toEqual({ days: 5, working: true });
    expect(notice.flow?.title.zh).toBe('便民服务代办');
  });

  it('the township admin creates, updates and deletes an item; each change is in the audit log', async () => {
    const admin = await as('qs.admin');
    const created = await admin.catalogue.upsert.mutate(ITEM);
    expect(created).toMatchObject({ ...ITEM, townshipId: 'qingshan', updatedBy: 'qs-admin' });
    const updated = await admin.catalogue.upsert.mutate({ ...ITEM, id: created.id, promisedDays: 10 });
    expect(updated.id).toBe(created.id);
    expect((await admin.catalogue.get.query({ id: created.id })).item.promisedDays).toBe(10);
    // The code is the item's key in the township: a second item may not take it.
    expect((await errorOf(admin.catalogue.upsert.mutate({ ...ITEM, name: '重复' }))).code).toBe('CONFLICT');
    // A handled item needs a published flow; a promise beyond the statutory limit is refused.
    expect((await errorOf(admin.catalogue.upsert.mutate({ ...ITEM, code: 'QS-TEST-002', flowId: 'no-such-flow' }))).code).toBe('BAD_REQUEST');
    expect((await errorOf(admin.catalogue.upsert.mutate({ ...ITEM, code: 'QS-TEST-002', flowId: null }))).code).toBe('BAD_REQUEST');
    expect((await errorOf(admin.catalogue.upsert.mutate({ ...ITEM, code: 'QS-TEST-002', promisedDays: 40 }))).data.issues).toEqual([{ pointer: '/promisedDays', message: expect.any(String), code: 'promisedOverStatutory', params: { statutory: 30 } }]);
    await admin.catalogue.delete.mutate({ id: created.id });
    expect((await errorOf(admin.catalogue.get.query({ id: created.id }))).code).toBe('NOT_FOUND');
    const log = await admin.audit.log.query({ limit: 10 });
    expect(log.filter((e) => e.target === ITEM.code).map((e) => e.action)).toEqual(['catalogue.delete', 'catalogue.update', 'catalogue.create']);
  });

  it.each(['dongping.agent', 'dongping.secretary', 'qs.reviewer', 'qs.auditor', 'qs.centre', 'qs.officer'])('%s may not change the catalogue', async (user) => {
    const c = await as(user);
    const before = await c.catalogue.list.query();
    expect((await errorOf(c.catalogue.upsert.mutate({ ...ITEM, code: 'QS-HACK' }))).code).toBe('FORBIDDEN');
    expect((await errorOf(c.catalogue.delete.mutate({ id: 'item-pension' }))).code).toBe('FORBIDDEN');
    expect((await errorOf(c.catalogue.importCsv.mutate({ csv: toCsv([]) }))).code).toBe('FORBIDDEN');
    expect(await c.catalogue.list.query()).toEqual(before);
  });

  it('another township sees none of it, and cannot change or start it', async () => {
    const other = await as('ht.admin');
    expect(await other.catalogue.list.query()).toEqual([]);
    expect((await errorOf(other.catalogue.get.query({ id: 'item-pension' }))).code).toBe('NOT_FOUND');
    expect((await errorOf(other.catalogue.delete.mutate({ id: 'item-pension' }))).code).toBe('NOT_FOUND');
    expect((await errorOf(other.catalogue.upsert.mutate({ ...ITEM, id: 'item-pension' }))).code).toBe('NOT_FOUND');
    expect((await errorOf(s.anonymous().catalogue.list.query())).code).toBe('UNAUTHORIZED');
    expect((await (await as('qs.admin')).catalogue.get.query({ id: 'item-pension' })).item.name).toBe('城乡居民基本养老保险待遇申领');
  });
});

describe('CSV', () => {
  it('an export imports back unchanged (commas, quotes, line breaks and all)', async () => {
    const admin = await as('qs.admin');
    await admin.catalogue.upsert.mutate({ ...ITEM, code: 'QS-CSV-001', conditions: '条件一，"条件二"\n条件三' });
    // Text a spreadsheet would run as a formula: exported with ' before it, read back without.
    await admin.catalogue.upsert.mutate({ ...ITEM, code: 'QS-CSV-003', name: '=HYPERLINK("http://example.invalid","点我")', conditions: '- 本村户籍\n- 年满60周岁', fee: '@不收费' });
    const before = await admin.catalogue.list.query();
    const { csv, filename } = await admin.catalogue.exportCsv.query();
    expect(csv).toContain(`"'=HYPERLINK(""http://example.invalid"",""点我"")"`);
    expect(csv).toContain(`"'- 本村户籍\n- 年满60周岁"`);
    expect(csv).toContain(`'@不收费`);
    expect(filename).toBe('青山镇-事项清单.csv');
    expect(csv.startsWith('\ufeff事项编码,事项名称')).toBe(true);
    expect(await admin.catalogue.importCsv.mutate({ csv })).toEqual({ created: 0, updated: before.length });
    const strip = (items: typeof before) => items.map(({ updatedAt: _a, updatedBy: _b, ...rest }) => rest);
    expect(strip(await admin.catalogue.list.query())).toEqual(strip(before));
    // The parser on its own: what was exported is what is read.
    expect(fromCsv(csv).map((r) => r.code)).toEqual(before.map((i) => i.code));
  });

  it('an edited spreadsheet updates by code and adds new rows; Chinese mode labels are read', async () => {
    const admin = await as('qs.admin');
    const { csv } = await admin.catalogue.exportCsv.query();
    const added = '\r\nQS-CSV-002,宅基地政策咨询,公共服务,乡镇自然资源所,,,,"身份证|必需|1|申请人\n申请表|可选|2|乡镇",0,0,不收费,公开告知,';
    const result = await admin.catalogue.importCsv.mutate({ csv: csv + added });
    expect(result.created).toBe(1);
    const item = (await admin.catalogue.list.query()).find((i) => i.code === 'QS-CSV-002')!;
    expect(item).toMatchObject({ mode: 'inform', flowId: null, materials: [{ name: '身份证', required: true, copies: 1, supplier: '申请人' }, { name: '申请表', required: false, copies: 2, supplier: '乡镇' }] });
  });

  it('a bad row is reported by row and column and nothing is imported', async () => {
    const admin = await as('qs.admin');
    const before = await admin.catalogue.list.query();
    const csv = '事项编码,事项名称,办理方式,承诺时限（工作日）,办理流程\nQS-OK-1,好的,代办,5,proxy-service\nQS-BAD-1,坏的,代办,五天,proxy-service\n';
    const error = await errorOf(admin.catalogue.importCsv.mutate({ csv }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.data.issues).toEqual([{ pointer: '/rows/1/promisedDays', message: expect.any(String), code: 'number' }]);
    expect(await admin.catalogue.list.query()).toEqual(before);
    expect((await errorOf(admin.catalogue.importCsv.mutate({ csv: 'a,b\n1,2\n' }))).code).toBe('BAD_REQUEST');
  });
});

/** Runs a proxy service started from the pension item in dongping through to its rating. */
async function proxyService(score: number | null, opts: { late?: boolean } = {}) {
  const agent = await as('dongping.agent');
  const started = await agent.catalogue.start.mutate({ itemId: 'item-pension', villageId: 'dongping', subject: '马德顺' });
  expect(started).toMatchObject({ flowId: 'proxy-service', state: 'registration', title: '城乡居民基本养老保险待遇申领：马德顺', item: { code: '11410323MB1234567X4000117005000' } });
  const id = started.id;
  // Staff open the matter and send with the record they saw; the villager, whose account the agent
  // names (a villager acts on their own matters only), rates with the record the agent's last step left.
  let seen = started.seq;
  const send = async (user: string, payload: Record<string, unknown>) => {
    const c = await as(user);
    const seq = user.endsWith('.villager') ? seen : (await c.instances.get.query({ id })).instance.seq;
    const sent = await c.instances.send.mutate({ id, seq, type: 'SUBMIT', payload });
    seen = sent.seq;
    return sent;
  };
  await send('dongping.agent', { item_code: started.item.code, item_name: started.item.name, villager_name: '马德顺', villager_account: 'dongping.villager', id_number: '410323196603021536', phone: '13903791188', request: '申请领取城乡居民基本养老保险待遇。', channel: 'walk_in', urgent: false, owner_staff_id: 'dongping-agent', owner_name: '东坪村便民服务站代办员', promised_working_days: started.item.promisedDays, no_fee_notice: true });
  await send('dongping.agent', { received: ['居民身份证复印件', '户口簿复印件', '社会保障卡复印件', '待遇申领表'], missing: [], complete: true, checked_on: '2026-03-02' });
  await send('dongping.agent', { forwarded_to: '乡镇便民服务中心社保窗口', forwarded_on: '2026-03-02', method: 'counter', tracking_no: 'QS-DB-2026-0342', promised_date: '2026-03-09' });
  if (opts.late) {
    // Past the 5 working days of handling (everyone signs in again).
    s.clock.advance(10 * 86400_000);
    await s.scheduler.tick();
    expect((await (await as('dongping.agent')).instances.get.query({ id })).instance.state).toBe('supervision');
    await send('qs.centre', { level: 'notice', instruction: '请尽快办结。', responsible: '社保窗口', new_due_date: '2026-04-01' });
  }
  await send('qs.officer', { outcome: 'completed', summary: '经审核符合领取条件。', document_no: '养老核定〔2026〕0917号', handled_on: '2026-03-06' });
  await send('dongping.agent', { delivered_on: '2026-03-07', method: 'in_person', documents: ['城乡居民养老保险待遇核定通知书'], villager_confirmed: true });
  const last = await send('dongping.agent', { called_on: '2026-03-09', reached: true, feedback: '已到账。' });
  expect(last.state).toBe('rating');
  if (score === null) return id;
  const rated = await send('dongping.villager', { score, comment: score >= 4 ? '满意' : '跑了好几趟' });
  expect(rated.state).toBe(score >= 3 ? 'closed' : 'rectification');
  return id;
}

describe('starting a service from an item, and its rating in the overview', () => {
  const dongping = async () => {
    const o = await (await as('qs.admin')).stats.overview.query();
    return { village: o.service.villages.find((v) => v.id === 'dongping')!, item: o.service.items.find((i) => i.id === 'item-pension'), o };
  };

  it('village staff start a proxy service from an item; the rating moves the satisfaction figure', async () => {
    // The seed has one pension claim in 东坪村, finished on time and rated 5.
    const start = await dongping();
    expect(start.village).toMatchObject({ started: 1, done: 1, rated: 1, satisfied: 1, satisfaction: 1, flagged: false });
    expect(start.o.service).toMatchObject({ threshold: 0.8, satisfiedScore: 4 });
    const xiling = start.o.service.villages.find((v) => v.id === 'xiling');

    await proxyService(5);
    let now = await dongping();
    expect(now.village).toMatchObject({ started: 2, done: 2, rated: 2, satisfied: 2, satisfaction: 1, onTimeRate: 1, completion: 1, flagged: false });
    expect(now.item).toMatchObject({ code: '11410323MB1234567X4000117005000', started: 2, satisfaction: 1 });
    // Its time from start to finish is counted for the item.
    expect(now.item!.averageMs).toBeGreaterThanOrEqual(0);
    expect(now.item!.p90Ms).not.toBeNull();

    // A poor rating: 2 of 3 satisfied, and the matter goes on to rectification (not finished).
    await proxyService(2);
    now = await dongping();
    expect(now.village).toMatchObject({ started: 3, done: 2, rated: 3, satisfied: 2, satisfaction: 2 / 3, completion: 2 / 3, flagged: true });
    // Other villages are untouched.
    expect(now.o.service.villages.find((v) => v.id === 'xiling')).toEqual(xiling);
  });

  it('a service that passed a deadline is finished, but not on time', async () => {
    await proxyService(4, { late: true });
    const { village } = await dongping();
    expect(village).toMatchObject({ started: 4, done: 3, onTime: 2, onTimeRate: 2 / 3, satisfied: 3, rated: 4 });
  });

  it('an inform-only item is not started; an outsider village is refused; an auditor cannot start', async () => {
    expect((await errorOf((await as('dongping.agent')).catalogue.start.mutate({ itemId: 'item-homestead', villageId: 'dongping' }))).code).toBe('BAD_REQUEST');
    expect((await errorOf((await as('dongping.agent')).catalogue.start.mutate({ itemId: 'item-pension', villageId: 'xiling' }))).code).toBe('FORBIDDEN');
    expect((await errorOf((await as('qs.auditor')).catalogue.start.mutate({ itemId: 'item-pension', villageId: 'xiling' }))).data.engineCode).toBe('ROLE_FORBIDDEN');
  });

  it('the instance and its link to the item commit together: a failed link leaves neither', async () => {
    const tables = ['instances', 'history', 'tasks', 'timers', 'instance_stats', 'catalogue_starts'];
    const counts = () => Object.fromEntries(tables.map((t) => [t, Number((s.store.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n)]));
    // The database refuses the link row, the write after the instance's: as a crash between them would.
    s.store.db.exec(
      TEST_STORE === 'sqlite'
        ? "CREATE TRIGGER refuse_link BEFORE INSERT ON catalogue_starts BEGIN SELECT RAISE(ABORT, 'link refused'); END"
        : "CREATE TRIGGER refuse_link BEFORE INSERT ON catalogue_starts FOR EACH ROW EXECUTE FUNCTION villageflow_refuse('link refused')",
    );
    const agent = await as('dongping.agent');
    const before = counts();
    try {
      expect((await errorOf(agent.catalogue.start.mutate({ itemId: 'item-pension', villageId: 'dongping', subject: '王秀英' }))).code).toBe('INTERNAL_SERVER_ERROR');
      expect(counts()).toEqual(before);
    } finally {
      s.store.db.exec(TEST_STORE === 'sqlite' ? 'DROP TRIGGER refuse_link' : 'DROP TRIGGER refuse_link ON catalogue_starts');
    }
    const started = await agent.catalogue.start.mutate({ itemId: 'item-pension', villageId: 'dongping', subject: '王秀英' });
    expect(s.store.db.prepare('SELECT item_id, item_code FROM catalogue_starts WHERE instance_id = ?').get(started.id)).toEqual({ item_id: 'item-pension', item_code: started.item.code });
    expect(counts()).toMatchObject({ instances: before.instances! + 1, catalogue_starts: before.catalogue_starts! + 1 });
  });
});

describe("an item's promised time limit", () => {
  const DISABILITY = { id: 'item-disability', code: '11410323MB1234567X4000117006000', name: '困难残疾人生活补贴和重度残疾人护理补贴申请', days: 10 };

  it('is carried by the START record and is the handling deadline, in working days; passing it escalates to supervision', async () => {
    // The notice tells the item's 10 working days for handling, not the flow's default 5.
    const notice = await (await as('dongping.agent')).catalogue.get.query({ id: DISABILITY.id });
    expect(notice.steps.find((x) => x.id === 'handling')!.deadline).toEqual({ days: DISABILITY.days, working: true });

    const agent = await as('dongping.agent');
    const started = await agent.catalogue.start.mutate({ itemId: DISABILITY.id, villageId: 'dongping', subject: '李桂兰' });
    const [first] = await agent.audit.history.query({ id: started.id });
    expect(first).toMatchObject({ type: 'START', payload: { data: { service: { item_id: DISABILITY.id, item_code: DISABILITY.code, item_name: DISABILITY.name, promised_working_days: DISABILITY.days } } } });
    const send = async (user: string, payload: Record<string, unknown>) => {
      const c = await as(user);
      const seen = await c.instances.get.query({ id: started.id });
      return c.instances.send.mutate({ id: started.id, seq: seen.instance.seq, type: 'SUBMIT', payload });
    };
    const registration = { item_code: DISABILITY.code, item_name: DISABILITY.name, villager_name: '李桂兰', villager_account: 'dongping.villager', id_number: '410323195811204521', phone: '13839125567', request: '申请困难残疾人生活补贴。', channel: 'walk_in', urgent: false, owner_staff_id: 'dongping-agent', owner_name: '东坪村便民服务站代办员', promised_working_days: 5, no_fee_notice: true };
    // The registration cannot promise other than the catalogue does.
    const refused = await errorOf(send('dongping.agent', registration));
    expect(refused.data.engineCode).toBe('GUARD_REJECTED');
    await send('dongping.agent', { ...registration, promised_working_days: DISABILITY.days });
    await send('dongping.agent', { received: ['居民身份证复印件', '第二代残疾人证复印件', '户口簿复印件', '补贴申请审批表'], missing: [], complete: true, checked_on: '2026-03-20' });
    const handling = await send('dongping.agent', { forwarded_to: '县民政局', forwarded_on: '2026-03-20', method: 'counter', promised_date: '2026-04-03' });
    expect(handling.state).toBe('handling');

    const due = addPeriod(handling.updatedAt, { duration: `P${DISABILITY.days}D`, calendar: 'working' });
    expect(due).not.toBe(addPeriod(handling.updatedAt, { duration: 'P5D', calendar: 'working' }));
    const task = (await (await as('qs.officer')).tasks.inbox.query()).find((t) => t.instanceId === started.id);
    expect(task).toMatchObject({ state: 'handling', due, overdue: false });

    // A minute before the promise nothing fires; past it, the scheduler escalates (督办).
    s.clock.set(new Date(Date.parse(due) - 60_000));
    await s.scheduler.tick();
    expect((await (await as('dongping.agent')).instances.get.query({ id: started.id })).instance.state).toBe('handling');
    s.clock.set(new Date(Date.parse(due) + 60_000));
    await s.scheduler.tick();
    const history = await (await as('dongping.agent')).audit.history.query({ id: started.id });
    expect(history.at(-1)).toMatchObject({ type: 'TIMER', actor: { id: 'system', role: 'system' }, payload: { timer: 'handling:deadline' }, state: 'supervision' });
    expect((await (await as('qs.centre')).tasks.inbox.query()).some((t) => t.instanceId === started.id && t.state === 'supervision')).toBe(true);
    expect((await (await as('qs.auditor')).audit.verify.query({ id: started.id })).ok).toBe(true);
  });

  it('a flow without a service property starts without it', async () => {
    const started = await (await as('dongping.committee')).catalogue.start.mutate({ itemId: 'item-public-works', villageId: 'dongping' });
    const [first] = await (await as('dongping.committee')).audit.history.query({ id: started.id });
    expect(first!.payload).not.toHaveProperty('data');
  });
});

describe('the one-time notice steps', () => {
  it('follow the main line of the flow to its end', () => {
    expect(mainSteps(proxyFlow as never).map((x) => x.id)).toEqual(['registration', 'materials_check', 'forwarding', 'handling', 'result_return', 'follow_up', 'rating']);
  });
  it("show an item's promise on the step whose deadline reads it", () => {
    const handling = (days: number) => mainSteps(proxyFlow as never, days).find((x) => x.id === 'handling')!.deadline;
    expect(handling(12)).toEqual({ days: 12, working: true });
    expect(handling(0)).toEqual({ days: 5, working: true });
    expect(serviceData({ id: 'i', code: 'C', name: 'N', promisedDays: 0 })).toEqual({ item_id: 'i', item_code: 'C', item_name: 'N' });
  });
});
