// Migrating running instances to a new version of their flow, over real HTTP: the township admin
// publishes 五议两公开 1.1.1 (the township review moved before the party members' meeting), sees
// every running instance of 1.1.0 with where it would land and what stands in the way, is refused
// what the engine cannot accept (nothing changes), migrates one instance, and that instance runs
// the new route to the end. Its chain — across both versions — verifies on the server, replays
// step by step, and its export bundle verifies offline with the CLI.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/villageflow.ts';
import { errorOf, startTestServer, type Client, type TestServer } from './harness.ts';

const FIVE = 'five-deliberations-two-disclosures';
const json = readFileSync(new URL(`../../flows/${FIVE}.flow.json`, import.meta.url), 'utf8');
function rerouted(): string {
  const f = JSON.parse(json);
  f.version = '1.1.1';
  f.states.two_committees.on['VOTE.PASSED'] = 'township_review';
  f.states.township_review.on.APPROVE = 'party_members_meeting';
  f.states.representatives_meeting.on['VOTE.PASSED'] = 'resolution_disclosure';
  return JSON.stringify(f, null, 2);
}
const proposal = {
  source: 'suggestion',
  subject: '修缮村文化活动室',
  category: 'public_welfare',
  content: '村文化活动室屋顶漏雨，拟翻修屋面并更换门窗，资金由村集体经济收入列支。',
  budget: 86000,
  branch_meeting_date: '2026-02-27',
  branch_minutes: '支委会应到5人，实到5人，一致同意提议修缮村文化活动室，提交村“两委”联席会议商议。',
};
const implementation = {
  contract_no: 'DZC-WH-2026-002',
  contractor: '县安居建筑工程有限公司',
  contract_amount: 84000,
  spent_amount: 83500,
  progress: '屋面翻修和门窗更换已完成。',
  completion_date: '2026-05-20',
  acceptance: '镇村两级验收合格。',
};

let s: TestServer;
let dir: string;
let fromId: number;
let toId: number;
let id: string;

/** A person keeps their session until it ends (the clock moves days here), then signs in again. */
const as = (username: string) => s.person(username);
async function send(username: string, type: string, payload?: Record<string, unknown>) {
  const c = await as(username);
  const seen = await c.instances.get.query({ id });
  return c.instances.send.mutate({ id, seq: seen.instance.seq, type, payload });
}
async function stored() {
  const instance = (await s.store.getInstance(id))!;
  return { flowVersionId: instance.flowVersionId, seq: instance.seq, state: instance.state, history: (await s.store.history(id)).length, timers: s.store.db.prepare('SELECT timer_id, due FROM timers WHERE instance_id = ?').all(id) };
}
async function cliVerify(bundle: unknown, name: string) {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(bundle, null, 2));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['verify', file], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'villageflow-migration-'));
  s = await startTestServer({ start: '2026-03-02T01:00:00.000Z' });
  const admin = await as('qs.admin');
  fromId = (await admin.flows.list.query({ flowId: FIVE })).find((v) => v.version === '1.1.0')!.id;
  // A running instance on 1.1.0, at the two committees' meeting (a state both versions have).
  id = (await (await as('dongping.secretary')).instances.start.mutate({ villageId: 'dongping', flowId: FIVE, title: '修缮村文化活动室' })).id;
  await send('dongping.secretary', 'SUBMIT', proposal);
  const { version } = await admin.flows.saveDraft.mutate({ json: rerouted() });
  toId = (await admin.flows.publish.mutate({ id: version.id })).id;
});

