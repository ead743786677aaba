// Personal data off the chain (docs/personal-data.md): a SUBMIT records salted commitments in place
// of the personal values, the chain verifies without them, and with them verify checks each one.
import { describe, expect, it } from 'vitest';
import { apply, commitmentOf, compileFlow, eventOf, isCommitment, replay, simulate, start, validateFlow, verify, verifyPersonal, type Flow, type FlowEvent, type PersonalValue } from '../../engine/index.ts';
import { actor, deepFreeze, engineError, loadCompiled, readFlowJson } from '../helpers.ts';

const ID = '410323196805124521';
const PHONE = '13837912345';
const SALT_A = 'a'.repeat(32);
const SALT_B = '0123456789abcdef'.repeat(4);

const field = (schema: Record<string, unknown>, kind?: string) => (kind ? { ...schema, 'x-personal': kind } : schema);
function applicationSchema(marked: boolean) {
  const k = (kind: string) => (marked ? kind : undefined);
  return {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'id_number', 'phone', 'village'],
    properties: {
      name: field({ type: 'string', minLength: 1 }, k('name')),
      id_number: field({ type: 'string', pattern: '^\\d{17}[\\dX]$' }, k('id')),
      phone: field({ type: 'string', pattern: '^1\\d{10}$' }, k('contact')),
      village: { type: 'string' },
      complete: { type: 'boolean' },
      members: {
        type: 'array',
        items: { type: 'object', required: ['id_number'], properties: { id_number: field({ type: 'string', pattern: '^\\d{17}[\\dX]$' }, k('id')), relation: { type: 'string' } } },
      },
    },
  };
}

function flow(options: { marked?: boolean; guard?: string; publish?: string[]; personal?: Flow['personal'] | null; dataMarked?: boolean } = {}): Flow {
  const marked = options.marked ?? true;
  return {
    id: 'personal-check',
    version: '1.0.0',
    title: { zh: '个人信息' },
    roles: { applicant: { zh: '申请人' }, caseworker: { zh: '经办人' } },
    starters: ['applicant'],
    data: { type: 'object', additionalProperties: false, properties: { application: { $ref: '#/$defs/application' }, review: { type: 'object' } }, $defs: { application: applicationSchema(options.dataMarked ?? marked) } },
    initial: 'apply',
    states: {
      apply: {
        kind: 'task',
        title: { zh: '申请' },
        roles: ['applicant'],
        form: { schema: applicationSchema(marked), saveTo: '/application' },
        on: { SUBMIT: options.guard ? [{ target: 'check', guard: options.guard }, { target: 'apply' }] : 'check' },
      },
      check: {
        kind: options.publish ? 'disclosure' : 'review',
        title: { zh: '审核' },
        roles: ['caseworker'],
        ...(options.publish ? { disclosure: { publish: options.publish, period: { duration: 'P1D' } }, on: { 'DISCLOSURE.ENDED': 'done' } } : { on: { APPROVE: 'done', RETURN: 'apply' } }),
      },
      done: { kind: 'final', title: { zh: '办结' }, outcome: 'completed' },
    },
    ...(options.personal === null ? {} : { personal: options.personal ?? { reveal: ['caseworker'] } }),
  } as Flow;
}

const applicant = actor('u-li', 'applicant');
const caseworker = actor('u-zhao', 'caseworker');
const application = { name: '李桂芳', id_number: ID, phone: PHONE, village: '青山村', members: [{ id_number: ID, relation: 'self' }, { id_number: '41032319650903451X', relation: 'spouse' }] };

function events(salt: string | null = SALT_A, payload: Record<string, unknown> = application): FlowEvent[] {
  return [
    { type: 'START', actor: applicant, at: '2026-04-01T09:00:00+08:00', payload: {} },
    { type: 'SUBMIT', actor: applicant, at: '2026-04-01T09:30:00+08:00', payload, ...(salt !== null ? { salt } : {}) },
    { type: 'APPROVE', actor: caseworker, at: '2026-04-02T09:30:00+08:00', payload: {} },
  ];
}

