// The simulator's pure parts: every golden run replayed through them gives the golden run back
// (same events, final state and record hashes); who may act at each step; the next due timer;
// moving the clock delivers due timers as the system, each when it fell due.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Flow, FlowEvent } from '../../engine/index.ts';
import { EngineError } from '../../engine/index.ts';
import {
  act,
  actingRoles,
  activeTimers,
  addDays,
  chinaIso,
  compileDraft,
  defaultStart,
  deliverDue,
  dueTimers,
  EMPTY_RUN,
  errorInfoOf,
  eventsFor,
  fromLocalInput,
  goldenRun,
  nextDueTimer,
  runFileName,
  simActor,
  snapshotOf,
  startRun,
  toLocalInput,
  undo,
  visitedStates,
  type SimRun,
} from '../../designer/editor/simulation.ts';
import { readFlowJson, secretFlowJson } from '../helpers.ts';
import { fieldErrorsIn } from '../../designer/app/refusals.ts';

const FOUR = 'four-deliberations-two-disclosures';
const FIVE = 'five-deliberations-two-disclosures';
const flows: Record<string, Flow> = Object.fromEntries(
  readdirSync(new URL('../../flows/', import.meta.url))
    .filter((f) => f.endsWith('.flow.json'))
    .map((f) => [f.replace(/\.flow\.json$/, ''), readFlowJson(`flows/${f}`) as unknown as Flow]),
);
function compiled(id: string) {
  const c = compileDraft(flows[id]);
  if (!c.ok) throw new Error('bundled flow does not compile');
  return c.compiled;
}
const four = compiled(FOUR);
const five = compiled(FIVE);
type Golden = { flow: string; events: FlowEvent[]; expect: { final: string; hashes: string[] } };
const golden = (name: string) => readFlowJson(`flows/runs/${name}.run.json`) as unknown as Golden;
const run = (c: typeof four, events: FlowEvent[]): SimRun => events.reduce((r, e) => act(c, r, e), EMPTY_RUN);

describe('golden runs through the simulator', () => {
  const files = readdirSync(new URL('../../flows/runs/', import.meta.url)).map((f) => f.replace(/\.run\.json$/, ''));

  it.each(files)('%s: same events, final state and hashes', (name) => {
    const g = golden(name);
    const id = g.flow.replace(/\.flow\.json$/, '');
    const r = run(compiled(id), g.events);
    expect(goldenRun(flows[id]!, r)).toEqual(g);
  });

  it('records the visited states for the canvas, once per stay', () => {
    const r = run(four, golden(`${FOUR}.happy-path`).events);
    expect(visitedStates(r)).toEqual(['proposal', 'two_committees', 'party_members_meeting', 'representatives_meeting', 'resolution_disclosure', 'implementation', 'result_disclosure', 'adopted']);
    const reconvene = run(four, golden(`${FOUR}.reconvene-and-objections`).events);
    const path = visitedStates(reconvene);
    expect(path[0]).toBe('proposal');
    expect(path.at(-1)).toBe('adopted');
    path.forEach((s, i) => i > 0 && expect(s).not.toBe(path[i - 1]));
  });

  it('undoes the last step without recomputing', () => {
    const r = run(four, golden(`${FOUR}.happy-path`).events.slice(0, 3));
    const back = undo(r);
    expect(back.events).toHaveLength(2);
    expect(snapshotOf(back)!.state).toBe('two_committees');
    expect(snapshotOf(undo(undo(back)))).toBeNull();
  });
});