afterAll(async () => {
  await s?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the migration plan', () => {
  it('lists every running instance of the old version with its landing and problems', async () => {
    const plan = await (await as('qs.admin')).migrations.plan.query({ toVersionId: toId });
    expect(plan.to).toEqual({ id: toId, flowId: FIVE, version: '1.1.1' });
    expect(plan.states.map((x) => x.id)).not.toContain('adopted');
    const byId = new Map(plan.instances.map((i) => [i.id, i]));
    expect(byId.get(id)).toMatchObject({ version: '1.1.0', state: 'two_committees', landing: 'two_committees', defaultLanding: 'two_committees', problems: [], village: { id: 'dongping', name: '东坪村' } });
    // The seeded road is mid-ballot: re-entering the meeting would lose the ballots.
    expect(byId.get('demo-dongping-road')!.problems.map((p) => p.code)).toEqual(['BALLOTS_OPEN']);
    expect(byId.get('demo-nanwan-parking')).toMatchObject({ state: 'proposal', problems: [] });
    // Only running instances of this flow, none already on the target.
    const all = await s.store.listInstances({ townshipId: 'qingshan', flowId: FIVE, status: 'active' });
    expect([...byId.keys()].sort()).toEqual(all.filter((i) => i.flowVersionId === fromId).map((i) => i.id).sort());
    expect(plan.instances.every((i) => i.flowVersionId === fromId)).toBe(true);
  });

  it('re-plans a chosen landing and refuses a step of another kind, naming both states', async () => {
    const plan = await (await as('qs.admin')).migrations.plan.query({ toVersionId: toId, fromVersionId: fromId, landings: { [id]: 'proposal' } });
    const mine = plan.instances.find((i) => i.id === id)!;
    expect(mine.landing).toBe('proposal');
    expect(mine.problems).toMatchObject([{ code: 'KIND_CHANGED', message: expect.stringContaining('"two_committees"') }]);
  });

  it('is for township admins, and only to a published version of the same township', async () => {
    expect((await errorOf((await as('dongping.secretary')).migrations.plan.query({ toVersionId: toId }))).code).toBe('FORBIDDEN');
    expect((await errorOf((await as('qs.reviewer')).migrations.plan.query({ toVersionId: toId }))).code).toBe('FORBIDDEN');
    expect((await errorOf((await as('qs.admin')).migrations.plan.query({ toVersionId: 99999 }))).code).toBe('BAD_REQUEST');
  });
});

describe('refused migrations change nothing', () => {
  it.each([
    ['a village secretary', 'dongping.secretary', {}, 'FORBIDDEN', /township_admin/],
    ['the auditor', 'qs.auditor', {}, 'FORBIDDEN', /township_admin/],
    ['a stale sequence number', 'qs.admin', { seq: 1 }, 'CONFLICT', /moved on/],
    ['a task for a vote', 'qs.admin', { landing: 'proposal' }, 'BAD_REQUEST', /"two_committees".*"proposal"/],
    ['a final state', 'qs.admin', { landing: 'adopted' }, 'BAD_REQUEST', /"adopted".*final/],
    ['a state the version lacks', 'qs.admin', { landing: 'nowhere' }, 'BAD_REQUEST', /"nowhere" does not exist/],
    ['the version it runs', 'qs.admin', { toVersionId: 'from' }, 'BAD_REQUEST', /already runs/],
  ] as [string, string, { seq?: number; landing?: string; toVersionId?: 'from' }, string, RegExp][])('%s', async (_what, user, change, code, message) => {
    const before = await stored();
    const c = await as(user);
    const input = { instanceId: id, seq: change.seq ?? before.seq, toVersionId: change.toVersionId ? fromId : toId, landing: change.landing };
    const error = await errorOf(c.migrations.migrate.mutate(input));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(await stored()).toEqual(before);
  });

  it('refuses a draft version', async () => {
    const { version } = await (await as('qs.admin')).flows.saveDraft.mutate({ json: rerouted().replace('"1.1.1"', '"1.1.2"') });
    const before = await stored();
    const error = await errorOf((await as('qs.admin')).migrations.migrate.mutate({ instanceId: id, seq: before.seq, toVersionId: version.id }));
    expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('draft') });
    expect(await stored()).toEqual(before);
  });
});

