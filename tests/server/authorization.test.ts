// Who may read and act where, table-driven: every denial below is asserted with its exact tRPC code
// AND with "nothing changed" (the whole database, apart from sign-in bookkeeping, is the same
// afterwards, and the target instance's seq and history length read back unchanged through the API).
//
// The server's convention, asserted consistently here:
//  - an instance the caller may not read (server/access/readRule.ts: another village, or a matter of their
//    own village they take no part in) is NOT_FOUND (the same answer, word for word, as an
//    instance that does not exist: its existence is not leaked), for reads and for sends; lists
//    and the inbox leave it out;
//  - a village-scoped call (start, list, forVillage) naming a village the caller has no role in is
//    FORBIDDEN (villages are public on the board anyway);
//  - a step action by a role the step does not allow is FORBIDDEN with engineCode ROLE_FORBIDDEN;
//  - a township-admin procedure called by anyone else is FORBIDDEN;
//  - any procedure but auth.login, auth.me and the board, called anonymously, is UNAUTHORIZED.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHolidayCn } from '../../engine/index.ts';
import { hashPassword } from '../../server/access/auth.ts';
import { appRouter } from '../../server/routers/_app.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { clientFor, errorOf, startTestServer, watchChanges, type Client, type TestServer } from './harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIVE = 'five-deliberations-two-disclosures';
const FIVE_JSON = readFileSync(join(ROOT, 'flows', `${FIVE}.flow.json`), 'utf8');
const GOLDEN = JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', `${FIVE}.happy-path.run.json`), 'utf8')) as {
  events: { type: string; payload: Record<string, unknown> }[];
};
const PROPOSAL = GOLDEN.events[1]!.payload; // SUBMIT: a complete, valid 党支部提议表
const TWO_COMMITTEES_MEETING = GOLDEN.events[2]!.payload; // RECORD_VOTE of the two committees
const APPROVAL = GOLDEN.events[13]!.payload; // APPROVE by the township reviewer

const VILLAGES = ['dongping', 'xiling', 'nanwan'] as const;
type VillageId = (typeof VILLAGES)[number];
const VILLAGE_ROLES = ['secretary', 'committee', 'party1', 'rep', 'supervisor', 'clerk', 'villager', 'agent', 'grid', 'gridlead', 'handler', 'applicant'] as const;
/** The township-scope roles of the service flows (代办, 低保, 网格): act across the township, administer nothing. */
const SERVICE_TOWNSHIP_USERS = ['qs.caseworker', 'qs.county', 'qs.centre', 'qs.gridoffice', 'qs.officer'];
/** The seeded, still active five-deliberations instance of each village, and the step it waits at. */
const ACTIVE: Record<VillageId, string> = {
  dongping: 'demo-dongping-road', // party_members_meeting (ballot)
  xiling: 'demo-xiling-square', // township_review
  nanwan: 'demo-nanwan-parking', // proposal
};
/** An event that would be plausible at that step (so a denial is about scope, not about the event). */
const PLAUSIBLE: Record<VillageId, { type: string; payload: Record<string, unknown> }> = {
  dongping: { type: 'CAST_BALLOT', payload: { choice: 'for' } },
  xiling: { type: 'APPROVE', payload: APPROVAL },
  nanwan: { type: 'SUBMIT', payload: PROPOSAL },
};
/** Seeded user ids: `dongping.party1` → `dongping-party1`, `qs.reviewer` → `qs-reviewer`. */
const userId = (username: string) => username.replace('.', '-');

let s: TestServer;
const sessions = new Map<string, Promise<Client>>();
/** A signed-in client per user, signed in once (scrypt is deliberately slow). */
function as(username: string): Promise<Client> {
  let c = sessions.get(username);
  if (!c) sessions.set(username, (c = s.as(username)));
  return c;
}
let draftId: number; // an unpublished draft the township admin saved: what a denied publish targets
let freshTwoCommittees: string; // a new dongping instance waiting at two_committees (record vote)

beforeAll(async () => {
  s = await startTestServer();
  changeMark = watchChanges(s.store, DURABLE_TABLES);
  // A second township, to show that township-wide roles stop at their own township.
  const hash = await hashPassword(DEMO_PASSWORD);
  await s.store.createTownship({ id: 'hetang', name: '荷塘镇' });
  await s.store.createVillage({ id: 'shangzhuang', townshipId: 'hetang', name: '上庄村', kind: 'village' });
  await s.store.createUser({ id: 'ht-admin', townshipId: 'hetang', username: 'ht.admin', displayName: '荷塘镇管理员', passwordHash: hash, roles: [{ role: 'township_admin', villageId: null }] });
  await s.store.createUser({ id: 'ht-auditor', townshipId: 'hetang', username: 'ht.auditor', displayName: '荷塘镇审计员', passwordHash: hash, roles: [{ role: 'auditor', villageId: null }] });
  await s.store.createUser({ id: 'ht-reviewer', townshipId: 'hetang', username: 'ht.reviewer', displayName: '荷塘镇审核人', passwordHash: hash, roles: [{ role: 'township_reviewer', villageId: null }] });
  // A second township admin whose password the first one chose: it has not been changed yet.
  await s.store.createUser({ id: 'qs-newadmin', townshipId: 'qingshan', username: 'qs.newadmin', displayName: '新任管理员', passwordHash: hash, roles: [{ role: 'township_admin', villageId: null }], mustChangePassword: true });

  const admin = await as('qs.admin');
  const draft = JSON.parse(FIVE_JSON) as { version: string };
  draft.version = '1.2.0-draft';
  draftId = (await admin.flows.saveDraft.mutate({ json: JSON.stringify(draft) })).version.id;

  const secretary = await as('dongping.secretary');
  const started = await secretary.instances.start.mutate({ villageId: 'dongping', flowId: FIVE, title: '东坪村：村部屋顶维修' });
  const submitted = await secretary.instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: { ...PROPOSAL, subject: '村部屋顶维修', budget: 42000 } });
  expect(submitted.state).toBe('two_committees');
  freshTwoCommittees = started.id;
});
afterAll(() => s?.close());

/** Everything durable except sign-in bookkeeping (sessions, login failures): what each part of it reads. */
const DURABLE = {
  instances: 'SELECT id, village_id, state, status, outcome, seq, head, snapshot, title FROM instances ORDER BY id',
  history: 'SELECT instance_id, seq, hash FROM history ORDER BY instance_id, seq',
  timers: 'SELECT * FROM timers ORDER BY instance_id, timer_id',
  tasks: 'SELECT * FROM tasks ORDER BY instance_id, role',
  disclosures: 'SELECT * FROM disclosures ORDER BY id',
  auditLog: 'SELECT * FROM audit_log ORDER BY id',
  users: 'SELECT * FROM users ORDER BY id',
  roles: "SELECT user_id, role, coalesce(village_id, '') AS village, probationary FROM user_roles ORDER BY 1, 2, 3",
  bodyCounts: 'SELECT * FROM body_counts ORDER BY id',
  rosterSnapshots: 'SELECT hash FROM roster_snapshots ORDER BY hash',
  flowVersions: 'SELECT id, township_id, flow_id, version, status, hash, published_at FROM flow_versions ORDER BY id',
  flowVillages: 'SELECT * FROM flow_villages ORDER BY 1, 2, 3',
  townships: 'SELECT * FROM townships ORDER BY id',
  villages: 'SELECT * FROM villages ORDER BY id',
  catalogue: 'SELECT * FROM catalogue_items ORDER BY id',
  catalogueStarts: 'SELECT * FROM catalogue_starts ORDER BY instance_id',
  calendarVersions: 'SELECT hash FROM calendar_versions ORDER BY hash',
  calendarAdoptions: 'SELECT * FROM calendar_adoptions ORDER BY id',
  roleCatalogue: 'SELECT * FROM role_catalogue ORDER BY township_id, key',
};
const DURABLE_TABLES = [...new Set(Object.values(DURABLE).map((sql) => /\bFROM (\w+)/.exec(sql)![1]!))];

let changeMark: () => string;
let read: { mark: string; rows: Record<keyof typeof DURABLE, unknown[]> } | undefined;

/**
 * Everything durable except sign-in bookkeeping (sessions, login failures), read again only when the
 * change mark moved: a denial is asserted hundreds of times, and reading every table twice for each
 * was most of this file's time.
 */
function fingerprint() {
  const mark = changeMark();
  if (read?.mark !== mark) {
    const db = s.store.db;
    read = { mark, rows: Object.fromEntries(Object.entries(DURABLE).map(([part, sql]) => [part, db.prepare(sql).all()])) as Record<keyof typeof DURABLE, unknown[]> };
  }
  return read.rows;
}

/** The township auditor, whose two reads of a view go in one HTTP request. */
let viewer: Promise<Client> | undefined;
/** An instance as an authorised reader (the township auditor) sees it through the API. */
async function apiView(instanceId: string) {
  viewer ??= (async () => {
    const { client } = clientFor(s.url, { batch: true });
    await client.auth.login.mutate({ username: 'qs.auditor', password: DEMO_PASSWORD });
    return client;
  })();
  const auditor = await viewer;
  const [{ instance }, history] = await Promise.all([auditor.instances.get.query({ id: instanceId }), auditor.audit.history.query({ id: instanceId })]);
  return { seq: instance.seq, head: instance.head, state: instance.state, history: history.length };
}

