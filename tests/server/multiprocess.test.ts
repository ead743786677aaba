// Two server processes in front of one PostgreSQL database, under concurrent load from both: every
// acknowledged event is stored exactly once, sequence numbers have no gaps, every chain verifies,
// the losers of a race were told CONFLICT, a session made on one process works on the other, and
// each timer that falls due is delivered by exactly one of them, once.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { clientFor, createTestDatabase, errorOf, type Client } from './harness.ts';
import { spawnServer, type ServerProcess } from './spawn-server.ts';

const FIVE = 'five-deliberations-two-disclosures';
const VILLAGES = ['dongping', 'xiling', 'nanwan'] as const;
const PER_VILLAGE = 3;
// Party members who vote in every demo village (西岭村's party8 and party9 are probationary: they
// attend without a vote, and their ballots are refused).
const PARTY = [1, 2, 3, 4, 5, 6, 7];
const TIMER_INSTANCES = 24;
const START = '2026-03-02T01:00:00.000Z';
const GOLDEN = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'flows', 'runs', `${FIVE}.happy-path.run.json`), 'utf8')) as {
  events: { type: string; payload: Record<string, unknown> }[];
};
const [, { payload: PROPOSAL }, { payload: MEETING }] = GOLDEN.events as [unknown, { payload: Record<string, unknown> }, { payload: Record<string, unknown> }];
// A reported incident (网格事件) dispatched for handling waits under a three-day deadline: a timer.
const GRID = 'grid-incident';
const INCIDENT = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'flows', 'runs', `${GRID}.overdue-escalation.run.json`), 'utf8')) as {
  events: { type: string; payload: Record<string, unknown> }[];
}).events.slice(1, 4).map((e) => e.payload) as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: pg.Pool;
let dir: string;
let clockPath: string;
let a: ServerProcess;
let b: ServerProcess;

