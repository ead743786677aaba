// History as a hash chain: run events into records, rebuild every snapshot from records alone,
// and verify a chain by re-executing it, naming the first record that does not hold.
import type { CompiledFlow } from './compile.ts';
import { EngineError } from './errors.ts';
import { hashJson } from './hash.ts';
import { sameJson } from './json.ts';
import { calendarLookup, replayCalendar, type CalendarVersion, type CalendarVersions } from './calendar.ts';
import { MIGRATE, migrate, type FlowRef } from './migrate.ts';
import { apply, OBJECTION_PERSONAL, objectionIssues, start, type StepOptions, type StepResult } from './transition.ts';
import { commitmentOf, isCommitment, placesOf, replaceAt, type PersonalValue } from './personal.ts';
import { getAt } from './pointer.ts';
import type { FlowEvent, HistoryRecord, InstanceSnapshot } from './types.ts';

/**
 * The flow versions a chain runs on: one (a chain without migrations), several, or a lookup by
 * version hash. The first record names the version it started on and each MIGRATE record the one
 * it moved to; replay and verify switch to that version there.
 */
export type FlowVersions = CompiledFlow | readonly CompiledFlow[] | ((hash: string) => CompiledFlow | undefined);

function isOne(flows: FlowVersions): flows is CompiledFlow {
  return typeof flows !== 'function' && !Array.isArray(flows);
}

function lookup(flows: FlowVersions): (hash: string) => CompiledFlow | undefined {
  if (typeof flows === 'function') return flows;
  if (isOne(flows)) return (hash) => (hash === flows.hash ? flows : undefined);
  const byHash = new Map((flows as readonly CompiledFlow[]).map((c) => [c.hash, c]));
  return (hash) => byHash.get(hash);
}

/** The version a START record starts, or a MIGRATE record moves to (as the record says). */
function versionNamed(record: HistoryRecord): Partial<FlowRef> | undefined {
  const ref = record?.payload?.[record.type === 'START' ? 'flow' : 'to'];
  return ref !== null && typeof ref === 'object' ? (ref as Partial<FlowRef>) : undefined;
}

/** The compiled version a START or MIGRATE record names, if it was supplied. */
function versionOf(find: (hash: string) => CompiledFlow | undefined, record: HistoryRecord): CompiledFlow | undefined {
  const hash = versionNamed(record)?.hash;
  return typeof hash === 'string' ? find(hash) : undefined;
}

function notSupplied(record: HistoryRecord): string {
  const ref = versionNamed(record);
  const name = `${String(ref?.id)}@${String(ref?.version)} (${String(ref?.hash)})`;
  return record.type === 'START' ? `record 1 starts flow version ${name}, which was not supplied` : `record ${record.seq} migrates to flow version ${name}, which was not supplied`;
}

export class SimulationError extends Error {
  readonly index: number;
  readonly error: EngineError;
  constructor(index: number, cause: EngineError) {
    super(`event ${index}: ${cause.code}: ${cause.message}`);
    this.name = 'SimulationError';
    this.index = index;
    this.error = cause;
  }
}

/**
 * The step options for each record: none for a record that names no calendar versions (the legacy
 * calendar, as it was made), else a calendar of exactly the versions it names, built once per set.
 */
function calendarsFor(versions: CalendarVersions | undefined): (record: HistoryRecord) => StepOptions | undefined {
  let find: ((hash: string) => CalendarVersion | undefined) | undefined;
  const built = new Map<string, StepOptions>();
  return (record) => {
    const hashes = record.calendars;
    if (hashes === undefined) return undefined;
    if (!Array.isArray(hashes)) throw new EngineError('EVENT_INVALID', 'calendars must be a list of calendar version hashes');
    const key = hashes.join(' ');
    let options = built.get(key);
    if (options === undefined) {
      options = { calendar: replayCalendar(hashes, (find ??= calendarLookup(versions))) };
      built.set(key, options);
    }
    return options;
  };
}

/** Runs events from START onwards; returns every step. Throws SimulationError naming the event. */
export function simulate(compiled: CompiledFlow, events: FlowEvent[], options?: StepOptions): StepResult[] {
  const steps: StepResult[] = [];
  events.forEach((event, index) => {
    try {
      steps.push(index === 0 ? start(compiled, event, options) : apply(compiled, steps[index - 1]!.snapshot, event, options));
    } catch (error) {
      if (error instanceof EngineError) throw new SimulationError(index, error);
      throw error;
    }
  });
  return steps;
}

