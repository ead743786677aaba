// The engine's host: loads an instance, runs the pure engine, and hands the result to the store as
// one transaction. Each flow version is compiled once. Time comes from the injected clock.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  apply, calendarVersion, checkCalendarYear, compileFlow, makeWorkCalendar, openSteps, RECALENDAR, staleCalendarYears, start, CalendarRefusedError,
  type ActiveTimer, type CalendarVersion, type CalendarYear, type HistoryRecord, type CompiledFlow, type FlowEvent, type StateConfig, type StepResult, type WorkCalendar,
} from '../../engine/index.ts';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from '../access/auth.ts';
import type { Clock } from '../clock.ts';
import { useNodeCrypto } from '../node-crypto.ts';
import { ForbiddenError, InvalidInputError } from '../errors.ts';
import { actingRoles, canRead } from '../access/scope.ts';
import { objectsNow, readAccess, readsAsParticipant, readScope, type OwnMatterRoles, type ReadAccess, type ReadAs } from '../access/readRule.ts';
import { RoleCatalogues } from '../org/roles.ts';
import { recordedSubject } from './subject.ts';
import { checkVoter, currentRoster, rosterSnapshot, withRoster, type Roster } from '../org/rosters.ts';
import { ConflictError, NotFoundError, type CatalogueStart, type Instance, type ReadScope, type Store, type User, type Village } from '../store/types.ts';

export const SYSTEM_ACTOR = { id: 'system', roles: ['system'] };

/**
 * The salt of a live event that may record personal fields (a SUBMIT's marked fields, an OBJECT's
 * contact): 256 random bits, from which the engine derives each field's commitment salt
 * (docs/personal-data.md). Never stored itself.
 */
export function eventSalt(type: string): { salt?: string } {
  return type === 'SUBMIT' || type === 'OBJECT' ? { salt: randomBytes(32).toString('hex') } : {};
}

/**
 * The instance as the store holds it once `step` is committed, built from what was written rather
 * than read back: the row's state, status, outcome, seq and head come from the snapshot, and it
 * was updated at the record's time. Fields are listed, not spread, so a lazily parsed snapshot of
 * the instance before is never parsed for this.
 */
function written(before: Omit<Instance, 'state' | 'status' | 'outcome' | 'seq' | 'head' | 'updatedAt'>, step: StepResult): Instance {
  const s = step.snapshot;
  return {
    id: before.id,
    villageId: before.villageId,
    townshipId: before.townshipId,
    flowVersionId: before.flowVersionId,
    flowId: before.flowId,
    title: before.title,
    state: s.state,
    status: s.status,
    outcome: s.outcome,
    seq: s.seq,
    head: s.hash,
    snapshot: s,
    startedBy: before.startedBy,
    createdAt: before.createdAt,
    updatedAt: step.record.at,
  };
}

useNodeCrypto();

/** How long a process trusts its copy of a township's calendar (another process may adopt a year). */
const CALENDAR_TTL_MS = 10_000;

interface TownshipCalendar {
  calendar: WorkCalendar;
  /** Hashes known to be stored (the township's versions, and provisional ones once persisted). */
  stored: Set<string>;
  /** Years with an official version (baseline or adopted): any other year is provisional. */
  official: Set<number>;
  loadedAt: number;
}

/**
 * Flows compiled from a stored version's JSON, by its exact text, for every runtime of the process
 * (a compile costs 30-110 ms of Ajv and XState work; test files start hundreds of servers in one
 * process, production one). A compiled flow is a function of that text alone, and what it keeps
 * between events (see CompiledFlow.hot) is checked by identity, so runtimes share it as the
 * requests of one runtime do. The newest COMPILED_KEPT texts are kept.
 */
const compiledByText = new Map<string, CompiledFlow>();
const COMPILED_KEPT = 32;

/** A stored flow version's JSON, compiled (once per text while it is among the newest kept). */
export function compileStoredFlow(json: string): CompiledFlow {
  let c = compiledByText.get(json);
  if (c) {
    compiledByText.delete(json);
  } else {
    c = compileFlow(JSON.parse(json));
    if (compiledByText.size >= COMPILED_KEPT) compiledByText.delete(compiledByText.keys().next().value!);
  }
  compiledByText.set(json, c);
  return c;
}

/** How long a village read from the store is used before it is read again (see Runtime.villages). */
const VILLAGE_CACHE_MS = 60_000;

