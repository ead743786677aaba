// A form's `prefill`: fields that start with a value from the instance data (a catalogue item's code
// and promise on a proxy-service registration). A UI default only: the engine validates what is
// submitted exactly as before.
import { describe, expect, it } from 'vitest';
import { apply, compileFlow, diffFlows, initialFormData, start, validateFlow, type Flow, type FormConfig } from '../../engine/index.ts';
import proxyService from '../../flows/proxy-service.flow.json' with { type: 'json' };

function flow(prefill: Record<string, string> | undefined, formSchema?: Record<string, unknown>): Flow {
  return {
    id: 'prefill-check',
    version: '1.0.0',
    title: { zh: '预填' },
    roles: { agent: { zh: '代办员' } },
    starters: ['agent'],
    data: {
      type: 'object',
      additionalProperties: false,
      properties: {
        service: { $ref: '#/$defs/service' },
        open: { type: 'object' },
        form: { type: 'object' },
      },
      $defs: {
        service: { type: 'object', additionalProperties: false, properties: { code: { type: 'string' }, days: { type: 'integer' } } },
      },
    },
    initial: 'intake',
    states: {
      intake: {
        kind: 'task',
        title: { zh: '登记' },
        roles: ['agent'],
        form: {
          schema: formSchema ?? {
            type: 'object',
            properties: { code: { type: 'string' }, days: { type: 'number' }, address: { type: 'object', properties: { 'a/b': { type: 'string' } } } },
            allOf: [{ if: { properties: { days: { const: 1 } } }, then: { properties: { reason: { type: 'string' } } } }],
          },
          saveTo: '/form',
          ...(prefill ? { prefill } : {}),
        },
        on: { SUBMIT: 'done' },
      },
      done: { kind: 'final', title: { zh: '办结' }, outcome: 'completed' },
    },
  } as Flow;
}

describe('initialFormData', () => {
  const form: FormConfig = { schema: {}, saveTo: '/form', prefill: { '/code': '/service/code', '/days': '/service/days', '/address/a~1b': '/open/where' } };

  it('without prefill is what the step saved before, as it was', () => {
    const saved = { code: 'X' };
    expect(initialFormData({ saveTo: '/form' }, { form: saved, service: { code: 'Y' } })).toBe(saved);
    expect(initialFormData({ saveTo: '/form' }, {})).toBeUndefined();
  });

  it('fills the fields that have no value from the instance data, nested and escaped pointers too', () => {
    expect(initialFormData(form, { service: { code: 'QS-001', days: 5 }, open: { where: '东坪村' } })).toEqual({ code: 'QS-001', days: 5, address: { 'a/b': '东坪村' } });
    // A source with no value leaves its field empty; with none at all there is still nothing.
    expect(initialFormData(form, { service: { code: 'QS-001' } })).toEqual({ code: 'QS-001' });
    expect(initialFormData(form, { service: {} })).toBeUndefined();
  });

  it('never replaces what was saved: a step that comes round again keeps its entries', () => {
    const data = { service: { code: 'QS-001', days: 5 }, form: { code: 'typed', days: 0, other: true } };
    expect(initialFormData(form, data)).toEqual({ code: 'typed', days: 0, other: true });
    // A field saved empty-handed (absent) is filled; the saved object itself is not changed.
    const partly = { service: { code: 'QS-001', days: 5 }, form: { code: 'typed' } };
    expect(initialFormData(form, partly)).toEqual({ code: 'typed', days: 5 });
    expect(partly.form).toEqual({ code: 'typed' });
  });

  it('hands out copies, so editing the form cannot touch the instance data', () => {
    const data = { service: { code: 'QS-001' }, open: { where: ['a'] } };
    const out = initialFormData({ saveTo: '/form', prefill: { '/list': '/open/where' } }, data) as { list: string[] };
    out.list.push('b');
    expect(data.open.where).toEqual(['a']);
  });

  it('leaves a saved value that is not an object alone', () => {
    expect(initialFormData(form, { form: 'text', service: { code: 'QS-001' } })).toBe('text');
  });
});

