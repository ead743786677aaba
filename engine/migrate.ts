// Moving a running instance to another version of its flow. A migration is a record in the
// instance's own hash chain (type MIGRATE), so replay and verify re-execute it like any event: the
// record names both flow versions by hash and the state the instance leaves and lands in. Landing
// re-enters the state as a transition would: the old step's timers stop, the landing step's
// timers, deadline and notice start at the migration's time.
import { enterState, type MachineEvent } from './actions.ts';
import type { CompiledFlow } from './compile.ts';
import { EngineError, type EngineErrorCode } from './errors.ts';
import { compileSchema } from './forms.ts';
import { hashRecord } from './hash.ts';
import { isoString, parseTime } from './time.ts';
import type { StepOptions, StepResult } from './transition.ts';
import type { Effect, FlowEvent, FlowIssue, HistoryRecord, InstanceContext, InstanceSnapshot } from './types.ts';

/** Only a township administrator moves instances between flow versions. */
export const MIGRATE_ROLE = 'township_admin';
export const MIGRATE = 'MIGRATE';

export interface FlowRef {
  id: string;
  version: string;
  hash: string;
}

export type MigrationProblemCode =
  /** The instance has ended: there is nothing to move. */
  | 'INSTANCE_DONE'
  /** The instance does not run the version being migrated from. */
  | 'NOT_ON_VERSION'
  /** The target is a version of another flow. */
  | 'OTHER_FLOW'
  /** The target is the version the instance already runs. */
  | 'SAME_VERSION'
  /** The current state does not exist in the target and no landing state was chosen. */
  | 'NO_LANDING'
  /** The chosen landing state does not exist in the target. */
  | 'LANDING_MISSING'
  /** The landing state is final: a migration does not end an instance. */
  | 'LANDING_FINAL'
  /**
   * The landing state is of another kind: the people who act, and what they record, differ (a
   * running notice landing on a task would end early). A notice landing on a notice restarts it.
   */
  | 'KIND_CHANGED'
  /** Ballots have been cast in the current vote: re-entering would discard them. */
  | 'BALLOTS_OPEN'
  /** The instance data does not satisfy the target's data schema. */
  | 'DATA_INVALID';

export interface MigrationProblem {
  code: MigrationProblemCode;
  /** In English, naming the states and versions; `params` holds the same for other languages. */
  message: string;
  params: Record<string, string | number>;
  /** For DATA_INVALID: which fields. */
  issues?: FlowIssue[];
}

export interface MigrationPlan {
  from: FlowRef;
  to: FlowRef;
  /** Where the instance is now. */
  state: string;
  /** Where it would land: the chosen state, else the same state id when the target has it. */
  landing: string | null;
  /** The same state id, when the target has it. */
  defaultLanding: string | null;
  /** Empty when the migration can be made. */
  problems: MigrationProblem[];
}

const refOf = (c: CompiledFlow): FlowRef => ({ id: c.flow.id, version: c.flow.version, hash: c.hash });
const named = (r: FlowRef) => `${r.id}@${r.version}`;

