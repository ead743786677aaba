// The pure step: (compiled flow, snapshot, event) → next snapshot, history record and effects,
// or a typed error that changes nothing. The caller supplies time and actor; nothing here reads
// a clock, a file or a random source.
import type { AnyMachineSnapshot } from 'xstate';
import { emptyContext, SYSTEM_ROLE, type CompiledFlow, type CompiledState, type CompiledTransition, type TakenStep } from './compile.ts';
import { EngineError } from './errors.ts';
import { compileSchema, type Validator } from './forms.ts';
import { hashRecordOf } from './hash.ts';
import { withKeys } from './immutable.ts';
import { EVENT_NAME } from './transitions.ts';
import { chinaDate, durationOf, epochMs, isoString, parseTime } from './time.ts';
import { ballotSchema, boxProblem, closeSecretVoteSchema, closeVoteSchema, countProblems, decide, meetingRecordSchema, rosterProblems, secretBallotSchema, tallyBallots, type MeetingCounts } from './votes.ts';
import { initialContext, startTimer, takeTransition, type MachineEvent } from './actions.ts';
import { legacyCalendar, RECALENDAR, type WorkCalendar } from './calendar.ts';
import { checkCommitted, commitPayload, COMMITMENT_SCHEMA, placesOf, type PersonalField, type PersonalValue } from './personal.ts';
import type { ActiveTimer, BallotChoice, Effect, FlowEvent, HistoryRecord, InstanceContext, InstanceSnapshot, SealedBallot, StateConfig, VoteConfig, VoteResult, VoteRoster } from './types.ts';

export interface StepResult {
  snapshot: InstanceSnapshot;
  record: HistoryRecord;
  effects: Effect[];
  /** The personal values the record commits to, for the host's personal-data store (a live SUBMIT only). */
  personal?: PersonalValue[];
}

/** What the host passes besides the event, as it passes the time. */
export interface StepOptions {
  /**
   * The calendar working days are counted on (makeWorkCalendar of the host's versions). Without
   * one, the legacy calendar, whose records name no versions (how records were made before).
   */
  calendar?: WorkCalendar;
}

const TEXT = { type: 'string', minLength: 1, maxLength: 5000 } as const;
const OPTIONAL_TEXT = { type: 'string', maxLength: 5000 } as const;
/**
 * A payload check, compiled by Ajv at its first use: loading the engine (a server, the CLI, each
 * test file) then compiles none of the checks it may never run. The schemas are the constants below.
 */
function validator(schema: object): Validator {
  let validate: Validator | undefined;
  return (value) => {
    if (!validate) {
      const c = compileSchema(schema as Record<string, unknown>);
      if (!('validate' in c)) throw new Error(c.problem);
      validate = c.validate;
    }
    return validate(value);
  };
}
/** The personal field of an objection: how to reach the objector. */
export const OBJECTION_PERSONAL: readonly PersonalField[] = [{ path: ['contact'], kind: 'contact' }];
/** What is wrong with an objection's payload (its contact given as the value or its commitment). */
export function objectionIssues(payload: unknown) {
  return payloads.objection(payload);
}
const payloads = {
  record: validator(meetingRecordSchema),
  ballot: validator(ballotSchema),
  close: validator(closeVoteSchema),
  secretBallot: validator(secretBallotSchema),
  closeSecret: validator(closeSecretVoteSchema),
  approve: validator({ type: 'object', additionalProperties: false, properties: { reason: OPTIONAL_TEXT, opinion: OPTIONAL_TEXT } }),
  decline: validator({ type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: TEXT, opinion: OPTIONAL_TEXT } }),
  // The contact is recorded as a commitment (a live OBJECT carries the host's salt); a record made
  // before contacts were committed holds it in the clear, and still replays.
  objection: validator({ type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: TEXT, contact: { anyOf: [{ type: 'string', maxLength: 200 }, COMMITMENT_SCHEMA] } } }),
  custom: validator({ type: 'object', additionalProperties: false, properties: { reason: OPTIONAL_TEXT, comment: OPTIONAL_TEXT } }),
  timer: validator({ type: 'object', additionalProperties: false, required: ['timer'], properties: { timer: { type: 'string', maxLength: 200 } } }),
  recalendar: validator({
    type: 'object',
    additionalProperties: false,
    required: ['year', 'calendar'],
    // `changes` is what the engine wrote into the record; on replay it is recomputed, not read.
    properties: { year: { type: 'integer', minimum: 1901, maximum: 2099 }, calendar: { type: 'string', pattern: '^[0-9a-f]{64}$' }, changes: { type: 'array' } },
  }),
  start: validator({ type: 'object', additionalProperties: false, properties: { data: { type: 'object' } } }),
};
const actorShape = validator({
  type: 'object',
  additionalProperties: false,
  required: ['id', 'roles'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    roles: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 64 } },
  },
});

