// Who reads every matter of a flow, from the flow alone. The roles that hold a step (a state's
// `roles`) and every vote's electorate always read: they cannot act on what they cannot see. The
// flow's `readers` adds to them; without it, every other role that acts in the flow (a
// transition's own `roles`, such as those who may object to a notice) reads too. The host adds
// what no flow decides (the starter, township oversight, auditors, roles that read only their own).
import { transitionsOf } from './transitions.ts';
import type { Flow } from './types.ts';

/** The roles that hold a step of the flow or vote in it, in order of first mention. */
export function stepHolders(flow: Flow): string[] {
  const roles = new Set<string>();
  for (const state of Object.values(flow.states)) {
    for (const r of state.roles ?? []) roles.add(r);
    if (state.vote) roles.add(state.vote.electorate);
  }
  return [...roles];
}

/** The roles that read every matter of the flow, in order of first mention (step holders first). */
export function readerRoles(flow: Flow): string[] {
  const roles = new Set(stepHolders(flow));
  if (flow.readers) {
    for (const r of flow.readers) roles.add(r);
    return [...roles];
  }
  for (const { ref, t } of transitionsOf(flow)) if (ref.event !== 'after') for (const r of t.roles ?? []) roles.add(r);
  return [...roles];
}
