// The form designer's field model: every bundled form reads into fields and writes back as the
// same form (and the golden runs' submitted data stays valid), fields written and read back are
// the same fields, conditions are JSON Schema RJSF resolves, and the editing helpers keep a form
// sound.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import validator from '@rjsf/validator-ajv8';
import { getDefaultFormState, retrieveSchema, type RJSFSchema } from '@rjsf/utils';
import { compileSchema } from '../../engine/forms.ts';
import { localizeSchema } from '../../engine/localize.ts';
import { compileFlow, simulate, type Flow, type FlowEvent } from '../../engine/index.ts';
import {
  COLUMN_TYPES,
  conditionSources,
  FIELD_TYPES,
  fromForm,
  formHead,
  modelIssues,
  moveItem,
  newField,
  removeField,
  renameField,
  toForm,
  withType,
  withYesNoDisplay,
  YES_NO_UI,
  type Field,
  type FieldType,
} from '../../designer/editor/formModel.ts';
import { FORM_DEFAULTS } from '../../designer/forms/FormView.tsx';
import { readFlowJson } from '../helpers.ts';

const FLOWS = readdirSync(new URL('../../flows/', import.meta.url))
  .filter((f) => f.endsWith('.flow.json'))
  .map((f) => f.replace(/\.flow\.json$/, ''));
const flows = Object.fromEntries(FLOWS.map((id) => [id, readFlowJson(`flows/${id}.flow.json`) as unknown as Flow]));
const forms = FLOWS.flatMap((id) =>
  Object.entries(flows[id]!.states)
    .filter(([, s]) => s.form)
    .map(([state, s]) => ({ flow: id, state, form: s.form! })),
);

function rewrite(schema: unknown, uiSchema: unknown) {
  return toForm(fromForm(schema, uiSchema), formHead(schema, uiSchema));
}
function validate(schema: unknown, value: unknown) {
  const c = compileSchema(schema as Record<string, unknown>);
  if (!('validate' in c)) throw new Error(c.problem);
  return c.validate(value);
}
/** Which fields a value is wrong at (the wording may differ between equivalent schemas). */
const wrongAt = (schema: unknown, value: unknown) => [...new Set(validate(schema, value).map((i) => i.pointer))].sort();

/** Every SUBMIT of every golden run, with the state (and so the form) it was submitted in. */
function goldenSubmits(): { flow: string; state: string; payload: Record<string, unknown> }[] {
  const out: { flow: string; state: string; payload: Record<string, unknown> }[] = [];
  for (const file of readdirSync(new URL('../../flows/runs/', import.meta.url))) {
    const run = readFlowJson(`flows/runs/${file}`) as unknown as { flow: string; events: FlowEvent[] };
    const id = run.flow.replace(/\.flow\.json$/, '');
    const steps = simulate(compileFlow(flows[id]), run.events);
    run.events.forEach((e, i) => {
      if (e.type === 'SUBMIT') out.push({ flow: id, state: steps[i - 1]!.snapshot.state, payload: e.payload ?? {} });
    });
  }
  return out;
}

