// Personal data off the chain, on the server (docs/personal-data.md): a 低保 matter's history holds
// commitments, its values sit in personal_values written with their records, the stored values
// verify against the chain, an edited one is named, and the table only ever lets a value be erased.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCommitment } from '../../engine/index.ts';
import { startTestServer, TEST_STORE, type TestServer } from './harness.ts';
import run from '../../flows/runs/social-assistance.approved-appraisal-objection.run.json' with { type: 'json' };

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const application = run.events[1]!.payload as Record<string, unknown>;
const SECRETS = ['410323196805124521', '41032319650903451X', '410323201003154528', '13837912345', '青山村三组27号'];

describe('a 低保 matter', () => {
  const id = 'demo-dongping-dibao';

  it('records commitments in the history and the instance row, and keeps the values beside them', async () => {
    const history = await s.store.history(id);
    const text = JSON.stringify(history) + JSON.stringify((await s.store.getInstance(id))!.snapshot);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    const submitted = history[1]!.payload as Record<string, unknown>;
    expect(isCommitment(submitted.id_number)).toBe(true);
    expect(submitted.village).toBe(application.village);

    const values = await s.store.personalValues(id);
    // Two application SUBMITs (12 fields and three members' four each) and two investigations (2 each).
    expect(values.filter((v) => v.seq === 2)).toHaveLength(8 + 3 * 4);
    expect(new Set(values.map((v) => v.seq))).toEqual(new Set([2, 4, 7, 11]));
    const idNumber = values.find((v) => v.seq === 2 && v.pointer === '/id_number')!;
    expect(idNumber).toMatchObject({ kind: 'id', value: '410323196805124521', commitment: (submitted.id_number as { $personal: string }).$personal, erasedAt: null });
    expect(values.find((v) => v.seq === 2 && v.pointer === '/members/1/health')).toMatchObject({ kind: 'health', value: 'disabled' });
  });

  it('verifies on the server with its stored values, and names an edited value', async () => {
    const auditor = await s.as('qs.auditor');
    const history = await s.store.history(id);
    expect(await auditor.audit.verify.query({ id })).toEqual({ ok: true, count: history.length, head: history.at(-1)!.hash });

    const update = s.store.db.prepare("UPDATE personal_values SET value = ? WHERE instance_id = ? AND seq = 2 AND pointer = '/phone'");
    expect(() => update.run(JSON.stringify('13900000000'), id)).toThrow(/only ever erased/);
    expect(() => s.store.db.prepare("DELETE FROM personal_values WHERE instance_id = ? AND seq = 2 AND pointer = '/phone'").run(id)).toThrow(/erased, not deleted/);
    // An attacker with the database drops the trigger and edits the phone number.
    s.store.db.exec(TEST_STORE === 'sqlite' ? 'DROP TRIGGER personal_values_erase_only' : 'DROP TRIGGER personal_values_erase_only ON personal_values');
    expect(update.run(JSON.stringify('13900000000'), id).changes).toBe(1);
    const result = await auditor.audit.verify.query({ id });
    expect(result).toMatchObject({ ok: false, seq: 2, reason: 'record 2: the personal value at /phone does not match its commitment: it was edited' });
    expect(JSON.stringify(result)).not.toContain('13900000000');
  });
});

describe('a live submission', () => {
  it('writes the values with the record: commitments in the history, one row per field', async () => {
    const applicant = await s.as('xiling.applicant');
    const started = await applicant.instances.start.mutate({ villageId: 'xiling', flowId: 'social-assistance' });
    const payload = { ...application, members: [(application.members as unknown[])[0]] };
    const sent = await applicant.instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload });
    expect(sent.state).toBe('intake');
    const history = await s.store.history(started.id);
    for (const secret of SECRETS) expect(JSON.stringify(history)).not.toContain(secret);
    const values = await s.store.personalValues(started.id);
    expect(values.map((v) => v.seq)).toEqual(Array(8 + 4).fill(2));
    expect(values.find((v) => v.pointer === '/phone')!.value).toBe('13837912345');
    // What the applicant is sent back carries no value either.
    const seen = await applicant.instances.get.query({ id: started.id });
    for (const secret of SECRETS) expect(JSON.stringify(seen)).not.toContain(secret);
  });
});
