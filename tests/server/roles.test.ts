// Roles as data (issue 18 item 4): each township's role catalogue, the built-in roles its starting
// content. A flow naming a role the catalogue lacks is published only with that role added; the
// role is then granted like any other, its holder sees the step in the inbox and acts on it, and a
// role the catalogue says reads only its own matters does so. Both stores.
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_ROLES } from '../../engine/index.ts';
import { hashPassword } from '../../server/access/auth.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { clientFor, errorOf, startTestServer, type Client, type TestServer } from './harness.ts';

let s: TestServer;
let admin: Client;

/** A repair request: a villager (or a tenant) reports, the village's water keeper repairs. */
const WATER_REPAIR = {
  id: 'water-repair',
  version: '1.0.0',
  title: { zh: '供水报修', en: 'Water repair' },
  roles: { villager: { zh: '村民' }, tenant: { zh: '租户', en: 'Tenant' }, water_keeper: { zh: '管水员', en: 'Water keeper' } },
  starters: ['villager', 'tenant'],
  data: { type: 'object', properties: { report: { type: 'object' }, repair: { type: 'object' } } },
  initial: 'report',
  states: {
    report: {
      kind: 'task', title: { zh: '报修' }, roles: ['villager', 'tenant'],
      form: { schema: { type: 'object', required: ['place'], properties: { place: { type: 'string', minLength: 1, title: '地点' } } }, saveTo: '/report' },
      on: { SUBMIT: 'repair' },
    },
    repair: {
      kind: 'task', title: { zh: '维修' }, roles: ['water_keeper'],
      form: { schema: { type: 'object', required: ['note'], properties: { note: { type: 'string', minLength: 1, title: '维修情况' } } }, saveTo: '/repair' },
      on: { SUBMIT: 'fixed' },
    },
    fixed: { kind: 'final', title: { zh: '已修复' }, outcome: 'adopted' },
  },
};
const KEEPER = { key: 'water_keeper', label: { zh: '管水员', en: 'Water keeper' }, scope: 'village' as const, ownMatters: false };
const TENANT = { key: 'tenant', label: { zh: '租户', en: 'Tenant' }, scope: 'village' as const, ownMatters: true };

/** A new person of the township, signed in with a password of their own. */
async function person(username: string, roles: { role: string; villageId: string | null }[]): Promise<Client> {
  await admin.org.createUser.mutate({ username, displayName: username, password: 'temporary-2026', roles });
  const { client } = clientFor(s.url);
  await client.auth.login.mutate({ username, password: 'temporary-2026' });
  await client.auth.changePassword.mutate({ current: 'temporary-2026', next: "Shui-Guan-2026!" });
  return client;
}

beforeAll(async () => {
  s = await startTestServer();
  admin = await s.as('qs.admin');
  // A second township, to show each keeps its own catalogue.
  await s.store.createTownship({ id: 'hetang', name: '荷塘镇' });
  await s.store.createVillage({ id: 'shangzhuang', townshipId: 'hetang', name: '上庄村', kind: 'village' });
  await s.store.createUser({ id: 'ht-admin', townshipId: 'hetang', username: 'ht.admin', displayName: '荷塘镇管理员', passwordHash: await hashPassword(DEMO_PASSWORD), roles: [{ role: 'township_admin', villageId: null }] });
});
afterAll(() => s?.close());

