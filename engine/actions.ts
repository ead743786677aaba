// What entering, leaving and taking a transition do to an instance's context. Pure functions of
// (context, event): XState runs them as assign actions, so replay rebuilds the same context.
import type { CompiledState, CompiledTransition } from './compile.ts';
import { getAt, setAt } from './pointer.ts';
import { addPeriod } from './time.ts';
import type { Actor, InstanceContext, VoteResult } from './types.ts';

export interface MachineEvent {
  type: string;
  at: string;
  actor: Actor;
  payload: Record<string, unknown>;
  vote?: VoteResult;
  /** Set when a due timer caused the event. */
  timer?: string;
  input?: { context: InstanceContext; at: string };
}

function eventTime(event: MachineEvent, context: InstanceContext): string {
  return event.at ?? event.input?.at ?? context.enteredAt;
}

export function enterState(context: InstanceContext, event: MachineEvent, state: CompiledState): Partial<InstanceContext> {
  const at = eventTime(event, context);
  const timers = { ...context.timers };
  for (const spec of state.timers) timers[spec.id] = { due: addPeriod(at, spec.period) };
  const d = state.config.disclosure;
  const disclosure = d
    ? {
        state: state.id,
        from: at,
        until: timers[`${state.id}:disclosure`]!.due,
        items: Object.fromEntries(d.publish.map((p) => [p, getAt(context.data, p) ?? null])),
      }
    : context.disclosure;
  const overdue = { ...context.overdue };
  delete overdue[state.id];
  return { enteredAt: at, timers, disclosure, overdue, ...(state.config.vote ? { ballots: {} } : {}) };
}

export function leaveState(context: InstanceContext, state: CompiledState): Partial<InstanceContext> {
  const timers = { ...context.timers };
  for (const spec of state.timers) delete timers[spec.id];
  return {
    timers,
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
      next.votes = { ...context.votes, [state.id]: event.vote! };
      next.ballots = {};
      if (config.vote?.saveTo) next.data = setAt(context.data, config.vote.saveTo, event.vote);
      break;
    case 'CAST_BALLOT':
      next.ballots = { ...context.ballots, [event.actor.id]: p.choice as 'for' | 'against' | 'abstain' };
      break;
    case 'OBJECT':
      next.objections = [...context.objections, { state: state.id, by: event.actor.id, at: event.at, reason: String(p.reason) }];
      break;
    case 'DEADLINE.EXCEEDED':
      next.overdue = { ...context.overdue, [state.id]: event.at };
      break;
  }
  if (event.timer) {
    const timers = { ...context.timers };
    delete timers[event.timer];
    next.timers = timers;
  }
  return next;
}