describe('bundled forms', () => {
  it('are found (every flow, every form)', () => {
    expect(FLOWS).toContain('five-deliberations-two-disclosures');
    expect(forms.length).toBeGreaterThanOrEqual(10);
  });

  it.each(forms.map((f) => [`${f.flow} ${f.state}`, f] as const))('%s reads and writes back unchanged', (_, { form }) => {
    const again = rewrite(form.schema, form.uiSchema);
    expect(again.schema).toEqual(form.schema);
    expect(again.uiSchema).toEqual(form.uiSchema);
  });

  it('keeps every golden run submission valid, and the same invalid data invalid', () => {
    const submits = goldenSubmits();
    expect(submits.length).toBeGreaterThanOrEqual(12);
    for (const s of submits) {
      const form = flows[s.flow]!.states[s.state]!.form!;
      const again = rewrite(form.schema, form.uiSchema);
      expect(validate(form.schema, s.payload), `${s.flow} ${s.state}`).toEqual([]);
      expect(validate(again.schema, s.payload), `${s.flow} ${s.state}`).toEqual([]);
      // A broken copy is refused by both, for the same reason.
      const broken = { ...s.payload, [Object.keys(s.payload)[0]!]: 12345678901234567890 };
      expect(wrongAt(again.schema, broken)).toEqual(wrongAt(form.schema, broken));
    }
  });

  it('reads the proposal as the designer shows it: types, money without its unit, help, bounds', () => {
    const form = flows['five-deliberations-two-disclosures']!.states.proposal!.form!;
    const byKey = Object.fromEntries(fromForm(form.schema, form.uiSchema).map((f) => [f.key, f]));
    expect(byKey.source).toMatchObject({ type: 'choice', display: 'select', required: true, label: { zh: '动议来源', en: 'Source of the motion' } });
    expect(byKey.source!.options![0]).toEqual({ value: 'suggestion', label: { zh: '党员或村民建议', en: 'Suggestion from Party members or villagers' } });
    expect(byKey.subject).toMatchObject({ type: 'text', min: 1, max: 100, placeholder: '如：修建村东组通组道路', ui: { 'ui:autofocus': true } });
    expect(byKey.content).toMatchObject({ type: 'longText', rows: 6 });
    expect(byKey.budget).toMatchObject({ type: 'money', label: { zh: '预算金额', en: 'Budget' }, help: { zh: '不涉及资金的事项填 0', en: 'Enter 0 when no money is involved' } });
    expect(byKey.budget!.min).toBeUndefined();
    expect(byKey.branch_meeting_date).toMatchObject({ type: 'date' });
    expect(formHead(form.schema, form.uiSchema)).toEqual({ title: { zh: '党支部提议表', en: 'Party branch proposal' } });
  });
});

// ---- fields → form → fields -------------------------------------------------------------------

const every: Field[] = [
  { key: 'name', type: 'text', label: { zh: '姓名', en: 'Name' }, help: { zh: '身份证上的姓名', en: 'As on the ID card' }, required: true, min: 1, max: 20, placeholder: '张三' },
  { key: 'story', type: 'longText', label: { zh: '情况说明' }, required: false, rows: 5 },
  { key: 'people', type: 'number', label: { zh: '人数', en: 'People' }, required: true, min: 1, max: 99, integer: true },
  { key: 'amount', type: 'money', label: { zh: '申请金额', en: 'Amount' }, required: true, max: 50000 },
  { key: 'day', type: 'date', label: { zh: '日期', en: 'Date' }, required: false },
  {
    key: 'kind',
    type: 'choice',
    label: { zh: '类型', en: 'Kind' },
    required: true,
    display: 'radio',
    options: [
      { value: 'repair', label: { zh: '修缮', en: 'Repair' } },
      { value: 'new', label: { zh: '新建', en: 'New building' } },
    ],
  },
  { key: 'reason', type: 'longText', label: { zh: '新建理由', en: 'Why build anew' }, required: true, rows: 3, condition: { field: 'kind', equals: 'new' } },
  {
    key: 'needs',
    type: 'multiChoice',
    label: { zh: '需要', en: 'Needs' },
    required: false,
    min: 1,
    options: [
      { value: 'water', label: { zh: '水' } },
      { value: 'power', label: { zh: '电', en: 'Power' } },
    ],
  },
  { key: 'generator', type: 'yesNo', label: { zh: '需要发电机', en: 'Generator needed' }, required: false, display: 'checkbox', condition: { field: 'needs', equals: 'power' } },
  { key: 'poor', type: 'yesNo', label: { zh: '是否脱贫户', en: 'Formerly poor household' }, required: true, display: 'radio', ui: YES_NO_UI },
  { key: 'proof', type: 'attachment', label: { zh: '证明材料', en: 'Proof' }, required: false },
  { key: 'site', type: 'photo', label: { zh: '现场照片', en: 'Site photo' }, required: true, condition: { field: 'poor', equals: true } },
  {
    key: 'items',
    type: 'table',
    label: { zh: '物资清单', en: 'Materials' },
    required: true,
    min: 1,
    max: 50,
    columns: [
      { key: 'thing', type: 'text', label: { zh: '名称', en: 'Item' }, required: true },
      { key: 'count', type: 'number', label: { zh: '数量', en: 'Count' }, required: true, min: 0 },
      { key: 'price', type: 'money', label: { zh: '单价' }, required: false },
      { key: 'used', type: 'yesNo', label: { zh: '旧料', en: 'Reused' }, required: false, display: 'radio', ui: YES_NO_UI },
    ],
  },
  { key: 'raw', type: 'custom', label: { zh: '邮箱' }, required: false, schema: { type: 'string', format: 'email', title: '邮箱' } },
];

