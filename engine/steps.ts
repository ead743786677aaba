// What an instance is waiting for now: the steps a host shows in inboxes.
import type { CompiledFlow } from './compile.ts';
import type { InstanceSnapshot, StateKind } from './types.ts';

export interface OpenStep {
  state: string;
  kind: StateKind;
  /** Roles that can act now (for a ballot: the electorate and the recorders). */
  roles: string[];
  since: string;
  due: string | null;
  overdue: boolean;
}

export function openSteps(compiled: CompiledFlow, snap: InstanceSnapshot): OpenStep[] {
  if (snap.status === 'done') return [];
  const state = compiled.states.get(snap.state)!;
  const roles = new Set(state.config.roles ?? []);
  for (const list of state.events.values()) for (const t of list) for (const r of t.roles) if (r !== 'system') roles.add(r);
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
