// Personal data off the chain, on the server (docs/personal-data.md): a 低保 matter's history holds
// commitments, its values sit in personal_values written with their records, the stored values
// verify against the chain, an edited one is named, and the table only ever lets a value be erased.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCommitment } from '../../engine/index.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/villageflow.ts';
import { hashPassword } from '../../server/access/auth.ts';
import { DEMO_PASSWORD } from '../../server/host/seed.ts';
import { errorOf, startTestServer, TEST_STORE, type TestServer } from './harness.ts';
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

describe('masks and reveals', () => {
  const id = 'demo-dongping-dibao';
  type Masked = { $personal: string; kind: string; masked: string | null };
  const applicationOf = (data: unknown) => (data as { application: Record<string, Masked> & { members: Record<string, Masked>[] } }).application;

  it('everyone reads masks: the caseworker, a village cadre, the auditor', async () => {
    for (const username of ['qs.caseworker', 'dongping.committee', 'qs.auditor']) {
      const view = await (await s.as(username)).instances.get.query({ id });
      const app = applicationOf(view.data);
      expect(app.id_number).toMatchObject({ kind: 'id', masked: '4103**********4521' });
      expect(app.phone).toMatchObject({ kind: 'contact', masked: '138****2345' });
      expect(app.applicant_name).toMatchObject({ kind: 'name', masked: '李*芳' });
      expect(app.address).toMatchObject({ kind: 'address', masked: '青山村***' });
      expect(app.members[1]!.health).toMatchObject({ kind: 'health', masked: '***' });
      expect(app.household_monthly_income).toMatchObject({ kind: 'finance', masked: '***' });
      expect(app.village).toBe('青山村');
      expect(view.canReveal).toBe(username === 'qs.caseworker');
      const history = await (await s.as(username)).audit.history.query({ id });
      const replay = await (await s.as(username)).audit.replay.query({ id });
      for (const secret of SECRETS) expect(JSON.stringify([view, history, replay])).not.toContain(secret);
      expect((history[1]!.payload as Record<string, Masked>).id_number!.masked).toBe('4103**********4521');
    }
  });

  it('a reveal returns the one value and writes exactly one audit entry, which carries no value', async () => {
    const caseworker = await s.as('qs.caseworker');
    const admin = await s.as('qs.admin');
    const before = await admin.audit.log.query();
    const masked = applicationOf((await caseworker.instances.get.query({ id })).data).members[2]!.id_number!;
    const shown = await caseworker.personal.reveal.mutate({ id, commitment: masked.$personal });
    // The data holds the application as resubmitted after the one-time notice (record 4).
    expect(shown).toEqual({ value: '410323201003154528', kind: 'id', seq: 4, pointer: '/members/2/id_number' });
    const after = await admin.audit.log.query();
    expect(after.length).toBe(before.length + 1);
    expect(after[0]).toMatchObject({ actorId: 'qs-caseworker', action: 'personal.reveal', target: id, details: { seq: 4, pointer: '/members/2/id_number', kind: 'id', role: 'township_caseworker', villageId: 'dongping' } });
    expect(JSON.stringify(after[0])).not.toContain('410323201003154528');
  });

  it('names who decided by their name, from the one place names come from, not by their user id', async () => {
    const view = await (await s.as('dongping.applicant')).instances.get.query({ id });
    const acceptance = (view.data as { reviews: { acceptance: { by: string; decision: string } } }).reviews.acceptance;
    expect(acceptance).toMatchObject({ by: 'qs-reviewer', decision: 'approve' });
    expect(view.names).toEqual({ 'qs-reviewer': '青山镇镇审核人' });
    // Who objected to the public notice is not named to every reader.
    expect(view.objections.length).toBeGreaterThan(0);
    for (const o of view.objections) expect(Object.hasOwn(view.names, o.by)).toBe(false);
  });

  it('a role the flow does not name is refused, and nothing is written', async () => {
    const admin = await s.as('qs.admin');
    const before = (await admin.audit.log.query()).length;
    const masked = applicationOf((await (await s.as('dongping.committee')).instances.get.query({ id })).data).id_number!;
    for (const username of ['dongping.committee', 'qs.auditor', 'qs.admin']) {
      const error = await errorOf((await s.as(username)).personal.reveal.mutate({ id, commitment: masked.$personal }));
      // The refusal names its reason, by which the web app words it in the reader's language.
      expect(error).toMatchObject({ code: 'FORBIDDEN', data: { engineCode: 'REVEAL_NOT_ALLOWED' } });
    }
    // A reader of another village cannot even find the matter.
    expect((await errorOf((await s.as('xiling.committee')).personal.reveal.mutate({ id, commitment: masked.$personal }))).code).toBe('NOT_FOUND');
    expect((await admin.audit.log.query()).length).toBe(before);
  });
});

