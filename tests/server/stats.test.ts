// The township overview (stats.overview): counts per village and the time spent in each flow step,
// checked to the millisecond. A small flow of its own (a clerk drafts, the township reviewer
// approves or returns) is published to the demo township beside the seeded 五议两公开 runs; every
// event is sent at a time set on the server's manual clock, so each visit's length is known.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Papa from 'papaparse';
import { nearestRank, STATS_CSV_HEADERS } from '../../server/matters/stats.ts';
import { pgOverviewBackfill, SQLITE_OVERVIEW_BACKFILL } from '../../server/store/overview.ts';
import { errorOf, startTestServer, TEST_STORE, type Client, type TestServer } from './harness.ts';
import { computeOverview, fromHistory, visits } from './overview-reference.ts';

const FLOW_ID = 'stats-check';
const FLOW = {
  id: FLOW_ID,
  version: '1.0.0',
  title: { zh: '统计核对', en: 'Stats check' },
  roles: { clerk: { zh: '记录员' }, township_reviewer: { zh: '乡镇审核人' } },
  starters: ['clerk'],
  data: { type: 'object', properties: { draft: { type: 'object' }, review: { type: 'object' } } },
  initial: 'draft',
  states: {
    draft: {
      kind: 'task',
      title: { zh: '起草', en: 'Draft' },
      roles: ['clerk'],
      form: { schema: { type: 'object', required: ['subject'], properties: { subject: { type: 'string', minLength: 1 } } }, saveTo: '/draft' },
      deadline: { duration: 'P2D', calendar: 'natural' },
      on: { SUBMIT: 'review', WITHDRAW: 'withdrawn' },
    },
    review: {
      kind: 'review',
      title: { zh: '审核', en: 'Review' },
      roles: ['township_reviewer'],
      review: { saveTo: '/review' },
      on: { APPROVE: 'approved', RETURN: 'draft', REJECT: 'rejected' },
    },
    approved: { kind: 'final', title: { zh: '已批准', en: 'Approved' }, outcome: 'approved' },
    rejected: { kind: 'final', title: { zh: '未批准', en: 'Denied' }, outcome: 'denied' },
    withdrawn: { kind: 'final', title: { zh: '已撤回', en: 'Withdrawn' }, outcome: 'withdrawn' },
  },
};

const T0 = Date.parse('2026-03-02T01:00:00.000Z');
const H = 3600_000;
const at = (hours: number) => new Date(T0 + hours * H).toISOString();

let s: TestServer;
/** A person keeps their session until it ends, then signs in again. */
const as = (username: string): Promise<Client> => s.person(username);
/** Sends `type` to the instance at `hours` after T0, as `username`, with the seq they see. */
async function send(username: string, id: string, hours: number, type: string, payload: Record<string, unknown> = {}) {
  s.clock.set(at(hours));
  const c = await as(username);
  const seen = await c.instances.get.query({ id });
  return c.instances.send.mutate({ id, seq: seen.instance.seq, type, payload });
}
async function start(username: string, villageId: string, hours: number) {
  s.clock.set(at(hours));
  return (await (await as(username)).instances.start.mutate({ villageId, flowId: FLOW_ID, title: `核对 ${villageId} ${hours}` })).id;
}
let lateId = '';
const mine = <T extends { flowId: string }>(steps: T[]) => steps.filter((x) => x.flowId === FLOW_ID);

beforeAll(async () => {
  s = await startTestServer({ start: at(0) });
  const admin = await as('qs.admin');
  expect((await admin.flows.validate.mutate({ json: JSON.stringify(FLOW) })).issues).toEqual([]);
  const { version } = await admin.flows.saveDraft.mutate({ json: JSON.stringify(FLOW) });
  await admin.flows.publish.mutate({ id: version.id });
  await admin.flows.setVillages.mutate({ flowId: FLOW_ID, villageIds: ['dongping', 'xiling'] });
});
afterAll(async () => {
  await s?.close();
});

