// How the server fails: stale forms are CONFLICT, bad data is refused field by field, and a timer
// that fell due while the server was down is delivered once after a restart. (An edited history
// row: tamper.test.ts.)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { clientFor, errorOf, seededTestDatabase, startTestServer, TEST_STORE, type Client, type TestServer } from './harness.ts';
import { fileClockEnv, spawnServer, type ServerProcess } from './spawn-server.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIVE = 'five-deliberations-two-disclosures';
const GOLDEN = JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', `${FIVE}.happy-path.run.json`), 'utf8')) as {
  events: { type: string; payload: Record<string, unknown> }[];
};
const PROPOSAL = GOLDEN.events[1]!.payload;
const TWO_COMMITTEES_MEETING = GOLDEN.events[2]!.payload;
const APPROVAL = GOLDEN.events[13]!.payload;

/** The durable rows one instance owns, straight from the database. */
function rowsOf(server: TestServer, id: string) {
  const db = server.store.db;
  return {
    instance: db.prepare('SELECT * FROM instances WHERE id = ?').get(id),
    history: db.prepare('SELECT * FROM history WHERE instance_id = ? ORDER BY seq').all(id),
    timers: db.prepare('SELECT * FROM timers WHERE instance_id = ? ORDER BY timer_id').all(id),
    tasks: db.prepare('SELECT * FROM tasks WHERE instance_id = ? ORDER BY role').all(id),
    disclosures: db.prepare('SELECT * FROM disclosures WHERE instance_id = ? ORDER BY id').all(id),
  };
}

