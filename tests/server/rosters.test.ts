// Bodies and rosters (issue 18 item 5), over HTTP on the store under test: the server supplies a
// meeting's members and eligible from the body's roster on the day and records them in the event
// with the roster's hash (the roster itself stored for auditors); a record that says otherwise is
// refused naming both numbers; only the roster's voting members cast ballots; a counted body uses
// the count in force on the day; a deactivated person drops out of the roster.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/villageflow.ts';
import { checkVoter, currentRoster } from '../../server/org/rosters.ts';
import { errorOf, startTestServer, TEST_STORE, type Client, type TestServer } from './harness.ts';
import { flowOf, meetings } from './meetings.ts';

const FIVE = 'five-deliberations-two-disclosures.flow.json';
const ONE_MATTER = 'one-matter-one-discussion.flow.json';
const VOTERS = [...Array.from({ length: 9 }, (_, i) => `dongping.party${i + 1}`), 'dongping.secretary', 'dongping.committee'];
const EVERYONE: Record<string, number> = { committee_member: 7, party_member: 11, villager_representative: 33, villager: 1268 };
const MEETING = { present: 6, for: 5, against: 1, abstain: 0, recused: 0 };

let s: TestServer;
const as = (username: string): Promise<Client> => s.person(username);
let drive: ReturnType<typeof meetings>;
const seqOf = async (id: string) => (await (await as('qs.auditor')).instances.get.query({ id })).instance.seq;
const lastRecord = async (id: string) => (await (await as('qs.auditor')).audit.history.query({ id })).at(-1)!;
const send = async (user: string, id: string, type: string, payload: Record<string, unknown>) =>
  (await as(user)).instances.send.mutate({ id, seq: await seqOf(id), type, payload });

/** Runs SQL on a connection of its own to the test's database (as another process would, or someone with the file). */
async function onAnotherConnection(...statements: string[]): Promise<void> {
  if (TEST_STORE === 'sqlite') {
    const other = new Database(s.dbPath);
    try {
      for (const sql of statements) other.exec(sql);
    } finally {
      other.close();
    }
    return;
  }
  const other = new pg.Client({ connectionString: s.dbPath });
  await other.connect();
  try {
    for (const sql of statements) await other.query(sql);
  } finally {
    await other.end();
  }
}

beforeAll(async () => {
  s = await startTestServer();
  drive = meetings(s, 'dongping', VOTERS, (electorate) => EVERYONE[electorate]!);
}, 120_000);
afterAll(() => s?.close());