describe('toForm / fromForm', () => {
  it('writes what a village user sees: Chinese titles, English beside, order, widgets', () => {
    const { schema, uiSchema } = toForm(every, { title: { zh: '申请', en: 'Application' } });
    const props = schema.properties as Record<string, Record<string, unknown>>;
    expect(schema).toMatchObject({ type: 'object', title: '申请', 'x-en': { title: 'Application' } });
    expect(schema.required).toEqual(['name', 'people', 'amount', 'kind', 'poor', 'items']);
    expect(props.name).toEqual({ type: 'string', title: '姓名', description: '身份证上的姓名', 'x-en': { title: 'Name', description: 'As on the ID card' }, minLength: 1, maxLength: 20 });
    expect(props.amount).toEqual({ type: 'number', minimum: 0, maximum: 50000, title: '申请金额（元）', 'x-en': { title: 'Amount (yuan)' } });
    expect(props.kind!.oneOf).toEqual([
      { const: 'repair', title: '修缮', 'x-en': { title: 'Repair' } },
      { const: 'new', title: '新建', 'x-en': { title: 'New building' } },
    ]);
    expect(props.needs).toMatchObject({ type: 'array', uniqueItems: true, minItems: 1, items: { type: 'string' } });
    expect(props.poor).toEqual({ type: 'boolean', title: '是否脱贫户', 'x-en': { title: 'Formerly poor household' } });
    expect(uiSchema.poor).toEqual({ 'ui:widget': 'radio', ...YES_NO_UI });
    expect(props.reason).toBeUndefined();
    expect(uiSchema['ui:order']).toEqual(every.map((f) => f.key));
    expect(uiSchema.story).toEqual({ 'ui:widget': 'textarea', 'ui:options': { rows: 5 } });
    expect(uiSchema.kind).toEqual({ 'ui:widget': 'radio' });
    expect(uiSchema.needs).toEqual({ 'ui:widget': 'checkboxes' });
    expect(uiSchema.site).toEqual({ 'ui:widget': 'file', 'ui:options': { accept: 'image/*' } });
    expect(uiSchema.name).toEqual({ 'ui:placeholder': '张三' });
    expect(((uiSchema.items as Record<string, unknown>).items as Record<string, unknown>)['ui:order']).toEqual(['thing', 'count', 'price', 'used']);
    expect(schema.allOf).toEqual([
      { if: { properties: { kind: { const: 'new' } }, required: ['kind'] }, then: { properties: { reason: expect.any(Object) }, required: ['reason'] } },
      { if: { properties: { needs: { contains: { const: 'power' } } }, required: ['needs'] }, then: { properties: { generator: expect.any(Object) } } },
      { if: { properties: { poor: { const: true } }, required: ['poor'] }, then: { properties: { site: expect.any(Object) }, required: ['site'] } },
    ]);
  });

  it('reads back the same fields', () => {
    const head = { title: { zh: '申请', en: 'Application' }, help: { zh: '一户一表' } };
    const { schema, uiSchema } = toForm(every, head);
    expect(fromForm(schema, uiSchema)).toEqual(every);
    expect(formHead(schema, uiSchema)).toEqual(head);
    const json = JSON.parse(JSON.stringify({ schema, uiSchema }));
    expect(fromForm(json.schema, json.uiSchema)).toEqual(every);
  });

  it('reads back the same fields for any designer-made form (property)', () => {
    const text = fc.record({ zh: fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !s.endsWith('（元）')), en: fc.option(fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !s.endsWith(' (yuan)')), { nil: undefined }) }).map(
      (t) => (t.en === undefined ? { zh: t.zh } : t),
    );
    const options = fc.uniqueArray(fc.record({ value: fc.stringMatching(/^[a-z]{1,5}$/), label: text }), { minLength: 1, maxLength: 4, selector: (o) => o.value });
    const fieldOfType = (type: FieldType, key: string, columns: boolean) =>
      fc.record({ label: text, help: fc.option(text, { nil: undefined }), required: fc.boolean(), options, min: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }), max: fc.option(fc.integer({ min: 5, max: 100 }), { nil: undefined }), placeholder: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }), radio: fc.boolean(), rows: fc.integer({ min: 2, max: 9 }), integer: fc.boolean() }).map((r) => {
        const f: Field = { key, type, label: r.label, required: r.required };
        if (r.help) f.help = r.help;
        if (type === 'choice' || type === 'multiChoice') f.options = r.options;
        if (type === 'choice') f.display = r.radio ? 'radio' : 'select';
        if (type === 'yesNo') f.display = r.radio ? 'radio' : 'checkbox';
        if (type === 'yesNo' && r.radio && r.integer) f.ui = YES_NO_UI;
        if (['text', 'longText', 'number', 'money', 'multiChoice', 'table'].includes(type)) {
          if (r.min !== undefined) f.min = r.min;
          if (r.max !== undefined) f.max = r.max;
        }
        if (['text', 'longText', 'number', 'money'].includes(type) && r.placeholder !== undefined) f.placeholder = r.placeholder;
        if (type === 'longText') f.rows = r.rows;
        if (type === 'number' && r.integer) f.integer = true;
        if (type === 'table') f.columns = columns ? [{ key: 'c1', type: 'text', label: { zh: '列' }, required: true }, { key: 'c2', type: 'money', label: r.label, required: r.required }] : [];
        return f;
      });
    const types = FIELD_TYPES.filter((t) => t !== 'custom');
    const fields = fc.array(fc.constantFrom(...types), { minLength: 1, maxLength: 8 }).chain((ts) => fc.tuple(...ts.map((t, i) => fieldOfType(t, `f${i}`, true))));
    fc.assert(
      fc.property(fields, fc.nat(), (list, seed) => {
        // Hang a condition on the first field that can carry one, when an earlier field has values.
        const withCondition = list.map((f, i) => {
          if (i === 0 || seed % 3 === 0) return f;
          const sources = conditionSources(list, i);
          const on = sources[seed % Math.max(1, sources.length)];
          if (!on) return f;
          const value = on.type === 'yesNo' ? seed % 2 === 0 : on.options![0]!.value;
          return { ...f, condition: { field: on.key, equals: value } };
        });
        const { schema, uiSchema } = toForm(withCondition);
        expect(fromForm(schema, uiSchema)).toEqual(withCondition);
        expect('validate' in compileSchema(schema)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps what it does not edit: unknown keywords, ui entries, hand-written allOf', () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      required: ['code'],
      properties: {
        code: { type: 'string', title: '编号', pattern: '^[A-Z]+$', 'x-en': { title: 'Code', note: 'kept' } },
        ok: { type: 'boolean', title: '同意' },
        tags: { type: 'array', items: { type: 'number' }, title: '标签' },
      },
      allOf: [{ not: { required: ['x'] } }],
    };
    const uiSchema = { 'ui:submitButtonOptions': { norender: true }, code: { 'ui:help': '大写字母', 'ui:options': { label: true } }, tags: { 'ui:options': { orderable: false } } };
    const fields = fromForm(schema, uiSchema);
    expect(fields.map((f) => f.type)).toEqual(['text', 'yesNo', 'custom']);
    const again = toForm(fields, formHead(schema, uiSchema));
    expect(again.schema.additionalProperties).toBe(false);
    expect((again.schema.properties as Record<string, unknown>).code).toEqual(schema.properties.code);
    expect((again.schema.properties as Record<string, unknown>).tags).toEqual(schema.properties.tags);
    expect(again.schema.allOf).toEqual(schema.allOf);
    expect(again.uiSchema).toMatchObject(uiSchema);
    // A plain boolean stays a tick box; the same data is valid and invalid as before.
    expect(fields[1]).toMatchObject({ type: 'yesNo', display: 'checkbox' });
    expect((again.schema.properties as Record<string, unknown>).ok).toEqual(schema.properties.ok);
    for (const value of [{ code: 'AB', ok: true }, { code: 'ab' }, { ok: 'yes' }]) expect(wrongAt(again.schema, value)).toEqual(wrongAt(schema, value));
  });

  it('reads enum choices and a then with several fields', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string', enum: ['x', 'y'] } },
      allOf: [{ if: { properties: { a: { const: 'x' } }, required: ['a'] }, then: { properties: { b: { type: 'string' }, c: { type: 'number' } }, required: ['c'] } }],
    };
    const fields = fromForm(schema, {});
    expect(fields).toEqual([
      { key: 'a', type: 'choice', label: { zh: '' }, required: false, display: 'select', options: [{ value: 'x', label: { zh: 'x' } }, { value: 'y', label: { zh: 'y' } }] },
      { key: 'b', type: 'text', label: { zh: '' }, required: false, condition: { field: 'a', equals: 'x' } },
      { key: 'c', type: 'number', label: { zh: '' }, required: true, condition: { field: 'a', equals: 'x' } },
    ]);
    const again = toForm(fields).schema;
    for (const value of [{ a: 'x', c: 1 }, { a: 'x' }, { a: 'y' }, { a: 'z' }]) expect(wrongAt(again, value)).toEqual(wrongAt(schema, value));
  });
});

