// What entering, leaving and taking a transition do to an instance's context. Pure functions of
// (context, event): XState picks the transition and the engine applies it (takeTransition), so
// replay rebuilds the same context.
import type { CompiledState, CompiledTransition } from './compile.ts';
import { withKey, withoutKey, withoutKeys } from './immutable.ts';
import { getAt, setAt } from './pointer.ts';
import type { WorkCalendar } from './calendar.ts';
import type { PersonalValue } from './personal.ts';
import { addPeriod, durationOf, workingDue } from './time.ts';
import type { ActiveTimer, Actor, InstanceContext, Period, SealedBallot, VoteResult } from './types.ts';

export interface MachineEvent {
  type: string;
  at: string;
  actor: Actor;
  payload: Record<string, unknown>;
  vote?: VoteResult;
  /** A secret ballot for the host's box (see secretBallot in transition.ts); its record keeps none of it. */
  ballot?: SealedBallot;
  /** Set when a due timer caused the event. */
  timer?: string;
  /** The context of the instance the event is sent to: what the machine's guards read. */
  context?: InstanceContext;
  /** A live SUBMIT's personal values, committed to in `payload` (see personal.ts). */
  personal?: PersonalValue[];
  /** XState's init event carries the input (bench/five-deliberations.machine.ts starts from it). */
  input?: { context: InstanceContext; at: string };
}

/**
 * A timer started at `at`. On a recorded calendar a working-day timer keeps what a recompute
 * needs (see ActiveTimer); on the legacy calendar, and for natural time, only its due time.
 */
export function startTimer(at: string, period: Period, calendar: WorkCalendar | undefined): ActiveTimer {
  if (period.calendar !== 'working' || !calendar?.recorded) return { due: addPeriod(at, period, calendar) };
  const days = durationOf(period.duration).days;
  const { due, shift } = workingDue(at, days, calendar);
  return { due, from: at, days, calendars: shift.calendars! };
}

export function enterState(context: InstanceContext, event: MachineEvent, state: CompiledState, calendar?: WorkCalendar): Partial<InstanceContext> {
  const at = event.at;
  let timers = context.timers;
  for (const spec of state.timers) timers = withKey(timers, spec.id, startTimer(at, spec.periodOf ? spec.periodOf(context.data) : spec.period, calendar));
  const d = state.config.disclosure;
  const disclosure = d
    ? {
        state: state.id,
        from: at,
        until: timers[`${state.id}:disclosure`]!.due,
        items: Object.fromEntries(d.publish.map((p) => [p, getAt(context.data, p) ?? null])),
      }
    : context.disclosure;
  const overdue = withoutKey(context.overdue, state.id);
  const next: Partial<InstanceContext> = { enteredAt: at, timers, disclosure, overdue };
  if (state.config.vote) next.ballots = {};
  return next;
}

export function leaveState(context: InstanceContext, state: CompiledState): Partial<InstanceContext> {
  return {
    timers: withoutKeys(context.timers, state.timerIds),
    disclosure: context.disclosure?.state === state.id ? null : context.disclosure,
    ballots: {},
  };
}

export function applyTransition(
  context: InstanceContext,
  event: MachineEvent,
  state: CompiledState,
  t: CompiledTransition,
): Partial<InstanceContext> {
  const next: Partial<InstanceContext> = { taken: t.key };
  const { config } = state;
  const p = event.payload;
  switch (event.type) {
    case 'SUBMIT':
      next.data = setAt(context.data, config.form!.saveTo, p);
      break;
    case 'APPROVE':
    case 'RETURN':
    case 'REJECT':
      if (config.review?.saveTo) {
        const decision = { decision: event.type.toLowerCase(), ...p, by: event.actor.id, at: event.at };
        next.data = setAt(context.data, config.review.saveTo, decision);
      }
      break;
    case 'VOTE.PASSED':
    case 'VOTE.FAILED':
    case 'VOTE.NO_QUORUM':
      next.votes = withKey(context.votes, state.id, event.vote!);
      next.ballots = {};
      if (config.vote?.saveTo) next.data = setAt(context.data, config.vote.saveTo, event.vote);
      break;
    case 'CAST_BALLOT':
      // A secret vote keeps that the voter cast a ballot, not how (the choice is in the host's box).
      next.ballots = withKey(context.ballots, event.actor.id, config.vote!.secret ? 'sealed' : (p.choice as 'for' | 'against' | 'abstain'));
      break;
    case 'OBJECT':
      next.objections = [...context.objections, { state: state.id, by: event.actor.id, at: event.at, reason: String(p.reason) }];
      break;
    case 'DEADLINE.EXCEEDED':
      next.overdue = withKey(context.overdue, state.id, event.at);
      break;
  }
  if (event.timer) next.timers = withoutKey(context.timers, event.timer);
  return next;
}

/**
 * A transition's whole effect on the context. It computes exactly what XState would with `leave`
 * as every state's exit action, `apply` as the transition's action and `enter` as every state's
 * entry action, each an assign: a targeted transition (always re-entering) exits the source,
 * applies, enters the target, and when the target is final XState then runs the exit actions of
 * the state it stopped in; a targetless one only applies. Folding them matters: XState clones its
 * snapshot after every assign action, and three of those per event cost more than all of the
 * engine's own context work; so the machine's one action only names the transition (see
 * compileFlow) and this runs outside it.
 *
 * Each step merges its partial into one working copy, as XState's Object.assign({}, context,
 * partial) would into a fresh one: the same keys in the same order, one copy instead of three.
 * The steps only read the copy and return new objects, so updating it in place is safe.
 */
export function takeTransition(
  context: InstanceContext,
  event: MachineEvent,
  source: CompiledState,
  t: CompiledTransition,
  target: CompiledState | undefined,
  calendar?: WorkCalendar,
): InstanceContext {
  const next = Object.assign({}, context);
  if (target) Object.assign(next, leaveState(next, source));
  Object.assign(next, applyTransition(next, event, source, t));
  if (target) enter(next, event, target, calendar);
  return next;
}

/** Entering a state (into `context`, in place), and for a final state XState's exit actions when the machine stops there. */
function enter(context: InstanceContext, event: MachineEvent, state: CompiledState, calendar: WorkCalendar | undefined): void {
  Object.assign(context, enterState(context, event, state, calendar));
  if (state.config.kind === 'final') Object.assign(context, leaveState(context, state));
}

/** The context an instance starts with: the empty context, entered into the initial state at `at`. */
export function initialContext(context: InstanceContext, at: string, state: CompiledState, calendar?: WorkCalendar): InstanceContext {
  const next = Object.assign({}, context);
  enter(next, { at } as MachineEvent, state, calendar);
  return next;
}