/** Where an instance would land in `to`, and every reason the engine would refuse it. */
export function planMigration(from: CompiledFlow, to: CompiledFlow, snap: InstanceSnapshot, landing?: string): MigrationPlan {
  const fromRef = refOf(from);
  const toRef = refOf(to);
  const state = snap.state;
  const defaultLanding = to.states.has(state) ? state : null;
  const target = landing ?? defaultLanding;
  const problems: MigrationProblem[] = [];
  const problem = (code: MigrationProblemCode, message: string, params: Record<string, string | number> = {}, issues?: FlowIssue[]) =>
    problems.push({ code, message, params: { state, landing: target ?? '', from: fromRef.version, to: toRef.version, ...params }, ...(issues ? { issues } : {}) });
  const plan = (): MigrationPlan => ({ from: fromRef, to: toRef, state, landing: target, defaultLanding, problems });

  if (snap.flow.hash !== from.hash) problem('NOT_ON_VERSION', `the instance runs ${snap.flow.id}@${snap.flow.version}, not ${named(fromRef)}`, { running: snap.flow.version });
  if (to.flow.id !== from.flow.id) problem('OTHER_FLOW', `${named(toRef)} is a version of another flow than ${named(fromRef)}`);
  else if (to.hash === from.hash) problem('SAME_VERSION', `the instance already runs ${named(toRef)}`);
  if (snap.status === 'done') {
    problem('INSTANCE_DONE', `the instance has ended (${snap.outcome}) in state "${state}"; only running instances are migrated`);
    return plan();
  }
  if (problems.length) return plan();

  if (target === null) {
    problem('NO_LANDING', `state "${state}" does not exist in ${named(toRef)}; choose the state to land in`);
    return plan();
  }
  const landed = to.states.get(target);
  if (!landed) {
    problem('LANDING_MISSING', `state "${target}" does not exist in ${named(toRef)}`);
    return plan();
  }
  const here = from.states.get(state)!.config;
  const there = landed.config;
  if (there.kind === 'final') problem('LANDING_FINAL', `state "${target}" of ${named(toRef)} is final; a migration cannot end an instance`);
  else if (there.kind !== here.kind) {
    problem('KIND_CHANGED', `the instance is at the ${here.kind} step "${state}"; it can land only on a ${here.kind} step, and "${target}" is a ${there.kind} step`, { kind: here.kind, landingKind: there.kind });
  }
  const ballots = Object.keys(snap.context.ballots).length;
  if (ballots > 0) {
    problem('BALLOTS_OPEN', `${ballots} ballot(s) have been cast in "${state}"; close the vote before migrating, or the ballots would be lost`, { ballots });
  }
  const issues = to.validateData(snap.context.data);
  if (issues.length) {
    problem('DATA_INVALID', `the instance data does not fit ${named(toRef)}: ${issues[0]!.pointer || '/'} ${issues[0]!.message}`, { pointer: issues[0]!.pointer || '/', reason: issues[0]!.message }, issues);
  }
  return plan();
}

export interface MigrationRequest {
  actor: { id: string; roles: string[] };
  at: string;
  /** The state to land in; defaults to the current state id. */
  landing?: string;
  reason?: string;
}

/** The MIGRATE event for a request: what a host sends and what a record's re-execution sends again. */
export function migrationEvent(from: CompiledFlow, to: CompiledFlow, snap: InstanceSnapshot, request: MigrationRequest): FlowEvent {
  const payload: Record<string, unknown> = { from: refOf(from), to: refOf(to), map: { [snap.state]: request.landing ?? snap.state } };
  if (request.reason !== undefined) payload.reason = request.reason;
  return { type: MIGRATE, actor: request.actor, at: request.at, payload };
}

const ref = { type: 'object', additionalProperties: false, required: ['id', 'version', 'hash'], properties: { id: { type: 'string' }, version: { type: 'string' }, hash: { type: 'string' } } };
const checkPayload = (() => {
  const c = compileSchema({
    type: 'object',
    additionalProperties: false,
    required: ['from', 'to', 'map'],
    properties: {
      from: ref,
      to: ref,
      map: { type: 'object', minProperties: 1, maxProperties: 1, additionalProperties: { type: 'string', minLength: 1, maxLength: 200 } },
      reason: { type: 'string', maxLength: 5000 },
    },
  });
  if (!('validate' in c)) throw new Error(c.problem);
  return c.validate;
})();

function refuse(code: EngineErrorCode, message: string, issues: FlowIssue[] = []): never {
  throw new EngineError(code, message, issues);
}

/**
 * Applies a MIGRATE event (see migrationEvent) to an instance on `from`, giving the instance on
 * `to`, its record and effects, as apply does for other events. Throws EngineError naming the
 * first problem planMigration finds; the input snapshot is never changed.
 */