describe('a meeting recorded against its roster', () => {
  it('the clerk sends who came and how they voted; the event carries the roster’s members, eligible and hash, and the roster is stored', async () => {
    const { id } = await drive.reach(FIVE, 'two_committees');
    const seen = await (await as('dongping.clerk')).rosters.ofMatter.query({ instanceId: id });
    expect(seen).toMatchObject({ role: 'committee_member', day: '2026-03-02', members: 7, voting: 7, count: null });
    await send('dongping.clerk', id, 'RECORD_VOTE', MEETING);
    const record = await lastRecord(id);
    expect(record.payload).toMatchObject({ members: 7, eligible: 7, roster: { hash: seen!.hash, members: 7, voting: 7 } });
    const stored = await (await as('qs.auditor')).rosters.snapshot.query({ hash: seen!.hash });
    expect(stored).toMatchObject({ hash: seen!.hash, intact: true, role: 'committee_member', kind: 'accounts', village: { id: 'dongping' } });
    if (stored.kind !== 'accounts') throw new Error('a body with accounts keeps its members');
    expect(stored.members).toHaveLength(7);
    expect(stored.members.map((m) => m.displayName)).toContain('东坪村两委委员');
    // The record's roster is part of the chain, and verifies.
    expect(await (await as('qs.auditor')).audit.verify.query({ id })).toMatchObject({ ok: true });
    // Auditors and the township admin read a roster by hash; a village cadre does not.
    expect((await errorOf((await as('dongping.clerk')).rosters.snapshot.query({ hash: seen!.hash }))).code).toBe('FORBIDDEN');
  });

  it('a record whose members or eligible differ from the roster is refused, naming the body, the day and both numbers; nothing is written', async () => {
    const { id } = await drive.reach(FIVE, 'two_committees');
    const seq = await seqOf(id);
    const clerk = await as('dongping.clerk');
    const wrong = await errorOf(clerk.instances.send.mutate({ id, seq, type: 'RECORD_VOTE', payload: { ...MEETING, members: 25, eligible: 25 } }));
    expect(wrong).toMatchObject({ code: 'BAD_REQUEST', data: { engineCode: 'ROSTER_MISMATCH' } });
    expect(wrong.message).toContain('村“两委”联席会议 roster on 2026-03-02 has 7 members; the record says 25');
    expect((wrong.data.issues as { pointer: string }[]).map((i) => i.pointer)).toEqual(['/members', '/eligible']);
    // One recused: eligible is the voting members less one.
    const recused = await errorOf(clerk.instances.send.mutate({ id, seq, type: 'RECORD_VOTE', payload: { ...MEETING, recused: 1, members: 7, eligible: 7 } }));
    expect(recused.message).toContain('has 7 voting members and 1 recused, so 6 eligible; the record says 7');
    // The roster is the server's to supply.
    const forged = await errorOf(clerk.instances.send.mutate({ id, seq, type: 'RECORD_VOTE', payload: { ...MEETING, roster: { hash: 'c'.repeat(64), members: 3, voting: 3 } } }));
    expect(forged).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^\/roster: the roster is supplied by the server/) });
    expect(await seqOf(id)).toBe(seq);
    // The same numbers as the roster's go through; recused leaves the rest eligible.
    await clerk.instances.send.mutate({ id, seq, type: 'RECORD_VOTE', payload: { ...MEETING, recused: 1, members: 7, eligible: 6 } });
    expect((await lastRecord(id)).payload).toMatchObject({ members: 7, eligible: 6, recused: 1 });
  });

  it('a deactivated person drops out of the roster; reactivated, they are back', async () => {
    const admin = await as('qs.admin');
    const { id } = await drive.reach(FIVE, 'two_committees');
    await admin.org.setActive.mutate({ userId: 'dongping-committee7', active: false });
    try {
      const seen = await (await as('dongping.clerk')).rosters.ofMatter.query({ instanceId: id });
      expect(seen).toMatchObject({ members: 6, voting: 6 });
      await send('dongping.clerk', id, 'RECORD_VOTE', MEETING);
      expect((await lastRecord(id)).payload).toMatchObject({ members: 6, eligible: 6, roster: { members: 6, voting: 6 } });
      expect((await admin.rosters.bodies.query({ villageId: 'dongping' })).bodies.find((b) => b.role === 'committee_member')!.members.find((m) => m.userId === 'dongping-committee7')).toMatchObject({ deactivated: true });
    } finally {
      await admin.org.setActive.mutate({ userId: 'dongping-committee7', active: true });
    }
    expect((await (await as('dongping.clerk')).rosters.ofMatter.query({ instanceId: (await drive.reach(FIVE, 'two_committees')).id }))?.members).toBe(7);
  });

  it('a body with no roster at all is refused with what the admin has to set up', async () => {
    const village = (await s.store.getVillage('dongping'))!;
    const refusal = await currentRoster(s.store, village, { electorate: 'township_caseworker', body: { zh: '评议小组', en: 'Appraisal panel' } }, s.runtime.now()).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ code: 'ROSTER_EMPTY', message: expect.stringMatching(/评议小组 of 东坪村 has no roster on 2026-03-02: .*grants the role to its members or registers its count/) });
  });
});

