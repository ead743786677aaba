// Going live: a township set up from an empty database through the one-time setup link, then its
// organisation kept by its admin — villages created, renamed, archived; people created, edited,
// deactivated; grants; password resets; sign-in by mobile; one's own recent sign-ins. Both stores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSetup } from '../../server/org/organisation.ts';
import { clientFor, errorOf, startTestServer, type Client, type TestServer } from './harness.ts';

let s: TestServer;
let token: string;
const ADMIN_PASSWORD = 'Lianhua-2026!';

async function signIn(login: string, password: string): Promise<Client> {
  const { client } = clientFor(s.url);
  await client.auth.login.mutate({ username: login, password });
  return client;
}

beforeAll(async () => {
  s = await startTestServer({ seed: false });
  token = (await openSetup(s.store, s.runtime.now()))!;
});
afterAll(() => s?.close());

describe('first start: the setup link', () => {
  it('a wrong token is refused and nothing is created', async () => {
    const anon = s.anonymous();
    expect(await anon.org.setupStatus.query({ token: 'not-the-token' })).toEqual({ open: false });
    const error = await errorOf(anon.org.setup.mutate({ token: 'not-the-token', townshipName: '莲花镇', username: 'lh.admin', displayName: '莲花镇管理员', password: ADMIN_PASSWORD }));
    expect(error.code).toBe('NOT_FOUND');
    expect(await s.store.listTownships()).toEqual([]);
  });

  it('a weak password is refused without spending the link', async () => {
    const error = await errorOf(s.anonymous().org.setup.mutate({ token, townshipName: '莲花镇', username: 'lh.admin', displayName: '莲花镇管理员', password: 'password' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^\/password: must be at least 8 characters/);
    expect(await s.anonymous().org.setupStatus.query({ token })).toEqual({ open: true });
  });

  it('creates the township and its admin once; the admin signs in normally; the link is spent', async () => {
    const anon = s.anonymous();
    const made = await anon.org.setup.mutate({ token, townshipName: '莲花镇', username: 'lh.admin', displayName: '莲花镇管理员', password: ADMIN_PASSWORD });
    expect(made.username).toBe('lh.admin');
    expect(await anon.org.setupStatus.query({ token })).toEqual({ open: false });
    expect((await errorOf(anon.org.setup.mutate({ token, townshipName: '第二镇', username: 'x.admin', displayName: 'x', password: ADMIN_PASSWORD }))).code).toBe('NOT_FOUND');
    expect((await s.store.listTownships()).map((t) => t.name)).toEqual(['莲花镇']);
    // A township exists: no further setup link is issued.
    expect(await openSetup(s.store, s.runtime.now())).toBeNull();
    const admin = await signIn('lh.admin', ADMIN_PASSWORD);
    const me = (await admin.auth.me.query())!;
    expect(me.township?.name).toBe('莲花镇');
    expect(me.user.mustChangePassword).toBe(false);
    expect(me.user.roles).toEqual([{ role: 'township_admin', villageId: null }]);
    const log = await admin.audit.log.query({});
    expect(log.map((e) => e.action).sort()).toEqual(['township.create', 'user.create']);
    // What each entry acted on reads by name (the id stays beside it).
    expect(Object.fromEntries(log.map((e) => [e.action, e.targetName]))).toEqual({ 'township.create': '莲花镇', 'user.create': '莲花镇管理员' });
  });
});

describe('the organisation admin', () => {
  let admin: Client;
  let east: string;
  let west: string;
  let personId: string;
  beforeAll(async () => {
    admin = await signIn('lh.admin', ADMIN_PASSWORD);
  });

  it('creates villages; a second live village of the same name is refused', async () => {
    east = (await admin.org.createVillage.mutate({ name: '东湖村', kind: 'village' })).id;
    west = (await admin.org.createVillage.mutate({ name: '西山社区', kind: 'community' })).id;
    const error = await errorOf(admin.org.createVillage.mutate({ name: '东湖村', kind: 'village' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^\/name: /);
    expect((await admin.org.allVillages.query()).map((v) => v.name).sort()).toEqual(['东湖村', '西山社区']);
  });

  it('renames a village: the new name is what every page reads', async () => {
    await admin.org.renameVillage.mutate({ villageId: east, name: '东湖新村' });
    expect((await admin.auth.me.query())!.villages.find((v) => v.id === east)?.name).toBe('东湖新村');
  });

  it('creates a person with a mobile and a grant; they sign in by mobile and must choose a password', async () => {
    const made = (await admin.org.createUser.mutate({ username: 'donghu.clerk', displayName: '王秀英', password: 'handed-over-1', mobile: '13800138000', roles: [{ role: 'clerk', villageId: east }] }))!;
    personId = made.id;
    expect(made).toMatchObject({ mobile: '13800138000', mustChangePassword: true, deactivatedAt: null });
    const taken = await errorOf(admin.org.createUser.mutate({ username: 'donghu.other', displayName: '另一人', password: 'handed-over-1', mobile: '13800138000', roles: [] }));
    expect(taken.message).toMatch(/^\/mobile: /);
    // With a code and the figure, for the web app to word it (common.issues.mobileTaken).
    expect(taken.data.issues).toEqual([expect.objectContaining({ pointer: '/mobile', code: 'mobileTaken', params: { mobile: '13800138000' } })]);
    const person = await signIn('13800138000', 'handed-over-1');
    expect((await errorOf(person.org.villages.query())).data.engineCode).toBe('PASSWORD_CHANGE_REQUIRED');
    await person.auth.changePassword.mutate({ current: 'handed-over-1', next: 'Qiuju-2026!' });
    expect((await person.org.villages.query()).map((v) => v.id)).toEqual([east]);
    const signIns = await person.auth.signIns.query();
    expect(signIns).toHaveLength(1);
    expect(signIns[0]!.at).toBe(s.runtime.now());
  });

  it('edits a person, resets their password (must change), and the audit log says each', async () => {
    await admin.org.updateUser.mutate({ userId: personId, displayName: '王秀英（记录员）', mobile: null });
    expect((await admin.org.users.query()).find((u) => u.id === personId)).toMatchObject({ displayName: '王秀英（记录员）', mobile: null });
    expect((await errorOf(signIn('13800138000', 'Qiuju-2026!'))).code).toBe('UNAUTHORIZED');
    await admin.org.resetPassword.mutate({ userId: personId, password: 'handed-over-2' });
    const person = await signIn('donghu.clerk', 'handed-over-2');
    expect((await person.auth.me.query())!.user.mustChangePassword).toBe(true);
    const actions = (await admin.audit.log.query({})).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['village.create', 'village.rename', 'user.create', 'user.update', 'user.password_reset']));
  });

  it('role grants per village: a grant in the other village, not in an unknown one', async () => {
    await admin.org.setRoles.mutate({ userId: personId, roles: [{ role: 'clerk', villageId: east }, { role: 'villager', villageId: west }] });
    expect((await admin.org.users.query()).find((u) => u.id === personId)!.roles).toHaveLength(2);
    expect((await errorOf(admin.org.setRoles.mutate({ userId: personId, roles: [{ role: 'clerk', villageId: 'nowhere' }] }))).code).toBe('BAD_REQUEST');
  });

  it('the admin cannot give up their own administration nor deactivate themselves', async () => {
    const me = (await admin.auth.me.query())!.user;
    expect((await errorOf(admin.org.setRoles.mutate({ userId: me.id, roles: [] }))).message).toMatch(/^\/roles: /);
    expect((await errorOf(admin.org.setActive.mutate({ userId: me.id, active: false }))).message).toMatch(/^\/userId: /);
  });

  it('deactivating a person ends their sessions and their sign-in; their name stays; reactivation restores it', async () => {
    const person = await signIn('donghu.clerk', 'handed-over-2');
    await admin.org.setActive.mutate({ userId: personId, active: false });
    expect(await person.auth.me.query()).toBeNull();
    const refused = await errorOf(signIn('donghu.clerk', 'handed-over-2'));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', data: { engineCode: 'ACCOUNT_DEACTIVATED' } });
    // A wrong password learns nothing about the account.
    expect((await errorOf(signIn('donghu.clerk', 'wrong-password-1'))).code).toBe('UNAUTHORIZED');
    expect((await admin.org.users.query()).find((u) => u.id === personId)).toMatchObject({ displayName: '王秀英（记录员）', deactivatedAt: s.runtime.now() });
    await admin.org.setActive.mutate({ userId: personId, active: true });
    expect((await (await signIn('donghu.clerk', 'handed-over-2')).auth.me.query())!.user.id).toBe(personId);
  });

  it('archives a village: kept in the list, refused for new matters and new grants; restored', async () => {
    await admin.org.setVillageArchived.mutate({ villageId: west, archived: true });
    expect((await admin.org.allVillages.query()).find((v) => v.id === west)!.archivedAt).toBe(s.runtime.now());
    const grant = await errorOf(admin.org.createUser.mutate({ username: 'xishan.rep', displayName: '代表', password: 'handed-over-3', roles: [{ role: 'villager_representative', villageId: west }] }));
    expect(grant.message).toMatch(/archived/);
    expect(grant.data.issues).toEqual([expect.objectContaining({ code: 'villageArchived', params: { village: expect.any(String) } })]);
    // The grant held before the archive stays.
    await admin.org.setRoles.mutate({ userId: personId, roles: [{ role: 'clerk', villageId: east }, { role: 'villager', villageId: west }] });
    const start = await errorOf(admin.instances.start.mutate({ villageId: west, flowId: 'anything' }));
    expect(start.message).toMatch(/^\/villageId: village 西山社区 is archived/);
    await admin.org.setVillageArchived.mutate({ villageId: west, archived: false });
    expect((await admin.org.allVillages.query()).find((v) => v.id === west)!.archivedAt).toBeNull();
  });
});

describe('sign-in records', () => {
  it("a user's latest sign-ins are kept, newest first, older ones dropped", async () => {
    const admin = (await s.store.getUserByUsername('lh.admin'))!;
    const at = (i: number) => new Date(Date.UTC(2026, 5, 1, 0, i)).toISOString();
    for (let i = 0; i < 55; i++) await s.store.recordSignIn(admin.id, { at: at(i), address: `10.0.0.${i}` });
    const kept = await s.store.signIns(admin.id, 100);
    expect(kept).toHaveLength(50);
    expect(kept[0]).toEqual({ at: at(54), address: '10.0.0.54' });
    expect(kept.at(-1)).toEqual({ at: at(5), address: '10.0.0.5' });
  });
});
