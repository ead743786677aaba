// The township overview (stats.overview): counts per village and the time spent in each flow step,
// checked to the millisecond. A small flow of its own (a clerk drafts, the township reviewer
// approves or returns) is published to the demo township beside the seeded 五议两公开 runs; every
// event is sent at a time set on the server's manual clock, so each visit's length is known.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeOverview, visits } from '../../server/stats.ts';
import { errorOf, startTestServer, type Client, type TestServer } from './harness.ts';

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
const clients = new Map<string, Client>();
async function as(username: string): Promise<Client> {
  if (!clients.has(username)) clients.set(username, await s.as(username));
  return clients.get(username)!;
}
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
      { id: 'dongping', name: '东坪村', running: 2, done: 0, overdue: 0 },
      { id: 'nanwan', name: '南湾社区', running: 1, done: 1, overdue: 0 },
      { id: 'xiling', name: '西岭村', running: 1, done: 1, overdue: 0 },
    ]);
    expect(o.township).toMatchObject({ running: 4, done: 2, overdue: 0 });
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
    const c = await start('xiling.clerk', 'xiling', 2);
    s.clock.set(at(2 + 48 + 1));
    expect(await s.runtime.deliverTimer(c, 'draft:deadline')).toBe(true);
    s.clock.set(at(72));

    const o = await (await as('qs.reviewer')).stats.overview.query();
    const counts = Object.fromEntries(o.villages.map((v) => [v.id, [v.running, v.done, v.overdue]]));
    expect(counts).toEqual({ dongping: [2, 1, 0], nanwan: [1, 1, 0], xiling: [3, 1, 1] });
    expect(o.township).toMatchObject({ running: 6, done: 3, overdue: 1 });

    const step = (state: string, visits: number, totalHours: number) => ({
      flowId: FLOW_ID,
      state,
      title: FLOW.states[state as 'draft' | 'review'].title,
      flowTitle: FLOW.title,
      visits,
      totalMs: totalHours * H,
      averageMs: Math.round((totalHours * H) / visits),
    });
    // Township: draft 2 + 1 + 4 h over 3 visits = 2 h 20 min; review 5 + 3 h over 2 visits = 4 h.
    expect(mine(o.township.steps)).toEqual([step('review', 2, 8), step('draft', 3, 7)]);
    expect(mine(o.township.steps)[1]!.averageMs).toBe(2 * H + 20 * 60_000);
    const village = (id: string) => o.villages.find((v) => v.id === id)!;
    expect(mine(village('dongping').steps)).toEqual([step('review', 2, 8), step('draft', 2, 3)]);
    expect(mine(village('xiling').steps)).toEqual([step('draft', 1, 4)]);
    expect(mine(village('nanwan').steps)).toEqual([]);
  });

  it('is for township roles only', async () => {
    expect((await (await as('qs.auditor')).stats.overview.query()).villages).toHaveLength(3);
    for (const user of ['dongping.secretary', 'xiling.clerk', 'nanwan.villager']) {
      expect((await errorOf((await as(user)).stats.overview.query())).code, user).toBe('FORBIDDEN');
    }
    expect((await errorOf(s.anonymous().stats.overview.query())).code).toBe('UNAUTHORIZED');
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
    expect(o.township.steps).toEqual([{ flowId: 'f', state: 'a', title: { zh: 'a' }, flowTitle: { zh: 'f' }, visits: 2, totalMs: 6 * H, averageMs: 3 * H }]);
  });
});