describe('a migrated instance', () => {
  it('moves to the new version with a MIGRATE record, logged for the township', async () => {
    s.clock.set('2026-03-03T09:00:00+08:00');
    const before = await stored();
    const moved = await (await as('qs.admin')).migrations.migrate.mutate({ instanceId: id, seq: before.seq, toVersionId: toId, reason: '乡镇审核提前' });
    expect(moved).toMatchObject({ flowVersionId: toId, state: 'two_committees', seq: before.seq + 1 });
    const last = (await (await as('qs.admin')).audit.history.query({ id })).at(-1)!;
    expect(last).toMatchObject({
      type: 'MIGRATE',
      actor: { id: 'qs-admin', role: 'township_admin' },
      state: 'two_committees',
      payload: { from: { version: '1.1.0' }, to: { version: '1.1.1' }, map: { two_committees: 'two_committees' }, reason: '乡镇审核提前' },
    });
    expect(moved.head).toBe(last.hash);
    const log = await (await as('qs.admin')).audit.log.query({ limit: 5 });
    expect(log.find((e) => e.action === 'instance.migrate')).toMatchObject({ target: id, actorId: 'qs-admin', details: { from: `${FIVE}@1.1.0`, to: `${FIVE}@1.1.1`, landing: 'two_committees' } });
    // No longer planned: it runs the target version.
    expect((await (await as('qs.admin')).migrations.plan.query({ toVersionId: toId })).instances.map((i) => i.id)).not.toContain(id);
  });

  it('continues on the new route to the end', async () => {
    s.clock.set('2026-03-05T15:00:00+08:00');
    expect((await send('dongping.clerk', 'RECORD_VOTE', { members: 7, eligible: 7, present: 6, for: 5, against: 0, abstain: 1, recused: 0 })).state).toBe('township_review');
    s.clock.set('2026-03-06T10:00:00+08:00');
    expect((await send('qs.reviewer', 'APPROVE', { opinion: '同意' })).state).toBe('party_members_meeting');
    s.clock.set('2026-03-10T09:00:00+08:00');
    for (let i = 1; i <= 9; i++) await send(`dongping.party${i}`, 'CAST_BALLOT', { choice: 'for' });
    expect((await send('dongping.clerk', 'CLOSE_VOTE', {})).state).toBe('representatives_meeting');
    s.clock.set('2026-03-16T14:00:00+08:00');
    expect((await send('dongping.clerk', 'RECORD_VOTE', { members: 33, eligible: 33, present: 29, for: 26, against: 1, abstain: 2, recused: 0 })).state).toBe('resolution_disclosure');
    s.clock.set('2026-03-23T14:05:00+08:00');
    await s.scheduler.tick();
    expect((await stored()).state).toBe('implementation');
    s.clock.set('2026-05-29T16:00:00+08:00');
    expect((await send('dongping.committee', 'SUBMIT', implementation)).state).toBe('result_disclosure');
    s.clock.set('2026-06-05T16:05:00+08:00');
    await s.scheduler.tick();
    const done = (await s.store.getInstance(id))!;
    expect(done).toMatchObject({ status: 'done', outcome: 'adopted', flowVersionId: toId });
  });

  it('verifies and replays across both versions', async () => {
    const auditor = await as('qs.auditor');
    const records = await auditor.audit.history.query({ id });
    const instance = (await s.store.getInstance(id))!;
    expect(await auditor.audit.verify.query({ id })).toEqual({ ok: true, count: records.length, head: instance.head });
    const replayed = await auditor.audit.replay.query({ id });
    expect(replayed.verified.ok).toBe(true);
    expect(replayed.steps.map((x) => x.state)).toEqual(records.map((r) => r.state));
    const m = records.findIndex((r) => r.type === 'MIGRATE');
    expect(replayed.steps.map((x) => x.version)).toEqual(records.map((_, i) => (i < m ? '1.1.0' : '1.1.1')));
  });

  it('exports a bundle with both versions that the CLI verifies', async () => {
    const auditor = await as('qs.auditor');
    const bundle = await auditor.audit.export.query({ id });
    expect((bundle.flows as { version: string }[]).map((f) => f.version)).toEqual(['1.1.0', '1.1.1']);
    expect((bundle.flow as { version: string }).version).toBe('1.1.1');
    expect(await cliVerify(bundle, 'migrated.json')).toEqual({ code: 0, out: [`verified ${bundle.history.length} records`], err: [] });
    // Without the old version the CLI cannot re-execute the start, and says so.
    const { flows: _flows, ...single } = bundle;
    const missing = await cliVerify(single, 'single.json');
    expect(missing.code).toBe(1);
    expect(missing.err[0]).toMatch(/record 1 /);
    // The same as separate files: FLOW... HISTORY.
    const files = (bundle.flows as unknown[]).map((_, i) => join(dir, `v${i}.json`));
    (bundle.flows as unknown[]).forEach((f, i) => writeFileSync(files[i]!, JSON.stringify(f)));
    writeFileSync(join(dir, 'history.json'), JSON.stringify(bundle.history));
    const io = { out: [] as string[], err: [] as string[] };
    expect(await main(['verify', ...files, join(dir, 'history.json')], { out: (l) => io.out.push(l), err: (l) => io.err.push(l) }), io.err.join('\n')).toBe(0);
    expect(io.out).toEqual([`verified ${bundle.history.length} records`]);
    // An unmigrated instance's bundle stays as it was: one flow.
    expect('flows' in (await auditor.audit.export.query({ id: 'demo-nanwan-parking' }))).toBe(false);
  });

  it('cannot be migrated once it has ended', async () => {
    const before = await stored();
    // Months later on the server's clock: the admin signs in again.
    const error = await errorOf((await as('qs.admin')).migrations.migrate.mutate({ instanceId: id, seq: before.seq, toVersionId: fromId }));
    expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('has ended') });
    expect(await stored()).toEqual(before);
  });
});