/** The event a record was made from, as the engine takes it again. */
export function eventOf(record: HistoryRecord): FlowEvent {
  const payload = { ...record.payload };
  if (record.type === 'START') delete payload.flow;
  return { type: record.type, actor: { id: record.actor.id, roles: [record.actor.role] }, at: record.at, payload };
}

/**
 * eventOf for verify: a record's payload as the event's own, not a copy, when it is a plain object
 * (as every stored record's is). The engine never changes a payload, the re-executed record then
 * holds the very same object, and comparing it with the stored one (sameRecord) is one identity
 * check instead of a walk through the form. START's payload still loses its `flow` in a copy.
 */
function eventToCheck(record: HistoryRecord): FlowEvent {
  const payload = record.payload;
  if (record.type === 'START' || payload === null || typeof payload !== 'object' || Object.getPrototypeOf(payload) !== Object.prototype) return eventOf(record);
  return { type: record.type, actor: { id: record.actor.id, roles: [record.actor.role] }, at: record.at, payload };
}

export type VerifyResult =
  | { ok: true; count: number; head: string | null }
  | { ok: false; count: number; seq: number; index: number; reason: string };

export interface ReplayOptions {
  /** The calendar versions the records name (a record naming one not supplied fails). */
  calendars?: CalendarVersions;
}

/** Rebuilds each snapshot from the flow versions, calendar versions and the records alone (records assumed verified). */
export function replay(flows: FlowVersions, records: HistoryRecord[], options: ReplayOptions = {}): InstanceSnapshot[] {
  const calendarOf = calendarsFor(options.calendars);
  // simulate(), keeping only the snapshots: holding every step's record and effects until the
  // end of a long history made the garbage collector copy them around, about a third of the time.
  // Built when a record first names a version: a chain on one version never does.
  let find: ((hash: string) => CompiledFlow | undefined) | undefined;
  let compiled: CompiledFlow | undefined = isOne(flows) ? flows : undefined;
  const events = records.map(eventOf);
  const snapshots: InstanceSnapshot[] = [];
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    try {
      const record = records[index]!;
      if (index === 0) {
        compiled ??= versionOf((find ??= lookup(flows)), record);
        if (!compiled) throw new EngineError('EVENT_NOT_ALLOWED', notSupplied(record));
        snapshots.push(start(compiled, event, calendarOf(record)).snapshot);
      } else if (record.type === MIGRATE) {
        const to = versionOf((find ??= lookup(flows)), record);
        if (!to) throw new EngineError('EVENT_NOT_ALLOWED', notSupplied(record));
        snapshots.push(migrate(compiled!, to, snapshots[index - 1]!, event, calendarOf(record)).snapshot);
        compiled = to;
      } else {
        snapshots.push(apply(compiled!, snapshots[index - 1]!, event, calendarOf(record)).snapshot);
      }
    } catch (error) {
      if (error instanceof EngineError) throw new SimulationError(index, error);
      throw error;
    }
  }
  return snapshots;
}

function fail(records: HistoryRecord[], index: number, reason: string): VerifyResult {
  return {
    ok: false,
    count: records.length,
    seq: typeof records[index]?.seq === 'number' ? records[index]!.seq : index + 1,
    index,
    reason,
  };
}

const RECORD_KEYS = 8;

/** True when two records name the same calendar versions (or neither names any). */
function sameCalendars(stored: HistoryRecord, made: HistoryRecord): boolean {
  if (made.calendars === undefined) return !Object.hasOwn(stored, 'calendars');
  return Object.hasOwn(stored, 'calendars') && sameJson(stored.calendars, made.calendars);
}

/**
 * Whether a stored record equals one the engine has just made, but for its hash, (own keys seq, type,
 * actor {id, role}, at, payload, state, prev, hash; strings, a number and null), without its
 * general walk: the stored record, once plain with exactly those keys, compares field by field,
 * and its payload, usually the very object the engine re-executed (see eventToCheck), by identity.
 */
