// What the PostgreSQL store adds for several processes, store against store (each PgStore is one
// process's pool): migrations taken in turn, due timers claimed by exactly one claimer and leased,
// and an event accepted once when both race with the same sequence number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSteps, apply } from '../../engine/index.ts';
import { manualClock } from '../../server/clock.ts';
import { Runtime } from '../../server/matters/runtime.ts';
import { seedDemo } from '../../server/host/seed.ts';
import { PgStore, TIMER_LEASE_MS } from '../../server/store/pg/index.ts';
import { MIGRATIONS } from '../../server/store/migrations.ts';
import { ConflictError, type DueTimer } from '../../server/store/types.ts';
import { createTestDatabase } from './harness.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let one: PgStore;
let two: PgStore;
const clock = manualClock('2026-03-02T01:00:00.000Z');

beforeAll(async () => {
  database = await createTestDatabase();
  one = new PgStore(database.url, { max: 3 });
  two = new PgStore(database.url, { max: 3 });
  // Two processes starting at once: one applies every migration, the other waits and finds none.
  const applied = await Promise.all([one.migrate(), two.migrate()]);
  expect(applied.sort((x, y) => x - y)).toEqual([0, MIGRATIONS.length]);
  await seedDemo(new Runtime(one, clock));
});
afterAll(async () => {
  await one?.close();
  await two?.close();
  await database?.drop();
});

const key = (t: DueTimer) => `${t.instanceId} ${t.timerId}`;

describe('the PostgreSQL store shared by two processes', () => {
  it('claims each due timer for one caller only, until its lease ends', async () => {
    // Besides the seeded ones, more timers than one claim takes (rows only: this is about the claim).
    await one.pool.query("INSERT INTO timers (instance_id, timer_id, due) SELECT id, 'claim-test:' || n, '2026-12-01T00:00:00.000Z' FROM instances, generate_series(1, 5) n");
    const far = '2027-01-01T00:00:00.000Z';
    const [a, b] = await Promise.all([one.dueTimers(far, 10), two.dueTimers(far, 10)]);
    const rest = await two.dueTimers(far, 1000);
    // Disjoint, and together every timer there is.
    const all = [...a, ...b, ...rest].map(key).sort();
    expect([a.length, b.length]).toEqual([10, 10]);
    expect(new Set(all).size).toBe(all.length);
    const count = (await one.pool.query('SELECT count(*) AS n FROM timers')).rows[0].n as number;
    expect(all.length).toBe(count);
    // Claimed: asked again at the same time, nobody gets them.
    expect(await one.dueTimers(far, 100)).toEqual([]);
    expect(await two.dueTimers(far, 100)).toEqual([]);
    // When the lease has run out (a claimer that died), they are due again, in due order.
    const later = new Date(Date.parse(far) + TIMER_LEASE_MS).toISOString();
    const again = await two.dueTimers(later, 100);
    expect(again.map(key).sort()).toEqual(all);
    expect(again.map((t) => t.due)).toEqual(again.map((t) => t.due).sort());
  });

  it('accepts one of two events racing with the same sequence number; the other is a ConflictError and writes nothing', async () => {
    const runtime = new Runtime(one, clock);
    const id = 'demo-dongping-road';
    const instance = (await one.getInstance(id))!;
    const compiled = await runtime.compiled(instance.flowVersionId);
    const write = (voter: string) => {
      const step = apply(compiled, instance.snapshot, { type: 'CAST_BALLOT', actor: { id: voter, roles: ['party_member'] }, at: runtime.now(), payload: { choice: 'for' } });
      return { instanceId: id, expectedSeq: instance.seq, record: step.record, snapshot: step.snapshot, effects: step.effects, tasks: openSteps(compiled, step.snapshot) };
    };
    const results = await Promise.allSettled([one.appendEvent(write('dongping-party8')), two.appendEvent(write('dongping-party9'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    const history = await two.history(id);
    expect(history).toHaveLength(instance.seq + 1);
    expect((await two.getInstance(id))!.seq).toBe(instance.seq + 1);
    expect(history.at(-1)!.actor.id).toBe(results[0]!.status === 'fulfilled' ? 'dongping-party8' : 'dongping-party9');
  });
});