describe('recording a form with personal fields', () => {
  const compiled = compileFlow(flow());
  const steps = simulate(compiled, deepFreeze(events()));
  const submit = steps[1]!;

  it('the record and the instance data hold commitments, never the values', () => {
    const text = JSON.stringify(steps.map((s) => [s.record, s.snapshot]));
    for (const secret of [ID, PHONE, '李桂芳', '41032319650903451X']) expect(text).not.toContain(secret);
    const payload = submit.record.payload as Record<string, unknown>;
    expect(isCommitment(payload.id_number)).toBe(true);
    expect(isCommitment((payload.members as Record<string, unknown>[])[1]!.id_number)).toBe(true);
    expect(payload.village).toBe('青山村');
    expect((submit.snapshot.context.data.application as Record<string, unknown>).id_number).toEqual(payload.id_number);
  });

  it('hands the values back to the host, one per field, each with its own salt', () => {
    const values = submit.personal!;
    expect(values.map((v) => [v.seq, v.pointer, v.kind])).toEqual([
      [2, '/name', 'name'],
      [2, '/id_number', 'id'],
      [2, '/phone', 'contact'],
      [2, '/members/0/id_number', 'id'],
      [2, '/members/1/id_number', 'id'],
    ]);
    expect(values.find((v) => v.pointer === '/id_number')!.value).toBe(ID);
    expect(new Set(values.map((v) => v.salt)).size).toBe(5);
    // The same value in two fields commits differently: a commitment does not say two fields are equal.
    expect(values[1]!.commitment).not.toBe(values[3]!.commitment);
    expect(steps[0]!.personal).toBeUndefined();
    expect(steps[2]!.personal).toBeUndefined();
  });

  it('is deterministic in the salt the host passes, and another salt gives other commitments', () => {
    const again = simulate(compileFlow(flow()), events());
    expect(again.map((s) => s.record.hash)).toEqual(steps.map((s) => s.record.hash));
    const other = simulate(compileFlow(flow()), events(SALT_B));
    expect(other[1]!.record.hash).not.toBe(submit.record.hash);
  });

  it('verifies and replays from the records alone, without any value', () => {
    const records = steps.map((s) => s.record);
    expect(verify(compiled, records)).toEqual({ ok: true, count: 3, head: steps[2]!.record.hash });
    expect(replay(compiled, records).map((s) => s.hash)).toEqual(steps.map((s) => s.snapshot.hash));
    // Through JSON, as an export bundle carries it.
    expect(verify(compileFlow(flow()), JSON.parse(JSON.stringify(records)))).toMatchObject({ ok: true });
  });

  it('a live SUBMIT without a salt, or with a malformed one, is refused and changes nothing', () => {
    const at = steps[0]!.snapshot;
    expect(engineError(() => apply(compiled, at, events(null)[1]!)).message).toMatch(/personal field \/name is recorded in the clear/);
    expect(engineError(() => apply(compiled, at, events('xyz')[1]!)).message).toMatch(/host must pass a salt/);
  });

  it('the form validates the values themselves; a commitment sent live is refused', () => {
    const at = steps[0]!.snapshot;
    const bad = engineError(() => apply(compiled, at, events(SALT_A, { ...application, phone: '12' })[1]!));
    expect(bad.code).toBe('FORM_INVALID');
    expect(bad.issues.map((i) => i.pointer)).toContain('/phone');
    expect(bad.message).not.toContain('12"');
    const forged = engineError(() => apply(compiled, at, events(SALT_A, { ...application, id_number: { $personal: 'f'.repeat(64) } })[1]!));
    expect(forged.code).toBe('FORM_INVALID');
  });

  it('a record that carries a value in the clear does not verify', () => {
    const records = structuredClone(steps.map((s) => s.record));
    (records[1]!.payload as Record<string, unknown>).phone = PHONE;
    const result = verify(compiled, records);
    expect(result).toMatchObject({ ok: false, seq: 2 });
  });

  it('START may not bring personal data', () => {
    const error = engineError(() => start(compiled, { type: 'START', actor: applicant, at: '2026-04-01T09:00:00+08:00', payload: { data: { application: { ...application } } } }));
    expect(error.code).toBe('DATA_INVALID');
    expect(error.message).toMatch(/\/application\/name is personal/);
  });
});

