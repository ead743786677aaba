// A secret Party members' vote over real HTTP, on both stores: the ballot box is written with each
// CAST_BALLOT record and emptied with the closing one, and nothing a person, an auditor, an export
// or the request log sees links a voter to a choice; the exported tally verifies offline.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/villageflow.ts';
import { hashJson, type HistoryRecord, type SealedBallot } from '../../engine/index.ts';
import { verifyDatabase } from '../../server/host/backup.ts';
import { createLogger } from '../../server/log.ts';
import { ConflictError } from '../../server/store/types.ts';
import { secretFlowJson } from '../helpers.ts';
import { errorOf, startTestServer, TEST_STORE, type Client, type TestServer } from './harness.ts';

const SECRETARY = 'dongping.secretary';
const CLERK = 'dongping.clerk';
const AUDITOR = 'qs.auditor';
const PARTY = Array.from({ length: 6 }, (_, i) => `dongping.party${i + 1}`);
/** How each member votes: four for, one against, one abstains. */
const CHOICES: Record<string, string> = { 'dongping.party1': 'for', 'dongping.party2': 'against', 'dongping.party3': 'for', 'dongping.party4': 'abstain', 'dongping.party5': 'for', 'dongping.party6': 'for' };

let s: TestServer;
let id: string;
const logLines: string[] = [];
const clients = new Map<string, Client>();
async function as(username: string): Promise<Client> {
  let c = clients.get(username);
  if (!c) clients.set(username, (c = await s.as(username)));
  return c;
}
/** Moves the server's clock; sessions last seven days of it, so everyone signs in again. */
function at(time: string) {
  s.clock.set(time);
  clients.clear();
}
const view = async (username: string) => (await as(username)).instances.get.query({ id });
async function send(username: string, type: string, payload?: Record<string, unknown>) {
  const seen = await view(username);
  return (await as(username)).instances.send.mutate({ id, seq: seen.instance.seq, type, payload });
}
const box = () => s.store.db.prepare('SELECT * FROM ballot_box ORDER BY ballot_id').all() as Record<string, unknown>[];
const history = async () => (await as(AUDITOR)).audit.history.query({ id });
const userIdOf = (username: string) => `dongping-${username.split('.')[1]}`;

beforeAll(async () => {
  s = await startTestServer({ logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } }) });
  const admin = await as('qs.admin');
  // Five of 东坪村's eleven Party members are probationary here: they attend, they do not vote, so
  // the vote is counted against the six voting members (the six who cast below).
  for (const userId of ['dongping-party7', 'dongping-party8', 'dongping-party9', 'dongping-secretary', 'dongping-committee']) {
    await admin.rosters.setProbationary.mutate({ userId, villageId: 'dongping', role: 'party_member', probationary: true });
  }
  const { version, issues } = await admin.flows.saveDraft.mutate({ json: JSON.stringify(secretFlowJson()) });
  expect(issues).toEqual([]);
  await admin.flows.publish.mutate({ id: version.id });
  const started = await (await as(SECRETARY)).instances.start.mutate({ villageId: 'dongping', flowId: 'five-deliberations-two-disclosures', title: '无记名表决：村东组道路' });
  id = started.id;
  await send(SECRETARY, 'SUBMIT', { source: 'suggestion', subject: '硬化村东组道路', category: 'public_welfare', content: '村道硬化 1.2 公里', budget: 386000, branch_meeting_date: '2026-02-27', branch_minutes: '支委会一致同意' });
  await send(CLERK, 'RECORD_VOTE', { members: 7, eligible: 7, present: 6, for: 5, against: 0, abstain: 1, recused: 0 });
  expect((await view(CLERK)).instance.state).toBe('party_members_meeting');
});
afterAll(async () => {
  await s?.close();
});

