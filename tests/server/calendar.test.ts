// The working-day calendar as maintained data, end to end: a deadline that runs into a year
// without an official schedule is provisional; a schedule that breaks the law is refused naming
// the date, changing nothing; adopting the year recomputes the running deadline with one history
// record, the chain verifies, and the export bundle verifies offline with its calendar versions.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/villageflow.ts';
import { calendarVersion, fromHolidayCn } from '../../engine/index.ts';
import { Runtime } from '../../server/matters/runtime.ts';
import { errorOf, startTestServer, TEST_STORE, type Client, type TestServer } from './harness.ts';

/** MADE UP FOR TESTS ONLY (see its $comment): not the official 2027 schedule. */
const MADE_UP_2027 = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'calendar-2027.made-up.holiday-cn.json'), 'utf8')) as { year: number; days: { name: string; date: string; isOffDay: boolean }[] };
const SOURCE = { title: '测试用虚构的2027年放假安排（非官方）', number: 'TEST-2027' };
const DISABILITY = { id: 'item-disability', code: '11410323MB1234567X4000117006000', name: '困难残疾人生活补贴和重度残疾人护理补贴申请', days: 10 };

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

let s: TestServer;
let dir: string;
/** A person keeps their session until it ends (the clock moves by months here), then signs in again. */
const as = (username: string): Promise<Client> => s.person(username);
let matter: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'villageflow-calendar-'));
  // Tuesday 2026-12-29, 10:00 China time.
  s = await startTestServer({ start: '2026-12-29T02:00:00.000Z' });
  const agent = await as('dongping.agent');
  const started = await agent.catalogue.start.mutate({ itemId: DISABILITY.id, villageId: 'dongping', subject: '李桂兰' });
  matter = started.id;
  const send = async (payload: Record<string, unknown>) => {
    const seen = await agent.instances.get.query({ id: matter });
    return agent.instances.send.mutate({ id: matter, seq: seen.instance.seq, type: 'SUBMIT', payload });
  };
  await send({ item_code: DISABILITY.code, item_name: DISABILITY.name, villager_name: '李桂兰', id_number: '410323195811204521', phone: '13839125567', request: '申请困难残疾人生活补贴。', channel: 'walk_in', urgent: false, owner_staff_id: 'dongping-agent', owner_name: '东坪村便民服务站代办员', promised_working_days: DISABILITY.days, no_fee_notice: true });
  const forwarding = await send({ received: ['居民身份证复印件', '第二代残疾人证复印件', '户口簿复印件', '补贴申请审批表'], missing: [], complete: true, checked_on: '2026-12-29' });
  expect(forwarding.state).toBe('forwarding');
});
afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a deadline into a year without an official schedule', () => {
  it('is counted on the provisional 2027 (statutory holidays only) and says so', async () => {
    // Three working days from Tuesday 12-29: 12-30, 12-31, (1 January, New Year's Day), Monday 01-04.
    const task = (await (await as('dongping.agent')).tasks.inbox.query()).find((t) => t.instanceId === matter)!;
    expect(task).toMatchObject({ state: 'forwarding', due: '2027-01-04T02:00:00.000Z', dueProvisional: true, provisionalYears: [2027] });
    const view = await (await as('dongping.agent')).instances.get.query({ id: matter });
    expect(view.step).toMatchObject({ due: '2027-01-04T02:00:00.000Z', dueProvisional: true, provisionalYears: [2027] });
    const years = await (await as('qs.reviewer')).calendar.years.query();
    expect(years.find((y) => y.year === 2026)).toMatchObject({ status: 'baseline', adoptedAt: null });
    expect(years.find((y) => y.year === 2027)).toMatchObject({ status: 'provisional', source: null });
    const shown = await (await as('qs.auditor')).calendar.show.query({ year: 2027 });
    expect(shown.provisional).toBe(true);
    expect(shown.version.rest).toContain('2027-01-01');
  });
});