describe('the role catalogue', () => {
  it('starts with the built-in roles, labelled, for anyone signed in in the township', async () => {
    const list = await (await s.as('dongping.villager')).roles.list.query();
    expect(list.map((r) => r.key)).toEqual(BUILT_IN_ROLES.map((r) => r.key));
    expect(list.find((r) => r.key === 'clerk')).toEqual({ key: 'clerk', label: { zh: '会议记录员', en: 'Clerk' }, scope: 'village', builtIn: true, ownMatters: false });
    expect(list.filter((r) => r.ownMatters).map((r) => r.key)).toEqual(['villager', 'applicant']);
    expect(list.filter((r) => r.scope === 'township').map((r) => r.key)).toContain('auditor');
  });

  it('a role added by the admin joins it (audited) in this township only; a built-in role is relabelled', async () => {
    const added = await admin.roles.add.mutate({ key: 'road_warden', label: { zh: '护路员', en: 'Road warden' }, scope: 'village', ownMatters: false });
    expect(added).toEqual({ key: 'road_warden', label: { zh: '护路员', en: 'Road warden' }, scope: 'village', builtIn: false, ownMatters: false });
    expect((await admin.roles.list.query()).at(-1)).toEqual(added);
    await admin.roles.setLabel.mutate({ key: 'clerk', label: { zh: '记录员', en: 'Recorder' } });
    expect((await admin.roles.list.query()).find((r) => r.key === 'clerk')!.label).toEqual({ zh: '记录员', en: 'Recorder' });
    const log = await admin.audit.log.query({ limit: 5 });
    expect(log.find((e) => e.action === 'role.create')).toMatchObject({ target: 'road_warden', targetName: '护路员', details: { label: { zh: '护路员', en: 'Road warden' }, scope: 'village' } });
    expect(log.find((e) => e.action === 'role.label')).toMatchObject({ target: 'clerk', targetName: '记录员', details: { before: { zh: '会议记录员', en: 'Clerk' }, after: { zh: '记录员', en: 'Recorder' } } });

    const other = await s.as('ht.admin');
    const theirs = await other.roles.list.query();
    expect(theirs.map((r) => r.key)).not.toContain('road_warden');
    expect(theirs.find((r) => r.key === 'clerk')!.label.zh).toBe('会议记录员');
    const refused = await errorOf(other.org.createUser.mutate({ username: 'ht.warden', displayName: '护路员', password: 'temporary-2026', roles: [{ role: 'road_warden', villageId: 'shangzhuang' }] }));
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', data: { engineCode: 'ROLE_UNKNOWN' } });
    expect(refused.message).toMatch(/not roles of this township: road_warden/);
  });

  it('grants keep to a role’s scope, naming the role', async () => {
    const user = (await admin.org.users.query()).find((u) => u.username === 'dongping.clerk')!;
    const village = await errorOf(admin.org.setRoles.mutate({ userId: user.id, roles: [{ role: 'road_warden', villageId: null }] }));
    expect(village.message).toMatch(/road_warden is a village role; it needs a village/);
    const township = await errorOf(admin.org.setRoles.mutate({ userId: user.id, roles: [{ role: 'township_reviewer', villageId: 'dongping' }] }));
    expect(township.message).toMatch(/township_reviewer is a township role; it takes no village/);
  });

  it('the people sheet names a township’s own role by its label', async () => {
    const csv = '姓名,手机号,村,角色\n王护路,13900000123,东坪村,护路员\n';
    const preview = await admin.org.importPreview.mutate({ file: { kind: 'csv', base64: Buffer.from(csv).toString('base64') } });
    expect(preview.problems).toEqual([]);
    expect(preview.rows[0]!.roles).toEqual([{ role: 'road_warden', villageId: 'dongping' }]);
    // The template's list of roles is the catalogue's, by label (the relabelled clerk too).
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from((await admin.org.importTemplate.query()).base64, 'base64') as unknown as ArrayBuffer);
    const listed: string[] = [];
    book.getWorksheet('说明')!.eachRow((row, n) => n > 1 && row.getCell(2).value && listed.push(String(row.getCell(2).value)));
    expect(listed).toEqual(expect.arrayContaining(['护路员', '记录员', '村民']));
    expect(listed).not.toContain('乡镇管理员');
    // The export writes each role by its label, as the sheet reads it back.
    await admin.org.createUser.mutate({ username: 'dongping.warden', displayName: '李护路', password: 'temporary-2026', roles: [{ role: 'road_warden', villageId: 'dongping' }] });
    expect((await admin.org.exportPeople.query()).csv).toMatch(/李护路,dongping\.warden,,东坪村,护路员,/);
  });
});

