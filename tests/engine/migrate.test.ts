// Migrating a running instance to another version of its flow: where it lands by default, every
// refusal, and a chain that crosses versions still replaying and verifying — with both versions.
import { describe, expect, it } from 'vitest';
import {
  apply,
  compileFlow,
  EngineError,
  hashJson,
  migrate,
  migrationEvent,
  planMigration,
  replay,
  simulate,
  verify,
  type CompiledFlow,
  type FlowEvent,
  type HistoryRecord,
  type InstanceSnapshot,
} from '../../engine/index.ts';
import { actor, readFlowJson, SYSTEM } from '../helpers.ts';

type Json = Record<string, any>;
const five = readFlowJson('flows/five-deliberations-two-disclosures.flow.json') as Json;
const v0 = compileFlow(five);
/** 1.1.1: the township review before the party members' meeting (as the designer test edits it). */
const v1 = compileFlow(
  (() => {
    const f = structuredClone(five);
    f.version = '1.1.1';
    f.states.two_committees.on['VOTE.PASSED'] = 'township_review';
    f.states.township_review.on.APPROVE = 'party_members_meeting';
    f.states.representatives_meeting.on['VOTE.PASSED'] = 'resolution_disclosure';
    return f;
  })(),
);
const run = readFlowJson('flows/runs/five-deliberations-two-disclosures.happy-path.run.json') as { events: FlowEvent[] };
const admin = actor('qs.admin', 'township_admin');
const clerk = actor('u-sun-clerk', 'clerk');
const reviewer = actor('u-he-township', 'township_reviewer');
const types = (s: { type: string }[]) => s.map((e) => e.type);

/** The happy path up to (not including) the first event of `type`. */
function runUntil(flow: CompiledFlow, type: string, nth = 0): HistoryRecord[] {
  let seen = -1;
  const cut = run.events.findIndex((e) => e.type === type && ++seen === nth);
  return simulate(flow, run.events.slice(0, cut)).map((s) => s.record);
}
const snapshotOf = (flow: CompiledFlow, records: HistoryRecord[]): InstanceSnapshot => replay(flow, records).at(-1)!;
const codes = (flow: CompiledFlow, to: CompiledFlow, snap: InstanceSnapshot, landing?: string) => planMigration(flow, to, snap, landing).problems.map((p) => p.code);

describe('planMigration', () => {
  const atCommittees = snapshotOf(v0, runUntil(v0, 'RECORD_VOTE'));

  it('lands on the same state id by default, with nothing in the way', () => {
    expect(atCommittees.state).toBe('two_committees');
    const plan = planMigration(v0, v1, atCommittees);
    expect(plan).toMatchObject({ state: 'two_committees', landing: 'two_committees', defaultLanding: 'two_committees', problems: [] });
    expect(plan.from).toEqual({ id: v0.flow.id, version: '1.1.0', hash: v0.hash });
    expect(plan.to).toEqual({ id: v1.flow.id, version: '1.1.1', hash: v1.hash });
    expect(planMigration(v0, v1, atCommittees, 'proposal').problems.map((p) => p.code)).toEqual(['KIND_CHANGED']);
  });

  it('refuses an ended instance, another version, another flow and the same version', () => {
    const done = simulate(v0, run.events).at(-1)!.snapshot;
    expect(done.status).toBe('done');
    expect(codes(v0, v1, done)).toEqual(['INSTANCE_DONE']);
    expect(codes(v1, v0, atCommittees)).toEqual(['NOT_ON_VERSION']);
    expect(codes(v0, v0, atCommittees)).toEqual(['SAME_VERSION']);
    const four = compileFlow(readFlowJson('flows/four-deliberations-two-disclosures.flow.json'));
    const other = planMigration(v0, four, atCommittees).problems;
    expect(other.map((p) => p.code)).toEqual(['OTHER_FLOW']);
    expect(other[0]!.message).toContain('another flow');
  });

  it('names a landing state the new version lacks, a final one, and a different kind of step', () => {
    expect(planMigration(v0, v1, atCommittees, 'nowhere').problems[0]).toMatchObject({ code: 'LANDING_MISSING', message: expect.stringContaining('"nowhere"') });
    expect(planMigration(v0, v1, atCommittees, 'adopted').problems[0]).toMatchObject({ code: 'LANDING_FINAL', message: expect.stringContaining('"adopted"') });
    const kind = planMigration(v0, v1, atCommittees, 'township_review').problems[0]!;
    expect(kind).toMatchObject({ code: 'KIND_CHANGED', params: { kind: 'vote', landingKind: 'review', state: 'two_committees', landing: 'township_review' } });
    expect(kind.message).toContain('"two_committees"');
  });

  it('asks for a landing state when the current one is gone', () => {
    const renamed = compileFlow(JSON.parse(JSON.stringify({ ...five, version: '2.0.0' }).replaceAll('"two_committees":{"kind"', '"committees":{"kind"').replaceAll('"target":"two_committees"', '"target":"committees"').replaceAll('"SUBMIT":"two_committees"', '"SUBMIT":"committees"')));
    const plan = planMigration(v0, renamed, atCommittees);
    expect(plan).toMatchObject({ landing: null, defaultLanding: null });
    expect(plan.problems.map((p) => p.code)).toEqual(['NO_LANDING']);
    expect(planMigration(v0, renamed, atCommittees, 'committees').problems).toEqual([]);
  });

  it('refuses while ballots are cast: re-entering the vote would lose them', () => {
    const records = runUntil(v0, 'CAST_BALLOT', 2);
    const snap = snapshotOf(v0, records);
    expect(snap.state).toBe('party_members_meeting');
    const [problem] = planMigration(v0, v1, snap).problems;
    expect(problem).toMatchObject({ code: 'BALLOTS_OPEN', params: { ballots: 2 } });
    expect(problem!.message).toContain('"party_members_meeting"');
  });

  it('refuses data the new version’s schema does not accept, naming the field', () => {
    const strict = structuredClone(five);
    strict.version = '1.2.0';
    strict.data.$defs.proposal.properties.budget.maximum = 1000;
    const [problem] = planMigration(v0, compileFlow(strict), snapshotOf(v0, runUntil(v0, 'RECORD_VOTE'))).problems;
    expect(problem).toMatchObject({ code: 'DATA_INVALID', params: { pointer: '/proposal/budget' } });
    expect(problem!.issues![0]!.pointer).toBe('/proposal/budget');
  });
});