let viewed: { key: string; view: Awaited<ReturnType<typeof apiView>> } | undefined;

/**
 * The instance's API view, read through the API and kept with the change mark it was read at: the
 * view is a function of the database, so while the mark has not moved, the last one read (often the
 * "after" of the denial before) is the view now. A read that itself moved the mark is not kept.
 */
async function readView(instanceId: string, reuse: boolean) {
  const mark = changeMark();
  if (reuse && viewed?.key === `${instanceId} ${mark}`) return viewed.view;
  const view = await apiView(instanceId);
  viewed = changeMark() === mark ? { key: `${instanceId} ${mark}`, view } : undefined;
  return view;
}

/** Asserts the call fails with `code` (and engine code) and that nothing at all changed. */
async function expectDenied(call: () => Promise<unknown>, code: string, opts: { instance?: string; engineCode?: string } = {}) {
  const view = opts.instance ? await readView(opts.instance, true) : null;
  const before = fingerprint();
  const error = await errorOf(call());
  expect(error.code).toBe(code);
  if (opts.engineCode) expect(error.data.engineCode).toBe(opts.engineCode);
  expect(fingerprint()).toEqual(before);
  // Read afresh through the API after the call, always.
  if (opts.instance) expect(await readView(opts.instance, false)).toEqual(view);
  return error;
}

/** The instance's current seq (1 for an instance that does not exist), so a send is never stale. */
function seqOf(id: string): number {
  return (s.store.db.prepare('SELECT seq FROM instances WHERE id = ?').get(id) as { seq: number } | undefined)?.seq ?? 1;
}

// ---------------------------------------------------------------------------------------------
// Anonymous callers
// ---------------------------------------------------------------------------------------------
/** A plausible catalogue item and CSV, so a denial is about the caller, not the input. */
const CATALOGUE_ITEM = {
  code: 'QS-AUTHZ-1', name: '越权事项', type: '公共服务', department: '', legalBasis: '', serviceObject: '', conditions: '', materials: [],
  promisedDays: 5, statutoryDays: 10, fee: '不收费', mode: 'proxy' as const, flowId: 'proxy-service',
};
/** A well-formed commitment: a caller refused before the lookup never learns whether it exists. */
const SOME_COMMITMENT = 'a'.repeat(64);
/** A 2027 schedule that passes the checks (MADE UP FOR TESTS ONLY, tests/fixtures), so a denial is about the caller. */
const CALENDAR_2027 = fromHolidayCn(JSON.parse(readFileSync(join(ROOT, 'tests', 'fixtures', 'calendar-2027.made-up.holiday-cn.json'), 'utf8')), { title: '测试用虚构的2027年放假安排（非官方）' });
const CATALOGUE_CSV = '事项编码,事项名称,办理方式,办理流程\nQS-AUTHZ-2,越权导入,代办,proxy-service\n';
/** The organisation admin's procedures of going live (issue 18), each with a plausible input. */
const ORG_ADMIN_CALLS: Record<string, (c: Client) => Promise<unknown>> = {
  'org.updateUser': (c) => c.org.updateUser.mutate({ userId: 'dongping-villager', displayName: '改名' }),
  'org.setActive': (c) => c.org.setActive.mutate({ userId: 'dongping-clerk', active: false }),
  'org.allVillages': (c) => c.org.allVillages.query(),
  'org.createVillage': (c) => c.org.createVillage.mutate({ name: '越权村', kind: 'village' }),
  'org.renameVillage': (c) => c.org.renameVillage.mutate({ villageId: 'dongping', name: '越权村' }),
  'org.setVillageArchived': (c) => c.org.setVillageArchived.mutate({ villageId: 'dongping', archived: true }),
};
/** Bodies and rosters (issue 18 item 5): a plausible input each, so a denial is about the caller. */
const SOME_ROSTER = 'b'.repeat(64);
const ROSTER_ADMIN_CALLS: Record<string, (c: Client) => Promise<unknown>> = {
  'rosters.setProbationary': (c) => c.rosters.setProbationary.mutate({ userId: 'dongping-party1', villageId: 'dongping', role: 'party_member', probationary: true }),
  'rosters.registerCount': (c) => c.rosters.registerCount.mutate({ villageId: 'dongping', role: 'villager', count: 1, effectiveFrom: '2026-01-01', source: '越权登记' }),
};
/** The bulk import of people (issue 18 item 3): a plausible CSV of one person of 东坪村. */
const IMPORT_FILE = { kind: 'csv' as const, base64: Buffer.from('姓名,手机号,村,角色\n越权导入,13900000999,东坪村,村民\n').toString('base64') };
const IMPORT_CALLS: Record<string, (c: Client) => Promise<unknown>> = {
  'org.importTemplate': (c) => c.org.importTemplate.query(),
  'org.importPreview': (c) => c.org.importPreview.mutate({ file: IMPORT_FILE }),
  'org.importCommit': (c) => c.org.importCommit.mutate({ file: IMPORT_FILE, fileName: '越权.csv' }),
  'org.exportPeople': (c) => c.org.exportPeople.query(),
  'org.exportPeopleXlsx': (c) => c.org.exportPeopleXlsx.query(),
};
/** The role catalogue's admin procedures (issue 18 item 4), each with a plausible input. */
const ROLE_ADMIN_CALLS: Record<string, (c: Client) => Promise<unknown>> = {
  'roles.add': (c) => c.roles.add.mutate({ key: 'water_keeper', label: { zh: '越权管水员', en: 'Overreaching water keeper' }, scope: 'village', ownMatters: false }),
  'roles.setLabel': (c) => c.roles.setLabel.mutate({ key: 'clerk', label: { zh: '越权记录员', en: 'Overreaching clerk' } }),
};
const ANONYMOUS_DENIED: Record<string, (c: Client) => Promise<unknown>> = {
  'auth.logout': (c) => c.auth.logout.mutate(),
  'auth.changePassword': (c) => c.auth.changePassword.mutate({ current: DEMO_PASSWORD, next: 'anonymous-2026' }),
  'org.villages': (c) => c.org.villages.query(),
  'org.users': (c) => c.org.users.query(),
  'org.createUser': (c) => c.org.createUser.mutate({ username: 'anon.user', displayName: '匿名', password: 'anonymous-pass', roles: [{ role: 'township_admin', villageId: null }] }),
  'org.setRoles': (c) => c.org.setRoles.mutate({ userId: 'dongping-villager', roles: [{ role: 'township_admin', villageId: null }] }),
  'org.resetPassword': (c) => c.org.resetPassword.mutate({ userId: 'qs-admin', password: 'taken-over-2026' }),
  'flows.list': (c) => c.flows.list.query(),
  'flows.get': (c) => c.flows.get.query({ id: 1 }),
  'flows.validate': (c) => c.flows.validate.mutate({ json: FIVE_JSON }),
  'flows.saveDraft': (c) => c.flows.saveDraft.mutate({ json: FIVE_JSON.replace('"1.1.0"', '"9.9.9"') }),
  'flows.publish': (c) => c.flows.publish.mutate({ id: draftId }),
  'flows.setVillages': (c) => c.flows.setVillages.mutate({ flowId: FIVE, villageIds: [] }),
  'flows.forVillage': (c) => c.flows.forVillage.query({ villageId: 'dongping' }),
  'instances.start': (c) => c.instances.start.mutate({ villageId: 'dongping', flowId: FIVE }),
  'instances.get': (c) => c.instances.get.query({ id: 'demo-dongping-road' }),
  'instances.send': (c) => c.instances.send.mutate({ id: 'demo-dongping-road', seq: seqOf('demo-dongping-road'), type: 'CAST_BALLOT', payload: { choice: 'for' } }),
  'instances.list': (c) => c.instances.list.query({}),
  'tasks.inbox': (c) => c.tasks.inbox.query(),
  'audit.history': (c) => c.audit.history.query({ id: 'demo-dongping-road' }),
  'audit.replay': (c) => c.audit.replay.query({ id: 'demo-dongping-road' }),
  'audit.verify': (c) => c.audit.verify.query({ id: 'demo-dongping-road' }),
  'audit.export': (c) => c.audit.export.query({ id: 'demo-dongping-road' }),
  'audit.log': (c) => c.audit.log.query({}),
  'stats.overview': (c) => c.stats.overview.query(),
  'stats.exportCsv': (c) => c.stats.exportCsv.query(),
  'catalogue.list': (c) => c.catalogue.list.query(),
  'catalogue.get': (c) => c.catalogue.get.query({ id: 'item-pension' }),
  'catalogue.upsert': (c) => c.catalogue.upsert.mutate(CATALOGUE_ITEM),
  'catalogue.delete': (c) => c.catalogue.delete.mutate({ id: 'item-pension' }),
  'catalogue.start': (c) => c.catalogue.start.mutate({ itemId: 'item-pension', villageId: 'dongping' }),
  'catalogue.exportCsv': (c) => c.catalogue.exportCsv.query(),
  'catalogue.importCsv': (c) => c.catalogue.importCsv.mutate({ csv: CATALOGUE_CSV }),
  'migrations.plan': (c) => c.migrations.plan.query({ toVersionId: 1 }),
  'board.object': (c) => c.board.object.mutate({ instanceId: 'demo-dongping-road', reason: '匿名异议' }),
  'migrations.migrate': (c) => c.migrations.migrate.mutate({ instanceId: 'demo-dongping-road', seq: seqOf('demo-dongping-road'), toVersionId: 1 }),
  'personal.reveal': (c) => c.personal.reveal.mutate({ id: 'demo-dongping-dibao', commitment: SOME_COMMITMENT }),
  'personal.erase': (c) => c.personal.erase.mutate({ id: 'demo-dongping-dibao' }),
  'calendar.years': (c) => c.calendar.years.query(),
  'calendar.show': (c) => c.calendar.show.query({ year: 2027 }),
  'calendar.preview': (c) => c.calendar.preview.mutate({ year: CALENDAR_2027 }),
  'calendar.adopt': (c) => c.calendar.adopt.mutate({ year: CALENDAR_2027 }),
  ...ORG_ADMIN_CALLS,
  ...IMPORT_CALLS,
  ...ROLE_ADMIN_CALLS,
  'roles.list': (c) => c.roles.list.query(),
  ...ROSTER_ADMIN_CALLS,
  'rosters.bodies': (c) => c.rosters.bodies.query({ villageId: 'dongping' }),
  'rosters.ofMatter': (c) => c.rosters.ofMatter.query({ instanceId: 'demo-dongping-road' }),
  'rosters.snapshot': (c) => c.rosters.snapshot.query({ hash: SOME_ROSTER }),
  'org.names': (c) => c.org.names.query({ instanceId: 'demo-dongping-road' }),
  'auth.signIns': (c) => c.auth.signIns.query(),
};
const PUBLIC = ['auth.login', 'auth.me', 'board.villages', 'board.village', 'org.setupStatus', 'org.setup'];

