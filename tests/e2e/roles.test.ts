// Roles as data in a real browser: the township admin adds a role of the township's own (管水员) in
// the role catalogue of 组织管理, grants it to a cadre of 东坪村, and a flow naming it is published;
// the cadre sees the role by its label, finds the step waiting on it in the inbox and acts on it.
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { browserSuite, expectText, shot, signIn } from './browser.ts';
import { inState, openFromInbox, visit } from './steps.ts';

const env = browserSuite();

const WATER_REPAIR = {
  id: 'water-repair',
  version: '1.0.0',
  title: { zh: '供水报修', en: 'Water repair' },
  roles: { villager: { zh: '村民' }, water_keeper: { zh: '管水员', en: 'Water keeper' } },
  starters: ['villager'],
  data: { type: 'object', properties: { report: { type: 'object' }, repair: { type: 'object' } } },
  initial: 'report',
  states: {
    report: {
      kind: 'task', title: { zh: '报修' }, roles: ['villager'],
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
const TITLE = '东坪村：三组水管破裂';

describe('a role of the township’s own', () => {
  it('added in the role catalogue, granted, and its holder acts on the step waiting on it', async () => {
    const page = await env.browser.newPage({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
    page.setDefaultTimeout(20_000);
    await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await page.getByRole('link', { name: '组织管理' }).click();

    const add = page.getByTestId('add-role');
    await add.getByLabel('角色代码').fill('water_keeper');
    await add.getByLabel('中文名称').fill('管水员');
    await add.getByLabel('英文名称').fill('Water keeper');
    await add.getByLabel('范围').selectOption({ label: '村（社区）' });
    await add.getByRole('button', { name: '添加角色' }).click();
    await add.getByRole('status').filter({ hasText: '已添加角色“管水员”' }).waitFor();
    const row = page.locator('[data-testid="role"][data-key="water_keeper"]');
    expect(await row.textContent()).toContain('管水员');
    expect(await row.textContent()).toContain('本乡镇添加');

    // A role the catalogue already has is refused in place, and the list stays as it was.
    await add.getByLabel('角色代码').fill('clerk');
    await add.getByLabel('中文名称').fill('记录人');
    await add.getByLabel('英文名称').fill('Recorder');
    await add.getByRole('button', { name: '添加角色' }).click();
    await add.getByRole('alert').filter({ hasText: '本乡镇已有这个角色代码。' }).waitFor();
    expect(await page.locator('[data-testid="role"][data-key="clerk"]').count()).toBe(1);

    const card = page.locator('[data-testid="person"][data-username="dongping.clerk"]');
    await card.getByRole('button', { name: '角色授权' }).click();
    const grants = card.getByTestId('grants-editor');
    await grants.locator('select[name="grantRole"]').selectOption({ label: '管水员' });
    await grants.locator('select[name="grantVillage"]').selectOption({ label: '东坪村' });
    await grants.getByRole('button', { name: '添加授权' }).click();
    await grants.getByRole('button', { name: '保存授权' }).click();
    await card.getByTestId('grants').filter({ hasText: '管水员 · 东坪村' }).waitFor();
    await shot(page, 'roles-granted');
    await page.close();

    // The flow naming the role is published (the role is in the catalogue now), and a villager reports.
    const admin = await env.s.as('qs.admin');
    const saved = await admin.flows.saveDraft.mutate({ json: JSON.stringify(WATER_REPAIR) });
    await admin.flows.publish.mutate({ id: saved.version.id });
    await admin.flows.setVillages.mutate({ flowId: 'water-repair', villageIds: ['dongping'] });
    const villager = await env.s.as('dongping.villager');
    const started = await villager.instances.start.mutate({ villageId: 'dongping', flowId: 'water-repair', title: TITLE });
    await villager.instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: { place: '三组' } });

    const keeper = await visit(env.browser, env.s, 'dongping.clerk');
    // The header names the role in words once the township's role catalogue has arrived.
    await expectText(keeper.page.getByTestId('who'), '管水员');
    await openFromInbox(keeper.page, TITLE, '维修');
    await keeper.page.getByLabel('维修情况').fill('已更换三组总阀');
    await keeper.page.getByRole('button', { name: '提交' }).click();
    await inState(keeper.page, 'fixed');
    await shot(keeper.page, 'roles-keeper-acted');
    await keeper.close();
    expect((await env.s.store.getInstance(started.id))!.status).toBe('done');
  });

  it('publishing a flow that names a role the catalogue lacks offers to add it, with the flow’s labels', async () => {
    const page = await env.browser.newPage({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(20_000);
    await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/designer`);
    await page.getByTestId('designer-home').waitFor();
    const flow = { ...WATER_REPAIR, id: 'pump-repair', title: { zh: '泵房报修', en: 'Pump repair' }, roles: { villager: { zh: '村民' }, pump_keeper: { zh: '泵房管理员', en: 'Pump keeper' } } };
    flow.states = { ...WATER_REPAIR.states, repair: { ...WATER_REPAIR.states.repair, roles: ['pump_keeper'] } };
    await page.getByTestId('home-import-file').setInputFiles({ name: 'pump-repair.flow.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(flow)) });
    await page.getByTestId('editor').waitFor();
    await page.getByTestId('no-issues').waitFor();
    await page.getByTestId('publish').click();
    const offer = page.locator('[data-testid="publish-role"][data-key="pump_keeper"]');
    expect(await offer.getByLabel('中文名称').inputValue()).toBe('泵房管理员');
    expect(await offer.getByLabel('英文名称').inputValue()).toBe('Pump keeper');
    expect(await page.locator('[data-testid="publish-role"]').count()).toBe(1);
    await offer.getByLabel('范围').selectOption({ label: '全乡镇' });
    await shot(page, 'roles-publish-offer');
    await page.getByTestId('publish-confirm').click();
    await page.getByTestId('editor-status').filter({ hasText: '已发布' }).waitFor();
    const added = (await (await env.s.as('qs.admin')).roles.list.query()).find((r) => r.key === 'pump_keeper');
    expect(added).toEqual({ key: 'pump_keeper', label: { zh: '泵房管理员', en: 'Pump keeper' }, scope: 'township', builtIn: false, ownMatters: false });

    // The flow's roles editor offers the township's roles; one taken from there comes with its labels.
    const editor = page.getByTestId('roles-editor');
    await editor.getByLabel('新角色标识').fill('water_keeper');
    await editor.getByRole('button', { name: '添加角色' }).click();
    const added2 = editor.locator('.ed-role').last();
    expect(await added2.getByLabel('中文').inputValue()).toBe('管水员');
    expect(await added2.getByLabel('English').inputValue()).toBe('Water keeper');
    await page.close();
  });
});