/** Runs the CLI's `verify` on a bundle written to a file. */
async function cliVerify(bundle: unknown): Promise<{ code: number; out: string[]; err: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'villageflow-personal-'));
  try {
    const file = join(dir, 'bundle.json');
    writeFileSync(file, JSON.stringify(bundle));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['verify', file], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('villageflow verify, offline', () => {
  const id = 'demo-dongping-dibao';

  it('verifies the export without values, and with them checks each and names an edited one', async () => {
    const bundle = await (await s.as('qs.auditor')).audit.export.query({ id });
    for (const secret of SECRETS) expect(JSON.stringify(bundle)).not.toContain(secret);
    expect(await cliVerify(bundle)).toEqual({ code: 0, out: [`verified ${bundle.history.length} records`], err: [] });

    const personal = (await s.store.personalValues(id)).map(({ seq, pointer, value, salt }) => ({ seq, pointer, value, salt }));
    expect(await cliVerify({ ...bundle, personal })).toEqual({ code: 0, out: [`verified ${bundle.history.length} records and ${personal.length} personal values`], err: [] });
    const edited = personal.map((v) => (v.seq === 4 && v.pointer === '/members/1/id_number' ? { ...v, value: '410323196509034510' } : v));
    expect(await cliVerify({ ...bundle, personal: edited })).toEqual({ code: 1, out: [], err: ['record 4 failed: record 4: the personal value at /members/1/id_number does not match its commitment: it was edited'] });
  });
});

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
    // Two application SUBMITs (12 fields and three members' four each), two investigations (2 each),
    // and the objection to the public notice (its contact).
    expect(values.filter((v) => v.seq === 2)).toHaveLength(8 + 3 * 4);
    expect(new Set(values.map((v) => v.seq))).toEqual(new Set([2, 4, 7, 10, 11]));
    expect(values.filter((v) => v.seq === 10).map((v) => [v.pointer, v.kind])).toEqual([['/contact', 'contact']]);
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

describe('an objection\'s contact', () => {
  it('is shown to those who handle objections to the notice and masked to every other reader', async () => {
    const notice = (await s.anonymous().board.village.query({ villageId: 'dongping' })).current.find((n) => n.objection)!;
    const villager = await s.as('dongping.villager');
    await villager.board.object.mutate({ instanceId: notice.instanceId, reason: '公示内容不完整', contact: '13912345678' });
    // The board shows no objection's words.
    expect(JSON.stringify(await s.anonymous().board.village.query({ villageId: 'dongping' }))).not.toContain('13912345678');
    const instance = (await s.store.getInstance(notice.instanceId))!;
    const flow = (await s.runtime.compiled(instance.flowVersionId)).flow;
    const handlers = flow.states[instance.state]!.roles!;
    const contactSeen = async (username: string) => {
      const history = await (await s.as(username)).audit.history.query({ id: notice.instanceId });
      const objection = history.findLast((r) => r.type === 'OBJECT')!;
      return (objection.payload as { contact: unknown }).contact;
    };
    // A cadre holding the notice's step sees how to reach the objector.
    const handler = handlers.includes('committee_member') ? 'dongping.committee' : handlers.includes('party_secretary') ? 'dongping.secretary' : 'dongping.clerk';
    expect(await contactSeen(handler)).toBe('13912345678');
    // Oversight, the auditor and participants who do not handle the notice see a mask.
    for (const username of ['qs.admin', 'qs.auditor', 'dongping.party1']) expect({ username, contact: await contactSeen(username) }).toEqual({ username, contact: { $personal: expect.stringMatching(/^[0-9a-f]{64}$/), kind: 'contact', masked: '139****5678' } });
    // Off the chain: the record holds its commitment, the value is in the personal-data store, and an
    // export (which carries records as they are) has no value yet verifies.
    const history = await s.store.history(notice.instanceId);
    expect(JSON.stringify(history)).not.toContain('13912345678');
    const objection = history.findLast((r) => r.type === 'OBJECT')!;
    const kept = (await s.store.personalValues(notice.instanceId)).filter((v) => v.seq === objection.seq);
    expect(kept.map((v) => [v.pointer, v.kind, v.value])).toEqual([['/contact', 'contact', '13912345678']]);
    const auditor = await s.as('qs.auditor');
    expect(JSON.stringify(await auditor.audit.export.query({ id: notice.instanceId }))).not.toContain('13912345678');
    expect(await auditor.audit.verify.query({ id: notice.instanceId })).toMatchObject({ ok: true });
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
    // The applicant is who the matter is about: their own values are theirs to see, in every view.
    const seen = await applicant.instances.get.query({ id: started.id });
    expect(seen.readAs).toBe('subject');
    expect((seen.data as { application: Record<string, unknown> }).application.phone).toBe('13837912345');
    expect(JSON.stringify(await applicant.audit.history.query({ id: started.id }))).toContain('13837912345');
    // A village cadre who handles the file sees masks, and so does anyone reading it for their part in it.
    const cadre = await (await s.as('xiling.committee')).instances.get.query({ id: started.id });
    for (const secret of SECRETS) expect(JSON.stringify(cadre)).not.toContain(secret);
  });

  it('a household a cadre applies for reads its own file, values and all; another villager does not see it at all', async () => {
    await s.store.createUser({ id: 'xiling-household', townshipId: 'qingshan', username: 'xiling.household', displayName: '西岭村村民李桂芳', passwordHash: await hashPassword(DEMO_PASSWORD), roles: [{ role: 'villager', villageId: 'xiling' }] });
    const committee = await s.as('xiling.committee');
    const filed = await committee.instances.start.mutate({ villageId: 'xiling', flowId: 'social-assistance', title: '最低生活保障审核确认：西岭村 QS-2026-0200' });
    const payload = { ...application, submitted_by: 'village_committee' };
    // A name that is no account of the village is refused by its field, and nothing is written.
    const wrong = await errorOf(committee.instances.send.mutate({ id: filed.id, seq: filed.seq, type: 'SUBMIT', payload: { ...payload, applicant_account: 'dongping.villager' } }));
    expect(wrong).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('no account "dongping.villager" holds a role in 西岭村') });
    expect(wrong.data.issues).toEqual([{ pointer: '/applicant_account', message: expect.stringContaining('dongping.villager'), code: 'noAccountInVillage', params: { name: 'dongping.villager', village: '西岭村' } }]);
    for (const secret of SECRETS) expect(JSON.stringify(wrong)).not.toContain(secret);
    expect((await s.store.getInstance(filed.id))!.seq).toBe(filed.seq);
    expect(await s.store.matterPeople(filed.id)).toEqual([{ personId: 'xiling-committee', relation: 'starter' }]);

    const sent = await committee.instances.send.mutate({ id: filed.id, seq: filed.seq, type: 'SUBMIT', payload: { ...payload, applicant_account: 'xiling.household' } });
    expect(await s.store.matterPeople(filed.id)).toEqual([
      { personId: 'xiling-committee', relation: 'starter' },
      { personId: 'xiling-household', relation: 'subject' },
    ]);
    // The household's own login reads it: listed, got, and with its own values.
    const household = await s.as('xiling.household');
    expect((await household.instances.list.query({})).map((i) => i.id)).toEqual([filed.id]);
    const seen = await household.instances.get.query({ id: filed.id });
    expect(seen.readAs).toBe('subject');
    expect((seen.data as { application: Record<string, unknown> }).application.id_number).toBe('410323196805124521');
    expect((await household.audit.verify.query({ id: filed.id })).ok).toBe(true);
    // Another villager of the same village: not there.
    const other = await s.as('xiling.villager');
    expect((await errorOf(other.instances.get.query({ id: filed.id }))).code).toBe('NOT_FOUND');
    expect((await other.instances.list.query({})).some((i) => i.id === filed.id)).toBe(false);
    expect(sent.seq).toBe(filed.seq + 1);
  });

  it('an applicant names no one but themselves as the person concerned', async () => {
    const applicant = await s.as('xiling.applicant');
    const started = await applicant.instances.start.mutate({ villageId: 'xiling', flowId: 'social-assistance' });
    expect(await s.store.matterPeople(started.id)).toEqual([
      { personId: 'xiling-applicant', relation: 'starter' },
      { personId: 'xiling-applicant', relation: 'subject' },
    ]);
    const refused = await errorOf(applicant.instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: { ...application, applicant_account: 'xiling.villager' } }));
    expect(refused).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('only their own account') });
    expect((await s.store.getInstance(started.id))!.seq).toBe(started.seq);
  });
});