describe('migrate', () => {
  const before = runUntil(v0, 'RECORD_VOTE');
  const snap = snapshotOf(v0, before);
  const at = '2026-03-04T09:00:00+08:00';

  it('makes a MIGRATE record in the chain and puts the instance on the new version', () => {
    const step = migrate(v0, v1, snap, migrationEvent(v0, v1, snap, { actor: admin, at, reason: '调整审核顺序' }));
    expect(step.record).toMatchObject({
      seq: snap.seq + 1,
      type: 'MIGRATE',
      actor: { id: 'qs.admin', role: 'township_admin' },
      state: 'two_committees',
      prev: snap.hash,
      payload: { from: { version: '1.1.0', hash: v0.hash }, to: { version: '1.1.1', hash: v1.hash }, map: { two_committees: 'two_committees' }, reason: '调整审核顺序' },
    });
    const { hash: _hash, ...unsigned } = step.record;
    expect(step.record.hash).toBe(hashJson(unsigned));
    expect(step.snapshot).toMatchObject({ flow: { version: '1.1.1', hash: v1.hash }, state: 'two_committees', status: 'active', seq: step.record.seq, hash: step.record.hash });
    expect(step.snapshot.context.data).toEqual(snap.context.data);
    expect(step.snapshot.context.enteredAt).toBe(new Date(at).toISOString());
    // The old version no longer takes events for it; the new one does, on the new route.
    const vote = run.events.find((e) => e.type === 'RECORD_VOTE')!;
    expect(() => apply(v0, step.snapshot, vote)).toThrow(/not this flow version/);
    expect(apply(v1, step.snapshot, vote).snapshot.state).toBe('township_review');
  });

  it('stops the old step’s timers and starts the landing step’s', () => {
    // At plan_revision (deadline P15D) after the members' meeting failed; land on the same state.
    const records = simulate(v0, [
      ...run.events.slice(0, 3),
      ...['for', 'for', 'against', 'against', 'against'].map((choice, i) => ({ ...run.events[3 + i]!, payload: { choice } })),
      { ...run.events[11]! },
    ]).map((s) => s.record);
    const at = snapshotOf(v0, records);
    expect(at.state).toBe('plan_revision');
    const step = migrate(v0, v1, at, migrationEvent(v0, v1, at, { actor: admin, at: '2026-03-11T09:00:00+08:00' }));
    const due = step.snapshot.context.timers['plan_revision:deadline']!.due;
    expect(due).not.toBe(at.context.timers['plan_revision:deadline']!.due);
    expect(step.effects).toEqual([
      { type: 'timer.cancel', timer: 'plan_revision:deadline' },
      { type: 'timer.schedule', timer: 'plan_revision:deadline', due },
    ]);
  });

  it('refuses with a typed error and changes nothing', () => {
    const frozen = structuredClone(snap);
    const attempt = (event: FlowEvent, to = v1) => {
      try {
        migrate(v0, to, snap, event);
      } catch (error) {
        expect(error).toBeInstanceOf(EngineError);
        return (error as EngineError).code;
      }
      return 'accepted';
    };
    expect(attempt(migrationEvent(v0, v1, snap, { actor: clerk, at }))).toBe('ROLE_FORBIDDEN');
    expect(attempt(migrationEvent(v0, v1, snap, { actor: admin, at: '2026-03-01T00:00:00+08:00' }))).toBe('TIME_REVERSED');
    expect(attempt(migrationEvent(v0, v1, snap, { actor: admin, at, landing: 'proposal' }))).toBe('EVENT_NOT_ALLOWED');
    expect(attempt(migrationEvent(v0, v1, snap, { actor: admin, at }), v0)).toBe('EVENT_INVALID');
    expect(attempt({ ...migrationEvent(v0, v1, snap, { actor: admin, at }), payload: { to: 'x' } })).toBe('EVENT_INVALID');
    expect(attempt({ ...migrationEvent(v0, v1, snap, { actor: admin, at }), payload: { ...migrationEvent(v0, v1, snap, { actor: admin, at }).payload, map: { proposal: 'proposal' } } })).toBe('EVENT_NOT_ALLOWED');
    expect(snap).toEqual(frozen);
  });
});

