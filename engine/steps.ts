// What an instance is waiting for now: the steps a host shows in inboxes.
import type { CompiledFlow } from './compile.ts';
import type { InstanceSnapshot, StateKind } from './types.ts';

export interface OpenStep {
  state: string;
  kind: StateKind;
  /** Roles whose work this step is: its assignees, and for a ballot the electorate too. Optional
   * actions open to others (an objection, a withdrawal) are not anyone's task. */
  roles: string[];
  since: string;
  due: string | null;
  overdue: boolean;
}

export function openSteps(compiled: CompiledFlow, snap: InstanceSnapshot): OpenStep[] {
  if (snap.status === 'done') return [];
  const state = compiled.states.get(snap.state)!;
  // A disclosure waits on its period, not on a person: it is nobody's task.
  const roles = new Set(state.config.kind === 'disclosure' ? [] : (state.config.roles ?? []));
  if (state.config.vote?.mode === 'ballot') roles.add(state.config.vote.electorate);
  return [
    {
      state: snap.state,
      kind: state.config.kind,
      roles: [...roles],
      since: snap.context.enteredAt,
      due: snap.context.timers[`${snap.state}:deadline`]?.due ?? null,
      overdue: snap.state in snap.context.overdue,
    },
  ];
}