describe('stats.overview', () => {
  it('counts the seeded demo villages', async () => {
    const o = await (await as('qs.admin')).stats.overview.query();
    expect(o.villages.map(({ id, name, running, done, overdue }) => ({ id, name, running, done, overdue }))).toEqual([
      // The seeded 低保 case waits past its county deadline.
      { id: 'dongping', name: '东坪村', running: 4, done: 1, overdue: 1 },
      { id: 'nanwan', name: '南湾社区', running: 2, done: 1, overdue: 0 },
      { id: 'xiling', name: '西岭村', running: 2, done: 1, overdue: 0 },
    ]);
    expect(o.township).toMatchObject({ running: 8, done: 3, overdue: 1 });
    // Every seeded step has a bilingual title and whole visits; the slowest comes first.
    expect(o.township.steps.length).toBeGreaterThan(0);
    for (const step of o.township.steps) {
      expect(step.title.en, step.state).toBeTruthy();
      expect(step.visits).toBeGreaterThan(0);
      expect(step.averageMs).toBe(Math.round(step.totalMs / step.visits));
    }
    const averages = o.township.steps.map((x) => x.averageMs);
    expect(averages).toEqual([...averages].sort((a, b) => b - a));
  });

  it('averages finished visits exactly, re-entered steps included, open ones left out', async () => {
    // A, 东坪村: draft 2 h → review 5 h → returned: draft 1 h → review 3 h → approved (done).
    const a = await start('dongping.clerk', 'dongping', 0);
    await send('dongping.clerk', a, 2, 'SUBMIT', { subject: '路灯维修' });
    await send('qs.reviewer', a, 7, 'RETURN', { reason: '请补充预算' });
    await send('dongping.clerk', a, 8, 'SUBMIT', { subject: '路灯维修（补充预算）' });
    await send('qs.reviewer', a, 11, 'APPROVE', { opinion: '同意' });
    // B, 西岭村: draft 4 h → review, still open (not a finished visit).
    const b = await start('xiling.clerk', 'xiling', 1);
    await send('xiling.clerk', b, 5, 'SUBMIT', { subject: '水渠清淤' });
    // C, 西岭村: never submitted; its two-day deadline passes and the step is flagged overdue.
    const c = (lateId = await start('xiling.clerk', 'xiling', 2));
    s.clock.set(at(2 + 48 + 1));
    expect(await s.runtime.deliverTimer(c, 'draft:deadline')).toBe(true);
    s.clock.set(at(72));

    const o = await (await as('qs.reviewer')).stats.overview.query();
    const counts = Object.fromEntries(o.villages.map((v) => [v.id, [v.running, v.done, v.overdue]]));
    expect(counts).toEqual({ dongping: [4, 2, 1], nanwan: [2, 1, 0], xiling: [4, 1, 1] });
    expect(o.township).toMatchObject({ running: 10, done: 4, overdue: 2 });

    const step = (state: string, visits: number, totalHours: number, p90Hours: number) => ({
      flowId: FLOW_ID,
      state,
      title: FLOW.states[state as 'draft' | 'review'].title,
      flowTitle: FLOW.title,
      visits,
      totalMs: totalHours * H,
      averageMs: Math.round((totalHours * H) / visits),
      p90Ms: p90Hours * H,
    });
    // Township: draft 2 + 1 + 4 h over 3 visits = 2 h 20 min, 90% within 4 h; review 5 + 3 h over
    // 2 visits = 4 h, 90% within 5 h (nearest rank: the 2nd of 2).
    expect(mine(o.township.steps)).toEqual([step('review', 2, 8, 5), step('draft', 3, 7, 4)]);
    expect(mine(o.township.steps)[1]!.averageMs).toBe(2 * H + 20 * 60_000);
    const village = (id: string) => o.villages.find((v) => v.id === id)!;
    expect(mine(village('dongping').steps)).toEqual([step('review', 2, 8, 5), step('draft', 2, 3, 2)]);
    expect(mine(village('xiling').steps)).toEqual([step('draft', 1, 4, 4)]);
    expect(mine(village('nanwan').steps)).toEqual([]);
  });

  it('per flow and village: 办结率, on-time rate, average and 90th-percentile time from start to end', async () => {
    const flowFigures = async () => (await (await as('qs.admin')).stats.overview.query()).breakdown.find((b) => b.kind === 'flow' && b.id === FLOW_ID)!;
    let f = await flowFigures();
    expect(f.name).toEqual(FLOW.title);
    // A finished in 11 h; B and C (overdue) are still running.
    expect(f.township).toEqual({ started: 3, done: 1, completion: 1 / 3, onTime: 1, onTimeRate: 1, averageMs: 11 * H, p90Ms: 11 * H });
    const of = (id: string) => f.villages.find((v) => v.id === id)!;
    expect(of('dongping')).toMatchObject({ started: 1, done: 1, completion: 1, onTimeRate: 1 });
    expect(of('xiling')).toMatchObject({ started: 2, done: 0, completion: 0, onTimeRate: null, averageMs: null, p90Ms: null });
    expect(of('nanwan')).toMatchObject({ started: 0, completion: null });

    // C is withdrawn at 73 h: finished after 71 h, and late (its deadline passed).
    await send('xiling.clerk', lateId, 73, 'WITHDRAW');
    f = await flowFigures();
    expect(f.township).toEqual({ started: 3, done: 2, completion: 2 / 3, onTime: 1, onTimeRate: 0.5, averageMs: 41 * H, p90Ms: 71 * H });
    expect(of('xiling')).toMatchObject({ started: 2, done: 1, onTime: 0, onTimeRate: 0, averageMs: 71 * H });
    // The village and township totals count every flow, this one included.
    const o = await (await as('qs.admin')).stats.overview.query();
    expect(o.township.figures.started).toBe(o.township.running + o.township.done);
    expect(o.township.figures.completion).toBeCloseTo(o.township.done / (o.township.running + o.township.done), 12);
    for (const v of o.villages) expect(v.figures.done, v.id).toBe(v.done);
  });

  it('exports every figure as a CSV spreadsheet with Chinese headers', async () => {
    const { filename, csv } = await (await as('qs.reviewer')).stats.exportCsv.query();
    expect(filename).toBe('青山镇-办理统计-2026-03-05.csv');
    expect(csv.startsWith('\ufeff')).toBe(true);
    const parsed = Papa.parse<string[]>(csv.slice(1), { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const [header, ...rows] = parsed.data;
    expect(header).toEqual([...STATS_CSV_HEADERS]);
    const o = await (await as('qs.reviewer')).stats.overview.query();
    expect(rows[0]!.slice(0, 9)).toEqual(['全镇', '青山镇', '', '', String(o.township.running + o.township.done), String(o.township.done), (Math.round((o.township.done / (o.township.running + o.township.done)) * 1000) / 10).toFixed(1), String(o.township.figures.onTime), expect.any(String)]);
    expect(rows.filter((r) => r[0] === '村（社区）').map((r) => r[1])).toEqual(['东坪村', '南湾社区', '西岭村']);
    // This flow: township-wide, then the two villages that have matters of it.
    const flow = rows.filter((r) => r[0] === '流程' && r[2] === '统计核对');
    expect(flow.map((r) => [r[1], ...r.slice(4, 9), ...r.slice(12)])).toEqual([
      ['青山镇', '3', '2', '66.7', '1', '50.0', '2', '41.0', '71.0'],
      ['东坪村', '1', '1', '100.0', '1', '100.0', '1', '11.0', '11.0'],
      ['西岭村', '2', '1', '50.0', '0', '0.0', '1', '71.0', '71.0'],
    ]);
    // Steps: visits, average and 90th percentile in hours, slowest first. C's withdrawal ended a
    // 71 h visit of 起草: township 2, 1, 4, 71 h; 西岭村 4, 71 h.
    const steps = rows.filter((r) => r[0] === '步骤' && r[2] === '统计核对').map((r) => [r[1], r[3], r[12], r[13], r[14]]);
    expect(steps).toEqual([
      ['青山镇', '起草', '4', '19.5', '71.0'],
      ['青山镇', '审核', '2', '4.0', '5.0'],
      ['东坪村', '审核', '2', '4.0', '5.0'],
      ['东坪村', '起草', '2', '1.5', '2.0'],
      ['西岭村', '起草', '2', '37.5', '71.0'],
    ]);
    expect(rows.every((r) => r.length === STATS_CSV_HEADERS.length)).toBe(true);
  });

  it('is for township roles only', async () => {
    expect((await (await as('qs.auditor')).stats.overview.query()).villages).toHaveLength(3);
    for (const user of ['dongping.secretary', 'xiling.clerk', 'nanwan.villager']) {
      expect((await errorOf((await as(user)).stats.overview.query())).code, user).toBe('FORBIDDEN');
      expect((await errorOf((await as(user)).stats.exportCsv.query())).code, user).toBe('FORBIDDEN');
    }
    expect((await errorOf(s.anonymous().stats.overview.query())).code).toBe('UNAUTHORIZED');
    expect((await errorOf(s.anonymous().stats.exportCsv.query())).code).toBe('UNAUTHORIZED');
  });
});

describe('nearestRank', () => {
  it('is the nearest rank: always one of the values, the smallest that p of them do not exceed', () => {
    expect(nearestRank([7], 0.9)).toBe(7);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.9)).toBe(10);
    expect(nearestRank(Float64Array.from([1, 2, 3]), 0.5)).toBe(2);
    expect(nearestRank([3, 5], 1)).toBe(5);
    expect(nearestRank([3, 5], 0)).toBe(3);
  });
});