/** One user signed in once, on one process, with a client for each process sharing that session. */
interface Person {
  username: string;
  on: [Client, Client];
}
async function person(username: string, signInOn: 0 | 1): Promise<Person> {
  const first = clientFor([a, b][signInOn]!.url);
  await first.client.auth.login.mutate({ username, password: DEMO_PASSWORD });
  const other = clientFor([a, b][1 - signInOn]!.url);
  for (const [k, v] of first.cookies) other.cookies.set(k, v);
  return { username, on: signInOn === 0 ? [first.client, other.client] : [other.client, first.client] };
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = new pg.Pool({ connectionString: database.url, max: 2 });
  dir = mkdtempSync(join(tmpdir(), 'villageflow-two-processes-'));
  clockPath = join(dir, 'clock.txt');
  writeFileSync(clockPath, `${START}\n`);
  const env = { VILLAGEFLOW_DB: database.url, VILLAGEFLOW_CLOCK: `file:${clockPath}`, VILLAGEFLOW_TICK_MS: '100' };
  // Started together on the empty database: one migrates and seeds, the other waits or finds it done.
  const started = await Promise.allSettled([spawnServer(env), spawnServer(env)]);
  // Whichever started is stopped in afterAll, even when the other did not.
  [a, b] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined)) as [ServerProcess, ServerProcess];
  for (const s of started) if (s.status === 'rejected') throw s.reason;
});

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await db?.end();
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('two server processes, one PostgreSQL database', () => {
  it('a session made on one process is valid on the other, and signing out on the other ends it', async () => {
    const p = await person('qs.auditor', 0);
    expect((await p.on[0].auth.me.query())?.user.username).toBe('qs.auditor');
    expect((await p.on[1].auth.me.query())?.user.username).toBe('qs.auditor');
    await p.on[1].auth.logout.mutate();
    expect(await p.on[0].auth.me.query()).toBeNull();
  });

  it('under concurrent load on both: every acknowledged event is stored once, without gaps; the losers of each race got CONFLICT', async () => {
    // The instances: started and moved to the Party members' ballot through alternating processes.
    const instances: { id: string; village: string }[] = [];
    await Promise.all(
      VILLAGES.map(async (village, v) => {
        const secretary = await person(`${village}.secretary`, (v % 2) as 0 | 1);
        const clerk = await person(`${village}.clerk`, ((v + 1) % 2) as 0 | 1);
        await Promise.all(
          Array.from({ length: PER_VILLAGE }, async (_, n) => {
            const started = await secretary.on[n % 2]!.instances.start.mutate({ villageId: village, flowId: FIVE, title: `${village} 两进程 ${n}` });
            const submitted = await secretary.on[(n + 1) % 2]!.instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: PROPOSAL });
            const met = await clerk.on[n % 2]!.instances.send.mutate({ id: started.id, seq: submitted.seq, type: 'RECORD_VOTE', payload: MEETING });
            expect(met.state).toBe('party_members_meeting');
            instances.push({ id: started.id, village });
          }),
        );
      }),
    );
    const members = new Map<string, Person[]>();
    for (const [v, village] of VILLAGES.entries()) {
      members.set(village, await Promise.all(PARTY.map((n) => person(`${village}.party${n}`, ((n + v) % 2) as 0 | 1))));
    }

    type Ack = { id: string; seq: number; actor: string };
    const acks: Ack[] = [];
    let conflicts = 0;
    await Promise.all(
      instances.map(async ({ id, village }, i) => {
        const voters = members.get(village)!;
        /** Member m's client on one process; `other` picks the other process for the same session. */
        const via = (m: number, other = 0) => voters[m]!.on[(m + i + other) % 2]!;
        // Round one: every member saw the same seq and sends at once, half through each process.
        const { instance } = await via(0).instances.get.query({ id });
        const round = await Promise.allSettled(voters.map((_, m) => via(m).instances.send.mutate({ id, seq: instance.seq, type: 'CAST_BALLOT', payload: { choice: 'for' } })));
        const won = round.flatMap((r, m) => (r.status === 'fulfilled' ? [m] : []));
        expect(won, `round one of ${id}`).toHaveLength(1);
        acks.push({ id, seq: (round[won[0]!] as PromiseFulfilledResult<{ seq: number }>).value.seq, actor: `${village}-party${won[0]! + 1}` });
        for (const r of round) {
          if (r.status === 'rejected') expect((await errorOf(Promise.reject(r.reason))).code).toBe('CONFLICT'), conflicts++;
        }
        // Then each loser reloads and retries until its ballot is in, all of them concurrently.
        await Promise.all(
          voters.map(async (_, m) => {
            if (m === won[0]) return;
            for (let attempt = 0; ; attempt++) {
              expect(attempt, `party${m + 1} on ${id} kept conflicting`).toBeLessThan(50);
              const seen = await via(m).instances.get.query({ id });
              try {
                const sent = await via(m, 1).instances.send.mutate({ id, seq: seen.instance.seq, type: 'CAST_BALLOT', payload: { choice: 'for' } });
                acks.push({ id, seq: sent.seq, actor: `${village}-party${m + 1}` });
                return;
              } catch (error) {
                expect((await errorOf(Promise.reject(error))).code).toBe('CONFLICT');
                conflicts++;
              }
            }
          }),
        );
      }),
    );
    expect(conflicts).toBeGreaterThanOrEqual(instances.length * (PARTY.length - 1));

    const auditor = await person('qs.auditor', 1);
    for (const { id, village } of instances) {
      const history = await auditor.on[0].audit.history.query({ id });
      // No gaps, nothing twice: seq 1..n in order, and the instance row agrees.
      expect(history.map((r) => r.seq)).toEqual(history.map((_, k) => k + 1));
      const { instance } = await auditor.on[1].instances.get.query({ id });
      expect(instance.seq).toBe(history.length);
      // Every acknowledged ballot is the record at the seq it was acknowledged with; there are no others.
      const mine = acks.filter((x) => x.id === id).sort((x, y) => x.seq - y.seq);
      const ballots = history.filter((r) => r.type === 'CAST_BALLOT');
      expect(ballots.map((r) => ({ id, seq: r.seq, actor: r.actor.id }))).toEqual(mine);
      expect(new Set(ballots.map((r) => r.actor.id)).size).toBe(PARTY.length);
      expect(ballots.every((r) => r.actor.id.startsWith(`${village}-party`))).toBe(true);
      expect(await auditor.on[0].audit.verify.query({ id })).toEqual({ ok: true, count: history.length, head: instance.head });
    }
    // The database's own view: no instance row is ahead of or behind its history.
    const mismatched = await db.query('SELECT i.id FROM instances i WHERE i.seq <> (SELECT count(*) FROM history h WHERE h.instance_id = i.id)');
    expect(mismatched.rows).toEqual([]);
  });

  it('timers that fall due are delivered once each, by one process or the other', async () => {
    // Many incidents in handling, reported and dispatched through both processes.
    const villagers = await Promise.all(VILLAGES.map((village, v) => person(`${village}.villager`, (v % 2) as 0 | 1)));
    const office = await person('qs.gridoffice', 1);
    const [report, triage, dispatch] = INCIDENT;
    await Promise.all(
      Array.from({ length: TIMER_INSTANCES }, async (_, n) => {
        const v = n % VILLAGES.length;
        const started = await villagers[v]!.on[n % 2]!.instances.start.mutate({ villageId: VILLAGES[v]!, flowId: GRID, title: `网格事件 ${n}` });
        let at = await villagers[v]!.on[(n + 1) % 2]!.instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: { ...report, occurred_at: START } });
        at = await office.on[n % 2]!.instances.send.mutate({ id: started.id, seq: at.seq, type: 'SUBMIT', payload: triage });
        at = await office.on[(n + 1) % 2]!.instances.send.mutate({ id: started.id, seq: at.seq, type: 'SUBMIT', payload: dispatch });
        expect(at.state).toBe('handling');
      }),
    );
    const pending = (await db.query('SELECT instance_id, timer_id, due FROM timers ORDER BY due')).rows as { instance_id: string; timer_id: string; due: string }[];
    expect(pending.length).toBeGreaterThanOrEqual(TIMER_INSTANCES);
    // Move both processes' clock past every timer pending now (what they schedule next is due later).
    const now = new Date(Date.parse(pending.at(-1)!.due) + 60_000).toISOString();
    writeFileSync(clockPath, `${now}\n`);
    for (let tries = 0; ; tries++) {
      const left = await db.query('SELECT count(*) AS n FROM timers WHERE due <= $1', [now]);
      if (Number(left.rows[0].n) === 0) break;
      expect(tries, 'due timers still waiting after 30 s').toBeLessThan(300);
      await new Promise((r) => setTimeout(r, 100));
    }
    const fired = (await db.query("SELECT instance_id, payload FROM history WHERE type = 'TIMER' AND at = $1", [now])).rows.map((r) => `${r.instance_id} ${JSON.parse(r.payload).timer}`);
    // Nothing twice.
    expect(new Set(fired).size).toBe(fired.length);
    // An instance with one timer pending had exactly that one delivered (with several, the first may end the others).
    const byInstance = new Map<string, typeof pending>();
    for (const t of pending) byInstance.set(t.instance_id, [...(byInstance.get(t.instance_id) ?? []), t]);
    let single = 0;
    for (const [id, timers] of byInstance) {
      if (timers.length !== 1) continue;
      single++;
      expect(fired.filter((f) => f.startsWith(`${id} `))).toEqual([`${id} ${timers[0]!.timer_id}`]);
    }
    expect(single).toBeGreaterThanOrEqual(TIMER_INSTANCES);
    const auditor = await person('qs.auditor', 0);
    const unverified = [];
    for (const id of byInstance.keys()) {
      const verdict = await auditor.on[1].audit.verify.query({ id });
      if (!verdict.ok) unverified.push({ id, verdict });
    }
    expect(unverified).toEqual([]);
    expect([...a.output, ...b.output].join('')).not.toMatch(/failed|error/i);
  });
});
