// Running a draft flow in the browser with the same engine the server runs: who may act now,
// which timer falls due next, moving the clock and delivering due timers as the system, and the
// run as a golden test case. Pure but for the random id of a secret ballot: the Simulator component
// keeps the run in its state.
import { apply, baselineCalendar, compileFlow, EngineError, FlowInvalidError, start, type Actor, type CompiledFlow, type Flow, type FlowEvent, type FlowIssue, type InstanceSnapshot, type SealedBallot, type StepResult, parsePointer } from '../../engine/index.ts';

export const SYSTEM = 'system';
const CHINA_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86400_000;

export type Compiled = { ok: true; compiled: CompiledFlow } | { ok: false; issues: FlowIssue[] };

/** Compiles a draft, or says what is wrong with it. */
export function compileDraft(flow: unknown): Compiled {
  try {
    return { ok: true, compiled: compileFlow(flow) };
  } catch (error) {
    if (error instanceof FlowInvalidError) return { ok: false, issues: error.issues };
    return { ok: false, issues: [{ pointer: '', message: error instanceof Error ? error.message : String(error) }] };
  }
}

/** Events sent so far and the engine's step for each, in order; steps[i] is events[i]'s. */
export interface SimRun {
  events: FlowEvent[];
  steps: StepResult[];
}
export const EMPTY_RUN: SimRun = { events: [], steps: [] };

export function snapshotOf(run: SimRun): InstanceSnapshot | null {
  return run.steps.at(-1)?.snapshot ?? null;
}

/** The simulated person acting in a role; a ballot's voters are numbered so each casts their own. */
export function simActor(role: string, voter?: number): Actor {
  if (role === SYSTEM) return { id: SYSTEM, roles: [SYSTEM] };
  return { id: voter === undefined ? `sim-${role}` : `sim-${role}-${voter}`, roles: [role] };
}

/** A time as China local ISO with its offset, to the second: "2026-03-02T09:00:00+08:00". */
export function chinaIso(ms: number): string {
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 19) + '+08:00';
}
/** "2026-03-02T09:00" (a datetime-local value, China time) → ISO with offset; null if unreadable. */
export function fromLocalInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const ms = Date.parse(`${value.length === 16 ? value + ':00' : value}+08:00`);
  return Number.isFinite(ms) ? chinaIso(ms) : null;
}
export function toLocalInput(iso: string): string {
  return chinaIso(Date.parse(iso)).slice(0, 16);
}
export function addDays(iso: string, days: number): string {
  return chinaIso(Date.parse(iso) + days * DAY_MS);
}
/** Today, 09:00 China time: where a simulation starts unless told otherwise. */
export function defaultStart(nowMs: number): string {
  return chinaIso(Date.parse(chinaIso(nowMs).slice(0, 10) + 'T09:00:00+08:00'));
}

/** Starts the instance as a starter role. Throws EngineError. */
export function startRun(compiled: CompiledFlow, role: string, at: string, data?: Record<string, unknown>): SimRun {
  const event: FlowEvent = { type: 'START', actor: simActor(role), at, payload: data === undefined ? {} : { data } };
  return { events: [event], steps: [start(compiled, event, { calendar: baselineCalendar() })] };
}

/** Applies one event to the run (START when the run is empty). Throws EngineError. */
export function act(compiled: CompiledFlow, run: SimRun, event: FlowEvent): SimRun {
  const snap = snapshotOf(run);
  const options = { calendar: baselineCalendar() };
  const sent = snap && compiled.flow.states[snap.state]?.vote?.secret ? secretVoteEvent(run, event) : event;
  const step = snap ? apply(compiled, snap, sent, options) : start(compiled, sent, options);
  return { events: [...run.events, sent], steps: [...run.steps, step] };
}

/**
 * What a host adds to a secret vote's events, as the server does (server/matters/runtime.ts): a random box
 * id on a ballot, and the ballot box on closing. The simulated box is the ballots the engine handed
 * out (ballot.deposit) since it last emptied the box. The run keeps the event as sent, ids and box
 * included, and an event that has them already (a run replayed) keeps them: no randomness then.
 */