describe('a secret Party members’ vote', () => {
  it('each member casts once: the record says who cast, the box holds the choice without them', async () => {
    // A ballot with no choice is refused (the empty payload of a record is not a ballot a person sends).
    const empty = await errorOf(send(PARTY[0]!, 'CAST_BALLOT', {}));
    expect(empty).toMatchObject({ code: 'BAD_REQUEST', data: { engineCode: 'VOTE_INVALID', issues: [{ pointer: '/choice' }] } });
    for (const [n, member] of PARTY.entries()) {
      at(`2026-03-10T09:${String(n * 3).padStart(2, '0')}:00+08:00`);
      await send(member, 'CAST_BALLOT', { choice: CHOICES[member] });
      const v = await view(member);
      expect(v.step.ballots).toEqual({ cast: n + 1, mine: 'sealed' });
      // Cast once: the step no longer offers a ballot, and a second one is refused.
      expect(v.step.events).not.toContain('CAST_BALLOT');
      const again = await errorOf(send(member, 'CAST_BALLOT', { choice: 'against' }));
      expect(again).toMatchObject({ code: 'BAD_REQUEST', data: { engineCode: 'VOTE_INVALID' } });
      expect(again.message).toMatch(/already cast a ballot/);
    }
    const records = (await history()).filter((r) => r.type === 'CAST_BALLOT');
    expect(records.map((r) => r.actor.id)).toEqual(PARTY.map(userIdOf));
    for (const r of records) expect(r.payload).toEqual({});
    const rows = box();
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(['ballot_id', 'choice', 'instance_id']);
    expect(rows.map((r) => r.choice).sort()).toEqual(Object.values(CHOICES).sort());
  });

  it('a ballot whose write is refused leaves nothing in the box (one transaction with its record)', async () => {
    const instance = (await s.store.getInstance(id))!;
    const stale = { instanceId: id, expectedSeq: instance.seq - 1, record: { ...(await history()).at(-1)!, seq: instance.seq + 1 }, snapshot: instance.snapshot, tasks: [] };
    const deposit = { type: 'ballot.deposit' as const, state: 'party_members_meeting', ballot: { id: 'f'.repeat(32), choice: 'for' as const } };
    await expect(s.store.appendEvent({ ...stale, effects: [deposit] })).rejects.toBeInstanceOf(ConflictError);
    expect(box()).toHaveLength(6);
  });

  it('a ballot slipped into the box is named by the audit verification before anyone closes the vote', async () => {
    const auditor = await as(AUDITOR);
    expect(await auditor.audit.verify.query({ id })).toMatchObject({ ok: true });
    s.store.db.prepare('INSERT INTO ballot_box (instance_id, ballot_id, choice) VALUES (?, ?, ?)').run(id, 'e'.repeat(32), 'for');
    expect(await auditor.audit.verify.query({ id })).toMatchObject({ ok: false, reason: expect.stringMatching(/ballot box holds 7 ballot\(s\), but the history has 6 secret ballot\(s\)/) });
    // So does the check a restore (and migrate-store) makes of an SQLite file.
    if (TEST_STORE === 'sqlite') expect(verifyDatabase(s.dbPath)).toMatchObject({ ok: false, instanceId: id, reason: expect.stringMatching(/the ballot box was edited/) });
    s.store.db.prepare('DELETE FROM ballot_box WHERE ballot_id = ?').run('e'.repeat(32));
    expect(await auditor.audit.verify.query({ id })).toMatchObject({ ok: true });
  });

  it('nobody sees a choice before the close: not the voters, the clerk nor the auditor', async () => {
    for (const username of [CLERK, AUDITOR, SECRETARY, ...PARTY]) {
      const v = await view(username);
      expect(v.step.ballots, username).toEqual({ cast: 6, mine: PARTY.includes(username) ? 'sealed' : null });
      expect(v.votes.party_members_meeting, username).toBeUndefined();
      expect(JSON.stringify(v.step).includes('"choice"'), username).toBe(false);
    }
    for (const r of await history()) expect(JSON.stringify(r.payload)).not.toMatch(/"choice"/);
  });

  it('the clerk closes the vote; the box is counted, carried by the record and emptied', async () => {
    at('2026-03-10T10:00:00+08:00');
    // The box comes from the server's ballot box, never from the sender.
    const forged = await errorOf(send(CLERK, 'CLOSE_VOTE', { members: 7, eligible: 7, box: [] }));
    expect(forged).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/ballot box/) });
    const rowsBefore = box().map((r) => ({ id: r.ballot_id, choice: r.choice }));
    await send(CLERK, 'CLOSE_VOTE', {});
    const v = await view(CLERK);
    expect(v.instance.state).toBe('representatives_meeting');
    expect(v.votes.party_members_meeting).toMatchObject({ secret: true, members: 11, eligible: 6, present: 6, for: 4, against: 1, abstain: 1, outcome: 'passed', roster: { members: 11, voting: 6 } });
    const close = (await history()).at(-1)!;
    expect(close.type).toBe('CLOSE_VOTE');
    expect(close.payload.box).toEqual(rowsBefore);
    expect(box()).toEqual([]);
  });

  // The SQLite file itself (PostgreSQL's files: docs/secret-ballots.md).
  if (TEST_STORE === 'sqlite') it('the emptied box leaves no bytes behind in the SQLite file, where page layout follows casting', async () => {
    const ids = ((await history()).at(-1)!.payload.box as SealedBallot[]).map((b) => b.id);
    s.store.db.pragma('wal_checkpoint(TRUNCATE)');
    const file = readFileSync(s.dbPath).toString('latin1');
    // Once each: in the closing record's payload, and nowhere else (not in freed cells).
    for (const ballot of ids) expect(file.split(ballot).length - 1).toBe(1);
  });

  it('no view, export or log line links a voter to a choice', async () => {
    const auditor = await as(AUDITOR);
    const bundle = await auditor.audit.export.query({ id });
    const replay = await auditor.audit.replay.query({ id });
    const views = await Promise.all([CLERK, ...PARTY].map((u) => view(u)));
    const ballots = (bundle.history.at(-1)!.payload.box as SealedBallot[]).map((b) => b.id);
    const voters = PARTY.map(userIdOf);
    // Anything that names a voter (a record's actor, an answer about them) holds no choice and no
    // ballot id; the ballot ids appear once, in the closing record, next to no voter.
    const linked = (value: unknown, path: string): string[] => {
      if (value === null || typeof value !== 'object') return [];
      const own = JSON.stringify(value);
      const out = Object.entries(value).flatMap(([k, v]) => linked(v, `${path}/${k}`));
      const leaf = Object.values(value).every((v) => v === null || typeof v !== 'object' || Object.keys(v).length <= 2);
      if (leaf && voters.some((u) => own.includes(`"${u}"`)) && (/"choice"|"(for|against|abstain)"/.test(own) || ballots.some((b) => own.includes(b)))) out.push(path);
      return out;
    };
    // The probe finds a link where there is one.
    expect(linked({ history: [{ actor: { id: voters[0], role: 'party_member' }, payload: { choice: 'for' } }] }, 'probe')).toContain('probe/history/0');
    expect(linked(bundle, 'export')).toEqual([]);
    expect(linked(replay, 'replay')).toEqual([]);
    expect(linked(views, 'views')).toEqual([]);
    for (const r of bundle.history.filter((x: HistoryRecord) => x.type === 'CAST_BALLOT')) expect(r.payload).toEqual({});
    const text = JSON.stringify(bundle);
    for (const b of ballots) expect(text.split(b).length - 1).toBe(1);
    // The request log: method, path, status, user; nothing of a ballot, not even in refusals.
    expect(logLines.length).toBeGreaterThan(20);
    const log = logLines.join('');
    // (A refusal may name the field "choice", never a value of it.)
    expect(log).not.toMatch(/"(for|against|abstain)"|"choice"\s*:/);
    for (const b of ballots) expect(log).not.toContain(b);
  });

  it('the exported tally verifies offline, and a box that lost a ballot does not', async () => {
    const bundle = await (await as(AUDITOR)).audit.export.query({ id });
    const dir = mkdtempSync(join(tmpdir(), 'villageflow-secret-'));
    try {
      const file = join(dir, 'bundle.json');
      writeFileSync(file, JSON.stringify(bundle));
      const out: string[] = [];
      const err: string[] = [];
      expect(await main(['verify', file, '--head', bundle.instance.head], { out: (l) => out.push(l), err: (l) => err.push(l) })).toBe(0);
      expect(out).toEqual([`verified ${bundle.history.length} records`]);

      // A forger drops an against ballot from the box and re-hashes the chain to the end.
      const tampered = structuredClone(bundle);
      const close = tampered.history.length - 1;
      const forged = tampered.history[close]!;
      forged.payload.box = (forged.payload.box as SealedBallot[]).filter((b) => b.choice !== 'against');
      const { hash: _h, ...unsigned } = forged;
      forged.hash = hashJson(unsigned);
      tampered.instance.head = forged.hash;
      writeFileSync(file, JSON.stringify(tampered));
      const err2: string[] = [];
      expect(await main(['verify', file], { out: () => {}, err: (l) => err2.push(l) })).toBe(1);
      expect(err2.join('\n')).toMatch(new RegExp(`record ${close + 1} failed.*holds 5 ballot\\(s\\) but 6 were cast`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
