// The flow diagram on a step's page, in a real browser: every state drawn, the current one
// marked, the steps passed ticked, nothing in the drawing takes keyboard focus; Chinese, English,
// high contrast, and the plain list on a phone-sized screen.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { readFlowJson } from '../helpers.ts';
import { shot, shotOf, signIn, browserSuite, settleDiagram } from './browser.ts';

const flow = readFlowJson('flows/five-deliberations-two-disclosures.flow.json') as { states: Record<string, { title: { zh: string; en: string } }> };
const states = Object.entries(flow.states);

const env = browserSuite();

async function openStep(page: Page): Promise<void> {
  await page.goto(`${env.s.url}/instances/demo-xiling-square`);
  await page.getByTestId('instance').waitFor();
}

/** Waits until the diagram has drawn every node and every edge label. */
async function drawn(page: Page) {
  const diagram = page.getByTestId('diagram');
  await diagram.locator('.react-flow__node').nth(states.length - 1).waitFor();
  await diagram.locator('.fd-label').first().waitFor();
  // Edges appear once xyflow has measured the nodes.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="diagram"] .react-flow__edge path.fd-edge').length > 0);
  return diagram;
}

async function checkStates(page: Page, lang: 'zh' | 'en'): Promise<void> {
  const diagram = await drawn(page);
  expect(await diagram.locator('.react-flow__node').count()).toBe(states.length);
  for (const [id, st] of states) {
    const node = diagram.locator(`.fd-node[data-state="${id}"]`);
    expect(await node.locator('.fd-node-title').textContent(), id).toBe(st.title[lang]);
    expect(await node.isVisible(), id).toBe(true);
  }
  // The current step, and only it, is marked, in the drawing and in the list for screen readers.
  const current = diagram.locator('.fd-node[data-current="true"]');
  expect(await current.count()).toBe(1);
  expect(await current.getAttribute('data-state')).toBe('township_review');
  expect(await current.locator('.fd-node-title').textContent()).toBe(flow.states.township_review!.title[lang]);
  const listed = diagram.locator('ol li[aria-current="step"]');
  expect(await listed.count()).toBe(1);
  expect(await listed.textContent()).toContain(flow.states.township_review!.title[lang]);
  // Steps before it are ticked as passed.
  for (const id of ['proposal', 'two_committees', 'party_members_meeting', 'representatives_meeting']) {
    expect(await diagram.locator(`.fd-node[data-state="${id}"]`).getAttribute('data-visited'), id).toBe('true');
  }
  expect(await diagram.locator('.fd-node[data-state="adopted"]').getAttribute('data-visited')).toBeNull();
  // The transitions taken are drawn as taken; a state repeated in the history (ballots) is no loop.
  expect(await diagram.locator('[data-testid="rf__edge-proposal#SUBMIT#0"] path.fd-edge.is-traversed').count()).toBe(1);
  expect(await diagram.locator('[data-testid="rf__edge-party_members_meeting#VOTE.NO_QUORUM#0"] path.fd-edge.is-traversed').count()).toBe(0);
  expect(await diagram.locator('[data-testid="rf__edge-township_review#APPROVE#0"] path.fd-edge.is-next').count()).toBe(1);
  // The current node is on screen in the first view.
  const box = await current.boundingBox();
  const canvas = await diagram.locator('.fd-canvas').boundingBox();
  expect(box && canvas).toBeTruthy();
  expect(box!.x).toBeGreaterThanOrEqual(canvas!.x);
  expect(box!.x + box!.width).toBeLessThanOrEqual(canvas!.x + canvas!.width);
  expect(box!.y).toBeGreaterThanOrEqual(canvas!.y);
  expect(box!.y + box!.height).toBeLessThanOrEqual(canvas!.y + canvas!.height);
}

