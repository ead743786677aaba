// An edited history row is refused by the SQLite triggers; once an attacker with the file drops
// them, verify names the record, online and in the offline CLI. (SQLite only: it opens the
// database file directly.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/villageflow.ts';
import { hashJson } from '../../engine/index.ts';
import { startTestServer, type TestServer } from './harness.ts';

// ---------------------------------------------------------------------------------------------
// (d) An edited history row: verify fails naming that record, online and offline
// ---------------------------------------------------------------------------------------------
describe('(d) an edited history row', () => {
  let s: TestServer;
  let dir: string;
  const id = 'demo-dongping-road';
  beforeAll(async () => {
    s = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'villageflow-tamper-'));
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cliVerify(bundle: unknown, name: string, extra: string[] = []) {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(bundle, null, 2));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['verify', file, ...extra], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  }

  it('is refused by the triggers, and once an attacker drops them, verify and the CLI name the record', async () => {
    const auditor = await s.as('qs.auditor');
    const clean = await auditor.audit.export.query({ id });
    expect(await auditor.audit.verify.query({ id })).toEqual({ ok: true, count: clean.history.length, head: clean.instance.head });
    expect(await cliVerify(clean, 'clean.json')).toEqual({ code: 0, out: [`verified ${clean.history.length} records`], err: [] });
    expect((await cliVerify(clean, 'clean.json', ['--head', clean.instance.head])).code).toBe(0);

    const target = clean.history.find((r) => r.type === 'RECORD_VOTE')!;
    expect(target).toMatchObject({ seq: 3, payload: { for: 5, present: 6 } });
    const edited = JSON.stringify({ ...target.payload, for: 6, abstain: 0 });

    const db = new Database(s.dbPath);
    try {
      const update = db.prepare('UPDATE history SET payload = ? WHERE instance_id = ? AND seq = ?');
      expect(() => update.run(edited, id, target.seq)).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM history WHERE instance_id = ? AND seq = ?').run(id, target.seq)).toThrow(/append-only/);
      db.exec('DROP TRIGGER history_no_update');
      expect(db.prepare('UPDATE history SET payload = ? WHERE instance_id = ? AND seq = ?').run(edited, id, target.seq).changes).toBe(1);
    } finally {
      db.close();
    }

    // The API serves the edited row as stored, and verify points at it.
    const history = await auditor.audit.history.query({ id });
    expect(history[target.seq - 1]!.payload).toMatchObject({ for: 6, abstain: 0 });
    const verdict = await auditor.audit.verify.query({ id });
    expect(verdict).toMatchObject({ ok: false, seq: target.seq });
    expect((verdict as { reason: string }).reason).toMatch(/record 3\b.*edited/);
    // Replay shows only the records before it.
    const replay = await auditor.audit.replay.query({ id });
    expect(replay.verified).toMatchObject({ ok: false, seq: target.seq });
    expect(replay.steps.map((st) => st.record.seq)).toEqual([1, 2]);

    // Offline: the exported bundle fails the CLI with exit 1, naming the same record.
    const tampered = await auditor.audit.export.query({ id });
    const cli = await cliVerify(tampered, 'tampered.json');
    expect(cli.code).toBe(1);
    expect(cli.out).toEqual([]);
    expect(cli.err).toHaveLength(1);
    expect(cli.err[0]).toMatch(/^record 3 failed: .*record 3\b.*edited/);
  });

  it('re-hashing the edited record breaks the link to the next one; re-hashing the whole chain misses the head', async () => {
    const db = new Database(s.dbPath);
    const rows = () => db.prepare('SELECT * FROM history WHERE instance_id = ? ORDER BY seq').all(id) as Record<string, unknown>[];
    const rehash = (from: number, to: number) => {
      let prev = from > 1 ? (rows()[from - 2]!.hash as string) : null;
      for (const r of rows().slice(from - 1, to)) {
        const unsigned = { seq: r.seq, type: r.type, actor: { id: r.actor_id, role: r.role }, at: r.at, payload: JSON.parse(r.payload as string), state: r.state, prev };
        const hash = hashJson(unsigned);
        db.prepare('UPDATE history SET prev = ?, hash = ? WHERE instance_id = ? AND seq = ?').run(prev, hash, id, r.seq);
        prev = hash;
      }
    };
    const auditor = await s.as('qs.auditor');
    try {
      rehash(3, 3);
      const one = await auditor.audit.verify.query({ id });
      expect(one).toMatchObject({ ok: false, seq: 4 });
      expect((one as { reason: string }).reason).toMatch(/record 4 does not link/);

      rehash(3, rows().length);
      const all = await auditor.audit.verify.query({ id });
      expect(all).toMatchObject({ ok: false });
      expect((all as { reason: string }).reason).toMatch(/expected head/);
      // Offline, against the head printed on a notice (the stored head, which the attacker did not reach).
      const instance = (await auditor.instances.get.query({ id })).instance;
      const bundle = await auditor.audit.export.query({ id });
      const checked = await cliVerify(bundle, 'rehashed.json', ['--head', instance.head]);
      expect(checked.code).toBe(1);
      expect(checked.err[0]).toMatch(/expected head/);
    } finally {
      db.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// (e) An edited instance row: the chain is intact, but the row is not what it leads to
// ---------------------------------------------------------------------------------------------
describe('(e) an edited instance row', () => {
  let s: TestServer;
  const id = 'demo-dongping-road';
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('fails verify when the state, or only the data, of the stored instance was changed', async () => {
    const auditor = await s.as('qs.auditor');
    const clean = await auditor.audit.verify.query({ id });
    expect(clean).toMatchObject({ ok: true });
    const count = (clean as { count: number }).count;
    const db = new Database(s.dbPath);
    try {
      const row = db.prepare('SELECT state, snapshot FROM instances WHERE id = ?').get(id) as { state: string; snapshot: string };
      // A forged state: the head is untouched, so the chain alone still verifies.
      db.prepare('UPDATE instances SET state = ? WHERE id = ?').run('resolution_disclosure', id);
      const forged = await auditor.audit.verify.query({ id });
      expect(forged).toMatchObject({ ok: false, seq: count, index: count });
      expect((forged as { reason: string }).reason).toMatch(/stored instance says active in state resolution_disclosure.*history leads to .* state .*instance row was edited/);
      // The replay still shows every record, as each of them verifies.
      const replay = await auditor.audit.replay.query({ id });
      expect(replay.steps).toHaveLength(count);
      expect(replay.verified).toMatchObject({ ok: false });

      // Only the data inside the snapshot edited.
      const snapshot = JSON.parse(row.snapshot) as { context: { data: Record<string, unknown> } };
      snapshot.context.data = { ...snapshot.context.data, forged: true };
      db.prepare('UPDATE instances SET state = ?, snapshot = ? WHERE id = ?').run(row.state, JSON.stringify(snapshot), id);
      const data = await auditor.audit.verify.query({ id });
      expect(data).toMatchObject({ ok: false });
      expect((data as { reason: string }).reason).toMatch(/data or votes differ/);

      // Put back: verifies again.
      db.prepare('UPDATE instances SET snapshot = ? WHERE id = ?').run(row.snapshot, id);
      expect(await auditor.audit.verify.query({ id })).toEqual(clean);
    } finally {
      db.close();
    }
  });
});