describe('erasure after the retention period', () => {
  it('erases the values of a finished matter once its retention has passed; the matter still verifies, on the server and offline', async () => {
    const applicant = await s.as('xiling.applicant');
    let admin = await s.as('qs.admin');
    const started = await applicant.instances.start.mutate({ villageId: 'xiling', flowId: 'social-assistance' });
    const submitted = await applicant.instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: application });
    // Materials incomplete (the one-time notice sends it back), and the applicant withdraws.
    const notice = await (await s.as('qs.caseworker')).instances.send.mutate({ id: started.id, seq: submitted.seq, type: 'SUBMIT', payload: run.events[2]!.payload as Record<string, unknown> });
    const done = await applicant.instances.send.mutate({ id: started.id, seq: notice.seq, type: 'WITHDRAW', payload: { reason: '家庭情况好转' } });
    expect(done).toMatchObject({ status: 'done', outcome: 'withdrawn' });
    const stored = await s.store.personalValues(started.id);
    expect(stored.length).toBe(8 + 3 * 4);

    // Not before the retention period (5 years after it ended) has passed; never by anyone but the admin.
    expect(await errorOf(admin.personal.erase.mutate({ id: started.id }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('retention period (P5Y) runs until') });
    s.clock.advance((5 * 365 + 2) * 86400_000);
    admin = await s.as('qs.admin'); // five years on, a new session
    expect((await errorOf((await s.as('qs.caseworker')).personal.erase.mutate({ id: started.id }))).code).toBe('FORBIDDEN');
    expect(await s.store.personalValues(started.id)).toEqual(stored);

    const before = (await admin.audit.log.query()).length;
    expect(await admin.personal.erase.mutate({ id: started.id })).toEqual({ erased: stored.length });
    const log = await admin.audit.log.query();
    expect(log.length).toBe(before + 1);
    expect(log[0]).toMatchObject({ action: 'personal.erase', target: started.id, actorId: 'qs-admin', details: { erased: stored.length, retention: 'P5Y' } });

    const after = await s.store.personalValues(started.id);
    expect(after.map((v) => [v.commitment, v.value, v.salt, v.erasedBy])).toEqual(stored.map((v) => [v.commitment, null, null, 'qs-admin']));
    // The chain and its commitments are untouched: it verifies on the server and offline.
    const history = await s.store.history(started.id);
    expect(await admin.audit.verify.query({ id: started.id })).toEqual({ ok: true, count: history.length, head: history.at(-1)!.hash });
    const bundle = await admin.audit.export.query({ id: started.id });
    expect(await cliVerify(bundle)).toEqual({ code: 0, out: [`verified ${history.length} records`], err: [] });
    // Everyone now reads "erased"; nobody can reveal a value.
    const caseworker = await s.as('qs.caseworker');
    const view = await caseworker.instances.get.query({ id: started.id });
    const app = (view.data as { application: Record<string, { masked: string | null; $personal: string }> }).application;
    expect(app.id_number).toMatchObject({ masked: null });
    expect((await errorOf(caseworker.personal.reveal.mutate({ id: started.id, commitment: app.id_number!.$personal }))).code).toBe('NOT_FOUND');
  });
});