describe('verifying personal values against their commitments', () => {
  const compiled = compileFlow(flow());
  const steps = simulate(compiled, events());
  const records = steps.map((s) => s.record);
  const values = steps[1]!.personal!;

  it('every value matches', () => {
    expect(verifyPersonal(compiled, records, values)).toEqual({ ok: true, count: 5 });
  });

  it('an erased value leaves its commitment standing: the rest still verify', () => {
    const kept = values.filter((v) => !v.pointer.startsWith('/members/1'));
    expect(verifyPersonal(compiled, records, kept)).toEqual({ ok: true, count: 4 });
    expect(verifyPersonal(compiled, records, [])).toEqual({ ok: true, count: 0 });
  });

  it('an edited value is named by record and field, and the value is not repeated', () => {
    const edited: PersonalValue[] = values.map((v) => (v.pointer === '/members/1/id_number' ? { ...v, value: '410323196509034510' } : v));
    const result = verifyPersonal(compiled, records, edited);
    expect(result).toEqual({ ok: false, seq: 2, pointer: '/members/1/id_number', reason: 'record 2: the personal value at /members/1/id_number does not match its commitment: it was edited' });
  });

  it('two values swapped between fields are both caught', () => {
    const swapped = values.map((v) => (v.pointer === '/id_number' ? { ...v, pointer: '/phone' } : v.pointer === '/phone' ? { ...v, pointer: '/id_number' } : v));
    expect(verifyPersonal(compiled, records, swapped)).toMatchObject({ ok: false, seq: 2 });
  });

  it('a value that matches its commitment but breaks the form is refused (a commitment made outside the engine)', () => {
    // As a forger would: commit to an invalid phone and rebuild the chain's hashes from there.
    const phone = values.find((v) => v.pointer === '/phone')!;
    const forgedValue = { ...phone, value: 'not a phone' };
    const forged = structuredClone(records);
    (forged[1]!.payload as Record<string, unknown>).phone = { $personal: commitmentOf(phone.salt, 'not a phone') };
    expect(verifyPersonal(compiled, forged, [forgedValue])).toEqual({ ok: false, seq: 2, pointer: '/phone', reason: 'record 2: with its personal values the form is invalid at /phone: must match pattern "^1\\d{10}$"' });
  });

  it('a value for a place without a commitment is refused', () => {
    expect(verifyPersonal(compiled, records, [{ ...values[0]!, pointer: '/village' }])).toMatchObject({ ok: false, reason: 'record 2 has no personal field at /village' });
    expect(verifyPersonal(compiled, records, [{ ...values[0]!, seq: 9 }])).toMatchObject({ ok: false, seq: 9 });
  });
});