describe('the happy path of four deliberations, driven as the simulator drives it', () => {
  const g = golden(`${FOUR}.happy-path`).events;
  const payload = (i: number) => g[i]!.payload!;

  it('starts as a starter, offers each step to its roles, and delivers the disclosure timer when due', () => {
    let r = startRun(four, 'party_secretary', '2026-03-02T09:00:00+08:00');
    expect(r.events[0]).toEqual({ type: 'START', actor: { id: 'sim-party_secretary', roles: ['party_secretary'] }, at: '2026-03-02T09:00:00+08:00', payload: {} });
    expect(actingRoles(four, snapshotOf(r))).toEqual(['party_secretary']);
    expect(eventsFor(four, snapshotOf(r), 'party_secretary')).toEqual(['SUBMIT', 'WITHDRAW']);
    expect(nextDueTimer(snapshotOf(r))).toBeNull();

    r = act(four, r, { type: 'SUBMIT', actor: simActor('party_secretary'), at: '2026-03-02T10:30:00+08:00', payload: payload(1) });
    expect(actingRoles(four, snapshotOf(r))).toEqual(['clerk']);
    expect(eventsFor(four, snapshotOf(r), 'clerk')).toEqual(['RECORD_VOTE']);
    expect(eventsFor(four, snapshotOf(r), 'party_secretary')).toEqual([]);
    for (const [i, at] of [[2, '2026-03-05T15:00:00+08:00'], [3, '2026-03-10T10:00:00+08:00'], [4, '2026-03-16T14:00:00+08:00']] as const) {
      r = act(four, r, { type: 'RECORD_VOTE', actor: simActor('clerk'), at, payload: payload(i) });
    }
    const snap = snapshotOf(r)!;
    expect(snap.state).toBe('resolution_disclosure');
    // A disclosure is nobody's task; villagers, representatives and supervisors may object.
    expect(actingRoles(four, snap)).toEqual(['villager', 'villager_representative', 'supervisory_member']);
    expect(eventsFor(four, snap, 'villager')).toEqual(['OBJECT']);
    expect(nextDueTimer(snap)).toEqual({ id: 'resolution_disclosure:disclosure', due: '2026-03-23T06:00:00.000Z' });
    expect(dueTimers(snap, '2026-03-23T13:59:00+08:00')).toEqual([]);
    expect(actingRoles(four, snap, '2026-03-23T14:00:00+08:00')).toEqual(['villager', 'villager_representative', 'supervisory_member', 'system']);

    // +1 day delivers nothing; to the next due timer delivers it, at its due time, as the system.
    const early = deliverDue(four, r, addDays('2026-03-16T14:00:00+08:00', 1));
    expect(early.delivered).toEqual([]);
    expect(early.run).toBe(r);
    const due = deliverDue(four, r, nextDueTimer(snap)!.due);
    expect(due.delivered.map((t) => t.id)).toEqual(['resolution_disclosure:disclosure']);
    expect(due.run.events.at(-1)).toEqual({ type: 'TIMER', actor: { id: 'system', roles: ['system'] }, at: '2026-03-23T14:00:00+08:00', payload: { timer: 'resolution_disclosure:disclosure' } });
    r = due.run;
    expect(snapshotOf(r)!.state).toBe('implementation');
    expect(actingRoles(four, snapshotOf(r))).toEqual(['committee_member', 'party_secretary']);
    expect(nextDueTimer(snapshotOf(r))!.id).toBe('implementation:deadline');

    r = act(four, r, { type: 'SUBMIT', actor: simActor('committee_member'), at: '2026-05-29T16:00:00+08:00', payload: payload(6) });
    const result = nextDueTimer(snapshotOf(r))!;
    expect(result.id).toBe('result_disclosure:disclosure');
    r = deliverDue(four, r, addDays('2026-05-29T16:00:00+08:00', 7)).run;
    expect(snapshotOf(r)!.state).toBe('adopted');
    expect(snapshotOf(r)!.status).toBe('done');
    expect(actingRoles(four, snapshotOf(r), '2030-01-01T00:00:00+08:00')).toEqual([]);
    expect(activeTimers(snapshotOf(r))).toEqual([]);

    // The saved test case replays to the same hashes through the engine.
    const saved = goldenRun(flows[FOUR]!, r);
    expect(saved.flow).toBe('four-deliberations-two-disclosures.flow.json');
    expect(saved.expect.final).toBe('adopted');
    expect(saved.expect.hashes).toHaveLength(8);
    expect(goldenRun(flows[FOUR]!, run(four, saved.events))).toEqual(saved);
    // The golden run's events, with simulated people and timers delivered when due.
    expect(saved.events.map((e) => e.type)).toEqual(g.map((e) => e.type));
    expect(saved.events.map((e) => e.actor.id)).toEqual(['sim-party_secretary', 'sim-party_secretary', 'sim-clerk', 'sim-clerk', 'sim-clerk', 'system', 'sim-committee_member', 'system']);
  });

  it('delivers a chain of timers in one jump, each from when the last one fired', () => {
    const g5 = golden(`${FIVE}.township-reject`).events;
    // Up to the township review, whose deadline (10 working days) is unhandled: flagged overdue.
    const r = run(five, g5.slice(0, g5.findIndex((e) => e.type === 'TIMER')));
    const snap = snapshotOf(r)!;
    expect(snap.state).toBe('township_review');
    const t = nextDueTimer(snap)!;
    expect(t.id).toBe('township_review:deadline');
    const d = deliverDue(five, r, addDays(t.due, 30));
    expect(d.delivered.map((x) => x.id)).toEqual(['township_review:deadline']);
    expect(snapshotOf(d.run)!.context.overdue.township_review).toBe(t.due);
    expect(snapshotOf(d.run)!.state).toBe('township_review');
  });
});

