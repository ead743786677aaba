// The engine's host: loads an instance, runs the pure engine, and hands the result to the store as
// one transaction. Each flow version is compiled once. Time comes from the injected clock.
import { randomBytes, randomUUID } from 'node:crypto';
import { apply, compileFlow, openSteps, start, type CompiledFlow, type FlowEvent, type StepResult } from '../engine/index.ts';
import { DEFAULT_SESSION_POLICY, type SessionPolicy } from './auth.ts';
import type { Clock } from './clock.ts';
import { useNodeCrypto } from './node-crypto.ts';
import { ForbiddenError, InvalidInputError } from './errors.ts';
import { actingRoles, canRead } from './scope.ts';
import { actsNow, readAccess, readScope, type ReadAs } from './readRule.ts';
import { ConflictError, NotFoundError, type CatalogueStart, type Instance, type ReadScope, type Store, type User, type Village } from './store/types.ts';

export const SYSTEM_ACTOR = { id: 'system', roles: ['system'] };

/**
 * The salt of a live event that may record personal fields (a SUBMIT): 256 random bits, from which
 * the engine derives each field's commitment salt (docs/personal-data.md). Never stored itself.
 */
export function eventSalt(type: string): { salt?: string } {
  return type === 'SUBMIT' ? { salt: randomBytes(32).toString('hex') } : {};
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

export class Runtime {
  private compiledFlows = new Map<number, CompiledFlow>();
  /** Villages are created and never changed or deleted, so once read one is good for any process. */
  private villages = new Map<string, Village>();
  constructor(
    readonly store: Store,
    readonly clock: Clock,
    /** How long sign-ins last (server/auth.ts). */
    readonly sessions: SessionPolicy = DEFAULT_SESSION_POLICY,
  ) {}

  now(): string {
    return this.clock().toISOString();
  }

  async compiled(flowVersionId: number): Promise<CompiledFlow> {
    let c = this.compiledFlows.get(flowVersionId);
    if (!c) {
      const v = await this.store.getFlowVersion(flowVersionId);
      if (!v) throw new NotFoundError(`flow version ${flowVersionId} does not exist`);
      c = compileFlow(JSON.parse(v.json));
      this.compiledFlows.set(flowVersionId, c);
    }
    return c;
  }

  async village(id: string): Promise<Village> {
    const v = await this.knownVillage(id);
    if (!v) throw new NotFoundError(`village ${id} does not exist`);
    return v;
  }

  private async knownVillage(id: string): Promise<Village | null> {
    let v = this.villages.get(id);
    if (!v) {
      const read = await this.store.getVillage(id);
      if (!read) return null;
      this.villages.set(id, (v = Object.freeze(read)));
    }
    return v;
  }

  /** The instance and its village, if the user may read it (server/readRule.ts), and as what; otherwise the same error as missing. */
  async readable(user: User, instanceId: string): Promise<{ instance: Instance; village: Village; as: ReadAs }> {
    const found = await this.found(user, instanceId);
    const access = readAccess(user, found.village, (await this.compiled(found.instance.flowVersionId)).flow, found.instance);
    if (!access.read) throw new NotFoundError(`instance ${instanceId} does not exist`);
    return { ...found, as: access.as };
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
    return readScope(user, villages, versions);
  }

  /** Starts a flow in a village; `catalogueStart` (the item it was started from) commits with it. */
  async start(user: User, input: { villageId: string; flowId: string; title?: string; data?: Record<string, unknown> }, catalogueStart?: CatalogueStart): Promise<Instance> {
    const village = await this.village(input.villageId);
    if (!canRead(user, village)) throw new ForbiddenError(`you have no role in village ${village.name}`);
    const allowed = await this.store.flowsForVillage(village.id);
    const version = allowed.find((f) => f.flowId === input.flowId);
    if (!version) throw new InvalidInputError(`flow ${input.flowId} is not published for village ${village.name}`);
    const compiled = await this.compiled(version.id);
    const event: FlowEvent = { type: 'START', actor: { id: user.id, roles: actingRoles(user, village) }, at: this.now(), payload: input.data ? { data: input.data } : {} };
    const step = start(compiled, event);
    const id = randomUUID();
    const title = input.title?.trim() || compiled.flow.title.zh;
    const created = { id, villageId: village.id, townshipId: village.townshipId, flowVersionId: version.id, flowId: version.flowId, title, snapshot: step.snapshot, startedBy: user.id, createdAt: step.record.at };
    await this.store.createInstance(created, this.write(compiled, step), catalogueStart);
    return written(created, step);
  }

  /** Sends a person's event; `seq` is the sequence number the sender saw (stale → CONFLICT). */
  async send(user: User, input: { instanceId: string; seq: number; type: string; payload?: Record<string, unknown> }): Promise<Instance> {
    const { instance, village } = await this.found(user, input.instanceId);
    const compiled = await this.compiled(instance.flowVersionId);
    // A reader, or someone the current step takes an event from (an objector to a posted notice).
    if (!readAccess(user, village, compiled.flow, instance).read && !actsNow(user, village, compiled, instance.snapshot)) {
      throw new NotFoundError(`instance ${input.instanceId} does not exist`);
    }
    if (input.type === 'TIMER') throw new ForbiddenError('timer events come from the scheduler only');
    if (input.seq !== instance.seq) {
      // Checked before the engine so a stale form is reported as such, not as a rule violation.
      throw new ConflictError(`instance has moved on (you saw record ${input.seq}, it is at ${instance.seq}); reload and try again`);
    }
    let payload = input.payload ?? {};
    if (compiled.flow.states[instance.snapshot.state]?.vote?.secret) payload = await this.secretVotePayload(instance, input.type, payload);
    const event: FlowEvent = { type: input.type, actor: { id: user.id, roles: actingRoles(user, village) }, at: this.now(), payload, ...eventSalt(input.type) };
    const step = apply(compiled, instance.snapshot, event);
    await this.store.appendEvent({ instanceId: instance.id, expectedSeq: input.seq, ...this.write(compiled, step) });
    return written(instance, step);
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
    const step = apply(compiled, instance.snapshot, event);
    await this.store.appendEvent({ instanceId, expectedSeq: instance.seq, ...this.write(compiled, step) });
    return true;
  }

  private write(compiled: CompiledFlow, step: StepResult) {
    const write = { record: step.record, snapshot: step.snapshot, effects: step.effects, tasks: openSteps(compiled, step.snapshot) };
    return step.personal ? { ...write, personal: step.personal } : write;
  }
}