function sameRecord(stored: HistoryRecord, made: HistoryRecord): boolean {
  const proto = Object.getPrototypeOf(stored);
  if ((proto !== Object.prototype && proto !== null) || Object.keys(stored).length !== RECORD_KEYS + (made.calendars === undefined ? 0 : 1)) return false;
  if (!sameCalendars(stored, made)) return false;
  if (!Object.hasOwn(stored, 'hash') || !Object.hasOwn(stored, 'payload')) return false;
  // Scalars, each an own key (Object.prototype has none of these names): equal when identical.
  if (stored.seq !== made.seq || stored.type !== made.type || stored.at !== made.at || stored.state !== made.state || stored.prev !== made.prev) return false;
  if (!Object.hasOwn(stored, 'seq') || !Object.hasOwn(stored, 'type') || !Object.hasOwn(stored, 'at') || !Object.hasOwn(stored, 'state') || !Object.hasOwn(stored, 'prev')) return false;
  const actor = stored.actor;
  if (!Object.hasOwn(stored, 'actor') || actor === null || typeof actor !== 'object') return false;
  const actorProto = Object.getPrototypeOf(actor);
  if ((actorProto !== Object.prototype && actorProto !== null) || Object.keys(actor).length !== 2) return false;
  if (actor.id !== made.actor.id || actor.role !== made.actor.role || !Object.hasOwn(actor, 'id') || !Object.hasOwn(actor, 'role')) return false;
  return stored.payload === made.payload || sameJson(stored.payload, made.payload);
}

export interface VerifyOptions {
  head?: string;
  /**
   * Receives the snapshot of every record before the one the verdict names (all of them when the
   * chain verifies): what replay(flows, records.slice(0, index)) returns, equal as JSON, from the
   * re-execution verify does anyway instead of a second one. (Their data may hold the records'
   * own payload objects, as snapshots from apply hold the events'.)
   */
  snapshots?: InstanceSnapshot[];
  /** The calendar versions the records name: a record naming one not supplied fails, naming it. */
  calendars?: CalendarVersions;
}

/**
 * Re-hashes and re-executes a chain. `head`, when known from elsewhere (the server's head, a
 * printed notice's QR code), also catches a chain that was edited and re-hashed end to end.
 */
export function verify(flows: FlowVersions, records: HistoryRecord[], options: VerifyOptions = {}): VerifyResult {
  const snapshots = options.snapshots;
  const calendarOf = calendarsFor(options.calendars);
  // Built when a record first names a version: a chain on one version never does.
  let find: ((hash: string) => CompiledFlow | undefined) | undefined;
  const one = isOne(flows) ? flows : undefined;
  /** The version the chain runs on after the record before this one. */
  let compiled: CompiledFlow | undefined = one;
  let snapshot: InstanceSnapshot | null = null;
  let prevHash: string | null = null;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const expectedSeq = i + 1;
    if (r === null || typeof r !== 'object') return fail(records, i, `record ${expectedSeq} is not an object`);
    if (r.seq !== expectedSeq) {
      return fail(records, i, `sequence number ${JSON.stringify(r.seq)} where ${expectedSeq} was expected: a record was removed, inserted or reordered`);
    }
    if (r.prev !== prevHash) return fail(records, i, `record ${r.seq} does not link to the record before it: a record was removed, inserted or reordered`);
    // Re-execute first: when the flow makes the very same record, the stored one has the same
    // canonical JSON, whose hash the re-execution has just computed, and it needs neither its own
    // serialisation nor a second SHA-256. Only otherwise is the stored record hashed by itself.
    // The checks below still run in their old order, so every chain gets the same verdict.
    // A record runs on the chain's first version, the one before it, or the one it migrates to.
    const migrating = i > 0 && r.type === MIGRATE;
    const next = i === 0 ? (one ?? versionOf((find ??= lookup(flows)), r)) : migrating ? versionOf((find ??= lookup(flows)), r) : compiled;
    let made: StepResult | undefined;
    let threw = false;
    let error: unknown;
    try {
      if (next !== undefined) {
        const stepOptions = calendarOf(r);
        made = i === 0 ? start(next, eventOf(r), stepOptions) : migrating ? migrate(compiled!, next, snapshot!, eventOf(r), stepOptions) : apply(next, snapshot!, eventToCheck(r), stepOptions);
      }
    } catch (e) {
      threw = true;
      error = e;
    }
    let recomputed: string;
    if (made !== undefined && sameRecord(r, made.record)) {
      recomputed = made.record.hash;
    } else {
      const { hash: _hash, ...unsigned } = r;
      try {
        recomputed = hashJson(unsigned);
      } catch {
        return fail(records, i, `record ${r.seq} is not valid JSON data`);
      }
    }
    const hash = r.hash;
    if (recomputed !== hash) return fail(records, i, `record ${r.seq} does not match its hash: it was edited`);
    if (i === 0 && (r.type !== 'START' || next === undefined || versionNamed(r)?.hash !== next.hash)) {
      return fail(records, i, one ? `record 1 does not start this flow version (${one.flow.id}@${one.flow.version})` : r.type !== 'START' ? 'record 1 is not a START record' : notSupplied(r));
    }
    if (next === undefined) return fail(records, i, notSupplied(r));
    if (threw) {
      if (!(error instanceof EngineError)) throw error;
      if (error.code === 'CALENDAR_MISSING') return fail(records, i, `record ${r.seq} counted working days on a calendar it names: ${error.message}`);
      return fail(records, i, `record ${r.seq} (${r.type}) is not allowed by the flow: ${error.message}`);
    }
    const step: StepResult = made!;
    if (step.record.state !== r.state) {
      return fail(records, i, `record ${r.seq} says the instance went to "${r.state}", but the flow takes it to "${step.record.state}"`);
    }
    if (step.record.hash !== r.hash) return fail(records, i, `record ${r.seq} differs from its re-execution (time, role or payload form)`);
    snapshot = step.snapshot;
    snapshots?.push(snapshot);
    compiled = next;
    prevHash = r.hash;
  }
  if (options.head !== undefined && options.head !== prevHash) {
    // The verdict names the last record, so its snapshot is not one of those before it.
    snapshots?.pop();
    return {
      ok: false,
      count: records.length,
      seq: records.length,
      index: records.length - 1,
      reason: `the chain ends in ${prevHash ?? 'nothing'}, not the expected head ${options.head}: records were re-hashed, added or cut off`,
    };
  }
  return { ok: true, count: records.length, head: prevHash };
}