describe('what RJSF and the engine make of it', () => {
  const { schema } = toForm(every);

  it('shows a conditional field only while its condition holds', () => {
    const shown = (data: Record<string, unknown>) => Object.keys((retrieveSchema(validator, schema as RJSFSchema, schema as RJSFSchema, data).properties ?? {}) as object);
    expect(shown({})).not.toContain('reason');
    expect(shown({ kind: 'repair' })).not.toContain('reason');
    expect(shown({ kind: 'new' })).toContain('reason');
    expect(shown({ needs: ['water', 'power'] })).toContain('generator');
    expect(shown({ needs: ['water'] })).not.toContain('generator');
    expect(shown({ poor: true })).toContain('site');
    expect(shown({ poor: false })).not.toContain('site');
  });

  it('requires a conditional field only while it shows; checks references, amounts and tables', () => {
    const ref = `sha256:${'a'.repeat(64)}:现场.jpg`;
    const base = { name: '王五', people: 3, amount: 1200.5, kind: 'repair', poor: false, items: [{ thing: '水泥', count: 10 }] };
    expect(validate(schema, base)).toEqual([]);
    expect(validate(schema, { ...base, kind: 'new' }).map((i) => i.pointer)).toEqual(['/reason']);
    expect(validate(schema, { ...base, kind: 'new', reason: '旧房已拆' })).toEqual([]);
    expect(validate(schema, { ...base, poor: true }).map((i) => i.pointer)).toEqual(['/site']);
    expect(validate(schema, { ...base, poor: true, site: ref })).toEqual([]);
    expect(validate(schema, { ...base, proof: 'data:image/png;base64,AAAA' }).map((i) => i.pointer)).toEqual(['/proof']);
    expect(validate(schema, { ...base, amount: -1 }).map((i) => i.pointer)).toEqual(['/amount']);
    expect(validate(schema, { ...base, people: 2.5 }).map((i) => i.pointer)).toEqual(['/people']);
    expect(validate(schema, { ...base, items: [] }).map((i) => i.pointer)).toEqual(['/items']);
    expect(validate(schema, { ...base, items: [{ count: 1 }] }).map((i) => i.pointer)).toEqual(['/items/0/thing']);
  });

  it('reads in English through x-en, choices and yes/no included', () => {
    const en = localizeSchema(schema, 'en') as { properties: Record<string, { title: string; oneOf?: { title: string }[] }> };
    expect(en.properties.amount!.title).toBe('Amount (yuan)');
    expect(en.properties.kind!.oneOf!.map((o) => o.title)).toEqual(['Repair', 'New building']);
    const ui = localizeSchema(toForm(every).uiSchema, 'en') as Record<string, Record<string, unknown>>;
    expect(ui.poor!['ui:enumNames']).toEqual(['Yes', 'No']);
    expect((localizeSchema(toForm(every).uiSchema, 'zh') as typeof ui).poor!['ui:enumNames']).toEqual(['是', '否']);
  });

  it('leaves a yes/no unanswered and its conditional field hidden until answered (RJSF defaults)', () => {
    const defaults = getDefaultFormState(validator, schema as RJSFSchema, undefined, schema as RJSFSchema, false, FORM_DEFAULTS) as Record<string, unknown>;
    expect(defaults.poor).toBeUndefined();
    expect(defaults.kind).toBeUndefined();
    // RJSF's own defaults would answer for the person: “否”, and the first option.
    const own = getDefaultFormState(validator, schema as RJSFSchema, undefined, schema as RJSFSchema) as Record<string, unknown>;
    expect([own.poor, own.kind]).toEqual([false, 'repair']);
    const shown = Object.keys((retrieveSchema(validator, schema as RJSFSchema, schema as RJSFSchema, defaults).properties ?? {}) as object);
    expect(shown).not.toContain('site');
  });
});

