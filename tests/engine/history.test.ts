// Tamper evidence: every way of altering a stored history is named by verify.
import { describe, expect, it } from 'vitest';
import { compileFlow, hashJson, replay, simulate, verify, type HistoryRecord } from '../../engine/index.ts';
import { readFlowJson } from '../helpers.ts';
import { readFileSync } from 'node:fs';

const flowJson = readFlowJson('flows/five-deliberations-two-disclosures.flow.json');
const compiled = compileFlow(flowJson);
const run = JSON.parse(readFileSync(new URL('../../flows/runs/five-deliberations-two-disclosures.happy-path.run.json', import.meta.url), 'utf8'));
const steps = simulate(compiled, run.events);
const history: HistoryRecord[] = steps.map((s) => s.record);
const fresh = () => structuredClone(history);
const indexOf = (type: string) => history.findIndex((r) => r.type === type);

/** What a careful forger does after an edit: renumber, relink and re-hash from `from` on. */
function rechain(records: HistoryRecord[], from = 0): HistoryRecord[] {
  for (let i = from; i < records.length; i++) {
    const r = records[i]!;
    r.seq = i + 1;
    r.prev = i === 0 ? null : records[i - 1]!.hash;
    const { hash: _old, ...unsigned } = r;
    r.hash = hashJson(unsigned);
  }
  return records;
}

describe('verify', () => {
  it('accepts the untouched chain and reports its head', () => {
    expect(verify(compiled, history)).toEqual({ ok: true, count: history.length, head: history.at(-1)!.hash });
    expect(verify(compiled, history, { head: history.at(-1)!.hash }).ok).toBe(true);
  });

  it('names an edited record', () => {
    const h = fresh();
    const i = indexOf('RECORD_VOTE');
    (h[i]!.payload as { for: number }).for -= 1;
    expect(verify(compiled, h)).toMatchObject({ ok: false, seq: i + 1, reason: expect.stringContaining('edited') });
  });

  it('names an edited time, actor and resulting state', () => {
    for (const edit of [(r: HistoryRecord) => (r.at = '2026-03-02T00:00:00.000Z'), (r: HistoryRecord) => (r.actor.id = 'someone-else'), (r: HistoryRecord) => (r.state = 'adopted')]) {
      const h = fresh();
      edit(h[3]!);
      expect(verify(compiled, h)).toMatchObject({ ok: false, seq: 4, reason: expect.stringContaining('edited') });
    }
  });

  it('names the gap where a record was removed', () => {
    const h = fresh();
    h.splice(5, 1);
    expect(verify(compiled, h)).toMatchObject({ ok: false, seq: 7, index: 5, reason: expect.stringContaining('removed, inserted or reordered') });
  });

  it('names reordered records', () => {
    const h = fresh();
    [h[4], h[5]] = [h[5]!, h[4]!];
    expect(verify(compiled, h)).toMatchObject({ ok: false, index: 4, reason: expect.stringContaining('reordered') });
  });

  it('names an inserted record', () => {
    const h = fresh();
    h.splice(2, 0, { ...structuredClone(h[1]!), seq: 3 });
    expect(verify(compiled, h)).toMatchObject({ ok: false, index: 2, reason: expect.stringContaining('does not link') });
  });

  it('names a record re-hashed on its own at the first record that no longer links', () => {
    const h = fresh();
    h[2]!.payload = { ...h[2]!.payload, notes: '改过' };
    const { hash: _h, ...unsigned } = h[2]!;
    h[2]!.hash = hashJson(unsigned);
    expect(verify(compiled, h)).toMatchObject({ ok: false, seq: 4, reason: expect.stringContaining('does not link') });
  });

  it('re-executes a fully re-hashed chain: a changed vote that no longer passes is caught', () => {
    const h = fresh();
    const i = indexOf('RECORD_VOTE');
    const p = h[i]!.payload as { for: number; against: number };
    p.against += p.for;
    p.for = 0;
    expect(verify(compiled, rechain(h))).toMatchObject({ ok: false, seq: i + 1, reason: expect.stringMatching(/went to .* but the flow takes it to/) });
  });

  it('re-executes a fully re-hashed chain: a removed meeting makes the next step not allowed', () => {
    const h = fresh();
    const i = indexOf('RECORD_VOTE');
    h.splice(i, 1);
    expect(verify(compiled, rechain(h))).toMatchObject({ ok: false, seq: i + 1, reason: expect.stringContaining('not allowed by the flow') });
  });

  it('re-executes a fully re-hashed chain: an actor given a role the step does not allow is caught', () => {
    const h = fresh();
    const i = indexOf('APPROVE');
    h[i]!.actor.role = 'villager';
    expect(verify(compiled, rechain(h))).toMatchObject({ ok: false, seq: i + 1, reason: expect.stringContaining('needs one of the roles') });
  });

  it('re-executes a fully re-hashed chain: a timer fired before it was due is caught', () => {
    const h = fresh();
    const i = indexOf('TIMER');
    h[i]!.at = h[i - 1]!.at;
    expect(verify(compiled, rechain(h))).toMatchObject({ ok: false, seq: i + 1, reason: expect.stringContaining('not due') });
  });

  it('a cosmetic edit re-hashed end to end is caught only against a known head', () => {
    const h = fresh();
    const i = indexOf('APPROVE');
    h[i]!.payload = { ...h[i]!.payload, opinion: '伪造的意见' };
    rechain(h);
    expect(verify(compiled, h).ok).toBe(true);
    expect(verify(compiled, h, { head: history.at(-1)!.hash })).toMatchObject({ ok: false, reason: expect.stringContaining('expected head') });
  });

  it('a chain cut off at the end is caught against a known head', () => {
    const h = fresh().slice(0, -2);
    expect(verify(compiled, h, { head: history.at(-1)!.hash })).toMatchObject({ ok: false, reason: expect.stringContaining('cut off') });
  });

  it('refuses a chain started from another flow version', () => {
    const other = compileFlow({ ...flowJson, version: '1.0.1' });
    expect(verify(other, history)).toMatchObject({ ok: false, seq: 1, reason: expect.stringContaining('does not start this flow version') });
  });
});

describe('replay', () => {
  it('rebuilds every intermediate snapshot from the records alone', () => {
    const snapshots = replay(compiled, history);
    expect(snapshots).toHaveLength(history.length);
    snapshots.forEach((s, i) => expect(JSON.parse(JSON.stringify(s))).toEqual(JSON.parse(JSON.stringify(steps[i]!.snapshot))));
  });
  it('shows the form data entered at each step', () => {
    const snapshots = replay(compiled, history);
    const submit = history.findIndex((r) => r.type === 'SUBMIT');
    expect(snapshots[submit - 1]!.context.data.proposal).toBeUndefined();
    expect(snapshots[submit]!.context.data.proposal).toEqual(history[submit]!.payload);
  });
});