export type PersonalVerdict =
  | { ok: true; count: number }
  | { ok: false; seq: number; pointer: string; reason: string };

/**
 * Checks personal values against a chain that verify() has accepted: each must sit where the
 * record it names holds a commitment to exactly it (an edited, swapped or re-salted value is named
 * by record and field), and the record's payload with the values put back must satisfy its form.
 * Values may be missing (erased, or withheld from an export): their commitments stand unchecked.
 * A reason names records and fields, never a value.
 */
export function verifyPersonal(flows: FlowVersions, records: HistoryRecord[], values: readonly Pick<PersonalValue, 'seq' | 'pointer' | 'value' | 'salt'>[]): PersonalVerdict {
  const bySeq = new Map<number, Map<string, Pick<PersonalValue, 'value' | 'salt'>>>();
  for (const v of values) {
    const seen = bySeq.get(v.seq) ?? new Map();
    if (seen.has(v.pointer)) return { ok: false, seq: v.seq, pointer: v.pointer, reason: `record ${v.seq}: the personal value at ${v.pointer} is given twice` };
    bySeq.set(v.seq, seen.set(v.pointer, v));
  }
  for (const seq of bySeq.keys()) {
    if (!records[seq - 1]) return { ok: false, seq, pointer: [...bySeq.get(seq)!.keys()][0]!, reason: `a personal value names record ${seq}, which the chain does not have` };
  }
  const find = lookup(flows);
  let compiled: CompiledFlow | undefined;
  let before = '';
  for (const r of records) {
    if (r.type === 'START' || r.type === MIGRATE) compiled = versionOf(find, r);
    const given = bySeq.get(r.seq);
    if (given) {
      const state = r.type === 'SUBMIT' ? compiled?.states.get(before) : undefined;
      // A SUBMIT's marked form fields, or an objection's contact.
      const fields = r.type === 'OBJECT' ? OBJECTION_PERSONAL : (state?.personal?.fields ?? []);
      const check = r.type === 'OBJECT' ? objectionIssues : state?.personal?.recorded;
      const places = new Set(fields.flatMap((f) => placesOf(r.payload, f.path).map(([pointer]) => pointer)));
      for (const [pointer, v] of given) {
        const held = getAt(r.payload, pointer);
        if (!places.has(pointer) || !isCommitment(held)) return { ok: false, seq: r.seq, pointer, reason: `record ${r.seq} has no personal field at ${pointer}` };
        if (commitmentOf(v.salt, v.value) !== held.$personal) {
          return { ok: false, seq: r.seq, pointer, reason: `record ${r.seq}: the personal value at ${pointer} does not match its commitment: it was edited` };
        }
      }
      const filled = replaceAt(r.payload, new Map([...given].map(([pointer, v]) => [pointer, v.value])));
      const issues = check!(filled);
      if (issues.length) {
        return { ok: false, seq: r.seq, pointer: issues[0]!.pointer, reason: `record ${r.seq}: with its personal values the form is invalid at ${issues[0]!.pointer || '/'}: ${issues[0]!.message}` };
      }
    }
    before = r.state;
  }
  return { ok: true, count: values.length };
}
