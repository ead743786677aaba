// Helpers for walking one matter through the web app as the people who handle it: each visit is a
// fresh browser context signed in through the login form, its clock set to the server's (so "已等待
// 3 天" reads as it would that day), and the waits are on what the page shows.
import { beforeEach, expect } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { TestServer } from '../server/harness.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { signIn } from './browser.ts';

/**
 * For a story told in order, each test going on from where the one before left it (call it in the
 * story's describe): once one fails, the rest are skipped, naming it, instead of each timing out.
 */
export function inOrder(): void {
  let broken = '';
  beforeEach((ctx) => {
    if (broken) ctx.skip(`an earlier step failed: ${broken}`);
    ctx.onTestFailed(() => {
      broken = ctx.task.name;
    });
  });
}

export interface Visit {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A new browser context whose clock reads the server's time; signed in when a user is given. */
export async function visit(browser: Browser, s: TestServer, username?: string, viewport = { width: 1280, height: 900 }): Promise<Visit> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  await context.clock.setFixedTime(s.clock());
  const page = await context.newPage();
  // Fail with the locator's name rather than the test's timeout.
  page.setDefaultTimeout(10_000);
  if (username) await signIn(page, s.url, username, DEMO_PASSWORD);
  return { context, page, close: () => context.close() };
}

/** Moves the server clock (China time written with its offset) and delivers the timers now due. */
export async function at(s: TestServer, time: string): Promise<void> {
  s.clock.set(time);
  await s.scheduler.tick();
}

/** Waits until the instance page shows the given state. */
export async function inState(page: Page, state: string): Promise<void> {
  await page.locator(`[data-testid="instance"][data-state="${state}"]`).waitFor();
}

/** The current step as a person reads it: the step heading, and the diagram's highlighted node. */
export async function expectStep(page: Page, state: string, title: string): Promise<void> {
  await inState(page, state);
  expect(await page.locator('#step-title').textContent()).toContain(title);
  const current = page.getByTestId('diagram').locator('.fd-node[data-current="true"]');
  await current.waitFor();
  expect(await current.getAttribute('data-state')).toBe(state);
}

/** The inbox card of a matter, by its title. */
export function inboxEntry(page: Page, title: string): Locator {
  return page.getByTestId('inbox').locator('li').filter({ has: page.getByRole('link', { name: title, exact: true }) });
}

/** Opens a matter from the inbox, as a person would: the card's link. */
export async function openFromInbox(page: Page, title: string, stepTitle: string): Promise<void> {
  await page.getByRole('heading', { name: '我的待办' }).waitFor();
  const entry = inboxEntry(page, title);
  await entry.waitFor();
  expect(await entry.getByTestId('task-state').textContent()).toBe(stepTitle);
  await entry.getByRole('link', { name: title, exact: true }).click();
  await page.getByTestId('instance').waitFor();
}

/** Switches the language with the header's 语言 select and waits for a heading in it. */
export async function language(page: Page, lang: 'zh' | 'en', heading: string | RegExp): Promise<void> {
  await page.getByLabel(/语言|Language/).selectOption(lang);
  await page.getByRole('heading', { name: heading }).first().waitFor();
}

export interface MeetingCounts {
  members: number;
  eligible: number;
  recused: number;
  present: number;
  for: number;
  against: number;
  abstain: number;
}

/** Types a meeting's numbers into the clerk's record, field by field as labelled. */
export async function fillMeeting(form: Locator, c: MeetingCounts): Promise<void> {
  // On a matter the body's numbers come from its roster, shown read-only: they must be the meeting's.
  await form.getByLabel('回避').fill(String(c.recused));
  for (const [label, n] of [['组成人员（应到）', c.members], ['有表决权人数', c.eligible]] as const) {
    const field = form.getByLabel(label);
    if (await field.isEditable()) await field.fill(String(n));
    else expect(await field.inputValue()).toBe(String(n));
  }
  await form.getByLabel('实到人数').fill(String(c.present));
  await form.getByLabel('赞成', { exact: true }).fill(String(c.for));
  await form.getByLabel('反对', { exact: true }).fill(String(c.against));
  await form.getByLabel('弃权', { exact: true }).fill(String(c.abstain));
}
