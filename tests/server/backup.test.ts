// Online backup while the server works, and restore that verifies every chain first: a good
// backup comes back and serves the same instances; an edited history row is refused by name.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/villageflow.ts';
import { backupDatabase, verifyDatabase } from '../../server/host/backup.ts';
import { startTestServer, type TestServer } from './harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIVE = 'five-deliberations-two-disclosures';
const GOLDEN = JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', `${FIVE}.happy-path.run.json`), 'utf8')) as {
  events: { type: string; payload: Record<string, unknown> }[];
};
const PROPOSAL = GOLDEN.events[1]!.payload;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

type Row = Record<string, unknown>;
const instancesOf = (db: Database.Database) => db.prepare('SELECT id, seq, head, state FROM instances ORDER BY id').all() as Row[];

describe('backup and restore', () => {
  let s: TestServer;
  let dir: string;
  let backup: string;
  let atBackup: Row[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'villageflow-backup-'));
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up while the server is handling events; the copy is one consistent snapshot', async () => {
    const secretary = await s.as('nanwan.secretary');
    const countBefore = instancesOf(s.store.db).length;
    // Events keep coming while backups run: new instances, each submitted.
    let stop = false;
    let made = 0;
    const traffic = (async () => {
      while (!stop) {
        const started = await secretary.instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: `南湾社区：备份期间 ${made}` });
        await secretary.instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: PROPOSAL });
        made++;
      }
    })();
    try {
      while (made < 2) await new Promise((r) => setTimeout(r, 5));
      backup = join(dir, 'during.db');
      const first = await backupDatabase(s.dbPath, backup);
      expect(first.instances).toBeGreaterThan(countBefore);
      // Through the CLI as well, still under traffic.
      const viaCli = await cli('backup', '--db', s.dbPath, '--out', join(dir, 'cli.db'));
      expect(viaCli).toMatchObject({ code: 0, err: [] });
      expect(viaCli.out[0]).toMatch(/^backed up .* \(\d+ instances, \d+ pages\)$/);
      // Refuses to overwrite an existing backup without --force.
      const again = await cli('backup', '--db', s.dbPath, '--out', join(dir, 'cli.db'));
      expect(again.code).toBe(1);
      expect(again.err[0]).toMatch(/exists; pass --force/);
      expect((await cli('backup', '--db', s.dbPath, '--out', join(dir, 'cli.db'), '--force')).code).toBe(0);
    } finally {
      stop = true;
      await traffic;
    }
    expect(made).toBeGreaterThan(2);
    // Every chain in each copy holds: no half-written event made it in.
    for (const file of [backup, join(dir, 'cli.db')]) {
      const verdict = verifyDatabase(file);
      expect(verdict, file).toMatchObject({ ok: true });
      expect(existsSync(file + '-wal')).toBe(false);
    }
    const copy = new Database(backup, { readonly: true });
    atBackup = instancesOf(copy);
    copy.close();
    expect(atBackup.length).toBeGreaterThan(countBefore);
    expect(atBackup.length).toBeLessThanOrEqual(instancesOf(s.store.db).length);
  });

  it('restore verifies, puts the backup in place, and the restored server serves the same instances', async () => {
    const target = join(dir, 'restored', 'villageflow.db');
    const restored = await cli('restore', '--from', backup, '--db', target);
    expect(restored.err).toEqual([]);
    expect(restored.code).toBe(0);
    expect(restored.out[0]).toMatch(new RegExp(`^verified ${atBackup.length} instances \\(\\d+ records\\) and restored`));

    const r = await startTestServer({ dbPath: target, seed: false });
    try {
      const auditor = await r.as('qs.auditor');
      for (const row of atBackup) {
        const { instance } = await auditor.instances.get.query({ id: row.id as string });
        expect(instance).toMatchObject({ id: row.id, seq: row.seq, head: row.head, state: row.state });
        expect(await auditor.audit.verify.query({ id: row.id as string })).toMatchObject({ ok: true, head: row.head });
      }
      // And it takes new events.
      const secretary = await r.as('nanwan.secretary');
      const started = await secretary.instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: '南湾社区：恢复之后' });
      expect(started.seq).toBe(1);
    } finally {
      await r.close();
    }
    const after = new Database(target, { readonly: true });
    expect(instancesOf(after).length).toBe(atBackup.length + 1);
    after.close();

    // An existing database is replaced only with --force; its old WAL files go with it.
    const refused = await cli('restore', '--from', backup, '--db', target);
    expect(refused.code).toBe(1);
    expect(refused.err[0]).toMatch(/exists; pass --force/);
    writeFileSync(target + '-wal', 'stale');
    const forced = await cli('restore', '--from', backup, '--db', target, '--force');
    expect(forced.code).toBe(0);
    expect(existsSync(target + '-wal')).toBe(false);
    const db = new Database(target, { readonly: true });
    expect(instancesOf(db)).toEqual(atBackup);
    db.close();
  });

  it('a backup with one edited history row is refused before the target is touched, naming instance and record', async () => {
    const tampered = join(dir, 'tampered.db');
    copyFileSync(backup, tampered);
    const db = new Database(tampered);
    const victim = db.prepare('SELECT instance_id FROM history WHERE seq = 3 ORDER BY instance_id LIMIT 1').get() as { instance_id: string };
    const row = db.prepare('SELECT payload FROM history WHERE instance_id = ? AND seq = 2').get(victim.instance_id) as { payload: string };
    db.exec('DROP TRIGGER history_no_update');
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    expect(db.prepare('UPDATE history SET payload = ? WHERE instance_id = ? AND seq = 2').run(JSON.stringify({ ...payload, tampered: true }), victim.instance_id).changes).toBe(1);
    db.close();

    const check = await cli('restore', '--from', tampered, '--check');
    expect(check.code).toBe(1);
    expect(check.err[0]).toContain(`instance ${victim.instance_id}, record 2`);

    const target = join(dir, 'never', 'villageflow.db');
    const refused = await cli('restore', '--from', tampered, '--db', target);
    expect(refused.code).toBe(1);
    expect(refused.out).toEqual([]);
    expect(refused.err).toHaveLength(1);
    expect(refused.err[0]).toMatch(new RegExp(`refused, nothing was changed: instance ${victim.instance_id}, record 2: .*record 2\\b.*edited`));
    expect(existsSync(target)).toBe(false);

    // Over an existing database, even with --force, the good one stays as it was.
    const existing = join(dir, 'existing.db');
    copyFileSync(backup, existing);
    const before = readFileSync(existing);
    expect((await cli('restore', '--from', tampered, '--db', existing, '--force')).code).toBe(1);
    expect(readFileSync(existing).equals(before)).toBe(true);
  });

  it('a backup whose instance row was edited (its chain intact) is refused, naming the instance', async () => {
    const edited = join(dir, 'edited-row.db');
    copyFileSync(backup, edited);
    const db = new Database(edited);
    const victim = db.prepare("SELECT id, state FROM instances WHERE status = 'active' ORDER BY id LIMIT 1").get() as { id: string; state: string };
    expect(db.prepare('UPDATE instances SET state = ? WHERE id = ?').run('forged_state', victim.id).changes).toBe(1);
    db.close();

    const check = await cli('restore', '--from', edited, '--check');
    expect(check.code).toBe(1);
    expect(check.err[0]).toContain(`instance ${victim.id}`);
    expect(check.err[0]).toMatch(/state forged_state.*history leads to .*state .*instance row was edited/);
  });

  it('a migrated instance verifies in a backup across both versions; its version swapped back is refused', async () => {
    const admin = await s.as('qs.admin');
    const flow = JSON.parse(readFileSync(join(ROOT, 'flows', `${FIVE}.flow.json`), 'utf8')) as { version: string };
    const { version } = await admin.flows.saveDraft.mutate({ json: JSON.stringify({ ...flow, version: '1.2.0' }) });
    const to = await admin.flows.publish.mutate({ id: version.id });
    const running = (await admin.migrations.plan.query({ toVersionId: to.id })).instances.find((i) => i.problems.length === 0)!;
    const moved = await admin.migrations.migrate.mutate({ instanceId: running.id, seq: running.seq, toVersionId: to.id });
    const file = join(dir, 'migrated.db');
    await backupDatabase(s.dbPath, file);
    expect(verifyDatabase(file)).toMatchObject({ ok: true });
    // The instance put back on its old version: the chain no longer ends where the row says.
    const db = new Database(file);
    db.prepare('UPDATE instances SET flow_version_id = ? WHERE id = ?').run(running.flowVersionId, moved.id);
    db.close();
    expect(verifyDatabase(file)).toMatchObject({ ok: false, reason: expect.stringContaining(`instance ${moved.id}`) });
  });
});
