// One whole 五议两公开 in 东坪村, over real HTTP, against a temporary SQLite file, as the people who
// really take each step: the Party secretary proposes, the clerk records the meetings, nine Party
// members cast ballots, the township reviewer approves, a villager objects to the posted
// resolution, a committee member answers and reports the work, and the scheduler closes both
// disclosure periods when the (manual) clock passes them. Then the history is checked three ways:
// the server's verify, a step-by-step replay, and the offline CLI on the exported bundle.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/villageflow.ts';
import { Scheduler } from '../../server/matters/scheduler.ts';
import { errorOf, startTestServer, type Client, type TestServer } from './harness.ts';

// ---------------------------------------------------------------------------------------------
// The village's paperwork, copied from the golden run (flows/runs/…happy-path.run.json) and the
// objection run. Times are China time, as the village would write them.

const proposal = {
  source: 'suggestion',
  subject: '硬化村东组通组道路',
  category: 'public_welfare',
  content:
    '村东组至村委会道路长约1.2公里，现为泥土路，雨天通行困难。拟硬化为宽4.5米水泥路面，两侧设排水沟。资金来源：上级一事一议财政奖补资金20万元，村集体经济收入18.6万元。工程通过公开比选确定施工单位。',
  budget: 386000,
  branch_meeting_date: '2026-02-27',
  branch_minutes:
    '2026年2月27日召开支委会，应到5人，实到5人。会议听取了村东组12户党员和群众代表关于道路硬化的建议，经讨论一致同意提议实施村东组通组道路硬化工程，提交村“两委”联席会议商议。',
};
const twoCommitteesMeeting = { members: 7, eligible: 7, present: 6, for: 5, against: 0, abstain: 1, recused: 0, notes: '村“两委”联席会议，书记主持，包村干部列席' };
const representativesMeeting = { members: 33, eligible: 33, present: 29, for: 26, against: 1, abstain: 2, recused: 0, notes: '会议议题于3月12日书面告知全体代表' };
const townshipOpinion = { opinion: '决议程序合法，内容符合法律法规和政策规定，同意实施。' };
const objection = { reason: '公开栏只写了预算总额，没有写资金来源中村集体出资的具体数额。', contact: '139****5530' };
const objectionReply = {
  objection_summary: '村民反映公开内容缺少村集体出资数额。',
  reply: '已在公开栏补充资金来源明细：上级奖补20万元，村集体经济收入18.6万元，重新公开。',
  reply_date: '2026-03-25',
  supervisory_opinion: '同意答复，重新公开。',
  decision: 'republish',
};
const implementation = {
  contract_no: 'DZC-GS-2026-007',
  contractor: '县恒通路桥工程有限公司',
  contract_amount: 372800,
  spent_amount: 371650,
  progress: '4月8日开工，5月26日完工，路面硬化1.2公里、排水沟2.4公里，经镇村两级验收合格。',
  completion_date: '2026-05-26',
  acceptance: '5月28日镇农业农村办、村务监督委员会、村民代表共同验收，质量合格。',
};
// Distinct from the seeded demo instance of the same road (titled 东坪村：硬化村东组通组道路).
const TITLE = '村东组通组道路硬化工程';
const PARTY = Array.from({ length: 9 }, (_, i) => `dongping.party${i + 1}`);
// Eight for, one abstains (as in the golden run).
const ballotOf = (username: string) => (username === 'dongping.party7' ? 'abstain' : 'for');

// The people of this story.
const SECRETARY = 'dongping.secretary';
const CLERK = 'dongping.clerk';
const COMMITTEE = 'dongping.committee';
const VILLAGER = 'dongping.villager';
const REP = 'dongping.rep';
const REVIEWER = 'qs.reviewer';
const AUDITOR = 'qs.auditor';

// ---------------------------------------------------------------------------------------------
// Helpers: who is signed in, sending as a user, what a user sees.

let s: TestServer;
let id: string;
const t0 = Date.now();

/** A person keeps their session until it ends (idle or absolute limit), then signs in again. */
const as = (username: string): Promise<Client> => s.person(username);

/** Moves the server's clock (China time in, as the village reads it). */
function at(time: string) {
  s.clock.set(time);
}

/** What the user sees on the instance's page. */
async function view(username: string) {
  return (await as(username)).instances.get.query({ id });
}