describe('computeOverview', () => {
  const village = { id: 'v', townshipId: 't', name: '村', kind: 'village' as const };
  const titles = (flowId: string, state: string) => ({ title: { zh: state }, flowTitle: { zh: flowId } });
  const entry = (instanceId: string, seq: number, state: string, hours: number) => ({ instanceId, seq, state, at: at(hours) });

  it('turns state entries into visits: A → B → A is two visits of A, the last entry is open', () => {
    expect(visits([entry('i', 1, 'a', 0), entry('i', 2, 'b', 1), entry('i', 5, 'a', 4), entry('i', 6, 'c', 10)])).toEqual([
      { state: 'a', ms: 1 * H },
      { state: 'b', ms: 3 * H },
      { state: 'a', ms: 6 * H },
    ]);
    expect(visits([entry('i', 1, 'a', 0)])).toEqual([]);
  });

  it('groups entries by instance whatever their order, and ignores villages not asked for', () => {
    const o = computeOverview(
      [village],
      [
        { id: 'x', villageId: 'v', flowId: 'f', flowVersionId: 1, status: 'done', overdue: false },
        { id: 'y', villageId: 'v', flowId: 'f', flowVersionId: 1, status: 'active', overdue: true },
        { id: 'z', villageId: 'elsewhere', flowId: 'f', flowVersionId: 1, status: 'active', overdue: true },
      ],
      [entry('y', 3, 'b', 5), entry('x', 2, 'b', 2), entry('y', 1, 'a', 0), entry('x', 1, 'a', 1), entry('z', 1, 'a', 0), entry('z', 2, 'b', 100)],
      titles,
    );
    expect(o.township).toMatchObject({ running: 1, done: 1, overdue: 1 });
    expect(o.township.steps).toEqual([{ flowId: 'f', state: 'a', title: { zh: 'a' }, flowTitle: { zh: 'f' }, visits: 2, totalMs: 6 * H, averageMs: 3 * H, p90Ms: 5 * H }]);
    // x finished 1 h after it started (entries at 1 h and 2 h); nothing was late.
    expect(o.township.figures).toEqual({ started: 2, done: 1, completion: 0.5, onTime: 1, onTimeRate: 1, averageMs: 1 * H, p90Ms: 1 * H });
  });
});

describe('the overview tables', () => {
  it('hold what the history implies: as the store kept them while the events above were written, and as migration 4 derives them', async () => {
    const townshipId = (await s.store.getUserByUsername('qs.admin'))!.townshipId;
    const kept = await s.store.overviewStats(townshipId);
    expect(kept.visits.some((v) => v.flowId === FLOW_ID)).toBe(true);
    expect(kept).toEqual(await fromHistory(s.store, townshipId));
    // Emptied and derived again from the history, as migration 4 fills them: the same rows.
    const rows = () => ({
      instances: s.store.db.prepare('SELECT * FROM instance_stats ORDER BY township_id, instance_id').all(),
      visits: s.store.db.prepare('SELECT * FROM state_visits ORDER BY township_id, flow_id, state, village_id, ms, instance_id, left_seq').all(),
    });
    const before = rows();
    s.store.db.exec('DELETE FROM instance_stats; DELETE FROM state_visits;');
    s.store.db.exec(TEST_STORE === 'postgres' ? pgOverviewBackfill(null) : SQLITE_OVERVIEW_BACKFILL);
    expect(rows()).toEqual(before);
  });
});