describe('a chain across a migration', () => {
  // Started on 1.1.0, migrated at the two committees' meeting, finished on 1.1.1's new route.
  const before = runUntil(v0, 'RECORD_VOTE');
  const snap = snapshotOf(v0, before);
  const moved = migrate(v0, v1, snap, migrationEvent(v0, v1, snap, { actor: admin, at: '2026-03-04T09:00:00+08:00' }));
  const e = (type: string, who: FlowEvent['actor'], at: string, payload: Record<string, unknown> = {}): FlowEvent => ({ type, actor: who, at, payload });
  const ballots = run.events.filter((x) => x.type === 'CAST_BALLOT').map((x) => ({ ...x, at: x.at.replace('03-10', '03-21') }));
  const rest: FlowEvent[] = [
    run.events.find((x) => x.type === 'RECORD_VOTE')!,
    e('APPROVE', reviewer, '2026-03-06T10:00:00+08:00', { opinion: '同意' }),
    ...ballots,
    e('CLOSE_VOTE', clerk, '2026-03-21T10:00:00+08:00', { members: 10, eligible: 9 }),
    e('RECORD_VOTE', clerk, '2026-03-22T14:00:00+08:00', { members: 33, eligible: 33, present: 29, for: 26, against: 1, abstain: 2, recused: 0 }),
    e('TIMER', SYSTEM, '2026-03-29T14:05:00+08:00', { timer: 'resolution_disclosure:disclosure' }),
    run.events.at(-2)!,
    run.events.at(-1)!,
  ];
  const records: HistoryRecord[] = [...before, moved.record];
  let current = moved.snapshot;
  for (const event of rest) {
    const step = apply(v1, current, event);
    records.push(step.record);
    current = step.snapshot;
  }

  it('follows the new route to the end', () => {
    expect(current).toMatchObject({ status: 'done', outcome: 'adopted', flow: { version: '1.1.1' } });
    const states = records.map((r) => r.state);
    expect(states.indexOf('township_review')).toBeLessThan(states.indexOf('party_members_meeting'));
  });

  it('replays and verifies with both versions, given as a list or a lookup', () => {
    expect(verify([v0, v1], records, { head: current.hash })).toEqual({ ok: true, count: records.length, head: current.hash });
    const byHash = new Map([v0, v1].map((c) => [c.hash, c]));
    expect(verify((hash) => byHash.get(hash), records).ok).toBe(true);
    const snapshots = replay([v1, v0], records);
    expect(snapshots.map((s) => s.state)).toEqual(records.map((r) => r.state));
    expect(snapshots.at(-1)).toEqual(current);
    expect(types(records)).toContain('MIGRATE');
  });

  it('fails naming the record when a version is missing or the wrong one is supplied', () => {
    const seq = before.length + 1;
    expect(verify(v0, records)).toMatchObject({ ok: false, seq, reason: expect.stringContaining('migrates to flow version five-deliberations-two-disclosures@1.1.1') });
    expect(verify(v0, records).ok === false && verify(v0, records)).toMatchObject({ reason: expect.stringContaining('not supplied') });
    expect(verify(v1, records)).toMatchObject({ ok: false, seq: 1, reason: expect.stringContaining('does not start this flow version') });
    expect(verify([v1], records)).toMatchObject({ ok: false, seq: 1, reason: expect.stringContaining('not supplied') });
    expect(() => replay([v0], records)).toThrow(/not supplied/);
  });

  it('detects a tampered MIGRATE record, also when the forger re-hashes the chain', () => {
    const i = before.length;
    const edited = structuredClone(records);
    (edited[i]!.payload.map as Record<string, string>).two_committees = 'proposal';
    edited[i]!.state = 'proposal';
    expect(verify([v0, v1], edited)).toMatchObject({ ok: false, seq: i + 1, reason: expect.stringContaining('edited') });
    for (let k = i; k < edited.length; k++) {
      const r = edited[k]!;
      r.prev = edited[k - 1]!.hash;
      const { hash: _old, ...unsigned } = r;
      r.hash = hashJson(unsigned);
    }
    expect(verify([v0, v1], edited)).toMatchObject({ ok: false, seq: i + 1, reason: expect.stringContaining('not allowed by the flow') });
    // A migration to a version other than the one the later records ran on.
    const swapped = structuredClone(records);
    swapped[i]!.payload.to = { id: v0.flow.id, version: '1.1.0', hash: v0.hash };
    expect(verify([v0, v1], swapped)).toMatchObject({ ok: false, seq: i + 1 });
  });
});
