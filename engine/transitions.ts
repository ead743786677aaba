// A flow's transitions: how they are walked and how one is named. The one home for both: the
// compiler, the validator, the flow diff, the diagram and the editor all list transitions with
// `transitionsOf` and name them with `transitionKey`. Pure.
import type { AfterObject, Calendar, Text, TransitionConfig, TransitionObject } from './types.ts';

/**
 * An event name: upper-case words joined by `_`, with at most one `.` namespace (`SUBMIT`,
 * `VOTE.PASSED`). The same pattern as flows/flow.schema.json's (a test keeps them equal).
 */
export const EVENT_NAME = /^[A-Z][A-Z0-9_]*(\.[A-Z][A-Z0-9_]*)?$/;

/**
 * One transition: its source state, its event (`after` for a timer) and its place in the
 * event's list (0 when the event has one transition; always 0 for a timer, whose duration names it).
 */
export interface TransitionRef {
  source: string;
  event: string;
  index: number;
  /** For a timer (`event === 'after'`): its ISO-8601 duration. */
  duration?: string;
}

/** A transition as an object, whatever its form in the flow; a timer's keeps its calendar. */
export interface TransitionParts extends TransitionObject {
  calendar?: Calendar;
  description?: Text;
}

/** One transition of a flow: its ref and its parts. */
export interface FlowTransition {
  ref: TransitionRef;
  t: TransitionParts;
}

/** The part of a flow that holds transitions; a full `Flow` (or one still being edited) fits. */
export interface TransitionHolder {
  states?: Record<string, { on?: Record<string, TransitionConfig | TransitionConfig[]>; after?: Record<string, string | AfterObject> } | undefined>;
}

/** The transitions of an `on` event's value (a target, an object, or a list of those), as objects. */
export function transitionList(value: unknown): TransitionObject[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((t) => (typeof t === 'string' ? { target: t } : (t as TransitionObject)));
}

/** The id of a timer (`after`) of a state. Recorded in the history (timer events): never change it. */
export function timerId(source: string, duration: string): string {
  return `${source}:after:${duration}`;
}

/**
 * The one string naming a transition: `source#EVENT#index`, and for a timer its timer id
 * (`source:after:P5D`). The first form is recorded as the transition an instance took: never change it.
 */
export function transitionKey(ref: TransitionRef): string {
  return ref.event === 'after' ? timerId(ref.source, ref.duration ?? '') : `${ref.source}#${ref.event}#${ref.index}`;
}

/** Every transition of a flow (or of one state, `source`), in document order: `on` first, then `after`. */
export function transitionsOf(flow: TransitionHolder, source?: string): FlowTransition[] {
  const out: FlowTransition[] = [];
  const states = flow.states ?? {};
  const ids = source === undefined ? Object.keys(states) : Object.hasOwn(states, source) ? [source] : [];
  for (const id of ids) {
    const s = states[id];
    for (const [event, value] of Object.entries(s?.on ?? {})) {
      transitionList(value).forEach((t, index) => out.push({ ref: { source: id, event, index }, t }));
    }
    for (const [duration, value] of Object.entries(s?.after ?? {})) {
      out.push({ ref: { source: id, event: 'after', index: 0, duration }, t: typeof value === 'string' ? { target: value } : value });
    }
  }
  return out;
}