describe('conflicts and invalid input', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  /** A new 五议两公开 instance in nanwan, at the proposal step (seq 1). */
  async function freshProposal(secretary: Client): Promise<string> {
    const started = await secretary.instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: '南湾社区：老年食堂扩建' });
    expect(started).toMatchObject({ state: 'proposal', seq: 1 });
    return started.id;
  }

  describe('(a) a stale sequence number is CONFLICT and changes nothing', () => {
    it('two party members read the same seq and both cast a ballot: the second is CONFLICT', async () => {
      const id = 'demo-dongping-road';
      const [p3, p4] = await Promise.all([s.as('dongping.party3'), s.as('dongping.party4')]);
      const [seen3, seen4] = await Promise.all([p3.instances.get.query({ id }), p4.instances.get.query({ id })]);
      expect(seen3.instance.seq).toBe(seen4.instance.seq);
      expect(seen4.step.events).toContain('CAST_BALLOT');
      const seq = seen3.instance.seq;
      const historyBefore = await p3.audit.history.query({ id });

      const first = await p3.instances.send.mutate({ id, seq, type: 'CAST_BALLOT', payload: { choice: 'for' } });
      expect(first.seq).toBe(seq + 1);
      const afterFirst = rowsOf(s, id);

      const second = await errorOf(p4.instances.send.mutate({ id, seq, type: 'CAST_BALLOT', payload: { choice: 'against' } }));
      expect(second.code).toBe('CONFLICT');
      expect(second.message).toMatch(/moved on/);
      expect(rowsOf(s, id)).toEqual(afterFirst);

      const history = await p4.audit.history.query({ id });
      expect(history.length).toBe(historyBefore.length + 1);
      expect(history.slice(0, -1)).toEqual(historyBefore);
      expect(history.at(-1)).toMatchObject({ seq: seq + 1, type: 'CAST_BALLOT', actor: { id: 'dongping-party3' }, payload: { choice: 'for' } });
      // party4's ballot was not counted; reloading shows it, and a send at the new seq goes through.
      const reloaded = await p4.instances.get.query({ id });
      expect(reloaded.step.ballots).toEqual({ cast: seen4.step.ballots!.cast + 1, mine: null });
      const retried = await p4.instances.send.mutate({ id, seq: reloaded.instance.seq, type: 'CAST_BALLOT', payload: { choice: 'against' } });
      expect(retried.seq).toBe(seq + 2);
    });

    it('the secretary in two tabs: submit from one, withdraw from the stale other is CONFLICT', async () => {
      const tabA = await s.as('nanwan.secretary');
      const tabB = await s.as('nanwan.secretary');
      const id = await freshProposal(tabA);
      const [a, b] = await Promise.all([tabA.instances.get.query({ id }), tabB.instances.get.query({ id })]);
      expect(b.step.events).toEqual(expect.arrayContaining(['SUBMIT', 'WITHDRAW']));
      await tabA.instances.send.mutate({ id, seq: a.instance.seq, type: 'SUBMIT', payload: PROPOSAL });
      const afterSubmit = rowsOf(s, id);

      const stale = await errorOf(tabB.instances.send.mutate({ id, seq: b.instance.seq, type: 'WITHDRAW', payload: {} }));
      expect(stale.code).toBe('CONFLICT');
      expect(rowsOf(s, id)).toEqual(afterSubmit);
      const now = await tabB.instances.get.query({ id });
      expect(now.instance).toMatchObject({ state: 'two_committees', status: 'active', seq: 2 });
      expect((await tabB.audit.history.query({ id })).map((r) => r.type)).toEqual(['START', 'SUBMIT']);
      // A seq from the future is as stale as one from the past.
      expect((await errorOf(tabB.instances.send.mutate({ id, seq: 99, type: 'WITHDRAW', payload: {} }))).code).toBe('CONFLICT');
      expect(rowsOf(s, id)).toEqual(afterSubmit);
    });

    it('two ballots sent at the same moment with the same seq: exactly one is accepted', async () => {
      const id = 'demo-dongping-road';
      const [p5, p6] = await Promise.all([s.as('dongping.party5'), s.as('dongping.party6')]);
      const { instance } = await p5.instances.get.query({ id });
      const before = await p5.audit.history.query({ id });
      const results = await Promise.allSettled([
        p5.instances.send.mutate({ id, seq: instance.seq, type: 'CAST_BALLOT', payload: { choice: 'for' } }),
        p6.instances.send.mutate({ id, seq: instance.seq, type: 'CAST_BALLOT', payload: { choice: 'for' } }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((await errorOf(Promise.reject(rejected.reason))).code).toBe('CONFLICT');
      const after = await p5.audit.history.query({ id });
      expect(after.length).toBe(before.length + 1);
      expect(after.slice(0, -1)).toEqual(before);
    });

    it('two sends racing past the runtime check are stopped by the store (compare-and-set on seq)', async () => {
      const id = 'demo-dongping-road';
      const [u7, u8] = await Promise.all([s.store.getUser('dongping-party7'), s.store.getUser('dongping-party8')]);
      const { seq } = (await s.store.getInstance(id))!;
      // Both sends get past the runtime's check before either writes: each waits at the store's
      // appendEvent (the real one, called through) until the other has got there too. Left to
      // timing, one send could finish before the other started (under load, on PostgreSQL).
      const store = s.store;
      const append = store.appendEvent.bind(store);
      let arrived = 0;
      let bothThere!: () => void;
      const both = new Promise<void>((resolve) => (bothThere = resolve));
      store.appendEvent = async (w) => {
        if (++arrived === 2) bothThere();
        await both;
        return append(w);
      };
      let results: PromiseSettledResult<unknown>[];
      try {
        results = await Promise.allSettled([
          s.runtime.send(u7!, { instanceId: id, seq, type: 'CAST_BALLOT', payload: { choice: 'for' } }),
          s.runtime.send(u8!, { instanceId: id, seq, type: 'CAST_BALLOT', payload: { choice: 'for' } }),
        ]);
      } finally {
        delete (store as Partial<typeof store>).appendEvent;
      }
      expect(arrived).toBe(2);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const reason = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as Error;
      expect(reason.name).toBe('ConflictError');
      // The store's message (the runtime's own check says "you saw record …"): the race got that far.
      expect(reason.message).toMatch(/has moved on since sequence number/);
      expect((await s.store.history(id)).length).toBe(seq + 1);
    });
  });

  describe('(b) invalid data is refused field by field, and events out of turn are refused', () => {
    it('SUBMIT with a missing required field and a wrong type: BAD_REQUEST, FORM_INVALID, issues naming the fields', async () => {
      const secretary = await s.as('nanwan.secretary');
      const id = await freshProposal(secretary);
      const before = rowsOf(s, id);
      const { subject: _missing, ...rest } = PROPOSAL;
      const error = await errorOf(secretary.instances.send.mutate({ id, seq: 1, type: 'SUBMIT', payload: { ...rest, budget: '三十八万六千' } }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.data.engineCode).toBe('FORM_INVALID');
      const issues = error.data.issues as { pointer: string; message: string }[];
      expect(issues.map((i) => i.pointer).sort()).toEqual(['/budget', '/subject']);
      for (const i of issues) expect(i.message).toBeTruthy();
      expect(rowsOf(s, id)).toEqual(before);
      const view = await secretary.instances.get.query({ id });
      expect(view.instance).toMatchObject({ state: 'proposal', seq: 1 });
      expect(view.data).toEqual({});
      expect((await secretary.audit.history.query({ id })).length).toBe(1);

      // A date that is not a date and an unknown category: each named, nothing written.
      const bad = await errorOf(secretary.instances.send.mutate({ id, seq: 1, type: 'SUBMIT', payload: { ...PROPOSAL, branch_meeting_date: '上周二', category: 'fireworks' } }));
      expect(bad).toMatchObject({ code: 'BAD_REQUEST', data: { engineCode: 'FORM_INVALID' } });
      expect((bad.data.issues as { pointer: string }[]).map((i) => i.pointer).sort()).toEqual(['/branch_meeting_date', '/category']);
      expect(rowsOf(s, id)).toEqual(before);
    });

    it('a meeting record whose counts do not add up: BAD_REQUEST, VOTE_INVALID', async () => {
      const secretary = await s.as('nanwan.secretary');
      const id = await freshProposal(secretary);
      await secretary.instances.send.mutate({ id, seq: 1, type: 'SUBMIT', payload: PROPOSAL });
      const before = rowsOf(s, id);
      const clerk = await s.as('nanwan.clerk');
      const error = await errorOf(clerk.instances.send.mutate({ id, seq: 2, type: 'RECORD_VOTE', payload: { ...TWO_COMMITTEES_MEETING, for: 7 } }));
      expect(error).toMatchObject({ code: 'BAD_REQUEST', data: { engineCode: 'VOTE_INVALID' } });
      expect((error.data.issues as unknown[]).length).toBeGreaterThan(0);
      expect(rowsOf(s, id)).toEqual(before);
    });

    it('a malformed request is BAD_REQUEST with the field named (before anything runs)', async () => {
      const secretary = await s.as('nanwan.secretary');
      const id = await freshProposal(secretary);
      const before = rowsOf(s, id);
      const error = await errorOf(secretary.instances.send.mutate({ id, seq: 0, type: 'SUBMIT', payload: PROPOSAL }));
      expect(error.code).toBe('BAD_REQUEST');
      expect((error.data.issues as { pointer: string }[]).map((i) => i.pointer)).toEqual(['/seq']);
      expect(rowsOf(s, id)).toEqual(before);
    });

    const OUT_OF_TURN: { name: string; user: string; type: string; payload: Record<string, unknown>; at: 'proposal' | 'two_committees' | 'done' }[] = [
      { name: 'APPROVE at the proposal step', user: 'nanwan.secretary', type: 'APPROVE', payload: APPROVAL, at: 'proposal' },
      { name: 'RECORD_VOTE at the proposal step', user: 'nanwan.clerk', type: 'RECORD_VOTE', payload: TWO_COMMITTEES_MEETING, at: 'proposal' },
      { name: 'CAST_BALLOT at a recorded meeting', user: 'nanwan.party1', type: 'CAST_BALLOT', payload: { choice: 'for' }, at: 'two_committees' },
      { name: 'an engine event (VOTE.PASSED) sent by a person to skip the vote', user: 'nanwan.clerk', type: 'VOTE.PASSED', payload: {}, at: 'two_committees' },
      { name: 'an event name the flow does not know', user: 'nanwan.secretary', type: 'SKIP_TO_END', payload: {}, at: 'proposal' },
      { name: 'SUBMIT to a finished instance', user: 'nanwan.secretary', type: 'SUBMIT', payload: PROPOSAL, at: 'done' },
    ];
    it.each(OUT_OF_TURN)('$name: PRECONDITION_FAILED, EVENT_NOT_ALLOWED, nothing written', async ({ user, type, payload, at }) => {
      const secretary = await s.as('nanwan.secretary');
      let id = 'demo-nanwan-canteen';
      if (at !== 'done') {
        id = await freshProposal(secretary);
        if (at === 'two_committees') await secretary.instances.send.mutate({ id, seq: 1, type: 'SUBMIT', payload: PROPOSAL });
      }
      const before = rowsOf(s, id);
      const c = await s.as(user);
      const error = await errorOf(c.instances.send.mutate({ id, seq: (before.instance as { seq: number }).seq, type, payload }));
      expect(error.code).toBe('PRECONDITION_FAILED');
      expect(error.data.engineCode).toBe('EVENT_NOT_ALLOWED');
      expect(rowsOf(s, id)).toEqual(before);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// (c) A real server process, killed and restarted: the timer that fell due meanwhile is delivered
// ---------------------------------------------------------------------------------------------
const started: ServerProcess[] = [];

async function signIn(url: string, username: string): Promise<Client> {
  const { client } = clientFor(url);
  await client.auth.login.mutate({ username, password: DEMO_PASSWORD });
  return client;
}

describe('(c) a timer that falls due while the server is down', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'villageflow-restart-'));
  });
  afterAll(async () => {
    for (const p of started) await p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is delivered exactly once by the restarted server, and the instance moves on', async () => {
    // The test project's store (an SQLite file, or a PostgreSQL database of its own), seeded as of the clock's start.
    const database = await seededTestDatabase('2026-03-02T01:00:00.000Z', join(dir, 'villageflow.db'));
    onTestFinished(() => database.drop());
    const dbPath = database.location;
    const clockPath = join(dir, 'clock.txt');
    const TIMER = 'resolution_disclosure:disclosure';
    const id = 'demo-xiling-square';
    writeFileSync(clockPath, '2026-03-02T01:00:00.000Z\n');

    const first = await spawnServer(fileClockEnv(dbPath, clockPath));
    started.push(first);
    const reviewer = await signIn(first.url, 'qs.reviewer');
    const before = await reviewer.instances.get.query({ id });
    expect(before.instance.state).toBe('township_review');
    const approved = await reviewer.instances.send.mutate({ id, seq: before.instance.seq, type: 'APPROVE', payload: APPROVAL });
    expect(approved.state).toBe('resolution_disclosure');
    const board = await clientFor(first.url).client.board.village.query({ villageId: 'xiling' });
    expect(board.current.length).toBe(1);
    const due = board.current[0]!.until;
    expect(due).toBe('2026-03-09T01:00:00.000Z'); // P7D natural from the approval
    const timerRecords = <R extends { type: string; payload: Record<string, unknown> }>(h: R[]) => h.filter((r) => r.type === 'TIMER' && r.payload.timer === TIMER);
    expect(timerRecords(await reviewer.audit.history.query({ id }))).toEqual([]);

    await first.kill('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');
    // While it is down, the disclosure period ends.
    const later = new Date(Date.parse(due) + 3600_000).toISOString();
    writeFileSync(clockPath, later + '\n');

    const second = await spawnServer(fileClockEnv(dbPath, clockPath));
    started.push(second);
    const auditor = await signIn(second.url, 'qs.auditor');
    let delivered: Awaited<ReturnType<typeof auditor.audit.history.query>> = [];
    for (let tries = 0; tries < 50 && delivered.length === 0; tries++) {
      delivered = timerRecords(await auditor.audit.history.query({ id }));
      if (delivered.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(delivered.length, `timer not delivered within 5 s; server output:\n${second.output.join('')}`).toBe(1);
    expect(delivered[0]).toMatchObject({ seq: approved.seq + 1, at: later, actor: { id: 'system' } });

    // A few more ticks (200 ms each) deliver nothing more.
    await new Promise((r) => setTimeout(r, 700));
    const history = await auditor.audit.history.query({ id });
    expect(timerRecords(history).length).toBe(1);
    expect(history.length).toBe(approved.seq + 1);
    const after = await auditor.instances.get.query({ id });
    expect(after.instance).toMatchObject({ state: 'implementation', status: 'active', seq: approved.seq + 1 });
    expect(await auditor.audit.verify.query({ id })).toMatchObject({ ok: true, count: approved.seq + 1 });
    // Off the board, into its record of past disclosures.
    const boardAfter = await clientFor(second.url).client.board.village.query({ villageId: 'xiling' });
    expect(boardAfter.current).toEqual([]);
    expect(boardAfter.past.map((p) => p.endedAt)).toEqual([later]);
    expect(second.output.join('')).not.toMatch(/failed/);
    await second.kill('SIGKILL');
  });
});
