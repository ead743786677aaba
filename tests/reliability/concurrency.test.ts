// Concurrency over real HTTP: 64 clients race to cast ballots on one instance, each reading the
// sequence number and sending at it, and 64 clients each drive an instance of their own. Every
// acknowledged event must be in the history exactly once at the sequence number it was given, the
// history must run 1..n without gaps or duplicates, its chain must verify (the audit procedure
// and the engine's own verify), exactly one send wins at each sequence number, and every refusal
// must be a CONFLICT.
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay, verify } from '../../engine/index.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { clientFor, startTestServer, type Client, type TestServer } from '../server/harness.ts';
import { FIVE, PROPOSAL, TWO_COMMITTEES_MEETING } from './fixtures.ts';

const CLIENTS = 64;
const ROUNDS = 3;

let s: TestServer;
/** Sign-ins by user name (scrypt is slow on purpose): the 64 clients share a few sessions. */
const sessions = new Map<string, Promise<string>>();

beforeAll(async () => {
  s = await startTestServer();
}, 60_000);
afterAll(() => s?.close());

function session(username: string): Promise<string> {
  let token = sessions.get(username);
  if (!token) {
    const { client, cookies } = clientFor(s.url);
    token = client.auth.login.mutate({ username, password: DEMO_PASSWORD }).then(() => cookies.get('vf_session')!);
    sessions.set(username, token);
  }
  return token;
}
async function clientAs(username: string): Promise<Client> {
  const { client, cookies } = clientFor(s.url);
  cookies.set('vf_session', await session(username));
  return client;
}
function codeOf(error: unknown): string {
  return error instanceof TRPCClientError ? String((error.data as { code?: string } | undefined)?.code) : `not a tRPC error: ${String(error)}`;
}

/** The stored chain is whole: 1..n in order, each linked, re-executed and verified, replay = snapshot. */
async function expectWholeChain(id: string, auditor: Client) {
  const history = await s.store.history(id);
  expect(history.map((r) => r.seq)).toEqual(history.map((_, i) => i + 1));
  const instance = (await s.store.getInstance(id))!;
  expect(instance.seq).toBe(history.length);
  expect(instance.head).toBe(history.at(-1)!.hash);
  const compiled = await s.runtime.compiled(instance.flowVersionId);
  expect(verify(compiled, history, { head: instance.head })).toEqual({ ok: true, count: history.length, head: instance.head });
  expect(replay(compiled, history).at(-1)).toEqual(instance.snapshot);
  expect(await auditor.audit.verify.query({ id })).toEqual({ ok: true, count: history.length, head: instance.head });
  return history;
}