/** The user opens the instance, fills in the step, and sends it with the sequence number they saw. */
async function send(username: string, type: string, payload?: Record<string, unknown>) {
  const seen = await view(username);
  return (await as(username)).instances.send.mutate({ id, seq: seen.instance.seq, type, payload });
}

/**
 * A villager objects to a posted notice: they read the notice on the board, not the matter's file
 * (need-to-know), so they send with the sequence number the instance is at, not one they viewed.
 */
async function object(username: string, payload: Record<string, unknown>) {
  const seq = (await s.store.getInstance(id))!.seq;
  return (await as(username)).instances.send.mutate({ id, seq, type: 'OBJECT', payload });
}

/** A villager does not read a village matter they take no part in: to them it does not exist. */
async function expectUnread(username: string) {
  expect((await errorOf(view(username))).code, `${username} reads the matter`).toBe('NOT_FOUND');
}

async function inInbox(username: string): Promise<boolean> {
  const inbox = await (await as(username)).tasks.inbox.query();
  return inbox.some((t) => t.instanceId === id);
}

async function history() {
  return (await as(AUDITOR)).audit.history.query({ id });
}

/**
 * The instance is at `state`; each user in `events` sees exactly those events on the step; each
 * user in `waiting` has it in the inbox; each user in `notWaiting` does not.
 */
async function expectTurn(state: string, opts: { events: Record<string, string[]>; waiting: string[]; notWaiting: string[] }) {
  for (const [username, events] of Object.entries(opts.events)) {
    const v = await view(username);
    expect(v.instance.state, `state seen by ${username}`).toBe(state);
    expect(v.step.state).toBe(state);
    expect([...v.step.events].sort(), `events offered to ${username} in ${state}`).toEqual([...events].sort());
  }
  for (const username of opts.waiting) expect(await inInbox(username), `${username}'s inbox has the instance in ${state}`).toBe(true);
  for (const username of opts.notWaiting) expect(await inInbox(username), `${username}'s inbox has no instance in ${state}`).toBe(false);
}

/**
 * The public board of 东坪村, read with no sign-in, narrowed to this instance's notices. A notice
 * does not name its instance; it names the history record that published it, so that is the key.
 */
async function board() {
  const b = await s.anonymous().board.village.query({ villageId: 'dongping' });
  const ours = new Set((await history()).map((r) => r.hash));
  const mine = <T extends { recordHash: string; title: string }>(d: T) => ours.has(d.recordHash) && d.title === TITLE;
  return { now: b.now, current: b.current.filter(mine), past: b.past.filter(mine) };
}