describe('prefill validation', () => {
  const issuesOf = (prefill: Record<string, string>, schema?: Record<string, unknown>) => validateFlow(flow(prefill, schema));

  it('accepts fields of the form (conditional ones too) fed from declared data, through $ref', () => {
    expect(issuesOf({ '/code': '/service/code', '/days': '/service/days', '/reason': '/open/why', '/address/a~1b': '/open/where' })).toEqual([]);
  });

  it('names a form-side pointer that is not a field of the form', () => {
    expect(issuesOf({ '/nope': '/service/code' })).toEqual([
      { pointer: '/states/intake/form/prefill/~1nope', message: '"/nope" is not a field of the form (no property "nope" in its schema)' },
    ]);
    expect(issuesOf({ '/code/part': '/service/code' })).toEqual([
      { pointer: '/states/intake/form/prefill/~1code~1part', message: '"/code/part" goes inside a value the form declares as string, not an object' },
    ]);
  });

  it('names a data-side pointer the data schema does not declare, following $ref', () => {
    expect(issuesOf({ '/code': '/service/cod' })).toEqual([
      { pointer: '/states/intake/form/prefill/~1code', message: '"/service/cod" is not declared in the flow\'s data schema (no property "cod")' },
    ]);
    expect(issuesOf({ '/code': '/elsewhere' })[0]!.message).toContain('no property "elsewhere"');
    expect(issuesOf({ '/code': '/service/code/x' })).toEqual([
      { pointer: '/states/intake/form/prefill/~1code', message: '"/service/code/x" goes inside a value the data schema declares as string, not an object' },
    ]);
    // An open object says nothing of its keys: allowed.
    expect(issuesOf({ '/code': '/open/anything/deeper' })).toEqual([]);
  });

  it('refuses a field fed a value of another type (an integer may fill a number)', () => {
    expect(issuesOf({ '/code': '/service/days' })).toEqual([
      { pointer: '/states/intake/form/prefill/~1code', message: 'field "/code" is string but its source "/service/days" is integer in the data schema' },
    ]);
  });

  it('refuses malformed pointers and an empty prefill by the flow schema', () => {
    expect(issuesOf({ code: '/service/code' })).toContainEqual({ pointer: '/states/intake/form/prefill/code', message: 'must be a JSON pointer such as /proposal/subject' });
    expect(issuesOf({ '/code': 'service.code' })).toContainEqual({ pointer: '/states/intake/form/prefill/~1code', message: 'must be a JSON pointer such as /proposal/subject' });
    expect(issuesOf({}).map((i) => i.pointer)).toContain('/states/intake/form/prefill');
  });

  it('shows in a version diff as a changed part of the form', () => {
    const d = diffFlows(flow({ '/code': '/service/code' }), flow({ '/code': '/service/code', '/days': '/service/days' }));
    expect(d.forms.changed).toEqual([expect.objectContaining({ state: 'intake', other: ['prefill'] })]);
  });
});

describe('proxy-service registration', () => {
  const bundled = proxyService as unknown as Flow;
  const compiled = compileFlow(bundled);
  const registration = bundled.states.registration!.form!;
  const service = { item_id: 'item-pension', item_code: '11410323MB1234567X4000117005000', item_name: '城乡居民基本养老保险待遇申领', promised_working_days: 5 };
  const rest = { villager_name: '马德顺', id_number: '410323196603021536', phone: '13903791188', request: '申请领取养老保险待遇。', channel: 'walk_in', urgent: false, owner_staff_id: 'u-agent', owner_name: '代办员', no_fee_notice: true };
  const agent = { id: 'u-agent', roles: ['service_staff'] };
  // The registration records personal fields: a live SUBMIT carries the host's salt.
  const salt = 'ab'.repeat(32);
  const started = () => start(compiled, { type: 'START', actor: agent, at: '2026-03-02T09:00:00+08:00', payload: { data: { service } } }).snapshot;

  it('starts the form with the catalogue item and its promise, which the guard accepts', () => {
    const snap = started();
    const initial = initialFormData(registration, snap.context.data);
    expect(initial).toEqual({ item_code: service.item_code, item_name: service.item_name, promised_working_days: 5 });
    const next = apply(compiled, snap, { type: 'SUBMIT', actor: agent, at: '2026-03-02T09:10:00+08:00', payload: { ...(initial as object), ...rest }, salt });
    expect(next.snapshot.state).toBe('materials_check');
  });

  it('is only a default: a changed item code is still refused by the engine', () => {
    const snap = started();
    const payload = { ...(initialFormData(registration, snap.context.data) as object), ...rest, item_code: 'OTHER-001' };
    expect(() => apply(compiled, snap, { type: 'SUBMIT', actor: agent, at: '2026-03-02T09:10:00+08:00', payload, salt })).toThrow(expect.objectContaining({ code: 'GUARD_REJECTED' }));
  });
});
