// Script injection reaches the web app only as text: a matter whose title and proposal carry HTML
// and script is shown on the list, the step page, the audit page and the public board
// with the characters as typed, no element made from them and no dialog opened. (The CSP would
// stop an inline handler from running anyway, so the check is for injected elements, not alerts.)
// A published flow whose own titles carry HTML is shown as text on the step page and in the designer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { browserSuite, shot, signIn } from '../e2e/browser.ts';
import { clientFor, type Client } from '../server/harness.ts';
import { FIVE, MINI, MINI_ADD_ROLES, PROPOSAL, ROOT, TWO_COMMITTEES_MEETING } from './fixtures.ts';

const env = browserSuite();

const TITLE = '<img src=x data-xss=title onerror=alert(1)>南湾：路灯';
const SUBJECT = '<svg data-xss=subject onload=alert(2)>';
const CONTENT = '<script data-xss=content>alert(3)</script>"><b data-xss=bold>粗</b>';
const GOLDEN = JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', `${FIVE}.happy-path.run.json`), 'utf8')) as { events: { type: string; payload: Record<string, unknown> }[] };

async function as(username: string): Promise<Client> {
  const { client } = clientFor(env.s.url);
  await client.auth.login.mutate({ username, password: DEMO_PASSWORD });
  return client;
}

/** Drives a new 五议两公开 matter in nanwan to its resolution disclosure (on the public board). */
async function hostileMatter(): Promise<string> {
  const secretary = await as('nanwan.secretary');
  const clerk = await as('nanwan.clerk');
  const { id } = await secretary.instances.start.mutate({ villageId: 'nanwan', flowId: FIVE, title: TITLE });
  let seq = 1;
  const send = async (c: Client, type: string, payload: Record<string, unknown>) => (seq = (await c.instances.send.mutate({ id, seq, type, payload })).seq);
  await send(secretary, 'SUBMIT', { ...PROPOSAL, subject: SUBJECT, content: CONTENT });
  await send(clerk, 'RECORD_VOTE', { ...TWO_COMMITTEES_MEETING, notes: CONTENT });
  for (let n = 1; n <= 9; n++) await send(await as(`nanwan.party${n}`), 'CAST_BALLOT', { choice: 'for' });
  await send(clerk, 'CLOSE_VOTE', {});
  await send(clerk, 'RECORD_VOTE', GOLDEN.events[12]!.payload);
  await send(await as('qs.reviewer'), 'APPROVE', { opinion: CONTENT });
  expect((await secretary.instances.get.query({ id })).instance.state).toBe('resolution_disclosure');
  return id;
}

async function expectInert(page: Page, name: string): Promise<void> {
  expect(await page.locator('[data-xss]').count(), `${name}: an element was made from user text`).toBe(0);
  expect(await page.evaluate(() => document.querySelectorAll('script:not([src])').length), `${name}: inline script`).toBe(0);
  await shot(page, `escaping-${name}`);
}

describe('injected HTML and script render as text', () => {
  it('on the list, the step page, the audit page and the public board', async () => {
    const id = await hostileMatter();
    const dialogs: string[] = [];
    const watch = (page: Page) => page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));

    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch(page);
    await signIn(page, env.s.url, 'nanwan.secretary', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/instances`);
    await page.getByText(TITLE, { exact: true }).first().waitFor();
    await expectInert(page, 'list');

    await page.goto(`${env.s.url}/instances/${id}`);
    await page.getByText(TITLE, { exact: true }).first().waitFor();
    await page.getByText(SUBJECT, { exact: true }).first().waitFor();
    await expectInert(page, 'instance');

    const auditor = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch(auditor);
    await signIn(auditor, env.s.url, 'qs.auditor', DEMO_PASSWORD);
    await auditor.goto(`${env.s.url}/audit/${id}`);
    await auditor.getByText(/链条完整/).waitFor();
    await expectInert(auditor, 'audit');

    const villager = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch(villager);
    await villager.goto(`${env.s.url}/board/nanwan`);
    await villager.getByText(SUBJECT, { exact: false }).first().waitFor();
    await villager.getByText(CONTENT, { exact: true }).first().waitFor();
    await expectInert(villager, 'board');

    expect(dialogs).toEqual([]);
  });
});

describe('a flow definition carrying HTML', () => {
  it('shows its flow, step and field titles as text on the step page and in the designer', async () => {
    const FLOW_TITLE = '<img src=x data-xss=flow onerror=alert(4)>流程';
    const STEP_TITLE = '<b data-xss=step>起草</b>';
    const FIELD_TITLE = '<i data-xss=field>事项</i>';
    const flow = structuredClone(MINI) as typeof MINI & { title: { zh: string } };
    flow.id = 'xss-flow';
    flow.title.zh = FLOW_TITLE;
    flow.states.draft.title.zh = STEP_TITLE;
    flow.states.draft.form.schema.properties.subject.title = FIELD_TITLE;
    const admin = await as('qs.admin');
    const saved = await admin.flows.saveDraft.mutate({ json: JSON.stringify(flow) });
    expect(saved.issues).toEqual([]);
    await admin.flows.publish.mutate({ id: saved.version.id, addRoles: MINI_ADD_ROLES });
    await admin.flows.setVillages.mutate({ flowId: 'xss-flow', villageIds: ['nanwan'] });
    const { id } = await (await as('nanwan.clerk')).instances.start.mutate({ villageId: 'nanwan', flowId: 'xss-flow' });

    const dialogs: string[] = [];
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    await signIn(page, env.s.url, 'nanwan.clerk', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/instances/${id}`);
    await page.getByText(STEP_TITLE, { exact: true }).first().waitFor();
    await page.getByText(FIELD_TITLE, { exact: false }).first().waitFor();
    await expectInert(page, 'flow-step');

    const designer = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    designer.on('dialog', (d) => void (dialogs.push(d.message()), d.dismiss()));
    await signIn(designer, env.s.url, 'qs.admin', DEMO_PASSWORD);
    await designer.goto(`${env.s.url}/designer/edit/${saved.version.id}`);
    await designer.getByText(STEP_TITLE, { exact: true }).first().waitFor();
    await expectInert(designer, 'flow-designer');
    expect(dialogs).toEqual([]);
  });
});
