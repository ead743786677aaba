// The web app under its Content-Security-Policy, which forbids compiling code ('unsafe-eval'): the
// page refuses eval, and every form of every bundled flow still renders, refuses what is missing
// in the reader's words, and accepts a full filling — the data the browser accepts is what the
// server's Ajv accepts — while the flow designer validates each flow live; all with no policy
// violation reported (securitypolicyviolation events).
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { compileSchema } from '../../engine/forms.ts';
import type { Flow, JsonSchema } from '../../engine/types.ts';
import { browserSuite, fitCanvas, signIn } from './browser.ts';

const env = browserSuite();

type Schema = Record<string, unknown>;
const flows: Flow[] = readdirSync('flows')
  .filter((f) => f.endsWith('.flow.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(`flows/${f}`, 'utf8')) as Flow);

/** Records every CSP violation the page reports, from before its first script. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
  });
  return () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
}

/** Values for the patterns the bundled forms use (phone, ID number, code, anonymised name). */
const PATTERN_SAMPLES = ['13800138000', '110101199003071234', 'AB-1234', '张某', '2026-03-02'];

function choicesOf(s: Schema): unknown[] {
  return [...((s.oneOf ?? s.anyOf ?? []) as Schema[]).map((o) => o.const), ...((s.enum as unknown[]) ?? [])].filter((v) => v !== undefined);
}

/** A full, valid filling of a form (every field, not only the required ones). */
function sample(root: Schema, schema: Schema): unknown {
  const s = typeof schema.$ref === 'string' ? (schema.$ref.slice(2).split('/').reduce<unknown>((n, k) => (n as Schema)[k], root) as Schema) : schema;
  const choices = choicesOf(s);
  if (choices.length) return choices[0];
  switch (s.type) {
    case 'object':
      return Object.fromEntries(Object.entries((s.properties ?? {}) as Record<string, Schema>).map(([k, sub]) => [k, sample(root, sub)]));
    case 'array': {
      const items = s.items as Schema;
      const options = choicesOf(items);
      const n = Math.max(Number(s.minItems ?? 1), 1);
      return options.length ? options.slice(0, n) : Array.from({ length: n }, (_, i) => (items.type === 'string' && !items.format && !items.pattern ? `第${i + 1}项` : sample(root, items)));
    }
    case 'boolean':
      return true;
    case 'number':
    case 'integer': {
      const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : 1;
      return Math.max(min, Math.min(1, typeof s.maximum === 'number' ? s.maximum : 1));
    }
    default: {
      if (s.format === 'date') return '2026-03-02';
      if (s.format === 'date-time') return '2026-03-02T09:30';
      if (typeof s.pattern === 'string') return PATTERN_SAMPLES.find((v) => new RegExp(s.pattern as string, 'u').test(v));
      const min = Number(s.minLength ?? 1);
      return '村务'.repeat(Math.ceil(Math.max(min, 2) / 2)).slice(0, Math.max(min, 2, 1));
    }
  }
}

/** Fills one RJSF field (ids root_<key>_<key>…) as a person would. */
async function fill(form: Locator, id: string, root: Schema, schema: Schema, ui: Schema | undefined, value: unknown): Promise<void> {
  const s = typeof schema.$ref === 'string' ? (schema.$ref.slice(2).split('/').reduce<unknown>((n, k) => (n as Schema)[k], root) as Schema) : schema;
  const widget = ui?.['ui:widget'];
  const field = form.locator(`[id="${id}"]`);
  if (s.type === 'object') {
    for (const [k, v] of Object.entries(value as Schema)) await fill(form, `${id}_${k}`, root, (s.properties as Record<string, Schema>)[k]!, ui?.[k] as Schema | undefined, v);
    return;
  }
  if (s.type === 'array') {
    const items = s.items as Schema;
    const options = choicesOf(items);
    if (options.length) {
      for (const v of value as unknown[]) await form.locator(`[id="${id}-${options.indexOf(v)}"]`).check();
      return;
    }
    const list = value as unknown[];
    for (let i = 0; i < list.length; i++) {
      if ((await form.locator(`[id="${id}_${i}"], [id^="${id}_${i}_"]`).count()) === 0) await form.locator(`[id="${id}"] .btn-add`).last().click();
      await fill(form, `${id}_${i}`, root, items, ui?.items as Schema | undefined, list[i]);
    }
    return;
  }
  const options = choicesOf(s);
  if (options.length || (s.type === 'boolean' && widget === 'radio')) {
    const index = options.length ? options.indexOf(value) : value === true ? 0 : 1;
    if (widget === 'radio') await form.locator(`[id="${id}-${index}"]`).check();
    else await field.selectOption(String(index));
    return;
  }
  if (s.type === 'boolean') return value ? field.check() : field.uncheck();
  await field.fill(String(value));
}

describe('the app under a CSP without unsafe-eval', () => {
  it('sends the policy and the page refuses eval and Function', async () => {
    const page = await env.browser.newPage();
    const violations = await watchViolations(page);
    // The public board: the page anyone can open.
    const res = await page.goto(`${env.s.url}/board/dongping`);
    expect(res!.headers()['content-security-policy']).toMatch(/script-src 'self';/);
    await page.getByTestId('board').waitFor();
    // From a task of the page's own (a timer): code the test driver evaluates directly is let
    // through by DevTools whatever the policy says.
    await page.evaluate(() =>
      setTimeout(() => {
        const tries: Record<string, string> = {};
        for (const [name, run] of [
          ['eval', () => eval('1 + 1')],
          ['Function', () => new Function('return 1')()],
        ] as [string, () => unknown][]) {
          try {
            run();
            tries[name] = 'ran';
          } catch (e) {
            tries[name] = (e as Error).name;
          }
        }
        (window as unknown as { __tries: Record<string, string> }).__tries = tries;
      }, 0),
    );
    const tries = await page.waitForFunction(() => (window as unknown as { __tries?: Record<string, string> }).__tries);
    expect(await tries.jsonValue()).toEqual({ eval: 'EvalError', Function: 'EvalError' });
    // Each refusal is reported (the event comes in a task of its own).
    await page.waitForFunction(() => (window as unknown as { __violations: string[] }).__violations.length >= 2);
    const reported = await violations();
    expect(reported).toHaveLength(2);
    expect(reported.every((v) => v.startsWith('script-src eval'))).toBe(true);
    await page.close();
  });

  describe('every form of every bundled flow, filled and validated in the designer', () => {
    let page: Page;
    let violations: () => Promise<string[]>;
    let forms = 0;
    beforeAll(async () => {
      page = await env.browser.newPage({ viewport: { width: 1500, height: 1000 } });
      page.setDefaultTimeout(15_000);
      violations = await watchViolations(page);
      await signIn(page, env.s.url, 'qs.admin', DEMO_PASSWORD);
    });
    afterAll(() => page?.close());

    it.each(flows.map((flow) => [flow.id, flow] as const))('%s', async (_, flow) => {
      const admin = await env.s.as('qs.admin');
      const versions = await admin.flows.list.query({ flowId: flow.id });
      const version = versions.find((v) => v.status === 'published')!;
      await page.goto(`${env.s.url}/designer/edit/${version.id}`);
      await page.getByTestId('editor').waitFor();
      // The designer validated the flow live, in the browser (the precompiled flow schema and the
      // interpreted form schemas): a bundled flow has no issue.
      await page.getByTestId('no-issues').waitFor();
      // Steps are clicked by where they are drawn: the whole flow in view, the canvas settled.
      await fitCanvas(page);
      for (const [stateId, state] of Object.entries(flow.states)) {
        if (!state.form) continue;
        const schema = state.form.schema as Schema;
        const ui = (state.form.uiSchema ?? {}) as Schema;
        await page.locator(`[data-testid="editor-canvas"] .ed-node[data-state="${stateId}"] .fd-node-title`).click();
        // The inspector (and its form preview) now shows this step, not the one clicked before.
        await page.locator(`[data-testid="inspector-state"][data-state="${stateId}"]`).waitFor();
        const preview = page.locator(`[data-testid="inspector-state"][data-state="${stateId}"]`).getByTestId('form-preview');
        const form = preview.locator('form');
        await form.waitFor();
        const where = `${flow.id} ${stateId}`;

        // Nothing filled in: refused, each missing field named in Chinese, not in Ajv's English.
        await form.getByRole('button', { name: '提交', exact: true }).click();
        const errors = form.locator('.error-detail li');
        await errors.first().waitFor();
        const words = await errors.allTextContents();
        expect(words, where).toContain('请填写此项');
        expect(words.filter((w) => /must|should/.test(w)), where).toEqual([]);
        expect(await preview.getByRole('status').count(), where).toBe(0);

        // Every field filled: accepted, and the server's Ajv accepts the very data the browser did.
        const data = sample(schema, schema) as Schema;
        for (const [key, value] of Object.entries(data)) await fill(form, `root_${key}`, schema, (schema.properties as Record<string, Schema>)[key]!, ui[key] as Schema | undefined, value);
        await form.getByRole('button', { name: '提交', exact: true }).click();
        const status = preview.getByRole('status');
        await status.waitFor().catch(async (e: Error) => {
          throw new Error(`${where}: not accepted: ${(await form.locator('.error-detail li').allTextContents()).join('; ')} (${e.message})`);
        });
        const accepted = JSON.parse(await status.locator('pre').textContent() ?? '') as Schema;
        expect(Object.keys(accepted).sort(), where).toEqual(Object.keys(data).sort());
        const server = compileSchema(schema as JsonSchema);
        expect('validate' in server && server.validate(accepted), where).toEqual([]);
        forms++;
        await status.getByRole('button').click();
      }
    }, 120_000);

    it('filled every form, with no policy violation on the way', async () => {
      expect(forms).toBe(flows.reduce((n, f) => n + Object.values(f.states).filter((s) => s.form).length, 0));
      expect(forms).toBeGreaterThan(40);
      expect(await violations()).toEqual([]);
    });
  });
});
