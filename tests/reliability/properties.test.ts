// Property tests of the engine (fast-check): random flows built from a small safe set of states,
// transitions and guards must compile whenever they validate (and never when they do not), and
// every state the engine can reach must replay and verify from its history; random sequences of
// events, allowed or not, never put an instance in a state the flow does not have, never change
// the snapshot they are refused on, and replay(history) always ends in the snapshot apply returned;
// and any single edit, removal, reordering, insertion or re-hash of a golden run's chain is caught.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apply,
  compileFlow,
  EngineError,
  FlowInvalidError,
  hashJson,
  replay,
  simulate,
  start,
  validateFlow,
  verify,
  type CompiledFlow,
  type Flow,
  type FlowEvent,
  type HistoryRecord,
  type InstanceSnapshot,
  type StateConfig,
} from '../../engine/index.ts';
import { ROOT } from './fixtures.ts';

// ── a generator of flows from a small, safe vocabulary ─────────────────────────────────────────
const GUARDS = ['payload.n >= 10.0', 'payload.n < 10.0', 'actor.role == "a"', 'true', 'has(data.s0)'];
const KINDS = ['task', 'review', 'vote', 'disclosure'] as const;
type Kind = (typeof KINDS)[number];

interface Plan {
  kinds: Kind[];
  finals: number;
  /** Per state: extra targets (indices into all states, finals last) and options. */
  extras: { targets: number[]; guard: number; custom: boolean; deadline: boolean; quorum: boolean; ballot: boolean; object: boolean; twoWay: boolean }[];
  brokenTarget: boolean;
}

const planArb: fc.Arbitrary<Plan> = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.record({
    kinds: fc.array(fc.constantFrom(...KINDS), { minLength: n, maxLength: n }),
    finals: fc.integer({ min: 1, max: 2 }),
    extras: fc.array(
      fc.record({
        targets: fc.array(fc.nat({ max: n + 1 }), { maxLength: 3 }),
        guard: fc.nat({ max: GUARDS.length }),
        custom: fc.boolean(),
        deadline: fc.boolean(),
        quorum: fc.boolean(),
        ballot: fc.boolean(),
        object: fc.boolean(),
        twoWay: fc.boolean(),
      }),
      { minLength: n, maxLength: n },
    ),
    brokenTarget: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  }),
);

/** States s0..s(n-1) in a chain that ends in f0, plus random extra edges anywhere (back, self, finals). */
function buildFlow(plan: Plan): Flow {
  const n = plan.kinds.length;
  const finals = Array.from({ length: plan.finals }, (_, i) => `f${i}`);
  const ids = [...plan.kinds.map((_, i) => `s${i}`), ...finals];
  const states: Record<string, StateConfig> = {};
  plan.kinds.forEach((kind, i) => {
    const x = plan.extras[i]!;
    const next = i + 1 < n ? `s${i + 1}` : 'f0';
    const extra = x.targets.map((t) => ids[t % ids.length]!);
    const other = extra[0] ?? next;
    const guard = GUARDS[x.guard];
    const title = { zh: `步骤${i}` };
    let s: StateConfig;
    if (kind === 'task') {
      s = {
        kind, title, roles: ['a'],
        form: { schema: { type: 'object', required: ['n'], additionalProperties: false, properties: { n: { type: 'number' } } }, saveTo: `/s${i}` },
        on: { SUBMIT: guard ? [{ target: other, guard }, { target: next }] : next },
      };
      if (x.custom) s.on!.HOLD = extra[1] ?? other;
      if (x.deadline) (s.deadline = { duration: 'P2D' }), (s.on!['DEADLINE.EXCEEDED'] = extra[2] ?? next);
    } else if (kind === 'review') {
      s = { kind, title, roles: ['b'], review: { saveTo: `/s${i}` }, on: { APPROVE: next } };
      if (x.twoWay) (s.on!.RETURN = other), (s.on!.REJECT = finals.at(-1)!);
    } else if (kind === 'vote') {
      s = {
        kind, title, roles: ['a'],
        vote: { body: { zh: '会议' }, electorate: 'v', mode: x.ballot ? 'ballot' : 'record', pass: { of: 'present', op: '>', ratio: '1/2' }, ...(x.quorum ? { quorum: { of: 'all', op: '>=', ratio: '2/3' } } : {}), saveTo: `/s${i}` },
        on: { 'VOTE.PASSED': next, 'VOTE.FAILED': other, ...(x.quorum ? { 'VOTE.NO_QUORUM': `s${i}` } : {}) },
      };
    } else {
      s = { kind, title, roles: ['a'], disclosure: { publish: ['/s0'], period: { duration: 'P1D' } }, on: { 'DISCLOSURE.ENDED': next } };
      if (x.object) s.on!.OBJECT = { target: other, roles: ['v'] };
    }
    if (plan.brokenTarget && i === 0) s.on!.HOLD = 'nowhere';
    states[`s${i}`] = s;
  });
  finals.forEach((f, i) => (states[f] = { kind: 'final', title: { zh: `结束${i}` }, outcome: i === 0 ? 'completed' : 'rejected' }));
  return {
    id: 'random-flow',
    version: '1.0.0',
    title: { zh: '随机流程' },
    roles: { a: { zh: '甲' }, b: { zh: '乙' }, v: { zh: '丙' } },
    starters: ['a'],
    data: { type: 'object' },
    initial: 's0',
    states,
  };
}

