// Compiles a validated flow into an XState v5 machine plus the lookup tables the transition
// function needs. A flow version is compiled once and reused for every event.
import { createActor, setup, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { FlowInvalidError } from './errors.ts';
import { compileGuard, type Guard } from './expressions.ts';
import { compileSchema, propertyCheck, type Validator } from './forms.ts';
import { hashJson } from './hash.ts';
import { commitmentValidator, personalFields, withCommitments, type PersonalField } from './personal.ts';
import { deadlinePeriod } from './time.ts';
import { timerId, transitionKey, transitionList } from './transitions.ts';
import { validateFlow } from './validate.ts';
import type { Flow, InstanceContext, InstanceSnapshot, Period, StateConfig } from './types.ts';
import type { MachineEvent } from './actions.ts';

export interface CompiledTransition {
  /** "state#EVENT#index": names one transition of the flow (coverage, history). */
  key: string;
  event: string;
  target?: string;
  roles: string[];
  guard?: Guard;
  guardText?: string;
}
export interface TimerSpec {
  id: string;
  period: Period;
  /** The machine event a due timer becomes. */
  event: string;
  /** Set when the period depends on the instance data at entry (a deadline with daysFrom). */
  periodOf?: (data: Record<string, unknown>) => Period;
}
export interface CompiledState {
  id: string;
  config: StateConfig;
  form?: Validator;
  /**
   * Set when the form has personal fields: which, and the form's validator with a commitment
   * accepted in place of each (a recorded SUBMIT, re-executed without the values).
   */
  personal?: { fields: PersonalField[]; recorded: Validator };
  events: Map<string, CompiledTransition[]>;
  /** Per event, the roles any of its transitions allows (each once, in order). */
  eventRoles: Map<string, string[]>;
  timers: TimerSpec[];
  /** The ids of `timers`, which leaving the state cancels. */
  timerIds: string[];
}
export interface CompiledFlow {
  flow: Flow;
  hash: string;
  machine: AnyStateMachine;
  scope: AnyActorScope;
  states: Map<string, CompiledState>;
  transitions: Map<string, CompiledTransition>;
  validateData: Validator;
  /** The personal fields of the instance data (where the data keeps commitments). */
  personalData: PersonalField[];
  /**
   * Whether `next` is valid instance data, given that `prev` was: true only when it certainly is
   * (see propertyCheck); false means validate it all with validateData.
   */
  dataStaysValid: (prev: Record<string, unknown>, next: unknown) => boolean;
  /** Guard evaluation errors of the event being applied (one event at a time per flow). */
  guardErrors: string[];
  /** The transition the event being applied takes, as its guard reported it (see compileFlow). */
  taken?: TakenStep;
  /** The XState snapshot of each state, made once: the machine holds no instance data. */
  stateSnapshots: Map<string, AnyMachineSnapshot>;
  /** The last snapshot start/apply returned, and what the engine knows of it (see apply). */
  hot?: {
    snapshot: InstanceSnapshot;
    /** Its `at`, and that in epoch milliseconds. */
    at: string;
    ms: number;
    /** Its data object, if that has passed validateData. */
    validData: Record<string, unknown> | undefined;
  };
}

/** A transition's guard parameters: what the engine needs of the transition once XState takes it. */
export interface TakenStep {
  t: CompiledTransition;
  state: CompiledState;
  target: CompiledState | undefined;
}

export const SYSTEM_ROLE = 'system';

function compileState(id: string, config: StateConfig): CompiledState {
  const events = new Map<string, CompiledTransition[]>();
  const timers: TimerSpec[] = [];
  const stateRoles = config.roles ?? [];
  const addTransitions = (event: string, value: unknown, roles?: string[]) => {
    events.set(
      event,
      transitionList(value).map((t, i) => ({
        key: transitionKey({ source: id, event, index: i }),
        event,
        target: t.target,
        roles: roles ?? t.roles ?? stateRoles,
        guard: t.guard ? compileGuard(t.guard) : undefined,
        guardText: t.guard,
      })),
    );
  };
  for (const [event, value] of Object.entries(config.on ?? {})) {
    const timerDriven = event === 'DISCLOSURE.ENDED' || event === 'DEADLINE.EXCEEDED';
    addTransitions(event, value, timerDriven ? [SYSTEM_ROLE] : undefined);
  }
  for (const [duration, value] of Object.entries(config.after ?? {})) {
    const timer = timerId(id, duration);
    const t = typeof value === 'string' ? { target: value } : value;
    timers.push({ id: timer, period: { duration, calendar: t.calendar }, event: `TIMER:${timer}` });
    addTransitions(`TIMER:${timer}`, { target: t.target, guard: t.guard }, [SYSTEM_ROLE]);
  }
  if (config.deadline) {
    const deadline = config.deadline;
    const periodOf = deadline.daysFrom?.length ? (data: Record<string, unknown>) => deadlinePeriod(deadline, data) : undefined;
    timers.push({ id: `${id}:deadline`, period: deadline, event: 'DEADLINE.EXCEEDED', ...(periodOf ? { periodOf } : {}) });
    // Unhandled, a passed deadline flags the step overdue and the step stays where it is.
    if (!events.has('DEADLINE.EXCEEDED')) addTransitions('DEADLINE.EXCEEDED', {}, [SYSTEM_ROLE]);
  }
  if (config.disclosure) {
    timers.push({ id: `${id}:disclosure`, period: config.disclosure.period, event: 'DISCLOSURE.ENDED' });
  }
  if (config.vote?.mode === 'ballot') addTransitions('CAST_BALLOT', {}, [config.vote.electorate]);
  let form: Validator | undefined;
  let personal: CompiledState['personal'];
  if (config.form) {
    const compiled = compileSchema(config.form.schema);
    if ('validate' in compiled) form = compiled.validate;
    const fields = personalFields(config.form.schema);
    if (fields.length) personal = { fields, recorded: commitmentValidator(config.form.schema) };
  }
  const eventRoles = new Map([...events].map(([event, list]) => [event, [...new Set(list.flatMap((t) => t.roles))]]));
  return { id, config, form, personal, events, eventRoles, timers, timerIds: timers.map((t) => t.id) };
}

export function compileFlow(input: unknown): CompiledFlow {
  const issues = validateFlow(input);
  if (issues.length) throw new FlowInvalidError(issues);
  const flow = input as Flow;
  const states = new Map<string, CompiledState>();
  const transitions = new Map<string, CompiledTransition>();
  for (const [id, config] of Object.entries(flow.states)) {
    const state = compileState(id, config);
    states.set(id, state);
    for (const list of state.events.values()) for (const t of list) transitions.set(t.key, t);
  }
  // Instance data keeps a commitment in place of each personal value (see personal.ts).
  const personalData = personalFields(flow.data);
  const dataSchema = personalData.length ? (withCommitments(flow.data) as Flow['data']) : flow.data;
  const data = compileSchema(dataSchema);
  const compiled = {
    flow,
    hash: hashJson(flow),
    states,
    transitions,
    validateData: 'validate' in data ? data.validate : () => [],
    personalData,
    dataStaysValid: dataChangeCheck('validate' in data ? propertyCheck(dataSchema) : null),
    guardErrors: [] as string[],
  } as CompiledFlow;

  // XState picks the transition (the event's candidates in order, each behind its role and guard)
  // and moves the state; the instance context stays out of the machine. Guards read it from the
  // event, and the guard that holds records the transition taken: the engine then computes the new
  // context with takeTransition. An assign action would do the same inside XState at the cost of a
  // snapshot clone per event, and even an action that only names the transition cost XState an
  // action object, its resolution and an executor call per event.
  const machineSetup = setup({
    types: {} as { events: MachineEvent },
    guards: {
      allowed: ({ event }, step: TakenStep) => {
        if (!guardHolds(compiled, step.t, event)) return false;
        // XState takes the first candidate whose guard holds, and evaluates no guard after it (the
        // machine has no eventless transitions), so the transition taken is this one.
        compiled.taken = step;
        return true;
      },
    },
  });
  const machineStates: Record<string, object> = {};
  for (const state of states.values()) {
    const on: Record<string, object[]> = {};
    for (const [event, list] of state.events) {
      on[event] = list.map((t) => ({
        target: t.target,
        // A targeted transition, even to the same state, leaves and re-enters it (timers restart).
        reenter: t.target !== undefined,
        guard: { type: 'allowed', params: { t, state, target: t.target === undefined ? undefined : states.get(t.target) } satisfies TakenStep },
        // Exit, transition and entry work is done by the engine (see takeTransition): no actions.
      }));
    }
    machineStates[state.id] = {
      ...(state.config.kind === 'final' ? { type: 'final' } : {}),
      on,
    };
  }
  compiled.machine = machineSetup.createMachine({
    id: flow.id,
    initial: flow.initial,
    states: machineStates,
  } as never) as unknown as AnyStateMachine;
  compiled.scope = inertScope(compiled.machine, undefined);
  compiled.stateSnapshots = new Map();
  return compiled;
}

/** A transition's role check and guard expression, for the event being applied. */
function guardHolds(compiled: CompiledFlow, t: CompiledTransition, event: MachineEvent): boolean {
  const roles = event.actor.roles;
  let role: string | undefined;
  for (const r of roles) {
    if (t.roles.includes(r)) {
      role = r;
      break;
    }
  }
  if (role === undefined) return false;
  if (!t.guard) return true;
  const context = event.context!;
  try {
    return t.guard({
      data: context.data,
      payload: event.payload,
      vote: event.vote ?? null,
      actor: { id: event.actor.id, role },
      now: new Date(event.at),
      enteredAt: new Date(context.enteredAt),
    });
  } catch (error) {
    compiled.guardErrors.push(`${t.guardText}: ${(error as Error).message.split('\n')[0]}`);
    return false;
  }
}

function dataChangeCheck(check: ((key: string, value: unknown) => boolean) | null): CompiledFlow['dataStaysValid'] {
  if (!check) return () => false;
  return (prev, next) => {
    if (next === null || typeof next !== 'object' || Array.isArray(next) || Object.getPrototypeOf(next) !== Object.prototype) return false;
    const after = next as Record<string, unknown>;
    for (const key of Object.keys(prev)) if (!Object.hasOwn(after, key)) return false;
    for (const key of Object.keys(after)) {
      const value = after[key];
      if (value === prev[key] && Object.hasOwn(prev, key)) continue;
      if (value === undefined || !check(key, value)) return false;
    }
    return true;
  };
}

/**
 * One actor scope reused for every transition: building one per call costs more than the step.
 * Its action executor does nothing: the engine's machine has no actions, and a machine that only
 * assigns (the bench's hand-written one) has them applied by XState itself.
 */
export function inertScope(machine: AnyStateMachine, input: unknown): AnyActorScope {
  const self = createActor(machine, { input });
  return {
    self,
    defer: () => {},
    id: '',
    logger: () => {},
    sessionId: '',
    stopChild: () => {},
    system: self.system,
    emit: () => {},
    actionExecutor: () => {},
  } as unknown as AnyActorScope;
}

export function emptyContext(at: string, data: Record<string, unknown>): InstanceContext {
  return { data, enteredAt: at, timers: {}, disclosure: null, ballots: {}, votes: {}, objections: [], overdue: {}, taken: null };
}