export class Runtime {
  private compiledFlows = new Map<number, CompiledFlow>();
  /**
   * Villages as last read, and when (ms). A village is renamed or archived, never deleted: this
   * process forgets it at once (forgetVillage), other processes sharing the database re-read it
   * within VILLAGE_CACHE_MS.
   */
  private villages = new Map<string, { village: Village; readAt: number }>();
  /** Hashes of the roster snapshots this process has committed (see send). */
  private rostersStored = new Set<string>();
  private calendars = new Map<string, TownshipCalendar>();
  /** The townships' role catalogues, as the read rule needs them (server/org/roles.ts). */
  readonly roles: RoleCatalogues;
  constructor(
    readonly store: Store,
    readonly clock: Clock,
    /** How long sign-ins last (server/access/auth.ts). */
    readonly sessions: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {
    this.roles = new RoleCatalogues(store);
  }

  /** The roles of the user's township that read only their holders' own matters (its catalogue's), knowing the user's. */
  ownMatterRoles(user: User): Promise<OwnMatterRoles> {
    return this.roles.ownMatterRoles(user.townshipId, user.roles.map((g) => g.role));
  }

  now(): string {
    return this.clock().toISOString();
  }

  async compiled(flowVersionId: number): Promise<CompiledFlow> {
    let c = this.compiledFlows.get(flowVersionId);
    if (!c) {
      const v = await this.store.getFlowVersion(flowVersionId);
      if (!v) throw new NotFoundError(`flow version ${flowVersionId} does not exist`);
      c = compileStoredFlow(v.json);
      this.compiledFlows.set(flowVersionId, c);
    }
    return c;
  }

  async village(id: string): Promise<Village> {
    const v = await this.knownVillage(id);
    if (!v) throw new NotFoundError(`village ${id} does not exist`);
    return v;
  }

  /** A village was renamed or archived: read it afresh next time. */
  forgetVillage(id: string) {
    this.villages.delete(id);
  }

  private async knownVillage(id: string): Promise<Village | null> {
    const cached = this.villages.get(id);
    const now = Date.now();
    if (cached && now - cached.readAt < VILLAGE_CACHE_MS) return cached.village;
    const read = await this.store.getVillage(id);
    if (!read) return null;
    const village = Object.freeze(read);
    this.villages.set(id, { village, readAt: now });
    return village;
  }

  /** The instance and its village, if the user may read it (server/access/readRule.ts), and as what; otherwise the same error as missing. */
  async readable(user: User, instanceId: string): Promise<{ instance: Instance; village: Village; as: ReadAs }> {
    const found = await this.found(user, instanceId);
    const access = await this.access(user, found.village, found.instance);
    if (!access.read) throw new NotFoundError(`instance ${instanceId} does not exist`);
    return { ...found, as: access.as };
  }

  /** Whether the user reads the matter, and as what (server/access/readRule.ts); its people are looked up only when their roles do not decide. */
  async access(user: User, village: Village, instance: Instance): Promise<ReadAccess> {
    const flow = (await this.compiled(instance.flowVersionId)).flow;
    const own = await this.ownMatterRoles(user);
    return readAccess(user, village, flow, readsAsParticipant(user, village, flow, own) ? [] : await this.store.matterPeople(instance.id), own);
  }

  /** The instance and its village, if it is in the user's township; otherwise the same error as missing. */
  private async found(user: User, instanceId: string): Promise<{ instance: Instance; village: Village }> {
    const instance = await this.store.getInstance(instanceId);
    const village = instance && (await this.knownVillage(instance.villageId));
    if (!instance || !village || !canRead(user, village)) throw new NotFoundError(`instance ${instanceId} does not exist`);
    return { instance, village };
  }

  /** What a user may read, for list queries: the township's published flow versions against the read rule. */
  async readScope(user: User, villages: Village[]): Promise<ReadScope> {
    const ids = await this.store.publishedVersionIds(user.townshipId);
    const versions = await Promise.all(ids.map(async (id) => ({ id, flow: (await this.compiled(id)).flow })));
    return readScope(user, villages, versions, await this.ownMatterRoles(user));
  }

  /** Starts a flow in a village; `catalogueStart` (the item it was started from) commits with it. */
  async start(user: User, input: { villageId: string; flowId: string; title?: string; data?: Record<string, unknown> }, catalogueStart?: CatalogueStart): Promise<Instance> {
    const village = await this.village(input.villageId);
    if (!canRead(user, village)) throw new ForbiddenError(`you have no role in village ${village.name}`);
    // Read afresh: another process may have archived it since this one cached it.
    if ((await this.store.getVillage(village.id))?.archivedAt) throw new InvalidInputError(`/villageId: village ${village.name} is archived; no new matters start there`, [{ pointer: '/villageId', message: 'is archived', code: 'villageArchived', params: { village: village.name } }]);
    const allowed = await this.store.flowsForVillage(village.id);
    const version = allowed.find((f) => f.flowId === input.flowId);
    if (!version) throw new InvalidInputError(`flow ${input.flowId} is not published for village ${village.name}`);
    const compiled = await this.compiled(version.id);
    const event: FlowEvent = { type: 'START', actor: { id: user.id, roles: actingRoles(user, village) }, at: this.now(), payload: input.data ? { data: input.data } : {} };
    const calendar = await this.calendar(village.townshipId);
    const step = start(compiled, event, { calendar });
    await this.persistCalendars(village.townshipId, step);
    const id = randomUUID();
    const title = input.title?.trim() || compiled.flow.title.zh;
    const created = { id, villageId: village.id, townshipId: village.townshipId, flowVersionId: version.id, flowId: version.flowId, title, snapshot: step.snapshot, startedBy: user.id, createdAt: step.record.at };
    const subject = await recordedSubject(this.store, compiled, village, user, null, step.snapshot, await this.ownMatterRoles(user));
    await this.store.createInstance(created, { ...this.write(compiled, step), ...(subject !== undefined ? { subject } : {}) }, catalogueStart);
    return written(created, step);
  }

  /** Sends a person's event; `seq` is the sequence number the sender saw (stale → CONFLICT). */
  async send(user: User, input: { instanceId: string; seq: number; type: string; payload?: Record<string, unknown> }): Promise<Instance> {
    const { instance, village } = await this.found(user, input.instanceId);
    const compiled = await this.compiled(instance.flowVersionId);
    // A reader, or an objector to a notice the matter has posted (server/access/readRule.ts objectsNow).
    if (!(await this.access(user, village, instance)).read && !objectsNow(user, village, compiled, instance.snapshot, input.type)) {
      throw new NotFoundError(`instance ${input.instanceId} does not exist`);
    }
    if (input.type === 'TIMER') throw new ForbiddenError('timer events come from the scheduler only');
    if (input.seq !== instance.seq) {
      // Checked before the engine so a stale form is reported as such, not as a rule violation.
      throw new ConflictError(`instance has moved on (you saw record ${input.seq}, it is at ${instance.seq}); reload and try again`);
    }
    if (input.type === RECALENDAR) throw new ForbiddenError('due times are recomputed by the system when a calendar year is adopted');
    let payload = input.payload ?? {};
    const at = this.now();
    const actor = { id: user.id, roles: actingRoles(user, village) };
    const state = compiled.flow.states[instance.snapshot.state];
    if (state?.vote?.secret) payload = await this.secretVotePayload(instance, input.type, payload);
    const roster = state?.vote ? await this.rosterFor(village, state, actor.roles, input.type, user.id, at) : undefined;
    if (roster) payload = withRoster(payload, roster);
    const event: FlowEvent = { type: input.type, actor, at, payload, ...eventSalt(input.type) };
    const step = apply(compiled, instance.snapshot, event, { calendar: await this.calendar(instance.townshipId) });
    const subject = await recordedSubject(this.store, compiled, village, user, instance.snapshot, step.snapshot, await this.ownMatterRoles(user));
    await this.persistCalendars(instance.townshipId, step);
    // A roster this process has stored already is there for good (snapshots are never changed or
    // deleted): only a new one is written, in the event's transaction.
    const newRoster = roster && !this.rostersStored.has(roster.hash) ? roster : undefined;
    await this.store.appendEvent({
      instanceId: instance.id,
      expectedSeq: input.seq,
      ...this.write(compiled, step),
      ...(subject !== undefined ? { subject } : {}),
      ...(newRoster ? { roster: rosterSnapshot(village.id, state!.vote!.electorate, newRoster, at) } : {}),
    });
    if (newRoster) {
      if (this.rostersStored.size >= 10_000) this.rostersStored.clear();
      this.rostersStored.add(newRoster.hash);
    }
    return written(instance, step);
  }

  /**
   * The body's roster for a meeting record or a ballot's closing (server/org/rosters.ts), read only for
   * those events at a vote step of their mode and only when the sender may send them (anyone else
   * is refused by the engine as before); a ballot is first held to the roster's voting members.
   */
  private async rosterFor(village: Village, state: StateConfig, roles: string[], type: string, userId: string, at: string): Promise<Roster | undefined> {
    const vote = state.vote!;
    if (type === 'CAST_BALLOT' && vote.mode === 'ballot' && roles.includes(vote.electorate)) await checkVoter(this.store, village, vote, userId, at);
    const closes = (type === 'RECORD_VOTE' && vote.mode === 'record') || (type === 'CLOSE_VOTE' && vote.mode === 'ballot');
    if (!closes || !state.roles?.some((r) => roles.includes(r))) return undefined;
    return currentRoster(this.store, village, vote, at);
  }

  /**
   * What the host adds to a secret vote's events (see docs/secret-ballots.md): a ballot gets a
   * random box id, drawn here because the engine draws nothing; closing gets the ballot box, read
   * with the seq it belongs to. The box comes from the store only: a sender cannot supply one.
   */
  private async secretVotePayload(instance: Instance, type: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (type === 'CAST_BALLOT') return { ...payload, ballot: randomBytes(16).toString('hex') };
    if (type !== 'CLOSE_VOTE') return payload;
    if (Object.hasOwn(payload, 'box')) throw new InvalidInputError('a secret vote is counted from its ballot box, which the server passes in: leave out "box"');
    const box = await this.store.ballotBox(instance.id);
    if (!box) throw new NotFoundError(`instance ${instance.id} does not exist`);
    if (box.seq !== instance.seq) throw new ConflictError(`instance has moved on (you saw record ${instance.seq}, it is at ${box.seq}); reload and try again`);
    return { ...payload, box: box.ballots };
  }

  /** Delivers one due timer. Returns false when it is no longer running (already delivered). */
  async deliverTimer(instanceId: string, timerId: string): Promise<boolean> {
    const instance = await this.store.getInstance(instanceId);
    if (!instance || instance.status === 'done' || !instance.snapshot.context.timers[timerId]) return false;
    const compiled = await this.compiled(instance.flowVersionId);
    const event: FlowEvent = { type: 'TIMER', actor: SYSTEM_ACTOR, at: this.now(), payload: { timer: timerId } };
    const step = apply(compiled, instance.snapshot, event, { calendar: await this.calendar(instance.townshipId) });
    await this.persistCalendars(instance.townshipId, step);
    await this.store.appendEvent({ instanceId, expectedSeq: instance.seq, ...this.write(compiled, step) });
    return true;
  }

  // --- The working-day calendar (engine/calendar.ts, server/store/calendars.ts) ---

  private async loadCalendar(townshipId: string): Promise<TownshipCalendar> {
    let c = this.calendars.get(townshipId);
    if (!c || Date.now() - c.loadedAt > CALENDAR_TTL_MS) {
      const was = c;
      const years = await this.store.calendarYears(townshipId);
      const versions = years.map((y) => y.version);
      c = { calendar: makeWorkCalendar(versions), stored: new Set(versions.map((v) => v.hash)), official: new Set(versions.filter((v) => v.status === 'official').map((v) => v.year)), loadedAt: Date.now() };
      this.calendars.set(townshipId, c);
      // Another process adopted a year while this one still counted on its old copy: what this
      // process counted meanwhile is recomputed too (a failure is retried at the next start-up).
      if (was && versions.some((v) => !was.stored.has(v.hash))) void this.recalendar(townshipId).catch(() => {});
    }
    return c;
  }

  /** The township's calendar: its versions of each year, provisional ones from the law for the others. */
  async calendar(townshipId: string): Promise<WorkCalendar> {
    return (await this.loadCalendar(townshipId)).calendar;
  }

  /**
   * Whether a timer's due time was counted on a provisional year (one without an official schedule
   * when it was counted): the years it counted on that the township has no official version of, or
   * whose version it counted on is not the township's (a recompute is still to come).
   */
  async dueCalendar(townshipId: string, timer: ActiveTimer | undefined): Promise<{ dueProvisional: boolean; provisionalYears: number[] }> {
    const used = timer?.calendars;
    if (!used) return { dueProvisional: false, provisionalYears: [] };
    const { official, calendar } = await this.loadCalendar(townshipId);
    const provisionalYears = Object.entries(used)
      .filter(([year, hash]) => !official.has(Number(year)) || calendar.version(Number(year))?.hash !== hash)
      .map(([year]) => Number(year));
    return { dueProvisional: provisionalYears.length > 0, provisionalYears };
  }

  /**
   * Stores the provisional versions a step's record names before the record itself (content-addressed,
   * insert-if-absent), so replay and export never depend on the code that made them.
   */
  async persistCalendars(townshipId: string, step: StepResult): Promise<void> {
    const hashes = step.record.calendars;
    if (!hashes) return;
    const c = await this.loadCalendar(townshipId);
    const missing = hashes.filter((h) => !c.stored.has(h));
    if (!missing.length) return;
    const versions = c.calendar.versions().filter((v) => missing.includes(v.hash));
    await this.store.putCalendarVersions(versions, step.record.at);
    for (const v of versions) c.stored.add(v.hash);
  }

  /** The stored calendar versions a chain's records name (for verify and the export bundle). */
  async chainCalendars(records: HistoryRecord[]): Promise<CalendarVersion[]> {
    const hashes = [...new Set(records.flatMap((r) => r.calendars ?? []))];
    return hashes.length ? this.store.getCalendarVersions(hashes) : [];
  }

  /** Which active instances of the township have a timer counted on another version than the calendar's now (ids, with the years). */
  async staleInstances(townshipId: string, calendar?: WorkCalendar): Promise<{ id: string; years: number[] }[]> {
    const cal = calendar ?? (await this.calendar(townshipId));
    const out: { id: string; years: number[] }[] = [];
    const page = 500;
    for (let offset = 0; ; offset += page) {
      const list = await this.store.listInstances({ townshipId, status: 'active', limit: page, offset });
      for (const i of list) {
        const years = staleCalendarYears(await this.compiled(i.flowVersionId), i.snapshot, cal);
        if (years.length) out.push({ id: i.id, years });
      }
      if (list.length < page) return out;
    }
  }

  /**
   * Checks a year's schedule; refuses it naming every problem (nothing changes), else stores the
   * version and the adoption (with its audit entry) and recomputes every running timer that counted
   * on another version of the year. Returns the version's hash and how many instances changed.
   */
  async adoptCalendar(user: User, year: CalendarYear): Promise<{ hash: string; recomputed: number }> {
    const official: CalendarYear = { ...year, status: 'official' };
    const problems = checkCalendarYear(official);
    if (problems.length) throw new CalendarRefusedError(official.year, problems);
    const version = calendarVersion(official);
    const at = this.now();
    await this.store.adoptCalendar(
      { townshipId: user.townshipId, version, by: user.id, at },
      { townshipId: user.townshipId, at, actorId: user.id, action: 'calendar.adopt', target: String(version.year), details: { year: version.year, hash: version.hash, title: version.source?.title ?? null, number: version.source?.number ?? null } },
    );
    this.calendars.delete(user.townshipId);
    return { hash: version.hash, recomputed: await this.recalendar(user.townshipId) };
  }

  /**
   * Sends RECALENDAR to every active instance of the township whose timers counted on a version the
   * township no longer answers with (after an adoption; at start-up, whatever an interrupted
   * adoption left). Each is a normal event; a conflicting write is retried on the fresh instance.
   */
  async recalendar(townshipId: string): Promise<number> {
    this.calendars.delete(townshipId);
    const calendar = await this.calendar(townshipId);
    let count = 0;
    for (const { id } of await this.staleInstances(townshipId, calendar)) {
      for (let attempt = 0; ; attempt++) {
        const instance = await this.store.getInstance(id);
        if (!instance) break;
        const compiled = await this.compiled(instance.flowVersionId);
        if (!staleCalendarYears(compiled, instance.snapshot, calendar).length) break;
        try {
          let snapshot = instance.snapshot;
          const steps: StepResult[] = [];
          // One record per stale year; recomputing one year's timers counts them on the township's
          // current versions of every year, so what is still stale is asked again after each.
          for (let years = staleCalendarYears(compiled, snapshot, calendar); years.length; years = staleCalendarYears(compiled, snapshot, calendar)) {
            const event: FlowEvent = { type: RECALENDAR, actor: SYSTEM_ACTOR, at: this.now(), payload: { year: years[0]!, calendar: calendar.version(years[0]!)!.hash } };
            const step = apply(compiled, snapshot, event, { calendar });
            steps.push(step);
            snapshot = step.snapshot;
          }
          let seq = instance.seq;
          for (const step of steps) {
            await this.persistCalendars(townshipId, step);
            await this.store.appendEvent({ instanceId: id, expectedSeq: seq, ...this.write(compiled, step) });
            seq = step.snapshot.seq;
          }
          count++;
          break;
        } catch (error) {
          if (!(error instanceof ConflictError) || attempt >= 5) throw error;
        }
      }
    }
    return count;
  }

  /** At start-up: finishes the recomputes an interrupted adoption left, in every township that adopted a year. */
  async finishRecalendars(): Promise<number> {
    let count = 0;
    for (const townshipId of await this.store.calendarTownships()) count += await this.recalendar(townshipId);
    return count;
  }

  private write(compiled: CompiledFlow, step: StepResult) {
    const write = { record: step.record, snapshot: step.snapshot, effects: step.effects, tasks: openSteps(compiled, step.snapshot) };
    return step.personal ? { ...write, personal: step.personal } : write;
  }
}
