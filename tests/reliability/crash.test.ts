// Crash safety: the real server process under a load of concurrent sends is killed with SIGKILL,
// the clock moves past a disclosure's end while it is down, and it is started again on the same
// file. Every event a client saw acknowledged must be there, every chain must verify, every
// instance row must agree with its history (nothing half-written), SQLite's integrity check must
// pass, and the timer that fell due while the server was down must fire exactly once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFlow, openSteps, replay, verify, type CompiledFlow, type HistoryRecord } from '../../engine/index.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import * as rows from '../../server/store/sqlite/rows.ts';
import { calendarOfRow } from '../../server/store/calendars.ts';
import { clientFor, seededTestDatabase, type Client } from '../server/harness.ts';
import { APPROVAL, FIVE, PROPOSAL } from './fixtures.ts';
import { fileClockEnv, spawnServer, type ServerProcess } from '../server/spawn-server.ts';

const LOAD_MS = 2000;
const RACERS = 12; // ballots on one instance
const STARTERS = 12; // new instances, each with its proposal
const TIMER = 'resolution_disclosure:disclosure';
const DISCLOSED = 'demo-xiling-square';

let dir: string;
const started: ServerProcess[] = [];
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'villageflow-crash-'));
});
afterAll(async () => {
  for (const p of started) await p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function signIn(url: string, username: string): Promise<Client> {
  const { client } = clientFor(url);
  await client.auth.login.mutate({ username, password: DEMO_PASSWORD });
  return client;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ack {
  instanceId: string;
  seq: number;
  type: string;
  actor: string;
}

describe('SIGKILL in the middle of a load run', () => {
  it('loses no acknowledged event, leaves nothing half-written, and fires the timer that fell due once', { timeout: 120_000 }, async () => {
    // The demo township as seeded at the clock's start (a copy of this run's seed).
    const dbPath = (await seededTestDatabase('2026-03-02T01:00:00.000Z', join(dir, 'villageflow.db'))).location;
    const clockPath = join(dir, 'clock.txt');
    writeFileSync(clockPath, '2026-03-02T01:00:00.000Z\n');
    const first = await spawnServer(fileClockEnv(dbPath, clockPath));
    started.push(first);

    // A disclosure whose period (P7D) will end while the server is down.
    const reviewer = await signIn(first.url, 'qs.reviewer');
    const review = await reviewer.instances.get.query({ id: DISCLOSED });
    const approved = await reviewer.instances.send.mutate({ id: DISCLOSED, seq: review.instance.seq, type: 'APPROVE', payload: APPROVAL });
    expect(approved.state).toBe('resolution_disclosure');
    const due = (await clientFor(first.url).client.board.village.query({ villageId: 'xiling' })).current[0]!.until;

    const voters = Array.from({ length: 9 }, (_, i) => `dongping.party${i + 1}`);
    const racers = await Promise.all(Array.from({ length: RACERS }, (_, i) => signIn(first.url, voters[i % voters.length]!)));
    const secretaries = await Promise.all(Array.from({ length: STARTERS }, () => signIn(first.url, 'nanwan.secretary')));
    const acks: Ack[] = [{ instanceId: DISCLOSED, seq: approved.seq, type: 'APPROVE', actor: 'qs-reviewer' }];
    // The load runs LOAD_MS, and on a busy machine until more than 20 events were acknowledged.
    let enough!: () => void;
    const loaded = new Promise<void>((resolve) => (enough = resolve));
    const ack = (a: Ack) => {
      acks.push(a);
      if (acks.length > 20) enough();
    };
    let conflicts = 0;
    let lost = 0; // requests cut off by the kill: never acknowledged
    let stop = false;
    const refusal = (error: unknown) => {
      if (error instanceof TRPCClientError && (error.data as { code?: string } | undefined)?.code === 'CONFLICT') return void conflicts++;
      if (stop) return void lost++;
      throw error;
    };

    const racer = async (c: Client, n: number) => {
      const id = 'demo-dongping-road';
      while (!stop) {
        try {
          const { seq } = (await c.instances.get.query({ id })).instance;
          const done = await c.instances.send.mutate({ id, seq, type: 'CAST_BALLOT', payload: { choice: 'for' } });
          ack({ instanceId: id, seq: done.seq, type: 'CAST_BALLOT', actor: voters[n % voters.length]!.replace('.', '-') });
        } catch (error) {
          refusal(error);
        }
      }
    };
    const starter = async (c: Client, n: number) => {
      for (let k = 0; !stop; k++) {
        try {
          const s = await c.instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: `崩溃测试 ${n}-${k}` });
          ack({ instanceId: s.id, seq: s.seq, type: 'START', actor: 'nanwan-secretary' });
          const done = await c.instances.send.mutate({ id: s.id, seq: s.seq, type: 'SUBMIT', payload: { ...PROPOSAL, subject: `崩溃测试 ${n}-${k}` } });
          ack({ instanceId: s.id, seq: done.seq, type: 'SUBMIT', actor: 'nanwan-secretary' });
        } catch (error) {
          refusal(error);
        }
      }
    };
    const load = Promise.all([...racers.map(racer), ...secretaries.map(starter)]);
    await Promise.all([sleep(LOAD_MS), loaded]);
    // Killed with requests in flight; the clients' loops end on their first failed request.
    stop = true;
    await first.kill('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');
    await load;
    expect(acks.length).toBeGreaterThan(20);

    // While it is down, the disclosure period ends.
    const later = new Date(Date.parse(due) + 3600_000).toISOString();
    writeFileSync(clockPath, later + '\n');
    const second = await spawnServer(fileClockEnv(dbPath, clockPath));
    started.push(second);

    // Every acknowledged event is there, as acknowledged. Read in one transaction: the restarted
    // server's scheduler may deliver the timer meanwhile, and the check wants one consistent view.
    const db = new Database(dbPath, { readonly: true });
    try {
      db.transaction(() => {
      const row = db.prepare('SELECT type, actor_id FROM history WHERE instance_id = ? AND seq = ?');
      const found = acks.filter((a) => {
        const r = row.get(a.instanceId, a.seq) as { type: string; actor_id: string } | undefined;
        return r?.type === a.type && r.actor_id === a.actor;
      });
      expect(found.length, 'acknowledged events found after the crash').toBe(acks.length);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');

      // Nothing half-written: each instance row is its history's last record, and the chain verifies.
      const compiled = new Map<number, CompiledFlow>();
      const instances = db.prepare('SELECT * FROM instances ORDER BY id').all() as Record<string, unknown>[];
      // The calendar versions the records name are in the store too (stored before the records).
      const calendars = (db.prepare('SELECT hash, json FROM calendar_versions').all() as Record<string, unknown>[]).map(calendarOfRow);
      for (const i of instances) {
        const instance = rows.instance(i);
        const history = (db.prepare('SELECT * FROM history WHERE instance_id = ? ORDER BY seq').all(instance.id) as Record<string, unknown>[]).map(rows.record) as HistoryRecord[];
        if (!compiled.has(instance.flowVersionId)) {
          const v = db.prepare('SELECT json FROM flow_versions WHERE id = ?').get(instance.flowVersionId) as { json: string };
          compiled.set(instance.flowVersionId, compileFlow(JSON.parse(v.json)));
        }
        const flow = compiled.get(instance.flowVersionId)!;
        expect(history.map((r) => r.seq), instance.id).toEqual(history.map((_, k) => k + 1));
        expect(instance.seq, instance.id).toBe(history.length);
        expect(verify(flow, history, { head: instance.head, calendars }), instance.id).toMatchObject({ ok: true, count: history.length });
        expect(replay(flow, history, { calendars }).at(-1), instance.id).toEqual(instance.snapshot);
        // The inbox rows are the ones the engine derives from the stored snapshot, written with it.
        const tasks = db.prepare('SELECT state, role, due FROM tasks WHERE instance_id = ? ORDER BY role').all(instance.id);
        const open = openSteps(flow, instance.snapshot).flatMap((st) => st.roles.map((role) => ({ state: st.state, role, due: st.due })));
        expect(tasks, instance.id).toEqual(open.sort((x, y) => (x.role < y.role ? -1 : 1)));
      }
      console.log(
        `crash: ${RACERS + STARTERS} clients for ${LOAD_MS} ms, ${acks.length} events acknowledged, ${found.length} found after SIGKILL and restart, ` +
          `${conflicts} CONFLICT, ${lost} requests cut off; ${instances.length} instances verified`,
      );
      })();
    } finally {
      db.close();
    }

    // The timer that fell due while the server was down: delivered once by the new process.
    const auditor = await signIn(second.url, 'qs.auditor');
    const fired = async () => (await auditor.audit.history.query({ id: DISCLOSED })).filter((r) => r.type === 'TIMER' && r.payload.timer === TIMER);
    let delivered = await fired();
    for (let tries = 0; tries < 100 && delivered.length === 0; tries++) await sleep(100), (delivered = await fired());
    expect(delivered.length, `not delivered within 10 s:\n${second.output.join('')}`).toBe(1);
    expect(delivered[0]).toMatchObject({ seq: approved.seq + 1, at: later, actor: { id: 'system' } });
    await sleep(1000); // five more ticks
    expect((await fired()).length).toBe(1);
    expect(await auditor.audit.verify.query({ id: DISCLOSED })).toMatchObject({ ok: true, count: approved.seq + 1 });
    expect((await auditor.instances.get.query({ id: DISCLOSED })).instance.state).toBe('implementation');
    expect(second.output.join('')).not.toMatch(/timer delivery failed/);
  });
});