// ── events: what a host or an attacker may send to a running instance ──────────────────────────
const A = { id: 'u-a', roles: ['a'] };
const B = { id: 'u-b', roles: ['b'] };
const V = (k: number) => ({ id: `u-v${k}`, roles: ['v'] });
const SYSTEM = { id: 'system', roles: ['system'] };
type Draft = Omit<FlowEvent, 'at'>;

/** Every event worth trying now: the flow's own events with good and bad payloads, and junk. */
function candidates(snap: InstanceSnapshot): Draft[] {
  const out: Draft[] = [
    { type: 'SUBMIT', actor: A, payload: { n: 1 } },
    { type: 'SUBMIT', actor: A, payload: { n: 20 } },
    { type: 'SUBMIT', actor: A, payload: { n: 'x' } },
    { type: 'SUBMIT', actor: B, payload: { n: 1 } },
    { type: 'APPROVE', actor: B, payload: {} },
    { type: 'RETURN', actor: B, payload: { reason: '退回' } },
    { type: 'REJECT', actor: B, payload: { reason: '否决' } },
    { type: 'APPROVE', actor: A, payload: {} },
    { type: 'RECORD_VOTE', actor: A, payload: { members: 6, eligible: 6, present: 6, for: 5, against: 1, abstain: 0, recused: 0 } },
    { type: 'RECORD_VOTE', actor: A, payload: { members: 6, eligible: 6, present: 6, for: 1, against: 5, abstain: 0, recused: 0 } },
    { type: 'RECORD_VOTE', actor: A, payload: { members: 6, eligible: 6, present: 2, for: 2, against: 0, abstain: 0, recused: 0 } },
    { type: 'RECORD_VOTE', actor: A, payload: { members: 6, eligible: 6, present: 7, for: 7, against: 0, abstain: 0, recused: 0 } },
    { type: 'CAST_BALLOT', actor: V(1), payload: { choice: 'for' } },
    { type: 'CAST_BALLOT', actor: V(2), payload: { choice: 'against' } },
    { type: 'CAST_BALLOT', actor: V(3), payload: { choice: 'maybe' } },
    { type: 'CLOSE_VOTE', actor: A, payload: { members: 3, eligible: 3 } },
    { type: 'OBJECT', actor: V(1), payload: { reason: '有异议' } },
    { type: 'HOLD', actor: A, payload: {} },
    { type: 'DISCLOSURE.ENDED', actor: A, payload: {} },
    { type: 'VOTE.PASSED', actor: A, payload: {} },
    { type: 'START', actor: A, payload: {} },
    { type: 'TIMER', actor: A, payload: { timer: 'x' } },
    { type: 'bogus', actor: A, payload: {} },
    { type: 'SUBMIT', actor: { id: '', roles: [] }, payload: { n: 1 } },
  ];
  for (const timer of Object.keys(snap.context.timers)) out.push({ type: 'TIMER', actor: SYSTEM, payload: { timer } });
  return out;
}