function secretVoteEvent(run: SimRun, event: FlowEvent): FlowEvent {
  if (event.payload?.ballot !== undefined || event.payload?.box !== undefined) return event;
  if (event.type === 'CAST_BALLOT') {
    const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
    return { ...event, payload: { ...event.payload, ballot: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') } };
  }
  if (event.type !== 'CLOSE_VOTE') return event;
  const box: SealedBallot[] = [];
  for (let i = run.steps.length - 1; i >= 0; i--) {
    const effects = run.steps[i]!.effects;
    if (effects.some((e) => e.type === 'ballot.empty')) break;
    for (const e of effects) if (e.type === 'ballot.deposit') box.push(e.ballot);
  }
  box.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { ...event, payload: { ...event.payload, box } };
}

/** The run without its last event (steps are immutable: nothing is recomputed). */
export function undo(run: SimRun): SimRun {
  return { events: run.events.slice(0, -1), steps: run.steps.slice(0, -1) };
}

export interface TimerView {
  id: string;
  due: string;
}
export function activeTimers(snap: InstanceSnapshot | null): TimerView[] {
  if (!snap || snap.status === 'done') return [];
  return Object.entries(snap.context.timers)
    .map(([id, t]) => ({ id, due: t.due }))
    .sort((a, b) => Date.parse(a.due) - Date.parse(b.due) || a.id.localeCompare(b.id));
}
/** Whether a timer counts working days (so its due time depends on the holiday schedules). */
export function countsWorkingDays(compiled: CompiledFlow, timerId: string): boolean {
  const state = compiled.states.get(timerId.split(':')[0]!);
  return state?.timers.find((x) => x.id === timerId)?.period.calendar === 'working';
}
/** The running timer that falls due first, if any. */
export function nextDueTimer(snap: InstanceSnapshot | null): TimerView | null {
  return activeTimers(snap)[0] ?? null;
}
export function dueTimers(snap: InstanceSnapshot | null, now: string): TimerView[] {
  return activeTimers(snap).filter((t) => Date.parse(t.due) <= Date.parse(now));
}

export interface Delivery {
  run: SimRun;
  delivered: TimerView[];
  /** Timers that were due but the flow refused (a guard that does not hold): left running. */
  refused: { timer: TimerView; error: EngineError }[];
}

/**
 * Delivers every timer due by `now` as the system, oldest first, each at the moment it fell due
 * (as a punctual scheduler would), so a timer started by a delivered one counts from then.
 */
export function deliverDue(compiled: CompiledFlow, run: SimRun, now: string, limit = 200): Delivery {
  const delivered: TimerView[] = [];
  const refused: Delivery['refused'] = [];
  let current = run;
  for (let i = 0; i < limit; i++) {
    const snap = snapshotOf(current);
    const next = dueTimers(snap, now).find((t) => !refused.some((r) => r.timer.id === t.id && r.timer.due === t.due));
    if (!snap || !next) break;
    const at = Date.parse(next.due) < Date.parse(snap.at) ? snap.at : next.due;
    const event: FlowEvent = { type: 'TIMER', actor: simActor(SYSTEM), at: chinaIso(Date.parse(at)), payload: { timer: next.id } };
    try {
      current = act(compiled, current, event);
      delivered.push(next);
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      refused.push({ timer: next, error });
    }
  }
  return { run: current, delivered, refused };
}

/** Events a person in this role may send now, as the step page offers them (timers are not theirs). */
export function eventsFor(compiled: CompiledFlow, snap: InstanceSnapshot | null, role: string): string[] {
  if (!snap || snap.status === 'done' || role === SYSTEM) return [];
  const state = compiled.states.get(snap.state)!;
  const c = state.config;
  const events: string[] = [];
  for (const [event, transitions] of state.events) {
    if (event.includes('.') || event.startsWith('TIMER:') || event === 'CAST_BALLOT') continue;
    if (transitions.some((t) => t.roles.includes(role))) events.push(event);
  }
  if (c.vote?.mode === 'record' && (c.roles ?? []).includes(role)) events.push('RECORD_VOTE');
  if (c.vote?.mode === 'ballot') {
    if (c.vote.electorate === role) events.push('CAST_BALLOT');
    if ((c.roles ?? []).includes(role)) events.push('CLOSE_VOTE');
  }
  return events;
}

/**
 * The roles that can act now: the step's own roles first, then others the step's events are open
 * to (a ballot's electorate, villagers objecting, whoever may withdraw), then the system when a
 * timer is due.
 */
export function actingRoles(compiled: CompiledFlow, snap: InstanceSnapshot | null, now?: string): string[] {
  if (!snap || snap.status === 'done') return [];
  const state = compiled.states.get(snap.state)!;
  const candidates = new Set<string>(state.config.roles ?? []);
  for (const list of state.events.values()) for (const t of list) for (const r of t.roles) candidates.add(r);
  if (state.config.vote?.mode === 'ballot') candidates.add(state.config.vote.electorate);
  const roles = [...candidates].filter((r) => r !== SYSTEM && eventsFor(compiled, snap, r).length > 0);
  if (now !== undefined && dueTimers(snap, now).length) roles.push(SYSTEM);
  return roles;
}

/** The states the instance has been in, in order, a state repeated only when it was left and re-entered. */
export function visitedStates(run: SimRun): string[] {
  const out: string[] = [];
  for (const s of run.steps) if (out.at(-1) !== s.record.state) out.push(s.record.state);
  return out;
}

export interface GoldenRun {
  flow: string;
  events: FlowEvent[];
  expect: { final: string; hashes: string[] };
}
/** The run as a golden test case, as flows/runs/*.run.json hold them. */
export function goldenRun(flow: Pick<Flow, 'id'>, run: SimRun): GoldenRun {
  const snap = snapshotOf(run);
  if (!snap) throw new Error('nothing to save: the simulation has not started');
  return {
    flow: `${flow.id}.flow.json`,
    events: JSON.parse(JSON.stringify(run.events)) as FlowEvent[],
    expect: { final: snap.state, hashes: run.steps.map((s) => s.record.hash) },
  };
}
/** A file name for the run: "<flow>.<slug>.run.json". */
export function runFileName(flowId: string, name: string): string {
  const slug = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'simulated';
  return `${flowId}.${slug}.run.json`;
}

/** The shape the web app's senders report a refusal in (as the server's errors come). */
export interface SimErrorInfo {
  code: string;
  message: string;
  engineCode?: string;
  issues: FlowIssue[];
}
const HTTP_CODES: Record<string, string> = {
  FORM_INVALID: 'BAD_REQUEST',
  VOTE_INVALID: 'BAD_REQUEST',
  EVENT_INVALID: 'BAD_REQUEST',
  DATA_INVALID: 'BAD_REQUEST',
  ROLE_FORBIDDEN: 'FORBIDDEN',
};
export function errorInfoOf(error: unknown): SimErrorInfo {
  if (error instanceof EngineError) {
    const issues = error.issues ?? [];
    return { code: HTTP_CODES[error.code] ?? 'PRECONDITION_FAILED', message: error.message, engineCode: error.code, issues };
  }
  return { code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error), issues: [] };
}