describe('roles in a ballot', () => {
  it('offers the ballot to the electorate and closing to the recorder, each voter their own', () => {
    const g = golden(`${FIVE}.happy-path`).events;
    const r = run(five, g.slice(0, 3));
    const snap = snapshotOf(r)!;
    expect(snap.state).toBe('party_members_meeting');
    expect(actingRoles(five, snap)).toEqual(['clerk', 'party_member']);
    expect(eventsFor(five, snap, 'party_member')).toEqual(['CAST_BALLOT']);
    expect(eventsFor(five, snap, 'clerk')).toEqual(['CLOSE_VOTE']);
    let b = r;
    for (const n of [1, 2, 3]) b = act(five, b, { type: 'CAST_BALLOT', actor: simActor('party_member', n), at: '2026-03-10T10:00:00+08:00', payload: { choice: 'for' } });
    expect(Object.keys(snapshotOf(b)!.context.ballots)).toEqual(['sim-party_member-1', 'sim-party_member-2', 'sim-party_member-3']);
    b = act(five, b, { type: 'CLOSE_VOTE', actor: simActor('clerk'), at: '2026-03-10T11:00:00+08:00', payload: { members: 4, eligible: 4 } });
    expect(snapshotOf(b)!.state).toBe('representatives_meeting');
  });

  it('hosts a secret ballot as the server does: a random box id per ballot, the box passed in on closing', () => {
    const secret = (compileDraft(secretFlowJson()) as { ok: true; compiled: typeof five }).compiled;
    let b = run(secret, golden(`${FIVE}.happy-path`).events.slice(0, 3));
    const choices = ['against', 'for', 'for'] as const;
    choices.forEach((choice, i) => (b = act(secret, b, { type: 'CAST_BALLOT', actor: simActor('party_member', i + 1), at: '2026-03-10T10:00:00+08:00', payload: { choice } })));
    const ids = b.events.slice(-3).map((e) => e.payload!.ballot as string);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(3);
    expect(b.steps.slice(-3).map((s) => s.record.payload)).toEqual([{}, {}, {}]);
    b = act(secret, b, { type: 'CLOSE_VOTE', actor: simActor('clerk'), at: '2026-03-10T11:00:00+08:00', payload: { members: 4, eligible: 4 } });
    const box = b.events.at(-1)!.payload!.box as { id: string; choice: string }[];
    expect(box.map((x) => x.id)).toEqual([...ids].sort());
    expect(snapshotOf(b)!.context.votes.party_members_meeting).toMatchObject({ secret: true, present: 3, for: 2, against: 1 });
    // The run, ids and box included, replays without the simulator's randomness.
    expect(run(secret, b.events).steps.map((s) => s.record.hash)).toEqual(b.steps.map((s) => s.record.hash));
  });
});