/** The event types the current state takes (what the engine would name in EVENT_NOT_ALLOWED). */
function takes(compiled: CompiledFlow, snap: InstanceSnapshot): Set<string> {
  const state = compiled.states.get(snap.state)!;
  const types = new Set([...state.events.keys()]);
  if (state.config.vote?.mode === 'record') types.add('RECORD_VOTE');
  if (state.config.vote?.mode === 'ballot') types.add('CLOSE_VOTE');
  if (state.timers.length) types.add('TIMER');
  return types;
}

/** The time an event is sent: an hour on, or the due time of the timer it delivers (if later). */
function timeFor(snap: InstanceSnapshot, e: Draft, early = false): string {
  const after = Date.parse(snap.at) + 3600_000;
  const due = e.type === 'TIMER' ? snap.context.timers[e.payload!.timer as string]?.due : undefined;
  if (due && !early) return new Date(Math.max(after, Date.parse(due))).toISOString();
  return new Date(after).toISOString();
}

/** Applies one event, checking the engine's contract either way; returns the step or null. */
function step(compiled: CompiledFlow, snap: InstanceSnapshot, event: FlowEvent) {
  const before = structuredClone(snap);
  try {
    const result = apply(compiled, snap, event);
    expect(Object.hasOwn(compiled.flow.states, result.snapshot.state), `state ${result.snapshot.state}`).toBe(true);
    const kind = compiled.flow.states[result.snapshot.state]!.kind;
    expect(result.snapshot.status).toBe(kind === 'final' ? 'done' : 'active');
    expect(result.snapshot.seq).toBe(snap.seq + 1);
    expect(result.record).toMatchObject({ seq: snap.seq + 1, prev: snap.hash, state: result.snapshot.state, type: event.type });
    expect(snap).toEqual(before);
    return result;
  } catch (error) {
    // Refusals are typed and change nothing; anything else is a bug.
    if (!(error instanceof EngineError)) throw error;
    expect(snap).toEqual(before);
    return null;
  }
}

function expectReplayable(compiled: CompiledFlow, records: HistoryRecord[], snap: InstanceSnapshot) {
  expect(replay(compiled, records).at(-1)).toEqual(snap);
  expect(verify(compiled, records, { head: snap.hash })).toEqual({ ok: true, count: records.length, head: snap.hash });
}

/**
 * A run from `first`, one event per pick: `next` makes it from the snapshot reached (null: none this
 * time). Refused events leave the run as it was; both kinds are counted in `tally`, and the run
 * must replay to the same snapshot.
 */
function walk<P>(compiled: CompiledFlow, first: { snapshot: InstanceSnapshot; record: HistoryRecord }, picks: P[], next: (snap: InstanceSnapshot, pick: P) => FlowEvent | null, tally: { accepted: number; refused: number }) {
  let snap = first.snapshot;
  const records = [first.record];
  for (const pick of picks) {
    const e = next(snap, pick);
    if (!e) continue;
    const result = step(compiled, snap, e);
    if (!result) {
      tally.refused++;
      continue;
    }
    tally.accepted++;
    snap = result.snapshot;
    records.push(result.record);
  }
  expectReplayable(compiled, records, snap);
}

const begin = (compiled: CompiledFlow) => start(compiled, { type: 'START', actor: A, at: '2026-03-02T01:00:00.000Z', payload: {} });

