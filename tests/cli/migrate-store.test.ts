// `villageflow migrate-store`: a township's SQLite database moves into PostgreSQL whole, every chain
// verified; a tampered file, or a target that already holds the township, is refused by name and
// nothing is written. Runs in the postgres test project (it needs a PostgreSQL server).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/villageflow.ts';
import { manualClock } from '../../server/clock.ts';
import { Runtime } from '../../server/matters/runtime.ts';
import { Scheduler } from '../../server/matters/scheduler.ts';
import { seedDemo } from '../../server/host/seed.ts';
import { publish, saveDraft } from '../../server/matters/flows.ts';
import { secretFlowJson } from '../helpers.ts';
import { PgStore } from '../../server/store/pg/index.ts';
import { SqliteStore } from '../../server/store/sqlite/index.ts';
import type { Store } from '../../server/store/types.ts';
import { createTestDatabase } from '../server/harness.ts';

let dir: string;
let file: string;
const databases: Awaited<ReturnType<typeof createTestDatabase>>[] = [];

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

async function freshDatabase() {
  const d = await createTestDatabase();
  databases.push(d);
  return d.url;
}

/** Everything a township is, as the store interface returns it (ids of sequences left out). */
async function contents(store: Store) {
  const townshipId = 'qingshan';
  const villages = await store.listVillages(townshipId);
  const instances = await store.listInstances({ townshipId, limit: 1000 });
  const withoutId = <T extends { id: number }>({ id: _id, ...rest }: T) => rest;
  return {
    township: await store.getTownship(townshipId),
    villages,
    users: await store.listUsers(townshipId),
    login: await store.getUserByUsername('qs.admin'),
    flows: (await store.listFlowVersions(townshipId)).map(withoutId),
    flowVillages: await Promise.all(['five-deliberations-two-disclosures', 'grid-incident'].map((f) => store.flowVillages(townshipId, f))),
    instances: instances.map(({ flowVersionId: _v, ...rest }) => rest),
    histories: await Promise.all(instances.map((i) => store.history(i.id))),
    people: await Promise.all(instances.map((i) => store.matterPeople(i.id))),
    signIns: await store.signIns('qs-admin', 100),
    inbox: await store.inbox([{ townshipId, villageId: null, role: 'township_reviewer' }, ...villages.map((v) => ({ townshipId, villageId: v.id, role: 'party_member' }))], 500),
    timers: await store.dueTimers('2100-01-01T00:00:00.000Z', 1000),
    disclosures: await Promise.all(villages.map(async (v) => (await store.disclosures(v.id, { current: false, now: '2100-01-01T00:00:00.000Z', limit: 100 })).map(withoutId))),
    audit: (await store.auditLog(townshipId, 1000)).map(withoutId),
    catalogue: await store.listCatalogue(townshipId),
    stats: (await store.overviewStats(townshipId)).instances.map(({ flowVersionId: _v, ...rest }) => rest),
    ballotBoxes: await Promise.all(instances.map((i) => store.ballotBox(i.id))),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'villageflow-migrate-store-'));
  file = join(dir, 'township.db');
  const store = new SqliteStore(file);
  await store.migrate();
  const clock = manualClock('2026-03-02T01:00:00.000Z');
  const runtime = new Runtime(store, clock);
  await seedDemo(runtime);
  // Some life after the seed: a fired timer, and an audit entry.
  clock.advance(8 * 86400_000);
  expect((await new Scheduler(runtime).tick()).delivered).toBeGreaterThan(0);
  await store.audit({ townshipId: 'qingshan', at: runtime.now(), actorId: 'qs-admin', action: 'test.entry', target: 'migrate-store', details: { n: 1 } });
  // Two sign-ins to review, and a mobile to sign in with.
  await store.recordSignIn('qs-admin', { at: '2026-03-09T01:00:00.000Z', address: '10.0.0.7' });
  await store.recordSignIn('qs-admin', { at: '2026-03-10T01:00:00.000Z', address: '10.0.0.8' });
  await store.updateUser('qs-admin', { mobile: '13800000001' });
  // A secret vote left open with two ballots in its box.
  const { version } = await saveDraft(store, 'qingshan', JSON.stringify(secretFlowJson()), 'qs-admin', runtime.now());
  await publish(store, version.id, 'qingshan', 'qs-admin', runtime.now());
  const user = async (name: string) => (await store.getUser(name))!;
  const open = await runtime.start(await user('dongping-secretary'), { villageId: 'dongping', flowId: 'five-deliberations-two-disclosures' });
  const send = async (who: string, type: string, payload: Record<string, unknown>) => {
    const seq = (await store.getInstance(open.id))!.seq;
    await runtime.send(await user(who), { instanceId: open.id, seq, type, payload });
  };
  await send('dongping-secretary', 'SUBMIT', { source: 'suggestion', subject: '修村道', category: 'public_welfare', content: '村道硬化', budget: 1000, branch_meeting_date: '2026-03-01', branch_minutes: '一致同意' });
  await send('dongping-clerk', 'RECORD_VOTE', { members: 7, eligible: 7, present: 6, for: 5, against: 1, abstain: 0, recused: 0 });
  await send('dongping-party1', 'CAST_BALLOT', { choice: 'against' });
  await send('dongping-party2', 'CAST_BALLOT', { choice: 'for' });
  expect((await store.ballotBox(open.id))!.ballots).toHaveLength(2);
  await store.close();
});

