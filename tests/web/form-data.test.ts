// A task's form and the flow's data schema in step (designer/editor/formData.ts): a field added in
// the form designer is declared in the data part the form saves to, so a closed part takes the
// submit instead of refusing it with DATA_INVALID; edits follow, removals clean up unless the
// field is used elsewhere; a part the data schema does not declare is left alone.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apply, compileFlow, EngineError, start, validateFlow, type Flow, type FlowEvent, type FormConfig } from '../../engine/index.ts';
import { addState, addTransition, blankFlow, newState, setStateProps } from '../../designer/editor/edits.ts';
import { dataPartPath, formFields, setForm, usedElsewhere } from '../../designer/editor/formData.ts';
import { createEditorStore, history } from '../../designer/editor/store.ts';

const FIVE = 'flows/five-deliberations-two-disclosures.flow.json';
const RUN = 'flows/runs/five-deliberations-two-disclosures.happy-path.run.json';
const json = <T>(path: string) => JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')) as T;

function frozen<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.freeze(v);
    for (const c of Object.values(v)) frozen(c);
  }
  return v;
}

/** The proposal form with a field more (as the form designer hands it over). */
function withField(form: FormConfig, key: string, field: Record<string, unknown>, required = false): FormConfig {
  const schema = { ...form.schema, properties: { ...(form.schema.properties as object), [key]: field } } as FormConfig['schema'];
  if (required) schema.required = [...((form.schema.required as string[]) ?? []), key];
  return { ...form, schema };
}
function withoutField(form: FormConfig, key: string): FormConfig {
  const properties = { ...(form.schema.properties as Record<string, unknown>) };
  delete properties[key];
  return { ...form, schema: { ...form.schema, properties, required: ((form.schema.required as string[]) ?? []).filter((k) => k !== key) } };
}
const FARMLAND = { type: 'boolean', title: '是否占用耕地', 'x-en': { title: 'Uses farmland' } };

/** Starts the bundled happy path and submits its proposal with `extra` fields on the given flow. */
function submit(flow: Flow, extra: Record<string, unknown>): string {
  const events = json<{ events: FlowEvent[] }>(RUN).events;
  const compiled = compileFlow(flow);
  const first = start(compiled, events[0]!);
  try {
    return apply(compiled, first.snapshot, { ...events[1]!, payload: { ...events[1]!.payload, ...extra } }).snapshot.state;
  } catch (error) {
    if (error instanceof EngineError) return error.code;
    throw error;
  }
}

describe('the data part a form saves to', () => {
  it('is found through properties and local $refs; an undeclared or scalar part is none', () => {
    const five = json<Flow>(FIVE);
    expect(dataPartPath(five.data, '/proposal')).toEqual(['$defs', 'proposal']);
    expect(dataPartPath(five.data, '/votes/two_committees')).toEqual(['properties', 'votes', 'properties', 'two_committees']);
    expect(dataPartPath(five.data, '/nowhere')).toBeNull();
    expect(dataPartPath(five.data, '/proposal/budget')).toBeNull();
    expect(dataPartPath(five.data, '')).toBeNull();
    expect(dataPartPath(five.data, 'proposal')).toBeNull();
  });

  it('counts fields shown under a condition as the form’s too', () => {
    const form: FormConfig = {
      saveTo: '/x',
      schema: { type: 'object', properties: { a: { type: 'boolean' } }, allOf: [{ if: { properties: { a: { const: true } } }, then: { properties: { b: { type: 'string' } } } }] },
    };
    expect([...formFields(form).keys()]).toEqual(['a', 'b']);
  });
});