describe('anonymous callers', () => {
  it('the tables below classify every procedure of the API', () => {
    const all = Object.keys((appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures).sort();
    expect([...Object.keys(ANONYMOUS_DENIED), ...PUBLIC].sort()).toEqual(all);
  });

  it.each(Object.keys(ANONYMOUS_DENIED))('%s is UNAUTHORIZED and changes nothing', async (path) => {
    await expectDenied(() => ANONYMOUS_DENIED[path]!(s.anonymous()), 'UNAUTHORIZED', { instance: 'demo-dongping-road' });
  });

  it('auth.me is null, the board is open, and a forged cookie is nobody', async () => {
    const anon = s.anonymous();
    expect(await anon.auth.me.query()).toBeNull();
    expect((await anon.board.villages.query({ townshipId: 'qingshan' })).map((v) => v.id).sort()).toEqual([...VILLAGES].sort());
    expect((await anon.board.village.query({ villageId: 'dongping' })).village.id).toBe('dongping');
    const forged = clientFor(s.url);
    forged.cookies.set('vf_session', 'not-a-real-session-token');
    expect(await forged.client.auth.me.query()).toBeNull();
    await expectDenied(() => forged.client.instances.get.query({ id: 'demo-dongping-road' }), 'UNAUTHORIZED');
  });

  it.each(Object.keys(ANONYMOUS_DENIED).filter((p) => p !== 'auth.changePassword' && p !== 'auth.logout'))(
    '%s by a township admin yet to change the password an admin chose is FORBIDDEN (PASSWORD_CHANGE_REQUIRED) and changes nothing',
    async (path) => {
      await expectDenied(async () => ANONYMOUS_DENIED[path]!(await as('qs.newadmin')), 'FORBIDDEN', { instance: 'demo-dongping-road', engineCode: 'PASSWORD_CHANGE_REQUIRED' });
    },
  );

  it('the board of a village that does not exist is NOT_FOUND', async () => {
    expect((await errorOf(s.anonymous().board.village.query({ villageId: 'atlantis' }))).code).toBe('NOT_FOUND');
  });
});

// ---------------------------------------------------------------------------------------------
// One village's users against another village's instances
// ---------------------------------------------------------------------------------------------
const INSTANCE_OPS: Record<string, (c: Client, id: string, village: VillageId) => Promise<unknown>> = {
  'instances.get': (c, id) => c.instances.get.query({ id }),
  'audit.history': (c, id) => c.audit.history.query({ id }),
  'audit.replay': (c, id) => c.audit.replay.query({ id }),
  'audit.verify': (c, id) => c.audit.verify.query({ id }),
  'audit.export': (c, id) => c.audit.export.query({ id }),
  'instances.send': (c, id, village) => c.instances.send.mutate({ id, seq: seqOf(id), ...PLAUSIBLE[village] }),
  'personal.reveal': (c, id) => c.personal.reveal.mutate({ id, commitment: SOME_COMMITMENT }),
  'rosters.ofMatter': (c, id) => c.rosters.ofMatter.query({ instanceId: id }),
};
const outsiders = (village: VillageId) => VILLAGES.filter((v) => v !== village).flatMap((v) => VILLAGE_ROLES.map((r) => `${v}.${r}`));
const CROSS_INSTANCE = VILLAGES.flatMap((village) =>
  outsiders(village).flatMap((user) => Object.keys(INSTANCE_OPS).map((op) => ({ user, village, instance: ACTIVE[village], op }))),
);

describe('cross-village: instances of another village are NOT_FOUND', () => {
  it.each(CROSS_INSTANCE)('$user → $op($instance)', async ({ user, village, instance, op }) => {
    const c = await as(user);
    const error = await expectDenied(() => INSTANCE_OPS[op]!(c, instance, village), 'NOT_FOUND', { instance });
    // Word for word what a missing instance gets: the caller cannot tell the two apart.
    const missing = await errorOf(INSTANCE_OPS[op]!(c, 'no-such-instance', village));
    expect(missing.code).toBe('NOT_FOUND');
    expect(error.message).toBe(missing.message.replace('no-such-instance', instance));
  });

  it('a finished instance of another village is NOT_FOUND too (reads and export)', async () => {
    const c = await as('dongping.secretary');
    for (const op of ['instances.get', 'audit.history', 'audit.export'] as const) {
      await expectDenied(() => INSTANCE_OPS[op]!(c, 'demo-nanwan-canteen', 'nanwan'), 'NOT_FOUND', { instance: 'demo-nanwan-canteen' });
    }
  });
});

const VILLAGE_USERS = VILLAGES.flatMap((v) => VILLAGE_ROLES.map((r) => ({ user: `${v}.${r}`, own: v })));
/** The village roles that take part in 五议两公开 (and so read its seeded matters); the others are in the need-to-know section. */
const FIVE_ROLES: string[] = ['secretary', 'committee', 'party1', 'rep', 'supervisor', 'clerk'];
const CROSS_VILLAGE = VILLAGE_USERS.flatMap(({ user, own }) => VILLAGES.filter((v) => v !== own).map((other) => ({ user, other })));

describe('cross-village: village-scoped calls naming another village are FORBIDDEN', () => {
  it.each(CROSS_VILLAGE)('$user → instances.start in $other', async ({ user, other }) => {
    const c = await as(user);
    await expectDenied(() => c.instances.start.mutate({ villageId: other, flowId: FIVE, title: '越权发起', data: { proposal: { subject: 'x' } } }), 'FORBIDDEN', { instance: ACTIVE[other as VillageId] });
  });

  it.each(CROSS_VILLAGE)('$user → catalogue.start in $other', async ({ user, other }) => {
    const c = await as(user);
    await expectDenied(() => c.catalogue.start.mutate({ itemId: 'item-pension', villageId: other }), 'FORBIDDEN');
  });

  it.each(CROSS_VILLAGE)('$user → instances.list of $other', async ({ user, other }) => {
    const c = await as(user);
    await expectDenied(() => c.instances.list.query({ villageId: other }), 'FORBIDDEN');
  });

  it.each(CROSS_VILLAGE)('$user → flows.forVillage of $other', async ({ user, other }) => {
    const c = await as(user);
    await expectDenied(() => c.flows.forVillage.query({ villageId: other }), 'FORBIDDEN');
  });

  it.each(VILLAGE_USERS.filter(({ user }) => FIVE_ROLES.includes(user.split('.')[1]!)))('$user reads its own village and only that one', async ({ user, own }) => {
    const c = await as(user);
    const me = await c.auth.me.query();
    expect(me?.villages.map((v) => v.id)).toEqual([own]);
    expect((await c.org.villages.query()).map((v) => v.id)).toEqual([own]);
    const listed = await c.instances.list.query({});
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed.map((i) => i.villageId))).toEqual(new Set([own]));
    expect((await c.instances.list.query({ villageId: own })).map((i) => i.id).sort()).toEqual(listed.map((i) => i.id).sort());
    const got = await c.instances.get.query({ id: ACTIVE[own] });
    expect(got.instance.id).toBe(ACTIVE[own]);
    expect((await c.audit.history.query({ id: ACTIVE[own] })).length).toBe(got.instance.seq);
    expect((await c.audit.verify.query({ id: ACTIVE[own] })).ok).toBe(true);
    // The inbox holds only its own village's steps.
    for (const t of await c.tasks.inbox.query()) expect(t.villageId).toBe(own);
  });
});

