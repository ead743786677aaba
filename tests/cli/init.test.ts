// `villageflow init`: a township and its first admin on an empty database, from flags or answers
// typed at the prompts; refused on a database that has a township, and for bad values by flag.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../server/access/auth.ts';
import { SqliteStore } from '../../server/store/sqlite/index.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'villageflow-init-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function init(args: string[], input?: string) {
  const env = { ...process.env };
  delete env.VILLAGEFLOW_DB;
  return spawnSync('node', ['cli/bin.js', 'init', ...args], { encoding: 'utf8', input: input ?? '', env });
}
async function read(db: string) {
  const store = new SqliteStore(db);
  try {
    const townships = await store.listTownships();
    const admin = await store.getUserByUsername('lh.admin');
    return { townships, admin, log: townships[0] ? await store.auditLog(townships[0].id, 10) : [] };
  } finally {
    await store.close();
  }
}

describe('villageflow init', () => {
  it('sets a township and its admin up from flags; the admin signs in with the chosen password; a second init is refused', async () => {
    const db = join(dir, 'flags.db');
    const r = init(['--db', db, '--township', '莲花镇', '--admin', 'lh.admin', '--name', '莲花镇管理员', '--password', 'Lianhua-2026!', '--mobile', '13900139000']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('township 莲花镇 set up');
    const { townships, admin, log } = await read(db);
    expect(townships.map((t) => t.name)).toEqual(['莲花镇']);
    expect(admin).toMatchObject({ displayName: '莲花镇管理员', mobile: '13900139000', mustChangePassword: false, roles: [{ role: 'township_admin', villageId: null }] });
    expect(await verifyPassword('Lianhua-2026!', admin!.passwordHash)).toBe(true);
    expect(log.map((e) => e.action).sort()).toEqual(['township.create', 'user.create']);

    const again = init(['--db', db, '--township', '第二镇', '--admin', 'second.admin', '--name', '第二', '--password', 'Second-2026!']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/has a township already \(莲花镇\)/);
  });

  it('asks for what the flags leave out, one answer a line', async () => {
    const db = join(dir, 'prompts.db');
    const r = init(['--db', db], '莲花镇\nlh.admin\n莲花镇管理员\nLianhua-2026!\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('乡镇名称 township name');
    const { admin } = await read(db);
    expect(await verifyPassword('Lianhua-2026!', admin!.passwordHash)).toBe(true);
  });

  it('refuses a weak password and a bad user name by flag, writing nothing', async () => {
    const db = join(dir, 'bad.db');
    const weak = init(['--db', db, '--township', '莲花镇', '--admin', 'lh.admin', '--name', '管理员', '--password', 'password']);
    expect(weak.status).toBe(1);
    expect(weak.stderr).toMatch(/^--password: must be at least 8 characters/);
    const name = init(['--db', db, '--township', '莲花镇', '--admin', 'LH Admin', '--name', '管理员', '--password', 'Lianhua-2026!']);
    expect(name.status).toBe(1);
    expect(name.stderr).toMatch(/^--admin: must be 3 to 40 lower-case letters/);
  });
});