describe('a flow that marks fields personal', () => {
  const issues = (f: Flow) => validateFlow(f).map((i) => `${i.pointer}: ${i.message}`);

  it('the bundled shape is valid', () => {
    expect(issues(flow())).toEqual([]);
  });

  it('must say who may see them', () => {
    expect(issues(flow({ personal: null }))).toEqual([': the flow marks fields personal ("x-personal"): say in "personal" which roles may see them']);
    expect(issues(flow({ personal: { reveal: ['mayor'] } }))).toEqual(['/personal/reveal/0: role "mayor" is not declared in /roles']);
  });

  it('marks a form field and the data it is saved to alike', () => {
    expect(issues(flow({ dataMarked: false })).join('\n')).toMatch(/\/states\/apply\/form: the form's personal fields must be the personal fields of the data at "\/application"; not marked so in the data: \/name \(name\)/);
    expect(issues(flow({ marked: false, dataMarked: true })).join('\n')).toMatch(/not marked so in the form: \/name \(name\)/);
  });

  it('takes a known kind, on a field reached through properties and items only', () => {
    const f = flow();
    (f.states.apply!.form!.schema.properties as Record<string, Record<string, unknown>>).village!['x-personal'] = 'shoe size';
    expect(issues(f).join('\n')).toMatch(/\/states\/apply\/form\/schema\/properties\/village\/x-personal: "x-personal" must be one of/);
    const g = flow();
    (g.states.apply!.form!.schema as Record<string, unknown>).anyOf = [{ properties: { village: { 'x-personal': 'address' } } }];
    expect(issues(g).join('\n')).toMatch(/anyOf\/0\/properties\/village\/x-personal: "x-personal" is taken only on a field reached through/);
  });

  it('no guard, public notice or prefill reads one: verify runs without the values', () => {
    expect(issues(flow({ guard: "payload.id_number != ''" }))).toEqual([`/states/apply/on/SUBMIT/0/guard: guard "payload.id_number != ''" may not read the personal field payload.id_number: replay and verify run without personal values`]);
    expect(issues(flow({ guard: 'size(payload.members) > 0' }))[0]).toMatch(/may not read the personal field payload\.members\.\*\.id_number/);
    expect(issues(flow({ guard: 'payload["phone"] == "1"' }))[0]).toMatch(/payload\.phone/);
    expect(issues(flow({ guard: 'payload.complete == true' }))).toEqual([]);
    expect(issues(flow({ guard: 'data.application.village == "x"' }))).toEqual([]);
    expect(issues(flow({ publish: ['/application/phone', '/application/village'] }))).toEqual(['/states/check/disclosure/publish/0: a public notice may not read the personal field /application/phone: personal values stay off the chain']);
    expect(issues(flow({ publish: ['/application'] }))[0]).toMatch(/public notice may not read the personal field \/application\/name/);
  });

  it('a flow without marks records as before (old versions keep verifying)', () => {
    const plain = compileFlow(flow({ marked: false, personal: null }));
    const steps = simulate(plain, events());
    expect((steps[1]!.record.payload as Record<string, unknown>).id_number).toBe(ID);
    expect(steps[1]!.personal).toBeUndefined();
    expect(verify(plain, steps.map((s) => s.record))).toMatchObject({ ok: true });
    expect(eventOf(steps[1]!.record).salt).toBeUndefined();
  });
});

describe("an objection's contact", () => {
  // 五议两公开's golden run with two objections to its notices, their contacts given in the clear.
  const run = readFlowJson('flows/runs/five-deliberations-two-disclosures.resolution-objections.run.json') as { events: FlowEvent[] };
  const compiled = loadCompiled('flows/five-deliberations-two-disclosures.flow.json');
  const objections = run.events.flatMap((e, i) => (e.type === 'OBJECT' && typeof e.payload?.contact === 'string' ? [i] : []));
  const live = run.events.map((e) => (e.type === 'OBJECT' ? { ...e, payload: { ...e.payload, contact: '13912345678' }, salt: SALT_A } : e));

  it('a live OBJECT records the commitment and hands the value to the host', () => {
    expect(objections.length).toBeGreaterThan(0);
    const steps = simulate(compiled, deepFreeze(live));
    expect(JSON.stringify(steps.map((s) => [s.record, s.snapshot]))).not.toContain('13912345678');
    for (const i of objections) {
      const payload = steps[i]!.record.payload as Record<string, unknown>;
      expect(isCommitment(payload.contact)).toBe(true);
      expect(payload.reason).toBe(run.events[i]!.payload!.reason);
      expect(steps[i]!.personal).toEqual([{ seq: i + 1, pointer: '/contact', kind: 'contact', value: '13912345678', salt: expect.stringMatching(/^[0-9a-f]{64}$/), commitment: (payload.contact as { $personal: string }).$personal }]);
    }
    // The chain verifies without the values, and with them each is checked against its commitment.
    const records = steps.map((s) => s.record);
    expect(verify(compiled, JSON.parse(JSON.stringify(records)))).toMatchObject({ ok: true, count: records.length });
    const values = steps.flatMap((s) => s.personal ?? []);
    expect(verifyPersonal(compiled, records, values)).toMatchObject({ ok: true });
    const edited = values.map((v, k) => (k === 0 ? { ...v, value: '13900000000' } : v));
    expect(verifyPersonal(compiled, records, edited)).toMatchObject({ ok: false });
  });

  it('an OBJECT recorded before contacts were committed (in the clear, no salt) still replays to the same hashes', () => {
    const steps = simulate(compiled, deepFreeze(run.events));
    for (const i of objections) expect((steps[i]!.record.payload as Record<string, unknown>).contact).toBe(run.events[i]!.payload!.contact);
    expect(verify(compiled, steps.map((s) => s.record))).toMatchObject({ ok: true });
  });

  it('a contact that is neither text nor a commitment is refused', () => {
    const i = objections[0]!;
    const before = simulate(compiled, run.events.slice(0, i)).at(-1)!.snapshot;
    expect(engineError(() => apply(compiled, before, { ...run.events[i]!, payload: { reason: '不同意', contact: { phone: '13912345678' } }, salt: SALT_A })).code).toBe('FORM_INVALID');
  });
});