function itemValues(items: { pointer: string; value?: unknown }[]): Record<string, unknown> {
  return Object.fromEntries(items.map((i) => [i.pointer, i.value]));
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  s = await startTestServer({ start: '2026-03-02T09:00:00+08:00' });
});
afterAll(async () => {
  await s?.close();
  console.log(`lifecycle: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

describe('五议两公开 from proposal to adopted, over HTTP', () => {
  it('the Party secretary starts the process; the proposal form waits on them', async () => {
    at('2026-03-02T09:00:00+08:00');
    const started = await (await as(SECRETARY)).instances.start.mutate({ villageId: 'dongping', flowId: 'five-deliberations-two-disclosures', title: TITLE });
    id = started.id;
    expect(started).toMatchObject({ villageId: 'dongping', flowId: 'five-deliberations-two-disclosures', title: TITLE, state: 'proposal', status: 'active', seq: 1 });
    expect(started).not.toHaveProperty('snapshot');
    await expectTurn('proposal', {
      events: { [SECRETARY]: ['SUBMIT', 'WITHDRAW'], [CLERK]: [] },
      waiting: [SECRETARY],
      notWaiting: [CLERK, REVIEWER],
    });
    // A villager neither reads the secretary's proposal nor takes its step.
    await expectUnread(VILLAGER);
    expect((await errorOf((await as(VILLAGER)).instances.send.mutate({ id, seq: 1, type: 'SUBMIT', payload: proposal }))).code).toBe('NOT_FOUND');
  });

  it('第一议 党支部提议: the secretary submits the branch proposal; the two-committee meeting is next', async () => {
    at('2026-03-02T10:30:00+08:00');
    const after = await send(SECRETARY, 'SUBMIT', proposal);
    expect(after).toMatchObject({ state: 'two_committees', seq: 2 });
    const v = await view(SECRETARY);
    expect(v.data).toMatchObject({ proposal });
    await expectTurn('two_committees', {
      events: { [CLERK]: ['RECORD_VOTE'], [SECRETARY]: [] },
      waiting: [CLERK],
      notWaiting: [SECRETARY],
    });
    // Only the clerk records the meeting; nobody but the scheduler sends timers.
    expect((await errorOf(send(REP, 'RECORD_VOTE', twoCommitteesMeeting))).code).toBe('FORBIDDEN');
    expect((await errorOf(send(CLERK, 'TIMER', { timer: 'two_committees:deadline' }))).code).toBe('FORBIDDEN');
  });

  it('第二议 两委商议: the clerk records the joint meeting; the Party members vote next', async () => {
    at('2026-03-05T15:00:00+08:00');
    const after = await send(CLERK, 'RECORD_VOTE', twoCommitteesMeeting);
    expect(after.state).toBe('party_members_meeting');
    const v = await view(CLERK);
    expect(v.votes.two_committees).toMatchObject({ outcome: 'passed', present: 6, for: 5 });
    await expectTurn('party_members_meeting', {
      // The secretary and the committee members are party members too: they vote as such.
      events: { [CLERK]: ['CLOSE_VOTE'], [PARTY[0]!]: ['CAST_BALLOT'], [SECRETARY]: ['CAST_BALLOT'] },
      waiting: [CLERK, ...PARTY, SECRETARY, COMMITTEE],
      notWaiting: [REVIEWER],
    });
  });

  it('第三议 党员大会审议: nine Party members cast ballots, each seeing their own', async () => {
    for (const [n, member] of PARTY.entries()) {
      at(`2026-03-10T09:${String(n * 3).padStart(2, '0')}:00+08:00`);
      await send(member, 'CAST_BALLOT', { choice: ballotOf(member) });
      const v = await view(member);
      expect(v.instance.state).toBe('party_members_meeting');
      expect(v.step.ballots).toEqual({ cast: n + 1, mine: ballotOf(member) });
    }
    // Someone who is not a Party member cannot vote in the Party members' meeting.
    expect((await view(REP)).step.events).toEqual([]);
  });

  it('the clerk closes the vote; the representatives meeting is next', async () => {
    at('2026-03-10T10:00:00+08:00');
    // The numbers of the body come from its roster on the day: 东坪村 has eleven Party members, all voting.
    const after = await send(CLERK, 'CLOSE_VOTE', {});
    expect(after.state).toBe('representatives_meeting');
    const v = await view(CLERK);
    expect(v.votes.party_members_meeting).toMatchObject({ outcome: 'passed', members: 11, eligible: 11, present: 9, for: 8, against: 0, abstain: 1, roster: { members: 11, voting: 11 } });
    await expectTurn('representatives_meeting', {
      events: { [CLERK]: ['RECORD_VOTE'], [PARTY[0]!]: [] },
      waiting: [CLERK],
      notWaiting: PARTY,
    });
  });

  it('第四议 村民代表会议决议: the clerk records the resolution; the township reviews it', async () => {
    at('2026-03-16T14:00:00+08:00');
    const after = await send(CLERK, 'RECORD_VOTE', representativesMeeting);
    expect(after.state).toBe('township_review');
    const v = await view(REVIEWER);
    expect(v.data).toMatchObject({ votes: { representatives: { outcome: 'passed', present: 29, for: 26 } } });
    expect(v.step.due).not.toBeNull(); // ten working days to review
    await expectTurn('township_review', {
      events: { [REVIEWER]: ['APPROVE', 'RETURN', 'REJECT'], [CLERK]: [] },
      waiting: [REVIEWER],
      notWaiting: [CLERK],
    });
  });

  it('第五议 乡镇审核: the township reviewer approves; the resolution goes on the public board', async () => {
    at('2026-03-20T10:00:00+08:00');
    const after = await send(REVIEWER, 'APPROVE', townshipOpinion);
    expect(after.state).toBe('resolution_disclosure');
    await expectTurn('resolution_disclosure', {
      // Villagers, their representatives and the supervisory committee may object, but an
      // objection is nobody's task, and a notice waits on its period, not on a person: it is in
      // no inbox. It ends by itself when its seven days are over.
      // A villager objects from the board (see `object`), without reading the file.
      events: { [REP]: ['OBJECT'], [COMMITTEE]: [], [REVIEWER]: [] },
      waiting: [],
      notWaiting: [REVIEWER, CLERK, VILLAGER, REP, COMMITTEE],
    });
    await expectUnread(VILLAGER);

    // 第一公开: anyone, signed in or not, reads the resolution on the board.
    const b = await board();
    expect(b.current).toHaveLength(1);
    const notice = b.current[0]!;
    expect(notice.stepTitle.zh).toBe('决议公开');
    expect(notice.from).toBe('2026-03-20T02:00:00.000Z');
    expect(notice.until).toBe('2026-03-27T02:00:00.000Z'); // seven natural days
    const items = itemValues(notice.items);
    expect(items).toMatchObject({
      '/proposal/subject': proposal.subject,
      '/proposal/category': proposal.category,
      '/proposal/content': proposal.content,
      '/proposal/budget': proposal.budget,
      '/votes/representatives': { outcome: 'passed', present: 29, for: 26 },
      '/reviews/township': { decision: 'approve', opinion: townshipOpinion.opinion },
    });
    expect(notice.items.find((i) => i.pointer === '/proposal/subject')!.label.zh).toBe('事项名称');
    expect(notice.items.find((i) => i.pointer === '/proposal/budget')!.label.zh).toBe('预算金额（元）');
    // Only what the flow publishes: not the branch minutes.
    expect(Object.keys(items)).not.toContain('/proposal/branch_minutes');
    expect(JSON.stringify(notice.items)).not.toContain(proposal.branch_minutes);
    // The notice names the history record that published it.
    expect(notice.recordHash).toBe((await history()).at(-1)!.hash);
    expect(b.past).toEqual([]);
  });

  it('a villager objects during the notice; the committee must answer', async () => {
    at('2026-03-23T18:00:00+08:00');
    const after = await object(VILLAGER, objection);
    expect(after.state).toBe('resolution_objection');
    const v = await view(COMMITTEE);
    expect(JSON.stringify(v.objections)).toContain(objection.reason);
    await expectTurn('resolution_objection', {
      events: { [COMMITTEE]: ['SUBMIT'], [REP]: [] },
      waiting: [COMMITTEE],
      notWaiting: [VILLAGER, REP],
    });
    // The interrupted notice is off the board and on record as past.
    const b = await board();
    expect(b.current).toEqual([]);
    expect(b.past).toHaveLength(1);
    expect(b.past[0]).toMatchObject({ state: 'resolution_disclosure', from: '2026-03-20T02:00:00.000Z', endedAt: '2026-03-23T10:00:00.000Z' });
  });

  it('the committee answers and republishes; a fresh seven-day notice goes up', async () => {
    at('2026-03-25T10:00:00+08:00');
    const after = await send(COMMITTEE, 'SUBMIT', objectionReply);
    expect(after.state).toBe('resolution_disclosure');
    expect((await view(COMMITTEE)).data).toMatchObject({ objections: { resolution: objectionReply } });
    await expectTurn('resolution_disclosure', {
      events: { [REP]: ['OBJECT'], [COMMITTEE]: [] },
      waiting: [],
      notWaiting: [REVIEWER, VILLAGER, COMMITTEE],
    });
    const b = await board();
    expect(b.current).toHaveLength(1);
    expect(b.current[0]).toMatchObject({ from: '2026-03-25T02:00:00.000Z', until: '2026-04-01T02:00:00.000Z' });
    expect(itemValues(b.current[0]!.items)).toMatchObject({ '/proposal/subject': proposal.subject, '/proposal/budget': proposal.budget });
    expect(b.past).toHaveLength(1);
  });

  it('the notice period ends: the scheduler closes it once, and the work can begin', async () => {
    const before = (await history()).length;

    // A minute early, nothing is due for this instance.
    at('2026-04-01T09:59:00+08:00');
    const early = await s.scheduler.tick();
    expect(early.failed).toEqual([]);
    expect((await view(COMMITTEE)).instance.state).toBe('resolution_disclosure');
    expect((await history()).length).toBe(before);

    // Past the period's end, the scheduler delivers the disclosure timer.
    at('2026-04-01T10:05:00+08:00');
    const report = await s.scheduler.tick();
    expect(report.failed).toEqual([]);
    expect(report.delivered).toBeGreaterThanOrEqual(1);
    const records = await history();
    expect(records).toHaveLength(before + 1);
    expect(records.at(-1)).toMatchObject({ type: 'TIMER', actor: { id: 'system', role: 'system' }, payload: { timer: 'resolution_disclosure:disclosure' }, state: 'implementation', at: '2026-04-01T02:05:00.000Z' });

    // Delivered twice (another tick, or a direct redelivery) adds nothing.
    const again = await s.scheduler.tick();
    expect(again.failed).toEqual([]);
    expect(await s.runtime.deliverTimer(id, 'resolution_disclosure:disclosure')).toBe(false);
    expect(await history()).toHaveLength(before + 1);

    await expectTurn('implementation', {
      events: { [COMMITTEE]: ['SUBMIT'], [SECRETARY]: ['SUBMIT'], [REP]: [] },
      waiting: [COMMITTEE, SECRETARY],
      notWaiting: [VILLAGER, REP],
    });

    // The board: nothing current for this matter; both notices listed as past, without content.
    const b = await board();
    expect(b.current).toEqual([]);
    expect(b.past).toHaveLength(2);
    expect(b.past.map((d) => d.state)).toEqual(['resolution_disclosure', 'resolution_disclosure']);
    const second = b.past.find((d) => d.from === '2026-03-25T02:00:00.000Z')!;
    expect(second).toMatchObject({ until: '2026-04-01T02:00:00.000Z', endedAt: '2026-04-01T02:05:00.000Z' });
    expect(second).not.toHaveProperty('items');
  });

  it('组织实施: a committee member reports the finished work; the results go on the board', async () => {
    at('2026-05-29T16:00:00+08:00');
    const after = await send(COMMITTEE, 'SUBMIT', implementation);
    expect(after.state).toBe('result_disclosure');
    expect((await view(SECRETARY)).data).toMatchObject({ implementation });
    await expectTurn('result_disclosure', {
      events: { [REP]: ['OBJECT'], [SECRETARY]: [], [COMMITTEE]: [] },
      waiting: [],
      notWaiting: [SECRETARY, VILLAGER, REP, COMMITTEE],
    });

    // 第二公开: the results and the spending, publicly.
    const b = await board();
    expect(b.current).toHaveLength(1);
    const notice = b.current[0]!;
    expect(notice.stepTitle.zh).toBe('实施结果公开');
    expect(notice).toMatchObject({ from: '2026-05-29T08:00:00.000Z', until: '2026-06-05T08:00:00.000Z' });
    expect(itemValues(notice.items)).toMatchObject({
      '/proposal/subject': proposal.subject,
      '/proposal/budget': proposal.budget,
      '/votes/representatives': { outcome: 'passed' },
      '/implementation': implementation,
    });
    expect(notice.items.find((i) => i.pointer === '/implementation')!.label.zh).toBe('组织实施情况');
  });

  it('the results notice ends; two schedulers racing for the timer record it once; the matter is adopted', async () => {
    const before = (await history()).length;
    at('2026-06-05T16:05:00+08:00');
    // Two scheduler loops (say, two server processes) tick at the same moment.
    const other = new Scheduler(s.runtime);
    const reports = await Promise.all([s.scheduler.tick(), other.tick()]);
    for (const r of reports) expect(r.failed).toEqual([]);
    const records = await history();
    expect(records).toHaveLength(before + 1);
    expect(records.at(-1)).toMatchObject({ type: 'TIMER', payload: { timer: 'result_disclosure:disclosure' }, state: 'adopted' });
    await s.scheduler.tick();
    expect(await history()).toHaveLength(before + 1);

    const v = await view(SECRETARY);
    expect(v.instance).toMatchObject({ state: 'adopted', status: 'done', outcome: 'adopted', seq: before + 1 });
    expect(v.step.events).toEqual([]);
    for (const username of [SECRETARY, CLERK, COMMITTEE, VILLAGER, REP, REVIEWER, ...PARTY]) {
      expect(await inInbox(username), `${username}'s inbox after the end`).toBe(false);
    }
    const done = await (await as(SECRETARY)).instances.list.query({ villageId: 'dongping', status: 'done' });
    expect(done.map((i) => i.id)).toContain(id);
    // The list names the step in words, from the instance's own flow version.
    expect(done.find((i) => i.id === id)).toMatchObject({ state: 'adopted', stepTitle: { zh: '已办结', en: 'Completed' } });

    const b = await board();
    expect(b.current).toEqual([]);
    expect(b.past.map((d) => d.state).sort()).toEqual(['resolution_disclosure', 'resolution_disclosure', 'result_disclosure']);
  });

  it('each record was made by the person who really took the step', async () => {
    const records = await history();
    const who = records.map((r) => `${r.type}:${r.actor.id}:${r.actor.role}`);
    expect(who).toEqual([
      'START:dongping-secretary:party_secretary',
      'SUBMIT:dongping-secretary:party_secretary',
      'RECORD_VOTE:dongping-clerk:clerk',
      ...PARTY.map((_, i) => `CAST_BALLOT:dongping-party${i + 1}:party_member`),
      'CLOSE_VOTE:dongping-clerk:clerk',
      'RECORD_VOTE:dongping-clerk:clerk',
      'APPROVE:qs-reviewer:township_reviewer',
      'OBJECT:dongping-villager:villager',
      'SUBMIT:dongping-committee:committee_member',
      'TIMER:system:system',
      'SUBMIT:dongping-committee:committee_member',
      'TIMER:system:system',
    ]);
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
  });

  it('the audit: verify is ok, replay gives one step per record, the exported bundle verifies offline', async () => {
    const auditor = await as(AUDITOR);
    const records = await auditor.audit.history.query({ id });
    const { instance } = await auditor.instances.get.query({ id });

    const verified = await auditor.audit.verify.query({ id });
    expect(verified).toEqual({ ok: true, count: records.length, head: instance.head });

    const replayed = await auditor.audit.replay.query({ id });
    expect(replayed.verified).toEqual(verified);
    expect(replayed.steps).toHaveLength(records.length);
    expect(replayed.steps.map((st) => st.record.hash)).toEqual(records.map((r) => r.hash));
    // The proposal SUBMIT: the form is the instance's data from that step on.
    const submit = replayed.steps[1]!;
    expect(submit.record.type).toBe('SUBMIT');
    expect(submit.state).toBe('two_committees');
    expect(submit.data).toEqual({ proposal });
    expect(replayed.steps[0]!.data).toEqual({});
    // The implementation SUBMIT.
    const report = replayed.steps.find((st) => st.record.type === 'SUBMIT' && st.state === 'result_disclosure')!;
    expect(report.data).toMatchObject({ proposal, implementation });
    const last = replayed.steps.at(-1)!;
    expect(last).toMatchObject({ state: 'adopted', status: 'done' });

    // The bundle a township auditor takes away and checks with the CLI.
    const bundle = await auditor.audit.export.query({ id });
    expect(bundle).toMatchObject({ format: 'villageflow-bundle/1', instance: { id, title: TITLE, state: 'adopted', status: 'done', head: instance.head, village: { id: 'dongping', name: '东坪村' } } });
    // The chain as recorded: what the history view masks for the auditor (an objection's contact,
    // docs/personal-data.md) the bundle carries, as its hashes cover it.
    expect(bundle.history).toEqual(await s.store.history(id));
    expect(bundle.history.map((r) => r.hash)).toEqual(records.map((r) => r.hash));
    const dir = mkdtempSync(join(tmpdir(), 'villageflow-bundle-'));
    try {
      const file = join(dir, 'bundle.json');
      writeFileSync(file, JSON.stringify(bundle, null, 2));
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
      expect(await main(['verify', file, '--head', bundle.instance.head], io)).toBe(0);
      expect(err).toEqual([]);
      expect(out).toEqual([`verified ${records.length} records`]);

      // And the same bundle with one figure changed does not.
      const tampered = structuredClone(bundle);
      (tampered.history[1]!.payload as { budget: number }).budget = 38600;
      writeFileSync(file, JSON.stringify(tampered));
      const out2: string[] = [];
      const err2: string[] = [];
      expect(await main(['verify', file, '--head', bundle.instance.head], { out: (l) => out2.push(l), err: (l) => err2.push(l) })).toBe(1);
      expect(err2.join('\n')).toMatch(/record 2 failed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(`lifecycle: ${records.length} records in the history, head ${instance.head.slice(0, 12)}…`);
  });
});