describe('64 clients racing on one instance', () => {
  // Generous limits: under the whole suite on two cores, 64 clients over HTTP take a while.
  it('exactly one ballot wins at each sequence number; the rest are CONFLICT; the history holds every acknowledged one once', { timeout: 120_000 }, async () => {
    const id = 'demo-dongping-road';
    // The electorate: the nine party members and the two cadres who are party members too.
    const voters = [...Array.from({ length: 9 }, (_, i) => `dongping.party${i + 1}`), 'dongping.secretary', 'dongping.committee'];
    const userIds = new Map<string, string>();
    for (const v of voters) userIds.set(v, v.replace('.', '-'));
    const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => clientAs(voters[i % voters.length]!)));
    const before = (await s.store.getInstance(id))!.seq;
    expect((await s.store.getInstance(id))!.state).toBe('party_members_meeting');

    const acks: { client: number; user: string; sentAt: number; seq: number; choice: string }[] = [];
    const refusals: { client: number; sentAt: number; code: string }[] = [];
    const choices = ['for', 'against', 'abstain'] as const;
    await Promise.all(
      clients.map(async (c, n) => {
        for (let round = 0; round < ROUNDS; round++) {
          const seen = (await c.instances.get.query({ id })).instance.seq;
          const choice = choices[(n + round) % 3]!;
          try {
            const done = await c.instances.send.mutate({ id, seq: seen, type: 'CAST_BALLOT', payload: { choice } });
            acks.push({ client: n, user: voters[n % voters.length]!, sentAt: seen, seq: done.seq, choice });
          } catch (error) {
            refusals.push({ client: n, sentAt: seen, code: codeOf(error) });
          }
        }
      }),
    );

    expect(acks.length + refusals.length).toBe(CLIENTS * ROUNDS);
    expect(refusals.map((r) => r.code).filter((c) => c !== 'CONFLICT')).toEqual([]);
    // Each acknowledgement is the record right after the one its sender saw, and no two share one.
    for (const a of acks) expect(a.seq).toBe(a.sentAt + 1);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(acks.length);
    // Every sequence number anyone sent at was won by exactly one sender.
    const attempted = new Set([...acks.map((a) => a.sentAt), ...refusals.map((r) => r.sentAt)]);
    for (const seq of attempted) expect(acks.filter((a) => a.sentAt === seq).length, `winners at ${seq}`).toBe(1);

    const history = await expectWholeChain(id, await clientAs('qs.auditor'));
    expect(history.length).toBe(before + acks.length);
    for (const a of acks) {
      expect(history[a.seq - 1]).toMatchObject({ seq: a.seq, type: 'CAST_BALLOT', actor: { id: userIds.get(a.user) }, payload: { choice: a.choice } });
    }
    // Nothing but the acknowledged ballots was added.
    expect(history.slice(before).map((r) => r.seq).sort((x, y) => x - y)).toEqual(acks.map((a) => a.seq).sort((x, y) => x - y));
    expect(s.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    console.log(`one instance: ${CLIENTS} clients, ${CLIENTS * ROUNDS} sends, ${acks.length} acknowledged, ${refusals.length} CONFLICT`);
  });
});

describe('64 clients each on its own instance', () => {
  it('every event of every client is acknowledged and recorded once, and every chain verifies', { timeout: 120_000 }, async () => {
    const villages = ['dongping', 'xiling', 'nanwan'];
    const steps = async (n: number) => {
      const v = villages[n % villages.length]!;
      const secretary = await clientAs(`${v}.secretary`);
      const clerk = await clientAs(`${v}.clerk`);
      const party = await Promise.all([1, 2, 3].map((p) => clientAs(`${v}.party${p}`)));
      const acks: number[] = [];
      const started = await secretary.instances.start.mutate({ villageId: v, flowId: FIVE, title: `并发测试 ${n}` });
      acks.push(started.seq);
      const send = async (c: Client, type: string, payload: Record<string, unknown>) => {
        const done = await c.instances.send.mutate({ id: started.id, seq: acks.at(-1)!, type, payload });
        acks.push(done.seq);
      };
      await send(secretary, 'SUBMIT', { ...PROPOSAL, subject: `并发测试 ${n}` });
      await send(clerk, 'RECORD_VOTE', TWO_COMMITTEES_MEETING);
      for (const p of party) await send(p, 'CAST_BALLOT', { choice: 'for' });
      return { id: started.id, acks };
    };
    const results = await Promise.allSettled(Array.from({ length: CLIENTS }, (_, n) => steps(n)));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => codeOf((r as PromiseRejectedResult).reason));
    // One writer per instance: nothing to conflict with, so nothing is refused at all.
    expect(refused).toEqual([]);
    const runs = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof steps>>>).value);
    expect(new Set(runs.map((r) => r.id)).size).toBe(CLIENTS);
    const auditor = await clientAs('qs.auditor');
    for (const run of runs) {
      expect(run.acks).toEqual([1, 2, 3, 4, 5, 6]);
      const history = await expectWholeChain(run.id, auditor);
      expect(history.map((r) => r.type)).toEqual(['START', 'SUBMIT', 'RECORD_VOTE', 'CAST_BALLOT', 'CAST_BALLOT', 'CAST_BALLOT']);
      expect(history[1]!.payload.subject).toBe(`并发测试 ${runs.indexOf(run)}`);
    }
    expect(s.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    console.log(`own instances: ${CLIENTS} clients, ${runs.reduce((n, r) => n + r.acks.length, 0)} events acknowledged and found`);
  });
});