describe('the export bundle carries the rosters its records name, and verify holds each to its record', () => {
  it('verifies as exported; a roster changed or missing names the record', async () => {
    const { id } = await drive.reach(FIVE, 'party_members_meeting');
    const bundle = await (await as('qs.auditor')).audit.export.query({ id });
    expect(bundle.rosters).toHaveLength(1);
    expect(bundle.rosters[0]!.content).toMatchObject({ kind: 'accounts', role: 'committee_member', village: 'dongping' });
    const dir = mkdtempSync(join(tmpdir(), 'vf-rosters-'));
    const verify = async (b: unknown) => {
      const file = join(dir, 'bundle.json');
      writeFileSync(file, JSON.stringify(b));
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['verify', file], { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out, err };
    };
    try {
      expect(await verify(bundle)).toEqual({ code: 0, out: [`verified ${bundle.history.length} records`], err: [] });
      const seq = bundle.history.findIndex((r) => r.type === 'RECORD_VOTE') + 1;
      // One member fewer in the roster than the record says: its hash no longer matches.
      const content = bundle.rosters[0]!.content as { members: unknown[] };
      const fewer = { ...bundle, rosters: [{ ...bundle.rosters[0]!, content: { ...content, members: content.members.slice(1) } }] };
      expect(await verify(fewer)).toMatchObject({ code: 1, err: [expect.stringMatching(new RegExp(`^record ${seq} failed: roster [0-9a-f]{64} does not match its hash`))] });
      expect(await verify({ ...bundle, rosters: [] })).toMatchObject({ code: 1, err: [expect.stringMatching(new RegExp(`^record ${seq} failed: names roster [0-9a-f]{64}, which is missing`))] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('audit.verify holds each stored roster to its record: one edited in the database names the record', async () => {
    const { id } = await drive.reach(FIVE, 'party_members_meeting');
    const auditor = await as('qs.auditor');
    expect(await auditor.audit.verify.query({ id })).toMatchObject({ ok: true });
    const seq = (await auditor.audit.history.query({ id })).findIndex((r) => r.type === 'RECORD_VOTE') + 1;
    const hash = ((await auditor.audit.history.query({ id }))[seq - 1]!.payload as { roster: { hash: string } }).roster.hash;
    const stored = (await s.store.rosterSnapshot(hash))!;
    const content = JSON.parse(stored.json) as { members: unknown[] };
    const edited = JSON.stringify({ ...content, members: content.members.slice(1) }).replaceAll("'", "''");
    // Stored rosters are immutable: the edit goes round the database's own refusal, as a forger would.
    const guard = TEST_STORE === 'sqlite' ? (s.store.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'roster_snapshots_no_update'").pluck().get() as string) : '';
    const unguarded = (json: string) =>
      TEST_STORE === 'sqlite'
        ? onAnotherConnection('DROP TRIGGER roster_snapshots_no_update', `UPDATE roster_snapshots SET json = '${json}' WHERE hash = '${hash}'`, guard)
        : onAnotherConnection('ALTER TABLE roster_snapshots DISABLE TRIGGER USER', `UPDATE roster_snapshots SET json = '${json}' WHERE hash = '${hash}'`, 'ALTER TABLE roster_snapshots ENABLE TRIGGER USER');
    await unguarded(edited);
    try {
      expect(await auditor.audit.verify.query({ id })).toMatchObject({ ok: false, seq, reason: `roster ${hash} does not match its hash` });
    } finally {
      await unguarded(stored.json.replaceAll("'", "''"));
    }
    expect(await auditor.audit.verify.query({ id })).toMatchObject({ ok: true });
  });
});

describe('ballots: only the roster’s voting members cast', () => {
  it('a probationary Party member attends but casts no ballot; the vote is closed on the voting members', async () => {
    const admin = await as('qs.admin');
    const { id } = await drive.reach(FIVE, 'party_members_meeting');
    await admin.rosters.setProbationary.mutate({ userId: 'dongping-party8', villageId: 'dongping', role: 'party_member', probationary: true });
    try {
      const seq = await seqOf(id);
      const refused = await errorOf((await as('dongping.party8')).instances.send.mutate({ id, seq, type: 'CAST_BALLOT', payload: { choice: 'for' } }));
      expect(refused).toMatchObject({ code: 'FORBIDDEN', data: { engineCode: 'NOT_ON_ROSTER' }, message: expect.stringMatching(/probationary member of 党员大会 attends but does not vote/) });
      expect(await seqOf(id)).toBe(seq);
      for (const voter of ['dongping.party1', 'dongping.party2', 'dongping.party3', 'dongping.party4', 'dongping.party5', 'dongping.party6']) await send(voter, id, 'CAST_BALLOT', { choice: 'for' });
      await send('dongping.clerk', id, 'CLOSE_VOTE', {});
      expect((await lastRecord(id)).payload).toMatchObject({ members: 11, eligible: 10, roster: { members: 11, voting: 10 } });
      const { votes } = await (await as('qs.auditor')).instances.get.query({ id });
      expect((votes as Record<string, unknown>).party_members_meeting).toMatchObject({ outcome: 'passed', members: 11, eligible: 10, present: 6, for: 6 });
    } finally {
      await admin.rosters.setProbationary.mutate({ userId: 'dongping-party8', villageId: 'dongping', role: 'party_member', probationary: false });
    }
  });

  it('a probationary mark stays with its grant when the person’s roles are changed, and goes with the grant', async () => {
    const admin = await as('qs.admin');
    const party = async () => (await admin.rosters.bodies.query({ villageId: 'xiling' })).bodies.find((b) => b.role === 'party_member')!;
    expect((await party()).members.find((m) => m.userId === 'xiling-party9')).toMatchObject({ probationary: true });
    await admin.org.setRoles.mutate({ userId: 'xiling-party9', roles: [{ role: 'party_member', villageId: 'xiling' }, { role: 'villager', villageId: 'xiling' }] });
    expect((await party()).members.find((m) => m.userId === 'xiling-party9')).toMatchObject({ probationary: true });
    expect((await party()).roster).toMatchObject({ members: 11, voting: 9 });
    await admin.org.setRoles.mutate({ userId: 'xiling-party9', roles: [{ role: 'villager', villageId: 'xiling' }] });
    expect((await party()).roster).toMatchObject({ members: 10, voting: 9 });
    await admin.org.setRoles.mutate({ userId: 'xiling-party9', roles: [{ role: 'party_member', villageId: 'xiling' }] });
    // Granted afresh: a full member until marked again.
    expect((await party()).roster).toMatchObject({ members: 11, voting: 10 });
  });

  it('someone not on the roster is refused a ballot, even holding a role that reaches the step', async () => {
    const village = (await s.store.getVillage('dongping'))!;
    const vote = flowOf(FIVE).states.party_members_meeting!.vote!;
    const refusal = await checkVoter(s.store, village, vote, 'dongping-clerk', s.runtime.now()).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ code: 'NOT_ON_ROSTER', message: expect.stringMatching(/you are not on the roster of 党员大会 of 东坪村/) });
    await expect(checkVoter(s.store, village, vote, 'dongping-party1', s.runtime.now())).resolves.toBeUndefined();
  });
});

describe('a counted body: the registered count in force on the meeting day', () => {
  it('a newer count takes effect on its day, not before; the record names the count it used', async () => {
    const admin = await as('qs.admin');
    const { id } = await drive.reach(ONE_MATTER, 'villagers_meeting');
    await admin.rosters.registerCount.mutate({ villageId: 'dongping', role: 'villager', count: 1300, effectiveFrom: '2026-03-05', source: '东坪村2026年3月村民名册（年满十八周岁）' });
    // Who registered each count, by name.
    expect((await admin.rosters.bodies.query({ villageId: 'dongping' })).recorderNames).toMatchObject({ 'qs-admin': '青山镇镇管理员' });
    expect(await (await as('dongping.clerk')).rosters.ofMatter.query({ instanceId: id })).toMatchObject({ day: '2026-03-02', members: 1268, voting: 1268, count: { effectiveFrom: '2026-01-01' } });
    // 2026-03-05 00:30 in China is still the 4th in UTC: the township's day decides.
    s.clock.set('2026-03-04T16:30:00.000Z');
    const seen = await (await as('dongping.clerk')).rosters.ofMatter.query({ instanceId: id });
    expect(seen).toMatchObject({ day: '2026-03-05', members: 1300, voting: 1300, count: { effectiveFrom: '2026-03-05', source: '东坪村2026年3月村民名册（年满十八周岁）' } });
    await send('dongping.clerk', id, 'RECORD_VOTE', { present: 700, for: 400, against: 300, abstain: 0, recused: 0 });
    expect((await lastRecord(id)).payload).toMatchObject({ members: 1300, eligible: 1300, roster: { hash: seen!.hash, members: 1300, voting: 1300 } });
    const stored = await (await as('qs.auditor')).rosters.snapshot.query({ hash: seen!.hash });
    expect(stored).toMatchObject({ kind: 'count', intact: true, count: { count: 1300, effectiveFrom: '2026-03-05', recordedByName: '青山镇镇管理员' } });
  });

  it('a counted body with no count in force yet is refused, saying so', async () => {
    const admin = await as('qs.admin');
    await admin.rosters.registerCount.mutate({ villageId: 'xiling', role: 'villager_representative', count: 40, effectiveFrom: '2030-01-01', source: '西岭村第十二届村民代表名单' });
    const village = (await s.store.getVillage('xiling'))!;
    const refusal = await currentRoster(s.store, village, { electorate: 'villager_representative', body: { zh: '村民代表会议', en: '' } }, s.runtime.now()).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ code: 'ROSTER_EMPTY', message: expect.stringMatching(/村民代表会议 of 西岭村 has no registered count in force on 2026-03-0\d/) });
  });
});

describe('the roster the store keeps between meeting records', () => {
  const day = '2026-03-02';
  const audit = { townshipId: 'qingshan', at: '2026-03-02T01:00:00.000Z', actorId: 'qs-admin', action: 'roster.test', target: 'dongping', details: {} };
  const votingOf = async () => {
    const body = await s.store.bodyOnDay('dongping', 'party_member', day);
    return { body, members: body.members.length, voting: body.members.filter((m) => !m.probationary).length };
  };

  it('is read again after any write to grants, people or counts, and handed out frozen', async () => {
    const first = await votingOf();
    const again = await votingOf();
    // SQLite keeps the body it read (one process writes the file); PostgreSQL reads it every time,
    // since other server processes may change grants unseen.
    if (TEST_STORE === 'sqlite') expect(again.body).toBe(first.body);
    else expect(again.body).not.toBe(first.body);
    expect(Object.isFrozen(first.body) && Object.isFrozen(first.body.members) && Object.isFrozen(first.body.members[0])).toBe(true);
    // A probationary mark, a grant taken away and given back, a deactivation: each is seen at once.
    await s.store.setProbationary({ userId: 'dongping-party1', villageId: 'dongping', role: 'party_member', probationary: true }, audit);
    expect(await votingOf()).toMatchObject({ members: first.members, voting: first.voting - 1 });
    await s.store.setProbationary({ userId: 'dongping-party1', villageId: 'dongping', role: 'party_member', probationary: false }, audit);
    expect(await votingOf()).toMatchObject({ members: first.members, voting: first.voting });
    const grants = (await s.store.getUser('dongping-party2'))!.roles;
    await s.store.setRoles('dongping-party2', grants.filter((g) => g.role !== 'party_member'));
    expect(await votingOf()).toMatchObject({ members: first.members - 1, voting: first.voting - 1 });
    await s.store.setRoles('dongping-party2', grants);
    expect(await votingOf()).toMatchObject({ members: first.members, voting: first.voting });
    await s.store.updateUser('dongping-party3', { deactivatedAt: '2026-03-02T01:00:00.000Z' });
    expect(await votingOf()).toMatchObject({ members: first.members - 1 });
    await s.store.updateUser('dongping-party3', { deactivatedAt: null });
    expect(await votingOf()).toMatchObject({ members: first.members, voting: first.voting });
    // A counted body: a count registered to take effect that very day.
    const counted = async () => (await s.store.bodyOnDay('xiling', 'villager', day)).count?.count;
    const before = await counted();
    expect(before).toBeGreaterThan(0);
    await s.store.registerBodyCount({ townshipId: 'qingshan', villageId: 'xiling', role: 'villager', count: before! + 7, effectiveFrom: day, source: '西岭村名册（测试）', recordedBy: 'qs-admin', recordedAt: audit.at }, audit);
    expect(await counted()).toBe(before! + 7);
  });

  it('a commit by another connection to the database (another process, the CLI) is seen at once', async () => {
    const first = await votingOf();
    const mark = (on: boolean) => onAnotherConnection(`UPDATE user_roles SET probationary = ${on ? 'TRUE' : 'FALSE'} WHERE user_id = 'dongping-party4' AND role = 'party_member'`);
    await mark(true);
    expect(await votingOf()).toMatchObject({ members: first.members, voting: first.voting - 1 });
    await mark(false);
    expect(await votingOf()).toMatchObject({ members: first.members, voting: first.voting });
  });
});