describe('random flows', () => {
  let valid = 0;
  let invalid = 0;
  let reachedStates = 0;

  it('compile exactly when they validate, and every state the engine reaches replays from its history', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const flow = buildFlow(plan);
        const issues = validateFlow(flow);
        if (issues.length) {
          invalid++;
          expect(() => compileFlow(flow)).toThrow(FlowInvalidError);
          return;
        }
        valid++;
        const compiled = compileFlow(flow);
        // Breadth first over the states the engine actually enters; the first path to each is kept.
        const first = begin(compiled);
        const reached = new Map<string, HistoryRecord[]>([[first.snapshot.state, [first.record]]]);
        const queue: { snap: InstanceSnapshot; records: HistoryRecord[] }[] = [{ snap: first.snapshot, records: [first.record] }];
        while (queue.length) {
          const { snap, records } = queue.shift()!;
          expectReplayable(compiled, records, snap);
          if (snap.status === 'done' || records.length > 25) continue;
          for (const e of candidates(snap)) {
            const result = step(compiled, snap, { ...e, at: timeFor(snap, e) });
            if (!result) continue;
            const key = `${result.snapshot.state}|${Object.keys(result.snapshot.context.ballots).length}`;
            if (reached.has(key)) continue;
            reached.set(key, [...records, result.record]);
            queue.push({ snap: result.snapshot, records: [...records, result.record] });
          }
        }
        const states = new Set([...reached.keys()].map((k) => k.split('|')[0]!));
        reachedStates += states.size;
        for (const st of states) expect(Object.keys(flow.states)).toContain(st);
        expect(states.has(flow.initial)).toBe(true);
      }),
      { numRuns: 150 },
    );
    expect(valid).toBeGreaterThan(30);
    expect(invalid).toBeGreaterThan(0);
    console.log(`random flows: ${valid} valid (compiled, ${reachedStates} states reached and replayed), ${invalid} invalid (refused by compile)`);
  });

  it('random event sequences never leave the flow, never change a refused snapshot, and replay to the same snapshot', { timeout: 60_000 }, () => {
    const tally = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(planArb, fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 40 }), (plan, picks) => {
        const flow = buildFlow(plan);
        if (validateFlow(flow).length) return;
        const compiled = compileFlow(flow);
        const first = begin(compiled);
        walk(
          compiled,
          first,
          picks,
          (snap, [pick, early, aimed]) => {
            // Half the time, only events of a type this state takes (so runs get somewhere).
            const here = takes(compiled, snap);
            const all = candidates(snap).filter((e) => !aimed || here.has(e.type));
            if (all.length === 0) return null;
            const e = all[pick % all.length]!;
            return { ...e, at: timeFor(snap, e, early) };
          },
          tally,
        );
      }),
      { numRuns: 150 },
    );
    expect(tally.accepted).toBeGreaterThan(30);
    expect(tally.refused).toBeGreaterThan(100);
    console.log(`random events on random flows: ${tally.accepted} accepted, ${tally.refused} refused`);
  });
});

// ── the bundled flows, with events drawn from their golden runs ─────────────────────────────────
const bundled = readdirSync(join(ROOT, 'flows'))
  .filter((f) => f.endsWith('.flow.json'))
  .map((f) => {
    const flow = JSON.parse(readFileSync(join(ROOT, 'flows', f), 'utf8')) as Flow;
    const runs = readdirSync(join(ROOT, 'flows', 'runs')).filter((r) => r.startsWith(`${flow.id}.`) && r.endsWith('.run.json'));
    const events = runs.flatMap((r) => (JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', r), 'utf8')) as { events: FlowEvent[] }).events);
    return { flow, starts: events.filter((e) => e.type === 'START'), pool: events.filter((e) => e.type !== 'START' && e.type !== 'TIMER') };
  });

describe('bundled flows under random golden-run events', () => {
  it.each(bundled.map((b) => [b.flow.id, b] as const))('%s', { timeout: 60_000 }, (_id, { flow, starts, pool }) => {
    const compiled = compileFlow(flow);
    const tally = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), (s, picks) => {
        const opening = starts[s % starts.length]!;
        const first = start(compiled, { ...opening, at: '2026-03-02T01:00:00.000Z' });
        walk(
          compiled,
          first,
          picks,
          (snap, pick) => {
            // Each golden-run event of the flow, or a due timer: many are refused here, some are not.
            const timers = Object.keys(snap.context.timers).map((timer): Draft => ({ type: 'TIMER', actor: SYSTEM, payload: { timer } }));
            const options: Draft[] = [...pool, ...timers];
            const e = options[pick % options.length]!;
            return { ...e, at: timeFor(snap, e) };
          },
          tally,
        );
      }),
      { numRuns: 40 },
    );
    expect(tally.accepted).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
  });
});