describe('a flow with roles of its own', () => {
  let versionId: number;
  let keeper: Client;

  it('is refused publication while its roles are missing, naming them, and nothing changes', async () => {
    const saved = await admin.flows.saveDraft.mutate({ json: JSON.stringify(WATER_REPAIR) });
    expect(saved.issues).toEqual([]);
    versionId = saved.version.id;
    const error = await errorOf(admin.flows.publish.mutate({ id: versionId }));
    expect(error).toMatchObject({ code: 'PRECONDITION_FAILED', data: { engineCode: 'ROLES_MISSING' } });
    expect(error.message).toMatch(/lacks: tenant \(租户\), water_keeper \(管水员\)/);
    expect((error.data.issues as { pointer: string }[]).map((i) => i.pointer)).toEqual(['/roles/tenant', '/roles/water_keeper']);
    expect((await admin.flows.get.query({ id: versionId })).status).toBe('draft');
    expect((await admin.roles.list.query()).map((r) => r.key)).not.toContain('water_keeper');
  });

  it('is published with them added in the same step', async () => {
    const published = await admin.flows.publish.mutate({ id: versionId, addRoles: [KEEPER, TENANT] });
    expect(published.status).toBe('published');
    const list = await admin.roles.list.query();
    expect(list.filter((r) => !r.builtIn).map((r) => r.key).sort()).toEqual(['road_warden', 'tenant', 'water_keeper']);
    expect(list.find((r) => r.key === 'tenant')).toMatchObject({ scope: 'village', ownMatters: true, builtIn: false });
    expect((await admin.audit.log.query({ limit: 3 })).find((e) => e.action === 'flow.publish')!.details).toMatchObject({ addedRoles: ['water_keeper', 'tenant'] });
    await admin.flows.setVillages.mutate({ flowId: 'water-repair', villageIds: ['dongping', 'xiling'] });
  });

  it('its role is granted; the holder sees the step in the inbox and acts on it, in their village only', async () => {
    keeper = await person('dongping.water', [{ role: 'water_keeper', villageId: 'dongping' }]);
    const villager = await s.as('dongping.villager');
    const started = await villager.instances.start.mutate({ villageId: 'dongping', flowId: 'water-repair', title: '东坪村：三组水管破裂' });
    await villager.instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: { place: '三组' } });
    const xiling = await (await s.as('xiling.villager')).instances.start.mutate({ villageId: 'xiling', flowId: 'water-repair' });

    const inbox = await keeper.tasks.inbox.query();
    expect(inbox.map((t) => [t.instanceId, t.state, t.role])).toEqual([[started.id, 'repair', 'water_keeper']]);
    const { instance } = await keeper.instances.get.query({ id: started.id });
    const done = await keeper.instances.send.mutate({ id: started.id, seq: instance.seq, type: 'SUBMIT', payload: { note: '已更换阀门' } });
    expect(done).toMatchObject({ state: 'fixed', status: 'done' });
    expect(await keeper.tasks.inbox.query()).toEqual([]);
    expect((await errorOf(keeper.instances.get.query({ id: xiling.id }))).code).toBe('NOT_FOUND');
  });

  it('a role the catalogue says reads its own matters only: one tenant does not see another’s', async () => {
    const first = await person('dongping.tenant1', [{ role: 'tenant', villageId: 'dongping' }]);
    const second = await person('dongping.tenant2', [{ role: 'tenant', villageId: 'dongping' }]);
    const mine = await first.instances.start.mutate({ villageId: 'dongping', flowId: 'water-repair', title: '租户报修' });
    expect((await first.instances.get.query({ id: mine.id })).instance.id).toBe(mine.id);
    expect((await first.tasks.inbox.query()).map((t) => t.instanceId)).toEqual([mine.id]);
    expect((await errorOf(second.instances.get.query({ id: mine.id }))).code).toBe('NOT_FOUND');
    expect(await second.tasks.inbox.query()).toEqual([]);
    expect((await second.instances.list.query({})).map((i) => i.id)).not.toContain(mine.id);
    // The water keeper, a participant of the flow, reads it; so does township oversight.
    expect((await keeper.instances.get.query({ id: mine.id })).instance.id).toBe(mine.id);
    expect((await (await s.as('qs.reviewer')).instances.get.query({ id: mine.id })).instance.id).toBe(mine.id);
  });
});
