// What a person sees of an instance's current step: its kind, form, rules, and the events they
// may send now. Derived from the compiled flow and the snapshot; nothing here is stored.
import type { CompiledFlow, InstanceSnapshot } from '../../engine/index.ts';

export interface StepView {
  state: string;
  kind: string;
  title: { zh: string; en?: string };
  description?: { zh: string; en?: string };
  roles: string[];
  form?: { schema: unknown; uiSchema?: unknown; saveTo: string; prefill?: Record<string, string> };
  vote?: unknown;
  disclosure?: unknown;
  /** Events this user may send now. */
  events: string[];
  since: string;
  due: string | null;
  overdue: boolean;
  ballots?: { cast: number; mine: string | null };
}

export function stepView(compiled: CompiledFlow, snap: InstanceSnapshot, userId: string, roles: string[]): StepView {
  const state = compiled.states.get(snap.state)!;
  const c = state.config;
  const mayAct = (allowed: string[]) => snap.status === 'active' && roles.some((r) => allowed.includes(r));
  const events: string[] = [];
  for (const [event, transitions] of state.events) {
    if (event.includes('.') || event.startsWith('TIMER:') || event === 'CAST_BALLOT') continue;
    if (mayAct(transitions.flatMap((t) => t.roles))) events.push(event);
  }
  if (c.vote?.mode === 'record' && mayAct(c.roles ?? [])) events.push('RECORD_VOTE');
  if (c.vote?.mode === 'ballot') {
    // A secret ballot is cast once (an open one may be changed until the vote closes).
    const castSealed = c.vote.secret && Object.hasOwn(snap.context.ballots, userId);
    if (mayAct([c.vote.electorate]) && !castSealed) events.push('CAST_BALLOT');
    if (mayAct(c.roles ?? [])) events.push('CLOSE_VOTE');
  }
  return {
    state: snap.state,
    kind: c.kind,
    title: c.title,
    description: c.description,
    roles: c.roles ?? [],
    form: c.form,
    vote: c.vote,
    disclosure: c.disclosure,
    events,
    since: snap.context.enteredAt,
    due: snap.context.timers[`${snap.state}:deadline`]?.due ?? null,
    overdue: snap.state in snap.context.overdue,
    ...(c.vote?.mode === 'ballot' ? { ballots: { cast: Object.keys(snap.context.ballots).length, mine: snap.context.ballots[userId] ?? null } } : {}),
  };
}