// ---------------------------------------------------------------------------------------------
// Another township: township-wide roles stop at the township's border
// ---------------------------------------------------------------------------------------------
describe('cross-township', () => {
  const HT = ['ht.admin', 'ht.auditor', 'ht.reviewer'];
  const READS = HT.flatMap((user) => ['instances.get', 'audit.history', 'audit.export', 'audit.verify'].map((op) => ({ user, op })));

  it.each(READS)('$user → $op(demo-xiling-square) is NOT_FOUND', async ({ user, op }) => {
    const c = await as(user);
    await expectDenied(() => INSTANCE_OPS[op]!(c, 'demo-xiling-square', 'xiling'), 'NOT_FOUND', { instance: 'demo-xiling-square' });
  });

  it.each(HT)('%s → instances.send APPROVE on demo-xiling-square is NOT_FOUND', async (user) => {
    const c = await as(user);
    await expectDenied(() => INSTANCE_OPS['instances.send']!(c, 'demo-xiling-square', 'xiling'), 'NOT_FOUND', { instance: 'demo-xiling-square' });
  });

  it.each(HT)('%s → instances.start / list in dongping are FORBIDDEN', async (user) => {
    const c = await as(user);
    await expectDenied(() => c.instances.start.mutate({ villageId: 'dongping', flowId: FIVE }), 'FORBIDDEN');
    await expectDenied(() => c.instances.list.query({ villageId: 'dongping' }), 'FORBIDDEN');
    expect(await c.instances.list.query({})).toEqual([]);
    expect(await c.tasks.inbox.query()).toEqual([]);
  });

  it("another township's admin cannot touch this township's people or flows", async () => {
    const c = await as('ht.admin');
    // Both refusals are BAD_REQUEST ("not in this township"), not NOT_FOUND: see the report.
    await expectDenied(() => c.org.setRoles.mutate({ userId: 'dongping-villager', roles: [{ role: 'party_secretary', villageId: 'shangzhuang' }] }), 'BAD_REQUEST');
    await expectDenied(() => c.flows.publish.mutate({ id: draftId }), 'BAD_REQUEST');
    await expectDenied(() => c.flows.setVillages.mutate({ flowId: FIVE, villageIds: ['dongping'] }), 'BAD_REQUEST');
    await expectDenied(() => c.org.createUser.mutate({ username: 'ht.intruder', displayName: '越界', password: 'intruder-pass', roles: [{ role: 'party_secretary', villageId: 'dongping' }] }), 'BAD_REQUEST');
    await expectDenied(() => c.org.resetPassword.mutate({ userId: 'qs-admin', password: 'taken-over-2026' }), 'BAD_REQUEST');
    await expectDenied(() => c.flows.get.query({ id: draftId }), 'NOT_FOUND');
    expect((await c.org.users.query()).map((u) => u.townshipId)).toEqual(['hetang', 'hetang', 'hetang']);
    expect(await c.flows.list.query()).toEqual([]);
    expect(await c.audit.log.query({})).toEqual([]);
    // The catalogue: another township's items are as missing as items that do not exist.
    await expectDenied(() => c.catalogue.get.query({ id: 'item-pension' }), 'NOT_FOUND');
    await expectDenied(() => c.catalogue.delete.mutate({ id: 'item-pension' }), 'NOT_FOUND');
    await expectDenied(() => c.catalogue.upsert.mutate({ ...CATALOGUE_ITEM, id: 'item-pension' }), 'NOT_FOUND');
    await expectDenied(() => c.catalogue.start.mutate({ itemId: 'item-pension', villageId: 'shangzhuang' }), 'NOT_FOUND');
    expect(await c.catalogue.list.query()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The right village, the wrong role for the step
// ---------------------------------------------------------------------------------------------
interface WrongRole {
  user: string;
  instance: () => string;
  type: string;
  payload: Record<string, unknown>;
  step: string;
}
const WRONG_ROLE: WrongRole[] = [
  // 党支部提议 (demo-nanwan-parking): only the party secretary submits or withdraws.
  ...(['committee', 'party1', 'rep', 'supervisor', 'clerk'] as const).map((r) => ({ user: `nanwan.${r}`, instance: () => 'demo-nanwan-parking', type: 'SUBMIT', payload: PROPOSAL, step: 'proposal' })),
  ...(['committee'] as const).map((r) => ({ user: `nanwan.${r}`, instance: () => 'demo-nanwan-parking', type: 'WITHDRAW', payload: {}, step: 'proposal' })),
  // 两委商议 (a fresh dongping instance): only the clerk records the meeting.
  ...(['party1', 'secretary', 'committee', 'rep', 'supervisor'] as const).map((r) => ({ user: `dongping.${r}`, instance: () => freshTwoCommittees, type: 'RECORD_VOTE', payload: TWO_COMMITTEES_MEETING, step: 'two_committees' })),
  // 党员大会 (demo-dongping-road): only party members cast ballots, only the clerk closes the vote.
  ...(['clerk', 'rep', 'supervisor'] as const).map((r) => ({ user: `dongping.${r}`, instance: () => 'demo-dongping-road', type: 'CAST_BALLOT', payload: { choice: 'for' }, step: 'party_members_meeting' })),
  ...(['party3', 'secretary'] as const).map((r) => ({ user: `dongping.${r}`, instance: () => 'demo-dongping-road', type: 'CLOSE_VOTE', payload: {}, step: 'party_members_meeting' })),
  // 乡镇审核 (demo-xiling-square): only the township reviewer approves, returns or rejects.
  ...(['clerk', 'secretary', 'committee', 'supervisor'] as const).map((r) => ({ user: `xiling.${r}`, instance: () => 'demo-xiling-square', type: 'APPROVE', payload: APPROVAL, step: 'township_review' })),
  { user: 'xiling.secretary', instance: () => 'demo-xiling-square', type: 'REJECT', payload: { reason: '书记自行否决' }, step: 'township_review' },
  { user: 'qs.admin', instance: () => 'demo-xiling-square', type: 'APPROVE', payload: APPROVAL, step: 'township_review' },
  { user: 'qs.admin', instance: () => 'demo-nanwan-parking', type: 'SUBMIT', payload: PROPOSAL, step: 'proposal' },
  { user: 'qs.reviewer', instance: () => 'demo-nanwan-parking', type: 'SUBMIT', payload: PROPOSAL, step: 'proposal' },
  { user: 'qs.reviewer', instance: () => 'demo-dongping-road', type: 'CAST_BALLOT', payload: { choice: 'against' }, step: 'party_members_meeting' },
];

describe('the right village, a role the step does not allow: FORBIDDEN', () => {
  it.each(WRONG_ROLE)('$user → $type at $step', async ({ user, instance, type, payload }) => {
    const c = await as(user);
    const id = instance();
    await expectDenied(() => c.instances.send.mutate({ id, seq: seqOf(id), type, payload }), 'FORBIDDEN', { instance: id, engineCode: 'ROLE_FORBIDDEN' });
  });

  it.each(['dongping.secretary', 'dongping.clerk', 'dongping.party4', 'qs.admin', 'qs.reviewer'])('%s → a TIMER event by hand is FORBIDDEN (the scheduler alone sends timers)', async (user) => {
    const c = await as(user);
    await expectDenied(() => c.instances.send.mutate({ id: 'demo-xiling-square', seq: seqOf('demo-xiling-square'), type: 'TIMER', payload: { timer: 'township_review:deadline' } }), user.startsWith('qs.') ? 'FORBIDDEN' : 'NOT_FOUND', { instance: 'demo-xiling-square' });
    await expectDenied(() => c.instances.send.mutate({ id: 'demo-dongping-road', seq: seqOf('demo-dongping-road'), type: 'TIMER', payload: { timer: 'party_members_meeting:deadline' } }), 'FORBIDDEN', { instance: 'demo-dongping-road' });
  });

  it.each(VILLAGES.flatMap((v) => (['committee', 'party1', 'rep', 'supervisor', 'clerk', 'villager'] as const).map((r) => `${v}.${r}`)))(
    '%s → instances.start in its own village is FORBIDDEN (only the party secretary starts 五议两公开)',
    async (user) => {
      const c = await as(user);
      await expectDenied(() => c.instances.start.mutate({ villageId: user.split('.')[0]!, flowId: FIVE }), 'FORBIDDEN', { engineCode: 'ROLE_FORBIDDEN' });
    },
  );
});

// ---------------------------------------------------------------------------------------------
// The auditor: reads everything in the township, changes nothing
// ---------------------------------------------------------------------------------------------
const ALL_SEEDED = ['demo-dongping-road', 'demo-dongping-pond', 'demo-xiling-square', 'demo-xiling-forest', 'demo-nanwan-canteen', 'demo-nanwan-parking'];

describe('the township auditor', () => {
  it.each(ALL_SEEDED)('reads %s: get, history, replay, verify, export', async (id) => {
    const c = await as('qs.auditor');
    const got = await c.instances.get.query({ id });
    expect(got.instance.id).toBe(id);
    expect(got.step.events).toEqual([]); // nothing the auditor may send
    const history = await c.audit.history.query({ id });
    expect(history.length).toBe(got.instance.seq);
    const replay = await c.audit.replay.query({ id });
    expect(replay.verified.ok).toBe(true);
    expect(replay.steps.length).toBe(history.length);
    expect(await c.audit.verify.query({ id })).toEqual({ ok: true, count: history.length, head: got.instance.head });
    const bundle = await c.audit.export.query({ id });
    expect(bundle.history).toEqual(history);
    expect(bundle.instance.head).toBe(got.instance.head);
  });

  it('lists every village, sees the audit log, and has an empty inbox', async () => {
    const c = await as('qs.auditor');
    for (const v of VILLAGES) expect((await c.instances.list.query({ villageId: v })).length).toBeGreaterThan(0);
    expect(new Set((await c.instances.list.query({})).map((i) => i.villageId))).toEqual(new Set(VILLAGES));
    expect(Array.isArray(await c.audit.log.query({}))).toBe(true);
    expect(await c.tasks.inbox.query()).toEqual([]);
  });

  const AUDITOR_MUTATIONS: [string, (c: Client) => Promise<unknown>, { instance?: string; engineCode?: string }][] = [
    ...VILLAGES.map((v): [string, (c: Client) => Promise<unknown>, { instance?: string; engineCode?: string }] => [
      `instances.send ${PLAUSIBLE[v].type} on ${ACTIVE[v]}`,
      (c) => c.instances.send.mutate({ id: ACTIVE[v], seq: seqOf(ACTIVE[v]), ...PLAUSIBLE[v] }),
      { instance: ACTIVE[v], engineCode: 'ROLE_FORBIDDEN' },
    ]),
    ['instances.send OBJECT on the dongping result disclosure', (c) => c.instances.send.mutate({ id: 'demo-dongping-pond', seq: seqOf('demo-dongping-pond'), type: 'OBJECT', payload: { reason: '审计异议' } }), { instance: 'demo-dongping-pond', engineCode: 'ROLE_FORBIDDEN' }],
    ...VILLAGES.map((v): [string, (c: Client) => Promise<unknown>, { instance?: string; engineCode?: string }] => [
      `instances.start in ${v}`,
      (c) => c.instances.start.mutate({ villageId: v, flowId: FIVE }),
      { engineCode: 'ROLE_FORBIDDEN' },
    ]),
    ['flows.saveDraft', (c) => c.flows.saveDraft.mutate({ json: FIVE_JSON.replace('"1.1.0"', '"9.9.9"') }), {}],
    ['flows.publish', (c) => c.flows.publish.mutate({ id: draftId }), {}],
    ['flows.setVillages', (c) => c.flows.setVillages.mutate({ flowId: FIVE, villageIds: ['dongping'] }), {}],
    ['org.setRoles (granting itself township_admin)', (c) => c.org.setRoles.mutate({ userId: 'qs-auditor', roles: [{ role: 'township_admin', villageId: null }] }), {}],
    ['org.createUser', (c) => c.org.createUser.mutate({ username: 'audit.helper', displayName: '审计助理', password: 'audit-helper-pass', roles: [{ role: 'township_admin', villageId: null }] }), {}],
    ['org.resetPassword', (c) => c.org.resetPassword.mutate({ userId: 'qs-admin', password: 'taken-over-2026' }), {}],
    ['catalogue.upsert', (c) => c.catalogue.upsert.mutate(CATALOGUE_ITEM), {}],
    ['catalogue.delete', (c) => c.catalogue.delete.mutate({ id: 'item-pension' }), {}],
    ['catalogue.importCsv', (c) => c.catalogue.importCsv.mutate({ csv: CATALOGUE_CSV }), {}],
    ['migrations.migrate', (c) => c.migrations.migrate.mutate({ instanceId: 'demo-dongping-road', seq: seqOf('demo-dongping-road'), toVersionId: 1 }), { instance: 'demo-dongping-road' }],
    ['catalogue.start in dongping', (c) => c.catalogue.start.mutate({ itemId: 'item-pension', villageId: 'dongping' }), { engineCode: 'ROLE_FORBIDDEN' }],
    ['personal.reveal on the dongping 低保 matter', (c) => c.personal.reveal.mutate({ id: 'demo-dongping-dibao', commitment: SOME_COMMITMENT }), {}],
    ['personal.erase on the dongping 低保 matter', (c) => c.personal.erase.mutate({ id: 'demo-dongping-dibao' }), {}],
    ...Object.entries({ ...ROLE_ADMIN_CALLS, ...ROSTER_ADMIN_CALLS }).map(([name, call]): [string, (c: Client) => Promise<unknown>, { instance?: string; engineCode?: string }] => [name, call, {}]),
  ];
  it.each(AUDITOR_MUTATIONS)('%s is FORBIDDEN and changes nothing', async (_name, call, opts) => {
    await expectDenied(async () => call(await as('qs.auditor')), 'FORBIDDEN', opts);
  });
});

// ---------------------------------------------------------------------------------------------
// Village users (and the reviewer) against township-admin procedures
// ---------------------------------------------------------------------------------------------
const ADMIN_PROCS: Record<string, (c: Client, self: string) => Promise<unknown>> = {
  'org.users': (c) => c.org.users.query(),
  'org.createUser': (c) => c.org.createUser.mutate({ username: 'backdoor.admin', displayName: '后门', password: 'backdoor-password', roles: [{ role: 'township_admin', villageId: null }] }),
  'org.setRoles': (c, self) => c.org.setRoles.mutate({ userId: self, roles: [{ role: 'township_admin', villageId: null }] }),
  'org.resetPassword': (c) => c.org.resetPassword.mutate({ userId: 'qs-admin', password: 'taken-over-2026' }),
  'flows.saveDraft': (c) => c.flows.saveDraft.mutate({ json: FIVE_JSON.replace('"1.1.0"', '"9.9.9"') }),
  'flows.publish': (c) => c.flows.publish.mutate({ id: draftId }),
  'flows.setVillages': (c) => c.flows.setVillages.mutate({ flowId: FIVE, villageIds: ['dongping'] }),
  'audit.log': (c) => c.audit.log.query({ limit: 10 }),
  'catalogue.upsert': (c) => c.catalogue.upsert.mutate(CATALOGUE_ITEM),
  'catalogue.delete': (c) => c.catalogue.delete.mutate({ id: 'item-pension' }),
  'catalogue.importCsv': (c) => c.catalogue.importCsv.mutate({ csv: CATALOGUE_CSV }),
  'migrations.plan': (c) => c.migrations.plan.query({ toVersionId: 1 }),
  'migrations.migrate': (c) => c.migrations.migrate.mutate({ instanceId: 'demo-dongping-road', seq: seqOf('demo-dongping-road'), toVersionId: 1 }),
  'personal.erase': (c) => c.personal.erase.mutate({ id: 'demo-dongping-dibao' }),
  'calendar.preview': (c) => c.calendar.preview.mutate({ year: CALENDAR_2027 }),
  'calendar.adopt': (c) => c.calendar.adopt.mutate({ year: CALENDAR_2027 }),
  ...ROLE_ADMIN_CALLS,
  ...ROSTER_ADMIN_CALLS,
  'rosters.snapshot': (c) => c.rosters.snapshot.query({ hash: SOME_ROSTER }),
};
const NON_ADMINS = [...VILLAGE_USERS.map((u) => u.user), 'qs.reviewer', ...SERVICE_TOWNSHIP_USERS];
const ADMIN_DENIALS = NON_ADMINS.flatMap((user) => Object.keys(ADMIN_PROCS).map((proc) => ({ user, proc })));

describe('admin procedures: FORBIDDEN to everyone but the township admin', () => {
  it.each(ADMIN_DENIALS)('$user → $proc', async ({ user, proc }) => {
    const c = await as(user);
    await expectDenied(() => ADMIN_PROCS[proc]!(c, userId(user)), 'FORBIDDEN');
  });

  it.each(VILLAGE_USERS.map((u) => u.user))('%s → stats.overview (township roles only)', async (user) => {
    const c = await as(user);
    await expectDenied(() => c.stats.overview.query(), 'FORBIDDEN');
  });

  it.each(VILLAGE_USERS.map((u) => u.user))('%s → calendar.years and calendar.show (township roles only)', async (user) => {
    const c = await as(user);
    await expectDenied(() => c.calendar.years.query(), 'FORBIDDEN');
    await expectDenied(() => c.calendar.show.query({ year: 2027 }), 'FORBIDDEN');
  });

  it.each(VILLAGE_USERS.map((u) => u.user))('%s → rosters.bodies (township staff only)', async (user) => {
    const c = await as(user);
    await expectDenied(() => c.rosters.bodies.query({ villageId: 'dongping' }), 'FORBIDDEN');
  });

  it('the township roles see the overview of their own township only', async () => {
    for (const user of ['qs.admin', 'qs.reviewer', 'qs.auditor']) {
      const overview = await (await as(user)).stats.overview.query();
      expect(overview.villages.map((v) => v.id).sort()).toEqual([...VILLAGES].sort());
      expect(overview.township.running + overview.township.done).toBeGreaterThan(0);
    }
    const other = await (await as('ht.admin')).stats.overview.query();
    expect(other.villages.map((v) => v.id)).toEqual(['shangzhuang']);
    expect(other.township).toMatchObject({ running: 0, done: 0, overdue: 0, steps: [] });
  });

  it('drafts stay hidden from non-admins', async () => {
    const c = await as('dongping.secretary');
    await expectDenied(() => c.flows.get.query({ id: draftId }), 'NOT_FOUND');
    expect((await c.flows.list.query()).every((v) => v.status === 'published')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The allowed ones work (and leave exactly one trace each)
// ---------------------------------------------------------------------------------------------
describe('allowed actions work', () => {
  it('the township admin keeps the rosters, each change one audit-log entry; staff read them; another township sees none of it', async () => {
    const admin = await as('qs.admin');
    const logBefore = (await admin.audit.log.query({ limit: 1000 })).length;
    await admin.rosters.setProbationary.mutate({ userId: 'nanwan-party7', villageId: 'nanwan', role: 'party_member', probationary: true });
    const count = await admin.rosters.registerCount.mutate({ villageId: 'nanwan', role: 'villager', count: 1300, effectiveFrom: '2026-02-01', source: '南湾社区2026年村民名册' });
    expect(count).toMatchObject({ villageId: 'nanwan', role: 'villager', count: 1300, recordedBy: 'qs-admin' });
    const log = await admin.audit.log.query({ limit: 1000 });
    expect(log.length).toBe(logBefore + 2);
    expect(log.slice(0, 2).map((e) => e.action).sort()).toEqual(['roster.count', 'roster.probationary']);
    for (const user of ['qs.admin', 'qs.reviewer', 'qs.auditor']) {
      const { bodies } = await (await as(user)).rosters.bodies.query({ villageId: 'nanwan' });
      const party = bodies.find((b) => b.role === 'party_member')!;
      expect(party.members.find((m) => m.userId === 'nanwan-party7')).toMatchObject({ probationary: true });
      expect(party.roster).toMatchObject({ members: 11, voting: 10 });
    }
    await admin.rosters.setProbationary.mutate({ userId: 'nanwan-party7', villageId: 'nanwan', role: 'party_member', probationary: false });
    const other = await as('ht.admin');
    await expectDenied(() => other.rosters.bodies.query({ villageId: 'nanwan' }), 'BAD_REQUEST');
    await expectDenied(() => other.rosters.setProbationary.mutate({ userId: 'nanwan-party7', villageId: 'nanwan', role: 'party_member', probationary: true }), 'BAD_REQUEST');
  });

  it('the secretary starts and submits in its own village; the clerk records; a party member votes', async () => {
    const secretary = await as('nanwan.secretary');
    const started = await secretary.instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: '南湾社区：健身广场' });
    expect(started).toMatchObject({ villageId: 'nanwan', state: 'proposal', seq: 1, startedBy: 'nanwan-secretary' });
    const submitted = await secretary.instances.send.mutate({ id: started.id, seq: 1, type: 'SUBMIT', payload: PROPOSAL });
    expect(submitted).toMatchObject({ state: 'two_committees', seq: 2 });

    const before = await apiView(freshTwoCommittees);
    const clerk = await as('dongping.clerk');
    const recorded = await clerk.instances.send.mutate({ id: freshTwoCommittees, seq: before.seq, type: 'RECORD_VOTE', payload: TWO_COMMITTEES_MEETING });
    expect(recorded.state).toBe('party_members_meeting');
    expect(await apiView(freshTwoCommittees)).toMatchObject({ seq: before.seq + 1, history: before.history + 1 });

    const road = await apiView('demo-dongping-road');
    const party = await as('dongping.party3');
    await party.instances.send.mutate({ id: 'demo-dongping-road', seq: road.seq, type: 'CAST_BALLOT', payload: { choice: 'for' } });
    const after = await apiView('demo-dongping-road');
    expect(after).toMatchObject({ seq: road.seq + 1, history: road.history + 1, state: 'party_members_meeting' });
    const last = (await party.audit.history.query({ id: 'demo-dongping-road' })).at(-1)!;
    expect(last).toMatchObject({ type: 'CAST_BALLOT', actor: { id: 'dongping-party3', role: 'party_member' } });
  });

  it('the township admin manages people, and each change is one audit-log entry', async () => {
    const admin = await as('qs.admin');
    const logBefore = (await admin.audit.log.query({ limit: 1000 })).length;
    const users = await admin.org.users.query();
    expect(users.some((u) => u.username === 'dongping.clerk')).toBe(true);
    // No password hash ever leaves the server.
    const login = await clientFor(s.url).client.auth.login.mutate({ username: 'qs.admin', password: DEMO_PASSWORD });
    for (const shown of [users, login, await admin.auth.me.query()]) expect(JSON.stringify(shown)).not.toMatch(/scrypt|passwordHash|password_hash/);
    const created = await admin.org.createUser.mutate({ username: 'xiling.clerk2', displayName: '西岭村记录员2', password: 'clerk-two-password', roles: [{ role: 'clerk', villageId: 'xiling' }] });
    expect(created?.roles).toEqual([{ role: 'clerk', villageId: 'xiling' }]);
    await admin.org.setRoles.mutate({ userId: created!.id, roles: [{ role: 'clerk', villageId: 'xiling' }, { role: 'villager', villageId: 'xiling' }] });
    const log = await admin.audit.log.query({ limit: 1000 });
    expect(log.length).toBe(logBefore + 2);
    expect(log.map((e) => e.action)).toEqual(expect.arrayContaining(['user.create', 'user.roles']));

    // The admin chose the password: the new clerk chooses their own before anything else.
    const clerk2 = clientFor(s.url).client;
    expect((await clerk2.auth.login.mutate({ username: 'xiling.clerk2', password: 'clerk-two-password' })).user.mustChangePassword).toBe(true);
    const required = await expectDenied(() => clerk2.instances.get.query({ id: 'demo-xiling-forest' }), 'FORBIDDEN');
    expect(required.data.engineCode).toBe('PASSWORD_CHANGE_REQUIRED');
    await clerk2.auth.changePassword.mutate({ current: 'clerk-two-password', next: 'xiling-2026' });
    expect((await admin.audit.log.query({ limit: 1 }))[0]).toMatchObject({ action: 'user.password', actorId: created!.id });

    // Roles are read on every request: revoking them ends access for a session already open.
    expect((await clerk2.instances.get.query({ id: 'demo-xiling-forest' })).instance.villageId).toBe('xiling');
    await admin.org.setRoles.mutate({ userId: created!.id, roles: [] });
    await expectDenied(() => clerk2.instances.get.query({ id: 'demo-xiling-forest' }), 'NOT_FOUND', { instance: 'demo-xiling-forest' });
    await expectDenied(() => clerk2.instances.list.query({ villageId: 'xiling' }), 'FORBIDDEN');
    expect(await clerk2.instances.list.query({})).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// The public board shows disclosures and nothing else
// ---------------------------------------------------------------------------------------------
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
function at(value: Json, pointer: string): Json | undefined {
  let node: Json | undefined = value;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node && typeof node === 'object' && !Array.isArray(node) ? node[key] : undefined;
  }
  return node;
}
function leaves(value: Json | undefined, pointer = '', out: { pointer: string; value: Json }[] = []) {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leaves(v, `${pointer}/${k}`, out);
  } else if (value !== undefined) out.push({ pointer, value });
  return out;
}

/** Checks one village's board against the instances it discloses; returns the board. */
async function checkBoard(village: VillageId) {
  const board = await s.anonymous().board.village.query({ villageId: village });
  const text = JSON.stringify(board);
  const auditor = await as('qs.auditor');
  for (const d of board.current) {
    const row = s.store.db.prepare('SELECT instance_id, village_id, state FROM disclosures WHERE id = ?').get(d.id) as { instance_id: string; village_id: string; state: string };
    expect(row.village_id).toBe(village);
    const { instance, flow, data } = await auditor.instances.get.query({ id: row.instance_id });
    expect(instance.villageId).toBe(village);
    const publish = (flow.states[row.state] as { disclosure?: { publish: string[] } }).disclosure!.publish;
    // Exactly the publish list, with the values the instance had.
    expect(d.items.map((i) => i.pointer)).toEqual(publish);
    for (const item of d.items) expect(item.value).toEqual(at(data as Json, item.pointer));
    // No value of the instance's data outside the publish list shows up anywhere on the board.
    const published = new Set(publish.flatMap((p) => leaves(at(data as Json, p))).map((l) => JSON.stringify(l.value)));
    const secret = leaves(data as Json).filter((l) => !publish.some((p) => l.pointer === p || l.pointer.startsWith(p + '/')));
    expect(secret.length).toBeGreaterThan(0);
    for (const l of secret) {
      if (typeof l.value === 'string' && l.value.length >= 4 && !published.has(JSON.stringify(l.value))) {
        expect(text, `${l.pointer} leaked onto the board`).not.toContain(l.value);
      }
    }
  }
  // Past disclosures keep their period and hash, not their content.
  for (const p of board.past) expect(Object.keys(p).sort()).toEqual(['endedAt', 'from', 'id', 'instanceId', 'recordHash', 'state', 'stepTitle', 'title', 'until']);
  expect(text).not.toContain('branch_minutes');
  expect(text).not.toContain(PROPOSAL.branch_minutes as string);
  expect(text).not.toContain('ballots');
  return board;
}

describe('the public board', () => {
  it('shows only what disclosures publish (the seeded dongping result disclosure)', async () => {
    const board = await checkBoard('dongping');
    expect(board.current.length).toBe(1);
    expect(board.current[0]!.items.map((i) => i.pointer)).toEqual(['/proposal/subject', '/proposal/budget', '/votes/representatives', '/implementation']);
    // The dongping road instance (at the party members' ballot) is disclosed nowhere.
    expect(JSON.stringify(board)).not.toContain('demo-dongping-road');
  });

  it('nanwan shows its past disclosures without content; xiling shows nothing before the review', async () => {
    const nanwan = await checkBoard('nanwan');
    expect(nanwan.current).toEqual([]);
    expect(nanwan.past.length).toBe(2);
    const xiling = await checkBoard('xiling');
    expect(xiling.current).toEqual([]);
    expect(JSON.stringify(xiling)).not.toContain(PROPOSAL.content as string);
  });

  it('after the township approves, xiling discloses the resolution and only its publish list', async () => {
    const reviewer = await as('qs.reviewer');
    const view = await apiView('demo-xiling-square');
    const approved = await reviewer.instances.send.mutate({ id: 'demo-xiling-square', seq: view.seq, type: 'APPROVE', payload: APPROVAL });
    expect(approved.state).toBe('resolution_disclosure');
    const board = await checkBoard('xiling');
    expect(board.current.length).toBe(1);
    expect(board.current[0]!.items.map((i) => i.pointer)).toEqual(['/proposal/subject', '/proposal/category', '/proposal/content', '/proposal/budget', '/votes/representatives', '/reviews/township']);
    const text = JSON.stringify(board);
    expect(text).toContain(PROPOSAL.content as string); // published
    expect(text).not.toContain(PROPOSAL.branch_meeting_date as string); // not published
    expect(text).not.toContain('party_members'); // the party members' vote is not on the list
    // Another village's board does not show it.
    expect(JSON.stringify(await checkBoard('nanwan'))).not.toContain(PROPOSAL.content as string);
  });
});

// ---------------------------------------------------------------------------------------------
// Sessions: logout (throttling and the session limits: tests/server/sign-in.test.ts)
// ---------------------------------------------------------------------------------------------
describe('sessions', () => {
  it('logout makes the old session cookie useless (and only that session)', async () => {
    const first = clientFor(s.url);
    await first.client.auth.login.mutate({ username: 'dongping.party9', password: DEMO_PASSWORD });
    const token = first.cookies.get('vf_session')!;
    expect(token).toBeTruthy();
    const second = clientFor(s.url);
    await second.client.auth.login.mutate({ username: 'dongping.party9', password: DEMO_PASSWORD });

    await first.client.auth.logout.mutate();
    expect(first.cookies.has('vf_session')).toBe(false);
    expect(await first.client.auth.me.query()).toBeNull();

    const replay = clientFor(s.url);
    replay.cookies.set('vf_session', token);
    expect(await replay.client.auth.me.query()).toBeNull();
    await expectDenied(() => replay.client.instances.get.query({ id: 'demo-dongping-road' }), 'UNAUTHORIZED');
    await expectDenied(() => replay.client.instances.send.mutate({ id: 'demo-dongping-road', seq: seqOf('demo-dongping-road'), type: 'CAST_BALLOT', payload: { choice: 'for' } }), 'UNAUTHORIZED', { instance: 'demo-dongping-road' });
    await expectDenied(() => replay.client.auth.logout.mutate(), 'UNAUTHORIZED');

    // The other session of the same user is untouched.
    expect((await second.client.auth.me.query())?.user.username).toBe('dongping.party9');
  });
});

// ---------------------------------------------------------------------------------------------
// Need-to-know: inside a village, reading follows one's part in the matter (server/access/readRule.ts)
// ---------------------------------------------------------------------------------------------
describe('need-to-know: who reads a matter of their own village', () => {
  /** A 东坪村 matter of each bundled flow (two 低保 files, two grid incidents). */
  const MATTER: Record<string, () => string> = {
    five: () => 'demo-dongping-road', // started by the secretary
    four: () => 'demo-dongping-pond',
    dibao: () => 'demo-dongping-dibao', // applied for by dongping.applicant; dongping.villager objected to its notice
    otherDibao: () => otherDibao, // applied for by dongping.applicant2
    proxy: () => 'demo-dongping-pension', // registered by the agent for dongping.villager (its subject), who rated it
    grid: () => 'demo-dongping-grid', // reported by dongping.villager
    otherGrid: () => otherGrid, // reported by the grid worker
    fund: () => fund, // 一事一议, started by a committee member
  };
  const ALL = Object.keys(MATTER);
  /** What each user reads, and as what; every other matter above is NOT_FOUND to them. */
  const READS: Record<string, Record<string, 'participant' | 'subject' | 'starter' | 'oversight' | 'auditor'>> = {
    'dongping.villager': { grid: 'starter', proxy: 'subject' },
    'dongping.applicant': { dibao: 'subject' },
    'dongping.applicant2': { otherDibao: 'subject' },
    'dongping.secretary': { five: 'participant', four: 'participant', fund: 'participant' },
    'dongping.party1': { five: 'participant', four: 'participant' },
    'dongping.committee': { five: 'participant', four: 'participant', dibao: 'participant', otherDibao: 'participant', fund: 'participant' },
    // Representatives and the supervisory committee may object to a 低保 notice, on the board; the file is not theirs to read.
    'dongping.rep': { five: 'participant', four: 'participant', fund: 'participant' },
    'dongping.supervisor': { five: 'participant', four: 'participant', fund: 'participant' },
    'dongping.clerk': { five: 'participant', four: 'participant', fund: 'participant' },
    'dongping.agent': { proxy: 'participant' },
    'dongping.grid': { grid: 'participant', otherGrid: 'participant' },
    'dongping.handler': { grid: 'participant', otherGrid: 'participant' },
    'qs.caseworker': { dibao: 'participant', otherDibao: 'participant' },
    'qs.county': { dibao: 'participant', otherDibao: 'participant', fund: 'participant' },
    'qs.officer': { proxy: 'participant' },
    'qs.gridoffice': { grid: 'participant', otherGrid: 'participant' },
    'qs.reviewer': { five: 'participant', four: 'oversight', dibao: 'participant', otherDibao: 'participant', proxy: 'oversight', grid: 'oversight', otherGrid: 'oversight', fund: 'participant' },
    'qs.admin': Object.fromEntries(ALL.map((m) => [m, 'oversight'])),
    'qs.auditor': Object.fromEntries(ALL.map((m) => [m, 'auditor'])),
    'xiling.committee': {},
  };
  let otherDibao: string;
  let otherGrid: string;
  let fund: string;

  beforeAll(async () => {
    await s.store.createUser({ id: 'dongping-applicant2', townshipId: 'qingshan', username: 'dongping.applicant2', displayName: '东坪村申请人2', passwordHash: await hashPassword(DEMO_PASSWORD), roles: [{ role: 'applicant', villageId: 'dongping' }] });
    otherDibao = (await (await as('dongping.applicant2')).instances.start.mutate({ villageId: 'dongping', flowId: 'social-assistance', title: '最低生活保障审核确认：张秀英' })).id;
    otherGrid = (await (await as('dongping.grid')).instances.start.mutate({ villageId: 'dongping', flowId: 'grid-incident', title: '东坪村：路灯损坏' })).id;
    fund = (await (await as('dongping.committee')).instances.start.mutate({ villageId: 'dongping', flowId: 'one-matter-one-discussion', title: '东坪村：机耕路硬化' })).id;
  });

  const READ_OPS = ['instances.get', 'audit.history', 'audit.replay', 'audit.verify', 'audit.export'] as const;

  it.each(Object.keys(READS))('%s reads exactly its matters: get, history, replay, verify, export, the list and the inbox', async (user) => {
    const c = await as(user);
    const reads = READS[user]!;
    const listed = new Set((await c.instances.list.query({ limit: 500 })).map((i) => i.id));
    const inbox = await c.tasks.inbox.query();
    for (const key of ALL) {
      const id = MATTER[key]!();
      const as_ = reads[key];
      if (as_) {
        const got = await c.instances.get.query({ id });
        expect({ key, readAs: got.readAs }).toEqual({ key, readAs: as_ });
        expect((await c.audit.history.query({ id })).length).toBe(got.instance.seq);
        expect((await c.audit.replay.query({ id })).verified.ok).toBe(true);
        expect((await c.audit.verify.query({ id })).ok).toBe(true);
        expect((await c.audit.export.query({ id })).instance.head).toBe(got.instance.head);
        expect({ key, listed: listed.has(id) }).toEqual({ key, listed: true });
      } else {
        for (const op of READ_OPS) {
          const error = await errorOf(INSTANCE_OPS[op]!(c, id, 'dongping'));
          const missing = await errorOf(INSTANCE_OPS[op]!(c, 'no-such-instance', 'dongping'));
          expect({ key, op, code: error.code, message: error.message }).toEqual({ key, op, code: 'NOT_FOUND', message: missing.message.replace('no-such-instance', id) });
        }
        expect({ key, listed: listed.has(id) }).toEqual({ key, listed: false });
        expect(inbox.some((t) => t.instanceId === id)).toBe(false);
      }
    }
    // Everything listed or waiting in the inbox is readable by the same rule, whichever matter it is.
    for (const id of new Set([...listed, ...inbox.map((t) => t.instanceId)])) expect((await c.instances.get.query({ id })).instance.id).toBe(id);
  });

  it('a villager lists and is asked for only their own matters: not the village\'s proposals, 低保 files or services', async () => {
    const c = await as('dongping.villager');
    // Their report, and the service the agent handled for them (they are its subject).
    const own = ['demo-dongping-grid', 'demo-dongping-pension'];
    expect((await c.instances.list.query({})).map((i) => i.id).sort()).toEqual(own.sort());
    expect((await c.instances.list.query({ villageId: 'dongping', flowId: FIVE })).map((i) => i.id)).toEqual([]);
    expect(await c.tasks.inbox.query()).toEqual([]);
    // A report of their own waits on them in the inbox; another villager's does not.
    const mine = await c.instances.start.mutate({ villageId: 'dongping', flowId: 'grid-incident', title: '东坪村：垃圾堆放' });
    expect((await c.tasks.inbox.query()).map((t) => t.instanceId)).toEqual([mine.id]);
    expect((await c.instances.list.query({})).map((i) => i.id).sort()).toEqual([...own, mine.id].sort());
    expect((await (await as('dongping.applicant')).tasks.inbox.query()).some((t) => t.instanceId === mine.id)).toBe(false);
  });

  it('an applicant is asked for their own application only, not another household\'s', async () => {
    const mine = (await (await as('dongping.applicant2')).tasks.inbox.query()).map((t) => t.instanceId);
    expect(mine).toEqual([otherDibao]);
    expect((await (await as('dongping.applicant')).tasks.inbox.query()).some((t) => t.instanceId === otherDibao)).toBe(false);
    expect((await (await as('dongping.committee')).tasks.inbox.query()).some((t) => t.instanceId === otherDibao)).toBe(true);
  });

  it('a send to a matter one may not read is NOT_FOUND, unless it objects to a notice the matter posts and the notice takes objections from one\'s role', async () => {
    const villager = await as('dongping.villager');
    await expectDenied(() => villager.instances.send.mutate({ id: 'demo-dongping-road', seq: seqOf('demo-dongping-road'), type: 'CAST_BALLOT', payload: { choice: 'for' } }), 'NOT_FOUND', { instance: 'demo-dongping-road' });
    const rep = await as('dongping.rep');
    await expectDenied(() => rep.instances.send.mutate({ id: otherDibao, seq: seqOf(otherDibao), type: 'SUBMIT', payload: {} }), 'NOT_FOUND', { instance: otherDibao });
    // Acting on another's matter needs reading it, even where the step takes the event from one's
    // role: a villager does not fill in the grid worker's report, an applicant does not withdraw
    // another household's application.
    await expectDenied(() => villager.instances.send.mutate({ id: otherGrid, seq: seqOf(otherGrid), type: 'SUBMIT', payload: {} }), 'NOT_FOUND', { instance: otherGrid });
    const applicant = await as('dongping.applicant');
    await expectDenied(() => applicant.instances.send.mutate({ id: otherDibao, seq: seqOf(otherDibao), type: 'WITHDRAW', payload: { reason: '代为撤回' } }), 'NOT_FOUND', { instance: otherDibao });
    await expectDenied(() => applicant.instances.send.mutate({ id: otherDibao, seq: seqOf(otherDibao), type: 'SUBMIT', payload: {} }), 'NOT_FOUND', { instance: otherDibao });
    // Nor objects through the API to a step that is no public notice.
    await expectDenied(() => villager.instances.send.mutate({ id: otherGrid, seq: seqOf(otherGrid), type: 'OBJECT', payload: { reason: '异议' } }), 'NOT_FOUND', { instance: otherGrid });
    // 村民 may object to what is posted (the step takes OBJECT from them): refused by the engine, not hidden.
    await expectDenied(() => villager.instances.send.mutate({ id: 'demo-dongping-pond', seq: seqOf('demo-dongping-pond'), type: 'OBJECT', payload: {} }), 'BAD_REQUEST', { instance: 'demo-dongping-pond', engineCode: 'FORM_INVALID' });
  });

  it('the township figures count whole villages, for oversight and audit alike', async () => {
    for (const user of ['qs.admin', 'qs.reviewer', 'qs.auditor']) {
      const o = await (await as(user)).stats.overview.query();
      expect(o.villages.map((v) => v.id).sort()).toEqual([...VILLAGES].sort());
    }
    await expectDenied(async () => (await as('qs.caseworker')).stats.overview.query(), 'FORBIDDEN');
  });
});

// ---------------------------------------------------------------------------------------------
// Objections from the board: only from someone the notice's step takes one from
// ---------------------------------------------------------------------------------------------
describe('board.object', () => {
  it.each(['xiling.villager', 'ht.admin', 'dongping.clerk'])('%s objecting to a 东坪村 notice is refused and changes nothing', async (user) => {
    const notice = (await s.anonymous().board.village.query({ villageId: 'dongping' })).current.find((n) => n.objection)!;
    expect(notice).toBeDefined();
    const c = await as(user);
    // Another village's villager and another township's admin: no such matter for them. The
    // clerk reads the matter but is not among those the notice takes objections from.
    const code = user === 'dongping.clerk' ? 'FORBIDDEN' : 'NOT_FOUND';
    await expectDenied(() => c.board.object.mutate({ instanceId: notice.instanceId, reason: '越权异议' }), code, { instance: notice.instanceId });
  });
});


// ---------------------------------------------------------------------------------------------
// The organisation admin (issue 18): only the township admin of that township
// ---------------------------------------------------------------------------------------------
describe('organisation admin procedures', () => {
  it.each(['dongping.secretary', 'dongping.clerk', 'qs.reviewer', 'qs.auditor', 'qs.caseworker'].flatMap((user) => Object.keys(ORG_ADMIN_CALLS).map((path) => ({ user, path }))))(
    '$user → $path is FORBIDDEN and changes nothing',
    async ({ user, path }) => {
      await expectDenied(async () => ORG_ADMIN_CALLS[path]!(await as(user)), 'FORBIDDEN');
    },
  );

  it("another township's admin cannot touch this township's villages or people", async () => {
    const c = await as('ht.admin');
    await expectDenied(() => c.org.updateUser.mutate({ userId: 'dongping-villager', displayName: '越界' }), 'BAD_REQUEST');
    await expectDenied(() => c.org.setActive.mutate({ userId: 'dongping-clerk', active: false }), 'BAD_REQUEST');
    await expectDenied(() => c.org.renameVillage.mutate({ villageId: 'dongping', name: '越界村' }), 'BAD_REQUEST');
    await expectDenied(() => c.org.setVillageArchived.mutate({ villageId: 'dongping', archived: true }), 'BAD_REQUEST');
    expect((await c.org.allVillages.query()).map((v) => v.id)).toEqual(['shangzhuang']);
  });

  it("a matter's names are for its readers only: another village's member gets NOT_FOUND", async () => {
    const names = await (await as('dongping.secretary')).org.names.query({ instanceId: 'demo-dongping-road' });
    expect(Object.values(names)).toContain('东坪村党组织书记');
    await expectDenied(async () => (await as('xiling.secretary')).org.names.query({ instanceId: 'demo-dongping-road' }), 'NOT_FOUND');
  });

  it('an exported history keeps the ids its records carry, with the names beside them', async () => {
    const bundle = await (await as('qs.auditor')).audit.export.query({ id: 'demo-dongping-road' });
    const ids = new Set(bundle.history.map((r) => r.actor.id).filter((id) => id !== 'system'));
    expect(Object.keys(bundle.people).sort()).toEqual([...ids].sort());
    expect(bundle.people['dongping-secretary']).toBe('东坪村党组织书记');
  });

  it('a setup link is refused once a township exists (no token was issued) and changes nothing', async () => {
    await expectDenied(() => s.anonymous().org.setup.mutate({ token: 'guessed-token', townshipName: '冒名镇', username: 'fake.admin', displayName: '冒名', password: 'Fake-admin-2026' }), 'NOT_FOUND');
  });
});

// ---------------------------------------------------------------------------------------------
// The bulk import of people (issue 18 item 3): only the township admin, into their own township
// ---------------------------------------------------------------------------------------------
describe('people import procedures', () => {
  it.each(['dongping.secretary', 'dongping.clerk', 'qs.reviewer', 'qs.auditor', 'qs.caseworker', 'qs.newadmin'].flatMap((user) => Object.keys(IMPORT_CALLS).map((path) => ({ user, path }))))(
    '$user → $path is FORBIDDEN and changes nothing',
    async ({ user, path }) => {
      await expectDenied(async () => IMPORT_CALLS[path]!(await as(user)), 'FORBIDDEN');
    },
  );

  it("another township's admin cannot import into this township's villages, nor read its people", async () => {
    const c = await as('ht.admin');
    const preview = await c.org.importPreview.mutate({ file: IMPORT_FILE });
    expect(preview.problems.map((p) => [p.row, p.column, p.code])).toEqual([[2, 'village', 'unknown_village']]);
    await expectDenied(() => c.org.importCommit.mutate({ file: IMPORT_FILE, fileName: '越界.csv' }), 'BAD_REQUEST');
    const { csv } = await c.org.exportPeople.query();
    expect(csv).toContain('荷塘镇管理员');
    expect(csv).not.toContain('东坪');
  });
});