describe('histories recorded before their fields were marked personal', () => {
  it('values recorded in the clear are masked in every view by the marks the flow has today; the subject still sees them', async () => {
    const admin = await s.as('qs.admin');
    const bundled = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'flows', 'social-assistance.flow.json'), 'utf8')) as Record<string, unknown>;
    // A version from before personal marks: the same flow without them, publishing its values in the chain.
    const { personal: _personal, ...unmarked } = JSON.parse(JSON.stringify(bundled, (key, value: unknown) => (key === 'x-personal' ? undefined : value))) as Record<string, unknown>;
    const publish = async (flow: Record<string, unknown>) => admin.flows.publish.mutate({ id: (await admin.flows.saveDraft.mutate({ json: JSON.stringify(flow) })).version.id });
    await publish({ ...unmarked, version: '0.9.0' });
    const applicant = await s.as('xiling.applicant');
    const started = await applicant.instances.start.mutate({ villageId: 'xiling', flowId: 'social-assistance' });
    await applicant.instances.send.mutate({ id: started.id, seq: started.seq, type: 'SUBMIT', payload: { ...application, members: [(application.members as unknown[])[0]] } });
    // The values are in the chain itself, as such versions recorded them.
    expect(JSON.stringify(await s.store.history(started.id))).toContain('410323196805124521');
    expect(await s.store.personalValues(started.id)).toEqual([]);
    // Today's version marks them again.
    await publish({ ...bundled, version: '1.2.1' });

    const committee = await s.as('xiling.committee');
    const view = await committee.instances.get.query({ id: started.id });
    const app = (view.data as { application: Record<string, unknown> }).application;
    expect(app.id_number).toEqual({ $personal: '', kind: 'id', masked: '4103**********4521' });
    expect(app.phone).toEqual({ $personal: '', kind: 'contact', masked: '138****2345' });
    expect(app.village).toBe('青山村');
    const history = await committee.audit.history.query({ id: started.id });
    expect((history[1]!.payload as Record<string, unknown>).id_number).toEqual({ $personal: '', kind: 'id', masked: '4103**********4521' });
    const replay = await committee.audit.replay.query({ id: started.id });
    expect(replay.verified.ok).toBe(true);
    for (const secret of SECRETS) expect(JSON.stringify([view, history, replay])).not.toContain(secret);
    // The applicant, who the matter is about, sees their own values.
    const own = await applicant.instances.get.query({ id: started.id });
    expect((own.data as { application: Record<string, unknown> }).application.id_number).toBe('410323196805124521');
  });
});