describe('editing helpers', () => {
  it('makes new fields with unused keys and sensible defaults', () => {
    const a = newField('choice', []);
    expect(a).toMatchObject({ key: 'field_1', type: 'choice', display: 'radio', required: false });
    expect(newField('yesNo', [])).toMatchObject({ display: 'radio', ui: YES_NO_UI });
    expect(a.options).toHaveLength(2);
    expect(newField('text', ['field_1', 'field_2']).key).toBe('field_3');
    expect(newField('table', []).columns).toHaveLength(1);
    for (const t of COLUMN_TYPES) expect(modelIssues([newField(t, [], { zh: '列' })])).toEqual([]);
  });

  it('changes a type keeping label, help, requiredness and condition', () => {
    const f: Field = { key: 'x', type: 'text', label: { zh: '甲' }, help: { zh: '说明' }, required: true, min: 1, condition: { field: 'k', equals: 'v' } };
    expect(withType(f, 'number')).toEqual({ key: 'x', type: 'number', label: { zh: '甲' }, help: { zh: '说明' }, required: true, condition: { field: 'k', equals: 'v' } });
    expect(withType(f, 'custom').schema).toEqual({ type: 'string', minLength: 1, title: '甲', description: '说明' });
  });

  it('switches a yes/no between 是/否 buttons and a tick box', () => {
    const plain: Field = { key: 'ok', type: 'yesNo', label: { zh: '同意' }, required: true, display: 'checkbox' };
    const radio = withYesNoDisplay(plain, 'radio');
    expect(radio).toEqual({ ...plain, display: 'radio', ui: YES_NO_UI });
    expect(withYesNoDisplay(radio, 'checkbox')).toEqual(plain);
    const labelled: Field = { ...plain, ui: { 'ui:enumNames': ['同意', '不同意'] } };
    expect(withYesNoDisplay(labelled, 'radio').ui).toEqual({ 'ui:enumNames': ['同意', '不同意'] });
  });

  it('moves, renames and removes, keeping conditions pointed right', () => {
    expect(moveItem([1, 2, 3], 0, 2)).toEqual([2, 3, 1]);
    expect(moveItem([1, 2, 3], 0, 5)).toEqual([1, 2, 3]);
    const renamed = renameField(every, 5, 'category');
    expect(renamed[6]!.condition).toEqual({ field: 'category', equals: 'new' });
    const removed = removeField(every, 5);
    expect(removed.find((f) => f.key === 'reason')!.condition).toBeUndefined();
  });

  it('names what keeps fields from making a sound form', () => {
    expect(modelIssues(every)).toEqual([]);
    const bad: Field[] = [
      { key: '1x', type: 'text', label: { zh: '' }, required: false, min: 5, max: 1 },
      { key: 'a', type: 'choice', label: { zh: '甲' }, required: false, options: [] },
      { key: 'a', type: 'table', label: { zh: '乙' }, required: false, columns: [{ key: 'c', type: 'text', label: { zh: '' }, required: false }] },
      { key: 'b', type: 'text', label: { zh: '丙' }, required: false, condition: { field: 'c', equals: 'x' } },
      { key: 'c', type: 'yesNo', label: { zh: '丁' }, required: false, condition: { field: 'nothing', equals: true } },
    ];
    expect(modelIssues(bad)).toEqual([
      { field: '1x', code: 'keyInvalid' },
      { field: '1x', code: 'labelMissing' },
      { field: '1x', code: 'boundsReversed' },
      { field: 'a', code: 'optionsMissing' },
      { field: 'a', code: 'keyDuplicate' },
      { field: 'a.c', code: 'labelMissing' },
      { field: 'b', code: 'conditionOrder' },
      { field: 'c', code: 'conditionField' },
    ]);
  });
});