describe('setForm keeps the data schema in step', () => {
  it('declares a new field in a closed part, so the submit is taken instead of refused with DATA_INVALID', () => {
    // The bundled proposal part, closed: only the fields it declares.
    const open = json<Flow>(FIVE);
    (open.data.$defs as Record<string, Record<string, unknown>>).proposal!.additionalProperties = false;
    const five = frozen(open);
    const form = withField(five.states.proposal!.form!, 'farmland', FARMLAND);
    // The form alone (as before): the closed proposal part refuses the new field.
    expect(submit(setStateProps(five, 'proposal', { form }), { farmland: true })).toBe('DATA_INVALID');
    const next = setForm(five, 'proposal', form);
    expect((next.data.$defs as Record<string, { properties: Record<string, unknown> }>).proposal!.properties.farmland).toEqual(FARMLAND);
    expect(validateFlow(next)).toEqual([]);
    expect(submit(next, { farmland: true })).toBe('two_committees');
    // Nothing else of the data schema changed.
    expect((next.data.properties as Record<string, unknown>).votes).toBe((five.data.properties as Record<string, unknown>).votes);
  });

  it('follows an edited field while its declaration is the form’s; a hand-written one stays', () => {
    const five = json<Flow>(FIVE);
    const added = setForm(five, 'proposal', withField(five.states.proposal!.form!, 'farmland', FARMLAND));
    const renamed = { ...FARMLAND, title: '是否占用基本农田' };
    const edited = setForm(added, 'proposal', withField(added.states.proposal!.form!, 'farmland', renamed));
    const def = (f: Flow) => (f.data.$defs as Record<string, { properties: Record<string, unknown>; required: string[] }>).proposal!;
    expect(def(edited).properties.farmland).toEqual(renamed);
    // Declared the same as its form field: follows a new title too.
    const form = edited.states.proposal!.form!;
    const budget = { ...(form.schema.properties as Record<string, Record<string, unknown>>).budget, title: '预算' };
    expect(def(setForm(edited, 'proposal', withField(form, 'budget', budget))).properties.budget).toEqual(budget);
    // Declared differently by hand: left as it is.
    const handWritten = structuredClone(edited);
    const own = { type: 'number', minimum: 0, title: '预算金额（元，含税）' };
    def(handWritten).properties.budget = own;
    expect(def(setForm(handWritten, 'proposal', withField(form, 'budget', budget))).properties.budget).toEqual(own);
  });

  it('takes a removed field out (and out of required) unless something else uses it', () => {
    const five = json<Flow>(FIVE);
    const def = (f: Flow) => (f.data.$defs as Record<string, { properties: Record<string, unknown>; required: string[] }>).proposal!;
    const added = structuredClone(setForm(five, 'proposal', withField(five.states.proposal!.form!, 'farmland', FARMLAND, true)));
    def(added).required = [...def(added).required, 'farmland'];
    const form = withoutField(added.states.proposal!.form!, 'farmland');
    const removed = setForm(added, 'proposal', form);
    expect(def(removed).properties.farmland).toBeUndefined();
    expect(def(removed).required).toEqual(def(five).required);
    // Collected by another form saving to the same part (the plan revision): kept.
    expect(usedElsewhere(five, 'proposal', '/proposal/branch_minutes')).toBe(true);
    const shared = setForm(five, 'proposal', withoutField(five.states.proposal!.form!, 'branch_minutes'));
    expect(def(shared)).toEqual(def(five));
    // Published in a disclosure: kept.
    const disclosed = structuredClone(added);
    disclosed.states.resolution_disclosure!.disclosure!.publish.push('/proposal/farmland');
    expect(usedElsewhere(disclosed, 'proposal', '/proposal/farmland')).toBe(true);
    expect(def(setForm(disclosed, 'proposal', form)).properties.farmland).toEqual(FARMLAND);
    // Named in a condition: kept (a longer name that begins the same is another field).
    const guarded = structuredClone(added);
    guarded.states.two_committees!.on = { ...guarded.states.two_committees!.on, 'VOTE.PASSED': { target: 'party_members_meeting', guard: 'data.proposal.farmland == false' } };
    expect(usedElsewhere(guarded, 'proposal', '/proposal/farmland')).toBe(true);
    expect(usedElsewhere(guarded, 'proposal', '/proposal/farm')).toBe(false);
    expect(def(setForm(guarded, 'proposal', form)).properties.farmland).toEqual(FARMLAND);
  });

  it('declares the fields of a new flow’s open part too (their titles label the data), and leaves an undeclared part alone', () => {
    let f = blankFlow('road');
    f = { ...f, data: { type: 'object', properties: { proposal: { type: 'object' } } } };
    const form: FormConfig = { saveTo: '/proposal', schema: { type: 'object', properties: { subject: { type: 'string', title: '事项名称' } } } };
    const next = setForm(f, 'proposal', form);
    expect(next.data).toEqual({ type: 'object', properties: { proposal: { type: 'object', properties: { subject: { type: 'string', title: '事项名称' } } } } });
    const elsewhere = setForm(next, 'proposal', withField({ ...form, saveTo: '/other' }, 'budget', { type: 'number' }));
    expect(elsewhere.data).toBe(next.data);
    expect(elsewhere.states.proposal!.form!.saveTo).toBe('/other');
    // The same form again: the very same flow.
    expect(setForm(next, 'proposal', form)).toBe(next);
  });

  it('is one undoable step in the editor store, form and data together', () => {
    let f = blankFlow('road');
    f = addState(f, 'done', newState('final', { zh: '办结' }, []));
    f = addTransition(f, 'proposal', 'SUBMIT', { target: 'done' });
    f = { ...f, data: { type: 'object', additionalProperties: false, properties: { proposal: { type: 'object', additionalProperties: false, properties: {} } } } };
    const store = createEditorStore(f);
    const form: FormConfig = { saveTo: '/proposal', schema: { type: 'object', properties: { subject: { type: 'string' } } } };
    store.trigger.setForm({ id: 'proposal', form });
    const doc = () => store.getSnapshot().context.doc;
    expect(doc().data).toMatchObject({ properties: { proposal: { properties: { subject: { type: 'string' } } } } });
    expect(history(store)).toEqual({ undo: 1, redo: 0 });
    store.trigger.undo();
    expect(doc().states.proposal!.form).toBeUndefined();
    expect(doc().data).toEqual(f.data);
  });
});