describe('refusals and drafts', () => {
  it('shows a draft that does not validate as its issues', () => {
    const broken = { ...flows[FOUR]!, initial: 'nowhere' };
    const c = compileDraft(broken);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.issues.some((i) => i.pointer === '/initial')).toBe(true);
    expect(compileDraft(null).ok).toBe(false);
  });

  it('turns an engine refusal into what the step components show, fields included', () => {
    const r = startRun(four, 'party_secretary', '2026-03-02T09:00:00+08:00');
    let error: unknown;
    try {
      act(four, r, { type: 'SUBMIT', actor: simActor('party_secretary'), at: '2026-03-02T10:00:00+08:00', payload: { subject: '', budget: -1 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EngineError);
    const info = errorInfoOf(error);
    expect(info).toMatchObject({ code: 'BAD_REQUEST', engineCode: 'FORM_INVALID' });
    // Beside each field, in the reader's words (app/refusals.ts), from the codes the engine gives.
    expect(fieldErrorsIn('zh', info.issues)).toMatchObject({ budget: { __errors: ['不能小于 0'] }, subject: { __errors: ['请填写此项'] } });
    expect(fieldErrorsIn('en', info.issues)).toMatchObject({ budget: { __errors: ['Must not be less than 0'] }, subject: { __errors: ['Please fill this in'] } });
    expect(() => act(four, r, { type: 'SUBMIT', actor: simActor('clerk'), at: '2026-03-02T10:00:00+08:00', payload: {} })).toThrow(EngineError);
    expect(errorInfoOf(new Error('x'))).toEqual({ code: 'UNKNOWN', message: 'x', issues: [] });
  });

  it('refuses to start as someone who may not', () => {
    expect(() => startRun(four, 'villager', '2026-03-02T09:00:00+08:00')).toThrow(/starting this flow/);
    expect(() => goldenRun(flows[FOUR]!, EMPTY_RUN)).toThrow();
  });
});

describe('time', () => {
  it('reads and writes China time', () => {
    expect(chinaIso(Date.parse('2026-03-02T01:00:00Z'))).toBe('2026-03-02T09:00:00+08:00');
    expect(fromLocalInput('2026-03-02T09:30')).toBe('2026-03-02T09:30:00+08:00');
    expect(fromLocalInput('yesterday')).toBeNull();
    expect(toLocalInput('2026-03-02T01:30:00.000Z')).toBe('2026-03-02T09:30');
    expect(addDays('2026-03-30T09:00:00+08:00', 7)).toBe('2026-04-06T09:00:00+08:00');
    expect(defaultStart(Date.parse('2026-07-01T20:00:00Z'))).toBe('2026-07-02T09:00:00+08:00');
    expect(runFileName(FOUR, '异议 Objections twice!')).toBe(`${FOUR}.objections-twice.run.json`);
    expect(runFileName(FOUR, '模拟')).toBe(`${FOUR}.simulated.run.json`);
  });
});

describe('Simulator (rendered on the server, as a smoke test)', () => {
  async function render(flow: unknown) {
    const { createElement } = await import('react');
    const { renderToString } = await import('react-dom/server');
    const { I18nProvider } = await import('../../designer/i18n/index.tsx');
    const { QueryClient, QueryClientProvider } = await import('@tanstack/react-query');
    const { Simulator } = await import('../../designer/editor/Simulator.tsx');
    // As in the app (designer/App.tsx): the simulator reads the township's calendar through react-query.
    const client = new QueryClient({ defaultOptions: { queries: { enabled: false } } });
    return renderToString(createElement(QueryClientProvider, { client }, createElement(I18nProvider, null, createElement(Simulator, { flow: flow as Flow }))));
  }
  it('offers to start as a starter', async () => {
    const html = await render(flows[FOUR]);
    expect(html).toContain('data-testid="sim-start"');
    expect(html).toContain('村党组织书记');
  });
  it('lists a draft’s problems instead', async () => {
    const html = await render({ ...flows[FOUR], initial: 'nowhere' });
    expect(html).toContain('data-testid="sim-issues"');
    expect(html).toContain('/initial');
  });
});