describe('FormDesigner (rendered on the server, as a smoke test)', () => {
  it('shows every field of a bundled form, the saveTo and the preview', async () => {
    const { createElement } = await import('react');
    const { renderToString } = await import('react-dom/server');
    const { I18nProvider } = await import('../../designer/i18n/index.tsx');
    const { FormDesigner } = await import('../../designer/editor/FormDesigner.tsx');
    const form = flows['five-deliberations-two-disclosures']!.states.proposal!.form!;
    const html = renderToString(createElement(I18nProvider, null, createElement(FormDesigner, { form, onChange: () => {}, dataPointers: ['/proposal'] })));
    for (const label of ['动议来源', '事项名称', '事项类别', '事项内容', '预算金额', '支委会会议日期', '支委会纪要']) expect(html).toContain(label);
    expect(html).toContain('value="/proposal"');
    expect(html).toContain('data-testid="form-preview"');
    // The preview is the village user's form: RJSF's fields with the flow's Chinese labels.
    expect(html).toContain('预算金额（元）');
    expect(html).toMatch(/id="root_subject"/);
  });

  it('previews attachments with the reference widget, yes/no as 是/否 buttons left unanswered', async () => {
    const { createElement } = await import('react');
    const { renderToString } = await import('react-dom/server');
    const { I18nProvider } = await import('../../designer/i18n/index.tsx');
    const { FormView } = await import('../../designer/forms/FormView.tsx');
    const html = renderToString(createElement(I18nProvider, null, createElement(FormView, { form: toForm(every), lang: 'zh', onSubmit: () => false })));
    expect(html).toContain('fd2-attach');
    expect(html).toMatch(/id="root_proof"[^>]*type="file"|type="file"[^>]*id="root_proof"/);
    expect(html).toMatch(/type="radio"[^>]*value="0"/);
    expect(html).not.toMatch(/type="radio"[^>]*checked/);
    expect(html).toContain('>是<');
    const en = renderToString(createElement(I18nProvider, null, createElement(FormView, { form: toForm(every), lang: 'en', onSubmit: () => false })));
    expect(en).toContain('>Yes<');
    expect(en).toContain('Formerly poor household');
  });
});