/**
 * True only for actors that actorShape accepts: an object whose (for-in) keys are id and roles, an
 * id of 1..200 and roles of 1..64 UTF-16 units (so as many code points or fewer, which is what
 * Ajv counts), at most 50 of them. Every event has an actor, and this is several times cheaper
 * than the Ajv validator; anything else still goes to Ajv, which accepts it or words the error.
 */
function plainActor(actor: unknown): boolean {
  if (actor === null || typeof actor !== 'object' || Array.isArray(actor)) return false;
  for (const key in actor) if (key !== 'id' && key !== 'roles') return false;
  const { id, roles } = actor as { id?: unknown; roles?: unknown };
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return false;
  if (!Array.isArray(roles) || roles.length > 50) return false;
  for (const role of roles) if (typeof role !== 'string' || role.length === 0 || role.length > 64) return false;
  return true;
}


/** Forms are shallow; a payload nested deeper than this would only cost stack when it is hashed. */
const MAX_PAYLOAD_DEPTH = 64;
function tooDeep(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > MAX_PAYLOAD_DEPTH) return true;
  for (const key in value) if (tooDeep((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

function checkEvent(event: FlowEvent): { at: string; ms: number; payload: Record<string, unknown> } {
  if (event === null || typeof event !== 'object') throw new EngineError('EVENT_INVALID', 'event must be an object');
  if (typeof event.type !== 'string' || !EVENT_NAME.test(event.type)) {
    throw new EngineError('EVENT_INVALID', `event type must be an UPPER_SNAKE_CASE name, got ${JSON.stringify(event.type)}`);
  }
  const actorIssues = plainActor(event.actor) ? [] : actorShape(event.actor);
  if (actorIssues.length) {
    throw new EngineError('EVENT_INVALID', `actor${actorIssues[0]!.pointer}: ${actorIssues[0]!.message}`, actorIssues);
  }
  // Parsed once: the canonical time and the ordering check both come from these milliseconds.
  const ms = parseTime(event.at);
  if (ms === null) {
    throw new EngineError('EVENT_INVALID', `"at" must be an ISO-8601 time with a zone, got ${JSON.stringify(event.at)}`);
  }
  const payload = event.payload ?? {};
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new EngineError('EVENT_INVALID', 'payload must be an object');
  }
  if (tooDeep(payload, 1)) throw new EngineError('EVENT_INVALID', `payload is nested too deeply (more than ${MAX_PAYLOAD_DEPTH} levels)`);
  return { at: isoString(ms), ms, payload };
}

function payloadInvalid(code: 'FORM_INVALID' | 'VOTE_INVALID', what: string, issues: { pointer: string; message: string }[]): never {
  const first = issues[0]!;
  throw new EngineError(code, `${what}: ${first.pointer || '/'} ${first.message}` + (issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''), issues);
}

function requireRole(event: FlowEvent, roles: string[], what: string): string {
  const role = event.actor.roles.find((r) => roles.includes(r));
  if (role === undefined) {
    throw new EngineError('ROLE_FORBIDDEN', `${what} needs one of the roles ${roles.join(', ')}; actor "${event.actor.id}" has ${event.actor.roles.join(', ') || 'none'}`);
  }
  return role;
}

function makeRecord(prev: { seq: number; hash: string | null }, body: Omit<HistoryRecord, 'seq' | 'prev' | 'hash' | 'calendars'>, calendars?: string[]): HistoryRecord {
  // Written out rather than spread: same keys in the same order, without two object copies.
  const { type, actor, at, payload, state } = body;
  const seq = prev.seq + 1;
  const hash = hashRecordOf(seq, type, actor.id, actor.role, at, payload, state, prev.hash, calendars);
  return calendars ? { seq, type, actor, at, payload, state, prev: prev.hash, calendars, hash } : { seq, type, actor, at, payload, state, prev: prev.hash, hash };
}

/** The calendar versions of the timers this step started (sorted hashes), or undefined when none counted on one. */
function calendarsUsed(before: Record<string, ActiveTimer>, after: Record<string, ActiveTimer>, extra?: string): string[] | undefined {
  if (before === after && extra === undefined) return undefined;
  let used: Set<string> | undefined;
  for (const id in after) {
    const t = after[id]!;
    if (t.calendars !== undefined && t !== before[id]) for (const year in t.calendars) (used ??= new Set()).add(t.calendars[year]!);
  }
  if (extra !== undefined) (used ??= new Set()).add(extra);
  return used ? [...used].sort() : undefined;
}

function diffEffects(prev: InstanceContext | null, next: InstanceContext, at: string): Effect[] {
  const effects: Effect[] = [];
  const before = prev?.timers ?? {};
  const after = next.timers;
  // Own keys only, in Object.entries order: the timers are plain records the engine built.
  if (before !== after) {
    for (const id of Object.keys(before)) if (after[id]?.due !== before[id]!.due) effects.push({ type: 'timer.cancel', timer: id });
    for (const id of Object.keys(after)) if (before[id]?.due !== after[id]!.due) effects.push({ type: 'timer.schedule', timer: id, due: after[id]!.due });
  }
  const was = prev?.disclosure ?? null;
  const now = next.disclosure;
  if (was && now && was !== now && was.state === now.state && was.from === now.from && was.items === now.items) {
    // The same notice with its end recounted (RECALENDAR): it stays up, with its end moved.
    effects.push({ type: 'disclosure.reschedule', state: now.state, until: now.until });
    return effects;
  }
  if (was && was !== now) effects.push({ type: 'disclosure.end', state: was.state, at });
  if (now && now !== was) effects.push({ type: 'disclosure.publish', state: now.state, from: now.from, until: now.until, items: now.items });
  return effects;
}

function finish(
  compiled: CompiledFlow,
  state: string,
  context: InstanceContext,
  prev: InstanceSnapshot | null,
  record: HistoryRecord,
  atMs: number,
  dataValid: boolean,
  personal?: PersonalValue[],
): StepResult {
  const config = compiled.flow.states[state]!;
  const done = config.kind === 'final';
  const snapshot: InstanceSnapshot = {
    flow: { id: compiled.flow.id, version: compiled.flow.version, hash: compiled.hash },
    state,
    status: done ? 'done' : 'active',
    outcome: done ? config.outcome! : null,
    context,
    seq: record.seq,
    hash: record.hash,
    at: record.at,
  };
  // Kept for the next event, which usually continues from this very snapshot (see apply).
  compiled.hot = { snapshot, at: record.at, ms: atMs, validData: dataValid ? context.data : undefined };
  const effects = diffEffects(prev?.context ?? null, snapshot.context, record.at);
  if (done) effects.push({ type: 'instance.done', outcome: config.outcome! });
  return personal === undefined ? { snapshot, record, effects } : { snapshot, record, effects, personal };
}

/** Starts an instance: the START event, sent by one of the flow's starter roles. */
export function start(compiled: CompiledFlow, event: FlowEvent, options?: StepOptions): StepResult {
  const { at, ms, payload } = checkEvent(event);
  if (event.type !== 'START') throw new EngineError('EVENT_NOT_ALLOWED', `an instance begins with START, not ${event.type}`);
  const role = requireRole(event, compiled.flow.starters, 'starting this flow');
  const issues = payloads.start(payload);
  if (issues.length) payloadInvalid('FORM_INVALID', 'START payload', issues);
  const data = (payload.data as Record<string, unknown>) ?? {};
  const dataIssues = compiled.validateData(data);
  if (dataIssues.length) throw new EngineError('DATA_INVALID', `initial data: ${dataIssues[0]!.pointer || '/'} ${dataIssues[0]!.message}`, dataIssues);
  for (const field of compiled.personalData) {
    const place = placesOf(data, field.path)[0];
    if (place) throw new EngineError('DATA_INVALID', `initial data: ${place[0]} is personal; it is entered in a form, not with START`, [{ pointer: place[0], message: 'is personal; it is entered in a form, not with START' }]);
  }
  // The machine has no entry actions (see takeTransition), so the instance starts in its initial
  // state with the context of having entered it.
  const initial = compiled.flow.initial;
  const calendar = options?.calendar;
  const empty = emptyContext(at, data);
  const context = initialContext(empty, at, compiled.states.get(initial)!, calendar);
  const flowRef = { id: compiled.flow.id, version: compiled.flow.version, hash: compiled.hash };
  const record = makeRecord(
    { seq: 0, hash: null },
    { type: 'START', actor: { id: event.actor.id, role }, at, payload: withKeys(payload, { flow: flowRef }), state: initial },
    calendar?.recorded ? calendarsUsed(empty.timers, context.timers) : undefined,
  );
  return finish(compiled, initial, context, null, record, ms, true);
}

/**
 * The machine event a meeting's counts become. (A module function, not a closure in resolve: tsx,
 * which runs the server, names every closure it creates with a defineProperty call.)
 */
function voteEvent(
  vote: NonNullable<StateConfig['vote']>,
  snap: InstanceSnapshot,
  event: FlowEvent,
  at: string,
  payload: Record<string, unknown>,
  counts: MeetingCounts,
  extra: Partial<VoteResult>,
): MachineEvent {
  const result = decide(vote, counts, { at, by: event.actor.id, ...extra });
  const type = result.outcome === 'passed' ? 'VOTE.PASSED' : result.outcome === 'failed' ? 'VOTE.FAILED' : 'VOTE.NO_QUORUM';
  return { at, actor: event.actor, payload, type, vote: result, context: snap.context };
}

/**
 * A meeting record's or closing's numbers against the roster the host supplied (`payload.roster`):
 * members must be the roster's, eligible its voting members less those recused. Records made before
 * rosters carry none and are taken as they are.
 */
function checkRoster(vote: VoteConfig, counts: Pick<MeetingCounts, 'members' | 'eligible' | 'recused'>, payload: Record<string, unknown>, at: string, what: string): VoteRoster | undefined {
  const roster = payload.roster as VoteRoster | undefined;
  if (!roster) return undefined;
  const problems = rosterProblems(counts, roster, vote.body, chinaDate(epochMs(at)));
  if (problems.length) throw new EngineError('ROSTER_MISMATCH', `${what}: ${problems.map((p) => p.message).join('; ')}`, problems);
  return roster;
}

/** Turns the event a person or the scheduler sent into the event the machine takes. */
function resolve(compiled: CompiledFlow, snap: InstanceSnapshot, state: CompiledState, event: FlowEvent, at: string, payload: Record<string, unknown>): MachineEvent {
  const { config } = state;
  const vote = config.vote;
  switch (event.type) {
    case 'TIMER': {
      requireRole(event, [SYSTEM_ROLE], 'a timer event');
      const issues = payloads.timer(payload);
      if (issues.length) payloadInvalid('FORM_INVALID', 'TIMER payload', issues);
      const id = payload.timer as string;
      const active = snap.context.timers[id];
      if (!active) throw new EngineError('TIMER_INVALID', `timer "${id}" is not running in state "${state.id}"`);
      if (epochMs(at) < epochMs(active.due)) throw new EngineError('TIMER_INVALID', `timer "${id}" is not due until ${active.due}`);
      const spec = state.timers.find((t) => t.id === id)!;
      return { at, actor: event.actor, payload, type: spec.event, timer: id, context: snap.context };
    }
    case 'RECORD_VOTE': {
      if (vote?.mode !== 'record') throw notHere(state, event.type);
      requireRole(event, config.roles!, 'recording the meeting');
      const issues = payloads.record(payload);
      if (issues.length) payloadInvalid('VOTE_INVALID', 'meeting record', issues);
      const counts = payload as unknown as MeetingCounts & Partial<VoteResult>;
      const roster = checkRoster(vote, counts, payload, at, 'meeting record');
      const problems = countProblems(counts);
      if (problems.length) payloadInvalid('VOTE_INVALID', 'meeting record', problems);
      const { members, eligible, present, for: yes, against, abstain, recused, signIn, attendees, notes } = counts;
      return voteEvent(vote, snap, event, at, payload, { members, eligible, present, for: yes, against, abstain, recused }, { signIn, attendees, notes, roster });
    }
    case 'CAST_BALLOT': {
      if (vote?.mode !== 'ballot') throw notHere(state, event.type);
      requireRole(event, [vote.electorate], 'casting a ballot');
      if (vote.secret) return secretBallot(snap, state, event, at, payload);
      const issues = payloads.ballot(payload);
      if (issues.length) payloadInvalid('VOTE_INVALID', 'ballot', issues);
      return { at, actor: event.actor, payload, type: 'CAST_BALLOT', context: snap.context };
    }
    case 'CLOSE_VOTE': {
      if (vote?.mode !== 'ballot') throw notHere(state, event.type);
      requireRole(event, config.roles!, 'closing the vote');
      const issues = (vote.secret ? payloads.closeSecret : payloads.close)(payload);
      if (issues.length) payloadInvalid('VOTE_INVALID', 'closing the vote', issues);
      const box = payload.box as SealedBallot[] | undefined;
      if (box) {
        const problem = boxProblem(box, Object.keys(snap.context.ballots).length);
        if (problem) payloadInvalid('VOTE_INVALID', 'closing the vote', [problem]);
      }
      const choices = box ? box.map((b) => b.choice) : (Object.values(snap.context.ballots) as BallotChoice[]);
      const counts = { members: payload.members as number, eligible: payload.eligible as number, recused: 0, ...tallyBallots(choices) };
      const roster = checkRoster(vote, counts, payload, at, 'closing the vote');
      const problems = countProblems(counts);
      if (problems.length) payloadInvalid('VOTE_INVALID', 'closing the vote', problems);
      return voteEvent(vote, snap, event, at, payload, counts, { notes: payload.notes as string | undefined, roster, ...(box ? { secret: true as const } : {}) });
    }
  }
  if (event.type.includes('.') || !state.events.has(event.type)) throw notHere(state, event.type);
  requireRole(event, state.eventRoles.get(event.type)!, `${event.type} in "${state.id}"`);
  const check =
    event.type === 'SUBMIT' ? state.form!
    : event.type === 'APPROVE' ? payloads.approve
    : event.type === 'RETURN' || event.type === 'REJECT' ? payloads.decline
    : event.type === 'OBJECT' ? payloads.objection
    : payloads.custom;
  if (event.type === 'SUBMIT' && state.personal !== undefined) return personalSubmit(state, snap, event, at, payload);
  const issues = check(payload);
  if (issues.length) payloadInvalid('FORM_INVALID', `${event.type} in "${state.id}"`, issues);
  if (event.type === 'OBJECT' && typeof payload.contact === 'string' && event.salt !== undefined) {
    // How to reach the objector is personal (a phone, a name): the record keeps its commitment.
    const committed = commitPayload(OBJECTION_PERSONAL, payload, event.salt, snap.seq + 1, `OBJECT in "${state.id}"`);
    return { at, actor: event.actor, payload: committed.payload, type: event.type, context: snap.context, personal: committed.values };
  }
  return { at, actor: event.actor, payload, type: event.type, context: snap.context };
}

/**
 * A SUBMIT of a form with personal fields. Live (the host passed a salt): the values are validated
 * by the form itself, then committed to; the machine event, and so the record and the instance
 * data, carry the commitments. Re-executed from a record (no salt): each personal field must hold
 * a commitment, which the form accepts in the value's place.
 */
function personalSubmit(state: CompiledState, snap: InstanceSnapshot, event: FlowEvent, at: string, payload: Record<string, unknown>): MachineEvent {
  const what = `SUBMIT in "${state.id}"`;
  const { fields, recorded } = state.personal!;
  if (event.salt === undefined) {
    checkCommitted(fields, payload, what);
    const issues = recorded(payload);
    if (issues.length) payloadInvalid('FORM_INVALID', what, issues);
    return { at, actor: event.actor, payload, type: event.type, context: snap.context };
  }
  const issues = state.form!(payload);
  if (issues.length) payloadInvalid('FORM_INVALID', what, issues);
  const committed = commitPayload(fields, payload, event.salt, snap.seq + 1, what);
  return { at, actor: event.actor, payload: committed.payload, type: event.type, context: snap.context, personal: committed.values };
}

/**
 * A secret ballot: the voter's choice with the box id the host drew ({ choice, ballot }), which
 * the engine hands back to the host as a ballot.deposit effect while the record keeps an empty
 * payload; or that empty payload itself, as a record re-executed (replay, verify) passes it. One
 * ballot per voter: without a link from voter to ballot, a changed mind could not find the old one.
 */
function secretBallot(snap: InstanceSnapshot, state: CompiledState, event: FlowEvent, at: string, payload: Record<string, unknown>): MachineEvent {
  if (Object.hasOwn(snap.context.ballots, event.actor.id)) {
    throw new EngineError('VOTE_INVALID', `"${event.actor.id}" has already cast a ballot in "${state.id}"; a secret ballot is cast once and cannot be changed`);
  }
  let ballot: SealedBallot | undefined;
  if (Object.keys(payload).length > 0) {
    const issues = payloads.secretBallot(payload);
    if (issues.length) payloadInvalid('VOTE_INVALID', 'ballot', issues);
    ballot = { id: payload.ballot as string, choice: payload.choice as BallotChoice };
  }
  return { at, actor: event.actor, payload: SEALED_PAYLOAD, type: 'CAST_BALLOT', context: snap.context, ballot };
}
/** What a secret ballot's record says of it: nothing but its type and its voter. */
const SEALED_PAYLOAD: Record<string, never> = Object.freeze({});

function notHere(state: CompiledState, type: string): EngineError {
  const allowed = [...state.events.keys()].filter((e) => !e.includes('.') && !e.startsWith('TIMER:'));
  if (state.config.vote?.mode === 'record') allowed.push('RECORD_VOTE');
  if (state.config.vote?.mode === 'ballot') allowed.push('CLOSE_VOTE');
  if (state.timers.length) allowed.push('TIMER');
  return new EngineError(
    'EVENT_NOT_ALLOWED',
    `${type} is not allowed in state "${state.id}"` + (allowed.length ? `; it takes ${[...new Set(allowed)].join(', ')}` : ''),
  );
}

/**
 * The XState snapshot of a state. The machine holds no instance data (see compileFlow), so one
 * snapshot per state serves every instance and every event: nothing to rebuild from a snapshot a
 * host loaded from storage, and nothing kept per snapshot the engine returned.
 */
function machineSnapshot(compiled: CompiledFlow, state: string): AnyMachineSnapshot {
  let x = compiled.stateSnapshots.get(state);
  if (x === undefined) {
    x = compiled.machine.resolveState({ value: state, context: {} });
    compiled.stateSnapshots.set(state, x);
  }
  return x;
}

/** Applies one event to a running instance. Throws EngineError; the input snapshot is never changed. */
export function apply(compiled: CompiledFlow, snap: InstanceSnapshot, event: FlowEvent, options?: StepOptions): StepResult {
  const { at, ms, payload } = checkEvent(event);
  if (snap.flow.hash !== compiled.hash) {
    throw new EngineError('EVENT_NOT_ALLOWED', `instance runs flow ${snap.flow.id}@${snap.flow.version}, not this flow version`);
  }
  if (event.type === 'START') throw new EngineError('EVENT_NOT_ALLOWED', 'the instance has already started');
  if (snap.status === 'done') throw new EngineError('EVENT_NOT_ALLOWED', `the instance has ended (${snap.outcome}) in state "${snap.state}"`);
  const hot = compiled.hot?.snapshot === snap ? compiled.hot : undefined;
  if (ms < (hot?.at === snap.at ? hot.ms : epochMs(snap.at))) throw new EngineError('TIME_REVERSED', `event time ${at} is before the last event at ${snap.at}`);
  const state = compiled.states.get(snap.state)!;
  if (event.type === RECALENDAR) return recalendar(compiled, snap, event, at, ms, payload, options?.calendar);
  const machineEvent = resolve(compiled, snap, state, event, at, payload);
  if (!state.events.has(machineEvent.type)) throw notHere(state, machineEvent.type);

  const before = machineSnapshot(compiled, snap.state);
  compiled.guardErrors.length = 0;
  compiled.taken = undefined;
  (compiled.scope.self as unknown as { _snapshot: unknown })._snapshot = before;
  const after = compiled.machine.transition(before, machineEvent, compiled.scope);
  const step = compiled.taken as TakenStep | undefined;
  compiled.taken = undefined;
  if (step === undefined) throw guardRejection(compiled, state, machineEvent);
  const calendar = options?.calendar;
  const ctx = takeTransition(snap.context, machineEvent, step.state, step.t, step.target, calendar);
  // Data the flow just validated stays valid if what changed is (see propertyCheck).
  const knownValid = hot?.validData !== undefined && hot.validData === snap.context.data;
  if (ctx.data !== snap.context.data && !(knownValid && compiled.dataStaysValid(snap.context.data, ctx.data))) {
    const issues = compiled.validateData(ctx.data);
    if (issues.length) throw new EngineError('DATA_INVALID', `instance data would be invalid at ${issues[0]!.pointer || '/'}: ${issues[0]!.message}`, issues);
  }
  const taken = step.t;
  const role = machineEvent.actor.roles.find((r) => taken.roles.includes(r))!;
  const record = makeRecord(snap, {
    type: event.type,
    actor: { id: event.actor.id, role: event.type === 'TIMER' ? SYSTEM_ROLE : roleForRecord(event, role, state) },
    at,
    payload: machineEvent.payload === SEALED_PAYLOAD ? {} : machineEvent.payload,
    state: String(after.value),
  }, calendar?.recorded ? calendarsUsed(snap.context.timers, ctx.timers) : undefined);
  const result = finish(compiled, String(after.value), ctx, snap, record, ms, ctx.data !== snap.context.data || knownValid, machineEvent.personal);
  if (state.config.vote?.secret) ballotBoxEffects(state, snap.context, ctx, machineEvent, result.effects);
  return result;
}

/** What a secret vote's step does to the host's ballot box: a ballot in, or the box emptied when the vote ends. */
function ballotBoxEffects(state: CompiledState, before: InstanceContext, after: InstanceContext, event: MachineEvent, effects: Effect[]): void {
  if (event.ballot) effects.push({ type: 'ballot.deposit', state: state.id, ballot: event.ballot });
  else if (after.ballots !== before.ballots && Object.keys(before.ballots).length > 0 && Object.keys(after.ballots).length === 0) effects.push({ type: 'ballot.empty', state: state.id });
}

/** The role a record names: the one that allowed the person's own action. */
function roleForRecord(event: FlowEvent, machineRole: string, state: CompiledState): string {
  if (event.type === 'RECORD_VOTE' || event.type === 'CLOSE_VOTE') return event.actor.roles.find((r) => state.config.roles!.includes(r))!;
  return machineRole;
}

function guardRejection(compiled: CompiledFlow, state: CompiledState, event: MachineEvent): EngineError {
  const candidates: CompiledTransition[] = state.events.get(event.type) ?? [];
  const allowedByRole = candidates.filter((t) => event.actor.roles.some((r) => t.roles.includes(r)));
  if (allowedByRole.length === 0) {
    return new EngineError('ROLE_FORBIDDEN', `${event.type} in "${state.id}" needs one of the roles ${[...new Set(candidates.flatMap((t) => t.roles))].join(', ')}`);
  }
  const why = compiled.guardErrors.length ? compiled.guardErrors.join('; ') : allowedByRole.map((t) => t.guardText).filter(Boolean).join('; ');
  return new EngineError('GUARD_REJECTED', `${event.type} in "${state.id}": no transition's guard holds (${why})`);
}

/**
 * Whether a running timer must be counted again on `calendar`, and from what: a timer that names
 * its versions, for each year whose version `calendar` answers differently; a timer started before
 * calendars were data (no versions: counted on the legacy calendar, weekends only outside
 * 2004-2026), for each such year its count passed through, from the state's entry with the
 * period its flow gives (what enterState counted).
 */
function recount(compiled: CompiledFlow, snap: InstanceSnapshot, id: string, t: ActiveTimer, calendar: WorkCalendar): { from: string; days: number; years: number[] } | null {
  if (t.calendars !== undefined) {
    if (t.from === undefined || t.days === undefined) return null;
    const years: number[] = [];
    for (const year in t.calendars) if (calendar.version(Number(year))?.hash !== t.calendars[year]) years.push(Number(year));
    return years.length ? { from: t.from, days: t.days, years } : null;
  }
  const spec = compiled.states.get(snap.state)?.timers.find((s) => s.id === id);
  const period = spec && (spec.periodOf ? spec.periodOf(snap.context.data) : spec.period);
  if (period?.calendar !== 'working') return null;
  const from = snap.context.enteredAt;
  const first = Number(chinaDate(epochMs(from) + 86_400_000).slice(0, 4));
  const last = Number(chinaDate(epochMs(t.due)).slice(0, 4));
  const years: number[] = [];
  for (let year = first; year <= last; year++) if (legacyCalendar().version(year) === null) years.push(year);
  return years.length ? { from, days: durationOf(period.duration).days, years } : null;
}

/** The years whose versions the running timers of an instance counted on that `calendar` answers differently (RECALENDAR each). */
export function staleCalendarYears(compiled: CompiledFlow, snap: InstanceSnapshot, calendar: WorkCalendar): number[] {
  if (snap.status !== 'active') return [];
  const years = new Set<number>();
  for (const id of Object.keys(snap.context.timers)) for (const y of recount(compiled, snap, id, snap.context.timers[id]!, calendar)?.years ?? []) years.add(y);
  return [...years].sort((a, b) => a - b);
}

/**
 * RECALENDAR { year, calendar }: the host adopted a version of `year` (the one `calendar` names,
 * which the host's calendar must hold) and every running working-day timer that counted on
 * another version of that year is counted again from its start on the host's calendar. The
 * record's payload lists each change { timer, from, to } (old and new due time) and names the
 * versions used; a notice's `until` follows its timer. Nothing to recompute is an error: the host
 * sends the event only to instances that need it.
 */
function recalendar(
  compiled: CompiledFlow,
  snap: InstanceSnapshot,
  event: FlowEvent,
  at: string,
  ms: number,
  payload: Record<string, unknown>,
  calendar: WorkCalendar | undefined,
): StepResult {
  requireRole(event, [SYSTEM_ROLE], 'recomputing due times');
  const issues = payloads.recalendar(payload);
  if (issues.length) payloadInvalid('FORM_INVALID', `${RECALENDAR} payload`, issues);
  const year = payload.year as number;
  const hash = payload.calendar as string;
  if (!calendar?.recorded) throw new EngineError('EVENT_INVALID', `${RECALENDAR} needs the host's calendar`);
  const version = calendar.version(year);
  if (version?.hash !== hash) throw new EngineError('EVENT_INVALID', `the calendar supplied answers ${year} with version ${version?.hash ?? 'none'}, not ${hash}`);
  const before = snap.context.timers;
  let timers = before;
  const changes: { timer: string; from: string; to: string }[] = [];
  for (const id of Object.keys(before)) {
    const t = before[id]!;
    const again = recount(compiled, snap, id, t, calendar);
    if (!again?.years.includes(year)) continue;
    const next = startTimer(again.from, { duration: `P${again.days}D`, calendar: 'working' }, calendar);
    timers = withKeys(timers, { [id]: next });
    changes.push({ timer: id, from: t.due, to: next.due });
  }
  if (!changes.length) throw new EngineError('EVENT_NOT_ALLOWED', `no running timer of this instance counted on another calendar version of ${year}`);
  let disclosure = snap.context.disclosure;
  const noticeTimer = disclosure ? timers[`${disclosure.state}:disclosure`] : undefined;
  if (disclosure && noticeTimer && noticeTimer.due !== disclosure.until) disclosure = { ...disclosure, until: noticeTimer.due };
  const context: InstanceContext = { ...snap.context, timers, disclosure };
  const record = makeRecord(
    snap,
    { type: RECALENDAR, actor: { id: event.actor.id, role: SYSTEM_ROLE }, at, payload: { year, calendar: hash, changes }, state: snap.state },
    calendarsUsed(before, timers, hash),
  );
  return finish(compiled, snap.state, context, snap, record, ms, false);
}