afterAll(async () => {
  for (const d of databases) await d.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('villageflow migrate-store', () => {
  it('moves the township whole: the PostgreSQL store answers every query as the SQLite one did', async () => {
    const url = await freshDatabase();
    const moved = await cli('migrate-store', '--from', `sqlite:${file}`, '--to', url);
    expect(moved.err).toEqual([]);
    expect(moved.code).toBe(0);
    expect(moved.out[0]).toBe('moved township 青山镇 (qingshan)');
    expect(moved.out[1]).toMatch(/\d+ instances, \d+ records \(every chain verified\)/);

    const before = new SqliteStore(file);
    const after = new PgStore(url);
    try {
      const expected = await contents(before);
      expect(expected.histories.length).toBeGreaterThan(5);
      expect(expected.timers.length).toBeGreaterThan(0);
      expect(expected.signIns).toHaveLength(2);
      expect(expected.people.flat().length).toBeGreaterThanOrEqual(expected.instances.length);
      expect(await contents(after)).toEqual(expected);
      // Instances still point at their own flow versions (renumbered in PostgreSQL).
      for (const i of await after.listInstances({ townshipId: 'qingshan', limit: 1000 })) {
        const version = (await after.getFlowVersion(i.flowVersionId))!;
        const original = (await before.getFlowVersion((await before.getInstance(i.id))!.flowVersionId))!;
        expect({ flowId: version.flowId, hash: version.hash }).toEqual({ flowId: original.flowId, hash: original.hash });
      }
    } finally {
      await before.close();
      await after.close();
    }

    // Moving it again is refused by name, and changes nothing.
    const again = await cli('migrate-store', '--from', `sqlite:${file}`, '--to', url);
    expect(again.code).toBe(1);
    expect(again.err).toEqual([expect.stringMatching(/already has township qingshan; nothing was copied/)]);
  });

  it('moves a file of schema version 8: each matter gets its starter, as migration 9 gives them', async () => {
    const older = join(dir, 'older.db');
    copyFileSync(file, older);
    const db = new Database(older);
    db.exec(`DROP TABLE matter_people; DROP TABLE sign_ins; DROP TABLE setup_tokens; DROP INDEX users_mobile;
      ALTER TABLE users DROP COLUMN mobile; ALTER TABLE users DROP COLUMN deactivated_at; ALTER TABLE villages DROP COLUMN archived_at;
      DELETE FROM schema_migrations WHERE version >= 9`);
    const starters = db.prepare('SELECT id, started_by FROM instances ORDER BY id').all() as { id: string; started_by: string }[];
    db.close();
    const url = await freshDatabase();
    const moved = await cli('migrate-store', '--from', `sqlite:${older}`, '--to', url);
    expect(moved.err).toEqual([]);
    expect(moved.code).toBe(0);
    const after = new PgStore(url);
    try {
      expect(starters.length).toBeGreaterThan(5);
      for (const i of starters) expect(await after.matterPeople(i.id)).toEqual([{ personId: i.started_by, relation: 'starter' }]);
      expect(await after.signIns('qs-admin', 100)).toEqual([]);
      expect((await after.getUser('qs-admin'))!.mobile).toBeNull();
    } finally {
      await after.close();
    }
  });

  it('refuses a file with an edited history row, naming the instance and record, and writes nothing', async () => {
    const tampered = join(dir, 'tampered.db');
    copyFileSync(file, tampered);
    const db = new Database(tampered);
    db.exec('DROP TRIGGER history_no_update');
    db.prepare("UPDATE history SET payload = ? WHERE instance_id = 'demo-dongping-road' AND seq = 3").run(JSON.stringify({ members: 7, eligible: 7, present: 7, for: 7, against: 0, abstain: 0, recused: 0 }));
    db.close();
    const url = await freshDatabase();
    const refused = await cli('migrate-store', '--from', `sqlite:${tampered}`, '--to', url);
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([expect.stringMatching(/^.*tampered\.db is refused, nothing was copied: instance demo-dongping-road, record 3: .*edited/)]);
    const target = new pg.Client({ connectionString: url });
    await target.connect();
    try {
      expect((await target.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")).rows).toEqual([]);
    } finally {
      await target.end();
    }
  });

  it('names what is wrong with its arguments', async () => {
    expect(await cli('migrate-store', '--from', `sqlite:${file}`)).toMatchObject({ code: 1, err: ['migrate-store needs --from sqlite:FILE and --to postgres://…'] });
    expect(await cli('migrate-store', '--from', file, '--to', 'postgres://x/y')).toMatchObject({ code: 1, err: [`--from must be sqlite:FILE, not "${file}"`] });
    expect(await cli('migrate-store', '--from', `sqlite:${file}`, '--to', 'mysql://x/y')).toMatchObject({ code: 1, err: ['--to must be a postgres:// or postgresql:// URL, not "mysql://x/y"'] });
    expect(await cli('migrate-store', '--from', `sqlite:${join(dir, 'missing.db')}`, '--to', 'postgres://x/y')).toMatchObject({ code: 1, err: [expect.stringMatching(/missing\.db is refused, nothing was copied: .*no such file/)] });
  });
});