describe('adopting 2027', () => {
  it('refuses a schedule that misses Spring Festival, naming the date, and changes nothing', async () => {
    const admin = await as('qs.admin');
    const missing = { ...MADE_UP_2027, days: MADE_UP_2027.days.filter((d) => d.date !== '2027-02-08') };
    const preview = await admin.calendar.preview.mutate({ holidayCn: missing, ...SOURCE });
    expect(preview.problems).toEqual([expect.objectContaining({ code: 'HOLIDAY_NOT_REST', date: '2027-02-08' })]);
    const before = await s.store.calendarYears('qingshan');
    const refused = await errorOf(admin.calendar.adopt.mutate({ year: fromHolidayCn(missing, SOURCE) }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.data.problems).toEqual([expect.objectContaining({ code: 'HOLIDAY_NOT_REST', date: '2027-02-08' })]);
    expect(refused.message).toContain('2027-02-08');
    expect(await s.store.calendarYears('qingshan')).toEqual(before);
  });

  it('refuses a make-up working day on a Tuesday, naming it; a malformed file names the row', async () => {
    const admin = await as('qs.admin');
    const tuesday = { ...MADE_UP_2027, days: [...MADE_UP_2027.days, { name: '测试', date: '2027-03-02', isOffDay: false }] };
    const refused = await errorOf(admin.calendar.adopt.mutate({ year: fromHolidayCn(tuesday, SOURCE) }));
    expect(refused.data.problems).toEqual([expect.objectContaining({ code: 'WORKDAY_NOT_WEEKEND', date: '2027-03-02' })]);
    const bad = await errorOf(admin.calendar.preview.mutate({ holidayCn: { year: 2027, days: [{ name: '元旦', date: '2027-01-01' }] } }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toContain('days[0].isOffDay');
  });

  it('previews, adopts and recomputes the running deadline with one record; the chain verifies', async () => {
    const admin = await as('qs.admin');
    const preview = await admin.calendar.preview.mutate({ holidayCn: MADE_UP_2027, ...SOURCE });
    expect(preview.problems).toEqual([]);
    expect(preview.affected).toBeGreaterThanOrEqual(1);
    const before = await (await as('qs.auditor')).audit.history.query({ id: matter });
    const adopted = await admin.calendar.adopt.mutate({ year: fromHolidayCn(MADE_UP_2027, SOURCE) });
    expect(adopted).toEqual({ hash: preview.version.hash, recomputed: preview.affected });

    const auditor = await as('qs.auditor');
    const history = await auditor.audit.history.query({ id: matter });
    expect(history).toHaveLength(before.length + 1);
    // The made-up schedule rests on Monday 01-04 too: the third working day is 01-05.
    expect(history.at(-1)).toMatchObject({
      type: 'RECALENDAR',
      actor: { id: 'system', role: 'system' },
      state: 'forwarding',
      payload: { year: 2027, calendar: adopted.hash, changes: [{ timer: 'forwarding:deadline', from: '2027-01-04T02:00:00.000Z', to: '2027-01-05T02:00:00.000Z' }] },
    });
    expect(history.at(-1)!.calendars).toContain(adopted.hash);
    expect(await auditor.audit.verify.query({ id: matter })).toMatchObject({ ok: true });
    const task = (await (await as('dongping.agent')).tasks.inbox.query()).find((t) => t.instanceId === matter)!;
    expect(task).toMatchObject({ due: '2027-01-05T02:00:00.000Z', dueProvisional: false, provisionalYears: [] });
    const years = await auditor.calendar.years.query();
    expect(years.find((y) => y.year === 2027)).toMatchObject({ status: 'official', hash: adopted.hash, source: SOURCE, adoptedBy: '青山镇镇管理员' });
    expect((await admin.audit.log.query({ limit: 5 })).find((e) => e.action === 'calendar.adopt')).toMatchObject({ target: '2027', actorName: '青山镇镇管理员', details: { hash: adopted.hash } });
    // Only the system recomputes: a person sending RECALENDAR is refused.
    const agent = await as('dongping.agent');
    const seen = await agent.instances.get.query({ id: matter });
    expect((await errorOf(agent.instances.send.mutate({ id: matter, seq: seen.instance.seq, type: 'RECALENDAR', payload: { year: 2027, calendar: adopted.hash } }))).code).toBe('FORBIDDEN');
    // Nothing is left to recompute: a restart finds nothing.
    expect(await s.runtime.finishRecalendars()).toBe(0);

    // The timer fires at its new time, not the old one.
    s.clock.set(new Date('2027-01-04T03:00:00.000Z'));
    await s.scheduler.tick();
    // Days later: the auditor signs in again (sessions end after hours idle).
    expect((await (await as('qs.auditor')).instances.get.query({ id: matter })).instance.state).toBe('forwarding');
  });

  it('a correction adopted by a process that stopped before recomputing is finished at start-up', async () => {
    // The adoption committed (version, adoption, audit entry), then the process died: no RECALENDAR yet.
    const corrected = calendarVersion({ ...fromHolidayCn(MADE_UP_2027, SOURCE), rest: [...fromHolidayCn(MADE_UP_2027, SOURCE).rest, '2027-01-05'] });
    await s.store.adoptCalendar({ townshipId: 'qingshan', version: corrected, by: 'qs-admin', at: s.runtime.now() }, { townshipId: 'qingshan', at: s.runtime.now(), actorId: 'qs-admin', action: 'calendar.adopt', target: '2027', details: { year: 2027, hash: corrected.hash } });
    const auditor = await as('qs.auditor');
    const before = await auditor.audit.history.query({ id: matter });
    // A restarted server (a new runtime over the same store) finishes it.
    const restarted = new Runtime(s.store, () => new Date(s.runtime.now()));
    expect(await restarted.finishRecalendars()).toBeGreaterThanOrEqual(1);
    const history = await auditor.audit.history.query({ id: matter });
    expect(history).toHaveLength(before.length + 1);
    expect(history.at(-1)!.payload).toEqual({ year: 2027, calendar: corrected.hash, changes: [{ timer: 'forwarding:deadline', from: '2027-01-05T02:00:00.000Z', to: '2027-01-06T02:00:00.000Z' }] });
    expect(await auditor.audit.verify.query({ id: matter })).toMatchObject({ ok: true });
    expect(await restarted.finishRecalendars()).toBe(0);
  });

  it('exports a bundle with its calendar versions that the CLI verifies offline', async () => {
    const bundle = await (await as('qs.auditor')).audit.export.query({ id: matter });
    expect(bundle.calendars.map((v) => v.year).sort()).toEqual([2026, 2027, 2027, 2027]);
    expect(bundle.calendars.map((v) => v.status).sort()).toEqual(['official', 'official', 'official', 'provisional']);
    const file = join(dir, 'bundle.json');
    writeFileSync(file, JSON.stringify(bundle));
    expect(await cli('verify', file)).toMatchObject({ code: 0, out: [`verified ${bundle.history.length} records`] });
    // The same as FLOW HISTORY with the versions in a file of their own.
    const [flowFile, historyFile, calendarsFile] = ['flow.json', 'history.json', 'calendars.json'].map((f) => join(dir, f));
    writeFileSync(flowFile!, JSON.stringify(bundle.flow));
    writeFileSync(historyFile!, JSON.stringify(bundle.history));
    writeFileSync(calendarsFile!, JSON.stringify(bundle.calendars));
    expect(await cli('verify', flowFile!, historyFile!, '--calendars', calendarsFile!)).toMatchObject({ code: 0, out: [`verified ${bundle.history.length} records`] });
    // Without the provisional version its first working-day record was counted on, verify fails naming it.
    const provisional = bundle.calendars.find((v) => v.status === 'provisional')!;
    writeFileSync(file, JSON.stringify({ ...bundle, calendars: bundle.calendars.filter((v) => v !== provisional) }));
    const failed = await cli('verify', file);
    expect(failed.code).toBe(1);
    expect(failed.err.join('\n')).toContain(provisional.hash);
  });
});

describe('the command line', () => {
  it('calendar import refuses a schedule naming the date; show prints the adopted year', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...MADE_UP_2027, days: MADE_UP_2027.days.filter((d) => d.date !== '2027-02-05') }));
    const refused = await cli('calendar', 'import', bad, '--check');
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toContain('2027-02-05');
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(MADE_UP_2027));
    expect(await cli('calendar', 'import', good, '--check', '--title', SOURCE.title)).toMatchObject({ code: 0 });
    if (TEST_STORE !== 'sqlite') return;
    const shown = await cli('calendar', 'show', '2027', '--db', s.dbPath);
    expect(shown.code).toBe(0);
    expect(shown.out[0]).toContain('2027 正式安排 official');
    expect(shown.out.join('\n')).toContain('2027-01-04 元旦');
  });
});