export function migrate(from: CompiledFlow, to: CompiledFlow, snap: InstanceSnapshot, event: FlowEvent, options?: StepOptions): StepResult {
  if (event === null || typeof event !== 'object' || event.type !== MIGRATE) refuse('EVENT_INVALID', `a migration is a ${MIGRATE} event`);
  const ms = parseTime(event.at);
  if (ms === null) refuse('EVENT_INVALID', `"at" must be an ISO-8601 time with a zone, got ${JSON.stringify(event.at)}`);
  const at = isoString(ms);
  const actor = event.actor;
  if (actor === null || typeof actor !== 'object' || typeof actor.id !== 'string' || actor.id.length === 0 || !Array.isArray(actor.roles)) {
    refuse('EVENT_INVALID', 'actor must be { id, roles }');
  }
  if (!actor.roles.includes(MIGRATE_ROLE)) {
    refuse('ROLE_FORBIDDEN', `migrating an instance needs the role ${MIGRATE_ROLE}; actor "${actor.id}" has ${actor.roles.join(', ') || 'none'}`);
  }
  const payload = event.payload ?? {};
  const shape = checkPayload(payload);
  if (shape.length) refuse('EVENT_INVALID', `${MIGRATE} payload: ${shape[0]!.pointer || '/'} ${shape[0]!.message}`, shape);
  const p = payload as { from: FlowRef; to: FlowRef; map: Record<string, string>; reason?: string };
  if (p.from.hash !== from.hash || p.to.hash !== to.hash) {
    refuse('EVENT_INVALID', `${MIGRATE} payload names ${p.from.id}@${p.from.version} → ${p.to.id}@${p.to.version}, not the flow versions supplied (${named(refOf(from))} → ${named(refOf(to))})`);
  }
  const [[leaving, landing]] = Object.entries(p.map) as [[string, string]];
  if (leaving !== snap.state) refuse('EVENT_NOT_ALLOWED', `${MIGRATE} moves the instance from "${leaving}", but it is in "${snap.state}"`);
  if (ms < parseTime(snap.at)!) refuse('TIME_REVERSED', `event time ${at} is before the last event at ${snap.at}`);
  const first = planMigration(from, to, snap, landing).problems[0];
  if (first) refuse(first.code === 'DATA_INVALID' ? 'DATA_INVALID' : 'EVENT_NOT_ALLOWED', first.message, first.issues ?? [{ pointer: `/states/${landing}`, message: first.message }]);

  const state = to.states.get(landing)!;
  // Leave whatever ran (timers, notice, ballots) and enter the landing state as a transition would.
  const left: InstanceContext = { ...snap.context, timers: {}, disclosure: null, ballots: {}, taken: null };
  const calendar = options?.calendar;
  const context: InstanceContext = { ...left, ...enterState(left, { at } as MachineEvent, state, calendar) };
  const recordPayload: Record<string, unknown> = { from: refOf(from), to: refOf(to), map: { [leaving]: landing } };
  if (p.reason !== undefined) recordPayload.reason = p.reason;
  const unsigned: Omit<HistoryRecord, 'hash'> = { seq: snap.seq + 1, type: MIGRATE, actor: { id: actor.id, role: MIGRATE_ROLE }, at, payload: recordPayload, state: landing, prev: snap.hash };
  if (calendar?.recorded) {
    const used = [...new Set(Object.values(context.timers).flatMap((t) => Object.values(t.calendars ?? {})))].sort();
    if (used.length) unsigned.calendars = used;
  }
  const record: HistoryRecord = { ...unsigned, hash: hashRecord(unsigned) };
  const snapshot: InstanceSnapshot = { flow: refOf(to), state: landing, status: 'active', outcome: null, context, seq: record.seq, hash: record.hash, at };
  return { snapshot, record, effects: effectsOf(snap.context, context, at) };
}

/** What the host must do: the same effects apply() reports for a transition. */
function effectsOf(before: InstanceContext, after: InstanceContext, at: string): Effect[] {
  const effects: Effect[] = [];
  for (const [id, t] of Object.entries(before.timers)) if (after.timers[id]?.due !== t.due) effects.push({ type: 'timer.cancel', timer: id });
  for (const [id, t] of Object.entries(after.timers)) if (before.timers[id]?.due !== t.due) effects.push({ type: 'timer.schedule', timer: id, due: t.due });
  if (before.disclosure) effects.push({ type: 'disclosure.end', state: before.disclosure.state, at });
  const now = after.disclosure;
  if (now) effects.push({ type: 'disclosure.publish', state: now.state, from: now.from, until: now.until, items: now.items });
  return effects;
}