// ── tampered histories: any edit to a golden run's chain is caught ──────────────────────────────
const TAMPERS = ['payload', 'at', 'actor', 'role', 'state', 'type', 'prev', 'delete', 'swap', 'duplicate', 'truncate', 'rehashed'] as const;
type Tamper = (typeof TAMPERS)[number];

/** The chain with one edit; `rehashed` edits a payload and re-hashes every record after it. */
function tamper(records: HistoryRecord[], kind: Tamper, at: number, flow: Flow): HistoryRecord[] {
  const out = structuredClone(records);
  const i = at % out.length;
  const r = out[i]!;
  const states = Object.keys(flow.states);
  switch (kind) {
    case 'payload': r.payload = { ...r.payload, note: `${String(r.payload.note ?? '')}改` }; break;
    case 'at': r.at = new Date(Date.parse(r.at) + 1).toISOString(); break;
    case 'actor': r.actor = { ...r.actor, id: `${r.actor.id}x` }; break;
    case 'role': r.actor = { ...r.actor, role: r.actor.role === 'system' ? 'clerk' : 'system' }; break;
    case 'state': r.state = states[(states.indexOf(r.state) + 1) % states.length]!; break;
    case 'type': r.type = r.type === 'SUBMIT' ? 'APPROVE' : 'SUBMIT'; break;
    case 'prev': r.prev = r.prev === null ? '0'.repeat(64) : null; break;
    case 'delete': out.splice(i, 1); break;
    case 'swap': if (out.length > 1) { const j = i === out.length - 1 ? i - 1 : i + 1; [out[i], out[j]] = [out[j]!, out[i]!]; } else out.pop(); break;
    case 'duplicate': out.splice(i, 0, structuredClone(r)); break;
    case 'truncate': out.splice(Math.max(1, i), out.length); if (out.length === records.length) out.pop(); break;
    case 'rehashed': {
      r.payload = { ...r.payload, note: '改' };
      let prev = i > 0 ? out[i - 1]!.hash : null;
      for (const x of out.slice(i)) {
        x.prev = prev;
        const { hash: _old, ...unsigned } = x;
        x.hash = hashJson(unsigned);
        prev = x.hash;
      }
      break;
    }
  }
  return out;
}

describe('tampered histories', () => {
  const golden = bundled.flatMap(({ flow }) =>
    readdirSync(join(ROOT, 'flows', 'runs'))
      .filter((r) => r.startsWith(`${flow.id}.`) && r.endsWith('.run.json'))
      .map((r) => ({ flow, events: (JSON.parse(readFileSync(join(ROOT, 'flows', 'runs', r), 'utf8')) as { events: FlowEvent[] }).events })),
  );
  const compiled = new Map(bundled.map(({ flow }) => [flow.id, compileFlow(flow)]));
  const chains = golden.map(({ flow, events }) => ({ flow, records: simulate(compiled.get(flow.id)!, events).map((st) => st.record) }));

  it('every edit, removal, reordering, insertion or re-hash of a golden run is caught against the known head', { timeout: 60_000 }, () => {
    let detected = 0;
    let withoutHead = 0;
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom(...TAMPERS), fc.nat(), (c, kind, at) => {
        const { flow, records } = chains[c % chains.length]!;
        const flowCompiled = compiled.get(flow.id)!;
        const head = records.at(-1)!.hash;
        const tampered = tamper(records, kind, at, flow);
        expect(tampered).not.toEqual(records);
        const verdict = verify(flowCompiled, tampered, { head });
        expect(verdict.ok, `${kind} at ${at % records.length} of ${flow.id}`).toBe(false);
        detected++;
        // Only a cut-off tail or a chain re-hashed end to end needs the head from elsewhere.
        if (kind !== 'truncate' && kind !== 'rehashed' && !(kind === 'delete' && at % records.length === records.length - 1)) {
          expect(verify(flowCompiled, tampered).ok, `${kind} without head`).toBe(false);
          withoutHead++;
        }
      }),
      { numRuns: 600 },
    );
    console.log(`tamper cases: ${detected} tried, ${detected} detected against the head (${withoutHead} also without it), over ${chains.length} golden runs`);
  });
});