describe('flow diagram on the step page', () => {
  it('shows every state, marks the current one, in Chinese then English', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, env.s.url, 'xiling.secretary', DEMO_PASSWORD);
    await openStep(page);
    await checkStates(page, 'zh');
    const diagram = page.getByTestId('diagram');
    expect(await diagram.getAttribute('aria-label')).toContain('乡镇审核');
    // Edge labels are words, not event names.
    const labels = await diagram.locator('.fd-label-event').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['通过', '未通过', '未达法定人数', '公示期满', '同意', '退回', '不同意', '异议', '提交', '撤回']));
    expect(labels.filter((l) => /[A-Z_.]{4,}/.test(l))).toEqual([]);
    await shot(page, 'step-diagram-zh');
    await shotOf(diagram, 'step-diagram-zh-detail');

    // The whole flow on demand.
    await diagram.getByRole('button', { name: '显示全图' }).click();
    await settleDiagram(page);
    await shotOf(diagram, 'step-diagram-zh-whole');

    await page.getByLabel(/语言|Language/).selectOption('en');
    await diagram.locator('.fd-node-title', { hasText: 'Township review' }).waitFor();
    await checkStates(page, 'en');
    const en = await diagram.locator('.fd-label-event').allTextContents();
    expect(en).toEqual(expect.arrayContaining(['passed', 'not passed', 'no quorum', 'notice period over', 'approve', 'return', 'reject']));
    await shot(page, 'step-diagram-en');
    await shotOf(diagram, 'step-diagram-en-detail');
    await page.getByLabel(/语言|Language/).selectOption('zh');
    await page.close();
  });

  it('keeps keyboard focus out of the drawing and lets it pass through', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, env.s.url, 'xiling.secretary', DEMO_PASSWORD);
    await openStep(page);
    const diagram = await drawn(page);
    // Nothing inside the drawing is focusable; the drawing is hidden from screen readers, the list is not.
    const focusable = await diagram.locator('.fd-graph').evaluate((el) => el.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])').length);
    expect(focusable).toBe(0);
    expect(await diagram.locator('.fd-graph').getAttribute('aria-hidden')).toBe('true');
    expect(await diagram.locator('ol[aria-label] > li').count()).toBe(states.length);
    // Tabbing goes through the zoom buttons and out the other side.
    const buttons = diagram.locator('.fd-controls button');
    expect(await buttons.count()).toBe(4);
    await buttons.first().focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    const outside = await page.evaluate(() => !document.querySelector('[data-testid="diagram"]')!.contains(document.activeElement));
    expect(outside).toBe(true);
    await page.close();
  });

  it('is readable in high-contrast mode', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, env.s.url, 'xiling.secretary', DEMO_PASSWORD);
    await page.evaluate(() => localStorage.setItem('villageflow.prefs', JSON.stringify({ lang: 'zh', largeText: false, highContrast: true })));
    await openStep(page);
    const diagram = await drawn(page);
    const current = diagram.locator('.fd-node[data-current="true"]');
    const colours = await current.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]);
    expect(colours).toEqual(['rgb(0, 0, 0)', 'rgb(255, 255, 255)']);
    await shotOf(diagram, 'step-diagram-contrast');
    await page.evaluate(() => localStorage.removeItem('villageflow.prefs'));
    await page.close();
  });

  it('shows a finished matter ending in its final state', async () => {
    const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, env.s.url, 'xiling.secretary', DEMO_PASSWORD);
    await page.goto(`${env.s.url}/instances/demo-xiling-forest`);
    await page.getByTestId('instance').waitFor();
    const diagram = await drawn(page);
    expect(await diagram.locator('.fd-node[data-current="true"]').getAttribute('data-state')).toBe('rejected');
    await shotOf(diagram, 'step-diagram-done');
    await page.close();
  });

  it('falls back to the list of steps on a narrow screen', async () => {
    const page = await env.browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(page, env.s.url, 'xiling.secretary', DEMO_PASSWORD);
    await openStep(page);
    const list = page.getByTestId('progress');
    await list.waitFor();
    expect(await page.getByTestId('diagram').count()).toBe(0);
    expect(await list.locator('li').count()).toBe(states.length);
    expect(await list.locator('li[aria-current="step"]').textContent()).toBe('乡镇审核');
    await shot(page, 'step-diagram-narrow');
    await page.close();
  });
});
